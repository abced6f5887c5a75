//! Store operations, written through the promoters' outboxes and applied by the `apply` engine, and
//! the reports read from their ledgers.
use async_trait::async_trait;
use uuid::Uuid;

use crate::*;

/// The body hash a set-aside operation is logged with: no operation's body has it, so sending
/// the id for real later is a conflict, never a duplicate of the refusal.
pub const SET_ASIDE_BODY_HASH: &str = "set_aside_on_device";

/// An operation a device set aside, as recorded in the store's log of operations.
#[derive(Debug, Clone)]
pub struct SetAsideRecord {
    pub outcome: portal_api::OpOutcome,
    pub store_id: Uuid,
    pub user_id: Uuid,
    pub kind: String,
    pub day: String,
    pub device_at: i64,
    pub now: i64,
}

#[async_trait]
pub trait StoreOps: Send + Sync {
    /// Applies each operation exactly once (by its id), in one transaction with the record of its
    /// id and outcome; a retry gets the recorded outcome marked as a duplicate. In order; all or none
    /// of the batch lands (a storage failure leaves the device to send it again).
    async fn apply_store_ops(&self, ops: Vec<(portal_api::StoreOp, OpContext)>)
        -> DbResult<Vec<portal_api::OpOutcome>>;
    /// Records operations devices set aside in the log of operations, each unless its id is
    /// recorded already (then it is left as it is), all in one transaction.
    async fn record_set_aside(&self, records: Vec<SetAsideRecord>) -> DbResult<()>;
    async fn stock(&self, store_id: Uuid) -> DbResult<portal_api::StockReport>;
    /// The SKUs the store has on hand (more than zero units), from its running balances.
    async fn store_on_hand(&self, store_id: Uuid) -> DbResult<Vec<(String, i64)>>;
    /// Units sold per SKU at a store on the days `first_day..=last_day` (`YYYY-MM-DD`), returns taken off.
    async fn store_sold(&self, store_id: Uuid, first_day: String, last_day: String) -> DbResult<Vec<(String, i64)>>;
    /// A store's day; `starts_at` is the day's first second (unix), for the stock ledger.
    async fn day_report(&self, store_id: Uuid, day: String, starts_at: i64) -> DbResult<portal_api::DayReport>;
    async fn purchases(&self, customer: Uuid) -> DbResult<portal_api::PurchaseList>;
    async fn samples(&self, store_id: Uuid) -> DbResult<portal_api::SampleList>;
    /// Per store with a stock ledger (by code): the SKUs with stock on hand.
    async fn skus_in_stock(&self) -> DbResult<Vec<portal_api::StoreStock>>;
    async fn transfers(&self, store_id: Uuid) -> DbResult<portal_api::TransferList>;
    /// Flags raised at the store after a cursor, oldest first (at most `limit`).
    async fn flags_after(&self, store_id: Uuid, after: Option<i64>, limit: u32) -> DbResult<portal_api::StoreFlagList>;
    /// The store's sales with a receipt number, newest first.
    async fn sales_by_receipt(&self, store_id: Uuid, receipt_no: String) -> DbResult<portal_api::StoreSaleList>;
}
