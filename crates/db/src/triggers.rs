//! Triggered offers and the inbox they write to.
use async_trait::async_trait;
use uuid::Uuid;

use crate::*;

/// What may set triggered offers off, since a time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TriggerFacts {
    /// (consumer, session, when) of sessions begun.
    pub sign_ins: Vec<(Uuid, Uuid, i64)>,
    /// (customer, sale, when, SKU of its dearest line, store name) of sales linked to a customer.
    pub purchases: Vec<(Uuid, Uuid, i64, String, String)>,
    /// (store id, store name, SKU, when, the operation) of stock that came in where the store had
    /// none before.
    pub restocks: Vec<(Uuid, String, String, i64, String)>,
    /// Consumers whose birthday is one of those asked for.
    pub birthdays: Vec<Uuid>,
}

/// A message for a customer's inbox, with the list of products it carries.
#[derive(Debug, Clone, PartialEq)]
pub struct InboxRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub trigger_id: Uuid,
    pub fact_key: String,
    pub kind: portal_api::TriggerKind,
    pub title_zh: String,
    pub title_en: String,
    pub body_zh: String,
    pub body_en: String,
    pub recommendation: Uuid,
    pub models: Vec<String>,
    /// Where tapping it leads.
    pub link: Option<portal_api::DeepLink>,
    pub created_at: i64,
    /// When what set it off happened.
    pub fact_at: i64,
    /// The trigger's name, the list's arm in the report.
    pub trigger_name: String,
}

impl InboxRow {
    /// The message's products as a list at the `inbox` placement, served to its customer (each
    /// trigger a row of its own in the report: its name is the list's arm).
    pub fn served_list(&self) -> ServedList {
        ServedList {
            id: self.recommendation,
            user_id: Some(self.user_id),
            placement: portal_api::Placement::Inbox.as_str().into(),
            algorithm: format!("trigger:{}", self.kind.as_str()),
            arm: Some(self.trigger_name.clone()),
            experiment: None,
            models: self.models.clone(),
            served_at: self.created_at,
            store_id: None,
        }
    }
}

/// Messages a trigger pass writes in one transaction (each takes an advisory lock on PostgreSQL,
/// from a lock table of about 64 per connection allowed: a few instances at once stay well inside).
pub const INBOX_BATCH: usize = 200;

#[async_trait]
pub trait Triggers: Send + Sync {
    /// A new trigger (by `Trigger::id`, `created_by`), unless its name is taken (then false).
    async fn create_trigger(&self, trigger: portal_api::Trigger, created_by: Uuid) -> DbResult<bool>;
    /// Every trigger with how many messages it sent, newest first.
    async fn triggers(&self) -> DbResult<Vec<portal_api::Trigger>>;
    /// Pauses or resumes a trigger; resuming makes `now` its `active_since`.
    async fn set_trigger_active(&self, id: Uuid, active: bool, now: i64) -> DbResult<bool>;
    /// What happened since `since`, and who has one of `birthdays` (MM-DD; one or two).
    async fn trigger_facts(&self, since: i64, birthdays: Vec<String>) -> DbResult<TriggerFacts>;
    /// (consumer, model) of those who saved or follow one of `models` (the products restocked):
    /// a pass reads the followers of what came back, never every follower.
    async fn followers_of(&self, models: Vec<String>) -> DbResult<Vec<(Uuid, String)>>;
    async fn set_birthday(&self, user: Uuid, birthday: Option<String>) -> DbResult<()>;
    async fn birthday(&self, user: Uuid) -> DbResult<Option<String>>;
    /// Writes each message (and its list at the `inbox` placement) unless its trigger is paused,
    /// its customer declined, or the trigger already sent them this fact or one less than
    /// `cooldown_secs` from it, stored or earlier in the batch (`triggers::admit`); one
    /// transaction, atomic against every other send of a trigger to a customer. Whether each was
    /// written, in order. A pass sends at most `INBOX_BATCH` at once.
    async fn send_inbox(&self, messages: Vec<InboxRow>, cooldown_secs: i64) -> DbResult<Vec<bool>>;
    /// The customer's newest messages (at most `limit`) and how many are unread.
    async fn inbox(&self, user: Uuid, limit: u32) -> DbResult<portal_api::Inbox>;
    /// Marks the customer's message read; false when they have no such message.
    async fn mark_inbox_read(&self, user: Uuid, id: Uuid, at: i64) -> DbResult<bool>;
    /// Applies the customer's changes to their messages, in one transaction: read sets when it
    /// was read (once), delete takes the message out of their inbox and blanks its words, keeping
    /// the row that says it was sent (so neither a trigger nor a campaign sends it again). A
    /// message of someone else's, or gone, is passed over.
    async fn change_inbox(&self, user: Uuid, changes: Vec<portal_api::InboxChange>, at: i64) -> DbResult<()>;
    /// Messages written at or after `since` and after `after` (by time, then id), oldest first,
    /// at most `limit`: what the live channel tells the people concerned of.
    async fn inbox_written(&self, since: i64, after: Option<InboxMark>, limit: u32) -> DbResult<Vec<WrittenInbox>>;
    /// Calls `wake` whenever inbox messages may have been written, by this process or (on a
    /// database several instances share) by any other, for as long as the storage lives; and
    /// once whenever it may have missed some (it began listening, or listened again after losing
    /// the database). `wake` must return at once: it only says "look", the look is
    /// `inbox_written`'s.
    fn watch_inbox(&self, wake: InboxWake);
}

/// What `Triggers::watch_inbox` calls.
pub type InboxWake = std::sync::Arc<dyn Fn() + Send + Sync>;

/// Where a message stands in the order messages were written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InboxMark {
    pub at: i64,
    pub id: Uuid,
}

/// A message written for someone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WrittenInbox {
    pub mark: InboxMark,
    pub user: Uuid,
}
