//! Sign-in's check-then-write decisions, each written once over a typed port: a backend opens the
//! transaction, supplies the rows (`SignInRows`) and commits; what is read, decided and written is
//! here, the rules themselves in `throttle`, `code_check` and `lockout`.
use crate::{code_check, lockout, throttle, CodeCheck, CodeRecord, DbResult, NewCode};

/// The rows sign-in reads and writes, inside one transaction of a backend.
pub trait SignInRows {
    /// The key's attempts (a default when it has none), its row locked until the transaction ends
    /// where the backend locks rows.
    fn lock_attempts(&mut self, key: &str) -> DbResult<lockout::Attempts>;
    fn write_attempts(&mut self, key: &str, state: lockout::Attempts) -> DbResult<()>;
    /// Forgets the key's attempts.
    fn clear_attempts(&mut self, key: &str) -> DbResult<()>;
    /// Codes sent since `since`: the times of those to `target`, how many from `client_ip`, and
    /// how many in all.
    fn recent_sends(&mut self, target: &str, client_ip: &str, since: i64) -> DbResult<throttle::RecentSends>;
    fn insert_code(&mut self, code: &NewCode) -> DbResult<()>;
    /// The newest unconsumed code for (target, purpose), locked.
    fn newest_live_code(&mut self, target: &str, purpose: &str) -> DbResult<Option<CodeRecord>>;
    /// Counts an attempt on the code, consuming it when `consume`.
    fn count_code_attempt(&mut self, id: i64, now: i64, consume: bool) -> DbResult<()>;
}

/// Inserts the code when [`throttle::check`] allows one more send to its target from its address.
pub fn send_code(
    rows: &mut impl SignInRows,
    code: &NewCode,
    limits: throttle::Limits,
) -> DbResult<Result<(), throttle::Refusal>> {
    let recent = rows.recent_sends(&code.target, &code.client_ip, code.created_at - throttle::HOUR)?;
    if let Err(refusal) = throttle::check(&recent, limits, code.created_at) {
        return Ok(Err(refusal));
    }
    rows.insert_code(code)?;
    Ok(Ok(()))
}

/// Checks a presented code's hash against the newest live code, counting the attempt and
/// consuming the code when it matches ([`code_check::verify`]).
pub fn check_code(
    rows: &mut impl SignInRows,
    target: &str,
    purpose: &str,
    code_hash: &str,
    max_attempts: u32,
    now: i64,
) -> DbResult<CodeCheck> {
    let newest = rows.newest_live_code(target, purpose)?;
    let verdict = code_check::verify(newest.as_ref(), code_hash, max_attempts, now);
    if let Some(code) = newest.filter(|_| verdict.count_attempt) {
        rows.count_code_attempt(code.id, now, verdict.consume)?;
    }
    Ok(verdict.check)
}

/// Admits one password attempt for every key at once, each counted before the password is
/// verified. If one key is locked, none is counted and the latest lock is returned. Keys are
/// locked in their order, so two attempts never wait on each other in a circle.
pub fn admit_attempt(
    rows: &mut impl SignInRows,
    keys: &[(String, lockout::Policy)],
    now: i64,
) -> DbResult<lockout::Admission> {
    let mut ordered: Vec<&(String, lockout::Policy)> = keys.iter().collect();
    ordered.sort_by(|a, b| a.0.cmp(&b.0));
    let mut next = Vec::with_capacity(keys.len());
    let mut locked: Option<i64> = None;
    let mut least_left = u32::MAX;
    for (key, policy) in ordered {
        let (state, admission) = lockout::admit(rows.lock_attempts(key)?, *policy, now);
        match admission {
            lockout::Admission::Locked { until } => {
                locked = Some(locked.map_or(until, |l| l.max(until)));
                rows.write_attempts(key, state)?;
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
        rows.write_attempts(key, state)?;
    }
    Ok(lockout::Admission::Allowed { left: least_left })
}

/// Settles an admitted attempt: a failure keeps it counted on both keys (locking a key whose
/// attempts are used up); a success clears `account` and gives `shared` its attempt back; a
/// release gives both their attempt back. Returns the account's attempts after.
pub fn settle_attempt(
    rows: &mut impl SignInRows,
    account: &(String, lockout::Policy),
    shared: &(String, lockout::Policy),
    outcome: lockout::Settle,
    now: i64,
) -> DbResult<lockout::Attempts> {
    // Locked in key order, as `admit_attempt` does.
    let (account_state, shared_state) = if account.0 <= shared.0 {
        let a = rows.lock_attempts(&account.0)?;
        (a, rows.lock_attempts(&shared.0)?)
    } else {
        let s = rows.lock_attempts(&shared.0)?;
        (rows.lock_attempts(&account.0)?, s)
    };
    Ok(match outcome {
        lockout::Settle::Succeeded => {
            rows.clear_attempts(&account.0)?;
            rows.write_attempts(&shared.0, lockout::succeeded_shared(shared_state))?;
            lockout::Attempts::default()
        }
        lockout::Settle::Released => {
            rows.write_attempts(&account.0, lockout::succeeded_shared(account_state))?;
            rows.write_attempts(&shared.0, lockout::succeeded_shared(shared_state))?;
            account_state
        }
        lockout::Settle::Failed => {
            let after = lockout::failed(account_state, account.1, now);
            rows.write_attempts(&account.0, after)?;
            rows.write_attempts(&shared.0, lockout::failed(shared_state, shared.1, now))?;
            after
        }
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// Rows in memory: what a backend would keep.
    #[derive(Default)]
    struct Memory {
        attempts: BTreeMap<String, lockout::Attempts>,
        locked_order: Vec<String>,
    }

    impl SignInRows for Memory {
        fn lock_attempts(&mut self, key: &str) -> DbResult<lockout::Attempts> {
            self.locked_order.push(key.into());
            Ok(self.attempts.get(key).copied().unwrap_or_default())
        }
        fn write_attempts(&mut self, key: &str, state: lockout::Attempts) -> DbResult<()> {
            self.attempts.insert(key.into(), state);
            Ok(())
        }
        fn clear_attempts(&mut self, key: &str) -> DbResult<()> {
            self.attempts.remove(key);
            Ok(())
        }
        fn recent_sends(&mut self, _: &str, _: &str, _: i64) -> DbResult<throttle::RecentSends> {
            unreachable!()
        }
        fn insert_code(&mut self, _: &NewCode) -> DbResult<()> {
            unreachable!()
        }
        fn newest_live_code(&mut self, _: &str, _: &str) -> DbResult<Option<CodeRecord>> {
            unreachable!()
        }
        fn count_code_attempt(&mut self, _: i64, _: i64, _: bool) -> DbResult<()> {
            unreachable!()
        }
    }

    const POLICY: lockout::Policy = lockout::Policy { max_failures: 2, lockout_secs: 60 };

    #[test]
    fn a_locked_key_counts_no_attempt_on_the_others_and_keys_lock_in_order() {
        let mut rows = Memory::default();
        let keys = vec![("b-address".to_string(), POLICY), ("a-account".to_string(), POLICY)];
        assert_eq!(admit_attempt(&mut rows, &keys, 0).unwrap(), lockout::Admission::Allowed { left: 1 });
        assert_eq!(rows.locked_order, ["a-account", "b-address"]);
        settle_attempt(&mut rows, &keys[1], &keys[0], lockout::Settle::Failed, 0).unwrap();
        assert_eq!(rows.attempts["a-account"].failures, 1);
        // The address alone is locked by someone else's attempts.
        rows.attempts.insert("b-address".into(), lockout::Attempts { failures: 2, last_at: 0, locked_until: Some(50) });
        assert_eq!(admit_attempt(&mut rows, &keys, 1).unwrap(), lockout::Admission::Locked { until: 50 });
        assert_eq!(rows.attempts["a-account"].failures, 1, "the account's attempt was not counted");
        // A success clears the account and gives the address back its attempt.
        rows.attempts.remove("b-address");
        admit_attempt(&mut rows, &keys, 100).unwrap();
        let after = settle_attempt(&mut rows, &keys[1], &keys[0], lockout::Settle::Succeeded, 100).unwrap();
        assert_eq!(after, lockout::Attempts::default());
        assert!(!rows.attempts.contains_key("a-account"));
        assert_eq!(rows.attempts["b-address"].failures, 0);
    }
}
