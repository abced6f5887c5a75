//! Served lists are written behind the answer: a list goes out at once, and what this instance
//! served in the last few milliseconds is recorded together in one statement. Serving waits for
//! no database write (on PostgreSQL the write was most of a list's time), and a busy instance
//! writes one batch where it wrote a row per request.
//!
//! Readers that need a list at once find it: this instance flushes before it checks the lists
//! named by impressions and clicks, and another instance waits a moment for a list whose id (a
//! UUID v7, stamped when served) says it was served just now. A crash loses at most the lists of
//! the last flush interval: their impressions are then refused as naming no served list.
use std::{
    sync::{atomic::Ordering, Arc},
    time::Duration,
};

use uuid::Uuid;

use crate::{db::ServedList, error::AppResult, portal::Portal};

/// How long a served list waits at most before it is written.
pub const FLUSH_EVERY: Duration = Duration::from_millis(20);
/// A batch this long is written without waiting.
const BATCH: usize = 500;
/// Lists kept waiting at most while the database cannot be written; beyond, serving writes itself.
const QUEUE_MAX: usize = 50_000;
/// A list unknown to the database but served this recently may still be on its way there.
const IN_FLIGHT: Duration = Duration::from_secs(2);

#[derive(Default)]
pub struct ServedListQueue {
    waiting: std::sync::Mutex<Vec<ServedList>>,
    wake: Arc<tokio::sync::Notify>,
    /// One flush at a time, so that a list is written once and in order.
    flushing: tokio::sync::Mutex<()>,
    writer_started: std::sync::atomic::AtomicBool,
}

impl Portal {
    /// Records a served list behind the answer (or at once, when too many wait already).
    pub async fn record_served(self: &Arc<Self>, list: ServedList) -> AppResult<()> {
        let queue = &self.served_lists;
        if !queue.writer_started.swap(true, Ordering::AcqRel) {
            self.spawn_served_list_writer();
        }
        let waiting = {
            let mut waiting = queue.waiting.lock().expect("not poisoned");
            if waiting.len() >= QUEUE_MAX {
                None
            } else {
                waiting.push(list.clone());
                Some(waiting.len())
            }
        };
        match waiting {
            None => Ok(self.db.record_served_lists(vec![list]).await?),
            Some(n) => {
                if n >= BATCH {
                    queue.wake.notify_one();
                }
                Ok(())
            }
        }
    }

    /// Writes every list waiting (kept waiting, in order, if the write fails).
    pub async fn flush_served_lists(&self) -> AppResult<()> {
        let queue = &self.served_lists;
        let _one = queue.flushing.lock().await;
        let batch = std::mem::take(&mut *queue.waiting.lock().expect("not poisoned"));
        if batch.is_empty() {
            return Ok(());
        }
        if let Err(e) = self.db.record_served_lists(batch.clone()).await {
            let mut waiting = queue.waiting.lock().expect("not poisoned");
            let newer = std::mem::replace(&mut *waiting, batch);
            waiting.extend(newer);
            return Err(e.into());
        }
        Ok(())
    }

    /// Whether lists are waiting to be written on this instance.
    pub fn served_lists_waiting(&self) -> bool {
        !self.served_lists.waiting.lock().expect("not poisoned").is_empty()
    }

    fn spawn_served_list_writer(self: &Arc<Self>) {
        // Held weakly: the writer ends with the portal.
        let portal = Arc::downgrade(self);
        let wake = self.served_lists.wake.clone();
        tokio::spawn(async move {
            loop {
                let _ = tokio::time::timeout(FLUSH_EVERY, wake.notified()).await;
                let Some(p) = portal.upgrade() else { return };
                if let Err(e) = p.flush_served_lists().await {
                    tracing::warn!(error = ?e, "served lists could not be written; trying again");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        });
    }

    /// The served lists among `ids` (id, to whom, models): this instance's waiting ones written
    /// first, and lists served moments ago elsewhere waited for.
    pub async fn served_lists_named(&self, ids: Vec<Uuid>) -> AppResult<Vec<(Uuid, Option<Uuid>, Vec<String>)>> {
        if self.served_lists_waiting() {
            self.flush_served_lists().await?;
        }
        let mut found = self.db.served_lists(ids.clone()).await?;
        let recent = |id: &Uuid| {
            id.get_timestamp().is_some_and(|ts| {
                let (secs, nanos) = ts.to_unix();
                let served = Duration::new(secs, nanos);
                let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
                now.saturating_sub(served) < IN_FLIGHT && served <= now + Duration::from_secs(1)
            })
        };
        for _ in 0..10 {
            let missing: Vec<Uuid> =
                ids.iter().filter(|id| !found.iter().any(|f| f.0 == **id) && recent(id)).copied().collect();
            if missing.is_empty() {
                break;
            }
            tokio::time::sleep(FLUSH_EVERY * 2).await;
            found.extend(self.db.served_lists(missing).await?);
        }
        Ok(found)
    }
}
