//! Codes, password attempts, the dev outbox and pruning, on PostgreSQL.
use portal_db::engines::sign_in::{self, SignInRows};

use super::*;

/// Sign-in's rows in a PostgreSQL transaction.
struct PgRows<'a, 'b>(&'a mut Transaction<'b>);

impl SignInRows for PgRows<'_, '_> {
    fn lock_attempts(&mut self, key: &str) -> DbResult<lockout::Attempts> {
        // One statement that always ends holding the row's lock and returning it: made if missing,
        // otherwise locked as it is (a row deleted meanwhile by a successful sign-in is made again).
        let row = self.0.query_one(
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

    fn write_attempts(&mut self, key: &str, state: lockout::Attempts) -> DbResult<()> {
        self.0.execute(
            "UPDATE login_failures SET failures = $2, last_failure_at = $3, locked_until = $4 WHERE login = $1",
            &[&key, &i64::from(state.failures), &state.last_at, &state.locked_until],
        )?;
        Ok(())
    }

    fn clear_attempts(&mut self, key: &str) -> DbResult<()> {
        self.0.execute("DELETE FROM login_failures WHERE login = $1", &[&key])?;
        Ok(())
    }

    fn recent_sends(&mut self, target: &str, client_ip: &str, since: i64) -> DbResult<throttle::RecentSends> {
        let to_target = self
            .0
            .query(
                "SELECT created_at FROM verification_codes WHERE target = $1 AND created_at > $2 ORDER BY created_at",
                &[&target, &since],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let from_address = count(
            &self.0.query_one(
                "SELECT COUNT(*) FROM verification_codes WHERE client_ip = $1 AND created_at > $2",
                &[&client_ip, &since],
            )?,
            0,
        );
        let all =
            count(&self.0.query_one("SELECT COUNT(*) FROM verification_codes WHERE created_at > $1", &[&since])?, 0);
        Ok(throttle::RecentSends { to_target, from_address, all })
    }

    fn insert_code(&mut self, code: &NewCode) -> DbResult<()> {
        self.0.execute(
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
        Ok(())
    }

    fn newest_live_code(&mut self, target: &str, purpose: &str) -> DbResult<Option<CodeRecord>> {
        Ok(self
            .0
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
            }))
    }

    fn count_code_attempt(&mut self, id: i64, now: i64, consume: bool) -> DbResult<()> {
        self.0.execute(
            "UPDATE verification_codes SET attempts = attempts + 1,
                consumed_at = CASE WHEN $3 THEN $2 ELSE consumed_at END WHERE id = $1",
            &[&id, &now, &consume],
        )?;
        Ok(())
    }
}

#[async_trait]
impl SignIn for PostgresDatabase {
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

    async fn insert_code_if_allowed(
        &self,
        code: NewCode,
        limits: throttle::Limits,
    ) -> DbResult<Result<(), throttle::Refusal>> {
        self.run(move |client| {
            // The hourly budget is global: code sends wait for each other here, on every instance,
            // before the transaction starts (so it sees what the previous one inserted).
            with_session_locks(client, &[7021002], |client| {
                in_serializable(client, |tx| sign_in::send_code(&mut PgRows(tx), &code, limits))
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
            sign_in::check_code(&mut PgRows(tx), &target, &purpose, &code_hash, max_attempts, now)
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
        self.read_committed(move |tx| sign_in::admit_attempt(&mut PgRows(tx), &keys, now)).await
    }

    async fn settle_password_attempt(
        &self,
        account: (String, lockout::Policy),
        shared: (String, lockout::Policy),
        outcome: lockout::Settle,
        now: i64,
    ) -> DbResult<lockout::Attempts> {
        // As `admit_password_attempt`: rows locked before they are read.
        self.read_committed(move |tx| sign_in::settle_attempt(&mut PgRows(tx), &account, &shared, outcome, now)).await
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
}
