//! Password attempts and lockout, as pure rules (no I/O). An attempt is counted *before* the
//! password is verified: a storage backend admits it and records the count in one transaction, so
//! parallel guesses can never overtake the lock. A success then clears the count of the account;
//! for a client address (which many honest people may share) it only gives back its own attempt.

/// How many attempts a key may make, and for how long it is then locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub max_failures: u32,
    pub lockout_secs: i64,
}

/// What a backend keeps per key (an account, a login or a client address).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Attempts {
    /// Attempts counted since the last success or lock (including ones still being verified).
    pub failures: u32,
    pub last_at: i64,
    pub locked_until: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// The attempt may go ahead; it is already counted.
    Allowed {
        left: u32,
    },
    Locked {
        until: i64,
    },
}

/// Decides whether one more attempt may be verified, and the state to store either way.
pub fn admit(state: Attempts, policy: Policy, now: i64) -> (Attempts, Admission) {
    if let Some(until) = state.locked_until.filter(|&until| until > now) {
        return (state, Admission::Locked { until });
    }
    // A lock that ran out, or attempts long ago, start a fresh count.
    let stale = state.locked_until.is_some() || now - state.last_at > policy.lockout_secs;
    let failures = if stale { 0 } else { state.failures };
    if failures >= policy.max_failures {
        let until = now + policy.lockout_secs;
        return (Attempts { failures, last_at: now, locked_until: Some(until) }, Admission::Locked { until });
    }
    let failures = failures + 1;
    (
        Attempts { failures, last_at: now, locked_until: None },
        Admission::Allowed { left: policy.max_failures - failures },
    )
}

/// After a wrong password: the attempt stays counted, and the last allowed one locks the key.
pub fn failed(state: Attempts, policy: Policy, now: i64) -> Attempts {
    if state.locked_until.is_some_and(|until| until > now) {
        return state;
    }
    if state.failures >= policy.max_failures {
        return Attempts { failures: state.failures, last_at: now, locked_until: Some(now + policy.lockout_secs) };
    }
    Attempts { last_at: now, ..state }
}

/// How an admitted attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settle {
    /// A wrong password: the attempt stays counted.
    Failed,
    /// The right password: the account's count is cleared, the address gets its attempt back.
    Succeeded,
    /// Never verified (the server was too busy): both keys get the attempt back; no lock is lifted.
    Released,
}

/// After a right password, for a shared key (a client address): its own attempt is given back.
pub fn succeeded_shared(state: Attempts) -> Attempts {
    Attempts { failures: state.failures.saturating_sub(1), ..state }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: Policy = Policy { max_failures: 5, lockout_secs: 900 };

    #[test]
    fn five_attempts_then_locked_even_when_all_are_in_flight() {
        let mut state = Attempts::default();
        let mut allowed = 0;
        // Twenty guesses admitted before any of them is verified.
        for _ in 0..20 {
            let (next, admission) = admit(state, POLICY, 1000);
            state = next;
            if matches!(admission, Admission::Allowed { .. }) {
                allowed += 1;
            }
        }
        assert_eq!(allowed, 5);
        assert_eq!(state.locked_until, Some(1900));
    }

    #[test]
    fn a_failure_in_flight_never_clears_a_lock() {
        let state = Attempts { failures: 5, last_at: 1000, locked_until: Some(1900) };
        assert_eq!(failed(state, POLICY, 1001), state);
        assert_eq!(admit(state, POLICY, 1001).1, Admission::Locked { until: 1900 });
    }

    #[test]
    fn the_fifth_wrong_password_locks_and_a_lock_runs_out() {
        let mut state = Attempts::default();
        for _ in 0..5 {
            let (next, admission) = admit(state, POLICY, 1000);
            assert!(matches!(admission, Admission::Allowed { .. }));
            state = failed(next, POLICY, 1000);
        }
        assert_eq!(state.locked_until, Some(1900));
        let (after, admission) = admit(state, POLICY, 1900);
        assert_eq!(admission, Admission::Allowed { left: 4 });
        assert_eq!(after.failures, 1);
    }

    #[test]
    fn old_attempts_are_forgotten() {
        let state = Attempts { failures: 4, last_at: 0, locked_until: None };
        assert_eq!(admit(state, POLICY, 10_000).1, Admission::Allowed { left: 4 });
    }

    #[test]
    fn a_shared_key_gets_its_attempt_back_on_success() {
        let (state, _) = admit(Attempts::default(), POLICY, 5);
        assert_eq!(succeeded_shared(state).failures, 0);
    }
}
