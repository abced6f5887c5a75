//! What the store-operations engine (`db::apply`) needs from a database, inside one transaction:
//! typed reads and writes, nothing decided. Each backend implements it over its own transaction;
//! the engine decides, with the rules of portal-store-ops, the same for every backend.
use portal_api::{SampleState, SkuQuantity};
use uuid::Uuid;

use super::DbError;

/// A backend's failure inside an operation.
#[derive(Debug)]
pub enum LedgerError {
    /// A unique key was taken (an id this operation reuses): the operation's own conflict,
    /// refused alone, never the batch's failure.
    Conflict(String),
    Storage(DbError),
}

pub type LedgerResult<T> = Result<T, LedgerError>;

/// An operation id as recorded, with its outcome (JSON), sender and body hash.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub outcome: String,
    pub user_id: Uuid,
    pub body_hash: Option<String>,
}

/// One row of the log of operations.
#[derive(Debug, Clone)]
pub struct LogEntry<'a> {
    pub op_id: Uuid,
    pub store_id: Uuid,
    pub user_id: Uuid,
    pub kind: &'a str,
    pub outcome: String,
    pub day: &'a str,
    pub device_at: i64,
    pub applied_at: i64,
    pub body_hash: &'a str,
}

#[derive(Debug, Clone)]
pub struct ShiftRow {
    pub store_id: Uuid,
    pub promoter_id: Uuid,
    pub opening_cash: i64,
    pub closed_at: Option<i64>,
}

/// What passed through a shift's till, per payment method's wire name.
#[derive(Debug, Clone, Default)]
pub struct Takings {
    pub paid: Vec<(String, i64)>,
    pub change: i64,
    pub refunds: Vec<(String, i64)>,
}

#[derive(Debug, Clone)]
pub struct NewSale<'a> {
    pub id: Uuid,
    pub store_id: Uuid,
    pub promoter_id: Uuid,
    pub shift_id: Uuid,
    pub receipt_no: &'a str,
    pub customer_id: Option<Uuid>,
    pub gross: i64,
    pub discounts: i64,
    pub total: i64,
    pub paid: i64,
    pub change: i64,
    pub day: &'a str,
    pub device_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewSaleLine<'a> {
    pub line: i64,
    pub sku: &'a str,
    pub quantity: i64,
    pub unit_price: i64,
    pub discount: i64,
    pub net: i64,
    pub serial: Option<&'a str>,
}

/// A sale as it is written: one call, so a backend can write it in one round trip.
#[derive(Debug, Clone)]
pub struct SaleRecord<'a> {
    pub sale: NewSale<'a>,
    pub lines: Vec<NewSaleLine<'a>>,
    /// (payment method's wire name, amount)
    pub payments: Vec<(String, i64)>,
    /// (SKU, quantity), one entry per SKU
    pub gifts: Vec<(&'a str, i64)>,
    /// The stock the sale moves: one movement per line and per gift.
    pub movements: Vec<NewMovement<'a>>,
    /// The bundle offer shown with the sale and what came of it.
    pub offer: Option<NewCounterOffer>,
}

/// A bundle offer as it is written with its sale.
#[derive(Debug, Clone)]
pub struct NewCounterOffer {
    pub recommendation: Uuid,
    /// JSON arrays of SKUs.
    pub shown: String,
    pub accepted: String,
    pub outcome: portal_store_ops::offer::OfferOutcome,
}

#[derive(Debug, Clone)]
pub struct SoldLine {
    pub sku: String,
    pub quantity: i64,
    pub net: i64,
    pub returned: i64,
}

#[derive(Debug, Clone)]
pub struct NewReturn<'a> {
    pub id: Uuid,
    pub sale_id: Uuid,
    pub store_id: Uuid,
    pub promoter_id: Uuid,
    pub refund: i64,
    pub refund_method: &'a str,
    pub day: &'a str,
    pub device_at: i64,
    pub shift_id: Option<Uuid>,
}

#[derive(Debug, Clone)]
pub struct NewMovement<'a> {
    pub store_id: Uuid,
    pub sku: &'a str,
    pub kind: &'a str,
    pub quantity: i64,
    pub op_id: Uuid,
    pub reason: Option<&'a str>,
    pub device_at: i64,
}

#[derive(Debug, Clone)]
pub struct TransferRow {
    pub from_store: Uuid,
    pub to_store: Uuid,
    pub lines: Vec<SkuQuantity>,
    pub received_at: Option<i64>,
}

/// A shipment of a dealer's order as goods-in reads it.
#[derive(Debug, Clone)]
pub struct ShipmentRow {
    pub order_id: Uuid,
    pub store_id: Uuid,
    pub lines: Vec<portal_api::ShipLine>,
    pub received: bool,
}

/// Where an order stands when one of its shipments is counted in.
#[derive(Debug, Clone, Copy)]
pub struct OrderReceiptState {
    pub status: portal_api::OrderStatus,
    /// Its shipments not yet counted in.
    pub uncounted: u32,
}

#[derive(Debug, Clone)]
pub struct SampleRow {
    pub store_id: Uuid,
    pub state: SampleState,
    pub location: String,
}

/// Reads and writes of the store-operations engine, inside the batch's transaction. Each backend
/// makes a batch behave as if it ran alone (SQLite: one writer; PostgreSQL: its stores' locks,
/// locks by key on what stores share, the batch run again when it met another; see
/// `db::postgres::store_ops::apply_all`).
pub trait Ledger {
    /// Marks where the current operation starts; `release` keeps its writes, `rollback` undoes them.
    fn savepoint(&mut self) -> Result<(), DbError>;
    fn release(&mut self) -> Result<(), DbError>;
    fn rollback(&mut self) -> Result<(), DbError>;

    /// Those of `op_ids` already in the log, with what was recorded.
    fn recorded(&mut self, op_ids: &[Uuid]) -> LedgerResult<Vec<(Uuid, Recorded)>>;
    /// Records an operation's id and outcome. A backend may keep the row back until `finish`.
    fn log(&mut self, entry: &LogEntry<'_>) -> LedgerResult<()>;
    /// Writes what the backend kept back, after the batch's last operation and before the commit.
    fn finish(&mut self) -> LedgerResult<()>;

    fn shift(&mut self, id: Uuid) -> LedgerResult<Option<ShiftRow>>;
    fn open_shift(&mut self, id: Uuid, store: Uuid, promoter: Uuid, at: i64, opening_cash: i64) -> LedgerResult<()>;
    fn close_shift(
        &mut self,
        id: Uuid,
        at: i64,
        day: &str,
        counted_json: &str,
        expected_json: &str,
        reason: Option<&str>,
    ) -> LedgerResult<()>;
    /// The shift of `promoter` at `store` open at `at` and still open, the latest.
    fn open_shift_of(&mut self, store: Uuid, promoter: Uuid, at: i64) -> LedgerResult<Option<Uuid>>;
    fn takings(&mut self, shift: Uuid) -> LedgerResult<Takings>;

    /// Writes a sale whole (its row, lines, payments, gifts and the stock they move) and returns
    /// the on-hand balance of each SKU it moved, after the move, in SKU order.
    fn record_sale(&mut self, sale: &SaleRecord<'_>) -> LedgerResult<Vec<(String, i64)>>;
    /// Whether a unit with this serial is sold and not returned.
    fn serial_sold(&mut self, serial: &str) -> LedgerResult<bool>;
    /// Redeems the coupon for the sale: true when this is its first redemption; false when
    /// another sale redeemed it already, and then this sale's use is kept as a second use.
    fn redeem_coupon(&mut self, redemption: &crate::CouponRedemption) -> LedgerResult<bool>;
    fn sale_store(&mut self, sale: Uuid) -> LedgerResult<Option<Uuid>>;
    fn sold_line(&mut self, sale: Uuid, line: i64) -> LedgerResult<Option<SoldLine>>;
    fn return_line(&mut self, sale: Uuid, line: i64, quantity: i64) -> LedgerResult<()>;
    /// Gifts of a SKU the sale still has to give back.
    fn gift_left(&mut self, sale: Uuid, sku: &str) -> LedgerResult<Option<i64>>;
    fn return_gift(&mut self, sale: Uuid, sku: &str, quantity: i64) -> LedgerResult<()>;
    fn insert_return(&mut self, r: &NewReturn<'_>) -> LedgerResult<()>;

    /// Appends to the stock ledger and moves the running balance with it.
    fn movement(&mut self, m: &NewMovement<'_>) -> LedgerResult<()>;
    /// The on-hand balance of each of `skus` at `store`, in their order, read together (one
    /// snapshot: a transfer completed meanwhile by another store's batch moves all or none).
    fn on_hand(&mut self, store: Uuid, skus: &[&str]) -> LedgerResult<Vec<i64>>;

    fn store_exists(&mut self, store: Uuid) -> LedgerResult<bool>;
    fn transfer(&mut self, id: Uuid) -> LedgerResult<Option<TransferRow>>;
    fn insert_transfer(&mut self, id: Uuid, from: Uuid, to: Uuid, lines_json: &str, at: i64) -> LedgerResult<()>;
    fn mark_received(&mut self, id: Uuid, at: i64) -> LedgerResult<()>;
    /// A receipt reported before its send arrived: (receiving store, when).
    fn transfer_wait(&mut self, id: Uuid) -> LedgerResult<Option<(Uuid, i64)>>;
    /// Records a wait; false when one is recorded already.
    fn insert_transfer_wait(&mut self, id: Uuid, to: Uuid, op_id: Uuid, at: i64) -> LedgerResult<bool>;
    fn delete_transfer_wait(&mut self, id: Uuid) -> LedgerResult<()>;

    /// A shipment, locked until the transaction ends.
    fn shipment(&mut self, id: Uuid) -> LedgerResult<Option<ShipmentRow>>;
    /// Keeps a shipment's count, on it and on its order's lines.
    fn receive_shipment(
        &mut self,
        id: Uuid,
        order: Uuid,
        counted: &[portal_distribution::goods_in::Counted],
        by: Uuid,
        at: i64,
    ) -> LedgerResult<()>;
    /// The order's status and its shipments not yet counted in (the order locked).
    fn order_receipt_state(&mut self, order: Uuid) -> LedgerResult<Option<OrderReceiptState>>;
    /// Moves the order to `status` with a step in its history.
    fn mark_order(
        &mut self,
        order: Uuid,
        status: portal_api::OrderStatus,
        action: &str,
        by: Uuid,
        at: i64,
    ) -> LedgerResult<()>;
    fn sample(&mut self, serial: &str) -> LedgerResult<Option<SampleRow>>;
    fn insert_sample(
        &mut self,
        serial: &str,
        store: Uuid,
        sku: &str,
        state: &str,
        location: &str,
        at: i64,
    ) -> LedgerResult<()>;
    fn update_sample(&mut self, serial: &str, state: &str, location: &str, at: i64) -> LedgerResult<()>;
    #[allow(clippy::too_many_arguments)]
    fn sample_history(
        &mut self,
        serial: &str,
        state: &str,
        location: &str,
        user: Uuid,
        op_id: Uuid,
        at: i64,
    ) -> LedgerResult<()>;
    fn store_samples(&mut self, store: Uuid) -> LedgerResult<Vec<(String, String)>>;

    /// The account with this (normalized) phone.
    fn phone_owner(&mut self, phone: &str) -> LedgerResult<Option<Uuid>>;
    /// Creates a consumer account with an unverified phone.
    fn create_customer(&mut self, id: Uuid, display_name: &str, phone: &str, now: i64) -> LedgerResult<()>;
}
