//! What every domain of the server uses: the clock, the hash an operation's id is bound to, and
//! the stores' local day.
pub use portal_db::body_hash;
pub use portal_store_ops::day::local_day;

/// Unix seconds now.
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or_default()
}
