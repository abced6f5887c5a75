//! Distribution on the wire: a dealer's orders to the brand at the dealer's own prices, the
//! reviews they may wait for, their shipments to the stores the dealer supplies, and the dealer's
//! credit line. Money in fen; quantities in units. Prices, totals and credit are the server's:
//! an order as sent carries SKUs and quantities (and, for a special deal, the price asked).
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;
use uuid::Uuid;

/// Where an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// A line is priced below its floor: a business manager approves or rejects the price.
    PriceReview,
    /// Over the dealer's credit line: a business manager releases or rejects it.
    CreditReview,
    Confirmed,
    Allocated,
    /// Part shipped; the rest back-ordered.
    PartlyShipped,
    Shipped,
    /// Counted in at the store.
    Received,
    Invoiced,
    Rejected,
    Cancelled,
}

/// What the dealer wants done with what cannot be shipped at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Shortfall {
    BackOrder,
    CancelTheRest,
}

/// A line as the dealer orders it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct OrderLineDraft {
    pub sku: String,
    pub quantity: u32,
    /// A special price asked for this line, in fen; below the line's floor it goes to price review.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asked_price: Option<i64>,
}

/// An order as the dealer's app sends it. `id` is made on the device when the draft is started,
/// so a retry from the outbox lands once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct PlaceOrder {
    pub id: Uuid,
    pub dealer_id: Uuid,
    /// One of the stores the dealer supplies.
    pub ship_to: Uuid,
    pub lines: Vec<OrderLineDraft>,
    pub shortfall: Shortfall,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A line as the server priced it, with what has shipped and been counted in since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct OrderLine {
    pub sku: String,
    pub quantity: u32,
    /// What the dealer pays per unit.
    pub unit_price: i64,
    /// The dealer's price from their price lists (dealer > tier > region > list).
    pub list_price: i64,
    /// The lowest price the brand's managers accept without a second thought: shown to them only.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor: Option<i64>,
    /// A special price asked below the dealer's price: the order went to price review.
    pub special_price: bool,
    /// The price asked is also below the floor (shown to managers only).
    pub below_floor: bool,
    pub shipped: u32,
    pub received: u32,
    /// No longer owed: cancelled with the rest of the order.
    pub cancelled: u32,
    /// Rationed by an allocation of scarce stock: no more than its `allocated` units ship.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocation: Option<crate::LineAllocation>,
}

/// A step an order took: the status it reached, what was done, by whom and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct OrderStepRecord {
    pub status: OrderStatus,
    /// `submitted`, `approve_price`, `reject_price`, `release_credit`, `reject_credit`,
    /// `allocate`, `ship`, `receive`, `invoice` or `cancel`.
    pub action: String,
    pub by: Uuid,
    pub by_name: String,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct Order {
    pub id: Uuid,
    pub dealer_id: Uuid,
    pub ship_to: Uuid,
    pub status: OrderStatus,
    pub shortfall: Shortfall,
    pub lines: Vec<OrderLine>,
    pub total: i64,
    /// Credit the order holds now (reserved while confirmed and not yet invoiced).
    pub credit_held: i64,
    pub placed_by: Uuid,
    pub placed_at: i64,
    pub updated_at: i64,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub steps: Vec<OrderStepRecord>,
    pub shipments: Vec<Shipment>,
}

/// An order in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct OrderSummary {
    pub id: Uuid,
    pub dealer_id: Uuid,
    pub ship_to: Uuid,
    pub status: OrderStatus,
    pub total: i64,
    pub line_count: u32,
    pub placed_at: i64,
    pub updated_at: i64,
}

/// A page of orders, newest first; `next` continues it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct OrderList {
    pub orders: Vec<OrderSummary>,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// A step taken on an order by a business manager, the order center or the dealer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderAction {
    ApprovePrice,
    RejectPrice,
    ReleaseCredit,
    RejectCredit,
    Allocate,
    Invoice,
    Cancel,
    /// Give up what is still back-ordered (its credit released).
    CloseRest,
    /// The order center marks a shipped order received without the store's count (with a reason).
    MarkReceived,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct TakeOrderStep {
    pub action: OrderAction,
    /// Required to reject or cancel.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct ShipLine {
    pub sku: String,
    pub quantity: u32,
}

/// The order center ships part or all of an order to its store; `shipment_id` is the caller's,
/// so a retry ships once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct ShipOrder {
    pub shipment_id: Uuid,
    pub lines: Vec<ShipLine>,
}

/// A line of a shipment, with what the store counted in (`received` good, `damaged`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct ShipmentLine {
    pub sku: String,
    pub quantity: u32,
    pub received: u32,
    pub damaged: u32,
}

/// Goods on their way to a store (what its tablet shows as expected), or counted in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct Shipment {
    pub id: Uuid,
    pub order_id: Uuid,
    pub store_id: Uuid,
    pub lines: Vec<ShipmentLine>,
    pub shipped_at: i64,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct ShipmentList {
    pub shipments: Vec<Shipment>,
}

/// A dealer's credit as the ledger has it now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct CreditLine {
    pub dealer_id: Uuid,
    pub limit: i64,
    /// Invoiced and not yet paid.
    pub receivables: i64,
    /// Held by orders confirmed and not yet invoiced.
    pub reserved: i64,
    pub available: i64,
}

/// A payment against the dealer's receivables, booked by the order center.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct RecordPayment {
    /// The payer's reference (a bank transfer's number), kept with the movement; a retry with the
    /// same reference books once.
    pub reference: String,
    pub amount: i64,
    /// Where the money comes from: a bank transfer (booked by the order center), or the dealer's
    /// own prepayment or rebate balance (the dealer pays from it, or the order center for them).
    #[serde(default)]
    pub source: PaymentSource,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentSource {
    #[default]
    Bank,
    Prepayment,
    Rebate,
}

/// Money a dealer paid in ahead (预存款), booked by the order center once per reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct Prepayment {
    pub reference: String,
    pub amount: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FundsKind {
    /// A prepayment paid in.
    Deposit,
    /// A settled rebate credited.
    Rebate,
    /// Receivables paid from the prepayment balance.
    PaidFromPrepayment,
    /// Receivables paid from the rebate balance.
    PaidFromRebate,
}

/// A movement of a dealer's prepayment or rebate balance (append-only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct FundsMovement {
    pub at: i64,
    pub kind: FundsKind,
    /// Positive in, negative out.
    pub amount: i64,
    pub reference: String,
}

/// A dealer's prepayment (预存款) and rebate (返利) balances, with their latest movements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct DealerFunds {
    pub dealer_id: Uuid,
    pub prepayment: i64,
    pub rebate: i64,
    /// Newest first (at most 100).
    pub movements: Vec<FundsMovement>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct SetCreditLimit {
    pub limit: i64,
    pub reason: String,
}

/// The stores a dealer supplies and the business manager who looks after them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct DealerLinks {
    pub store_ids: Vec<Uuid>,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager_id: Option<Uuid>,
    /// The dealer's tier (`gold`, `silver`…), for the tier's price lists.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
}

/// A priced line for the dealer's cart: what the server would charge today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct DealerPrice {
    pub sku: String,
    pub name: String,
    pub price: i64,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor: Option<i64>,
    /// `dealer`, `tier`, `region` or `list`.
    pub source: String,
    pub min_quantity: u32,
    pub case_pack: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct DealerPriceList {
    pub prices: Vec<DealerPrice>,
}

/// What a dealer's desk opens on: their credit, their stores and their orders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct DealerDesk {
    pub dealer: crate::Dealer,
    pub credit: CreditLine,
    pub stores: Vec<crate::Store>,
}

/// Lines to price before ordering (a cart, pasted lines): each priced, or its problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct QuoteRequest {
    pub lines: Vec<OrderLineDraft>,
}

/// A line as the server would price it today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct QuoteLine {
    pub sku: String,
    pub name_zh: String,
    pub name_en: String,
    pub quantity: u32,
    pub unit_price: i64,
    pub list_price: i64,
    /// Shown to managers only.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor: Option<i64>,
    /// A special price asked below the dealer's price: the order would go to price review.
    pub special_price: bool,
    /// Shown to managers only.
    pub below_floor: bool,
    pub line_total: i64,
    /// `dealer`, `tier`, `region` or `list`.
    pub price_source: String,
    pub min_order: u32,
    pub case_pack: u32,
}

/// Why a line cannot be ordered: a stable key (`unknown_sku`, `below_minimum`,
/// `not_whole_cases`, `bad_price`, `sku_twice`, `no_price`) with what would do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct LineProblem {
    /// The line's place in the request.
    pub index: u32,
    pub sku: String,
    pub key: String,
    pub message: String,
    /// The nearest quantities that would do (whole cases, the minimum).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct Quote {
    pub lines: Vec<QuoteLine>,
    pub problems: Vec<LineProblem>,
    pub total: i64,
    pub credit: CreditLine,
    /// Whether an order of these lines would wait for a review (`price_review`, `credit_review`)
    /// or be confirmed at once (`confirmed`).
    pub goes_to: OrderStatus,
}

/// A business manager's desk: each of their dealers with their credit, and what waits for them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct BusinessDesk {
    pub dealers: Vec<DealerCredit>,
    /// Orders in price or credit review at their dealers, oldest first.
    pub waiting: Vec<OrderSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct DealerCredit {
    pub dealer: crate::Dealer,
    pub credit: CreditLine,
}

/// One price-list entry as people write it: a scope (`dealer` with the dealer's id, `tier`,
/// `region` with its name, or `list`), a SKU, the price and optionally the floor, valid from a day
/// to a day (inclusive; none: open-ended), days as `YYYY-MM-DD` in China time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct PriceListEntry {
    pub scope_kind: String,
    #[serde(default)]
    pub scope_key: String,
    pub sku: String,
    pub price: i64,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor: Option<i64>,
    pub valid_from: String,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
}

/// Entries set together: kept all, or none when one is wrong or overlaps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct PriceListUpload {
    pub entries: Vec<PriceListEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct PriceListResult {
    pub kept: u32,
}

/// The entries of a scope valid on a day (or today).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct PriceListPage {
    pub entries: Vec<PriceListEntry>,
}

/// A SKU's minimum order and case pack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct OrderRule {
    pub min_order: u32,
    pub case_pack: u32,
}

/// One movement of a dealer's statement, with the balances it left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct StatementLine {
    pub at: i64,
    /// `limit`, `reserve`, `release`, `invoice` or `payment`.
    pub kind: String,
    pub amount: i64,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<Uuid>,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub receivables: i64,
    pub reserved: i64,
    pub limit: i64,
}

/// A dealer's statement (对账单) for a span of days: the balances it opened and closed on and every
/// movement between.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct Statement {
    pub dealer: crate::Dealer,
    /// `YYYY-MM-DD`, inclusive.
    pub from: String,
    pub to: String,
    pub opening_receivables: i64,
    pub opening_reserved: i64,
    pub opening_limit: i64,
    pub lines: Vec<StatementLine>,
    pub closing_receivables: i64,
    pub closing_reserved: i64,
    pub closing_limit: i64,
    /// More movements than one statement shows: ask for a shorter span.
    pub truncated: bool,
}

/// A SKU at one of the dealer's stores: on hand, sold in the last weeks, weeks of cover.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct SupplyLine {
    pub sku: String,
    pub on_hand: i64,
    pub sold: i64,
    /// At the pace of the last weeks' sales; none when nothing sold.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weeks_of_cover: Option<f32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct SupplyStore {
    pub store: crate::Store,
    pub lines: Vec<SupplyLine>,
}

/// What a dealer's stores hold and sold over `weeks` weeks to yesterday (分销管理).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct SupplyReport {
    pub weeks: u32,
    pub stores: Vec<SupplyStore>,
}
