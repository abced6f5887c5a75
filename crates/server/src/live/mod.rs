//! The live channel to the app: each instance watches the database for inbox messages written by
//! any instance and tells the people concerned over server-sent events, so the app reads its inbox
//! when there is something new instead of asking every 30 seconds. An event only says "your inbox
//! changed" (its id is the newest message's): the app reads the inbox through the API as before,
//! so a missed event costs a moment, never a message, and a reconnect with `Last-Event-ID` catches
//! up at once.
//!
//! Each connected person has one channel of their own, holding only the newest message's id:
//! telling costs one look-up a message, however many people are connected, and a burst of
//! messages to one person is one event. The database is read only while someone is connected,
//! and then only when it says something was written (PostgreSQL's `LISTEN/NOTIFY` carries that
//! between instances) and at each sweep of the trailing window.
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use tokio::sync::{watch, Notify};
use uuid::Uuid;

use crate::{
    common::now,
    db::{InboxMark, Triggers},
};

/// How far back the whole window is read again: a message whose transaction committed late
/// (a trigger pass stamps its messages when it starts) is still told.
const WINDOW_SECS: i64 = 60;
/// Messages read at a time; a read pages through up to `MAX_PAGES`.
const PAGE: u32 = 5_000;
const MAX_PAGES: usize = 40;
/// Live connections one account keeps open at most on an instance (a phone, a tablet, a
/// desktop); a fifth ends the oldest, which is most likely one a network change left dead.
pub const MAX_PER_PERSON: usize = 4;

/// One person's channel: the newest message told, and their open connections (oldest first),
/// each with the signal that ends it.
struct Person {
    newest: watch::Sender<Option<Uuid>>,
    connections: Vec<(u64, Arc<Notify>)>,
}

/// What the watcher told, within the window, and the newest message it read.
#[derive(Default)]
struct Seen {
    told: HashMap<Uuid, i64>,
    newest: Option<InboxMark>,
}

pub struct LiveHub {
    people: Mutex<HashMap<Uuid, Person>>,
    next_connection: std::sync::atomic::AtomicU64,
    closing: watch::Sender<bool>,
}

/// One open connection: its person's channel, and the signal that ends it early. Counted until
/// it is dropped.
pub struct Connection {
    hub: Arc<LiveHub>,
    user: Uuid,
    id: u64,
    pub newest: watch::Receiver<Option<Uuid>>,
    pub ended: Arc<Notify>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        let mut people = self.hub.people.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(person) = people.get_mut(&self.user) {
            person.connections.retain(|(id, _)| *id != self.id);
            if person.connections.is_empty() {
                people.remove(&self.user);
            }
        }
    }
}

impl LiveHub {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            people: Mutex::new(HashMap::new()),
            next_connection: std::sync::atomic::AtomicU64::new(0),
            closing: watch::channel(false).0,
        })
    }

    /// A connection for `user`; when they have `MAX_PER_PERSON` open already, the oldest ends.
    pub fn connect(self: &Arc<Self>, user: Uuid) -> Connection {
        let id = self.next_connection.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let ended = Arc::new(Notify::new());
        let mut people = self.people.lock().unwrap_or_else(|p| p.into_inner());
        let person =
            people.entry(user).or_insert_with(|| Person { newest: watch::channel(None).0, connections: vec![] });
        if person.connections.len() >= MAX_PER_PERSON {
            let (_, oldest) = person.connections.remove(0);
            oldest.notify_one();
        }
        person.connections.push((id, ended.clone()));
        let newest = person.newest.subscribe();
        Connection { hub: self.clone(), user, id, newest, ended }
    }

    /// How many connections `user` has open here.
    #[cfg(test)]
    fn open(&self, user: Uuid) -> usize {
        self.people.lock().unwrap_or_else(|p| p.into_inner()).get(&user).map_or(0, |p| p.connections.len())
    }

    /// Ends every live connection (the instance is shutting down).
    pub fn close(&self) {
        let _ = self.closing.send(true);
    }

    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// Tells `user`'s connections, if any, of a new message.
    fn tell(&self, user: Uuid, message: Uuid) {
        if let Some(person) = self.people.lock().unwrap_or_else(|p| p.into_inner()).get(&user) {
            person.newest.send_replace(Some(message));
        }
    }

    fn anyone(&self) -> bool {
        !self.people.lock().unwrap_or_else(|p| p.into_inner()).is_empty()
    }

    /// Reads what was written since the newest message read (or, with `whole`, the whole
    /// trailing window, for messages whose transactions committed late) and tells what it had
    /// not told.
    async fn watch_once(&self, db: &dyn Triggers, seen: &mut Seen, whole: bool) -> crate::db::DbResult<usize> {
        let window = now() - WINDOW_SECS;
        seen.told.retain(|_, at| *at >= window);
        // Behind (the database was slow or away): go on from the newest read, not from the window.
        let since = seen.newest.map_or(window, |n| n.at.min(window));
        let mut after = if whole { None } else { seen.newest };
        let mut fresh = 0;
        for _ in 0..MAX_PAGES {
            let page = db.inbox_written(if whole { window } else { since }, after, PAGE).await?;
            for written in &page {
                if seen.told.insert(written.mark.id, written.mark.at).is_none() {
                    fresh += 1;
                    self.tell(written.user, written.mark.id);
                }
            }
            after = page.last().map(|w| w.mark);
            if let Some(last) = after {
                seen.newest = Some(seen.newest.map_or(last, |n| n.max(last)));
            }
            if (page.len() as u32) < PAGE {
                break;
            }
        }
        Ok(fresh)
    }

    /// Watches the database for as long as the instance lives, while anyone is connected here:
    /// what is new each time the database says messages were written (`Triggers::watch_inbox`:
    /// PostgreSQL's notifications from any instance, SQLite's own writes), and the whole window
    /// every `sweep`, for messages whose transactions committed late.
    pub fn spawn_watch(self: &Arc<Self>, db: Arc<dyn Triggers>, sweep: Duration) {
        let hub = self.clone();
        let written = Arc::new(Notify::new());
        let woken = written.clone();
        // A burst of writes is one permit: one look.
        db.watch_inbox(Arc::new(move || woken.notify_one()));
        tokio::spawn(async move {
            let mut seen = Seen::default();
            let mut sweeping = tokio::time::interval(sweep);
            sweeping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                let whole = tokio::select! {
                    _ = written.notified() => false,
                    _ = sweeping.tick() => true,
                };
                if !hub.anyone() {
                    // Nobody to tell: whoever connects next catches up from the inbox itself.
                    seen = Seen::default();
                    continue;
                }
                let whole = whole || seen.newest.is_none();
                if let Err(e) = hub.watch_once(db.as_ref(), &mut seen, whole).await {
                    // Looked at again at the next sweep.
                    tracing::warn!(error = %e, "the live channel could not read new messages; trying again");
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fifth_connection_ends_the_oldest_and_a_person_is_told_only_of_their_own() {
        let hub = LiveHub::new();
        let (me, other) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let mut first = hub.connect(me);
        let rest: Vec<Connection> = (0..3).map(|_| hub.connect(me)).collect();
        assert_eq!(hub.open(me), 4);
        let fifth = hub.connect(me);
        assert_eq!(hub.open(me), 4, "the oldest made room");
        // The oldest was told to end (its permit is waiting).
        let ended = first.ended.clone();
        let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        rt.block_on(async {
            tokio::time::timeout(Duration::from_millis(100), ended.notified()).await.expect("the oldest is ended");
        });
        hub.tell(other, Uuid::from_u128(9));
        assert!(!first.newest.has_changed().unwrap(), "not told of someone else's");
        hub.tell(me, Uuid::from_u128(10));
        hub.tell(me, Uuid::from_u128(11));
        assert_eq!(*first.newest.borrow_and_update(), Some(Uuid::from_u128(11)), "a burst is one event");
        drop((first, rest, fifth));
        assert_eq!(hub.open(me), 0);
        assert!(!hub.anyone());
    }
}
