//! The live channel to the app: each instance watches the database for inbox messages written by
//! any instance (a trailing window read every second, each message told once) and tells the
//! people concerned over server-sent events, so the app reads its inbox when there is something
//! new instead of asking every 30 seconds. An event only says "your inbox changed" (its id is the
//! newest message's): the app reads the inbox through the API as before, so a missed event costs
//! a moment, never a message, and a reconnect with `Last-Event-ID` catches up at once.
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use tokio::sync::{broadcast, watch};
use uuid::Uuid;

use crate::{
    common::now,
    db::{InboxMark, Triggers, WrittenInbox},
};

/// How far back each read looks: a message whose transaction committed late is still seen.
const WINDOW_SECS: i64 = 15;
/// Messages read at a time; a read pages through the window up to `MAX_PAGES`.
const PAGE: u32 = 5_000;
const MAX_PAGES: usize = 40;
/// Messages told and not yet read by a connection before it is told "read it all".
const BUFFER: usize = 16_384;
/// Live connections one account keeps open at most (a phone, a tablet, a desktop).
pub const MAX_PER_PERSON: u32 = 4;

/// Every this many reads, the whole window is read again.
const WHOLE_EVERY: u64 = 5;

/// What the watcher told, within the window, and the newest message it read.
#[derive(Default)]
struct Seen {
    told: HashMap<Uuid, i64>,
    newest: Option<InboxMark>,
}

pub struct LiveHub {
    tx: broadcast::Sender<WrittenInbox>,
    open: Mutex<HashMap<Uuid, u32>>,
    closing: watch::Sender<bool>,
}

/// One open connection, counted until it is dropped.
pub struct Connection {
    hub: Arc<LiveHub>,
    user: Uuid,
}

impl Drop for Connection {
    fn drop(&mut self) {
        let mut open = self.hub.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = open.get_mut(&self.user) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.user);
            }
        }
    }
}

impl LiveHub {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            tx: broadcast::channel(BUFFER).0,
            open: Mutex::new(HashMap::new()),
            closing: watch::channel(false).0,
        })
    }

    /// A connection for `user`, unless they have `MAX_PER_PERSON` open already.
    pub fn connect(self: &Arc<Self>, user: Uuid) -> Option<Connection> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let n = open.entry(user).or_default();
        if *n >= MAX_PER_PERSON {
            return None;
        }
        *n += 1;
        Some(Connection { hub: self.clone(), user })
    }

    pub fn subscribe(&self) -> broadcast::Receiver<WrittenInbox> {
        self.tx.subscribe()
    }

    /// Ends every live connection (the instance is shutting down).
    pub fn close(&self) {
        let _ = self.closing.send(true);
    }

    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// Reads what was written since the last read (or, with `whole`, the whole trailing window,
    /// for messages whose transactions committed late) and tells what it had not told; `seen`
    /// keeps the messages told within the window and the newest one read.
    async fn watch_once(&self, db: &dyn Triggers, seen: &mut Seen, whole: bool) -> crate::db::DbResult<usize> {
        let since = now() - WINDOW_SECS;
        seen.told.retain(|_, at| *at >= since);
        let mut after = if whole { None } else { seen.newest.filter(|m| m.at >= since) };
        let mut fresh = 0;
        for _ in 0..MAX_PAGES {
            let page = db.inbox_written(since, after, PAGE).await?;
            for written in &page {
                if seen.told.insert(written.mark.id, written.mark.at).is_none() {
                    fresh += 1;
                    // Nobody listening is not an error.
                    let _ = self.tx.send(*written);
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

    /// Watches the database every `every` for as long as the instance lives.
    pub fn spawn_watch(self: &Arc<Self>, db: Arc<dyn Triggers>, every: Duration) {
        let hub = self.clone();
        tokio::spawn(async move {
            let mut seen = Seen::default();
            let mut round: u64 = 0;
            loop {
                tokio::time::sleep(every).await;
                round += 1;
                if let Err(e) = hub.watch_once(db.as_ref(), &mut seen, round % WHOLE_EVERY == 0).await {
                    tracing::warn!(error = %e, "the live channel could not read new messages; trying again");
                }
            }
        });
    }
}
