//! Orders and credit, decided once over the rows a backend supplies: the dealer's credit line is
//! locked first and the order after it (every path takes them in that order, so two never wait in
//! a circle), the position read there is the one decided on, and each change of credit is a
//! movement written with the balance it leaves.
use portal_api::{OrderAction, OrderStatus, Shortfall};
use portal_distribution::{
    credit::{self, CreditDecision, CreditPosition, CreditProblem, LimitProblem},
    lifecycle::{self, holds_credit, Actor, Step},
    line_total, sum, Overflow,
};
use uuid::Uuid;

use portal_distribution::notices::{notice, order_no, Notice};

use crate::{
    CreditLimitChange, DbResult, NewOrder, OrderHead, OrderStepChange, PlaceRefused, Placed, ShipChange, StepProblem,
};

/// A change of a dealer's credit, as the ledger keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditMovement<'a> {
    /// `limit` (the line set to `amount`), `reserve`, `release`, `invoice` or `payment`.
    pub kind: &'static str,
    pub amount: i64,
    pub order: Option<Uuid>,
    pub by: Uuid,
    pub reason: Option<&'a str>,
    pub at: i64,
}

/// An order line as shipping sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineState {
    pub line: u32,
    pub sku: String,
    pub quantity: u32,
    pub unit_price: i64,
    pub shipped: u32,
    pub received: u32,
    pub cancelled: u32,
}

impl LineState {
    fn owed(&self) -> u32 {
        self.quantity.saturating_sub(self.shipped + self.cancelled)
    }
}

/// The rows orders read and write, inside one transaction of a backend.
pub trait OrderRows {
    /// Locks the dealer's credit line until the transaction ends (making it, at zero, if the
    /// dealer has none) and reads it.
    fn lock_credit(&mut self, dealer: Uuid, at: i64) -> DbResult<CreditPosition>;
    /// Keeps the balance a movement leaves, and the movement.
    fn write_credit(&mut self, dealer: Uuid, after: CreditPosition, movement: &CreditMovement<'_>) -> DbResult<()>;
    /// The order, locked until the transaction ends when `lock`.
    fn order_head(&mut self, id: Uuid, lock: bool) -> DbResult<Option<OrderHead>>;
    fn insert_order(&mut self, order: &NewOrder, status: OrderStatus, total: i64, credit_held: i64) -> DbResult<()>;
    fn set_order(&mut self, id: Uuid, status: OrderStatus, credit_held: i64, at: i64) -> DbResult<()>;
    /// Appends a step to the order's history; its place in it.
    fn add_step(
        &mut self,
        id: Uuid,
        status: OrderStatus,
        action: &str,
        by: Uuid,
        reason: Option<&str>,
        at: i64,
    ) -> DbResult<i64>;
    /// Puts a service message in the inbox of each of the dealer's distributors, once per
    /// `fact_key`.
    fn tell_dealer(&mut self, dealer: Uuid, fact_key: &str, notice: &Notice, at: i64) -> DbResult<()>;
    fn lines(&mut self, id: Uuid) -> DbResult<Vec<LineState>>;
    /// The order a shipment id was used for.
    fn shipment_order(&mut self, shipment: Uuid) -> DbResult<Option<Uuid>>;
    fn insert_shipment(&mut self, change: &ShipChange, store: Uuid) -> DbResult<()>;
    /// Adds to a line's shipped and cancelled units.
    fn add_to_line(&mut self, id: Uuid, line: u32, shipped: u32, cancelled: u32) -> DbResult<()>;
}

fn checked(position: CreditPosition, reserved: i64, receivables: i64) -> Result<CreditPosition, CreditProblem> {
    let after = CreditPosition {
        limit: position.limit,
        reserved: position.reserved.checked_add(reserved).ok_or(Overflow)?,
        receivables: position.receivables.checked_add(receivables).ok_or(Overflow)?,
    };
    if after.reserved < 0 || after.receivables < 0 {
        return Err(CreditProblem::Negative);
    }
    Ok(after)
}

/// Moves credit and writes the movement; `position` becomes the balance it leaves.
fn move_credit(
    rows: &mut impl OrderRows,
    dealer: Uuid,
    position: &mut CreditPosition,
    movement: CreditMovement<'_>,
) -> DbResult<Result<(), CreditProblem>> {
    let after = match movement.kind {
        "reserve" => checked(*position, movement.amount, 0),
        "release" => checked(*position, movement.amount.checked_neg().unwrap_or(i64::MIN), 0),
        "invoice" => checked(*position, 0, movement.amount),
        "payment" => checked(*position, 0, movement.amount.checked_neg().unwrap_or(i64::MIN)),
        _ => Ok(CreditPosition { limit: movement.amount, ..*position }),
    };
    let after = match after {
        Ok(after) => after,
        Err(problem) => return Ok(Err(problem)),
    };
    if movement.amount != 0 || movement.kind == "limit" {
        rows.write_credit(dealer, after, &movement)?;
    }
    *position = after;
    Ok(Ok(()))
}

/// Places an order: a retry of the same request answers what was placed; otherwise it goes to
/// price review, credit review, or is confirmed with its credit reserved, all in this transaction.
pub fn place(rows: &mut impl OrderRows, order: &NewOrder) -> DbResult<Result<Placed, PlaceRefused>> {
    let totals: Result<Vec<i64>, Overflow> = order.lines.iter().map(|l| line_total(l.unit_price, l.quantity)).collect();
    let Ok(total) = totals.and_then(sum) else {
        return Ok(Err(PlaceRefused::Credit(CreditProblem::Overflow(Overflow))));
    };
    let mut position = rows.lock_credit(order.dealer_id, order.at)?;
    if let Some(head) = rows.order_head(order.id, true)? {
        return Ok(if head.placed_by == order.placed_by && head.body_hash == order.body_hash {
            Ok(Placed::Again(head))
        } else {
            Err(PlaceRefused::IdTaken)
        });
    }
    let below_floor = order.lines.iter().any(|l| l.below_floor);
    let fits = if below_floor {
        true
    } else {
        match credit::decide(position, total) {
            Ok(decision) => matches!(decision, CreditDecision::Reserve { .. }),
            Err(problem) => return Ok(Err(PlaceRefused::Credit(problem))),
        }
    };
    let status = lifecycle::on_submit(below_floor, fits);
    let held = if holds_credit(status) { total } else { 0 };
    rows.insert_order(order, status, total, held)?;
    record_step(rows, order.dealer_id, order.id, status, "submitted", order.placed_by, None, order.at)?;
    let reserve = CreditMovement {
        kind: "reserve",
        amount: held,
        order: Some(order.id),
        by: order.placed_by,
        reason: None,
        at: order.at,
    };
    if let Err(problem) = move_credit(rows, order.dealer_id, &mut position, reserve)? {
        return Ok(Err(PlaceRefused::Credit(problem)));
    }
    Ok(Ok(Placed::New(OrderHead {
        id: order.id,
        dealer_id: order.dealer_id,
        ship_to: order.ship_to,
        status,
        shortfall: order.shortfall,
        total,
        credit_held: held,
        placed_by: order.placed_by,
        body_hash: order.body_hash.clone(),
    })))
}

/// Appends a step to an order's history and tells the dealer's distributors.
#[allow(clippy::too_many_arguments)]
pub fn record_step(
    rows: &mut impl OrderRows,
    dealer: Uuid,
    order: Uuid,
    status: OrderStatus,
    action: &str,
    by: Uuid,
    reason: Option<&str>,
    at: i64,
) -> DbResult<()> {
    let seq = rows.add_step(order, status, action, by, reason, at)?;
    let told = notice(&order_no(order), status, reason);
    rows.tell_dealer(dealer, &format!("order:{order}:{seq}"), &told, at)
}

fn step_of(action: OrderAction) -> Step {
    match action {
        OrderAction::ApprovePrice => Step::ApprovePrice,
        OrderAction::RejectPrice => Step::RejectPrice,
        OrderAction::ReleaseCredit => Step::ReleaseCredit,
        OrderAction::RejectCredit => Step::RejectCredit,
        OrderAction::Allocate => Step::Allocate,
        OrderAction::Invoice => Step::Invoice,
        OrderAction::Cancel => Step::Cancel,
    }
}

/// Reads the order's dealer, then locks the dealer's credit and the order, in that order.
fn lock(rows: &mut impl OrderRows, order: Uuid, at: i64) -> DbResult<Option<(CreditPosition, OrderHead)>> {
    let Some(seen) = rows.order_head(order, false)? else { return Ok(None) };
    let position = rows.lock_credit(seen.dealer_id, at)?;
    Ok(rows.order_head(order, true)?.map(|head| (position, head)))
}

/// Takes a step: the lifecycle decides whether the actor may, and the order's credit follows
/// its status (reserved on confirmation, released when rejected, cancelled or invoiced, the
/// invoice then owed).
pub fn step(rows: &mut impl OrderRows, change: &OrderStepChange) -> DbResult<Result<OrderHead, StepProblem>> {
    let Some((mut position, head)) = lock(rows, change.order, change.at)? else {
        return Ok(Err(StepProblem::NotFound));
    };
    let fits = match credit::decide(position, head.total) {
        Ok(decision) => matches!(decision, CreditDecision::Reserve { .. }),
        Err(problem) => return Ok(Err(StepProblem::Credit(problem))),
    };
    let to = match lifecycle::next(head.status, step_of(change.action), change.actor, fits) {
        Ok(to) => to,
        Err(refused) => return Ok(Err(StepProblem::Refused(refused))),
    };
    let mut held = head.credit_held;
    let movement = |kind, amount| CreditMovement {
        kind,
        amount,
        order: Some(head.id),
        by: change.by,
        reason: change.reason.as_deref(),
        at: change.at,
    };
    let mut movements = Vec::new();
    if !holds_credit(head.status) && holds_credit(to) {
        movements.push(movement("reserve", head.total));
        held = head.total;
    } else if holds_credit(head.status) && !holds_credit(to) {
        movements.push(movement("release", held));
        if to == OrderStatus::Invoiced {
            let lines = rows.lines(head.id)?;
            let owed: Result<Vec<i64>, Overflow> = lines.iter().map(|l| line_total(l.unit_price, l.received)).collect();
            match owed.and_then(sum) {
                Ok(owed) => movements.push(movement("invoice", owed)),
                Err(o) => return Ok(Err(StepProblem::Credit(o.into()))),
            }
        }
        held = 0;
    }
    for m in movements {
        if let Err(problem) = move_credit(rows, head.dealer_id, &mut position, m)? {
            return Ok(Err(StepProblem::Credit(problem)));
        }
    }
    let action = portal_api::wire_name(&change.action);
    rows.set_order(head.id, to, held, change.at)?;
    record_step(rows, head.dealer_id, head.id, to, &action, change.by, change.reason.as_deref(), change.at)?;
    Ok(Ok(OrderHead { status: to, credit_held: held, ..head }))
}

/// Ships lines of an order to its store. What is still owed after it is back-ordered, or
/// cancelled (its credit released) when the dealer chose so.
pub fn ship(rows: &mut impl OrderRows, change: &ShipChange) -> DbResult<Result<OrderHead, StepProblem>> {
    let Some((mut position, head)) = lock(rows, change.order, change.at)? else {
        return Ok(Err(StepProblem::NotFound));
    };
    match rows.shipment_order(change.shipment_id)? {
        Some(order) if order == head.id => return Ok(Ok(head)),
        Some(_) => return Ok(Err(StepProblem::ShipmentIdTaken)),
        None => {}
    }
    let lines = rows.lines(head.id)?;
    let mut now: Vec<(u32, u32)> = Vec::new();
    for ship in &change.lines {
        let Some(line) = lines.iter().find(|l| l.sku == ship.sku) else {
            return Ok(Err(StepProblem::BadShipLine(ship.sku.clone())));
        };
        if ship.quantity == 0 || ship.quantity > line.owed() || now.iter().any(|(n, _)| *n == line.line) {
            return Ok(Err(StepProblem::BadShipLine(ship.sku.clone())));
        }
        now.push((line.line, ship.quantity));
    }
    if now.is_empty() {
        return Ok(Err(StepProblem::BadShipLine(String::new())));
    }
    let shipped_now = |line: &LineState| now.iter().find(|(n, _)| *n == line.line).map_or(0, |(_, q)| *q);
    let remaining: u32 = lines.iter().map(|l| l.owed() - shipped_now(l)).sum();
    let step = Step::Ship { remaining, shortfall: head.shortfall };
    let to = match lifecycle::next(head.status, step, Actor::OrderCenter, true) {
        Ok(to) => to,
        Err(refused) => return Ok(Err(StepProblem::Refused(refused))),
    };
    let cancel_rest = remaining > 0 && head.shortfall == Shortfall::CancelTheRest;
    let mut released = 0i64;
    for line in &lines {
        let shipped = shipped_now(line);
        let cancelled = if cancel_rest { line.owed() - shipped } else { 0 };
        if shipped > 0 || cancelled > 0 {
            rows.add_to_line(head.id, line.line, shipped, cancelled)?;
        }
        match line_total(line.unit_price, cancelled).ok().and_then(|v| released.checked_add(v)) {
            Some(total) => released = total,
            None => return Ok(Err(StepProblem::Credit(Overflow.into()))),
        }
    }
    let released = released.min(head.credit_held);
    let release = CreditMovement {
        kind: "release",
        amount: released,
        order: Some(head.id),
        by: change.by,
        reason: Some("the rest cancelled at shipping"),
        at: change.at,
    };
    if let Err(problem) = move_credit(rows, head.dealer_id, &mut position, release)? {
        return Ok(Err(StepProblem::Credit(problem)));
    }
    rows.insert_shipment(change, head.ship_to)?;
    let held = head.credit_held - released;
    rows.set_order(head.id, to, held, change.at)?;
    record_step(rows, head.dealer_id, head.id, to, "ship", change.by, None, change.at)?;
    Ok(Ok(OrderHead { status: to, credit_held: held, ..head }))
}

/// Sets a dealer's credit line, never below what receivables and reservations already use.
pub fn set_limit(
    rows: &mut impl OrderRows,
    change: &CreditLimitChange,
) -> DbResult<Result<CreditPosition, LimitProblem>> {
    let mut position = rows.lock_credit(change.dealer_id, change.at)?;
    if let Err(problem) = credit::check_new_limit(position, change.limit) {
        return Ok(Err(problem));
    }
    let movement = CreditMovement {
        kind: "limit",
        amount: change.limit,
        order: None,
        by: change.by,
        reason: Some(&change.reason),
        at: change.at,
    };
    // A limit movement cannot fail: it sets, it does not add.
    let _ = move_credit(rows, change.dealer_id, &mut position, movement)?;
    Ok(Ok(position))
}
