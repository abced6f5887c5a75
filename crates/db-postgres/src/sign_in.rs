//! Codes, password attempts, the dev outbox and pruning, on PostgreSQL.
use super::*;

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
