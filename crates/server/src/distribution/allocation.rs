//! Allocation of scarce goods (货源分配, the order center's) and the dealers' demand plans
//! (需求计划, their business managers'), which weigh a run by plan. The shares are decided by
//! `portal_distribution::allocation` in the storage's transaction (`db::engines::allocation`);
//! suggestions by `portal_distribution::demand`.
use std::collections::{BTreeMap, HashMap};

use portal_api::*;
use portal_distribution::demand::{self, month_text, parse_month, MonthNo, HISTORY_MONTHS, PLAN_MONTHS};
use uuid::Uuid;

use super::{
    days::{day_text, today},
    DistributionService, Standing,
};
use crate::{
    auth::Caller,
    common::{body_hash, now},
    db::{AllocationChange, AllocationProblem, PlannedQuantity},
    error::{AppError, AppResult},
};

/// The most units one run shares.
const MAX_AVAILABLE: u32 = 10_000_000;
/// The most tiers a run may rank.
const MAX_TIERS: usize = 20;
/// The days of sales that weigh a run by history.
const HISTORY_DAYS: i32 = 90;
/// The most SKUs a demand plan shows, and the most entries one update sets.
const MAX_PLAN_SKUS: usize = 200;
const MAX_PLAN_ENTRIES: usize = 500;
/// The most units planned for one SKU and month.
const MAX_PLANNED: u32 = 1_000_000;
/// The months of history shown beside a plan.
const SHOWN_HISTORY: i32 = 6;

fn sku_ok(sku: &str) -> bool {
    !sku.trim().is_empty() && sku.len() <= 64
}

/// The month holding today.
fn this_month() -> MonthNo {
    parse_month(&day_text(today())[..7]).unwrap_or_default()
}

impl DistributionService {
    fn order_center(caller: &Caller) -> AppResult<()> {
        if caller.user.role == Role::Admin {
            Ok(())
        } else {
            Err(AppError::forbidden())
        }
    }

    pub async fn allocation_demand(&self, caller: &Caller, sku: String) -> AppResult<AllocationDemand> {
        Self::order_center(caller)?;
        if !sku_ok(&sku) {
            return Err(AppError::field(ErrorCode::InvalidParameter, "sku", "Name a SKU (at most 64 characters)."));
        }
        Ok(self.allocations.allocation_demand(sku).await?)
    }

    /// Shares what the order center has of a SKU among the orders waiting for it.
    pub async fn allocate(&self, caller: &Caller, req: AllocationRequest) -> AppResult<AllocationReport> {
        Self::order_center(caller)?;
        if !sku_ok(&req.sku) {
            return Err(AppError::field(ErrorCode::InvalidParameter, "sku", "Name a SKU (at most 64 characters)."));
        }
        if req.available > MAX_AVAILABLE {
            return Err(AppError::field(
                ErrorCode::InvalidParameter,
                "available",
                format!("At most {MAX_AVAILABLE} units in one run."),
            ));
        }
        if req.priority_tiers.len() > MAX_TIERS || req.priority_tiers.iter().any(|t| t.is_empty() || t.len() > 32) {
            return Err(AppError::field(
                ErrorCode::InvalidParameter,
                "priority_tiers",
                format!("At most {MAX_TIERS} tiers, each named in 1 to 32 characters."),
            ));
        }
        let yesterday = today() - 1;
        let change = AllocationChange {
            body_hash: body_hash(&req),
            by: caller.user.id,
            at: now(),
            plan_month: this_month(),
            history_days: (day_text(yesterday - HISTORY_DAYS + 1), day_text(yesterday)),
            request: req,
        };
        match self.allocations.run_allocation(change).await? {
            Ok(report) => Ok(report),
            Err(AllocationProblem::IdTaken) => Err(AppError::new(
                ErrorCode::IdempotencyConflict,
                "This allocation id was already used for another run; send it with a new id.",
            )),
        }
    }

    /// A dealer's demand plan: the coming months per SKU, suggested from history and season.
    pub async fn demand_plan(&self, caller: &Caller, dealer: Uuid) -> AppResult<DemandPlan> {
        self.standing(caller, dealer).await?;
        self.plan_of(dealer).await
    }

    async fn plan_of(&self, dealer: Uuid) -> AppResult<DemandPlan> {
        let current = this_month();
        let first = current - HISTORY_MONTHS;
        let rows = self
            .allocations
            .monthly_sold(
                dealer,
                format!("{}-01", month_text(first)),
                day_text(today()),
                (MAX_PLAN_SKUS as u32) * (HISTORY_MONTHS as u32 + 1),
            )
            .await?;
        let mut sold: BTreeMap<String, HashMap<MonthNo, i64>> = BTreeMap::new();
        for row in rows {
            let Some(month) = parse_month(&row.month) else { continue };
            sold.entry(row.sku).or_default().insert(month, row.units);
        }
        let planned = self.allocations.demand_planned(dealer, current, current + PLAN_MONTHS - 1).await?;
        let mut plans: HashMap<(String, MonthNo), u32> = HashMap::new();
        for p in planned {
            sold.entry(p.sku.clone()).or_default();
            plans.insert((p.sku, p.month), p.quantity);
        }
        let book = self.catalog.price_book().await?;
        let history_months: Vec<MonthNo> = (current - SHOWN_HISTORY..current).collect();
        let months: Vec<MonthNo> = (current..current + PLAN_MONTHS).collect();
        let rows = sold
            .into_iter()
            .take(MAX_PLAN_SKUS)
            .map(|(sku, by_month)| {
                let units = |m: MonthNo| by_month.get(&m).copied().unwrap_or(0);
                let name = book
                    .model_of_sku
                    .get(&sku)
                    .and_then(|model| book.names.get(model))
                    .map(|(zh, _)| zh.clone())
                    .unwrap_or_default();
                let cells = months
                    .iter()
                    .map(|&m| {
                        let s = demand::suggest(units, current, m);
                        DemandCell {
                            month: month_text(m),
                            suggested: s.units,
                            recent_pace: s.recent_pace,
                            season_percent: s.season_percent,
                            planned: plans.get(&(sku.clone(), m)).copied(),
                        }
                    })
                    .collect();
                DemandPlanRow { history: history_months.iter().map(|&m| units(m)).collect(), sku, name, cells }
            })
            .collect();
        Ok(DemandPlan {
            dealer_id: dealer,
            history_months: history_months.into_iter().map(month_text).collect(),
            months: months.into_iter().map(month_text).collect(),
            rows,
        })
    }

    /// Sets planned quantities: the dealer's business manager or the order center.
    pub async fn set_demand_plan(&self, caller: &Caller, dealer: Uuid, req: DemandPlanUpdate) -> AppResult<DemandPlan> {
        if self.standing(caller, dealer).await? == Standing::OwnDealer {
            return Err(AppError::forbidden());
        }
        if req.entries.is_empty() || req.entries.len() > MAX_PLAN_ENTRIES {
            return Err(AppError::field(
                ErrorCode::InvalidParameter,
                "entries",
                format!("Send 1 to {MAX_PLAN_ENTRIES} planned quantities."),
            ));
        }
        let current = this_month();
        let book = self.catalog.price_book().await?;
        let mut entries = Vec::with_capacity(req.entries.len());
        for (i, e) in req.entries.into_iter().enumerate() {
            let field = format!("entries[{i}]");
            let month = parse_month(&e.month).filter(|&m| demand::plannable(current, m)).ok_or_else(|| {
                AppError::field(
                    ErrorCode::InvalidParameter,
                    &field,
                    format!("Plan this month or the next {} (YYYY-MM).", PLAN_MONTHS - 1),
                )
            })?;
            if !book.model_of_sku.contains_key(&e.sku) {
                return Err(AppError::field(ErrorCode::InvalidParameter, &field, format!("No SKU {:?}.", e.sku)));
            }
            if e.quantity > MAX_PLANNED {
                return Err(AppError::field(
                    ErrorCode::InvalidParameter,
                    &field,
                    format!("At most {MAX_PLANNED} units a month."),
                ));
            }
            if entries.iter().any(|p: &PlannedQuantity| p.sku == e.sku && p.month == month) {
                return Err(AppError::field(ErrorCode::InvalidParameter, &field, "A SKU and month planned twice."));
            }
            entries.push(PlannedQuantity { sku: e.sku, month, quantity: e.quantity });
        }
        self.allocations.put_demand_plan(dealer, entries, caller.user.id, now()).await?;
        self.plan_of(dealer).await
    }
}
