//! Allocation of scarce goods (货源配额/分配) and the demand plans that feed it (需求计划), on
//! the wire. The order center shares what it has of one SKU among the confirmed orders that want
//! it, by rule, in one transaction; each order keeps what it was given and why.
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// What each dealer's share is weighed by, within one priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AllocationBasis {
    /// The dealer's demand plan for the SKU this month (按计划).
    Plan,
    /// What the dealer's stores sold of the SKU over the last 90 days (按历史).
    History,
    /// What each order asks for (按订量).
    Ordered,
}

/// Why an order got what it got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AllocationReason {
    /// All it wanted.
    Full,
    /// Its share of `shared` units among the orders of its priority.
    Share { shared: u64 },
    /// Orders of a higher priority took what there was.
    NothingLeft,
}

/// The order center shares `available` units of `sku` among the orders waiting for it. Dealers
/// whose tier comes first in `priority_tiers` are served first. A retry of the same id and body
/// answers the run already made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct AllocationRequest {
    pub id: Uuid,
    pub sku: String,
    pub available: u32,
    pub basis: AllocationBasis,
    #[serde(default)]
    pub priority_tiers: Vec<String>,
}

/// What one order was given in a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct AllocationGrant {
    pub order_id: Uuid,
    pub dealer_id: Uuid,
    pub wanted: u32,
    pub granted: u32,
    pub short: u32,
    /// The short units were cancelled (the dealer chose so), not back-ordered.
    pub short_cancelled: bool,
    /// Higher is served first (from the dealer's tier).
    pub priority: u8,
    /// The dealer's weight by the run's basis (plan units, units sold, or units wanted).
    pub weight: u64,
    pub reason: AllocationReason,
}

/// A run, as made: the first grants (largest wants first) and the totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct AllocationReport {
    pub id: Uuid,
    pub sku: String,
    pub available: u32,
    pub basis: AllocationBasis,
    pub orders: u32,
    pub wanted: u64,
    pub granted: u64,
    pub by: Uuid,
    pub at: i64,
    /// At most `MAX_GRANTS_SHOWN` of them; each order shows its own in full.
    pub grants: Vec<AllocationGrant>,
}

/// What waits for a SKU: the orders that want it and how many units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct AllocationDemand {
    pub sku: String,
    pub orders: u32,
    pub wanted: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS, IntoParams)]
pub struct AllocationDemandQuery {
    pub sku: String,
}

/// How a line of an order was allocated: what may ship of it and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct LineAllocation {
    /// Units given to the line so far (shipped ones included); no more of it ships.
    pub allocated: u32,
    pub basis: AllocationBasis,
    pub reason: AllocationReason,
    pub at: i64,
}

/// A dealer's demand plan (需求计划) for the coming months: per SKU what their stores sold in the
/// last months, the suggestion from history and season, and what was planned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct DemandPlan {
    pub dealer_id: Uuid,
    /// `YYYY-MM`, oldest first.
    pub history_months: Vec<String>,
    /// `YYYY-MM`: this month and the next ones.
    pub months: Vec<String>,
    pub rows: Vec<DemandPlanRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct DemandPlanRow {
    pub sku: String,
    pub name: String,
    /// Units sold by the dealer's stores in each of `history_months`.
    pub history: Vec<i64>,
    /// One per `months`.
    pub cells: Vec<DemandCell>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct DemandCell {
    pub month: String,
    pub suggested: u32,
    /// The recent pace the suggestion starts from (units a month).
    pub recent_pace: u32,
    /// The season's factor applied, in percent (100: none known).
    pub season_percent: u32,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct DemandPlanEntry {
    pub sku: String,
    /// `YYYY-MM`, this month or one of the next ones.
    pub month: String,
    pub quantity: u32,
}

/// Planned quantities set by the dealer's business manager (or the order center).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct DemandPlanUpdate {
    pub entries: Vec<DemandPlanEntry>,
}

/// A monthly figure and how the last full month compares with the three before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct TrendLine {
    /// One per `DealerTrends::months`, oldest first.
    pub values: Vec<i64>,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_percent: Option<i32>,
}

/// A dealer's trends for their business manager: orders placed (fen), units their stores sold,
/// rebates settled (fen) per month, their credit and stock as they stand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct DealerTrends {
    pub dealer_id: Uuid,
    /// `YYYY-MM`, oldest first; the last is the current month, so far.
    pub months: Vec<String>,
    pub ordered: TrendLine,
    pub sell_through: TrendLine,
    pub rebates: TrendLine,
    pub credit: crate::CreditLine,
    /// Units on hand at the stores the dealer supplies.
    pub stock_on_hand: i64,
}
