//! Refresh-token rotation, as a pure rule (no I/O). A session has a generation; refreshing with
//! the current one advances it. The previous generation is still accepted (and gets the same
//! successor) until that successor has been used — refreshed with, or its access token presented —
//! so an answer lost on the network never signs a device out, however long it stays offline
//! (bounded by the session's idle lifetime). Within a short grace window it is accepted even after
//! the successor was used, for concurrent refreshes of one device. Anything else older is reuse:
//! a copied token, and the session is revoked.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionState {
    pub generation: i64,
    pub rotated_at: i64,
    /// Whether the current generation was used since it was issued.
    pub current_used: bool,
    pub revoked: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Move to `generation` (the current one is marked unused).
    Advance {
        generation: i64,
    },
    /// Answer with the current generation again; nothing changes.
    Repeat {
        generation: i64,
    },
    /// Revoke the session.
    Reuse,
    Revoked,
    Unknown,
}

pub fn decide(state: SessionState, presented: i64, grace_secs: i64, now: i64) -> Decision {
    if state.revoked {
        return Decision::Revoked;
    }
    if presented == state.generation {
        return Decision::Advance { generation: state.generation + 1 };
    }
    if presented == state.generation - 1 && (!state.current_used || now - state.rotated_at <= grace_secs) {
        return Decision::Repeat { generation: state.generation };
    }
    if presented < state.generation {
        return Decision::Reuse;
    }
    Decision::Unknown
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(used: bool) -> SessionState {
        SessionState { generation: 4, rotated_at: 1000, current_used: used, revoked: false }
    }

    #[test]
    fn a_lost_answer_is_forgiven_until_its_successor_is_used() {
        // The device comes back a day later with the generation before.
        assert_eq!(decide(state(false), 3, 30, 1000 + 86_400), Decision::Repeat { generation: 4 });
        assert_eq!(decide(state(true), 3, 30, 1000 + 86_400), Decision::Reuse);
        assert_eq!(decide(state(true), 3, 30, 1010), Decision::Repeat { generation: 4 });
    }

    #[test]
    fn current_advances_older_is_reuse_newer_is_unknown() {
        assert_eq!(decide(state(true), 4, 30, 1000), Decision::Advance { generation: 5 });
        assert_eq!(decide(state(false), 2, 30, 1000), Decision::Reuse);
        assert_eq!(decide(state(false), 9, 30, 1000), Decision::Unknown);
        let revoked = SessionState { revoked: true, ..state(false) };
        assert_eq!(decide(revoked, 4, 30, 1000), Decision::Revoked);
    }
}
