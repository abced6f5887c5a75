//! An allocation run (货源分配), decided once over the rows a backend supplies. Runs of one SKU
//! wait for each other; the dealers' credit lines are locked before their orders (in id order, as
//! every other path takes one credit line before its order), the orders' lines are read again
//! under the locks, the units are shared by `portal_distribution::allocation`, and every line,
//! order, credit movement, step and notice is written in the same transaction. A short part is
//! back-ordered, or cancelled with its credit released when the dealer chose so.
use std::collections::HashMap;

use portal_api::{AllocationBasis, AllocationGrant, AllocationReport, LineAllocation, OrderStatus, Shortfall};
use portal_distribution::{
    allocation::{self, Claim, Grant},
    credit::CreditPosition,
    lifecycle::{self, Actor, Step},
    line_total,
    notices::{notice, order_no, Notice},
};
use uuid::Uuid;

use super::orders::{plan_movements, CreditMovement, OrderRows};
use crate::{AllocationChange, AllocationProblem, DbError, DbResult};

/// The most orders one run shares among (the oldest first); the rest wait for the next run.
pub const MAX_CLAIMS: u32 = 10_000;
/// The grants a report carries (the largest wants first); each order shows its own.
pub const MAX_GRANTS_SHOWN: usize = 500;

/// A line of the SKU in an order that may be allocated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenLine {
    pub order: Uuid,
    pub dealer: Uuid,
    pub status: OrderStatus,
    pub shortfall: Shortfall,
    pub credit_held: i64,
    pub placed_at: i64,
    pub line: u32,
    pub quantity: u32,
    pub unit_price: i64,
    pub shipped: u32,
    pub cancelled: u32,
    pub allocated: Option<u32>,
}

impl OpenLine {
    fn wanted(&self) -> u32 {
        allocation::wanted(self.quantity, self.shipped, self.cancelled, self.allocated)
    }
}

/// A line's allocation after the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineRation {
    pub order: Uuid,
    pub line: u32,
    pub allocation: LineAllocation,
    pub cancel_now: u32,
}

/// An order's status and held credit after the run, and the step that tells its dealer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderMove {
    pub order: Uuid,
    pub dealer: Uuid,
    pub status: OrderStatus,
    pub credit_held: i64,
    pub reason: String,
    pub notice: Notice,
}

/// A run already made under an id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptRun {
    pub body_hash: String,
    pub report: AllocationReport,
}

/// The rows a run reads and writes, inside one transaction of a backend.
pub trait AllocationRows: OrderRows {
    /// Makes runs holding the same key (a SKU, a run id) wait for each other until the
    /// transaction ends.
    fn lock_sku(&mut self, key: &str) -> DbResult<()>;
    fn kept_run(&mut self, id: Uuid) -> DbResult<Option<KeptRun>>;
    /// Lines of the SKU in confirmed, allocated or partly shipped orders that still want units,
    /// the oldest orders first (read without locks).
    fn open_lines(&mut self, sku: &str, limit: u32) -> DbResult<Vec<OpenLine>>;
    /// Locks the dealers' credit lines in id order (making missing ones at zero) and reads them.
    fn lock_credits(&mut self, dealers: &[Uuid], at: i64) -> DbResult<Vec<(Uuid, CreditPosition)>>;
    /// Locks the orders in id order and reads their lines of the SKU again.
    fn lock_open_lines(&mut self, orders: &[Uuid], sku: &str) -> DbResult<Vec<OpenLine>>;
    fn dealer_tiers(&mut self, dealers: &[Uuid]) -> DbResult<Vec<(Uuid, String)>>;
    /// The dealers' planned units of the SKU for a month.
    fn planned_units(&mut self, dealers: &[Uuid], sku: &str, month: i32) -> DbResult<Vec<(Uuid, u64)>>;
    /// Units of the SKU the dealers' stores sold on the days `first..=last`.
    fn sold_units(&mut self, dealers: &[Uuid], sku: &str, first: &str, last: &str) -> DbResult<Vec<(Uuid, u64)>>;
    /// Keeps each line's allocation and cancels its `cancel_now` units.
    fn ration_lines(&mut self, rations: &[LineRation]) -> DbResult<()>;
    /// Sets each order's status and held credit, and appends its step (`allocate`, by `by`)
    /// telling the dealer's distributors.
    fn move_orders(&mut self, moves: &[OrderMove], by: Uuid, at: i64) -> DbResult<()>;
    fn insert_run(&mut self, report: &AllocationReport, body_hash: &str, grants: &[AllocationGrant]) -> DbResult<()>;
}

/// Makes the run, or answers the one made under its id.
pub fn run(
    rows: &mut impl AllocationRows,
    change: &AllocationChange,
) -> DbResult<Result<AllocationReport, AllocationProblem>> {
    let request = &change.request;
    // Runs under one id wait for each other too (whatever SKU each names), then runs of one SKU.
    rows.lock_sku(&format!("run:{}", request.id))?;
    rows.lock_sku(&request.sku)?;
    if let Some(kept) = rows.kept_run(request.id)? {
        return Ok(if kept.report.by == change.by && kept.body_hash == change.body_hash {
            Ok(kept.report)
        } else {
            Err(AllocationProblem::IdTaken)
        });
    }
    let seen = rows.open_lines(&request.sku, MAX_CLAIMS)?;
    let dealers = sorted(seen.iter().map(|l| l.dealer));
    let mut credit: HashMap<Uuid, CreditPosition> = rows.lock_credits(&dealers, change.at)?.into_iter().collect();
    let orders = sorted(seen.iter().map(|l| l.order));
    let mut lines: Vec<OpenLine> = rows
        .lock_open_lines(&orders, &request.sku)?
        .into_iter()
        .filter(|l| l.wanted() > 0 && credit.contains_key(&l.dealer))
        .collect();
    lines.sort_by_key(|l| (l.placed_at, l.order));

    let weights: HashMap<Uuid, u64> = match request.basis {
        AllocationBasis::Plan => rows.planned_units(&dealers, &request.sku, change.plan_month)?,
        AllocationBasis::History => {
            let (first, last) = &change.history_days;
            rows.sold_units(&dealers, &request.sku, first, last)?
        }
        AllocationBasis::Ordered => Vec::new(),
    }
    .into_iter()
    .collect();
    let tiers: HashMap<Uuid, String> = rows.dealer_tiers(&dealers)?.into_iter().collect();
    let claims: Vec<Claim> = lines
        .iter()
        .map(|l| Claim {
            order: l.order,
            wanted: l.wanted(),
            priority: allocation::priority_of(tiers.get(&l.dealer).map(String::as_str), &request.priority_tiers),
            weight: weights.get(&l.dealer).copied().unwrap_or(0),
            placed_at: l.placed_at,
        })
        .collect();
    let grants = allocation::allocate(u64::from(request.available), &claims);

    let mut rations = Vec::with_capacity(lines.len());
    let mut moves = Vec::with_capacity(lines.len());
    let mut shown = Vec::with_capacity(lines.len());
    for ((line, claim), grant) in lines.iter().zip(&claims).zip(&grants) {
        let after = allocation::after_grant(line.shipped, line.allocated, grant, line.shortfall);
        let mut held = line.credit_held;
        let mut status = line.status;
        if after.cancel_now > 0 {
            let value = line_total(line.unit_price, after.cancel_now).map_err(|_| overflow(line.order))?;
            let owes_more = other_lines_owe(rows, line)?;
            let rest_cancelled = !owes_more && after.allocated <= line.shipped;
            let released = if rest_cancelled { held } else { value.min(held) };
            let position = credit[&line.dealer];
            let movement = CreditMovement {
                kind: "release",
                amount: released,
                order: Some(line.order),
                by: change.by,
                reason: Some("short at allocation, cancelled as the dealer chose"),
                at: change.at,
            };
            let planned = plan_movements(position, vec![movement]).map_err(|_| overflow(line.order))?;
            for (balance, movement) in &planned {
                rows.write_credit(line.dealer, *balance, movement)?;
                credit.insert(line.dealer, *balance);
            }
            held -= released;
            if rest_cancelled {
                status = OrderStatus::Cancelled;
            }
        }
        if status == OrderStatus::Confirmed {
            status = lifecycle::next(status, Step::Allocate, Actor::OrderCenter, true).unwrap_or(status);
        }
        let reason = format!("{} {}/{}", request.sku, grant.granted, claim.wanted);
        let told = notice(&order_no(line.order), status, Some(&reason));
        rations.push(LineRation {
            order: line.order,
            line: line.line,
            allocation: LineAllocation {
                allocated: after.allocated,
                basis: request.basis,
                reason: grant.why,
                at: change.at,
            },
            cancel_now: after.cancel_now,
        });
        moves.push(OrderMove {
            order: line.order,
            dealer: line.dealer,
            status,
            credit_held: held,
            reason,
            notice: told,
        });
        shown.push(shown_grant(line, claim, grant, after.cancel_now > 0));
    }
    rows.ration_lines(&rations)?;
    rows.move_orders(&moves, change.by, change.at)?;
    let report = AllocationReport {
        id: request.id,
        sku: request.sku.clone(),
        available: request.available,
        basis: request.basis,
        orders: u32::try_from(shown.len()).unwrap_or(u32::MAX),
        wanted: claims.iter().map(|c| u64::from(c.wanted)).sum(),
        granted: grants.iter().map(|g| u64::from(g.granted)).sum(),
        by: change.by,
        at: change.at,
        grants: Vec::new(),
    };
    rows.insert_run(&report, &change.body_hash, &shown)?;
    shown.sort_by(|a, b| b.wanted.cmp(&a.wanted).then(a.order_id.cmp(&b.order_id)));
    shown.truncate(MAX_GRANTS_SHOWN);
    Ok(Ok(AllocationReport { grants: shown, ..report }))
}

/// A sum that cannot happen for an order that was placed (its total fitted): kept as an error.
fn overflow(order: Uuid) -> DbError {
    DbError::Database(format!("order {order}: an amount does not fit"))
}

fn sorted(ids: impl Iterator<Item = Uuid>) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Whether the order's other lines still owe units.
fn other_lines_owe(rows: &mut impl AllocationRows, line: &OpenLine) -> DbResult<bool> {
    Ok(rows
        .lines(line.order)?
        .iter()
        .any(|l| l.line != line.line && l.quantity > l.shipped.saturating_add(l.cancelled)))
}

fn shown_grant(line: &OpenLine, claim: &Claim, grant: &Grant, short_cancelled: bool) -> AllocationGrant {
    AllocationGrant {
        order_id: line.order,
        dealer_id: line.dealer,
        wanted: claim.wanted,
        granted: grant.granted,
        short: grant.short,
        short_cancelled,
        priority: claim.priority,
        weight: claim.weight,
        reason: grant.why,
    }
}
