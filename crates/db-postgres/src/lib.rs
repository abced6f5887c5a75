//! PostgreSQL, for more than one machine: several stateless server instances on one database.
//! The synchronous `postgres` client (tokio-postgres underneath) in an r2d2 pool, each call on the
//! blocking pool like SQLite's, so the store-operations engine and every rule run unchanged on
//! both backends. A method that checks and then writes runs in a SERIALIZABLE transaction, run
//! again when PostgreSQL reports it met another one (serialization failure or deadlock); the hot
//! ones (store operations, refresh rotation) run READ COMMITTED over what they lock first (see
//! `store_ops::apply_all` and `rotate_session`). TLS: see `tls`.
pub mod copy_from_sqlite;
pub mod customers;
pub mod events;
pub mod experiments;
pub mod partitions;
pub mod people;
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
}

/// The error in words: PostgreSQL's own message and code when it answered, else the client's.
pub(crate) use portal_db::driver_errors::describe;

fn is_unique_violation(e: &::postgres::Error) -> bool {
    e.code() == Some(&SqlState::UNIQUE_VIOLATION)
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

/// The columns `user_row` reads, in its order (a macro, for statements spelled out whole).
macro_rules! user_columns {
    () => {
        "id, display_name, role, store_id, dealer_id, password_hash, created_at, discount_limit_percent"
    };
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
fn lock_attempts(tx: &mut Transaction<'_>, key: &str) -> DbResult<lockout::Attempts> {
    // One statement that always ends holding the row's lock and returning it: made if missing,
    // otherwise locked as it is (a row deleted meanwhile by a successful sign-in is made again).
    let row = tx.query_one(
        "INSERT INTO login_failures (login, failures, last_failure_at, locked_until) VALUES ($1, 0, 0, NULL)
         ON CONFLICT (login) DO UPDATE SET login = EXCLUDED.login
         RETURNING failures, last_failure_at, locked_until",
        &[&key],
    )?;
    Ok(lockout::Attempts {
        failures: u32::try_from(row.get::<_, i64>(0)).unwrap_or(u32::MAX),
        last_at: row.get(1),
        locked_until: row.get(2),
    })
}

fn write_attempts(tx: &mut Transaction<'_>, key: &str, state: lockout::Attempts) -> DbResult<()> {
    tx.execute(
        "UPDATE login_failures SET failures = $2, last_failure_at = $3, locked_until = $4 WHERE login = $1",
        &[&key, &i64::from(state.failures), &state.last_at, &state.locked_until],
    )?;
    Ok(())
}

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
        Ok(Self { pool: Some(pool), shown_as })
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

    async fn find_identity(&self, kind: IdentityKind, value: &str) -> DbResult<Option<IdentityRecord>> {
        let value = value.to_owned();
        self.run(move |client| {
            client
                .query_opt(
                    "SELECT kind, value, user_id, verified, linked_at FROM identities WHERE kind = $1 AND value = $2",
                    &[&kind.as_str(), &value],
                )?
                .as_ref()
                .map(identity_row)
                .transpose()
        })
        .await
    }

    async fn create_user(&self, user: NewUser) -> DbResult<()> {
        self.serializable(move |tx| {
            tx.execute(
                "INSERT INTO users (id, display_name, role, store_id, dealer_id, password_hash, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    &user.id.to_string(),
                    &user.display_name,
                    &user.role.as_str(),
                    &user.store_id.map(|id| id.to_string()),
                    &user.dealer_id.map(|id| id.to_string()),
                    &user.password_hash,
                    &user.created_at,
                ],
            )?;
            for identity in &user.identities {
                insert_identity(tx, user.id, identity, user.created_at)?;
            }
            if let (Role::Promoter | Role::StoreManager, Some(store)) = (user.role, user.store_id) {
                tx.execute(
                    "INSERT INTO store_assignments (user_id, store_id, started_at) VALUES ($1, $2, $3)",
                    &[&user.id.to_string(), &store.to_string(), &user.created_at],
                )?;
            }
            Ok(())
        })
        .await
    }

    // Prepared: it runs before every authenticated request.
    async fn live_session_user(&self, session: Uuid, user: Uuid) -> DbResult<Option<UserRecord>> {
        const LIVE_SESSION_USER: &str = concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE id = $2
                AND EXISTS (SELECT 1 FROM sessions s WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL)"
        );
        // A read: asked again on a fresh connection when the one it was sent on turned out closed.
        let row = self
            .run_read(move |conn| {
                let statement = conn.prepared(LIVE_SESSION_USER)?;
                conn.client.query_opt(&statement, &[&session.to_string(), &user.to_string()])
            })
            .await?;
        row.as_ref().map(user_row).transpose()
    }

    async fn get_user(&self, id: Uuid) -> DbResult<Option<UserRecord>> {
        self.run(move |client| {
            client
                .query_opt(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"), &[&id.to_string()])?
                .as_ref()
                .map(user_row)
                .transpose()
        })
        .await
    }

    async fn list_identities(&self, user_id: Uuid) -> DbResult<Vec<IdentityRecord>> {
        self.run(move |client| {
            client
                .query(
                    "SELECT kind, value, user_id, verified, linked_at FROM identities WHERE user_id = $1
                     ORDER BY linked_at, kind, value",
                    &[&user_id.to_string()],
                )?
                .iter()
                .map(identity_row)
                .collect()
        })
        .await
    }

    async fn add_identity(&self, user_id: Uuid, identity: NewIdentity, now: i64) -> DbResult<()> {
        self.serializable(move |tx| insert_identity(tx, user_id, &identity, now)).await
    }

    async fn set_display_name(&self, user_id: Uuid, name: &str) -> DbResult<()> {
        let name = name.to_owned();
        self.run(move |client| {
            client.execute("UPDATE users SET display_name = $2 WHERE id = $1", &[&user_id.to_string(), &name])?;
            Ok(())
        })
        .await
    }

    async fn set_password_hash(&self, user_id: Uuid, hash: &str, keep_session: Option<Uuid>, now: i64) -> DbResult<()> {
        let hash = hash.to_owned();
        self.serializable(move |tx| {
            tx.execute("UPDATE users SET password_hash = $2 WHERE id = $1", &[&user_id.to_string(), &hash])?;
            tx.execute(
                "UPDATE sessions SET revoked_at = $3, revoke_reason = 'password_changed'
                 WHERE user_id = $1 AND revoked_at IS NULL AND id IS DISTINCT FROM $2",
                &[&user_id.to_string(), &keep_session.map(|id| id.to_string()), &now],
            )?;
            Ok(())
        })
        .await
    }

    async fn prune(&self, codes_before: i64, attempts_before: i64, sessions_before: i64) -> DbResult<PruneCounts> {
        self.run(move |client| {
            let mut tx = client.transaction()?;
            let codes = tx.execute("DELETE FROM verification_codes WHERE expires_at < $1", &[&codes_before])?;
            tx.execute("DELETE FROM dev_messages WHERE sent_at < $1", &[&codes_before])?;
            tx.execute("DELETE FROM event_rates WHERE window_start < $1", &[&attempts_before])?;
            // Anonymous behaviour goes by the retention policy (`prune_marketing`), in batches.
            let attempts = tx.execute(
                "DELETE FROM login_failures WHERE last_failure_at < $1 AND (locked_until IS NULL OR locked_until < $1)",
                &[&attempts_before],
            )?;
            let sessions = tx.execute(
                "DELETE FROM sessions WHERE (revoked_at IS NOT NULL AND revoked_at < $1) OR last_seen_at < $1",
                &[&sessions_before],
            )?;
            tx.commit()?;
            Ok(PruneCounts { codes: codes as usize, attempts: attempts as usize, sessions: sessions as usize })
        })
        .await
    }

    async fn set_role(
        &self,
        user_id: Uuid,
        role: Role,
        store_ids: Vec<Uuid>,
        dealer_id: Option<Uuid>,
        now: i64,
    ) -> DbResult<bool> {
        self.serializable(move |tx| {
            let id = user_id.to_string();
            let changed = tx.execute(
                "UPDATE users SET role = $2, store_id = $3, dealer_id = $4, discount_limit_percent = NULL WHERE id = $1",
                &[&id, &role.as_str(), &store_ids.first().map(|s| s.to_string()), &dealer_id.map(|d| d.to_string())],
            )?;
            tx.execute("DELETE FROM store_managers WHERE user_id = $1", &[&id])?;
            tx.execute(
                "UPDATE store_assignments SET ended_at = $2 WHERE user_id = $1 AND ended_at IS NULL",
                &[&id, &now],
            )?;
            if matches!(role, Role::Promoter | Role::StoreManager) {
                let stores = if role == Role::Promoter { &store_ids[..store_ids.len().min(1)] } else { &store_ids[..] };
                for store in stores {
                    tx.execute(
                        "INSERT INTO store_assignments (user_id, store_id, started_at) VALUES ($1, $2, $3)",
                        &[&id, &store.to_string(), &now],
                    )?;
                }
            }
            if role == Role::StoreManager {
                for store in &store_ids {
                    tx.execute(
                        "INSERT INTO store_managers (user_id, store_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                        &[&id, &store.to_string()],
                    )?;
                }
            }
            Ok(changed == 1)
        })
        .await
    }

    async fn assigned_at(&self, user_id: Uuid, store_id: Uuid, at: i64) -> DbResult<bool> {
        self.run(move |client| {
            Ok(client
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM store_assignments WHERE user_id = $1 AND store_id = $2
                       AND started_at <= $3 AND (ended_at IS NULL OR ended_at >= $3))",
                    &[&user_id.to_string(), &store_id.to_string(), &at],
                )?
                .get(0))
        })
        .await
    }

    async fn user_stores(&self, user_id: Uuid) -> DbResult<Vec<StoreInfo>> {
        self.run(move |client| {
            client
                .query(
                    "SELECT s.id, s.code, s.name, s.city FROM stores s
                     WHERE s.id IN (SELECT store_id FROM users WHERE id = $1 AND role = 'promoter'
                                    UNION SELECT store_id FROM store_managers WHERE user_id = $1)
                     ORDER BY s.id IS NOT DISTINCT FROM (SELECT store_id FROM users WHERE id = $1) DESC, s.code COLLATE \"C\"",
                    &[&user_id.to_string()],
                )?
                .iter()
                .map(store_row)
                .collect()
        })
        .await
    }

    async fn manages(&self, user_id: Uuid, store_id: Uuid) -> DbResult<bool> {
        self.run(move |client| {
            Ok(client
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM store_managers WHERE user_id = $1 AND store_id = $2)",
                    &[&user_id.to_string(), &store_id.to_string()],
                )?
                .get(0))
        })
        .await
    }

    async fn store_staff(&self, store_id: Uuid) -> DbResult<Vec<UserRecord>> {
        self.run(move |client| {
            client
                .query(
                    &format!(
                        "SELECT {USER_COLUMNS} FROM users WHERE (role = 'promoter' AND store_id = $1)
                            OR id IN (SELECT user_id FROM store_managers WHERE store_id = $1)
                         ORDER BY role DESC, display_name"
                    ),
                    &[&store_id.to_string()],
                )?
                .iter()
                .map(user_row)
                .collect()
        })
        .await
    }

    async fn set_discount_limit(&self, user_id: Uuid, percent: Option<u32>) -> DbResult<bool> {
        self.run(move |client| {
            Ok(client.execute(
                "UPDATE users SET discount_limit_percent = $2 WHERE id = $1",
                &[&user_id.to_string(), &percent.map(i64::from)],
            )? == 1)
        })
        .await
    }

    async fn list_users(&self, limit: u32, offset: u32) -> DbResult<(Vec<(UserRecord, u32)>, u32)> {
        self.run(move |client| {
            let total = count(&client.query_one("SELECT COUNT(*) FROM users", &[])?, 0);
            let rows = client.query(
                &format!(
                    "SELECT {USER_COLUMNS}, (SELECT COUNT(*) FROM identities i WHERE i.user_id = users.id)
                     FROM users ORDER BY created_at, id LIMIT $1 OFFSET $2"
                ),
                &[&i64::from(limit), &i64::from(offset)],
            )?;
            let users = rows.iter().map(|r| Ok((user_row(r)?, count(r, 8)))).collect::<DbResult<Vec<_>>>()?;
            Ok((users, total))
        })
        .await
    }

    async fn audience_counts(&self) -> DbResult<AudienceCounts> {
        self.run(move |client| {
            let row = client.query_one(
                "SELECT (SELECT COUNT(*) FROM users),
                        (SELECT COUNT(*) FROM users WHERE role = 'consumer'),
                        (SELECT COUNT(DISTINCT user_id) FROM identities WHERE kind = 'phone' AND verified),
                        (SELECT COUNT(DISTINCT user_id) FROM identities WHERE kind = 'email' AND verified)",
                &[],
            )?;
            Ok(AudienceCounts {
                total_users: count(&row, 0),
                consumers: count(&row, 1),
                with_phone: count(&row, 2),
                with_email: count(&row, 3),
            })
        })
        .await
    }

    async fn insert_code_if_allowed(
        &self,
        code: NewCode,
        limits: throttle::Limits,
    ) -> DbResult<Result<(), throttle::Refusal>> {
        self.run(move |client| {
            // The hourly budget is global: code sends wait for each other here, on every instance,
            // before the transaction starts (so it sees what the previous one inserted).
            with_session_locks(client, &[7021002], |client| {
                in_serializable(client, |tx| insert_code_if_allowed(tx, &code, limits))
            })
        })
        .await
    }

    async fn check_code(
        &self,
        target: &str,
        purpose: &str,
        code_hash: &str,
        max_attempts: u32,
        now: i64,
    ) -> DbResult<CodeCheck> {
        let (target, purpose, code_hash) = (target.to_owned(), purpose.to_owned(), code_hash.to_owned());
        self.serializable(move |tx| {
            let newest = tx
                .query_opt(
                    "SELECT id, code_hash, expires_at, attempts FROM verification_codes
                     WHERE target = $1 AND purpose = $2 AND consumed_at IS NULL
                     ORDER BY created_at DESC, id DESC LIMIT 1 FOR UPDATE",
                    &[&target, &purpose],
                )?
                .map(|r| CodeRecord {
                    id: r.get(0),
                    code_hash: r.get(1),
                    expires_at: r.get(2),
                    attempts: u32::try_from(r.get::<_, i64>(3)).unwrap_or(u32::MAX),
                });
            let verdict = portal_db::code_check::verify(newest.as_ref(), &code_hash, max_attempts, now);
            if let Some(code) = newest.filter(|_| verdict.count_attempt) {
                tx.execute(
                    "UPDATE verification_codes SET attempts = attempts + 1,
                        consumed_at = CASE WHEN $3 THEN $2 ELSE consumed_at END WHERE id = $1",
                    &[&code.id, &now, &verdict.consume],
                )?;
            }
            Ok(verdict.check)
        })
        .await
    }

    async fn admit_password_attempt(
        &self,
        keys: Vec<(String, lockout::Policy)>,
        now: i64,
    ) -> DbResult<lockout::Admission> {
        // Each counter row is made to exist, then read FOR UPDATE and written under that lock:
        // READ COMMITTED orders parallel attempts on one counter (the second reads what the first
        // wrote), without SERIALIZABLE's conflicts between attempts on different counters.
        self.read_committed(move |tx| {
            // Rows locked in one order, so two attempts never wait on each other in a circle.
            let mut ordered: Vec<&(String, lockout::Policy)> = keys.iter().collect();
            ordered.sort_by(|a, b| a.0.cmp(&b.0));
            let mut next = Vec::with_capacity(keys.len());
            let mut locked: Option<i64> = None;
            let mut least_left = u32::MAX;
            for (key, policy) in ordered {
                let (state, admission) = lockout::admit(lock_attempts(tx, key)?, *policy, now);
                match admission {
                    lockout::Admission::Locked { until } => {
                        locked = Some(locked.map_or(until, |l| l.max(until)));
                        write_attempts(tx, key, state)?;
                    }
                    lockout::Admission::Allowed { left } => {
                        least_left = least_left.min(left);
                        next.push((key, state));
                    }
                }
            }
            if let Some(until) = locked {
                return Ok(lockout::Admission::Locked { until });
            }
            for (key, state) in next {
                write_attempts(tx, key, state)?;
            }
            Ok(lockout::Admission::Allowed { left: least_left })
        })
        .await
    }

    async fn settle_password_attempt(
        &self,
        account: (String, lockout::Policy),
        shared: (String, lockout::Policy),
        outcome: lockout::Settle,
        now: i64,
    ) -> DbResult<lockout::Attempts> {
        // As `admit_password_attempt`: rows locked before they are read.
        self.read_committed(move |tx| {
            let (first, second) = if account.0 <= shared.0 { (&account.0, &shared.0) } else { (&shared.0, &account.0) };
            let first_state = lock_attempts(tx, first)?;
            let second_state = lock_attempts(tx, second)?;
            let (account_state, shared_state) =
                if first == &account.0 { (first_state, second_state) } else { (second_state, first_state) };
            Ok(match outcome {
                lockout::Settle::Succeeded => {
                    tx.execute("DELETE FROM login_failures WHERE login = $1", &[&account.0])?;
                    write_attempts(tx, &shared.0, lockout::succeeded_shared(shared_state))?;
                    lockout::Attempts::default()
                }
                lockout::Settle::Released => {
                    write_attempts(tx, &account.0, lockout::succeeded_shared(account_state))?;
                    write_attempts(tx, &shared.0, lockout::succeeded_shared(shared_state))?;
                    account_state
                }
                lockout::Settle::Failed => {
                    let after = lockout::failed(account_state, account.1, now);
                    write_attempts(tx, &account.0, after)?;
                    write_attempts(tx, &shared.0, lockout::failed(shared_state, shared.1, now))?;
                    after
                }
            })
        })
        .await
    }

    async fn create_session(&self, s: SessionRecord) -> DbResult<()> {
        self.run(move |client| {
            client.execute(
                "INSERT INTO sessions (id, user_id, device_name, created_at, last_seen_at, generation, rotated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    &s.id.to_string(),
                    &s.user_id.to_string(),
                    &s.device_name,
                    &s.created_at,
                    &s.last_seen_at,
                    &s.generation,
                    &s.rotated_at,
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn get_session(&self, id: Uuid) -> DbResult<Option<SessionRecord>> {
        self.run(move |client| {
            client
                .query_opt(&format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id = $1"), &[&id.to_string()])?
                .as_ref()
                .map(session_row)
                .transpose()
        })
        .await
    }

    async fn rotate_session(&self, id: Uuid, presented: i64, grace_secs: i64, now: i64) -> DbResult<Rotation> {
        // One row, read FOR UPDATE and written under that lock: READ COMMITTED orders concurrent
        // refreshes of a session (the second reads what the first wrote). SERIALIZABLE would add
        // nothing but page-level conflicts between different sessions.
        self.read_committed(move |tx| {
            let id = id.to_string();
            let state = tx
                .query_opt(
                    "SELECT generation, rotated_at, current_used_at IS NOT NULL, revoked_at IS NOT NULL
                     FROM sessions WHERE id = $1 FOR UPDATE",
                    &[&id],
                )?
                .map(|r| rotation::SessionState {
                    generation: r.get(0),
                    rotated_at: r.get(1),
                    current_used: r.get(2),
                    revoked: r.get(3),
                });
            let Some(state) = state else { return Ok(Rotation::Unknown) };
            Ok(match rotation::decide(state, presented, grace_secs, now) {
                rotation::Decision::Advance { generation } => {
                    tx.execute(
                        "UPDATE sessions SET generation = $2, rotated_at = $3, last_seen_at = $3, current_used_at = NULL
                         WHERE id = $1",
                        &[&id, &generation, &now],
                    )?;
                    Rotation::Advanced { generation }
                }
                rotation::Decision::Repeat { generation } => {
                    tx.execute("UPDATE sessions SET last_seen_at = $2 WHERE id = $1", &[&id, &now])?;
                    Rotation::WithinGrace { generation }
                }
                rotation::Decision::Reuse => {
                    tx.execute(
                        "UPDATE sessions SET revoked_at = $2, revoke_reason = 'refresh_token_reused' WHERE id = $1",
                        &[&id, &now],
                    )?;
                    Rotation::Reused
                }
                rotation::Decision::Revoked => Rotation::Revoked,
                rotation::Decision::Unknown => Rotation::Unknown,
            })
        })
        .await
    }

    async fn touch_session(&self, id: Uuid, generation: i64, now: i64) -> DbResult<()> {
        self.run(move |client| {
            // One statement: the row lock orders it with a concurrent rotation.
            client.execute(
                "UPDATE sessions SET last_seen_at = GREATEST(last_seen_at, $3),
                    current_used_at = CASE WHEN generation = $2 THEN COALESCE(current_used_at, $3) ELSE current_used_at END
                 WHERE id = $1 AND (last_seen_at < $3::BIGINT - 60 OR (current_used_at IS NULL AND generation = $2))",
                &[&id.to_string(), &generation, &now],
            )?;
            Ok(())
        })
        .await
    }

    async fn revoke_session(&self, id: Uuid, reason: &str, now: i64) -> DbResult<bool> {
        let reason = reason.to_owned();
        self.run(move |client| {
            Ok(client.execute(
                "UPDATE sessions SET revoked_at = $2, revoke_reason = $3 WHERE id = $1 AND revoked_at IS NULL",
                &[&id.to_string(), &now, &reason],
            )? == 1)
        })
        .await
    }

    async fn list_sessions(&self, user_id: Uuid) -> DbResult<Vec<SessionRecord>> {
        self.run(move |client| {
            client
                .query(
                    &format!(
                        "SELECT {SESSION_COLUMNS} FROM sessions WHERE user_id = $1 AND revoked_at IS NULL
                         ORDER BY last_seen_at DESC"
                    ),
                    &[&user_id.to_string()],
                )?
                .iter()
                .map(session_row)
                .collect()
        })
        .await
    }

    async fn upsert_store(&self, store: StoreInfo) -> DbResult<()> {
        self.run(move |client| {
            client.execute(
                "INSERT INTO stores (id, code, name, city) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (id) DO UPDATE SET code = $2, name = $3, city = $4",
                &[&store.id.to_string(), &store.code, &store.name, &store.city],
            )?;
            Ok(())
        })
        .await
    }

    async fn upsert_dealer(&self, dealer: Dealer) -> DbResult<()> {
        self.run(move |client| {
            client.execute(
                "INSERT INTO dealers (id, code, name, region) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (id) DO UPDATE SET code = $2, name = $3, region = $4",
                &[&dealer.id.to_string(), &dealer.code, &dealer.name, &dealer.region],
            )?;
            Ok(())
        })
        .await
    }

    async fn get_store(&self, id: Uuid) -> DbResult<Option<StoreInfo>> {
        self.run(move |client| {
            client
                .query_opt("SELECT id, code, name, city FROM stores WHERE id = $1", &[&id.to_string()])?
                .as_ref()
                .map(store_row)
                .transpose()
        })
        .await
    }

    async fn get_dealer(&self, id: Uuid) -> DbResult<Option<Dealer>> {
        self.run(move |client| {
            client
                .query_opt("SELECT id, code, name, region FROM dealers WHERE id = $1", &[&id.to_string()])?
                .map(|r| Ok(Dealer { id: uuid(r.get(0))?, code: r.get(1), name: r.get(2), region: r.get(3) }))
                .transpose()
        })
        .await
    }

    async fn keep_dev_message(&self, message: DevMessage) -> DbResult<()> {
        self.run(move |client| {
            client.execute(
                "INSERT INTO dev_messages (recipient, channel, sealed, sent_at) VALUES ($1, $2, $3, $4)",
                &[&message.recipient, &message.channel, &message.sealed, &message.sent_at],
            )?;
            Ok(())
        })
        .await
    }

    async fn dev_messages(&self, recipient: &str, limit: u32) -> DbResult<Vec<DevMessage>> {
        let recipient = recipient.to_owned();
        self.run(move |client| {
            Ok(client
                .query(
                    "SELECT recipient, channel, sealed, sent_at FROM
                       (SELECT * FROM dev_messages WHERE recipient = $1 ORDER BY id DESC LIMIT $2) newest ORDER BY id",
                    &[&recipient, &i64::from(limit)],
                )?
                .iter()
                .map(|r| DevMessage { recipient: r.get(0), channel: r.get(1), sealed: r.get(2), sent_at: r.get(3) })
                .collect())
        })
        .await
    }

    async fn count_members(&self, role: Role, org_id: Uuid) -> DbResult<u32> {
        self.run(move |client| {
            let column = if role == Role::Distributor { "dealer_id" } else { "store_id" };
            Ok(count(
                &client.query_one(
                    &format!("SELECT COUNT(*) FROM users WHERE role = $1 AND {column} = $2"),
                    &[&role.as_str(), &org_id.to_string()],
                )?,
                0,
            ))
        })
        .await
    }

    async fn catalog_write(&self, writes: Vec<CatalogWrite>) -> DbResult<usize> {
        self.serializable(move |tx| {
            // The catalog's version counter is one row: writers take it in turn.
            let mut version: i64 = tx.query_one("SELECT last_version FROM catalog_meta FOR UPDATE", &[])?.get(0);
            let mut changed = 0;
            let current = tx.prepare("SELECT body FROM catalog_items WHERE kind = $1 AND code = $2")?;
            let upsert = tx.prepare(
                "INSERT INTO catalog_items (kind, code, version, body) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (kind, code) DO UPDATE SET version = $3, body = $4",
            )?;
            for write in &writes {
                let existing: Option<Option<String>> =
                    tx.query_opt(&current, &[&write.kind.as_str(), &write.code])?.map(|r| r.get(0));
                let unchanged = match &existing {
                    Some(body) => body == &write.body,
                    None => write.body.is_none(),
                };
                if unchanged {
                    continue;
                }
                version += 1;
                tx.execute(&upsert, &[&write.kind.as_str(), &write.code, &version, &write.body])?;
                changed += 1;
            }
            tx.execute("UPDATE catalog_meta SET last_version = $1", &[&version])?;
            Ok(changed)
        })
        .await
    }

    async fn catalog_changes(&self, after: i64, limit: u32) -> DbResult<CatalogChanges> {
        self.run(move |client| {
            // One snapshot for the version and the rows, so a page never runs ahead of its version.
            let mut tx =
                client.build_transaction().isolation_level(IsolationLevel::RepeatableRead).read_only(true).start()?;
            let meta = tx.query_one("SELECT epoch, last_version FROM catalog_meta", &[])?;
            let rows = tx
                .query(
                    "SELECT kind, code, version, body FROM catalog_items WHERE version > $1 ORDER BY version LIMIT $2",
                    &[&after, &i64::from(limit)],
                )?
                .iter()
                .map(|r| {
                    let kind: String = r.get(0);
                    Ok(CatalogRow {
                        kind: CatalogKind::parse(&kind)
                            .ok_or_else(|| DbError::Database(format!("unknown catalog kind {kind}")))?,
                        code: r.get(1),
                        version: r.get(2),
                        body: r.get(3),
                    })
                })
                .collect::<DbResult<Vec<_>>>()?;
            tx.commit()?;
            Ok(CatalogChanges { epoch: meta.get(0), last_version: meta.get(1), rows })
        })
        .await
    }

    async fn catalog_get(&self, kind: CatalogKind, code: &str) -> DbResult<Option<String>> {
        let code = code.to_owned();
        self.run(move |client| {
            Ok(client
                .query_opt("SELECT body FROM catalog_items WHERE kind = $1 AND code = $2", &[&kind.as_str(), &code])?
                .and_then(|r| r.get::<_, Option<String>>(0)))
        })
        .await
    }

    async fn catalog_all(&self, kind: CatalogKind) -> DbResult<Vec<String>> {
        self.run(move |client| {
            Ok(client
                .query(
                    "SELECT body FROM catalog_items WHERE kind = $1 AND body IS NOT NULL ORDER BY code",
                    &[&kind.as_str()],
                )?
                .iter()
                .map(|r| r.get(0))
                .collect())
        })
        .await
    }

    async fn apply_favourite_ops(
        &self,
        user_id: Uuid,
        ops: Vec<(FavouriteOp, String)>,
        now: i64,
    ) -> DbResult<Vec<Uuid>> {
        self.run(move |client| {
            let mut conflicts = Vec::new();
            // One transaction per operation, with its id: a crash between two leaves the first whole.
            for (op, hash) in &ops {
                let conflict = in_serializable(client, |tx| {
                    let recorded = tx.query_opt(
                        "SELECT user_id, body_hash FROM applied_ops WHERE op_id = $1",
                        &[&op.id.to_string()],
                    )?;
                    if let Some(r) = recorded {
                        let (user, recorded_hash): (String, Option<String>) = (r.get(0), r.get(1));
                        return Ok(user != user_id.to_string() || recorded_hash.is_some_and(|h| &h != hash));
                    }
                    tx.execute(
                        "INSERT INTO applied_ops (op_id, user_id, applied_at, body_hash) VALUES ($1, $2, $3, $4)",
                        &[&op.id.to_string(), &user_id.to_string(), &now, hash],
                    )?;
                    tx.execute(
                        "INSERT INTO favourites (user_id, model, kind, active, changed_at) VALUES ($1, $2, $3, $4, $5)
                         ON CONFLICT (user_id, model, kind) DO UPDATE SET active = $4, changed_at = $5
                         WHERE excluded.changed_at >= favourites.changed_at",
                        &[&user_id.to_string(), &op.model, &op.kind.as_str(), &op.active, &op.changed_at],
                    )?;
                    Ok(false)
                })?;
                if conflict {
                    conflicts.push(op.id);
                }
            }
            Ok(conflicts)
        })
        .await
    }

    async fn favourites(&self, user_id: Uuid) -> DbResult<Vec<Favourite>> {
        self.run(move |client| {
            Ok(client
                .query(
                    "SELECT model, kind, changed_at FROM favourites WHERE user_id = $1 AND active
                     ORDER BY changed_at DESC, model",
                    &[&user_id.to_string()],
                )?
                .iter()
                .map(|r| Favourite {
                    model: r.get(0),
                    kind: if r.get::<_, String>(1) == "follow" {
                        FavouriteKind::Follow
                    } else {
                        FavouriteKind::Favourite
                    },
                    changed_at: r.get(2),
                })
                .collect())
        })
        .await
    }

    async fn ingest_events(&self, request: IngestRequest) -> DbResult<Ingest> {
        self.read_committed(move |tx| events::ingest(tx, &request)).await
    }

    async fn tracking_consent(&self, user_id: Uuid) -> DbResult<Option<(bool, i64)>> {
        self.read_committed(move |tx| events::consent(tx, user_id)).await
    }

    async fn set_tracking_consent(&self, user_id: Uuid, tracking: bool, now: i64) -> DbResult<()> {
        self.read_committed(move |tx| events::set_consent(tx, user_id, tracking, now)).await
    }

    async fn event_history(
        &self,
        user_id: Uuid,
        before: Option<(i64, Uuid)>,
        limit: u32,
    ) -> DbResult<(Vec<StoredEvent>, u32)> {
        // One snapshot for the page and the count.
        self.run(move |client| {
            in_transaction(client, IsolationLevel::RepeatableRead, |tx| events::history(tx, user_id, before, limit))
        })
        .await
    }

    async fn delete_events(&self, user_id: Uuid) -> DbResult<u32> {
        self.read_committed(move |tx| events::delete(tx, user_id)).await
    }

    async fn shown_lists(&self, lists: Vec<Uuid>, user_id: Option<Uuid>, install_id: Uuid) -> DbResult<Vec<Uuid>> {
        self.read_committed(move |tx| events::shown_lists(tx, &lists, user_id, install_id)).await
    }

    async fn prune_marketing(&self, retention: Retention, now: i64) -> DbResult<RetentionCounts> {
        // The coming months' partitions, each in a transaction of its own; the months wholly past
        // the retention dropped, then the rest in batches.
        for month in partitions::months_ahead(now) {
            let name = month.name.clone();
            match self.read_committed(move |tx| partitions::ensure(tx, &month)).await {
                Ok(true) => {}
                Ok(false) => tracing::info!(month = %name, "events of this month are kept in the default partition"),
                Err(e) => {
                    tracing::warn!(month = %name, error = %e, "a month's partition could not be made; trying again later")
                }
            }
        }
        // A month goes whole once every event in it is past its retention: known people's by
        // `at`, anonymous ones by arrival, which may be `MAX_AGE_SECS` (and a little) after `at`.
        let anonymous_before = now - retention.anonymous_events_secs - portal_marketing::events::MAX_AGE_SECS - 600;
        let before = (now - retention.events_secs).min(anonymous_before);
        // A month that cannot be dropped now (a long read holds the table) waits for the next
        // pass; the other tables' retention goes on.
        let event_months = match self.read_committed(move |tx| partitions::drop_before(tx, before)).await {
            Ok(months) => months,
            Err(e) => {
                tracing::warn!(error = %e, "months of events could not be dropped; trying again later");
                0
            }
        };
        let counts = prune_in_batches(events::retention_steps(retention, now), |table, condition, before| {
            self.read_committed(move |tx| events::delete_batch(tx, table, condition, before))
        })
        .await?;
        Ok(RetentionCounts { event_months, ..counts })
    }

    async fn interest_bounds(&self, after: Option<Uuid>, rows: u32, pages: u32) -> DbResult<PageEnds> {
        self.read_committed(move |tx| people::interest_bounds(tx, after, rows, pages)).await
    }

    async fn interest_range(
        &self,
        since: i64,
        after: Option<Uuid>,
        through: Option<Uuid>,
    ) -> DbResult<Vec<PersonHistory>> {
        // One snapshot for the page's rows.
        self.run(move |client| {
            in_transaction(client, IsolationLevel::RepeatableRead, |tx| {
                people::interest_range(tx, since, after, through)
            })
        })
        .await
    }

    async fn person_history(&self, user: Uuid, since: i64) -> DbResult<PersonHistory> {
        self.run(move |client| {
            in_transaction(client, IsolationLevel::RepeatableRead, |tx| people::person_history(tx, user, since))
        })
        .await
    }

    async fn every_interaction(&self, since: i64) -> DbResult<Interactions> {
        self.run(move |client| {
            in_transaction(client, IsolationLevel::RepeatableRead, |tx| events::interactions(tx, since, true))
        })
        .await
    }

    // One statement each on the serving path: no transaction around it (one round trip, not three).
    async fn record_served_list(&self, list: ServedList) -> DbResult<()> {
        self.run_conn(move |conn| {
            let statement = conn.prepared(events::RECORD_SERVED)?;
            events::record_served(&mut conn.client, &statement, &list)
        })
        .await
    }

    async fn create_experiment(&self, experiment: portal_api::Experiment) -> DbResult<bool> {
        self.read_committed(move |tx| experiments::create(tx, &experiment)).await
    }

    async fn experiments(&self) -> DbResult<Vec<portal_api::Experiment>> {
        self.read_committed(experiments::all).await
    }

    async fn running_experiment(&self, placement: portal_api::Placement) -> DbResult<Option<portal_api::Experiment>> {
        self.run(move |client| experiments::running(client, placement)).await
    }

    async fn stop_experiment(
        &self,
        id: Uuid,
        winner: Option<(String, String)>,
        now: i64,
    ) -> DbResult<Option<portal_api::Experiment>> {
        self.read_committed(move |tx| experiments::stop(tx, id, &winner, now)).await
    }

    async fn placement_default(&self, placement: portal_api::Placement) -> DbResult<Option<String>> {
        self.run(move |client| experiments::placement_default(client, placement)).await
    }

    async fn served_lists(&self, ids: Vec<Uuid>) -> DbResult<Vec<(Uuid, Option<Uuid>, Vec<String>)>> {
        self.read_committed(move |tx| events::served_lists(tx, &ids)).await
    }

    async fn trail_facts(&self, from: i64, until: i64) -> DbResult<TrailFacts> {
        // One snapshot for every part of the window.
        self.run(move |client| {
            in_transaction(client, IsolationLevel::RepeatableRead, |tx| trail::facts(tx, from, until))
        })
        .await
    }

    async fn trail_days(&self, from: i64, until: i64) -> DbResult<Vec<portal_marketing::trail::TrailRow>> {
        self.read_committed(move |tx| trail::days(tx, from, until)).await
    }

    async fn trail_sealed_until(&self) -> DbResult<Option<i64>> {
        self.read_committed(trail::sealed_until).await
    }

    async fn seal_trail_day(
        &self,
        day: i64,
        next: i64,
        rows: Vec<portal_marketing::trail::TrailRow>,
    ) -> DbResult<bool> {
        self.read_committed(move |tx| trail::seal(tx, day, next, &rows)).await
    }

    async fn create_trigger(&self, trigger: portal_api::Trigger, created_by: Uuid) -> DbResult<bool> {
        self.run(move |client| triggers::create(client, &trigger, created_by)).await
    }

    async fn triggers(&self) -> DbResult<Vec<portal_api::Trigger>> {
        self.run(triggers::all).await
    }

    async fn set_trigger_active(&self, id: Uuid, active: bool, now: i64) -> DbResult<bool> {
        self.run(move |client| triggers::set_active(client, id, active, now)).await
    }

    async fn followers_of(&self, models: Vec<String>) -> DbResult<Vec<(Uuid, String)>> {
        self.read_committed(move |tx| triggers::followers_of(tx, &models)).await
    }

    async fn trigger_facts(&self, since: i64, birthdays: Vec<String>) -> DbResult<portal_db::TriggerFacts> {
        self.read_committed(move |tx| triggers::facts(tx, since, &birthdays)).await
    }

    async fn set_birthday(&self, user: Uuid, birthday: Option<String>) -> DbResult<()> {
        self.run(move |client| {
            client.execute("UPDATE users SET birthday = $2 WHERE id = $1", &[&user.to_string(), &birthday])?;
            Ok(())
        })
        .await
    }

    async fn birthday(&self, user: Uuid) -> DbResult<Option<String>> {
        self.run(move |client| {
            Ok(client
                .query_opt("SELECT birthday FROM users WHERE id = $1", &[&user.to_string()])?
                .and_then(|r| r.get::<_, Option<String>>(0)))
        })
        .await
    }

    async fn send_inbox(&self, messages: Vec<portal_db::InboxRow>, cooldown_secs: i64) -> DbResult<Vec<bool>> {
        self.read_committed(move |tx| triggers::send(tx, &messages, cooldown_secs)).await
    }

    async fn inbox(&self, user: Uuid, limit: u32) -> DbResult<portal_api::Inbox> {
        self.read_committed(move |tx| triggers::inbox(tx, user, limit)).await
    }

    async fn mark_inbox_read(&self, user: Uuid, id: Uuid, at: i64) -> DbResult<bool> {
        self.run(move |client| triggers::mark_read(client, user, id, at)).await
    }

    async fn create_tag(&self, tag: TagRow) -> DbResult<bool> {
        self.read_committed(move |tx| customers::create_tag(tx, &tag)).await
    }

    async fn tags(&self) -> DbResult<Vec<TagRow>> {
        self.read_committed(customers::tags).await
    }

    async fn delete_tag(&self, id: Uuid) -> DbResult<bool> {
        self.read_committed(move |tx| customers::delete_tag(tx, id)).await
    }

    async fn changed_customers(&self, after: i64, until: i64, purchases_after: i64) -> DbResult<Vec<Uuid>> {
        self.run(move |client| {
            in_transaction(client, IsolationLevel::RepeatableRead, |tx| {
                customers::changed_customers(tx, after, until, purchases_after)
            })
        })
        .await
    }

    async fn customer_activity(&self, who: Customers, since: i64) -> DbResult<Vec<CustomerActivity>> {
        self.run(move |client| {
            in_transaction(client, IsolationLevel::RepeatableRead, |tx| customers::customer_activity(tx, &who, since))
        })
        .await
    }

    async fn set_tag_members(
        &self,
        tag: Uuid,
        checked: Vec<Uuid>,
        members: Vec<Uuid>,
        recount: bool,
        computed_at: Option<i64>,
    ) -> DbResult<u32> {
        self.read_committed(move |tx| customers::set_tag_members(tx, tag, &checked, &members, recount, computed_at))
            .await
    }

    async fn tag_progress(&self) -> DbResult<(i64, i64)> {
        self.read_committed(customers::tag_progress).await
    }

    async fn set_tag_progress(&self, events_through: i64, full_at: i64) -> DbResult<()> {
        self.read_committed(move |tx| customers::set_tag_progress(tx, events_through, full_at)).await
    }

    async fn customer_record(&self, user_id: Uuid, limit: u32) -> DbResult<CustomerRecord> {
        self.run(move |client| {
            in_transaction(client, IsolationLevel::RepeatableRead, |tx| customers::customer_record(tx, user_id, limit))
        })
        .await
    }

    async fn grant_counter_view(
        &self,
        promoter: Uuid,
        customer: Uuid,
        store: Option<Uuid>,
        expires_at: i64,
    ) -> DbResult<()> {
        self.read_committed(move |tx| customers::grant_counter_view(tx, promoter, customer, store, expires_at)).await
    }

    async fn counter_view_until(
        &self,
        promoter: Uuid,
        customer: Uuid,
        store: Option<Uuid>,
        now: i64,
    ) -> DbResult<Option<i64>> {
        self.read_committed(move |tx| customers::counter_view_until(tx, promoter, customer, store, now)).await
    }

    async fn experiment_people(&self, experiment: Uuid) -> DbResult<Vec<(String, Uuid, i64)>> {
        self.read_committed(move |tx| events::experiment_people(tx, experiment)).await
    }

    async fn customer_purchases(&self, since: i64) -> DbResult<Vec<(Uuid, String, i64, i64)>> {
        self.read_committed(move |tx| events::customer_purchases(tx, since)).await
    }

    async fn apply_store_ops(
        &self,
        ops: Vec<(portal_api::StoreOp, OpContext)>,
    ) -> DbResult<Vec<portal_api::OpOutcome>> {
        self.run_conn(move |conn| store_ops::apply_all(conn, &ops)).await
    }

    async fn record_set_aside(&self, records: Vec<portal_db::SetAsideRecord>) -> DbResult<()> {
        self.run(move |client| store_ops::record_set_aside(client, &records)).await
    }

    async fn stock(&self, store_id: Uuid) -> DbResult<portal_api::StockReport> {
        self.run(move |client| store_ops::stock(client, store_id)).await
    }

    async fn store_on_hand(&self, store_id: Uuid) -> DbResult<Vec<(String, i64)>> {
        self.run(move |client| {
            Ok(client
                .query(
                    "SELECT sku, on_hand FROM stock_balances WHERE store_id = $1 AND on_hand > 0 ORDER BY sku",
                    &[&store_id.to_string()],
                )?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect())
        })
        .await
    }

    async fn day_report(&self, store_id: Uuid, day: String, starts_at: i64) -> DbResult<portal_api::DayReport> {
        self.run(move |client| store_ops::day_report(client, store_id, &day, starts_at)).await
    }

    async fn purchases(&self, customer: Uuid) -> DbResult<portal_api::PurchaseList> {
        self.run(move |client| store_ops::purchases(client, customer)).await
    }

    async fn samples(&self, store_id: Uuid) -> DbResult<portal_api::SampleList> {
        self.run(move |client| store_ops::samples(client, store_id)).await
    }

    async fn skus_in_stock(&self) -> DbResult<Vec<portal_api::StoreStock>> {
        self.run(store_ops::skus_in_stock).await
    }

    async fn transfers(&self, store_id: Uuid) -> DbResult<portal_api::TransferList> {
        self.run(move |client| store_ops::transfers(client, store_id)).await
    }

    async fn flags_after(&self, store_id: Uuid, after: Option<i64>, limit: u32) -> DbResult<portal_api::StoreFlagList> {
        self.run(move |client| store_ops::flags_after(client, store_id, after, limit)).await
    }

    async fn sales_by_receipt(&self, store_id: Uuid, receipt_no: String) -> DbResult<portal_api::StoreSaleList> {
        self.run(move |client| store_ops::sales_by_receipt(client, store_id, &receipt_no)).await
    }
}

/// Inserts the code when [`throttle::check`] allows one more send (inside the send lock).
fn insert_code_if_allowed(
    tx: &mut Transaction<'_>,
    code: &NewCode,
    limits: throttle::Limits,
) -> DbResult<Result<(), throttle::Refusal>> {
    let since = code.created_at - throttle::HOUR;
    let to_target = tx
        .query(
            "SELECT created_at FROM verification_codes WHERE target = $1 AND created_at > $2 ORDER BY created_at",
            &[&code.target, &since],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let from_address = count(
        &tx.query_one(
            "SELECT COUNT(*) FROM verification_codes WHERE client_ip = $1 AND created_at > $2",
            &[&code.client_ip, &since],
        )?,
        0,
    );
    let all = count(&tx.query_one("SELECT COUNT(*) FROM verification_codes WHERE created_at > $1", &[&since])?, 0);
    let recent = throttle::RecentSends { to_target, from_address, all };
    if let Err(refusal) = throttle::check(&recent, limits, code.created_at) {
        return Ok(Err(refusal));
    }
    tx.execute(
        "INSERT INTO verification_codes (channel, target, purpose, code_hash, client_ip, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            &code.channel,
            &code.target,
            &code.purpose,
            &code.code_hash,
            &code.client_ip,
            &code.created_at,
            &code.expires_at,
        ],
    )?;
    Ok(Ok(()))
}

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
