//! Dealers' orders to the brand: placed with their credit reserved in the same transaction, moved
//! through their reviews and shipments by the rules of `portal_distribution::lifecycle`, and the
//! dealer's credit line (a balance of append-only movements). The decisions are made once, in
//! `engines::orders`; the backends supply rows and locks.
use async_trait::async_trait;
use portal_api::{
    CreditLine, FundsKind, FundsMovement, Order, OrderStatus, OrderSummary, PaymentSource, ShipLine, Shipment,
    Shortfall,
};
use portal_distribution::{
    credit::{CreditPosition, CreditProblem, LimitProblem},
    lifecycle::{Actor, StepRefused},
    prices::PackRule,
};
use uuid::Uuid;

use crate::*;

/// A line as the server priced it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedLine {
    pub sku: String,
    pub quantity: u32,
    pub unit_price: i64,
    pub list_price: i64,
    pub floor: Option<i64>,
    /// Asked below the dealer's price: the order goes to price review.
    pub special_price: bool,
    pub below_floor: bool,
}

/// An order to place, priced by the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    pub id: Uuid,
    pub dealer_id: Uuid,
    pub ship_to: Uuid,
    pub shortfall: Shortfall,
    pub note: Option<String>,
    pub lines: Vec<PricedLine>,
    pub placed_by: Uuid,
    /// The request as the server read it: a retry must send the same.
    pub body_hash: String,
    pub at: i64,
}

/// What an order is for its steps: read (and locked) in the step's transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderHead {
    pub id: Uuid,
    pub dealer_id: Uuid,
    pub ship_to: Uuid,
    pub status: OrderStatus,
    pub shortfall: Shortfall,
    pub total: i64,
    pub credit_held: i64,
    pub placed_by: Uuid,
    pub body_hash: String,
}

/// How a placement went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placed {
    /// Placed now, in this status.
    New(OrderHead),
    /// Placed before by the same account with the same body (a retry).
    Again(OrderHead),
}

/// Why an order was not placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaceRefused {
    /// The id belongs to another account's order or to another body.
    IdTaken,
    /// A sum does not fit, or a figure is negative.
    Credit(CreditProblem),
    /// The dealer has `engines::orders::MAX_WAITING` orders waiting for a review already.
    TooManyWaiting,
}

/// A step on an order by an actor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderStepChange {
    pub order: Uuid,
    pub action: portal_api::OrderAction,
    pub actor: Actor,
    pub by: Uuid,
    pub reason: Option<String>,
    /// The most credit the actor may let the dealer use by a release (a business manager's
    /// authority); `None`: no bound (the order center).
    pub authority: Option<i64>,
    pub at: i64,
}

/// A shipment of an order by the order center.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipChange {
    pub order: Uuid,
    pub shipment_id: Uuid,
    pub lines: Vec<ShipLine>,
    pub by: Uuid,
    pub at: i64,
}

/// Why a step or a shipment was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepProblem {
    NotFound,
    Refused(StepRefused),
    Credit(CreditProblem),
    /// A shipment line the order does not have, or more than it still owes (the SKU named).
    BadShipLine(String),
    /// A shipment id used for another order, or for other lines.
    ShipmentIdTaken,
    /// A release that would let the dealer use more credit than the actor's authority.
    AboveAuthority {
        would_use: i64,
        authority: i64,
    },
}

/// A payment against a dealer's receivables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentChange {
    pub dealer_id: Uuid,
    pub amount: i64,
    /// The payer's reference: a payment is booked once per dealer and reference.
    pub reference: String,
    pub source: PaymentSource,
    pub by: Uuid,
    pub at: i64,
}

/// A dealer's prepayment and rebate balances.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FundsPosition {
    pub prepayment: i64,
    pub rebate: i64,
}

/// A prepayment paid in, booked once per dealer and reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepositChange {
    pub dealer_id: Uuid,
    pub amount: i64,
    pub reference: String,
    pub by: Uuid,
    pub at: i64,
}

/// A change of a dealer's prepayment or rebate balance, as the ledger keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundsMove<'a> {
    pub kind: FundsKind,
    /// Positive in, negative out.
    pub amount: i64,
    pub reference: &'a str,
    pub by: Uuid,
    pub at: i64,
}

/// Why a payment was not booked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentProblem {
    /// Zero or less.
    NotPositive,
    /// More than the receivables (prepayments are their own ledger).
    MoreThanOwed { owed: i64 },
    /// More than the prepayment or rebate balance it is paid from.
    MoreThanBalance { balance: i64 },
    /// The reference was booked already for another amount.
    ReferenceTaken,
}

/// A movement of a dealer's credit as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditMovementRow {
    pub at: i64,
    pub kind: String,
    pub amount: i64,
    pub order_id: Option<Uuid>,
    pub reason: Option<String>,
}

/// A credit line set by someone, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditLimitChange {
    pub dealer_id: Uuid,
    pub limit: i64,
    pub by: Uuid,
    pub reason: String,
    pub at: i64,
}

/// A page of a dealer's orders, newest first, after a (placed_at, id) mark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderPage {
    pub dealers: Option<Vec<Uuid>>,
    pub statuses: Vec<OrderStatus>,
    pub before: Option<(i64, Uuid)>,
    pub limit: u32,
    /// Oldest first (a review queue), from the start; otherwise newest first after `before`.
    pub oldest_first: bool,
}

pub fn position_line(dealer_id: Uuid, p: CreditPosition) -> CreditLine {
    CreditLine {
        dealer_id,
        limit: p.limit,
        receivables: p.receivables,
        reserved: p.reserved,
        available: p.available().unwrap_or(0),
    }
}

#[async_trait]
pub trait Orders: Send + Sync {
    /// Places an order: its credit reserved in the same transaction when it fits the line
    /// (orders of one dealer wait for each other), else it waits for a review.
    async fn place_order(&self, order: NewOrder) -> DbResult<Result<Placed, PlaceRefused>>;
    /// Takes a step, under the dealer's credit lock and the order's.
    async fn step_order(&self, change: OrderStepChange) -> DbResult<Result<OrderHead, StepProblem>>;
    /// Ships part or all of an order to its store; a retry with the same shipment id ships once.
    async fn ship_order(&self, change: ShipChange) -> DbResult<Result<OrderHead, StepProblem>>;
    async fn order_head(&self, id: Uuid) -> DbResult<Option<OrderHead>>;
    /// The whole order: lines, steps (with who took them) and shipments.
    async fn order(&self, id: Uuid) -> DbResult<Option<Order>>;
    async fn order_page(&self, page: OrderPage) -> DbResult<Vec<OrderSummary>>;
    async fn credit_position(&self, dealer_id: Uuid) -> DbResult<CreditPosition>;
    /// The dealer's credit as it stood just before `at` (from the movements; a line never set is 0).
    async fn credit_before(&self, dealer_id: Uuid, at: i64) -> DbResult<CreditPosition>;
    /// The dealer's credit movements from `from` until before `until`, oldest first, at most `limit`.
    async fn credit_movements(
        &self,
        dealer_id: Uuid,
        from: i64,
        until: i64,
        limit: u32,
    ) -> DbResult<Vec<CreditMovementRow>>;
    /// Books a payment against the receivables (once per dealer and reference).
    async fn record_payment(&self, payment: PaymentChange) -> DbResult<Result<CreditPosition, PaymentProblem>>;
    /// Books a prepayment paid in (once per dealer and reference).
    async fn deposit_prepayment(&self, deposit: DepositChange) -> DbResult<Result<FundsPosition, PaymentProblem>>;
    /// A dealer's balances and their latest movements, newest first (at most `limit`).
    async fn dealer_funds(&self, dealer_id: Uuid, limit: u32) -> DbResult<(FundsPosition, Vec<FundsMovement>)>;
    /// Sets a credit line, never below what is in use.
    async fn set_credit_limit(&self, change: CreditLimitChange) -> DbResult<Result<CreditPosition, LimitProblem>>;
    /// Shipments to a store not yet counted in, oldest first.
    async fn expected_shipments(&self, store_id: Uuid) -> DbResult<Vec<Shipment>>;
    async fn shipment(&self, id: Uuid) -> DbResult<Option<Shipment>>;
    /// The dealer's orders placed since `since` that were not refused or cancelled: (placed_at,
    /// total), at most `limit`.
    async fn order_totals_since(&self, dealer_id: Uuid, since: i64, limit: u32) -> DbResult<Vec<(i64, i64)>>;
    /// The minimum order and case pack of each SKU that has one.
    async fn order_rules(&self, skus: Vec<String>) -> DbResult<Vec<(String, PackRule)>>;
    async fn put_order_rule(&self, sku: String, rule: PackRule) -> DbResult<()>;
}

/// Which dealer supplies which store, and who manages each dealer.
#[async_trait]
pub trait DealerNetwork: Send + Sync {
    /// Replaces the stores a dealer supplies and its business manager.
    async fn set_dealer_links(&self, dealer_id: Uuid, links: portal_api::DealerLinks, at: i64) -> DbResult<()>;
    async fn dealer_links(&self, dealer_id: Uuid) -> DbResult<portal_api::DealerLinks>;
    /// The dealers a business manager looks after.
    async fn managed_dealers(&self, manager_id: Uuid) -> DbResult<Vec<Uuid>>;
    async fn supplied_stores(&self, dealer_id: Uuid) -> DbResult<Vec<portal_api::Store>>;
}
