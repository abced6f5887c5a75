//! Rebates' storage: the rules, what each dealer delivered and their stores sold (from the orders'
//! shipments counted in and the point-of-sale ledger), and the rebates settled, one per dealer,
//! rule and period. What a dealer earns is decided by `portal_distribution::rebates`.
use async_trait::async_trait;
use portal_api::RebateRuleView;
use portal_distribution::rebates::SkuFlow;
use uuid::Uuid;

use crate::*;

/// A rebate settled for a dealer, rule and period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RebateCreditRow {
    pub dealer_id: Uuid,
    pub rule_id: Uuid,
    pub period: String,
    pub sell_in: i64,
    pub sell_through: i64,
    pub basis: i64,
    pub tier: Option<u32>,
    pub amount: i64,
    pub settled_at: i64,
}

/// Where a dealer's flows are counted: deliveries counted in at `[from_at, until_at)`, sales on
/// the days `first_day..=last_day` (`YYYY-MM-DD`, the stores' days).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowSpan {
    pub from_at: i64,
    pub until_at: i64,
    pub first_day: String,
    pub last_day: String,
}

#[async_trait]
pub trait Rebates: Send + Sync {
    /// Keeps a rule; false when its name is taken.
    async fn put_rebate_rule(&self, rule: RebateRuleView, by: Uuid, at: i64) -> DbResult<bool>;
    /// The rules, oldest first (at most `limit`).
    async fn rebate_rules(&self, limit: u32) -> DbResult<Vec<RebateRuleView>>;
    /// Per SKU the dealer delivered in the span: units and value delivered, units their stores sold.
    async fn dealer_flows(&self, dealer_id: Uuid, span: FlowSpan) -> DbResult<Vec<SkuFlow>>;
    /// The basis the rule already paid the dealer on, in periods other than `except`.
    async fn credited_basis(&self, dealer_id: Uuid, rule_id: Uuid, except: String) -> DbResult<i64>;
    /// Books a settled rebate once per dealer, rule and period; whether it was booked now.
    async fn settle_rebate(&self, credit: RebateCreditRow) -> DbResult<bool>;
    /// A dealer's settled rebates, newest first (at most `limit`).
    async fn rebate_credits(&self, dealer_id: Uuid, limit: u32) -> DbResult<Vec<RebateCreditRow>>;
    /// Dealers that supply a store, after `after` by id (a page of at most `limit`).
    async fn supplying_dealers(&self, after: Option<Uuid>, limit: u32) -> DbResult<Vec<Uuid>>;
}
