//! Orders and credit, decided once over the rows a backend supplies: the dealer's credit line is
//! locked first and the order after it (every path takes them in that order, so two never wait in
//! a circle), the position read there is the one decided on, and each change of credit is a
//! movement written with the balance it leaves. Every check is made before the first write, so a
//! refusal leaves nothing behind whatever the backend does with the transaction.
use portal_api::{OrderAction, OrderStatus, ShipLine, Shortfall};
use portal_distribution::{
    credit::{self, CreditDecision, CreditPosition, CreditProblem, LimitProblem},
    lifecycle::{self, holds_credit, Actor, Step},
    line_total,
    notices::{notice, order_no, Notice},
    sum, Overflow,
};
use uuid::Uuid;

use crate::{
    CreditLimitChange, DbResult, DepositChange, FundsMove, FundsPosition, NewOrder, OrderHead, OrderStepChange,
    PaymentChange, PaymentProblem, PlaceRefused, Placed, ShipChange, StepProblem,
};
use portal_api::{FundsKind, PaymentSource};

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
    /// Units an allocation of scarce stock gave the line; none: not rationed.
    pub allocated: Option<u32>,
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
    /// The dealer's orders waiting in price or credit review.
    fn waiting_orders(&mut self, dealer: Uuid) -> DbResult<u32>;
    /// The amount of the payment booked for the dealer under this reference, if any.
    fn payment_booked(&mut self, dealer: Uuid, reference: &str) -> DbResult<Option<i64>>;
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
    /// The order a shipment id was used for, and the hash of its lines.
    fn shipment_of(&mut self, shipment: Uuid) -> DbResult<Option<(Uuid, String)>>;
    /// Shipments of the order not yet counted in.
    fn uncounted_shipments(&mut self, order: Uuid) -> DbResult<u32>;
    fn insert_shipment(&mut self, change: &ShipChange, store: Uuid, lines_hash: &str) -> DbResult<()>;
    /// Locks the dealer's prepayment and rebate balances (making them, at zero, if the dealer has
    /// none) and reads them. Always after the dealer's credit line when both are locked.
    fn lock_funds(&mut self, dealer: Uuid, at: i64) -> DbResult<FundsPosition>;
    /// Keeps the balances a movement leaves, and the movement.
    fn write_funds(&mut self, dealer: Uuid, after: FundsPosition, movement: &FundsMove<'_>) -> DbResult<()>;
    /// The amount of the prepayment booked for the dealer under this reference, if any.
    fn deposit_booked(&mut self, dealer: Uuid, reference: &str) -> DbResult<Option<i64>>;
    /// Adds to a line's shipped and cancelled units.
    fn add_to_line(&mut self, id: Uuid, line: u32, shipped: u32, cancelled: u32) -> DbResult<()>;
}

/// The most orders of one dealer that may wait for a review at once: a dealer cannot bury their
/// business manager's queue.
pub const MAX_WAITING: u32 = 50;

/// The balance a movement leaves, or why it cannot be made.
fn after(position: CreditPosition, kind: &str, amount: i64) -> Result<CreditPosition, CreditProblem> {
    if amount < 0 {
        return Err(CreditProblem::Negative);
    }
    let (reserved, receivables) = match kind {
        "reserve" => (position.reserved.checked_add(amount), Some(position.receivables)),
        "release" => (position.reserved.checked_sub(amount), Some(position.receivables)),
        "invoice" => (Some(position.reserved), position.receivables.checked_add(amount)),
        "payment" => (Some(position.reserved), position.receivables.checked_sub(amount)),
        _ => return Ok(CreditPosition { limit: amount, ..position }),
    };
    let (Some(reserved), Some(receivables)) = (reserved, receivables) else { return Err(Overflow.into()) };
    if reserved < 0 || receivables < 0 {
        return Err(CreditProblem::Negative);
    }
    Ok(CreditPosition { limit: position.limit, reserved, receivables })
}

/// Movements planned in order from a position: every balance they leave, checked before any is written.
pub fn plan_movements<'a>(
    position: CreditPosition,
    movements: Vec<CreditMovement<'a>>,
) -> Result<Vec<(CreditPosition, CreditMovement<'a>)>, CreditProblem> {
    let mut at = position;
    let mut planned = Vec::with_capacity(movements.len());
    for m in movements {
        at = after(at, m.kind, m.amount)?;
        if m.amount != 0 || m.kind == "limit" {
            planned.push((at, m));
        }
    }
    Ok(planned)
}

fn write_plan(
    rows: &mut impl OrderRows,
    dealer: Uuid,
    planned: &[(CreditPosition, CreditMovement<'_>)],
) -> DbResult<()> {
    for (balance, movement) in planned {
        rows.write_credit(dealer, *balance, movement)?;
    }
    Ok(())
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

/// Places an order: a retry of the same request answers what was placed; otherwise it goes to
/// price review, credit review, or is confirmed with its credit reserved, all in this transaction.
pub fn place(rows: &mut impl OrderRows, order: &NewOrder) -> DbResult<Result<Placed, PlaceRefused>> {
    let totals: Result<Vec<i64>, Overflow> = order.lines.iter().map(|l| line_total(l.unit_price, l.quantity)).collect();
    let Ok(total) = totals.and_then(sum) else { return Ok(Err(PlaceRefused::Credit(Overflow.into()))) };
    let position = rows.lock_credit(order.dealer_id, order.at)?;
    if let Some(head) = rows.order_head(order.id, true)? {
        return Ok(if head.placed_by == order.placed_by && head.body_hash == order.body_hash {
            Ok(Placed::Again(head))
        } else {
            Err(PlaceRefused::IdTaken)
        });
    }
    let reviewed = order.lines.iter().any(|l| l.special_price);
    if rows.waiting_orders(order.dealer_id)? >= MAX_WAITING {
        return Ok(Err(PlaceRefused::TooManyWaiting));
    }
    let fits = match credit::decide(position, total) {
        Ok(decision) => matches!(decision, CreditDecision::Reserve { .. }),
        Err(problem) => return Ok(Err(PlaceRefused::Credit(problem))),
    };
    let status = lifecycle::on_submit(reviewed, fits);
    let held = if holds_credit(status) { total } else { 0 };
    let reserve = CreditMovement {
        kind: "reserve",
        amount: held,
        order: Some(order.id),
        by: order.placed_by,
        reason: None,
        at: order.at,
    };
    let planned = match plan_movements(position, vec![reserve]) {
        Ok(planned) => planned,
        Err(problem) => return Ok(Err(PlaceRefused::Credit(problem))),
    };
    rows.insert_order(order, status, total, held)?;
    record_step(rows, order.dealer_id, order.id, status, "submitted", order.placed_by, None, order.at)?;
    write_plan(rows, order.dealer_id, &planned)?;
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

/// Reads the order's dealer, then locks the dealer's credit and the order, in that order.
fn lock(rows: &mut impl OrderRows, order: Uuid, at: i64) -> DbResult<Option<(CreditPosition, OrderHead)>> {
    let Some(seen) = rows.order_head(order, false)? else { return Ok(None) };
    let position = rows.lock_credit(seen.dealer_id, at)?;
    Ok(rows.order_head(order, true)?.map(|head| (position, head)))
}

/// The value of units, checked.
fn value(lines: &[LineState], units: impl Fn(&LineState) -> u32) -> Result<i64, Overflow> {
    let values: Result<Vec<i64>, Overflow> = lines.iter().map(|l| line_total(l.unit_price, units(l))).collect();
    sum(values?)
}

/// Takes a step: the lifecycle decides whether the actor may, and the order's credit follows
/// its status (reserved on confirmation, released when rejected, cancelled or invoiced, the
/// invoice then owed; what a closed back-order no longer owes released).
pub fn step(rows: &mut impl OrderRows, change: &OrderStepChange) -> DbResult<Result<OrderHead, StepProblem>> {
    let Some((position, head)) = lock(rows, change.order, change.at)? else { return Ok(Err(StepProblem::NotFound)) };
    let lines = rows.lines(head.id)?;
    let step = match change.action {
        OrderAction::ApprovePrice => Step::ApprovePrice,
        OrderAction::RejectPrice => Step::RejectPrice,
        OrderAction::ReleaseCredit => Step::ReleaseCredit,
        OrderAction::RejectCredit => Step::RejectCredit,
        OrderAction::Allocate => Step::Allocate,
        OrderAction::Invoice => Step::Invoice,
        OrderAction::Cancel => Step::Cancel,
        OrderAction::MarkReceived => Step::MarkReceived,
        OrderAction::CloseRest => Step::CloseRest { all_counted: rows.uncounted_shipments(head.id)? == 0 },
    };
    // Whether the order fits the line matters only where a price review ends.
    let fits = change.action != OrderAction::ApprovePrice
        || match credit::decide(position, head.total) {
            Ok(decision) => matches!(decision, CreditDecision::Reserve { .. }),
            Err(problem) => return Ok(Err(StepProblem::Credit(problem))),
        };
    let to = match lifecycle::next(head.status, step, change.actor, fits) {
        Ok(to) => to,
        Err(refused) => return Ok(Err(StepProblem::Refused(refused))),
    };
    let movement = |kind, amount| CreditMovement {
        kind,
        amount,
        order: Some(head.id),
        by: change.by,
        reason: change.reason.as_deref(),
        at: change.at,
    };
    let mut held = head.credit_held;
    let mut movements = Vec::new();
    let mut cancel_owed = false;
    if change.action == OrderAction::CloseRest {
        let Ok(owed) = value(&lines, LineState::owed) else { return Ok(Err(StepProblem::Credit(Overflow.into()))) };
        let released = owed.min(held);
        movements.push(movement("release", released));
        held -= released;
        cancel_owed = true;
    }
    if !holds_credit(head.status) && holds_credit(to) {
        if let (Some(authority), OrderAction::ReleaseCredit) = (change.authority, change.action) {
            let would_use = position.used().ok().and_then(|u| u.checked_add(head.total)).unwrap_or(i64::MAX);
            let bound = authority.max(position.limit);
            if would_use > bound {
                return Ok(Err(StepProblem::AboveAuthority { would_use, authority: bound }));
            }
        }
        movements.push(movement("reserve", head.total));
        held = head.total;
    } else if holds_credit(head.status) && !holds_credit(to) {
        movements.push(movement("release", held));
        if to == OrderStatus::Invoiced {
            match value(&lines, |l| l.received) {
                Ok(owed) => movements.push(movement("invoice", owed)),
                Err(o) => return Ok(Err(StepProblem::Credit(o.into()))),
            }
        }
        held = 0;
    }
    let planned = match plan_movements(position, movements) {
        Ok(planned) => planned,
        Err(problem) => return Ok(Err(StepProblem::Credit(problem))),
    };
    if cancel_owed {
        for line in lines.iter().filter(|l| l.owed() > 0) {
            rows.add_to_line(head.id, line.line, 0, line.owed())?;
        }
    }
    write_plan(rows, head.dealer_id, &planned)?;
    let action = portal_api::wire_name(&change.action);
    rows.set_order(head.id, to, held, change.at)?;
    record_step(rows, head.dealer_id, head.id, to, &action, change.by, change.reason.as_deref(), change.at)?;
    Ok(Ok(OrderHead { status: to, credit_held: held, ..head }))
}

/// A shipment's lines as one string, to bind its id to them.
pub fn lines_hash(lines: &[ShipLine]) -> String {
    let mut parts: Vec<String> = lines.iter().map(|l| format!("{}\u{1f}{}", l.sku, l.quantity)).collect();
    parts.sort();
    crate::body_hash(&parts)
}

/// Ships lines of an order to its store. What is still owed after it is back-ordered, or
/// cancelled (its credit released) when the dealer chose so. A retry of the same shipment (its
/// id and lines) ships once; the id with other lines is refused.
pub fn ship(rows: &mut impl OrderRows, change: &ShipChange) -> DbResult<Result<OrderHead, StepProblem>> {
    let Some((position, head)) = lock(rows, change.order, change.at)? else { return Ok(Err(StepProblem::NotFound)) };
    let hash = lines_hash(&change.lines);
    match rows.shipment_of(change.shipment_id)? {
        Some((order, kept)) if order == head.id && kept == hash => return Ok(Ok(head)),
        Some(_) => return Ok(Err(StepProblem::ShipmentIdTaken)),
        None => {}
    }
    let lines = rows.lines(head.id)?;
    let mut now: Vec<(u32, u32)> = Vec::new();
    for ship in &change.lines {
        let Some(line) = lines.iter().find(|l| l.sku == ship.sku) else {
            return Ok(Err(StepProblem::BadShipLine(ship.sku.clone())));
        };
        let shippable =
            portal_distribution::allocation::shippable(line.quantity, line.shipped, line.cancelled, line.allocated);
        if ship.quantity == 0 || ship.quantity > shippable || now.iter().any(|(n, _)| *n == line.line) {
            return Ok(Err(StepProblem::BadShipLine(ship.sku.clone())));
        }
        now.push((line.line, ship.quantity));
    }
    if now.is_empty() {
        return Ok(Err(StepProblem::BadShipLine(String::new())));
    }
    let shipped_now = |line: &LineState| now.iter().find(|(n, _)| *n == line.line).map_or(0, |(_, q)| *q);
    let remaining: u32 = lines.iter().map(|l| l.owed() - shipped_now(l)).sum();
    let to = match lifecycle::next(
        head.status,
        Step::Ship { remaining, shortfall: head.shortfall },
        Actor::OrderCenter,
        true,
    ) {
        Ok(to) => to,
        Err(refused) => return Ok(Err(StepProblem::Refused(refused))),
    };
    let cancel_rest = remaining > 0 && head.shortfall == Shortfall::CancelTheRest;
    let cancelled = |line: &LineState| if cancel_rest { line.owed() - shipped_now(line) } else { 0 };
    let Ok(released) = value(&lines, cancelled) else { return Ok(Err(StepProblem::Credit(Overflow.into()))) };
    let released = released.min(head.credit_held);
    let release = CreditMovement {
        kind: "release",
        amount: released,
        order: Some(head.id),
        by: change.by,
        reason: Some("the rest cancelled at shipping"),
        at: change.at,
    };
    let planned = match plan_movements(position, vec![release]) {
        Ok(planned) => planned,
        Err(problem) => return Ok(Err(StepProblem::Credit(problem))),
    };
    for line in &lines {
        let (shipped, cancelled) = (shipped_now(line), cancelled(line));
        if shipped > 0 || cancelled > 0 {
            rows.add_to_line(head.id, line.line, shipped, cancelled)?;
        }
    }
    write_plan(rows, head.dealer_id, &planned)?;
    rows.insert_shipment(change, head.ship_to, &hash)?;
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
    let position = rows.lock_credit(change.dealer_id, change.at)?;
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
    let Ok(planned) = plan_movements(position, vec![movement]) else { return Ok(Err(LimitProblem::Negative)) };
    write_plan(rows, change.dealer_id, &planned)?;
    Ok(Ok(planned.last().map_or(position, |(p, _)| *p)))
}

/// Books a payment against the dealer's receivables, once per reference; paid from the dealer's
/// prepayment or rebate balance, that balance is debited in the same transaction (the credit line
/// locked first, then the balances).
pub fn pay(rows: &mut impl OrderRows, payment: &PaymentChange) -> DbResult<Result<CreditPosition, PaymentProblem>> {
    if payment.amount <= 0 {
        return Ok(Err(PaymentProblem::NotPositive));
    }
    let position = rows.lock_credit(payment.dealer_id, payment.at)?;
    // A retry is answered; the reference with another amount is refused.
    match rows.payment_booked(payment.dealer_id, &payment.reference)? {
        Some(amount) if amount == payment.amount => return Ok(Ok(position)),
        Some(_) => return Ok(Err(PaymentProblem::ReferenceTaken)),
        None => {}
    }
    if payment.amount > position.receivables {
        return Ok(Err(PaymentProblem::MoreThanOwed { owed: position.receivables }));
    }
    let debit = match payment.source {
        PaymentSource::Bank => None,
        PaymentSource::Prepayment | PaymentSource::Rebate => {
            let funds = rows.lock_funds(payment.dealer_id, payment.at)?;
            let (balance, kind) = match payment.source {
                PaymentSource::Rebate => (funds.rebate, FundsKind::PaidFromRebate),
                _ => (funds.prepayment, FundsKind::PaidFromPrepayment),
            };
            if payment.amount > balance {
                return Ok(Err(PaymentProblem::MoreThanBalance { balance }));
            }
            let after = match kind {
                FundsKind::PaidFromRebate => FundsPosition { rebate: balance - payment.amount, ..funds },
                _ => FundsPosition { prepayment: balance - payment.amount, ..funds },
            };
            Some((after, kind))
        }
    };
    let movement = CreditMovement {
        kind: "payment",
        amount: payment.amount,
        order: None,
        by: payment.by,
        reason: Some(&payment.reference),
        at: payment.at,
    };
    let Ok(planned) = plan_movements(position, vec![movement]) else {
        return Ok(Err(PaymentProblem::MoreThanOwed { owed: position.receivables }));
    };
    write_plan(rows, payment.dealer_id, &planned)?;
    if let Some((after, kind)) = debit {
        let moved =
            FundsMove { kind, amount: -payment.amount, reference: &payment.reference, by: payment.by, at: payment.at };
        rows.write_funds(payment.dealer_id, after, &moved)?;
    }
    Ok(Ok(planned.last().map_or(position, |(p, _)| *p)))
}

/// Books a prepayment paid in, once per reference.
pub fn deposit(rows: &mut impl OrderRows, deposit: &DepositChange) -> DbResult<Result<FundsPosition, PaymentProblem>> {
    if deposit.amount <= 0 {
        return Ok(Err(PaymentProblem::NotPositive));
    }
    let funds = rows.lock_funds(deposit.dealer_id, deposit.at)?;
    match rows.deposit_booked(deposit.dealer_id, &deposit.reference)? {
        Some(amount) if amount == deposit.amount => return Ok(Ok(funds)),
        Some(_) => return Ok(Err(PaymentProblem::ReferenceTaken)),
        None => {}
    }
    let Some(prepayment) = funds.prepayment.checked_add(deposit.amount) else {
        return Ok(Err(PaymentProblem::NotPositive));
    };
    let after = FundsPosition { prepayment, ..funds };
    let moved = FundsMove {
        kind: FundsKind::Deposit,
        amount: deposit.amount,
        reference: &deposit.reference,
        by: deposit.by,
        at: deposit.at,
    };
    rows.write_funds(deposit.dealer_id, after, &moved)?;
    Ok(Ok(after))
}

/// Credits a settled rebate to the dealer's rebate balance (in the settlement's transaction, so
/// it is credited exactly when the settlement is booked).
pub fn credit_rebate(rows: &mut impl OrderRows, dealer: Uuid, amount: i64, reference: &str, at: i64) -> DbResult<()> {
    if amount <= 0 {
        return Ok(());
    }
    let funds = rows.lock_funds(dealer, at)?;
    let rebate = funds
        .rebate
        .checked_add(amount)
        .ok_or_else(|| crate::DbError::Database(format!("the rebate balance of {dealer} does not fit")))?;
    let moved = FundsMove { kind: FundsKind::Rebate, amount, reference, by: Uuid::nil(), at };
    rows.write_funds(dealer, FundsPosition { rebate, ..funds }, &moved)
}
