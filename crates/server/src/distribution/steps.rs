//! An order after it is placed: read in scope, moved through its reviews and shipments by the
//! lifecycle's rules (who may take each step is `portal_distribution::lifecycle`'s), and the
//! shipments a store's tablet expects.
use portal_api::*;
use portal_distribution::lifecycle::StepRefused;
use uuid::Uuid;

use super::{DistributionService, Standing};
use crate::{
    auth::Caller,
    common::now,
    db::{OrderPage, OrderStepChange, ShipChange, StepProblem},
    error::{AppError, AppResult},
};

const MAX_PAGE: u32 = 200;

/// A page mark: `placed_at.id`.
fn parse_after(after: Option<&str>) -> AppResult<Option<(i64, Uuid)>> {
    let Some(after) = after else { return Ok(None) };
    let bad = || AppError::field(ErrorCode::InvalidParameter, "after", "Pass the `next` of the page before.");
    let (at, id) = after.split_once('.').ok_or_else(bad)?;
    Ok(Some((at.parse().map_err(|_| bad())?, id.parse().map_err(|_| bad())?)))
}

fn parse_statuses(status: Option<&str>) -> AppResult<Vec<OrderStatus>> {
    status
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .take(10)
        .map(|s| {
            from_wire_name(s)
                .ok_or_else(|| AppError::field(ErrorCode::InvalidParameter, "status", format!("Unknown status {s:?}.")))
        })
        .collect()
}

fn refused(problem: StepProblem) -> AppError {
    match problem {
        StepProblem::NotFound => AppError::not_found("order"),
        StepProblem::Refused(StepRefused::NotYours) => AppError::forbidden(),
        StepProblem::Refused(StepRefused::NotNow) => AppError::new(
            ErrorCode::TransitionNotAllowed,
            "The order is no longer where this step can be taken (someone else may have taken one): reload it.",
        ),
        StepProblem::BadShipLine(sku) if sku.is_empty() => {
            AppError::field(ErrorCode::InvalidOrder, "lines", "Ship at least one line.")
        }
        StepProblem::BadShipLine(sku) => AppError::field(
            ErrorCode::InvalidOrder,
            "lines",
            format!("{sku}: not in this order, listed twice, or more than it still owes."),
        ),
        StepProblem::ShipmentIdTaken => {
            AppError::new(ErrorCode::IdempotencyConflict, "This shipment id was used for another shipment; ship with a new id.")
        }
        StepProblem::AboveAuthority { would_use, authority } => AppError::new(
            ErrorCode::Forbidden,
            format!(
                "Releasing it would let the dealer use {} of credit, beyond your authority of {}: the order center decides.",
                super::yuan(would_use),
                super::yuan(authority)
            ),
        ),
        StepProblem::Credit(problem) => {
            tracing::error!(%problem, "an order's credit cannot be moved");
            AppError::internal()
        }
    }
}

impl DistributionService {
    pub(super) async fn read(&self, id: Uuid) -> AppResult<Order> {
        self.orders.order(id).await?.ok_or_else(|| AppError::not_found("order"))
    }

    /// The order's dealer and the caller's standing towards it (not found outside it).
    async fn order_standing(&self, caller: &Caller, id: Uuid) -> AppResult<Standing> {
        let head = self.orders.order_head(id).await?.ok_or_else(|| AppError::not_found("order"))?;
        self.standing(caller, head.dealer_id).await.map_err(|_| AppError::not_found("order"))
    }

    pub async fn order(&self, caller: &Caller, id: Uuid) -> AppResult<Order> {
        let standing = self.order_standing(caller, id).await?;
        self.shown(standing, id).await
    }

    /// The order as the caller may see it: a dealer never sees the brand's floors.
    pub(super) async fn shown(&self, standing: Standing, id: Uuid) -> AppResult<Order> {
        let mut order = self.read(id).await?;
        if standing == Standing::OwnDealer {
            for line in &mut order.lines {
                line.floor = None;
                line.below_floor = false;
            }
        }
        Ok(order)
    }

    pub async fn dealer_orders(&self, caller: &Caller, dealer_id: Uuid, query: OrderListQuery) -> AppResult<OrderList> {
        self.standing(caller, dealer_id).await?;
        self.page(Some(vec![dealer_id]), query).await
    }

    /// Orders across the caller's dealers: a business manager's, or every dealer's for the center.
    pub async fn queue(&self, caller: &Caller, query: OrderListQuery) -> AppResult<OrderList> {
        let dealers = match caller.user.role {
            Role::Admin => None,
            Role::BusinessManager => Some(self.network.managed_dealers(caller.user.id).await?),
            Role::Distributor => Some(caller.user.dealer_id.into_iter().collect()),
            _ => return Err(AppError::forbidden()),
        };
        self.page(dealers, query).await
    }

    async fn page(&self, dealers: Option<Vec<Uuid>>, query: OrderListQuery) -> AppResult<OrderList> {
        let limit = query.limit.unwrap_or(50).clamp(1, MAX_PAGE);
        let page = OrderPage {
            dealers,
            statuses: parse_statuses(query.status.as_deref())?,
            before: parse_after(query.after.as_deref())?,
            limit,
            oldest_first: false,
        };
        let orders = self.orders.order_page(page).await?;
        let next = (orders.len() == limit as usize)
            .then(|| orders.last().map(|o| format!("{}.{}", o.placed_at, o.id)))
            .flatten();
        Ok(OrderList { orders, next })
    }

    /// A review, an allocation, an invoice or a cancellation, by whoever the lifecycle lets.
    pub async fn step(&self, caller: &Caller, id: Uuid, req: TakeOrderStep) -> AppResult<Order> {
        let standing = self.order_standing(caller, id).await?;
        let reason = req.reason.as_deref().map(str::trim).filter(|r| !r.is_empty()).map(str::to_owned);
        let needs_reason = matches!(
            req.action,
            OrderAction::RejectPrice | OrderAction::RejectCredit | OrderAction::Cancel | OrderAction::MarkReceived
        );
        if needs_reason && reason.is_none() {
            return Err(AppError::field(ErrorCode::ReasonRequired, "reason", "Say why; the dealer is told."));
        }
        if reason.as_ref().is_some_and(|r| r.chars().count() > 200) {
            return Err(AppError::field(ErrorCode::InvalidParameter, "reason", "A reason of at most 200 characters."));
        }
        // A business manager releases credit up to their authority; the order center without bound.
        let authority = (standing == Standing::ManagesDealer).then_some(super::MANAGER_CREDIT_AUTHORITY);
        let change = OrderStepChange {
            order: id,
            action: req.action,
            actor: standing.actor(),
            by: caller.user.id,
            reason,
            authority,
            at: now(),
        };
        self.orders.step_order(change).await?.map_err(refused)?;
        self.shown(standing, id).await
    }

    /// Ships lines of an allocated order to its store (the order center).
    pub async fn ship(&self, caller: &Caller, id: Uuid, req: ShipOrder) -> AppResult<Order> {
        if self.order_standing(caller, id).await? != Standing::OrderCenter {
            return Err(AppError::forbidden());
        }
        if req.lines.len() > 2_000 {
            return Err(AppError::field(ErrorCode::InvalidOrder, "lines", "At most 2,000 lines."));
        }
        let change =
            ShipChange { order: id, shipment_id: req.shipment_id, lines: req.lines, by: caller.user.id, at: now() };
        self.orders.ship_order(change).await?.map_err(refused)?;
        self.shown(Standing::OrderCenter, id).await
    }

    /// What is on its way to a store (its promoters and managers): SKUs and quantities, no prices.
    pub async fn expected(&self, caller: &Caller, store_id: Uuid) -> AppResult<ShipmentList> {
        self.org.check_store_scope(caller, store_id).await?;
        Ok(ShipmentList { shipments: self.orders.expected_shipments(store_id).await? })
    }
}
