//! Which of the app's own chores are due: decided from the clock and what the app knows of its
//! situation, with no I/O. The app core runs what is due and tells the screens what came of it.
use portal_api::Role;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Work the app does by itself, without a person asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Chore {
    /// The product catalog: kept current, and the one call that needs no account (it also finds
    /// out whether the server answers before anyone signs in).
    SyncCatalog,
    /// Operations and behaviour events waiting in the outbox, retried even when nothing new is made.
    SendOutbox,
    /// The server's health, asked while it is not known to answer.
    CheckServer,
    /// Refusals and flags for this device's operations (and a manager's stores), as notices.
    WatchNotices,
    /// New messages in the inbox: a consumer's offers, a distributor's order updates.
    LookAtInbox,
}

impl Chore {
    pub const ALL: [Chore; 5] =
        [Chore::SyncCatalog, Chore::SendOutbox, Chore::CheckServer, Chore::WatchNotices, Chore::LookAtInbox];

    fn index(self) -> usize {
        self as usize
    }
}

/// How often each chore runs (seconds).
pub const CATALOG_EVERY_SECS: u64 = 10 * 60;
pub const OUTBOX_EVERY_SECS: u64 = 30;
/// While the server is not known to answer: one small request, never two at once.
pub const RECHECK_EVERY_SECS: u64 = 15;
pub const NOTICES_EVERY_SECS: u64 = 5;
/// The inbox is looked at this often only while the live channel is closed; while it is open,
/// each event says when (and this long apart, in case one was missed).
pub const INBOX_EVERY_SECS: u64 = 30;
pub const INBOX_WHILE_LIVE_SECS: u64 = 10 * 60;

/// What the app knows of where it stands, read before each round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Situation {
    /// The app has started (its session refreshed, or found offline): nothing runs before.
    pub started: bool,
    /// The server answered the last call that reached for it (or none has failed yet).
    pub online: bool,
    /// A call has settled since the app started, so `online` is an answer, not a default.
    pub settled: bool,
    pub signed_in: bool,
    pub role: Option<Role>,
    /// The live channel is open.
    pub live: bool,
}

impl Situation {
    /// How often a chore is wanted now; `None` when it is not.
    pub fn every(&self, chore: Chore) -> Option<u64> {
        if !self.started {
            return None;
        }
        match chore {
            Chore::SyncCatalog => Some(CATALOG_EVERY_SECS),
            Chore::SendOutbox => Some(OUTBOX_EVERY_SECS),
            Chore::CheckServer => (!(self.online && self.settled)).then_some(RECHECK_EVERY_SECS),
            Chore::WatchNotices => self.signed_in.then_some(NOTICES_EVERY_SECS),
            Chore::LookAtInbox => (self.signed_in && matches!(self.role, Some(Role::Consumer | Role::Distributor)))
                .then_some(if self.live { INBOX_WHILE_LIVE_SECS } else { INBOX_EVERY_SECS }),
        }
    }
}

/// When each chore last started, and which are running: a chore is never run twice at once.
#[derive(Debug, Default, Clone)]
pub struct Timetable {
    started_at: [Option<u64>; 5],
    running: [bool; 5],
}

impl Timetable {
    /// The chores to start now (`now` in seconds): wanted in this situation, not running, and
    /// never run or last started at least their interval ago. A chore that becomes wanted (a
    /// sign-in, the server lost) is due at once if it has not run within its interval.
    pub fn due(&self, now: u64, situation: &Situation) -> Vec<Chore> {
        Chore::ALL
            .into_iter()
            .filter(|chore| {
                let Some(every) = situation.every(*chore) else { return false };
                !self.running[chore.index()]
                    && self.started_at[chore.index()].is_none_or(|at| now.saturating_sub(at) >= every)
            })
            .collect()
    }

    pub fn started(&mut self, chore: Chore, now: u64) {
        self.started_at[chore.index()] = Some(now);
        self.running[chore.index()] = true;
    }

    pub fn finished(&mut self, chore: Chore) {
        self.running[chore.index()] = false;
    }

    /// Runs a chore again at the next round (a sign-in: the notices and inbox of the new account).
    pub fn forget(&mut self, chore: Chore) {
        self.started_at[chore.index()] = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn situation() -> Situation {
        Situation { started: true, online: true, settled: true, signed_in: false, role: None, live: false }
    }

    #[test]
    fn nothing_runs_before_the_app_has_started() {
        let table = Timetable::default();
        assert!(table.due(0, &Situation { started: false, ..situation() }).is_empty());
    }

    #[test]
    fn at_start_the_catalog_and_outbox_run_and_then_each_after_its_interval() {
        let mut table = Timetable::default();
        let here = situation();
        assert_eq!(table.due(100, &here), vec![Chore::SyncCatalog, Chore::SendOutbox]);
        table.started(Chore::SyncCatalog, 100);
        table.started(Chore::SendOutbox, 100);
        assert!(table.due(101, &here).is_empty(), "running chores are not started again");
        table.finished(Chore::SyncCatalog);
        table.finished(Chore::SendOutbox);
        assert!(table.due(129, &here).is_empty());
        assert_eq!(table.due(130, &here), vec![Chore::SendOutbox]);
        assert_eq!(table.due(700, &here), vec![Chore::SyncCatalog, Chore::SendOutbox]);
    }

    #[test]
    fn a_chore_still_running_past_its_interval_is_not_started_twice() {
        let mut table = Timetable::default();
        table.started(Chore::SendOutbox, 0);
        assert!(!table.due(1000, &situation()).contains(&Chore::SendOutbox));
        table.finished(Chore::SendOutbox);
        assert!(table.due(1000, &situation()).contains(&Chore::SendOutbox));
    }

    #[test]
    fn the_server_is_asked_again_only_while_it_is_not_known_to_answer() {
        let table = Timetable::default();
        assert!(!table.due(0, &situation()).contains(&Chore::CheckServer));
        assert!(table.due(0, &Situation { online: false, ..situation() }).contains(&Chore::CheckServer));
        assert!(table.due(0, &Situation { settled: false, ..situation() }).contains(&Chore::CheckServer));
    }

    #[test]
    fn notices_follow_a_signed_in_person_and_the_inbox_a_consumer_or_a_distributor() {
        let table = Timetable::default();
        let promoter = Situation { signed_in: true, role: Some(Role::Promoter), ..situation() };
        let consumer = Situation { signed_in: true, role: Some(Role::Consumer), ..situation() };
        let distributor = Situation { signed_in: true, role: Some(Role::Distributor), ..situation() };
        assert!(table.due(0, &distributor).contains(&Chore::LookAtInbox), "order updates reach the dealer");
        assert!(table.due(0, &promoter).contains(&Chore::WatchNotices));
        assert!(!table.due(0, &promoter).contains(&Chore::LookAtInbox));
        assert!(table.due(0, &consumer).contains(&Chore::LookAtInbox));
        assert!(!table.due(0, &situation()).contains(&Chore::WatchNotices));
    }

    #[test]
    fn a_forgotten_chore_runs_at_the_next_round() {
        let mut table = Timetable::default();
        let consumer = Situation { signed_in: true, role: Some(Role::Consumer), ..situation() };
        table.started(Chore::LookAtInbox, 10);
        table.finished(Chore::LookAtInbox);
        assert!(!table.due(11, &consumer).contains(&Chore::LookAtInbox));
        table.forget(Chore::LookAtInbox);
        assert!(table.due(11, &consumer).contains(&Chore::LookAtInbox));
        // While the live channel is open the inbox is read when it says, and rarely otherwise.
        let live = Situation { live: true, ..consumer };
        table.started(Chore::LookAtInbox, 20);
        table.finished(Chore::LookAtInbox);
        assert!(!table.due(20 + INBOX_EVERY_SECS, &live).contains(&Chore::LookAtInbox));
        assert!(table.due(20 + INBOX_EVERY_SECS, &consumer).contains(&Chore::LookAtInbox));
        assert!(table.due(20 + INBOX_WHILE_LIVE_SECS, &live).contains(&Chore::LookAtInbox));
    }
}
