//! Customer tags: their rules, members and the passes that keep them current.
use async_trait::async_trait;
use uuid::Uuid;

use crate::*;

/// A customer tag as kept: its rule, and its size when last worked out.
#[derive(Debug, Clone, PartialEq)]
pub struct TagRow {
    pub id: Uuid,
    pub name: String,
    pub rule: String,
    pub created_by: Uuid,
    pub created_at: i64,
    pub size: u32,
    pub computed_at: Option<i64>,
}

/// What a customer did, for their profile: purchases and behaviour with a product.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomerActivity {
    pub user_id: Uuid,
    /// (SKU, when, units kept, fen kept, the store's city).
    pub purchases: Vec<(String, i64, i64, i64, String)>,
    /// (kind, model, when) of what says something about the customer (not impressions, searches,
    /// filters or store-finder uses), in time order.
    pub events: Vec<(portal_api::EventKind, Option<String>, i64)>,
}

/// Which customers to read the activity of.
#[derive(Debug, Clone, PartialEq)]
pub enum Customers {
    /// Consumers in id order after this one (none: from the first), at most `limit`.
    Page { after: Option<Uuid>, limit: u32 },
    /// These people.
    Only(Vec<Uuid>),
}

#[async_trait]
pub trait Tags: Send + Sync {
    /// Creates a tag unless one has its name (then false).
    async fn create_tag(&self, tag: TagRow) -> DbResult<bool>;
    /// By name.
    async fn tags(&self) -> DbResult<Vec<TagRow>>;
    /// Deletes a tag and its members; false when there was none.
    async fn delete_tag(&self, id: Uuid) -> DbResult<bool>;
    /// People whose behaviour arrived, or whose choice about tracking changed, in
    /// (`after`, `until`], or with a store purchase made after `purchases_after` (a device's clock).
    async fn changed_customers(&self, after: i64, until: i64, purchases_after: i64) -> DbResult<Vec<Uuid>>;
    /// What each of these customers (consumers only) did since `since` (purchases whenever made;
    /// behaviour only of those who did not decline tracking).
    async fn customer_activity(&self, customers: Customers, since: i64) -> DbResult<Vec<CustomerActivity>>;
    /// In one transaction: of the people `checked`, those in `members` are the tag's and the others
    /// are not; when `recount`, the tag's size is counted again (and `computed_at` set when given).
    /// Returns the size as kept.
    async fn set_tag_members(
        &self,
        tag: Uuid,
        checked: Vec<Uuid>,
        members: Vec<Uuid>,
        recount: bool,
        computed_at: Option<i64>,
    ) -> DbResult<u32>;
    /// (events read through, last full pass), starting at (0, 0).
    async fn tag_progress(&self) -> DbResult<(i64, i64)>;
    async fn set_tag_progress(&self, events_through: i64, full_at: i64) -> DbResult<()>;
    /// (customer, SKU, when, fen) of the stores' sales linked to a customer since a time.
    async fn customer_purchases(&self, since: i64) -> DbResult<Vec<(Uuid, String, i64, i64)>>;
}
