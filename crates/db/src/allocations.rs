//! Allocation runs (货源分配) and demand plans (需求计划) in storage. A run is decided once, in
//! `engines::allocation`, over the rows a backend supplies; the backends read, write and lock.
use async_trait::async_trait;
use portal_api::{AllocationDemand, AllocationReport, AllocationRequest};
use uuid::Uuid;

use crate::*;

/// An allocation run to make, with what it reads its weights from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllocationChange {
    pub request: AllocationRequest,
    pub by: Uuid,
    /// The request as the server read it: a retry must send the same.
    pub body_hash: String,
    pub at: i64,
    /// The month whose demand plans weigh a `Plan` run (`demand::MonthNo`).
    pub plan_month: i32,
    /// The stores' days whose sales weigh a `History` run (`YYYY-MM-DD`, inclusive).
    pub history_days: (String, String),
}

/// Why a run was not made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllocationProblem {
    /// The id belongs to another account's run or another body.
    IdTaken,
}

/// A planned quantity as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedQuantity {
    pub sku: String,
    pub month: i32,
    pub quantity: u32,
}

/// Units a dealer's stores sold of a SKU in a month (`YYYY-MM`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthlySold {
    pub month: String,
    pub sku: String,
    pub units: i64,
}

#[async_trait]
pub trait Allocations: Send + Sync {
    /// Shares the units among the orders waiting for the SKU, in one transaction; a retry (same
    /// account, id and body) answers the run as made.
    async fn run_allocation(&self, change: AllocationChange) -> DbResult<Result<AllocationReport, AllocationProblem>>;
    /// The orders that may be allocated the SKU and the units they want.
    async fn allocation_demand(&self, sku: String) -> DbResult<AllocationDemand>;
    /// Keeps planned quantities (replacing what was planned for the same SKU and month).
    async fn put_demand_plan(&self, dealer_id: Uuid, entries: Vec<PlannedQuantity>, by: Uuid, at: i64) -> DbResult<()>;
    /// What was planned for the months `from..=to`.
    async fn demand_planned(&self, dealer_id: Uuid, from: i32, to: i32) -> DbResult<Vec<PlannedQuantity>>;
    /// What the dealer's stores sold per month and SKU on the days `first..=last`, by SKU and
    /// month (at most `limit` rows).
    async fn monthly_sold(
        &self,
        dealer_id: Uuid,
        first: String,
        last: String,
        limit: u32,
    ) -> DbResult<Vec<MonthlySold>>;
}
