//! The embedded SQLite store (WAL). One connection behind a mutex; every call runs on the
//! blocking pool so the async runtime never waits on disk.
use std::{
    path::Path,
    sync::{Arc, Mutex},
};

use async_trait::async_trait;
use portal_api::{Dealer, Favourite, FavouriteKind, FavouriteOp, IdentityKind, Role, Store as StoreInfo};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use uuid::Uuid;

use portal_db::*;

pub mod accounts;
pub mod allocations;
mod approvals;
mod audiences;
mod campaigns;
pub mod catalog;
mod console;
mod coupons;
pub mod customers;
mod delivery;
pub mod events;
pub mod experiments;
pub mod favourites;
mod funds;
pub mod orders;
pub mod org;
mod outbound;
pub mod people;
pub mod price_lists;
pub mod rebates;
pub mod sessions;
pub mod sign_in;
pub mod store_ops;
pub mod trail;
pub mod triggers;

/// Server schema migrations, in order. The database's `user_version` is how many have run.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_user_center.sql"),
    include_str!("../migrations/0002_catalog.sql"),
    include_str!("../migrations/0003_favourites.sql"),
    include_str!("../migrations/0004_store_ops.sql"),
    include_str!("../migrations/0005_stock_balances.sql"),
    include_str!("../migrations/0006_transfer_waits.sql"),
    include_str!("../migrations/0007_store_managers.sql"),
    include_str!("../migrations/0008_return_tills.sql"),
    include_str!("../migrations/0009_trust.sql"),
    include_str!("../migrations/0010_dev_messages.sql"),
    include_str!("../migrations/0011_behaviour_events.sql"),
    include_str!("../migrations/0012_experiment_lists.sql"),
    include_str!("../migrations/0013_customer_tags.sql"),
    include_str!("../migrations/0014_counter_offers.sql"),
    include_str!("../migrations/0015_triggers.sql"),
    include_str!("../migrations/0016_birthdays.sql"),
    include_str!("../migrations/0017_bounded_marketing.sql"),
    include_str!("../migrations/0018_marketing_indexes.sql"),
    include_str!("../migrations/0019_trail_days.sql"),
    include_str!("../migrations/0020_interest_by_person.sql"),
    include_str!("../migrations/0021_price_lists.sql"),
    include_str!("../migrations/0022_orders.sql"),
    include_str!("../migrations/0023_rebates.sql"),
    include_str!("../migrations/0024_dealer_tiers.sql"),
    include_str!("../migrations/0025_price_entries_open_once.sql"),
    include_str!("../migrations/0026_allocation.sql"),
    include_str!("../migrations/0027_dealer_funds.sql"),
    include_str!("../migrations/0028_console.sql"),
    include_str!("../migrations/0029_approvals.sql"),
    include_str!("../migrations/0030_campaigns.sql"),
    include_str!("../migrations/0031_campaign_delivery.sql"),
    include_str!("../migrations/0032_inbox_links.sql"),
    include_str!("../migrations/0033_coupons.sql"),
    include_str!("../migrations/0034_outbound.sql"),
    include_str!("../migrations/0035_audiences.sql"),
];

pub struct SqliteDatabase {
    conn: Arc<Mutex<Connection>>,
    path: String,
    /// The thread that checkpoints beside `conn`, and its stop flag.
    checkpointer: Option<(std::thread::JoinHandle<()>, Arc<std::sync::atomic::AtomicBool>)>,
    /// Who is woken when `conn` writes an inbox message (`Triggers::watch_inbox`).
    inbox_watchers: Arc<std::sync::RwLock<Vec<InboxWake>>>,
}

impl Drop for SqliteDatabase {
    /// Stops the checkpoint thread and waits for it, so that the main connection closes last
    /// (SQLite then folds the whole log in and removes it: the file alone is the database).
    fn drop(&mut self) {
        if let Some((thread, stop)) = self.checkpointer.take() {
            stop.store(true, std::sync::atomic::Ordering::Release);
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}

pub(crate) fn uuid_of(text: String) -> rusqlite::Result<Uuid> {
    Uuid::parse_str(&text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into()))
}

pub(crate) fn opt_uuid(text: Option<String>) -> rusqlite::Result<Option<Uuid>> {
    text.map(uuid_of).transpose()
}

fn role_of(text: String) -> rusqlite::Result<Role> {
    Role::parse(&text).ok_or_else(|| rusqlite::Error::InvalidColumnType(0, text, rusqlite::types::Type::Text))
}

fn kind_of(text: String) -> rusqlite::Result<IdentityKind> {
    IdentityKind::parse(&text).ok_or_else(|| rusqlite::Error::InvalidColumnType(0, text, rusqlite::types::Type::Text))
}

const USER_COLUMNS: &str =
    "id, display_name, role, store_id, dealer_id, password_hash, created_at, discount_limit_percent";

fn user_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<UserRecord> {
    Ok(UserRecord {
        id: uuid_of(row.get(0)?)?,
        display_name: row.get(1)?,
        role: role_of(row.get(2)?)?,
        store_id: opt_uuid(row.get(3)?)?,
        dealer_id: opt_uuid(row.get(4)?)?,
        password_hash: row.get(5)?,
        created_at: row.get(6)?,
        discount_limit_percent: row.get(7)?,
    })
}

const SESSION_COLUMNS: &str = "id, user_id, device_name, created_at, last_seen_at, generation, rotated_at, revoked_at";

fn session_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<SessionRecord> {
    Ok(SessionRecord {
        id: uuid_of(row.get(0)?)?,
        user_id: uuid_of(row.get(1)?)?,
        device_name: row.get(2)?,
        created_at: row.get(3)?,
        last_seen_at: row.get(4)?,
        generation: row.get(5)?,
        rotated_at: row.get(6)?,
        revoked_at: row.get(7)?,
    })
}

fn identity_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<IdentityRecord> {
    Ok(IdentityRecord {
        kind: kind_of(row.get(0)?)?,
        value: row.get(1)?,
        user_id: uuid_of(row.get(2)?)?,
        verified: row.get(3)?,
        linked_at: row.get(4)?,
    })
}

fn insert_identity(conn: &Connection, user_id: Uuid, identity: &NewIdentity, now: i64) -> DbResult<()> {
    let result = conn.execute(
        "INSERT INTO identities (kind, value, user_id, verified, linked_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![identity.kind.as_str(), identity.value, user_id.to_string(), identity.verified, now],
    );
    match result {
        Ok(_) => Ok(()),
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::ConstraintViolation => {
            Err(DbError::Conflict(format!("{} {}", identity.kind.as_str(), identity.value)))
        }
        Err(e) => Err(e.into()),
    }
}

/// Pages in the log after which the commit that grows it past them checkpoints itself.
const CHECKPOINT_AT_THE_LATEST: i64 = 4_000;
/// How often the log is folded into the database beside the connection.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

/// Folds the write-ahead log into the database every `CHECKPOINT_EVERY` on a connection of its
/// own (PASSIVE: never waiting for, nor holding up, the connection's readers and writers), until
/// its stop flag is raised (see `Drop`). At 500 served lists a second the commit that filled the
/// log checkpointed it about twice a second, each time holding every other call behind it.
fn checkpoint_beside(path: &Path) -> DbResult<(std::thread::JoinHandle<()>, Arc<std::sync::atomic::AtomicBool>)> {
    let conn = Connection::open(path)?;
    let path = path.display().to_string();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stopped = stop.clone();
    let thread = std::thread::Builder::new()
        .name("sqlite-checkpoint".into())
        .spawn(move || {
            let mut warned = false;
            while !stopped.load(std::sync::atomic::Ordering::Acquire) {
                std::thread::park_timeout(CHECKPOINT_EVERY);
                // (busy, pages in the log, pages of it now in the database)
                let outcome = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                    Ok((r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
                });
                match outcome {
                    Ok((log, done)) if log - done > CHECKPOINT_AT_THE_LATEST / 2 && !warned => {
                        tracing::warn!(%path, log, done, "checkpoints are falling behind the log");
                        warned = true;
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(%path, error = %e, "checkpoint failed; a commit past the bound makes it"),
                }
            }
        })
        .map_err(|e| DbError::Database(format!("cannot start the checkpoint thread: {e}")))?;
    Ok((thread, stop))
}

/// Wakes the returned watchers whenever `conn` inserts an inbox message. The one connection
/// writes it inside a call that holds `conn`'s lock to its end, so a watcher's look (which
/// waits for that lock) sees the message committed, or the rollback.
fn wake_on_inbox_writes(conn: &Connection) -> Arc<std::sync::RwLock<Vec<InboxWake>>> {
    let watchers: Arc<std::sync::RwLock<Vec<InboxWake>>> = Arc::default();
    let woken = watchers.clone();
    conn.update_hook(Some(move |action, _: &str, table: &str, _| {
        if action == rusqlite::hooks::Action::SQLITE_INSERT && table == "inbox_messages" {
            for wake in woken.read().unwrap_or_else(|p| p.into_inner()).iter() {
                wake();
            }
        }
    }));
    watchers
}

impl SqliteDatabase {
    /// Opens (creating if needed) the database, switches it to WAL and runs pending migrations.
    /// Refuses a database written by a newer server.
    pub fn open(path: &Path) -> DbResult<Self> {
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate(&mut conn, &path.display().to_string())?;
        // Checkpoints are made beside the connection (`checkpoint_beside`), not by the commit
        // that fills the log, which would hold every other call behind it; the commit does it
        // only if the log has grown far past that (the thread could not keep up, or is gone).
        conn.pragma_update(None, "wal_autocheckpoint", CHECKPOINT_AT_THE_LATEST)?;
        // The log file, once restarted, is cut back to this size.
        conn.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
        let checkpointer = checkpoint_beside(path)?;
        let inbox_watchers = wake_on_inbox_writes(&conn);
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            path: path.display().to_string(),
            checkpointer: Some(checkpointer),
            inbox_watchers,
        })
    }

    async fn run<T, F>(&self, f: F) -> DbResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> DbResult<T> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(|e| DbError::Database(format!("storage task failed: {e}")))?
    }
}

fn migrate(conn: &mut Connection, path: &str) -> DbResult<()> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if version > known {
        return Err(DbError::TooNew { path: path.to_owned(), found: version, known });
    }
    // A migration may rebuild a table (SQLite's way to change a constraint): foreign keys are off
    // while it runs, and checked whole before it commits.
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        let broken: Option<String> =
            tx.query_row("SELECT \"table\" FROM pragma_foreign_key_check LIMIT 1", [], |r| r.get(0)).optional()?;
        if let Some(table) = broken {
            return Err(DbError::Database(format!("migration {} breaks a foreign key in {table}", index + 1)));
        }
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
        tx.commit()?;
    }
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

#[async_trait]
impl Database for SqliteDatabase {
    async fn health(&self) -> DbResult<String> {
        let path = self.path.clone();
        self.run(move |conn| {
            let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
            Ok(format!("sqlite {} schema v{version} at {path}", rusqlite::version()))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_log_is_folded_into_the_database_beside_the_connection_and_stops_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        let db = SqliteDatabase::open(&path).unwrap();
        let size = || std::fs::metadata(&path).unwrap().len();
        let before = size();
        for _ in 0..300 {
            let list = ServedList {
                id: Uuid::now_v7(),
                user_id: None,
                placement: "home".into(),
                algorithm: "popular".into(),
                arm: None,
                experiment: None,
                models: (0..20).map(|i| format!("MODEL-{i:04}-WITH-A-LONG-NAME")).collect(),
                served_at: 1_795_000_000,
                store_id: None,
            };
            db.record_served_list(list).await.unwrap();
        }
        // Commits alone leave the rows in the log (its own bound is far off); the thread beside
        // the connection moves them into the database file.
        let deadline = std::time::Instant::now() + 20 * CHECKPOINT_EVERY;
        while size() == before && std::time::Instant::now() < deadline {
            tokio::time::sleep(CHECKPOINT_EVERY / 2).await;
        }
        assert!(size() > before, "the database file grew from {before} bytes: checkpointed");
        // Dropped, the database's thread ends and the connections close, the main one last:
        // nothing holds a file open, and the log is gone.
        drop(db);
        assert!(!dir.path().join("db.sqlite-wal").exists(), "the log folded in and removed");
        let held = std::fs::read_dir("/proc/self/fd")
            .unwrap()
            .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
            .any(|target| target.starts_with(dir.path()));
        assert!(!held, "a file of the database is still open");
    }

    #[tokio::test]
    async fn refuses_a_database_from_a_newer_server() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sqlite");
        drop(SqliteDatabase::open(&path).unwrap());
        Connection::open(&path).unwrap().pragma_update(None, "user_version", 99).unwrap();
        let err = SqliteDatabase::open(&path).err().expect("must refuse");
        assert!(matches!(err, DbError::TooNew { found: 99, .. }), "{err}");
    }
}
