//! The person's inbox on the device: the server's messages with their products from the local
//! catalog, kept for offline per person, and which of them the device has already announced with
//! an OS notification (each once). Reading and deleting a message take effect here at once
//! (offline too) and reach the server through the outbox.
use portal_api::{Inbox, InboxChange, InboxChangeKind, InboxMessage};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::{
    cache::{read_setting, write_setting, Cache},
    catalog::ProductSummary,
    error::ClientResult,
    outbox,
    recommendations::summaries,
};

pub const OUTBOX_KIND: &str = outbox::kind::INBOX;

/// Ids remembered as announced (the newest).
const ANNOUNCED_KEPT: usize = 200;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct InboxItem {
    pub message: InboxMessage,
    /// Its products this device knows and may show.
    pub products: Vec<ProductSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct InboxView {
    pub items: Vec<InboxItem>,
    pub unread: u32,
    /// Unread messages not announced on this device before: announce them now (they are
    /// remembered as announced).
    pub fresh: Vec<InboxMessage>,
    /// The server could not be asked: the inbox as last read.
    pub offline: bool,
}

fn key(user: Uuid) -> String {
    format!("inbox.{user}")
}

fn announced_key(user: Uuid) -> String {
    format!("inbox.announced.{user}")
}

pub fn keep(cache: &Cache, user: Uuid, inbox: &Inbox) -> ClientResult<()> {
    write_setting(&cache.conn, &key(user), &serde_json::to_string(inbox).expect("an inbox serialises"))
}

/// `inbox` with `changes` made: read ones read, deleted ones gone, the unread count following.
pub fn with_changes(mut inbox: Inbox, changes: &[InboxChange]) -> Inbox {
    for c in changes {
        let Some(at) = inbox.messages.iter().position(|m| m.id == c.message) else { continue };
        let was_unread = !inbox.messages[at].read;
        match c.change {
            InboxChangeKind::Read => inbox.messages[at].read = true,
            InboxChangeKind::Delete => {
                inbox.messages.remove(at);
            }
        }
        if was_unread {
            inbox.unread = inbox.unread.saturating_sub(1);
        }
    }
    inbox
}

/// Reads or deletes one of the person's messages here and now, and enqueues the change for the
/// server, in one transaction.
pub fn change(cache: &mut Cache, user: Uuid, change: InboxChange, now: i64) -> ClientResult<Inbox> {
    let tx = cache.conn.transaction()?;
    let inbox: Inbox = read_setting(&tx, &key(user))?
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(Inbox { messages: vec![], unread: 0 });
    let inbox = with_changes(inbox, &[change]);
    write_setting(&tx, &key(user), &serde_json::to_string(&inbox).expect("an inbox serialises"))?;
    outbox::enqueue(&tx, user, OUTBOX_KIND, &serde_json::to_string(&change).expect("a change serialises"), now)?;
    tx.commit()?;
    Ok(inbox)
}

/// The leading inbox changes of `pending` (a kind never overtakes an earlier one), with their
/// outbox ids, and the ids of those that no longer parse (to be set aside).
pub fn changes(pending: &[outbox::PendingOp]) -> (Vec<InboxChange>, Vec<Uuid>, Vec<Uuid>) {
    let (mut changes, mut ids, mut unreadable) = (Vec::new(), Vec::new(), Vec::new());
    for p in pending.iter().take_while(|p| p.kind == OUTBOX_KIND).take(portal_api::MAX_INBOX_CHANGES) {
        match serde_json::from_str::<InboxChange>(&p.payload) {
            Ok(change) => {
                changes.push(change);
                ids.push(p.op_id);
            }
            Err(_) => unreadable.push(p.op_id),
        }
    }
    (changes, ids, unreadable)
}

/// The person's changes still waiting in the outbox: laid over what the server says until it
/// has them.
pub fn unsent(cache: &Cache, user: Uuid) -> ClientResult<Vec<InboxChange>> {
    let mut stmt =
        cache.conn.prepare_cached("SELECT payload FROM outbox WHERE user_id = ?1 AND kind = ?2 ORDER BY seq")?;
    let payloads = stmt
        .query_map(rusqlite::params![user.to_string(), OUTBOX_KIND], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(payloads.iter().filter_map(|p| serde_json::from_str(p).ok()).collect())
}

pub fn kept(cache: &Cache, user: Uuid) -> ClientResult<Option<Inbox>> {
    Ok(read_setting(&cache.conn, &key(user))?.and_then(|s| serde_json::from_str(&s).ok()))
}

/// Messages older than this are not announced (a new device does not ring for a backlog).
pub const ANNOUNCE_WITHIN_SECS: i64 = 2 * 86_400;

/// The view of `inbox`; with `announce_at` (now), also the unread messages sent in the last
/// `ANNOUNCE_WITHIN_SECS` not announced before (now remembered as announced).
pub fn view(
    cache: &Cache,
    user: Uuid,
    inbox: Inbox,
    offline: bool,
    announce_at: Option<i64>,
) -> ClientResult<InboxView> {
    let mut announced: Vec<Uuid> = read_setting(&cache.conn, &announced_key(user))?
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default();
    let fresh: Vec<InboxMessage> = match announce_at {
        Some(now) => inbox
            .messages
            .iter()
            .filter(|m| !m.read && m.created_at >= now - ANNOUNCE_WITHIN_SECS && !announced.contains(&m.id))
            .cloned()
            .collect(),
        None => vec![],
    };
    if !fresh.is_empty() {
        announced.extend(fresh.iter().map(|m| m.id));
        let skip = announced.len().saturating_sub(ANNOUNCED_KEPT);
        write_setting(&cache.conn, &announced_key(user), &serde_json::to_string(&announced[skip..]).expect("ids"))?;
    }
    let mut items = Vec::with_capacity(inbox.messages.len());
    for message in inbox.messages {
        let products = summaries(cache, &message.models, None)?;
        items.push(InboxItem { message, products });
    }
    Ok(InboxView { items, unread: inbox.unread, fresh, offline })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::tests::catalog;
    use portal_api::TriggerKind;

    fn message(read: bool) -> InboxMessage {
        InboxMessage {
            id: Uuid::now_v7(),
            kind: TriggerKind::AfterPurchase,
            title_zh: "为您".into(),
            title_en: "For you".into(),
            body_zh: "正文".into(),
            body_en: "Body".into(),
            recommendation: Uuid::now_v7(),
            models: vec!["75U7N".into(), "NOT-HERE".into()],
            created_at: 1,
            read,
            link: None,
        }
    }

    #[test]
    fn each_unread_message_is_announced_once_per_person_and_kept_for_offline() {
        let (_dir, cache) = catalog();
        let (me, other) = (Uuid::now_v7(), Uuid::now_v7());
        let inbox = Inbox { messages: vec![message(false), message(true)], unread: 1 };
        let now = Some(10);
        assert!(view(&cache, me, inbox.clone(), false, None).unwrap().fresh.is_empty(), "only when asked to announce");
        let first = view(&cache, me, inbox.clone(), false, now).unwrap();
        assert_eq!(first.fresh, [inbox.messages[0].clone()], "the unread one, once");
        assert_eq!(first.items[0].products.len(), 1, "products this device knows");
        assert!(view(&cache, me, inbox.clone(), false, now).unwrap().fresh.is_empty(), "announced before");
        assert_eq!(
            view(&cache, other, inbox.clone(), false, now).unwrap().fresh.len(),
            1,
            "another person's device view"
        );
        let later = Some(1 + ANNOUNCE_WITHIN_SECS + 1);
        assert!(
            view(&cache, Uuid::now_v7(), inbox.clone(), false, later).unwrap().fresh.is_empty(),
            "a backlog stays quiet"
        );
        keep(&cache, me, &inbox).unwrap();
        assert_eq!(kept(&cache, me).unwrap(), Some(inbox));
        assert_eq!(kept(&cache, other).unwrap(), None);
    }

    #[test]
    fn a_change_made_offline_is_kept_enqueued_and_laid_over_the_servers_inbox_until_sent() {
        let (_dir, mut cache) = catalog();
        let me = Uuid::now_v7();
        let (a, b) = (message(false), message(false));
        let server = Inbox { messages: vec![a.clone(), b.clone()], unread: 2 };
        keep(&cache, me, &server).unwrap();
        let read = InboxChange { message: a.id, change: InboxChangeKind::Read };
        let gone = InboxChange { message: b.id, change: InboxChangeKind::Delete };
        change(&mut cache, me, read, 5).unwrap();
        let kept_now = change(&mut cache, me, gone, 6).unwrap();
        assert_eq!((kept_now.messages.len(), kept_now.unread), (1, 0));
        assert!(kept_now.messages[0].read);
        assert_eq!(kept(&cache, me).unwrap(), Some(kept_now.clone()), "kept for offline");
        // Both wait in the outbox, in order, and are sent as one batch.
        let due = outbox::due(&cache, me, 10, 10).unwrap();
        let (sent, ids, unreadable) = changes(&due);
        assert_eq!((sent, ids.len(), unreadable.len()), (vec![read, gone], 2, 0));
        // The server's inbox read before they reached it still shows them changed here.
        assert_eq!(with_changes(server.clone(), &unsent(&cache, me).unwrap()), kept_now);
        // A change to a message no longer there changes nothing.
        let stranger = InboxChange { message: Uuid::now_v7(), change: InboxChangeKind::Delete };
        assert_eq!(with_changes(server.clone(), &[stranger]), server);
    }
}
