//! Rebates (返利) on the wire: rules the order center sets (by volume or target, tiered, per month,
//! quarter or year, paid as credit or as goods), what a dealer stands to earn in the current
//! period and why, and what was settled. Money in fen.
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RebateBasis {
    /// What the dealer's stores sold of what the dealer delivered (the default: stuffing earns nothing).
    SoldOnward,
    /// What the dealer bought.
    SellIn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RebatePeriod {
    Month,
    Quarter,
    Year,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RebatePaidAs {
    Credit,
    Goods,
}

/// From `from` fen of basis, `basis_points` (1/100 %) of the whole basis is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct RebateTier {
    pub from: i64,
    pub basis_points: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct NewRebateRule {
    pub name: String,
    pub basis: RebateBasis,
    pub period: RebatePeriod,
    pub tiers: Vec<RebateTier>,
    pub paid_as: RebatePaidAs,
    /// One dealer's rule; none: every dealer's.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dealer_id: Option<Uuid>,
    /// `YYYY-MM-DD`: what happens from this day counts.
    pub starts_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct RebateRuleView {
    pub id: Uuid,
    pub name: String,
    pub basis: RebateBasis,
    pub period: RebatePeriod,
    pub tiers: Vec<RebateTier>,
    pub paid_as: RebatePaidAs,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dealer_id: Option<Uuid>,
    pub starts_on: String,
}

/// A rule's period for a dealer: the figures so far, the tier reached and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct RebateStanding {
    pub rule: RebateRuleView,
    /// `2026-11`, `2026-Q4` or `2026`.
    pub period: String,
    /// Bought (delivered to the dealer's stores) since the rule started, at the dealer's prices.
    pub sell_in: i64,
    /// Sold by the dealer's stores of what the dealer delivered, at the dealer's prices.
    pub sell_through: i64,
    /// What this period's rebate is computed on (less what earlier periods were paid on).
    pub basis: i64,
    /// The tier reached (0 = the first), if any.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<u32>,
    pub amount: i64,
    /// More basis needed to reach the next tier.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_next_tier: Option<i64>,
}

/// A rebate settled for a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct RebateCredit {
    pub rule_id: Uuid,
    pub rule_name: String,
    pub period: String,
    pub sell_in: i64,
    pub sell_through: i64,
    pub basis: i64,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<u32>,
    pub amount: i64,
    pub paid_as: RebatePaidAs,
    pub settled_at: i64,
}

/// What a dealer earned, what is pending, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct DealerRebates {
    /// The current periods, not yet settled.
    pub pending: Vec<RebateStanding>,
    /// Newest first.
    pub settled: Vec<RebateCredit>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct RebateRuleList {
    pub rules: Vec<RebateRuleView>,
}

/// Settles every rule of a kind of period for every dealer, for the period holding `day`
/// (`YYYY-MM-DD`); settling a period again books nothing twice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct SettleRebates {
    pub period: RebatePeriod,
    pub day: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct SettleReport {
    pub dealers: u32,
    pub credits: u32,
    pub amount: i64,
}
