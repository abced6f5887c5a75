//! The store-operations engine, the same for every database: each operation applied exactly once,
//! its effects and the record of its id and outcome together in `store_op_log`, so a retry
//! changes nothing and gets the same answer. The rules come from portal-store-ops (the same the
//! app applies offline); a backend only reads and writes, through [`Ledger`].
use std::collections::{BTreeMap, HashMap};

use portal_api::*;
use portal_store_ops::{
    checkout, ledger as stock, pricing,
    refusal::Refusal,
    sample, shape,
    shift::{self, ShiftFacts},
    transfer::{self, Receive, TransferFacts},
};
use uuid::Uuid;

mod goods_in;

use super::{
    ledger::{
        Ledger, LedgerError, LogEntry, NewCounterOffer, NewMovement, NewReturn, NewSale, NewSaleLine, Recorded,
        SaleRecord, ShiftRow, Takings,
    },
    DbError, DbResult,
};

/// Who made an operation, and what the server knows about its customer, prices and limits.
#[derive(Debug, Clone)]
pub struct OpContext {
    pub actor: Uuid,
    /// The sale's customer, when it names a valid phone. Their account is found, or created when
    /// they agreed, inside the operation's transaction, after the duplicate check.
    pub customer: Option<CounterCustomer>,
    /// The actor's discount limit, percent of an amount.
    pub discount_limit_percent: u32,
    /// The catalog's price of each sale line, in order (none for a SKU the catalog lacks).
    pub prices: Vec<Option<portal_store_ops::pricing::CatalogPrice>>,
    /// The actor may close any shift of the store (one of its managers, or an administrator).
    pub manages_store: bool,
    /// A hash of the operation as sent: its id is bound to it and to the actor.
    pub body_hash: String,
    /// Refused before it reached the ledger (out of scope, out of bounds, an unknown store): the
    /// outcome is this error and nothing is recorded, so the device can set it aside.
    pub refusal: Option<ApiError>,
    /// Flags the server raised before the ledger saw the operation (a device clock far off).
    pub flags: Vec<OpFlag>,
    /// What the server made of a sale's coupon, if it has one.
    pub coupon: Option<CouponCheck>,
    pub day: String,
    pub now: i64,
}

/// What the server made of a sale's coupon before the ledger saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CouponCheck {
    /// Not signed by the brand, or no campaign issues it: nothing is redeemed.
    NotValid,
    /// Ours: redeemed once; `allowed` is what it gives this basket at this store then, as the
    /// server reads the terms, or why it does not apply.
    Ours { coupon: Uuid, campaign: Uuid, allowed: Result<i64, String> },
}

/// A customer named at the counter by their phone.
#[derive(Debug, Clone)]
pub struct CounterCustomer {
    /// Normalized (E.164).
    pub phone: String,
    /// They agreed to an account being created if they have none.
    pub consent: bool,
    /// The name a new account gets.
    pub display_name: String,
}

/// The answer of a rule: a rejection (nothing applied) with its error.
struct Rejection(ApiError, Option<SampleState>);

fn reject(code: ErrorCode, message: impl Into<String>) -> Rejection {
    Rejection(ApiError::new(code, message), None)
}

impl From<Refusal> for Rejection {
    fn from(r: Refusal) -> Self {
        reject(r.code, r.message)
    }
}

impl From<Refusal> for Act {
    fn from(r: Refusal) -> Self {
        Act::Rejected(r.into())
    }
}

pub fn kind_name(action: &StoreAction) -> &'static str {
    match action {
        StoreAction::OpenShift { .. } => "open_shift",
        StoreAction::CloseShift { .. } => "close_shift",
        StoreAction::Sale { .. } => "sale",
        StoreAction::Return { .. } => "return",
        StoreAction::Receipt { .. } => "receipt",
        StoreAction::TransferOut { .. } => "transfer_out",
        StoreAction::TransferIn { .. } => "transfer_in",
        StoreAction::ShipmentIn { .. } => "shipment_in",
        StoreAction::Adjustment { .. } => "adjustment",
        StoreAction::StockCount { .. } => "stock_count",
        StoreAction::SampleRegister { .. } => "sample_register",
        StoreAction::SampleChange { .. } => "sample_change",
        StoreAction::SampleAudit { .. } => "sample_audit",
    }
}

/// Applies a device's operations in order inside the caller's transaction, each exactly once: an
/// operation's effects and the record of its id and outcome land together (a savepoint per
/// operation, so a rejected one leaves only its record). The caller commits.
pub fn apply_all(db: &mut impl Ledger, ops: &[(StoreOp, OpContext)]) -> DbResult<Vec<OpOutcome>> {
    // What the log holds of these ids, read once; kept up to date as the batch logs its own (an
    // id sent twice in one batch is a duplicate the second time).
    let ids: Vec<Uuid> = ops.iter().map(|(op, _)| op.id).collect();
    let mut recorded: HashMap<Uuid, Recorded> = db.recorded(&ids).map_err(storage)?.into_iter().collect();
    let mut shifts = ShiftMemo::default();
    let mut outcomes = Vec::with_capacity(ops.len());
    for (op, ctx) in ops {
        outcomes.push(apply_one(db, &mut recorded, &mut shifts, op, ctx)?);
    }
    db.finish().map_err(storage)?;
    Ok(outcomes)
}

fn refused(id: Uuid, error: ApiError) -> OpOutcome {
    OpOutcome { id, status: OpStatus::Rejected, error: Some(error), flags: vec![], current_state: None, refund: None }
}

fn storage(e: LedgerError) -> DbError {
    match e {
        // (An id in the log taken meanwhile by another store's batch is the backend's to report
        // as a retry: it knows which key failed.)
        LedgerError::Conflict(detail) => DbError::Database(format!("unexpected conflict: {detail}")),
        LedgerError::Storage(e) => e,
    }
}

fn apply_one(
    db: &mut impl Ledger,
    log: &mut HashMap<Uuid, Recorded>,
    shifts: &mut ShiftMemo,
    op: &StoreOp,
    ctx: &OpContext,
) -> DbResult<OpOutcome> {
    if let Some(recorded) = log.get(&op.id) {
        // An id is the sender's and names one operation: anyone else's use of it learns nothing.
        if recorded.user_id != ctx.actor || recorded.body_hash.as_ref().is_some_and(|h| *h != ctx.body_hash) {
            return Ok(refused(
                op.id,
                ApiError::new(
                    ErrorCode::IdempotencyConflict,
                    "this operation id was already used for another operation; send it with a new id",
                ),
            ));
        }
        let mut outcome: OpOutcome = serde_json::from_str(&recorded.outcome)
            .map_err(|e| DbError::Database(format!("unreadable outcome of {}: {e}", op.id)))?;
        outcome.status = OpStatus::Duplicate;
        return Ok(outcome);
    }
    if let Some(error) = &ctx.refusal {
        return Ok(refused(op.id, error.clone()));
    }
    // The rule's writes happen inside a savepoint: a rejection rolls them back and only the log stays.
    db.savepoint()?;
    let result = match act(db, shifts, op, ctx) {
        Ok(applied) => {
            db.release()?;
            Ok(applied)
        }
        Err(Act::Rejected(r)) => {
            db.rollback()?;
            Err(r)
        }
        Err(Act::Storage(e)) => return Err(e),
    };
    let outcome = match result {
        Ok(applied) => OpOutcome {
            id: op.id,
            status: OpStatus::Applied,
            error: None,
            flags: ctx.flags.iter().cloned().chain(applied.flags).collect(),
            current_state: None,
            refund: applied.refund,
        },
        Err(Rejection(error, current_state)) => OpOutcome {
            id: op.id,
            status: OpStatus::Rejected,
            error: Some(error),
            // What the server noticed before the rule refused it (a clock far off, a move) stays.
            flags: ctx.flags.clone(),
            current_state,
            refund: None,
        },
    };
    let entry = LogEntry {
        op_id: op.id,
        store_id: op.store_id,
        user_id: ctx.actor,
        kind: kind_name(&op.action),
        outcome: serde_json::to_string(&outcome).unwrap_or_default(),
        day: &ctx.day,
        device_at: op.device_at,
        applied_at: ctx.now,
        body_hash: &ctx.body_hash,
    };
    db.log(&entry).map_err(storage)?;
    log.insert(op.id, Recorded { outcome: entry.outcome, user_id: ctx.actor, body_hash: Some(ctx.body_hash.clone()) });
    Ok(outcome)
}

#[derive(Default)]
struct Applied {
    flags: Vec<OpFlag>,
    refund: Option<i64>,
}

enum Act {
    Rejected(Rejection),
    Storage(DbError),
}

impl From<LedgerError> for Act {
    fn from(e: LedgerError) -> Self {
        match e {
            // A unique key is this operation's conflict with the ledger (an id used before by
            // another operation): its outcome, never the batch's failure.
            LedgerError::Conflict(detail) => Act::Rejected(reject(
                ErrorCode::IdempotencyConflict,
                format!("an id in this operation was already used by another operation ({detail})"),
            )),
            LedgerError::Storage(e) => Act::Storage(e),
        }
    }
}

impl From<Rejection> for Act {
    fn from(r: Rejection) -> Self {
        Act::Rejected(r)
    }
}

type ActResult<T> = Result<T, Act>;

/// A movement of the stock ledger, checked by its rule (a SKU, a quantity that moves something).
fn checked_movement(sku: &str, kind: MovementKind, quantity: i64) -> ActResult<stock::Movement> {
    stock::Movement::new(sku, kind, quantity)
        .map_err(|e| reject(ErrorCode::InvalidStoreOp, format!("{sku}: {e}")).into())
}

fn movement(
    db: &mut impl Ledger,
    op: &StoreOp,
    store: Uuid,
    sku: &str,
    kind: MovementKind,
    quantity: i64,
    reason: Option<&str>,
) -> ActResult<()> {
    let m = checked_movement(sku, kind, quantity)?;
    db.movement(&NewMovement {
        store_id: store,
        sku: &m.sku,
        kind: &wire_name(&m.kind),
        quantity: m.quantity,
        op_id: op.id,
        reason,
        device_at: op.device_at,
    })?;
    Ok(())
}

fn act(db: &mut impl Ledger, shifts: &mut ShiftMemo, op: &StoreOp, ctx: &OpContext) -> ActResult<Applied> {
    let store = op.store_id;
    let mut applied = Applied::default();
    shape::check(store, &op.action)?;
    match &op.action {
        StoreAction::OpenShift { shift_id, opening_cash } => {
            shift::check_open(db.shift(*shift_id)?.is_some())?;
            db.open_shift(*shift_id, store, ctx.actor, op.device_at, *opening_cash)?;
            shifts.forget(*shift_id);
        }
        StoreAction::CloseShift { shift_id, counted, reason } => {
            let row = db.shift(*shift_id)?;
            shift::check_close(row.as_ref().map(facts).as_ref(), store, ctx.actor, ctx.manages_store)?;
            let opening_cash = row.map_or(0, |r| r.opening_cash);
            let expected = expected_cash(db.takings(*shift_id)?, opening_cash)?;
            let (differences, reason) = shift::count(&expected, counted, reason.as_deref())?;
            shifts.forget(*shift_id);
            db.close_shift(
                *shift_id,
                op.device_at,
                &ctx.day,
                &serde_json::to_string(counted).unwrap_or_default(),
                &serde_json::to_string(&expected).unwrap_or_default(),
                reason,
            )?;
            applied.flags = differences
                .into_iter()
                .map(|(method, difference)| OpFlag::CashDifference { method, difference })
                .collect();
        }
        StoreAction::Sale {
            sale_id,
            shift_id,
            receipt_no,
            lines,
            order_discount,
            payments,
            gifts,
            offer,
            coupon,
            ..
        } => {
            // The arithmetic must hold (nothing negative, paid in full, change out of cash); the
            // prices are the server's to judge: a discount beyond the limit, or a price below the
            // catalog's, is flagged, never refused — the sale happened.
            let totals =
                checkout::totals(lines, *order_discount, payments, 100).map_err(|e| reject(e.code(), e.to_string()))?;
            // What a coupon redeemed by this sale took off (up to what it gives) is the brand's,
            // not the promoter's discount; a coupon used already, or one that does not apply,
            // exempts nothing.
            let coupon_off = match coupon {
                // Kept at the server's time: retention counts from it, whatever the till's clock said.
                Some(used) => redeem(db, &mut applied.flags, used, ctx.coupon.as_ref(), *sale_id, store, ctx.now)?,
                None => 0,
            };
            applied.flags.extend(pricing::sale_flags_on_arrival(
                lines,
                order_discount.saturating_sub(coupon_off),
                &ctx.prices,
                ctx.discount_limit_percent,
                op.device_at,
                ctx.now,
            ));
            if !shifts.open_here(db, store, *shift_id)? {
                applied.flags.push(OpFlag::ShiftNotOpen { shift_id: *shift_id });
            }
            let customer = customer_for(db, ctx)?;
            // A serial already sold and not returned, here or at another store, or twice in this
            // sale, is flagged: the sale happened.
            let mut serials_seen: Vec<&str> = Vec::new();
            for serial in lines.iter().filter_map(|l| l.serial.as_deref()) {
                if serials_seen.contains(&serial) || db.serial_sold(serial)? {
                    applied.flags.push(OpFlag::SerialSoldTwice { serial: serial.to_owned() });
                }
                serials_seen.push(serial);
            }
            let moved: Vec<stock::Movement> = lines
                .iter()
                .map(|l| (l.sku.as_str(), MovementKind::Sale, -l.quantity))
                .chain(gifts.iter().map(|g| (g.sku.as_str(), MovementKind::GiftIssued, -g.quantity)))
                .map(|(sku, kind, quantity)| checked_movement(sku, kind, quantity))
                .collect::<ActResult<_>>()?;
            let kinds: Vec<String> = moved.iter().map(|m| wire_name(&m.kind)).collect();
            let mut gift_rows: Vec<(&str, i64)> = Vec::new();
            for g in gifts {
                match gift_rows.iter_mut().find(|(sku, _)| *sku == g.sku) {
                    Some((_, quantity)) => {
                        *quantity = quantity
                            .checked_add(g.quantity)
                            .ok_or_else(|| reject(ErrorCode::InvalidStoreOp, "too many gifts"))?
                    }
                    None => gift_rows.push((&g.sku, g.quantity)),
                }
            }
            let nets = checkout::line_nets(lines, *order_discount);
            let offer = offer.as_ref().map(|o| NewCounterOffer {
                recommendation: o.recommendation,
                shown: serde_json::to_string(&o.shown).unwrap_or_default(),
                accepted: serde_json::to_string(&o.accepted).unwrap_or_default(),
                outcome: portal_store_ops::offer::outcome(o, lines, &nets),
            });
            // A sale is a fact: it is recorded whatever the stock says, and anything odd is flagged.
            let balances = db.record_sale(&SaleRecord {
                sale: NewSale {
                    id: *sale_id,
                    store_id: store,
                    promoter_id: ctx.actor,
                    shift_id: *shift_id,
                    receipt_no,
                    customer_id: customer,
                    gross: totals.gross,
                    discounts: totals.discounts,
                    total: totals.total,
                    paid: totals.paid,
                    change: totals.change,
                    day: &ctx.day,
                    device_at: op.device_at,
                },
                lines: lines
                    .iter()
                    .zip(nets)
                    .enumerate()
                    .map(|(i, (line, net))| NewSaleLine {
                        line: i as i64,
                        sku: &line.sku,
                        quantity: line.quantity,
                        unit_price: line.unit_price,
                        discount: line.discount,
                        net,
                        serial: line.serial.as_deref(),
                    })
                    .collect(),
                payments: payments.iter().map(|p| (wire_name(&p.method), p.amount)).collect(),
                gifts: gift_rows,
                movements: moved
                    .iter()
                    .zip(&kinds)
                    .map(|(m, kind)| NewMovement {
                        store_id: store,
                        sku: &m.sku,
                        kind,
                        quantity: m.quantity,
                        op_id: op.id,
                        reason: None,
                        device_at: op.device_at,
                    })
                    .collect(),
                offer,
            })?;
            for (sku, left) in balances {
                if left < 0 {
                    applied.flags.push(OpFlag::NegativeStock { sku, on_hand: left });
                }
            }
        }
        StoreAction::Return { return_id, sale_id, lines, gifts, refund_method, shift_id } => {
            if db.sale_store(*sale_id)? != Some(store) {
                return Err(reject(ErrorCode::InvalidStoreOp, "no such sale at this store").into());
            }
            let mut refund: i64 = 0;
            for r in lines {
                let Some(sold) = db.sold_line(*sale_id, r.line as i64)? else {
                    return Err(reject(ErrorCode::InvalidStoreOp, format!("the sale has no line {}", r.line)).into());
                };
                let amount = checkout::refund(r.line, sold.net, sold.quantity, sold.returned, r.quantity)
                    .map_err(|e| reject(e.code(), e.to_string()))?;
                refund = refund
                    .checked_add(amount)
                    .ok_or_else(|| reject(ErrorCode::InvalidStoreOp, "the refund is too large"))?;
                db.return_line(*sale_id, r.line as i64, r.quantity)?;
                movement(db, op, store, &sold.sku, MovementKind::Return, r.quantity, None)?;
            }
            for g in gifts {
                let left = db.gift_left(*sale_id, &g.sku)?.unwrap_or(0);
                checkout::gift_return(&g.sku, g.quantity, left).map_err(|e| reject(e.code(), e.to_string()))?;
                db.return_gift(*sale_id, &g.sku, g.quantity)?;
                movement(db, op, store, &g.sku, MovementKind::GiftReturned, g.quantity, None)?;
            }
            let till = refund_till(db, store, shift_id.as_ref(), ctx.actor, op.device_at)?;
            if till.is_none() {
                applied.flags.push(OpFlag::NoOpenTill);
            }
            db.insert_return(&NewReturn {
                id: *return_id,
                sale_id: *sale_id,
                store_id: store,
                promoter_id: ctx.actor,
                refund,
                refund_method: &wire_name(refund_method),
                day: &ctx.day,
                device_at: op.device_at,
                shift_id: till,
            })?;
            applied.refund = Some(refund);
        }
        StoreAction::Receipt { lines, source } => {
            for l in lines {
                movement(db, op, store, &l.sku, MovementKind::Receipt, l.quantity, Some(source))?;
            }
        }
        StoreAction::TransferOut { transfer_id, to_store, lines } => {
            transfer::check_send(db.store_exists(*to_store)?)?;
            db.insert_transfer(
                *transfer_id,
                store,
                *to_store,
                &serde_json::to_string(lines).unwrap_or_default(),
                op.device_at,
            )?;
            for l in lines {
                movement(
                    db,
                    op,
                    store,
                    &l.sku,
                    MovementKind::TransferOut,
                    -l.quantity,
                    Some(&format!("to {to_store}")),
                )?;
            }
            // The receiving store may have reported receiving it already: complete that now.
            if let Some((waiting_store, received_at)) = db.transfer_wait(*transfer_id)? {
                if transfer::completes_waiting(waiting_store, *to_store) {
                    receive(db, op, *transfer_id, *to_store, store, lines, received_at)?;
                    db.delete_transfer_wait(*transfer_id)?;
                }
            }
        }
        StoreAction::TransferIn { transfer_id } => {
            let sent = db.transfer(*transfer_id)?;
            let facts =
                sent.as_ref().map(|t| TransferFacts { to_store: t.to_store, received: t.received_at.is_some() });
            match (transfer::receive(facts.as_ref(), store)?, sent) {
                (Receive::Now, Some(sent)) => {
                    receive(db, op, *transfer_id, store, sent.from_store, &sent.lines, op.device_at)?
                }
                // Not sent yet as far as the server knows: accepted, and completed when the send arrives.
                _ => {
                    if !db.insert_transfer_wait(*transfer_id, store, op.id, op.device_at)? {
                        return Err(transfer::already_received().into());
                    }
                }
            }
        }
        StoreAction::ShipmentIn { shipment_id, lines } => {
            goods_in::shipment_in(db, op, ctx.actor, ctx.now, *shipment_id, lines, &mut applied)?;
        }
        StoreAction::Adjustment { sku, quantity, reason } => {
            movement(db, op, store, sku, MovementKind::Adjustment, *quantity, Some(reason))?;
        }
        StoreAction::StockCount { counted } => {
            let skus: Vec<&str> = counted.iter().map(|c| c.sku.as_str()).collect();
            let on_hand: BTreeMap<String, i64> =
                skus.iter().map(|s| (*s).to_owned()).zip(db.on_hand(store, &skus)?).collect();
            let wanted: BTreeMap<String, i64> = counted.iter().map(|c| (c.sku.clone(), c.quantity)).collect();
            for m in stock::count_differences(&on_hand, &wanted) {
                movement(db, op, store, &m.sku, MovementKind::Count, m.quantity, Some("stock count"))?;
            }
        }
        StoreAction::SampleRegister { serial, sku, location } => {
            if db.sample(serial)?.is_some() {
                return Err(reject(ErrorCode::InvalidStoreOp, format!("unit {serial} is already registered")).into());
            }
            let state = wire_name(&SampleState::Requested);
            db.insert_sample(serial, store, sku, &state, location, op.device_at)?;
            db.sample_history(serial, &state, location, ctx.actor, op.id, op.device_at)?;
        }
        StoreAction::SampleChange { serial, from, to, location } => {
            let Some(unit) = db.sample(serial)? else {
                return Err(reject(ErrorCode::InvalidStoreOp, format!("unit {serial} is not registered")).into());
            };
            if unit.store_id != store {
                return Err(reject(ErrorCode::InvalidStoreOp, format!("unit {serial} belongs to another store")).into());
            }
            let next = sample::change(unit.state, *from, *to).map_err(|e| match e {
                sample::SampleError::Stale { current, .. } => {
                    Rejection(ApiError::new(ErrorCode::StaleState, e.to_string()), Some(current))
                }
                sample::SampleError::NotAllowed { .. } => {
                    Rejection(ApiError::new(ErrorCode::TransitionNotAllowed, e.to_string()), Some(unit.state))
                }
            })?;
            let location = location.clone().unwrap_or(unit.location);
            let state = wire_name(&next);
            db.update_sample(serial, &state, &location, op.device_at)?;
            db.sample_history(serial, &state, &location, ctx.actor, op.id, op.device_at)?;
        }
        StoreAction::SampleAudit { scanned } => {
            let units: Vec<(String, SampleState)> = db
                .store_samples(store)?
                .into_iter()
                .filter_map(|(serial, state)| from_wire_name(&state).map(|s| (serial, s)))
                .collect();
            let scanned: Vec<&str> = scanned.iter().map(String::as_str).collect();
            let (missing, _) = sample::audit(units.iter().map(|(s, st)| (s.as_str(), *st)), &scanned);
            applied.flags = missing.into_iter().map(|serial| OpFlag::SampleMissing { serial }).collect();
        }
    }
    Ok(applied)
}

/// Books a transfer in at the receiving store and marks it received.
fn receive(
    db: &mut impl Ledger,
    op: &StoreOp,
    transfer_id: Uuid,
    to_store: Uuid,
    from_store: Uuid,
    lines: &[SkuQuantity],
    received_at: i64,
) -> ActResult<()> {
    db.mark_received(transfer_id, received_at)?;
    for l in lines {
        movement(db, op, to_store, &l.sku, MovementKind::TransferIn, l.quantity, Some(&format!("from {from_store}")))?;
    }
    Ok(())
}

/// Redeems a sale's coupon once, and returns what it takes off that is the brand's (0 unless this
/// sale redeemed it). A sale is a fact: a coupon that is not ours, does not apply or was redeemed
/// already is flagged, never a reason to lose the sale; only one that gives something is used up.
fn redeem(
    db: &mut impl Ledger,
    flags: &mut Vec<OpFlag>,
    used: &SaleCoupon,
    check: Option<&CouponCheck>,
    sale: Uuid,
    store: Uuid,
    at: i64,
) -> ActResult<i64> {
    let Some(CouponCheck::Ours { coupon, campaign, allowed }) = check else {
        flags.push(OpFlag::CouponNotValid);
        return Ok(0);
    };
    let allowed = match allowed {
        Err(reason) => {
            flags.push(OpFlag::CouponMisapplied { coupon: *coupon, reason: reason.clone(), allowed: 0 });
            return Ok(0);
        }
        Ok(allowed) => *allowed,
    };
    if used.off > allowed {
        flags.push(OpFlag::CouponMisapplied { coupon: *coupon, reason: "more_than_it_gives".into(), allowed });
    }
    let off = used.off.clamp(0, allowed);
    if off == 0 {
        return Ok(0);
    }
    let redemption = super::CouponRedemption { coupon: *coupon, campaign: *campaign, sale, store, off, at };
    if !db.redeem_coupon(&redemption)? {
        flags.push(OpFlag::CouponUsedTwice { coupon: *coupon });
        return Ok(0);
    }
    Ok(off)
}

/// The shift whose till pays a refund: the one the device named if it is open at this store,
/// otherwise the promoter's shift at the store that was open at that moment and still is (none
/// when no till is open: the return is still a fact, counts against no till, and is flagged).
fn refund_till(
    db: &mut impl Ledger,
    store: Uuid,
    named: Option<&Uuid>,
    actor: Uuid,
    at: i64,
) -> ActResult<Option<Uuid>> {
    if let Some(id) = named {
        if shift_open_here(db, store, *id)? {
            return Ok(Some(*id));
        }
    }
    Ok(db.open_shift_of(store, actor, at)?)
}

/// The shifts one batch has read: a batch of sales names the same shift each time. A shift the
/// batch opens or closes is forgotten (and read again if named again).
#[derive(Default)]
struct ShiftMemo(HashMap<Uuid, Option<ShiftRow>>);

impl ShiftMemo {
    /// Whether the shift is this store's and still open.
    fn open_here(&mut self, db: &mut impl Ledger, store: Uuid, shift: Uuid) -> ActResult<bool> {
        let row = match self.0.get(&shift) {
            Some(row) => row.clone(),
            None => {
                let row = db.shift(shift)?;
                self.0.insert(shift, row.clone());
                row
            }
        };
        Ok(open_at(row.as_ref(), store))
    }

    fn forget(&mut self, shift: Uuid) {
        self.0.remove(&shift);
    }
}

/// Whether the shift is this store's and still open.
fn shift_open_here(db: &mut impl Ledger, store: Uuid, shift: Uuid) -> ActResult<bool> {
    Ok(open_at(db.shift(shift)?.as_ref(), store))
}

/// A shift as read, for the rules.
fn facts(row: &ShiftRow) -> ShiftFacts {
    ShiftFacts { store_id: row.store_id, promoter_id: row.promoter_id, closed: row.closed_at.is_some() }
}

/// Whether a shift (as read) is the store's and still open.
fn open_at(row: Option<&ShiftRow>, store: Uuid) -> bool {
    shift::open_at(row.map(facts).as_ref(), store)
}

/// The customer's unified account for the sale's phone: found, or created on the spot when they
/// agreed (not verified: they prove the number by SMS when they first sign in). Runs inside the
/// operation's transaction, after its duplicate check, so a retry or a rejected sale creates none.
fn customer_for(db: &mut impl Ledger, ctx: &OpContext) -> ActResult<Option<Uuid>> {
    let Some(CounterCustomer { phone, consent, display_name }) = &ctx.customer else { return Ok(None) };
    if let Some(id) = db.phone_owner(phone)? {
        return Ok(Some(id));
    }
    if !consent {
        return Ok(None);
    }
    let id = Uuid::now_v7();
    db.create_customer(id, display_name, phone, ctx.now)?;
    tracing::info!(user_id = %id, "customer account created at a store, with consent");
    Ok(Some(id))
}

/// What a shift should hold per payment method (the rule's), from its takings as read.
fn expected_cash(takings: Takings, opening_cash: i64) -> Result<Vec<Payment>, Refusal> {
    let by_method = |amounts: Vec<(String, i64)>| {
        amounts.into_iter().filter_map(|(method, amount)| Some((from_wire_name::<PaymentMethod>(&method)?, amount)))
    };
    shift::expected_cash(opening_cash, by_method(takings.paid), takings.change, by_method(takings.refunds))
}
