//! The person's inbox on the device: the server's messages with their products from the local
//! catalog, kept for offline per person, and which of them the device has already announced with
//! an OS notification (each once).
use portal_api::{Inbox, InboxMessage};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::{
    cache::{read_setting, write_setting, Cache},
    catalog::ProductSummary,
    error::ClientResult,
    recommendations::summaries,
};

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
}
