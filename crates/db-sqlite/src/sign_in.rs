//! Codes, password attempts, the dev outbox and pruning, on SQLite.
use portal_db::engines::sign_in::{self, SignInRows};

use super::*;

impl SqliteDatabase {
    /// Runs a sign-in engine in one immediate transaction (SQLite's one writer orders them).
    async fn in_sign_in<T, F>(&self, work: F) -> DbResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut SqliteRows<'_>) -> DbResult<T> + Send + 'static,
    {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let result = work(&mut SqliteRows(&tx))?;
            tx.commit()?;
            Ok(result)
        })
        .await
    }
}

/// Sign-in's rows in a rusqlite transaction.
struct SqliteRows<'a>(&'a rusqlite::Transaction<'a>);

impl SignInRows for SqliteRows<'_> {
    fn lock_attempts(&mut self, key: &str) -> DbResult<lockout::Attempts> {
        Ok(self
            .0
            .prepare_cached("SELECT failures, last_failure_at, locked_until FROM login_failures WHERE login = ?1")?
            .query_row([key], |row| {
                Ok(lockout::Attempts { failures: row.get(0)?, last_at: row.get(1)?, locked_until: row.get(2)? })
            })
            .optional()?
            .unwrap_or_default())
    }

    fn write_attempts(&mut self, key: &str, state: lockout::Attempts) -> DbResult<()> {
        self.0
            .prepare_cached(
                "INSERT INTO login_failures (login, failures, last_failure_at, locked_until) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (login) DO UPDATE SET failures = ?2, last_failure_at = ?3, locked_until = ?4",
            )?
            .execute(params![key, state.failures, state.last_at, state.locked_until])?;
        Ok(())
    }

    fn clear_attempts(&mut self, key: &str) -> DbResult<()> {
        self.0.execute("DELETE FROM login_failures WHERE login = ?1", [key])?;
        Ok(())
    }

    fn recent_sends(&mut self, target: &str, client_ip: &str, since: i64) -> DbResult<throttle::RecentSends> {
        let to_target = self
            .0
            .prepare_cached(
                "SELECT created_at FROM verification_codes WHERE target = ?1 AND created_at > ?2 ORDER BY created_at",
            )?
            .query_map(params![target, since], |row| row.get(0))?
            .collect::<Result<Vec<i64>, _>>()?;
        let from_address: u32 = self.0.query_row(
            "SELECT COUNT(*) FROM verification_codes WHERE client_ip = ?1 AND created_at > ?2",
            params![client_ip, since],
            |row| row.get(0),
        )?;
        let all: u32 =
            self.0.query_row("SELECT COUNT(*) FROM verification_codes WHERE created_at > ?1", [since], |row| {
                row.get(0)
            })?;
        Ok(throttle::RecentSends { to_target, from_address, all })
    }

    fn insert_code(&mut self, code: &NewCode) -> DbResult<()> {
        self.0.execute(
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
        Ok(())
    }

    fn newest_live_code(&mut self, target: &str, purpose: &str) -> DbResult<Option<CodeRecord>> {
        Ok(self
            .0
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
            .optional()?)
    }

    fn count_code_attempt(&mut self, id: i64, now: i64, consume: bool) -> DbResult<()> {
        self.0.execute(
            "UPDATE verification_codes SET attempts = attempts + 1,
                consumed_at = CASE WHEN ?3 THEN ?2 ELSE consumed_at END WHERE id = ?1",
            params![id, now, consume],
        )?;
        Ok(())
    }
}

#[async_trait]
impl SignIn for SqliteDatabase {
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

    async fn insert_code_if_allowed(
        &self,
        code: NewCode,
        limits: throttle::Limits,
    ) -> DbResult<Result<(), throttle::Refusal>> {
        self.in_sign_in(move |rows| sign_in::send_code(rows, &code, limits)).await
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
        self.in_sign_in(move |rows| sign_in::check_code(rows, &target, &purpose, &code_hash, max_attempts, now)).await
    }

    async fn admit_password_attempt(
        &self,
        keys: Vec<(String, lockout::Policy)>,
        now: i64,
    ) -> DbResult<lockout::Admission> {
        self.in_sign_in(move |rows| sign_in::admit_attempt(rows, &keys, now)).await
    }

    async fn settle_password_attempt(
        &self,
        account: (String, lockout::Policy),
        shared: (String, lockout::Policy),
        outcome: lockout::Settle,
        now: i64,
    ) -> DbResult<lockout::Attempts> {
        self.in_sign_in(move |rows| sign_in::settle_attempt(rows, &account, &shared, outcome, now)).await
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
}
