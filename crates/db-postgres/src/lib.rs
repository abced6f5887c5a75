//! PostgreSQL, for more than one machine: several stateless server instances on one database.
//! The synchronous `postgres` client (tokio-postgres underneath) in an r2d2 pool, each call on the
//! blocking pool like SQLite's, so the store-operations engine and every rule run unchanged on
//! both backends. A method that checks and then writes runs in a SERIALIZABLE transaction, run
//! again when PostgreSQL reports it met another one (serialization failure or deadlock); the hot
//! ones (store operations, refresh rotation) run READ COMMITTED over what they lock first (see
//! `store_ops::apply_all` and `rotate_session`). TLS: see `tls`.
/// The columns `user_row` reads, in its order (a macro, for statements spelled out whole).
macro_rules! user_columns {
    () => {
        "id, display_name, role, store_id, dealer_id, password_hash, created_at, discount_limit_percent"
    };
}

pub mod accounts;
pub mod allocations;
mod approvals;
mod audiences;
mod campaigns;
pub mod catalog;
mod console;
pub mod copy_from_sqlite;
mod coupons;
pub mod customers;
mod delivery;
pub mod events;
pub mod experiments;
pub mod favourites;
mod funds;
mod listen;
pub mod orders;
pub mod org;
mod outbound;
pub mod partitions;
pub mod people;
pub mod price_lists;
pub mod rebates;
pub mod sessions;
pub mod sign_in;
pub mod store_ops;
pub mod tls;
pub mod trail;
pub mod triggers;

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use ::postgres::{error::SqlState, Client, IsolationLevel, Row, Transaction};
use async_trait::async_trait;
use portal_api::{Dealer, Favourite, FavouriteKind, FavouriteOp, IdentityKind, Role, Store as StoreInfo};
use r2d2_postgres::r2d2;
use uuid::Uuid;

use self::tls::Tls;

use portal_db::*;

/// Schema migrations, in order; `schema_migrations` holds how many have run.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_schema.sql"),
    include_str!("../migrations/0002_behaviour_events.sql"),
    include_str!("../migrations/0003_experiment_lists.sql"),
    include_str!("../migrations/0004_customer_tags.sql"),
    include_str!("../migrations/0005_counter_offers.sql"),
    include_str!("../migrations/0006_triggers.sql"),
    include_str!("../migrations/0007_birthdays.sql"),
    include_str!("../migrations/0008_bounded_marketing.sql"),
    include_str!("../migrations/0009_marketing_indexes.sql"),
    include_str!("../migrations/0010_trail_days.sql"),
    include_str!("../migrations/0011_events_by_month.sql"),
    include_str!("../migrations/0012_price_lists.sql"),
    include_str!("../migrations/0013_orders.sql"),
    include_str!("../migrations/0014_rebates.sql"),
    include_str!("../migrations/0015_dealer_tiers.sql"),
    include_str!("../migrations/0016_price_entries_open_once.sql"),
    include_str!("../migrations/0017_allocation.sql"),
    include_str!("../migrations/0018_dealer_funds.sql"),
    include_str!("../migrations/0019_console.sql"),
    include_str!("../migrations/0020_approvals.sql"),
    include_str!("../migrations/0021_campaigns.sql"),
    include_str!("../migrations/0022_campaign_delivery.sql"),
    include_str!("../migrations/0023_inbox_notify.sql"),
    include_str!("../migrations/0024_inbox_links.sql"),
    include_str!("../migrations/0025_coupons.sql"),
    include_str!("../migrations/0026_outbound.sql"),
    include_str!("../migrations/0027_audiences.sql"),
];

/// How many times a transaction that met another is run again before the error is returned.
const RETRIES: u32 = 30;

/// How many transactions this process ran again because they met another (a figure for the
/// benchmarks: retries are correct, but each one is work done twice).
pub static TRANSACTIONS_RUN_AGAIN: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

type Pool = r2d2::Pool<Manager>;

/// Statements prepared on one connection, by their SQL.
pub(crate) type Statements = std::collections::HashMap<&'static str, ::postgres::Statement>;

/// A pooled connection with the statements prepared on it.
pub struct PgConn {
    pub client: Client,
    pub(crate) statements: Statements,
    /// When it was last given back to the pool.
    last_used: std::time::Instant,
    /// It failed its check: the pool drops it.
    broken: bool,
}

/// A connection idle for longer than this is checked (one round trip) before it is used: the
/// server may have closed it meanwhile (a restart, an idle timeout). One in steady use is not:
/// that check was a third of the round trips of a served list.
const CHECK_WHEN_IDLE: Duration = Duration::from_secs(1);

/// `sql` prepared on the connection `client` speaks on (directly or in a transaction), once, and
/// kept in that connection's `statements`: a statement sent prepared takes one round trip, not two
/// (parse and describe, then bind and execute).
pub(crate) fn prepared_once(
    statements: &mut Statements,
    client: &mut impl ::postgres::GenericClient,
    sql: &'static str,
) -> Result<::postgres::Statement, ::postgres::Error> {
    if let Some(statement) = statements.get(sql) {
        return Ok(statement.clone());
    }
    let statement = client.prepare(sql)?;
    statements.insert(sql, statement.clone());
    Ok(statement)
}

impl PgConn {
    /// `sql` prepared on this connection, once (`prepared_once`).
    pub(crate) fn prepared(&mut self, sql: &'static str) -> Result<::postgres::Statement, ::postgres::Error> {
        prepared_once(&mut self.statements, &mut self.client, sql)
    }

    /// Whether the connection is open and its server answers (one round trip).
    fn answers(&mut self) -> bool {
        !self.client.is_closed() && self.client.simple_query("").is_ok()
    }
}

/// Opens connections for the pool.
pub struct Manager {
    config: ::postgres::Config,
    tls: Tls,
}

impl r2d2::ManageConnection for Manager {
    type Connection = PgConn;
    type Error = ::postgres::Error;

    fn connect(&self) -> Result<PgConn, ::postgres::Error> {
        Ok(PgConn {
            client: self.tls.connect(&self.config)?,
            statements: Statements::new(),
            last_used: std::time::Instant::now(),
            broken: false,
        })
    }
    // Not called: the pool does not test on checkout (`checked_out` does, when idle).
    fn is_valid(&self, conn: &mut PgConn) -> Result<(), ::postgres::Error> {
        conn.client.simple_query("").map(|_| ())
    }
    fn has_broken(&self, conn: &mut PgConn) -> bool {
        conn.broken || conn.client.is_closed()
    }
}

pub struct PostgresDatabase {
    /// Always set; taken only when dropped (see `Drop`).
    pool: Option<Pool>,
    /// The address without its password, for /healthz.
    shown_as: String,
    /// How to open a connection of its own (the inbox listener's).
    connect: (::postgres::Config, Tls),
    /// Who is woken when any instance writes inbox messages (`Triggers::watch_inbox`); the
    /// listener starts with the first.
    inbox_watchers: std::sync::Arc<std::sync::RwLock<Vec<InboxWake>>>,
    /// Ends the listener when the storage is dropped.
    stop_listening: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

/// The error in words: PostgreSQL's own message and code when it answered, else the client's.
pub(crate) use portal_db::driver_errors::describe;

fn is_unique_violation(e: &::postgres::Error) -> bool {
    e.code() == Some(&SqlState::UNIQUE_VIOLATION)
}

/// A unit enum stored by its wire name, read back.
pub(crate) fn wire<T: serde::de::DeserializeOwned>(text: &str) -> DbResult<T> {
    portal_api::from_wire_name(text).ok_or_else(|| DbError::Database(format!("unknown stored value {text:?}")))
}

/// A count or quantity as an INTEGER column (saturating).
pub(crate) fn n(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

/// An INTEGER column as a count or quantity (a negative one reads as zero).
pub(crate) fn u(value: i32) -> u32 {
    u32::try_from(value).unwrap_or(0)
}

pub(crate) fn uuid(text: &str) -> DbResult<Uuid> {
    text.parse().map_err(|e| DbError::Database(format!("unreadable id {text}: {e}")))
}

fn opt_uuid(text: Option<String>) -> DbResult<Option<Uuid>> {
    text.as_deref().map(uuid).transpose()
}

fn count(row: &Row, i: usize) -> u32 {
    u32::try_from(row.get::<_, i64>(i)).unwrap_or(u32::MAX)
}

const USER_COLUMNS: &str = user_columns!();

fn user_row(row: &Row) -> DbResult<UserRecord> {
    let role: String = row.get(2);
    Ok(UserRecord {
        id: uuid(row.get(0))?,
        display_name: row.get(1),
        role: Role::parse(&role).ok_or_else(|| DbError::Database(format!("unknown role {role}")))?,
        store_id: opt_uuid(row.get(3))?,
        dealer_id: opt_uuid(row.get(4))?,
        password_hash: row.get(5),
        created_at: row.get(6),
        discount_limit_percent: row.get::<_, Option<i64>>(7).map(|p| p.clamp(0, 100) as u32),
    })
}

const SESSION_COLUMNS: &str = "id, user_id, device_name, created_at, last_seen_at, generation, rotated_at, revoked_at";

fn session_row(row: &Row) -> DbResult<SessionRecord> {
    Ok(SessionRecord {
        id: uuid(row.get(0))?,
        user_id: uuid(row.get(1))?,
        device_name: row.get(2),
        created_at: row.get(3),
        last_seen_at: row.get(4),
        generation: row.get(5),
        rotated_at: row.get(6),
        revoked_at: row.get(7),
    })
}

fn identity_row(row: &Row) -> DbResult<IdentityRecord> {
    let kind: String = row.get(0);
    Ok(IdentityRecord {
        kind: IdentityKind::parse(&kind).ok_or_else(|| DbError::Database(format!("unknown identity kind {kind}")))?,
        value: row.get(1),
        user_id: uuid(row.get(2))?,
        verified: row.get(3),
        linked_at: row.get(4),
    })
}

fn store_row(row: &Row) -> DbResult<StoreInfo> {
    Ok(StoreInfo { id: uuid(row.get(0))?, code: row.get(1), name: row.get(2), city: row.get(3) })
}

/// The attempts on a key, its row locked until the transaction ends (created first if absent, so
/// that two attempts on a new key also wait for each other).
fn insert_identity(tx: &mut Transaction<'_>, user_id: Uuid, identity: &NewIdentity, now: i64) -> DbResult<()> {
    let result = tx.execute(
        "INSERT INTO identities (kind, value, user_id, verified, linked_at) VALUES ($1, $2, $3, $4, $5)",
        &[&identity.kind.as_str(), &identity.value, &user_id.to_string(), &identity.verified, &now],
    );
    match result {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => {
            Err(DbError::Conflict(format!("{} {}", identity.kind.as_str(), identity.value)))
        }
        Err(e) => Err(e.into()),
    }
}

impl PostgresDatabase {
    /// Connects to `url` (`postgres://user:password@host:port/database`) with a pool of
    /// `pool_size` connections and runs pending migrations (one instance at a time: the others
    /// wait on a lock). Refuses a database written by a newer server.
    pub fn open(url: &str, pool_size: u32) -> DbResult<Self> {
        Self::open_with_ca(url, pool_size, None)
    }

    /// Opens the database at `url` (TLS as its `sslmode` says, see `tls`), trusting the authority
    /// in `ca_file` besides the public ones.
    pub fn open_with_ca(url: &str, pool_size: u32, ca_file: Option<PathBuf>) -> DbResult<Self> {
        let url = url.to_owned();
        off_runtime(move || Self::open_blocking(&url, pool_size, ca_file.as_deref()))
    }

    pub(crate) fn open_blocking(url: &str, pool_size: u32, ca_file: Option<&Path>) -> DbResult<Self> {
        let mut config: ::postgres::Config =
            url.parse().map_err(|e| DbError::Database(format!("not a PostgreSQL address: {}", describe(&e))))?;
        // No wait without end: a lock held by a lost connection, or one left in a transaction,
        // is given up after a bound; a peer that vanished is noticed within a minute.
        let options = config.get_options().unwrap_or_default().to_owned();
        config
            .options(&format!("{options} -c lock_timeout=30s -c idle_in_transaction_session_timeout=60s"))
            .keepalives(true)
            .keepalives_idle(Duration::from_secs(30))
            // A peer gone without a word (a failover) fails a call within half a minute, not
            // after the kernel's quarter of an hour of retransmissions.
            .connect_timeout(Duration::from_secs(5))
            .tcp_user_timeout(Duration::from_secs(30));
        let shown_as = shown_without_password(url);
        let tls = Tls::for_config(&config, ca_file)?;
        // One connection first, so that a refusal is reported with its cause (the pool's error
        // keeps only the last words: "error performing TLS handshake").
        tls.connect(&config)
            .map_err(|e| DbError::Database(format!("cannot connect to {shown_as}: {}", describe(&e))))?;
        let connect = (config.clone(), tls.clone());
        let manager = Manager { config, tls };
        let pool = r2d2::Pool::builder()
            .max_size(pool_size.max(1))
            .connection_timeout(Duration::from_secs(10))
            // Checked in `run_conn` only when idle for a while (`CHECK_WHEN_IDLE`).
            .test_on_check_out(false)
            .build(manager)
            .map_err(|e| DbError::Database(format!("cannot connect to {shown_as}: {e}")))?;
        let mut conn = pool.get()?;
        migrate(&mut conn.client, &shown_as)?;
        drop(conn);
        Ok(Self {
            pool: Some(pool),
            shown_as,
            connect,
            inbox_watchers: Default::default(),
            stop_listening: Default::default(),
        })
    }

    async fn run<T, F>(&self, f: F) -> DbResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Client) -> DbResult<T> + Send + 'static,
    {
        self.run_conn(move |conn| f(&mut conn.client)).await
    }

    /// Like `run`, with the connection's prepared statements.
    async fn run_conn<T, F>(&self, f: F) -> DbResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut PgConn) -> DbResult<T> + Send + 'static,
    {
        let pool = self.pool.clone().expect("the pool is kept until drop");
        tokio::task::spawn_blocking(move || {
            let mut conn = checked_out(&pool)?;
            used(&mut conn, f)
        })
        .await
        .map_err(|e| DbError::Database(format!("storage task failed: {e}")))?
    }

    /// Like `run_conn`, for a read that may be sent again: when its connection turned out closed
    /// (the server or a proxy between ended it less than `CHECK_WHEN_IDLE` after its last use,
    /// so it was handed out unchecked), it is asked again on another, as many times as the pool
    /// holds connections.
    async fn run_read<T, F>(&self, f: F) -> DbResult<T>
    where
        T: Send + 'static,
        F: Fn(&mut PgConn) -> Result<T, ::postgres::Error> + Send + 'static,
    {
        let pool = self.pool.clone().expect("the pool is kept until drop");
        tokio::task::spawn_blocking(move || {
            let mut attempts = pool.max_size();
            loop {
                let mut conn = checked_out(&pool)?;
                match used(&mut conn, |conn| f(conn).map_err(Into::into)) {
                    Err(_) if attempts > 0 && (conn.broken || connection_lost(&mut conn)) => attempts -= 1,
                    result => return result,
                }
            }
        })
        .await
        .map_err(|e| DbError::Database(format!("storage task failed: {e}")))?
    }

    /// Runs `f` in a SERIALIZABLE transaction and commits, again (with a short random pause) when
    /// it met another transaction. `f` must only read and write through the transaction.
    async fn serializable<T, F>(&self, f: F) -> DbResult<T>
    where
        T: Send + 'static,
        F: FnMut(&mut Transaction<'_>) -> DbResult<T> + Send + 'static,
    {
        self.run(move |client| in_serializable(client, f)).await
    }

    /// Like `read_committed`, with the connection's prepared statements (each statement of a hot
    /// path one round trip, not two).
    async fn read_committed_prepared<T, F>(&self, mut f: F) -> DbResult<T>
    where
        T: Send + 'static,
        F: FnMut(&mut Transaction<'_>, &mut Statements) -> DbResult<T> + Send + 'static,
    {
        self.run_conn(move |conn| {
            let PgConn { client, statements, .. } = conn;
            in_transaction(client, IsolationLevel::ReadCommitted, |tx| f(tx, statements))
        })
        .await
    }

    /// Runs `f` in a READ COMMITTED transaction and commits (again on a deadlock): for work whose
    /// rows are locked before they are read and written.
    async fn read_committed<T, F>(&self, f: F) -> DbResult<T>
    where
        T: Send + 'static,
        F: FnMut(&mut Transaction<'_>) -> DbResult<T> + Send + 'static,
    {
        self.run(move |client| in_transaction(client, IsolationLevel::ReadCommitted, f)).await
    }
}

/// Runs `f` on `conn` and notes the use. A connection whose prepared statements no longer hold
/// (another instance changed a column's type: "cached plan must not change result type"; a
/// pooler that forgot them) is dropped rather than failing every call that uses it.
fn used<T>(conn: &mut PgConn, f: impl FnOnce(&mut PgConn) -> DbResult<T>) -> DbResult<T> {
    let result = f(conn);
    conn.last_used = std::time::Instant::now();
    if let Err(DbError::Database(message)) = &result {
        // As `describe` words them: PostgreSQL's message, then its code.
        let plan_changed = message.starts_with("cached plan must not change result type");
        if plan_changed || message.ends_with("(26000)") {
            conn.broken = true;
        }
    }
    result
}

/// After an error on `conn`: whether the connection itself was lost (closed, or no longer
/// answering); if so it is marked for the pool to drop.
fn connection_lost(conn: &mut PgConn) -> bool {
    conn.broken = !conn.answers();
    conn.broken
}

/// A connection from the pool, checked first if it has been idle (a broken one is dropped and the
/// next one tried; as many as the pool holds, then a fresh one).
fn checked_out(pool: &Pool) -> DbResult<r2d2::PooledConnection<Manager>> {
    for _ in 0..pool.max_size() {
        let mut conn = pool.get()?;
        if conn.last_used.elapsed() < CHECK_WHEN_IDLE || conn.answers() {
            return Ok(conn);
        }
        conn.broken = true;
    }
    Ok(pool.get()?)
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        self.stop_listening.store(true, std::sync::atomic::Ordering::Release);
        // Closing a connection blocks on the client's own runtime: never on an async worker.
        if let Some(pool) = self.pool.take() {
            let _ = std::thread::spawn(move || drop(pool)).join();
        }
    }
}

/// Runs `work` holding session-level advisory locks on `keys` (taken in the order given), and
/// releases every lock the connection holds however `work` ends, a panic included, so that a
/// pooled connection never keeps one. Waits are bounded by the connection's `lock_timeout`.
pub(crate) fn with_session_locks<T>(
    client: &mut Client,
    keys: &[i64],
    work: impl FnOnce(&mut Client) -> DbResult<T>,
) -> DbResult<T> {
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        for key in keys {
            client.execute("SELECT pg_advisory_lock($1)", &[key])?;
        }
        work(client)
    }));
    if !keys.is_empty() {
        if let Err(e) = client.batch_execute("SELECT pg_advisory_unlock_all()") {
            tracing::error!(error = %describe(&e), "advisory locks could not be released; the connection is closed");
            // A connection that may still hold a lock never goes back to the pool.
            let _ = client.batch_execute("SELECT pg_terminate_backend(pg_backend_pid())");
        }
    }
    match result {
        Ok(result) => result,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// See [`PostgresDatabase::serializable`]; for callers already on a connection.
pub(crate) fn in_serializable<T>(
    client: &mut Client,
    f: impl FnMut(&mut Transaction<'_>) -> DbResult<T>,
) -> DbResult<T> {
    in_transaction(client, IsolationLevel::Serializable, f)
}

/// Runs `f` in a transaction of the given isolation, again (after a short random pause) while it
/// fails for meeting another transaction (a serialization failure, a deadlock, a retry asked for).
pub(crate) fn in_transaction<T>(
    client: &mut Client,
    isolation: IsolationLevel,
    mut f: impl FnMut(&mut Transaction<'_>) -> DbResult<T>,
) -> DbResult<T> {
    let mut attempt = 0;
    loop {
        let result = (|| {
            let mut tx = client.build_transaction().isolation_level(isolation).start()?;
            let value = f(&mut tx)?;
            tx.commit()?;
            Ok(value)
        })();
        match result {
            Err(DbError::Retry(why)) if attempt < RETRIES => {
                attempt += 1;
                TRANSACTIONS_RUN_AGAIN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                tracing::debug!(attempt, %why, "transaction met another; running it again");
                let pause = rand::random::<u64>() % (2 + 4 * u64::from(attempt));
                std::thread::sleep(Duration::from_millis(pause));
            }
            other => return other,
        }
    }
}

/// Creates an empty database beside the one `base_url` names and returns its address: each test
/// server or suite gets its own (used by the tests with a throwaway cluster).
pub fn scratch_database(base_url: &str) -> DbResult<String> {
    let base_url = base_url.to_owned();
    off_runtime(move || scratch_database_blocking(&base_url))
}

/// Runs blocking database work on a thread of its own: the synchronous client drives its own
/// runtime, which cannot start on a thread already driving one.
pub(crate) fn off_runtime<T: Send + 'static>(work: impl FnOnce() -> DbResult<T> + Send + 'static) -> DbResult<T> {
    std::thread::spawn(work).join().map_err(|_| DbError::Database("the database thread panicked".into()))?
}

fn scratch_database_blocking(base_url: &str) -> DbResult<String> {
    let mut client = Client::connect(base_url, ::postgres::NoTls)?;
    let name = format!("t_{}", Uuid::now_v7().simple());
    client.batch_execute(&format!("CREATE DATABASE {name}"))?;
    let cut = base_url.rfind('/').filter(|&i| i > base_url.find("://").map_or(0, |s| s + 2)).unwrap_or(base_url.len());
    let query = base_url.find('?').map(|q| &base_url[q..]).unwrap_or("");
    Ok(format!("{}/{name}{query}", &base_url[..cut]))
}

fn shown_without_password(url: &str) -> String {
    // Rebuilt from what the address means, so no form of password (in the user part, a
    // `password=` parameter, a key=value string) is ever shown.
    let Ok(config) = url.parse::<::postgres::Config>() else { return "(an unreadable PostgreSQL address)".into() };
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|h| match h {
            ::postgres::config::Host::Tcp(name) => name.clone(),
            ::postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .collect();
    let ports: Vec<String> = config.get_ports().iter().map(u16::to_string).collect();
    format!(
        "postgres://{}@{}{}/{}",
        config.get_user().unwrap_or_default(),
        hosts.join(","),
        if ports.is_empty() { String::new() } else { format!(":{}", ports.join(",")) },
        config.get_dbname().unwrap_or_default()
    )
}

fn migrate(client: &mut Client, shown_as: &str) -> DbResult<()> {
    // One instance migrates; the others starting at the same moment wait here, then find it done.
    client.batch_execute("SELECT pg_advisory_lock(7021001)")?;
    let result = (|| {
        client.batch_execute("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT NOT NULL)")?;
        let version: i64 =
            client.query_one("SELECT COALESCE(MAX(version), 0)::BIGINT FROM schema_migrations", &[])?.get(0);
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(DbError::TooNew { path: shown_as.to_owned(), found: version, known });
        }
        for (index, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let mut tx = client.transaction()?;
            tx.batch_execute(sql)?;
            tx.execute("INSERT INTO schema_migrations (version) VALUES ($1)", &[&(index as i64 + 1)])?;
            tx.commit()?;
        }
        Ok(())
    })();
    client.batch_execute("SELECT pg_advisory_unlock(7021001)")?;
    result
}

#[async_trait]
impl Database for PostgresDatabase {
    async fn health(&self) -> DbResult<String> {
        let shown_as = self.shown_as.clone();
        self.run(move |client| {
            let row = client.query_one(
                "SELECT current_setting('server_version'), (SELECT COALESCE(MAX(version), 0)::BIGINT FROM schema_migrations)",
                &[],
            )?;
            let (version, schema): (String, i64) = (row.get(0), row.get(1));
            Ok(format!("postgres {version} schema v{schema} at {shown_as}"))
        })
        .await
    }
}

/// Inserts the code when [`throttle::check`] allows one more send (inside the send lock).
#[cfg(test)]
mod address_tests {
    use super::shown_without_password;

    #[test]
    fn an_address_is_shown_without_any_password() {
        for url in [
            "postgres://portal:s3cret@db.example:5433/portal",
            "postgres://portal@db.example/portal?password=s3cret&sslmode=require",
            "host=db.example user=portal password=s3cret dbname=portal",
        ] {
            let shown = shown_without_password(url);
            assert!(!shown.contains("s3cret"), "{url} shown as {shown}");
            assert!(shown.contains("portal@db.example"), "{url} shown as {shown}");
        }
    }
}

#[cfg(test)]
mod pool_tests {
    use super::*;

    /// The throwaway cluster's address (scripts/with-postgres), or None where there is none.
    fn cluster() -> Option<String> {
        let base = std::env::var("PORTAL_TEST_POSTGRES").ok();
        assert!(
            base.is_some() || std::env::var_os("PORTAL_REQUIRE_POSTGRES").is_none(),
            "run under scripts/with-postgres"
        );
        base
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn connections_the_server_closed_while_idle_are_replaced_not_handed_out() {
        let Some(base) = cluster() else { return };
        let url = scratch_database(&base).unwrap();
        let db = PostgresDatabase::open(&url, 2).unwrap();
        // Both pooled connections used.
        let (a, b) = tokio::join!(db.get_user(Uuid::now_v7()), db.get_user(Uuid::now_v7()));
        assert!(a.unwrap().is_none() && b.unwrap().is_none());
        let name: String = db.run(|c| Ok(c.query_one("SELECT current_database()", &[])?.get(0))).await.unwrap();
        // The server ends every session of this database (a restart, an idle timeout would too).
        let end_sessions = || {
            let (base, name) = (base.clone(), name.clone());
            off_runtime(move || {
                let mut admin = Client::connect(&base, ::postgres::NoTls)?;
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                    &[&name],
                )?;
                Ok(())
            })
            .unwrap()
        };
        end_sessions();
        tokio::time::sleep(CHECK_WHEN_IDLE + Duration::from_millis(200)).await;
        // Every call after it is answered, by fresh connections; the prepared path included.
        for _ in 0..3 {
            let (a, b) =
                tokio::join!(db.live_session_user(Uuid::now_v7(), Uuid::now_v7()), db.get_user(Uuid::now_v7()));
            assert!(a.unwrap().is_none() && b.unwrap().is_none());
        }
        // Ended right after their last use (so handed out unchecked): the session check, which
        // every request makes first, is asked again on a fresh connection.
        end_sessions();
        for _ in 0..3 {
            assert!(db.live_session_user(Uuid::now_v7(), Uuid::now_v7()).await.unwrap().is_none());
        }
    }
}
