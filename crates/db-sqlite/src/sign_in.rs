//! Codes, password attempts, the dev outbox and pruning, on SQLite.
use super::*;

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
