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

pub mod customers;
pub mod events;
pub mod experiments;
pub mod people;
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
];

pub struct SqliteDatabase {
    conn: Arc<Mutex<Connection>>,
    path: String,
    /// The thread that checkpoints beside `conn`, and its stop flag.
    checkpointer: Option<(std::thread::JoinHandle<()>, Arc<std::sync::atomic::AtomicBool>)>,
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

fn read_attempts(conn: &Connection, key: &str) -> rusqlite::Result<lockout::Attempts> {
    Ok(conn
        .prepare_cached("SELECT failures, last_failure_at, locked_until FROM login_failures WHERE login = ?1")?
        .query_row([key], |row| {
            Ok(lockout::Attempts { failures: row.get(0)?, last_at: row.get(1)?, locked_until: row.get(2)? })
        })
        .optional()?
        .unwrap_or_default())
}

fn write_attempts(conn: &Connection, key: &str, state: lockout::Attempts) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO login_failures (login, failures, last_failure_at, locked_until) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (login) DO UPDATE SET failures = ?2, last_failure_at = ?3, locked_until = ?4",
    )?
    .execute(params![key, state.failures, state.last_at, state.locked_until])?;
    Ok(())
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
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            path: path.display().to_string(),
            checkpointer: Some(checkpointer),
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

    async fn find_identity(&self, kind: IdentityKind, value: &str) -> DbResult<Option<IdentityRecord>> {
        let value = value.to_owned();
        self.run(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT kind, value, user_id, verified, linked_at FROM identities WHERE kind = ?1 AND value = ?2",
                    params![kind.as_str(), value],
                    identity_row,
                )
                .optional()?)
        })
        .await
    }

    async fn create_user(&self, user: NewUser) -> DbResult<()> {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "INSERT INTO users (id, display_name, role, store_id, dealer_id, password_hash, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    user.id.to_string(),
                    user.display_name,
                    user.role.as_str(),
                    user.store_id.map(|id| id.to_string()),
                    user.dealer_id.map(|id| id.to_string()),
                    user.password_hash,
                    user.created_at
                ],
            )?;
            for identity in &user.identities {
                insert_identity(&tx, user.id, identity, user.created_at)?;
            }
            if let (Role::Promoter | Role::StoreManager, Some(store)) = (user.role, user.store_id) {
                tx.execute(
                    "INSERT INTO store_assignments (user_id, store_id, started_at) VALUES (?1, ?2, ?3)",
                    params![user.id.to_string(), store.to_string(), user.created_at],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn live_session_user(&self, session: Uuid, user: Uuid) -> DbResult<Option<UserRecord>> {
        self.run(move |conn| {
            Ok(conn
                .prepare_cached(&format!(
                    "SELECT {USER_COLUMNS} FROM users WHERE id = ?2
                       AND EXISTS (SELECT 1 FROM sessions s WHERE s.id = ?1 AND s.user_id = ?2 AND s.revoked_at IS NULL)"
                ))?
                .query_row([session.to_string(), user.to_string()], user_row)
                .optional()?)
        })
        .await
    }

    async fn get_user(&self, id: Uuid) -> DbResult<Option<UserRecord>> {
        self.run(move |conn| {
            Ok(conn
                .query_row(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"), [id.to_string()], user_row)
                .optional()?)
        })
        .await
    }

    async fn list_identities(&self, user_id: Uuid) -> DbResult<Vec<IdentityRecord>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT kind, value, user_id, verified, linked_at FROM identities WHERE user_id = ?1
                 ORDER BY linked_at, kind, value",
            )?;
            let rows = stmt.query_map([user_id.to_string()], identity_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn add_identity(&self, user_id: Uuid, identity: NewIdentity, now: i64) -> DbResult<()> {
        self.run(move |conn| insert_identity(conn, user_id, &identity, now)).await
    }

    async fn set_display_name(&self, user_id: Uuid, name: &str) -> DbResult<()> {
        let name = name.to_owned();
        self.run(move |conn| {
            conn.execute("UPDATE users SET display_name = ?2 WHERE id = ?1", params![user_id.to_string(), name])?;
            Ok(())
        })
        .await
    }

    async fn set_password_hash(&self, user_id: Uuid, hash: &str, keep_session: Option<Uuid>, now: i64) -> DbResult<()> {
        let hash = hash.to_owned();
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute("UPDATE users SET password_hash = ?2 WHERE id = ?1", params![user_id.to_string(), hash])?;
            tx.execute(
                "UPDATE sessions SET revoked_at = ?3, revoke_reason = 'password_changed'
                 WHERE user_id = ?1 AND revoked_at IS NULL AND id IS NOT ?2",
                params![user_id.to_string(), keep_session.map(|id| id.to_string()), now],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn prune(&self, codes_before: i64, attempts_before: i64, sessions_before: i64) -> DbResult<PruneCounts> {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let codes = tx.execute("DELETE FROM verification_codes WHERE expires_at < ?1", [codes_before])?;
            tx.execute("DELETE FROM dev_messages WHERE sent_at < ?1", [codes_before])?;
            tx.execute("DELETE FROM event_rates WHERE window_start < ?1", [attempts_before])?;
            // Anonymous behaviour goes by the retention policy (`prune_marketing`), in batches.
            let attempts = tx.execute(
                "DELETE FROM login_failures WHERE last_failure_at < ?1 AND (locked_until IS NULL OR locked_until < ?1)",
                [attempts_before],
            )?;
            // Store operations name their promoter, not a session: ended sessions can go.
            let sessions = tx.execute(
                "DELETE FROM sessions WHERE (revoked_at IS NOT NULL AND revoked_at < ?1) OR last_seen_at < ?1",
                [sessions_before],
            )?;
            tx.commit()?;
            Ok(PruneCounts { codes, attempts, sessions })
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
        self.run(move |conn| {
            // The role and the stores a manager runs change together; a new role starts from its
            // default discount limit.
            let tx = conn.transaction()?;
            let changed = tx.execute(
                "UPDATE users SET role = ?2, store_id = ?3, dealer_id = ?4, discount_limit_percent = NULL WHERE id = ?1",
                params![
                    user_id.to_string(),
                    role.as_str(),
                    store_ids.first().map(|id| id.to_string()),
                    dealer_id.map(|id| id.to_string())
                ],
            )?;
            tx.execute("DELETE FROM store_managers WHERE user_id = ?1", [user_id.to_string()])?;
            tx.execute(
                "UPDATE store_assignments SET ended_at = ?2 WHERE user_id = ?1 AND ended_at IS NULL",
                params![user_id.to_string(), now],
            )?;
            if matches!(role, Role::Promoter | Role::StoreManager) {
                let stores = if role == Role::Promoter { &store_ids[..store_ids.len().min(1)] } else { &store_ids[..] };
                for store in stores {
                    tx.execute(
                        "INSERT INTO store_assignments (user_id, store_id, started_at) VALUES (?1, ?2, ?3)",
                        params![user_id.to_string(), store.to_string(), now],
                    )?;
                }
            }
            if role == Role::StoreManager {
                for store in &store_ids {
                    tx.execute(
                        "INSERT OR IGNORE INTO store_managers (user_id, store_id) VALUES (?1, ?2)",
                        params![user_id.to_string(), store.to_string()],
                    )?;
                }
            }
            tx.commit()?;
            Ok(changed == 1)
        })
        .await
    }

    async fn assigned_at(&self, user_id: Uuid, store_id: Uuid, at: i64) -> DbResult<bool> {
        self.run(move |conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM store_assignments WHERE user_id = ?1 AND store_id = ?2
                       AND started_at <= ?3 AND (ended_at IS NULL OR ended_at >= ?3))",
                )?
                .query_row(params![user_id.to_string(), store_id.to_string(), at], |r| r.get(0))?)
        })
        .await
    }

    async fn user_stores(&self, user_id: Uuid) -> DbResult<Vec<portal_api::Store>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT s.id, s.code, s.name, s.city FROM stores s
                 WHERE s.id IN (SELECT store_id FROM users WHERE id = ?1 AND role = 'promoter'
                                UNION SELECT store_id FROM store_managers WHERE user_id = ?1)
                 ORDER BY s.id = (SELECT store_id FROM users WHERE id = ?1) DESC, s.code",
            )?;
            let rows = stmt.query_map([user_id.to_string()], |r| {
                Ok(portal_api::Store { id: uuid_of(r.get(0)?)?, code: r.get(1)?, name: r.get(2)?, city: r.get(3)? })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn manages(&self, user_id: Uuid, store_id: Uuid) -> DbResult<bool> {
        self.run(move |conn| {
            Ok(conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM store_managers WHERE user_id = ?1 AND store_id = ?2)",
                params![user_id.to_string(), store_id.to_string()],
                |r| r.get(0),
            )?)
        })
        .await
    }

    async fn store_staff(&self, store_id: Uuid) -> DbResult<Vec<UserRecord>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {USER_COLUMNS} FROM users WHERE (role = 'promoter' AND store_id = ?1)
                    OR id IN (SELECT user_id FROM store_managers WHERE store_id = ?1)
                 ORDER BY role DESC, display_name"
            ))?;
            let rows = stmt.query_map([store_id.to_string()], user_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn set_discount_limit(&self, user_id: Uuid, percent: Option<u32>) -> DbResult<bool> {
        self.run(move |conn| {
            Ok(conn.execute(
                "UPDATE users SET discount_limit_percent = ?2 WHERE id = ?1",
                params![user_id.to_string(), percent],
            )? == 1)
        })
        .await
    }

    async fn list_users(&self, limit: u32, offset: u32) -> DbResult<(Vec<(UserRecord, u32)>, u32)> {
        self.run(move |conn| {
            let total: u32 = conn.query_row("SELECT COUNT(*) FROM users", [], |row| row.get(0))?;
            let mut stmt = conn.prepare(&format!(
                "SELECT {USER_COLUMNS}, (SELECT COUNT(*) FROM identities i WHERE i.user_id = users.id)
                 FROM users ORDER BY created_at, id LIMIT ?1 OFFSET ?2"
            ))?;
            let rows = stmt.query_map(params![limit, offset], |row| Ok((user_row(row)?, row.get(8)?)))?;
            Ok((rows.collect::<Result<Vec<_>, _>>()?, total))
        })
        .await
    }

    async fn audience_counts(&self) -> DbResult<AudienceCounts> {
        self.run(move |conn| {
            Ok(conn.query_row(
                "SELECT (SELECT COUNT(*) FROM users),
                        (SELECT COUNT(*) FROM users WHERE role = 'consumer'),
                        (SELECT COUNT(DISTINCT user_id) FROM identities WHERE kind = 'phone' AND verified),
                        (SELECT COUNT(DISTINCT user_id) FROM identities WHERE kind = 'email' AND verified)",
                [],
                |row| {
                    Ok(AudienceCounts {
                        total_users: row.get(0)?,
                        consumers: row.get(1)?,
                        with_phone: row.get(2)?,
                        with_email: row.get(3)?,
                    })
                },
            )?)
        })
        .await
    }

    async fn insert_code_if_allowed(
        &self,
        code: NewCode,
        limits: throttle::Limits,
    ) -> DbResult<Result<(), throttle::Refusal>> {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let since = code.created_at - throttle::HOUR;
            let to_target = tx
                .prepare_cached(
                    "SELECT created_at FROM verification_codes WHERE target = ?1 AND created_at > ?2 ORDER BY created_at",
                )?
                .query_map(params![code.target, since], |row| row.get(0))?
                .collect::<Result<Vec<i64>, _>>()?;
            let from_address: u32 = tx.query_row(
                "SELECT COUNT(*) FROM verification_codes WHERE client_ip = ?1 AND created_at > ?2",
                params![code.client_ip, since],
                |row| row.get(0),
            )?;
            let all: u32 = tx.query_row(
                "SELECT COUNT(*) FROM verification_codes WHERE created_at > ?1",
                params![since],
                |row| row.get(0),
            )?;
            let recent = throttle::RecentSends { to_target, from_address, all };
            if let Err(refusal) = throttle::check(&recent, limits, code.created_at) {
                return Ok(Err(refusal));
            }
            tx.execute(
                "INSERT INTO verification_codes (channel, target, purpose, code_hash, client_ip, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    code.channel,
                    code.target,
                    code.purpose,
                    code.code_hash,
                    code.client_ip,
                    code.created_at,
                    code.expires_at
                ],
            )?;
            tx.commit()?;
            Ok(Ok(()))
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
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let newest = tx
                .query_row(
                    "SELECT id, code_hash, expires_at, attempts FROM verification_codes
                     WHERE target = ?1 AND purpose = ?2 AND consumed_at IS NULL
                     ORDER BY created_at DESC, id DESC LIMIT 1",
                    params![target, purpose],
                    |row| {
                        Ok(CodeRecord {
                            id: row.get(0)?,
                            code_hash: row.get(1)?,
                            expires_at: row.get(2)?,
                            attempts: row.get(3)?,
                        })
                    },
                )
                .optional()?;
            let verdict = portal_db::code_check::verify(newest.as_ref(), &code_hash, max_attempts, now);
            if let Some(code) = newest.filter(|_| verdict.count_attempt) {
                tx.execute(
                    "UPDATE verification_codes SET attempts = attempts + 1,
                        consumed_at = CASE WHEN ?3 THEN ?2 ELSE consumed_at END WHERE id = ?1",
                    params![code.id, now, verdict.consume],
                )?;
            }
            let outcome = verdict.check;
            tx.commit()?;
            Ok(outcome)
        })
        .await
    }

    async fn admit_password_attempt(
        &self,
        keys: Vec<(String, lockout::Policy)>,
        now: i64,
    ) -> DbResult<lockout::Admission> {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut next = Vec::with_capacity(keys.len());
            let mut locked: Option<i64> = None;
            let mut least_left = u32::MAX;
            for (key, policy) in &keys {
                let (state, admission) = lockout::admit(read_attempts(&tx, key)?, *policy, now);
                match admission {
                    lockout::Admission::Locked { until } => {
                        locked = Some(locked.map_or(until, |l| l.max(until)));
                        write_attempts(&tx, key, state)?;
                    }
                    lockout::Admission::Allowed { left } => {
                        least_left = least_left.min(left);
                        next.push((key, state));
                    }
                }
            }
            if let Some(until) = locked {
                tx.commit()?;
                return Ok(lockout::Admission::Locked { until });
            }
            for (key, state) in next {
                write_attempts(&tx, key, state)?;
            }
            tx.commit()?;
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
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let account_state = read_attempts(&tx, &account.0)?;
            let shared_state = read_attempts(&tx, &shared.0)?;
            let result = match outcome {
                lockout::Settle::Succeeded => {
                    tx.execute("DELETE FROM login_failures WHERE login = ?1", [&account.0])?;
                    write_attempts(&tx, &shared.0, lockout::succeeded_shared(shared_state))?;
                    lockout::Attempts::default()
                }
                lockout::Settle::Released => {
                    write_attempts(&tx, &account.0, lockout::succeeded_shared(account_state))?;
                    write_attempts(&tx, &shared.0, lockout::succeeded_shared(shared_state))?;
                    account_state
                }
                lockout::Settle::Failed => {
                    let after = lockout::failed(account_state, account.1, now);
                    write_attempts(&tx, &account.0, after)?;
                    write_attempts(&tx, &shared.0, lockout::failed(shared_state, shared.1, now))?;
                    after
                }
            };
            tx.commit()?;
            Ok(result)
        })
        .await
    }

    async fn create_session(&self, s: SessionRecord) -> DbResult<()> {
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO sessions (id, user_id, device_name, created_at, last_seen_at, generation, rotated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    s.id.to_string(),
                    s.user_id.to_string(),
                    s.device_name,
                    s.created_at,
                    s.last_seen_at,
                    s.generation,
                    s.rotated_at
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn get_session(&self, id: Uuid) -> DbResult<Option<SessionRecord>> {
        self.run(move |conn| {
            Ok(conn
                .query_row(
                    &format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?1"),
                    [id.to_string()],
                    session_row,
                )
                .optional()?)
        })
        .await
    }

    async fn rotate_session(&self, id: Uuid, presented: i64, grace_secs: i64, now: i64) -> DbResult<Rotation> {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let state = tx
                .query_row(
                    "SELECT generation, rotated_at, current_used_at IS NOT NULL, revoked_at IS NOT NULL
                     FROM sessions WHERE id = ?1",
                    [id.to_string()],
                    |r| {
                        Ok(rotation::SessionState {
                            generation: r.get(0)?,
                            rotated_at: r.get(1)?,
                            current_used: r.get(2)?,
                            revoked: r.get(3)?,
                        })
                    },
                )
                .optional()?;
            let Some(state) = state else { return Ok(Rotation::Unknown) };
            let outcome = match rotation::decide(state, presented, grace_secs, now) {
                rotation::Decision::Advance { generation } => {
                    tx.execute(
                        "UPDATE sessions SET generation = ?2, rotated_at = ?3, last_seen_at = ?3, current_used_at = NULL
                         WHERE id = ?1",
                        params![id.to_string(), generation, now],
                    )?;
                    Rotation::Advanced { generation }
                }
                rotation::Decision::Repeat { generation } => {
                    tx.execute("UPDATE sessions SET last_seen_at = ?2 WHERE id = ?1", params![id.to_string(), now])?;
                    Rotation::WithinGrace { generation }
                }
                rotation::Decision::Reuse => {
                    tx.execute(
                        "UPDATE sessions SET revoked_at = ?2, revoke_reason = 'refresh_token_reused' WHERE id = ?1",
                        params![id.to_string(), now],
                    )?;
                    Rotation::Reused
                }
                rotation::Decision::Revoked => Rotation::Revoked,
                rotation::Decision::Unknown => Rotation::Unknown,
            };
            tx.commit()?;
            Ok(outcome)
        })
        .await
    }

    async fn touch_session(&self, id: Uuid, generation: i64, now: i64) -> DbResult<()> {
        self.run(move |conn| {
            conn.prepare_cached(
                "UPDATE sessions SET last_seen_at = MAX(last_seen_at, ?3),
                    current_used_at = CASE WHEN generation = ?2 THEN COALESCE(current_used_at, ?3) ELSE current_used_at END
                 WHERE id = ?1 AND (last_seen_at < ?3 - 60 OR (current_used_at IS NULL AND generation = ?2))",
            )?
            .execute(params![id.to_string(), generation, now])?;
            Ok(())
        })
        .await
    }

    async fn revoke_session(&self, id: Uuid, reason: &str, now: i64) -> DbResult<bool> {
        let reason = reason.to_owned();
        self.run(move |conn| {
            let changed = conn.execute(
                "UPDATE sessions SET revoked_at = ?2, revoke_reason = ?3 WHERE id = ?1 AND revoked_at IS NULL",
                params![id.to_string(), now, reason],
            )?;
            Ok(changed == 1)
        })
        .await
    }

    async fn list_sessions(&self, user_id: Uuid) -> DbResult<Vec<SessionRecord>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT {SESSION_COLUMNS} FROM sessions WHERE user_id = ?1 AND revoked_at IS NULL
                 ORDER BY last_seen_at DESC"
            ))?;
            let rows = stmt.query_map([user_id.to_string()], session_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn upsert_store(&self, store: StoreInfo) -> DbResult<()> {
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO stores (id, code, name, city) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET code = ?2, name = ?3, city = ?4",
                params![store.id.to_string(), store.code, store.name, store.city],
            )?;
            Ok(())
        })
        .await
    }

    async fn upsert_dealer(&self, dealer: Dealer) -> DbResult<()> {
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO dealers (id, code, name, region) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET code = ?2, name = ?3, region = ?4",
                params![dealer.id.to_string(), dealer.code, dealer.name, dealer.region],
            )?;
            Ok(())
        })
        .await
    }

    async fn get_store(&self, id: Uuid) -> DbResult<Option<StoreInfo>> {
        self.run(move |conn| {
            Ok(conn
                .query_row("SELECT id, code, name, city FROM stores WHERE id = ?1", [id.to_string()], |row| {
                    Ok(StoreInfo { id: uuid_of(row.get(0)?)?, code: row.get(1)?, name: row.get(2)?, city: row.get(3)? })
                })
                .optional()?)
        })
        .await
    }

    async fn get_dealer(&self, id: Uuid) -> DbResult<Option<Dealer>> {
        self.run(move |conn| {
            Ok(conn
                .query_row("SELECT id, code, name, region FROM dealers WHERE id = ?1", [id.to_string()], |row| {
                    Ok(Dealer { id: uuid_of(row.get(0)?)?, code: row.get(1)?, name: row.get(2)?, region: row.get(3)? })
                })
                .optional()?)
        })
        .await
    }

    async fn catalog_write(&self, writes: Vec<CatalogWrite>) -> DbResult<usize> {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut version: i64 = tx.query_row("SELECT last_version FROM catalog_meta", [], |r| r.get(0))?;
            let mut changed = 0;
            {
                let mut current = tx.prepare_cached("SELECT body FROM catalog_items WHERE kind = ?1 AND code = ?2")?;
                let mut upsert = tx.prepare_cached(
                    "INSERT INTO catalog_items (kind, code, version, body) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (kind, code) DO UPDATE SET version = ?3, body = ?4",
                )?;
                for write in &writes {
                    let existing: Option<Option<String>> =
                        current.query_row(params![write.kind.as_str(), write.code], |r| r.get(0)).optional()?;
                    let unchanged = match &existing {
                        Some(body) => body == &write.body,
                        None => write.body.is_none(),
                    };
                    if unchanged {
                        continue;
                    }
                    version += 1;
                    upsert.execute(params![write.kind.as_str(), write.code, version, write.body])?;
                    changed += 1;
                }
            }
            tx.execute("UPDATE catalog_meta SET last_version = ?1", [version])?;
            tx.commit()?;
            Ok(changed)
        })
        .await
    }

    async fn catalog_changes(&self, after: i64, limit: u32) -> DbResult<CatalogChanges> {
        self.run(move |conn| {
            let (epoch, last_version): (String, i64) =
                conn.query_row("SELECT epoch, last_version FROM catalog_meta", [], |r| Ok((r.get(0)?, r.get(1)?)))?;
            let mut stmt = conn.prepare_cached(
                "SELECT kind, code, version, body FROM catalog_items WHERE version > ?1 ORDER BY version LIMIT ?2",
            )?;
            let rows = stmt
                .query_map(params![after, limit], |r| {
                    let kind: String = r.get(0)?;
                    Ok(CatalogRow {
                        kind: CatalogKind::parse(&kind)
                            .ok_or_else(|| rusqlite::Error::InvalidColumnType(0, kind, rusqlite::types::Type::Text))?,
                        code: r.get(1)?,
                        version: r.get(2)?,
                        body: r.get(3)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(CatalogChanges { epoch, last_version, rows })
        })
        .await
    }

    async fn catalog_get(&self, kind: CatalogKind, code: &str) -> DbResult<Option<String>> {
        let code = code.to_owned();
        self.run(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT body FROM catalog_items WHERE kind = ?1 AND code = ?2",
                    params![kind.as_str(), code],
                    |r| r.get::<_, Option<String>>(0),
                )
                .optional()?
                .flatten())
        })
        .await
    }

    async fn catalog_all(&self, kind: CatalogKind) -> DbResult<Vec<String>> {
        self.run(move |conn| {
            let mut stmt =
                conn.prepare("SELECT body FROM catalog_items WHERE kind = ?1 AND body IS NOT NULL ORDER BY code")?;
            let rows = stmt.query_map([kind.as_str()], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn apply_favourite_ops(
        &self,
        user_id: Uuid,
        ops: Vec<(FavouriteOp, String)>,
        now: i64,
    ) -> DbResult<Vec<Uuid>> {
        self.run(move |conn| {
            let mut conflicts = Vec::new();
            // One transaction per operation, with its id: a crash between two leaves the first whole.
            for (op, hash) in ops {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let recorded: Option<(String, Option<String>)> = tx
                    .query_row("SELECT user_id, body_hash FROM applied_ops WHERE op_id = ?1", [op.id.to_string()], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })
                    .optional()?;
                match recorded {
                    Some((user, recorded_hash)) => {
                        if user != user_id.to_string() || recorded_hash.is_some_and(|h| h != hash) {
                            conflicts.push(op.id);
                        }
                    }
                    None => {
                        tx.execute(
                            "INSERT INTO applied_ops (op_id, user_id, applied_at, body_hash) VALUES (?1, ?2, ?3, ?4)",
                            params![op.id.to_string(), user_id.to_string(), now, hash],
                        )?;
                        tx.execute(
                            "INSERT INTO favourites (user_id, model, kind, active, changed_at) VALUES (?1, ?2, ?3, ?4, ?5)
                             ON CONFLICT (user_id, model, kind) DO UPDATE SET active = ?4, changed_at = ?5
                             WHERE excluded.changed_at >= favourites.changed_at",
                            params![user_id.to_string(), op.model, op.kind.as_str(), op.active, op.changed_at],
                        )?;
                    }
                }
                tx.commit()?;
            }
            Ok(conflicts)
        })
        .await
    }

    async fn favourites(&self, user_id: Uuid) -> DbResult<Vec<Favourite>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT model, kind, changed_at FROM favourites WHERE user_id = ?1 AND active ORDER BY changed_at DESC, model",
            )?;
            let rows = stmt
                .query_map([user_id.to_string()], |r| {
                    let kind: String = r.get(1)?;
                    Ok(Favourite {
                        model: r.get(0)?,
                        kind: if kind == "follow" { FavouriteKind::Follow } else { FavouriteKind::Favourite },
                        changed_at: r.get(2)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn ingest_events(&self, request: IngestRequest) -> DbResult<Ingest> {
        self.run(move |conn| events::ingest(conn, &request)).await
    }

    async fn tracking_consent(&self, user_id: Uuid) -> DbResult<Option<(bool, i64)>> {
        self.run(move |conn| events::consent(conn, user_id)).await
    }

    async fn set_tracking_consent(&self, user_id: Uuid, tracking: bool, now: i64) -> DbResult<()> {
        self.run(move |conn| events::set_consent(conn, user_id, tracking, now)).await
    }

    async fn event_history(
        &self,
        user_id: Uuid,
        before: Option<(i64, Uuid)>,
        limit: u32,
    ) -> DbResult<(Vec<StoredEvent>, u32)> {
        self.run(move |conn| events::history(conn, user_id, before, limit)).await
    }

    async fn delete_events(&self, user_id: Uuid) -> DbResult<u32> {
        self.run(move |conn| events::delete(conn, user_id)).await
    }

    async fn shown_lists(&self, lists: Vec<Uuid>, user_id: Option<Uuid>, install_id: Uuid) -> DbResult<Vec<Uuid>> {
        self.run(move |conn| events::shown_lists(conn, &lists, user_id, install_id)).await
    }

    async fn prune_marketing(&self, retention: Retention, now: i64) -> DbResult<RetentionCounts> {
        // One batch per call: other requests get the connection between batches.
        prune_in_batches(events::retention_steps(retention, now), |table, condition, before| {
            self.run(move |conn| events::delete_batch(conn, table, condition, before))
        })
        .await
    }

    async fn interest_bounds(&self, after: Option<Uuid>, rows: u32, pages: u32) -> DbResult<PageEnds> {
        self.run(move |conn| people::interest_bounds(conn, after, rows, pages)).await
    }

    async fn interest_range(
        &self,
        since: i64,
        after: Option<Uuid>,
        through: Option<Uuid>,
    ) -> DbResult<Vec<PersonHistory>> {
        self.run(move |conn| people::interest_range(conn, since, after, through)).await
    }

    async fn person_history(&self, user: Uuid, since: i64) -> DbResult<PersonHistory> {
        self.run(move |conn| people::person_history(conn, user, since)).await
    }

    async fn every_interaction(&self, since: i64) -> DbResult<Interactions> {
        self.run(move |conn| events::interactions(conn, since, true)).await
    }

    async fn record_served_list(&self, list: ServedList) -> DbResult<()> {
        self.run(move |conn| events::record_served(conn, &list)).await
    }

    async fn served_lists(&self, ids: Vec<Uuid>) -> DbResult<Vec<(Uuid, Option<Uuid>, Vec<String>)>> {
        self.run(move |conn| events::served_lists(conn, &ids)).await
    }

    async fn trail_facts(&self, from: i64, until: i64) -> DbResult<TrailFacts> {
        self.run(move |conn| trail::facts(conn, from, until)).await
    }

    async fn trail_days(&self, from: i64, until: i64) -> DbResult<Vec<portal_marketing::trail::TrailRow>> {
        self.run(move |conn| trail::days(conn, from, until)).await
    }

    async fn trail_sealed_until(&self) -> DbResult<Option<i64>> {
        self.run(|conn| trail::sealed_until(conn)).await
    }

    async fn seal_trail_day(
        &self,
        day: i64,
        next: i64,
        rows: Vec<portal_marketing::trail::TrailRow>,
    ) -> DbResult<bool> {
        self.run(move |conn| trail::seal(conn, day, next, &rows)).await
    }

    async fn create_trigger(&self, trigger: portal_api::Trigger, created_by: Uuid) -> DbResult<bool> {
        self.run(move |conn| triggers::create(conn, &trigger, created_by)).await
    }

    async fn triggers(&self) -> DbResult<Vec<portal_api::Trigger>> {
        self.run(|conn| triggers::all(conn)).await
    }

    async fn set_trigger_active(&self, id: Uuid, active: bool, now: i64) -> DbResult<bool> {
        self.run(move |conn| triggers::set_active(conn, id, active, now)).await
    }

    async fn followers_of(&self, models: Vec<String>) -> DbResult<Vec<(Uuid, String)>> {
        self.run(move |conn| triggers::followers_of(conn, &models)).await
    }

    async fn trigger_facts(&self, since: i64, birthdays: Vec<String>) -> DbResult<portal_db::TriggerFacts> {
        self.run(move |conn| triggers::facts(conn, since, &birthdays)).await
    }

    async fn set_birthday(&self, user: Uuid, birthday: Option<String>) -> DbResult<()> {
        self.run(move |conn| {
            conn.execute("UPDATE users SET birthday = ?2 WHERE id = ?1", params![user.to_string(), birthday])?;
            Ok(())
        })
        .await
    }

    async fn birthday(&self, user: Uuid) -> DbResult<Option<String>> {
        self.run(move |conn| {
            Ok(conn
                .query_row("SELECT birthday FROM users WHERE id = ?1", [user.to_string()], |r| r.get(0))
                .optional()?
                .flatten())
        })
        .await
    }

    async fn send_inbox(&self, messages: Vec<portal_db::InboxRow>, cooldown_secs: i64) -> DbResult<Vec<bool>> {
        self.run(move |conn| triggers::send(conn, &messages, cooldown_secs)).await
    }

    async fn inbox(&self, user: Uuid, limit: u32) -> DbResult<portal_api::Inbox> {
        self.run(move |conn| triggers::inbox(conn, user, limit)).await
    }

    async fn mark_inbox_read(&self, user: Uuid, id: Uuid, at: i64) -> DbResult<bool> {
        self.run(move |conn| triggers::mark_read(conn, user, id, at)).await
    }

    async fn create_tag(&self, tag: TagRow) -> DbResult<bool> {
        self.run(move |conn| customers::create_tag(conn, &tag)).await
    }

    async fn tags(&self) -> DbResult<Vec<TagRow>> {
        self.run(|conn| customers::tags(conn)).await
    }

    async fn delete_tag(&self, id: Uuid) -> DbResult<bool> {
        self.run(move |conn| customers::delete_tag(conn, id)).await
    }

    async fn changed_customers(&self, after: i64, until: i64, purchases_after: i64) -> DbResult<Vec<Uuid>> {
        self.run(move |conn| customers::changed_customers(conn, after, until, purchases_after)).await
    }

    async fn customer_activity(&self, who: Customers, since: i64) -> DbResult<Vec<CustomerActivity>> {
        self.run(move |conn| customers::customer_activity(conn, &who, since)).await
    }

    async fn set_tag_members(
        &self,
        tag: Uuid,
        checked: Vec<Uuid>,
        members: Vec<Uuid>,
        recount: bool,
        computed_at: Option<i64>,
    ) -> DbResult<u32> {
        self.run(move |conn| customers::set_tag_members(conn, tag, &checked, &members, recount, computed_at)).await
    }

    async fn tag_progress(&self) -> DbResult<(i64, i64)> {
        self.run(|conn| customers::tag_progress(conn)).await
    }

    async fn set_tag_progress(&self, events_through: i64, full_at: i64) -> DbResult<()> {
        self.run(move |conn| customers::set_tag_progress(conn, events_through, full_at)).await
    }

    async fn customer_record(&self, user_id: Uuid, limit: u32) -> DbResult<CustomerRecord> {
        self.run(move |conn| customers::customer_record(conn, user_id, limit)).await
    }

    async fn grant_counter_view(
        &self,
        promoter: Uuid,
        customer: Uuid,
        store: Option<Uuid>,
        expires_at: i64,
    ) -> DbResult<()> {
        self.run(move |conn| customers::grant_counter_view(conn, promoter, customer, store, expires_at)).await
    }

    async fn counter_view_until(
        &self,
        promoter: Uuid,
        customer: Uuid,
        store: Option<Uuid>,
        now: i64,
    ) -> DbResult<Option<i64>> {
        self.run(move |conn| customers::counter_view_until(conn, promoter, customer, store, now)).await
    }

    async fn experiment_people(&self, experiment: Uuid) -> DbResult<Vec<(String, Uuid, i64)>> {
        self.run(move |conn| events::experiment_people(conn, experiment)).await
    }

    async fn customer_purchases(&self, since: i64) -> DbResult<Vec<(Uuid, String, i64, i64)>> {
        self.run(move |conn| events::customer_purchases(conn, since)).await
    }

    async fn create_experiment(&self, experiment: portal_api::Experiment) -> DbResult<bool> {
        self.run(move |conn| experiments::create(conn, &experiment)).await
    }

    async fn experiments(&self) -> DbResult<Vec<portal_api::Experiment>> {
        self.run(|conn| experiments::all(conn)).await
    }

    async fn running_experiment(&self, placement: portal_api::Placement) -> DbResult<Option<portal_api::Experiment>> {
        self.run(move |conn| experiments::running(conn, placement)).await
    }

    async fn stop_experiment(
        &self,
        id: Uuid,
        winner: Option<(String, String)>,
        now: i64,
    ) -> DbResult<Option<portal_api::Experiment>> {
        self.run(move |conn| experiments::stop(conn, id, winner, now)).await
    }

    async fn placement_default(&self, placement: portal_api::Placement) -> DbResult<Option<String>> {
        self.run(move |conn| experiments::placement_default(conn, placement)).await
    }

    async fn apply_store_ops(
        &self,
        ops: Vec<(portal_api::StoreOp, OpContext)>,
    ) -> DbResult<Vec<portal_api::OpOutcome>> {
        self.run(move |conn| store_ops::apply_all(conn, &ops)).await
    }

    async fn record_set_aside(&self, records: Vec<portal_db::SetAsideRecord>) -> DbResult<()> {
        self.run(move |conn| store_ops::record_set_aside(conn, &records)).await
    }

    async fn stock(&self, store_id: Uuid) -> DbResult<portal_api::StockReport> {
        self.run(move |conn| store_ops::stock(conn, store_id)).await
    }

    async fn store_on_hand(&self, store_id: Uuid) -> DbResult<Vec<(String, i64)>> {
        self.run(move |conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT sku, on_hand FROM stock_balances WHERE store_id = ?1 AND on_hand > 0 ORDER BY sku",
                )?
                .query_map([store_id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn day_report(&self, store_id: Uuid, day: String, starts_at: i64) -> DbResult<portal_api::DayReport> {
        self.run(move |conn| store_ops::day_report(conn, store_id, &day, starts_at)).await
    }

    async fn purchases(&self, customer: Uuid) -> DbResult<portal_api::PurchaseList> {
        self.run(move |conn| store_ops::purchases(conn, customer)).await
    }

    async fn skus_in_stock(&self) -> DbResult<Vec<portal_api::StoreStock>> {
        self.run(store_ops::skus_in_stock).await
    }

    async fn samples(&self, store_id: Uuid) -> DbResult<portal_api::SampleList> {
        self.run(move |conn| store_ops::samples(conn, store_id)).await
    }

    async fn transfers(&self, store_id: Uuid) -> DbResult<portal_api::TransferList> {
        self.run(move |conn| store_ops::transfers(conn, store_id)).await
    }

    async fn flags_after(&self, store_id: Uuid, after: Option<i64>, limit: u32) -> DbResult<portal_api::StoreFlagList> {
        self.run(move |conn| store_ops::flags_after(conn, store_id, after, limit)).await
    }

    async fn sales_by_receipt(&self, store_id: Uuid, receipt_no: String) -> DbResult<portal_api::StoreSaleList> {
        self.run(move |conn| store_ops::sales_by_receipt(conn, store_id, &receipt_no)).await
    }

    async fn keep_dev_message(&self, message: DevMessage) -> DbResult<()> {
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO dev_messages (recipient, channel, sealed, sent_at) VALUES (?1, ?2, ?3, ?4)",
                params![message.recipient, message.channel, message.sealed, message.sent_at],
            )?;
            Ok(())
        })
        .await
    }

    async fn dev_messages(&self, recipient: &str, limit: u32) -> DbResult<Vec<DevMessage>> {
        let recipient = recipient.to_owned();
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT recipient, channel, sealed, sent_at FROM
                   (SELECT * FROM dev_messages WHERE recipient = ?1 ORDER BY id DESC LIMIT ?2) ORDER BY id",
            )?;
            let rows = stmt.query_map(params![recipient, limit], |r| {
                Ok(DevMessage { recipient: r.get(0)?, channel: r.get(1)?, sealed: r.get(2)?, sent_at: r.get(3)? })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn count_members(&self, role: Role, org_id: Uuid) -> DbResult<u32> {
        self.run(move |conn| {
            let column = if role == Role::Distributor { "dealer_id" } else { "store_id" };
            Ok(conn.query_row(
                &format!("SELECT COUNT(*) FROM users WHERE role = ?1 AND {column} = ?2"),
                params![role.as_str(), org_id.to_string()],
                |row| row.get(0),
            )?)
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
