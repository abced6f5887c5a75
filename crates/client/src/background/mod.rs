//! The app's own chores: the catalog kept current, the outbox retried, the server asked again
//! while it does not answer, notices and a consumer's new offers looked for. The timetable decides
//! what is due (`timetable`, no I/O); `PortalApp::run_background` runs it and tells the screens
//! what came of it, so no screen keeps a timer of its own.
pub mod timetable;

use std::{sync::atomic::Ordering, time::Duration};

use portal_api::Role;
use serde::Serialize;
use ts_rs::TS;

use crate::{catalog::CatalogStatus, inbox::InboxView, store_ops::Notice, PortalApp};
pub use timetable::{Chore, Situation, Timetable};

/// What a chore found, told to the screens (the shell sends it as one event).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Happening {
    /// Where the app stands with the server changed.
    Reach { online: bool, settled: bool },
    /// Refusals and flags not told before: each is shown once, as an OS notification.
    Notices { notices: Vec<Notice> },
    /// The consumer's inbox as just read; its `fresh` messages are announced once.
    Inbox { inbox: InboxView },
    /// The catalog was brought up to date.
    CatalogSynced { status: CatalogStatus },
    /// The outbox was sent (what is still waiting may have changed).
    OutboxSent { sent: u32 },
}

impl Happening {
    /// Whether it belongs to the account it was read for.
    pub fn is_personal(&self) -> bool {
        matches!(self, Happening::Notices { .. } | Happening::Inbox { .. })
    }
}

/// The event the shell sends each happening as.
pub const EVENT: &str = "portal://background";

/// How often the timetable is read.
const ROUND: Duration = Duration::from_secs(1);

impl PortalApp {
    /// What the timetable needs to know, from memory and the cache (no network), and whose
    /// account it is.
    pub fn situation(&self) -> (Situation, Option<uuid::Uuid>) {
        let user = self.signed_in_user().ok();
        let role = user.and_then(|id| self.cache().profile(id).ok().flatten()).map(|p| p.value.role);
        let situation = Situation {
            started: self.started.load(Ordering::Relaxed),
            online: self.online.load(Ordering::Relaxed),
            settled: self.settled.load(Ordering::Relaxed),
            signed_in: user.is_some(),
            role,
            live: self.live.load(Ordering::Relaxed),
        };
        (situation, user)
    }

    /// Runs one chore and says what came of it. A chore that fails is tried again at its next
    /// turn; its failure reaches the screens only as a change of reach.
    pub async fn run_chore(&self, chore: Chore) -> Vec<Happening> {
        let mut told = Vec::new();
        match chore {
            Chore::SyncCatalog => match self.sync_catalog().await {
                Ok(status) => told.push(Happening::CatalogSynced { status }),
                Err(e) => tracing::info!(error = %e, "the catalog was not synced"),
            },
            Chore::SendOutbox => {
                // One after the other, as separate commands did: polled in one task, two futures
                // that lock the cache could wait on each other for good.
                let ops = self.flush_outbox().await;
                let events = self.flush_events().await;
                if let Err(e) = &events {
                    tracing::info!(error = %e, "behaviour events wait");
                }
                match ops {
                    Ok(sent) => told.push(Happening::OutboxSent { sent }),
                    Err(e) => tracing::info!(error = %e, "the outbox waits"),
                }
            }
            Chore::CheckServer => {
                let _ = self.check_server().await;
            }
            Chore::WatchNotices => {
                if self.situation().0.role == Some(Role::StoreManager) {
                    if let Err(e) = self.watch_store_flags().await {
                        tracing::info!(error = %e, "the stores' flags were not read");
                    }
                }
                match self.take_new_notices() {
                    Ok(notices) if !notices.is_empty() => told.push(Happening::Notices { notices }),
                    Ok(_) => {}
                    Err(e) => tracing::info!(error = %e, "no notices read"),
                }
            }
            Chore::LookAtInbox => match self.inbox().await {
                Ok(inbox) => told.push(Happening::Inbox { inbox }),
                Err(e) => tracing::info!(error = %e, "the inbox was not read"),
            },
        }
        told
    }

    /// Runs the app's chores for as long as the app lives, each when the timetable says, one at a
    /// time, and tells `tell` what they found. One at a time because they share one task: the
    /// client's code takes its cache's lock between awaits, and two futures polled in one task
    /// must never wait on each other for it.
    pub async fn run_background(&self, tell: impl Fn(Happening)) {
        let mut table = Timetable::default();
        let mut round = tokio::time::interval(ROUND);
        round.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let began = tokio::time::Instant::now();
        let mut told_reach: Option<(bool, bool, u64)> = None;
        let mut account = None;
        loop {
            round.tick().await;
            let (situation, user) = self.situation();
            // Another account: its notices and inbox are looked at now, not in 30 s, and its
            // catalog synced now (a delta for the same prices; for a role that sees others, the
            // catalog the sign-out emptied, not ten minutes later).
            if user != account {
                account = user;
                table.forget(Chore::WatchNotices);
                table.forget(Chore::LookAtInbox);
                table.forget(Chore::SyncCatalog);
            }
            // The live channel said the inbox changed: it is read this round.
            if self.inbox_due.swap(false, Ordering::Relaxed) {
                table.forget(Chore::LookAtInbox);
            }
            let now = began.elapsed().as_secs();
            for chore in table.due(now, &situation) {
                table.started(chore, now);
                let happenings = self.run_chore(chore).await;
                table.finished(chore);
                // What was read for an account that has since signed out is not shown to the next
                // (the catalog, the outbox and the reach are nobody's: they are always told).
                let same_account = user == self.signed_in_user().ok();
                happenings.into_iter().filter(|h| same_account || !h.is_personal()).for_each(&tell);
                self.tell_reach(&mut told_reach, &tell);
            }
            self.tell_reach(&mut told_reach, &tell);
        }
    }

    /// Tells where the app stands with the server when it changed (or a window started again).
    fn tell_reach(&self, told: &mut Option<(bool, bool, u64)>, tell: &impl Fn(Happening)) {
        let (situation, _) = self.situation();
        let reach = (situation.online, situation.settled, self.starts.load(Ordering::Relaxed));
        if situation.started && *told != Some(reach) {
            *told = Some(reach);
            tell(Happening::Reach { online: reach.0, settled: reach.1 });
        }
    }
}
