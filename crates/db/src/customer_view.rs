//! A customer's view for the counter: their record, and the promoter's time-limited grant to see
//! it.
use async_trait::async_trait;
use uuid::Uuid;

use crate::*;

/// One line of a customer's purchases, for their view.
#[derive(Debug, Clone, PartialEq)]
pub struct PurchaseLine {
    pub sale_id: Uuid,
    pub store_name: String,
    pub city: String,
    pub at: i64,
    pub sku: String,
    pub quantity: i64,
    pub returned: i64,
    /// Fen, for the line as sold.
    pub net: i64,
}

/// What a customer's view is made of, besides their account and favourites.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomerRecord {
    /// Newest first, at most the asked number of lines.
    pub purchases: Vec<PurchaseLine>,
    /// What every purchase kept cost (less what came back), in fen.
    pub spend: i64,
    pub tags: Vec<String>,
    /// (list, served at, placement, algorithm, models), newest first.
    pub lists: Vec<(Uuid, i64, String, String, Vec<String>)>,
    /// (list, model) clicked from those lists.
    pub clicks: Vec<(Uuid, String)>,
}

#[async_trait]
pub trait CustomerView: Send + Sync {
    /// A customer's purchases (newest `limit` lines), tags, and recent lists with their clicks.
    async fn customer_record(&self, user_id: Uuid, limit: u32) -> DbResult<CustomerRecord>;
    /// Lets `promoter` see `customer`'s view until `expires_at`.
    async fn grant_counter_view(
        &self,
        promoter: Uuid,
        customer: Uuid,
        store: Option<Uuid>,
        expires_at: i64,
    ) -> DbResult<()>;
    /// Until when `promoter` may see `customer`'s view, if they may at `now` and the grant was
    /// given at `store` (the store they work at now: a grant does not follow them to another).
    async fn counter_view_until(
        &self,
        promoter: Uuid,
        customer: Uuid,
        store: Option<Uuid>,
        now: i64,
    ) -> DbResult<Option<i64>>;
}
