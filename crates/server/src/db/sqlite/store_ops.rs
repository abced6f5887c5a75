//! Store operations in SQLite: each operation in one transaction together with its record in
//! `store_op_log` (and its outcome), so a retry changes nothing and gets the same answer. The rules
//! come from portal-store-ops, the same the app applies offline.
use std::collections::BTreeMap;

use portal_api::*;
use portal_store_ops::{checkout, ledger, pricing, sample};
use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};
use uuid::Uuid;

use super::DbResult;

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
    pub day: String,
    pub now: i64,
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

fn kind_name(action: &StoreAction) -> &'static str {
    match action {
        StoreAction::OpenShift { .. } => "open_shift",
        StoreAction::CloseShift { .. } => "close_shift",
        StoreAction::Sale { .. } => "sale",
        StoreAction::Return { .. } => "return",
        StoreAction::Receipt { .. } => "receipt",
        StoreAction::TransferOut { .. } => "transfer_out",
        StoreAction::TransferIn { .. } => "transfer_in",
        StoreAction::Adjustment { .. } => "adjustment",
        StoreAction::StockCount { .. } => "stock_count",
        StoreAction::SampleRegister { .. } => "sample_register",
        StoreAction::SampleChange { .. } => "sample_change",
        StoreAction::SampleAudit { .. } => "sample_audit",
    }
}

/// Applies a device's operations in one transaction, each exactly once: an operation's effects
/// and the record of its id and outcome land together (a savepoint per operation, so a rejected
/// one leaves only its record). One transaction per batch rather than per operation: the WAL then
/// writes each touched page once per batch.
pub fn apply_all(conn: &mut rusqlite::Connection, ops: &[(StoreOp, OpContext)]) -> DbResult<Vec<OpOutcome>> {
    let mut tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut outcomes = Vec::with_capacity(ops.len());
    for (op, ctx) in ops {
        outcomes.push(apply_one(&mut tx, op, ctx)?);
    }
    tx.commit()?;
    Ok(outcomes)
}

/// Records set-aside operations in the log, each unless its id is there already.
pub fn record_set_aside(conn: &mut rusqlite::Connection, records: &[super::SetAsideRecord]) -> DbResult<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    for r in records {
        tx.prepare_cached(
            "INSERT INTO store_op_log (op_id, store_id, user_id, kind, outcome, day, device_at, applied_at, body_hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (op_id) DO NOTHING",
        )?
        .execute(params![
            r.outcome.id.to_string(),
            r.store_id.to_string(),
            r.user_id.to_string(),
            r.kind,
            serde_json::to_string(&r.outcome).unwrap_or_default(),
            r.day,
            r.device_at,
            r.now,
            super::super::SET_ASIDE_BODY_HASH
        ])?;
    }
    tx.commit()?;
    Ok(())
}

fn refused(id: Uuid, error: ApiError) -> OpOutcome {
    OpOutcome { id, status: OpStatus::Rejected, error: Some(error), flags: vec![], current_state: None, refund: None }
}

fn apply_one(tx: &mut Transaction<'_>, op: &StoreOp, ctx: &OpContext) -> DbResult<OpOutcome> {
    let recorded: Option<(String, String, Option<String>)> = tx
        .prepare_cached("SELECT outcome, user_id, body_hash FROM store_op_log WHERE op_id = ?1")?
        .query_row([op.id.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    if let Some((json, user, hash)) = recorded {
        // An id is the sender's and names one operation: anyone else's use of it learns nothing.
        if user != ctx.actor.to_string() || hash.is_some_and(|h| h != ctx.body_hash) {
            return Ok(refused(
                op.id,
                ApiError::new(
                    ErrorCode::IdempotencyConflict,
                    "this operation id was already used for another operation; send it with a new id",
                ),
            ));
        }
        let mut outcome: OpOutcome = serde_json::from_str(&json)
            .map_err(|e| super::DbError::Database(format!("unreadable outcome of {}: {e}", op.id)))?;
        outcome.status = OpStatus::Duplicate;
        return Ok(outcome);
    }
    if let Some(error) = &ctx.refusal {
        return Ok(refused(op.id, error.clone()));
    }
    // The rule's writes happen inside a savepoint: a rejection rolls them back and only the log stays.
    let result = {
        let sp = tx.savepoint()?;
        match act(&sp, op, ctx) {
            Ok(applied) => {
                sp.commit()?;
                Ok(applied)
            }
            Err(Act::Rejected(r)) => Err(r),
            Err(Act::Storage(e)) => return Err(e),
        }
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
    tx.prepare_cached(
        "INSERT INTO store_op_log (op_id, store_id, user_id, kind, outcome, day, device_at, applied_at, body_hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        op.id.to_string(),
        op.store_id.to_string(),
        ctx.actor.to_string(),
        kind_name(&op.action),
        serde_json::to_string(&outcome).unwrap_or_default(),
        ctx.day,
        op.device_at,
        ctx.now,
        ctx.body_hash
    ])?;
    Ok(outcome)
}

#[derive(Default)]
struct Applied {
    flags: Vec<OpFlag>,
    refund: Option<i64>,
}

enum Act {
    Rejected(Rejection),
    Storage(super::DbError),
}

impl From<rusqlite::Error> for Act {
    fn from(e: rusqlite::Error) -> Self {
        // A constraint is this operation's conflict with the ledger (an id used before by another
        // operation): its outcome, never the batch's failure.
        match e {
            rusqlite::Error::SqliteFailure(f, ref message) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
                let detail = message.clone().unwrap_or_default();
                Act::Rejected(reject(
                    ErrorCode::IdempotencyConflict,
                    format!("an id in this operation was already used by another operation ({detail})"),
                ))
            }
            e => Act::Storage(e.into()),
        }
    }
}

impl From<Rejection> for Act {
    fn from(r: Rejection) -> Self {
        Act::Rejected(r)
    }
}

type ActResult<T> = Result<T, Act>;
type Conn = rusqlite::Connection;

fn movement(
    db: &Conn,
    op: &StoreOp,
    store: Uuid,
    sku: &str,
    kind: MovementKind,
    quantity: i64,
    reason: Option<&str>,
) -> ActResult<()> {
    let m = ledger::Movement::new(sku, kind, quantity)
        .map_err(|e| reject(ErrorCode::InvalidStoreOp, format!("{sku}: {e}")))?;
    db.prepare_cached(
        "INSERT INTO stock_movements (store_id, sku, kind, quantity, op_id, reason, device_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![store.to_string(), m.sku, wire_name(&m.kind), m.quantity, op.id.to_string(), reason, op.device_at])?;
    db.prepare_cached(
        "INSERT INTO stock_balances (store_id, sku, on_hand) VALUES (?1, ?2, ?3)
         ON CONFLICT (store_id, sku) DO UPDATE SET on_hand = on_hand + excluded.on_hand",
    )?
    .execute(params![store.to_string(), m.sku, m.quantity])?;
    Ok(())
}

fn on_hand(db: &Conn, store: Uuid, sku: &str) -> ActResult<i64> {
    Ok(db
        .prepare_cached("SELECT on_hand FROM stock_balances WHERE store_id = ?1 AND sku = ?2")?
        .query_row(params![store.to_string(), sku], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

fn check_lines(lines: &[SkuQuantity]) -> ActResult<()> {
    if lines.is_empty() {
        return Err(reject(ErrorCode::InvalidStoreOp, "at least one line is needed").into());
    }
    for l in lines {
        if l.sku.trim().is_empty() || l.quantity < 1 {
            return Err(reject(
                ErrorCode::InvalidStoreOp,
                format!("line {}: a SKU and a quantity of 1 or more", l.sku),
            )
            .into());
        }
    }
    Ok(())
}

fn act(db: &Conn, op: &StoreOp, ctx: &OpContext) -> ActResult<Applied> {
    let store = op.store_id;
    let mut applied = Applied::default();
    match &op.action {
        StoreAction::OpenShift { shift_id, opening_cash } => {
            if *opening_cash < 0 {
                return Err(reject(ErrorCode::InvalidStoreOp, "the opening cash cannot be negative").into());
            }
            let exists: bool =
                db.query_row("SELECT EXISTS (SELECT 1 FROM shifts WHERE id = ?1)", [shift_id.to_string()], |r| {
                    r.get(0)
                })?;
            if exists {
                return Err(reject(ErrorCode::InvalidStoreOp, "this shift is already open").into());
            }
            db.execute(
                "INSERT INTO shifts (id, store_id, promoter_id, opened_at, opening_cash) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![shift_id.to_string(), store.to_string(), ctx.actor.to_string(), op.device_at, opening_cash],
            )?;
        }
        StoreAction::CloseShift { shift_id, counted, reason } => {
            let shift: Option<(String, i64, Option<i64>, String)> = db
                .query_row(
                    "SELECT store_id, opening_cash, closed_at, promoter_id FROM shifts WHERE id = ?1",
                    [shift_id.to_string()],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?;
            let Some((shift_store, opening_cash, closed_at, owner)) = shift else {
                return Err(reject(ErrorCode::InvalidStoreOp, "no such shift").into());
            };
            if shift_store != store.to_string() {
                return Err(reject(ErrorCode::InvalidStoreOp, "the shift belongs to another store").into());
            }
            if owner != ctx.actor.to_string() && !ctx.manages_store {
                return Err(reject(
                    ErrorCode::Forbidden,
                    "a shift is closed by the person who opened it or a manager of the store",
                )
                .into());
            }
            if closed_at.is_some() {
                return Err(reject(ErrorCode::ShiftClosed, "this shift is already closed").into());
            }
            let expected = expected_cash(db, shift_id, opening_cash)?;
            let mut differences = Vec::new();
            for (method, expected) in &expected {
                let counted: i64 = counted.iter().filter(|p| p.method == *method).map(|p| p.amount).sum();
                if counted != *expected {
                    differences.push(OpFlag::CashDifference { method: *method, difference: counted - expected });
                }
            }
            let reason = reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
            if !differences.is_empty() && reason.is_none() {
                return Err(reject(
                    ErrorCode::ReasonRequired,
                    "the count differs from the expected amounts: give a reason",
                )
                .into());
            }
            let expected: Vec<Payment> =
                expected.into_iter().map(|(method, amount)| Payment { method, amount }).collect();
            db.execute(
                "UPDATE shifts SET closed_at = ?2, close_day = ?3, counted = ?4, expected = ?5, reason = ?6 WHERE id = ?1",
                params![
                    shift_id.to_string(),
                    op.device_at,
                    ctx.day,
                    serde_json::to_string(counted).unwrap_or_default(),
                    serde_json::to_string(&expected).unwrap_or_default(),
                    reason
                ],
            )?;
            applied.flags = differences;
        }
        StoreAction::Sale { sale_id, shift_id, receipt_no, lines, order_discount, payments, gifts, .. } => {
            // The arithmetic must hold (nothing negative, paid in full, change out of cash); the
            // prices are the server's to judge: a discount beyond the limit, or a price below the
            // catalog's, is flagged, never refused — the sale happened.
            let totals =
                checkout::totals(lines, *order_discount, payments, 100).map_err(|e| reject(e.code(), e.to_string()))?;
            applied.flags.extend(pricing::sale_flags_on_arrival(
                lines,
                *order_discount,
                &ctx.prices,
                ctx.discount_limit_percent,
                op.device_at,
                ctx.now,
            ));
            if !shift_open_here(db, store, shift_id)? {
                applied.flags.push(OpFlag::ShiftNotOpen { shift_id: *shift_id });
            }
            let customer = customer_for(db, ctx)?;
            if receipt_no.trim().is_empty() {
                return Err(reject(ErrorCode::InvalidStoreOp, "a receipt number is needed").into());
            }
            for g in gifts {
                if g.sku.trim().is_empty() || g.quantity < 1 {
                    return Err(
                        reject(ErrorCode::InvalidStoreOp, "a gift needs a SKU and a quantity of 1 or more").into()
                    );
                }
            }
            // A sale is a fact: it is recorded whatever the stock says, and anything odd is flagged.
            db.execute(
                "INSERT INTO sales (id, store_id, promoter_id, shift_id, receipt_no, customer_id, gross, discounts, total, paid,
                     change_given, day, device_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                params![
                    sale_id.to_string(),
                    store.to_string(),
                    ctx.actor.to_string(),
                    shift_id.to_string(),
                    receipt_no,
                    customer.map(|c| c.to_string()),
                    totals.gross,
                    totals.discounts,
                    totals.total,
                    totals.paid,
                    totals.change,
                    ctx.day,
                    op.device_at
                ],
            )?;
            let nets = checkout::line_nets(lines, *order_discount);
            for (i, (line, net)) in lines.iter().zip(nets).enumerate() {
                if let Some(serial) = &line.serial {
                    let sold_before: bool = db.query_row(
                        "SELECT EXISTS (SELECT 1 FROM sale_lines WHERE serial = ?1 AND quantity > returned)",
                        [serial],
                        |r| r.get(0),
                    )?;
                    if sold_before {
                        applied.flags.push(OpFlag::SerialSoldTwice { serial: serial.clone() });
                    }
                }
                db.execute(
                    "INSERT INTO sale_lines (sale_id, line, sku, quantity, unit_price, discount, net, serial)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![
                        sale_id.to_string(),
                        i as i64,
                        line.sku,
                        line.quantity,
                        line.unit_price,
                        line.discount,
                        net,
                        line.serial
                    ],
                )?;
                movement(db, op, store, &line.sku, MovementKind::Sale, -line.quantity, None)?;
            }
            for p in payments {
                db.execute(
                    "INSERT INTO sale_payments (sale_id, method, amount) VALUES (?1, ?2, ?3)",
                    params![sale_id.to_string(), wire_name(&p.method), p.amount],
                )?;
            }
            for g in gifts {
                db.execute(
                    "INSERT INTO sale_gifts (sale_id, sku, quantity) VALUES (?1, ?2, ?3)
                     ON CONFLICT (sale_id, sku) DO UPDATE SET quantity = quantity + ?3",
                    params![sale_id.to_string(), g.sku, g.quantity],
                )?;
                movement(db, op, store, &g.sku, MovementKind::GiftIssued, -g.quantity, None)?;
            }
            let mut skus: Vec<&str> =
                lines.iter().map(|l| l.sku.as_str()).chain(gifts.iter().map(|g| g.sku.as_str())).collect();
            skus.sort();
            skus.dedup();
            for sku in skus {
                let left = on_hand(db, store, sku)?;
                if left < 0 {
                    applied.flags.push(OpFlag::NegativeStock { sku: sku.to_owned(), on_hand: left });
                }
            }
        }
        StoreAction::Return { return_id, sale_id, lines, gifts, refund_method, shift_id } => {
            let sale_store: Option<String> = db
                .query_row("SELECT store_id FROM sales WHERE id = ?1", [sale_id.to_string()], |r| r.get(0))
                .optional()?;
            if sale_store.as_deref() != Some(store.to_string().as_str()) {
                return Err(reject(ErrorCode::InvalidStoreOp, "no such sale at this store").into());
            }
            if lines.is_empty() && gifts.is_empty() {
                return Err(reject(ErrorCode::InvalidStoreOp, "a return needs at least one line").into());
            }
            let mut refund = 0;
            for r in lines {
                let row: Option<(String, i64, i64, i64)> = db
                    .query_row(
                        "SELECT sku, quantity, net, returned FROM sale_lines WHERE sale_id = ?1 AND line = ?2",
                        params![sale_id.to_string(), r.line as i64],
                        |x| Ok((x.get(0)?, x.get(1)?, x.get(2)?, x.get(3)?)),
                    )
                    .optional()?;
                let Some((sku, bought, net, returned)) = row else {
                    return Err(reject(ErrorCode::InvalidStoreOp, format!("the sale has no line {}", r.line)).into());
                };
                let amount = checkout::refund(r.line, net, bought, returned, r.quantity).map_err(|e| match e {
                    checkout::ReturnError::MoreThanBought { .. } => reject(ErrorCode::ReturnExceedsSale, e.to_string()),
                    checkout::ReturnError::Nothing => reject(ErrorCode::InvalidStoreOp, e.to_string()),
                })?;
                refund += amount;
                db.execute(
                    "UPDATE sale_lines SET returned = returned + ?3 WHERE sale_id = ?1 AND line = ?2",
                    params![sale_id.to_string(), r.line as i64, r.quantity],
                )?;
                movement(db, op, store, &sku, MovementKind::Return, r.quantity, None)?;
            }
            for g in gifts {
                let left: Option<i64> = db
                    .query_row(
                        "SELECT quantity - returned FROM sale_gifts WHERE sale_id = ?1 AND sku = ?2",
                        params![sale_id.to_string(), g.sku],
                        |r| r.get(0),
                    )
                    .optional()?;
                if g.quantity < 1 || g.quantity > left.unwrap_or(0) {
                    return Err(reject(
                        ErrorCode::ReturnExceedsSale,
                        format!("gift {}: {} asked, {} left", g.sku, g.quantity, left.unwrap_or(0)),
                    )
                    .into());
                }
                db.execute(
                    "UPDATE sale_gifts SET returned = returned + ?3 WHERE sale_id = ?1 AND sku = ?2",
                    params![sale_id.to_string(), g.sku, g.quantity],
                )?;
                movement(db, op, store, &g.sku, MovementKind::GiftReturned, g.quantity, None)?;
            }
            let till = refund_till(db, store, shift_id.as_ref(), ctx.actor, op.device_at)?;
            if till.is_none() {
                applied.flags.push(OpFlag::NoOpenTill);
            }
            db.execute(
                "INSERT INTO sale_returns (id, sale_id, store_id, promoter_id, refund, refund_method, day, device_at, shift_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    return_id.to_string(),
                    sale_id.to_string(),
                    store.to_string(),
                    ctx.actor.to_string(),
                    refund,
                    wire_name(refund_method),
                    ctx.day,
                    op.device_at,
                    till
                ],
            )?;
            applied.refund = Some(refund);
        }
        StoreAction::Receipt { lines, source } => {
            check_lines(lines)?;
            for l in lines {
                movement(db, op, store, &l.sku, MovementKind::Receipt, l.quantity, Some(source))?;
            }
        }
        StoreAction::TransferOut { transfer_id, to_store, lines } => {
            check_lines(lines)?;
            let known: bool =
                db.query_row("SELECT EXISTS (SELECT 1 FROM stores WHERE id = ?1)", [to_store.to_string()], |r| {
                    r.get(0)
                })?;
            if !known || *to_store == store {
                return Err(reject(ErrorCode::InvalidStoreOp, "send to another known store").into());
            }
            db.execute(
                "INSERT INTO transfers (id, from_store, to_store, lines, sent_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    transfer_id.to_string(),
                    store.to_string(),
                    to_store.to_string(),
                    serde_json::to_string(lines).unwrap_or_default(),
                    op.device_at
                ],
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
            let waiting: Option<(String, i64)> = db
                .query_row(
                    "SELECT to_store, device_at FROM transfer_waits WHERE transfer_id = ?1",
                    [transfer_id.to_string()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            if let Some((waiting_store, received_at)) = waiting {
                if waiting_store == to_store.to_string() {
                    receive(db, op, *transfer_id, *to_store, store, lines, received_at)?;
                    db.execute("DELETE FROM transfer_waits WHERE transfer_id = ?1", [transfer_id.to_string()])?;
                }
            }
        }
        StoreAction::TransferIn { transfer_id } => {
            let row: Option<(String, String, String, Option<i64>)> = db
                .query_row(
                    "SELECT from_store, to_store, lines, received_at FROM transfers WHERE id = ?1",
                    [transfer_id.to_string()],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?;
            let Some((from, to, lines, received)) = row else {
                // Not sent yet as far as the server knows: accepted, and completed when the send arrives.
                let inserted = db.execute(
                    "INSERT OR IGNORE INTO transfer_waits (transfer_id, to_store, op_id, device_at) VALUES (?1, ?2, ?3, ?4)",
                    params![transfer_id.to_string(), store.to_string(), op.id.to_string(), op.device_at],
                )?;
                if inserted == 0 {
                    return Err(reject(ErrorCode::InvalidStoreOp, "this transfer was already received").into());
                }
                return Ok(applied);
            };
            if to != store.to_string() {
                return Err(reject(ErrorCode::InvalidStoreOp, "this transfer is for another store").into());
            }
            if received.is_some() {
                return Err(reject(ErrorCode::InvalidStoreOp, "this transfer was already received").into());
            }
            let lines: Vec<SkuQuantity> = serde_json::from_str(&lines).unwrap_or_default();
            let from: Uuid = from.parse().unwrap_or_default();
            receive(db, op, *transfer_id, store, from, &lines, op.device_at)?;
        }
        StoreAction::Adjustment { sku, quantity, reason } => {
            if reason.trim().is_empty() {
                return Err(reject(ErrorCode::ReasonRequired, "an adjustment needs a reason").into());
            }
            movement(db, op, store, sku, MovementKind::Adjustment, *quantity, Some(reason))?;
        }
        StoreAction::StockCount { counted } => {
            if counted.is_empty() || counted.iter().any(|c| c.sku.trim().is_empty() || c.quantity < 0) {
                return Err(reject(ErrorCode::InvalidStoreOp, "count at least one SKU, none below zero").into());
            }
            let mut stock = BTreeMap::new();
            let mut wanted = BTreeMap::new();
            for c in counted {
                stock.insert(c.sku.clone(), on_hand(db, store, &c.sku)?);
                wanted.insert(c.sku.clone(), c.quantity);
            }
            for m in ledger::count_differences(&stock, &wanted) {
                movement(db, op, store, &m.sku, MovementKind::Count, m.quantity, Some("stock count"))?;
            }
        }
        StoreAction::SampleRegister { serial, sku, location } => {
            if serial.trim().is_empty() || sku.trim().is_empty() {
                return Err(reject(ErrorCode::InvalidStoreOp, "a unit needs a serial and a SKU").into());
            }
            let exists: bool =
                db.query_row("SELECT EXISTS (SELECT 1 FROM samples WHERE serial = ?1)", [serial], |r| r.get(0))?;
            if exists {
                return Err(reject(ErrorCode::InvalidStoreOp, format!("unit {serial} is already registered")).into());
            }
            let state = wire_name(&SampleState::Requested);
            db.execute(
                "INSERT INTO samples (serial, store_id, sku, state, location, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![serial, store.to_string(), sku, state, location, op.device_at],
            )?;
            history(db, op, ctx, serial, &state, location)?;
        }
        StoreAction::SampleChange { serial, from, to, location } => {
            let row: Option<(String, String, String)> = db
                .query_row("SELECT store_id, state, location FROM samples WHERE serial = ?1", [serial], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .optional()?;
            let Some((unit_store, current, old_location)) = row else {
                return Err(reject(ErrorCode::InvalidStoreOp, format!("unit {serial} is not registered")).into());
            };
            if unit_store != store.to_string() {
                return Err(reject(ErrorCode::InvalidStoreOp, format!("unit {serial} belongs to another store")).into());
            }
            let current: SampleState = from_wire_name(&current).unwrap_or(SampleState::Requested);
            let next = sample::change(current, *from, *to).map_err(|e| match e {
                sample::SampleError::Stale { current, .. } => {
                    Rejection(ApiError::new(ErrorCode::StaleState, e.to_string()), Some(current))
                }
                sample::SampleError::NotAllowed { .. } => {
                    Rejection(ApiError::new(ErrorCode::TransitionNotAllowed, e.to_string()), Some(current))
                }
            })?;
            let location = location.clone().unwrap_or(old_location);
            let state = wire_name(&next);
            db.execute(
                "UPDATE samples SET state = ?2, location = ?3, updated_at = ?4 WHERE serial = ?1",
                params![serial, state, location, op.device_at],
            )?;
            history(db, op, ctx, serial, &state, &location)?;
        }
        StoreAction::SampleAudit { scanned } => {
            let mut stmt = db.prepare_cached("SELECT serial, state FROM samples WHERE store_id = ?1")?;
            let units: Vec<(String, SampleState)> = stmt
                .query_map([store.to_string()], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
                .filter_map(|r| r.ok())
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
    db: &Conn,
    op: &StoreOp,
    transfer_id: Uuid,
    to_store: Uuid,
    from_store: Uuid,
    lines: &[SkuQuantity],
    received_at: i64,
) -> ActResult<()> {
    db.execute("UPDATE transfers SET received_at = ?2 WHERE id = ?1", params![transfer_id.to_string(), received_at])?;
    for l in lines {
        movement(db, op, to_store, &l.sku, MovementKind::TransferIn, l.quantity, Some(&format!("from {from_store}")))?;
    }
    Ok(())
}

fn history(db: &Conn, op: &StoreOp, ctx: &OpContext, serial: &str, state: &str, location: &str) -> ActResult<()> {
    db.execute(
        "INSERT INTO sample_history (serial, state, location, user_id, op_id, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![serial, state, location, ctx.actor.to_string(), op.id.to_string(), op.device_at],
    )?;
    Ok(())
}

/// The shift whose till pays a refund: the one the device named if it is open at this store,
/// otherwise the promoter's shift at the store that was open at that moment and still is (none
/// when no till is open: the return is still a fact, counts against no till, and is flagged).
fn refund_till(db: &Conn, store: Uuid, named: Option<&Uuid>, actor: Uuid, at: i64) -> ActResult<Option<String>> {
    if let Some(id) = named {
        if shift_open_here(db, store, id)? {
            return Ok(Some(id.to_string()));
        }
    }
    Ok(db
        .query_row(
            "SELECT id FROM shifts WHERE store_id = ?1 AND promoter_id = ?2 AND opened_at <= ?3 AND closed_at IS NULL
             ORDER BY opened_at DESC LIMIT 1",
            params![store.to_string(), actor.to_string(), at],
            |r| r.get(0),
        )
        .optional()?)
}

/// Whether the shift is this store's and still open.
fn shift_open_here(db: &Conn, store: Uuid, shift: &Uuid) -> ActResult<bool> {
    Ok(db
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM shifts WHERE id = ?1 AND store_id = ?2 AND closed_at IS NULL)")?
        .query_row(params![shift.to_string(), store.to_string()], |r| r.get(0))?)
}

/// The customer's unified account for the sale's phone: found, or created on the spot when they
/// agreed (not verified: they prove the number by SMS when they first sign in). Runs inside the
/// operation's transaction, after its duplicate check, so a retry or a rejected sale creates none.
fn customer_for(db: &Conn, ctx: &OpContext) -> ActResult<Option<Uuid>> {
    let Some(CounterCustomer { phone, consent, display_name }) = &ctx.customer else { return Ok(None) };
    let found: Option<String> = db
        .prepare_cached("SELECT user_id FROM identities WHERE kind = 'phone' AND value = ?1")?
        .query_row([phone], |r| r.get(0))
        .optional()?;
    if let Some(id) = found {
        return Ok(id.parse().ok());
    }
    if !consent {
        return Ok(None);
    }
    let id = Uuid::now_v7();
    db.prepare_cached("INSERT INTO users (id, display_name, role, created_at) VALUES (?1, ?2, 'consumer', ?3)")?
        .execute(params![id.to_string(), display_name, ctx.now])?;
    db.prepare_cached(
        "INSERT INTO identities (kind, value, user_id, verified, linked_at) VALUES ('phone', ?1, ?2, 0, ?3)",
    )?
    .execute(params![phone, id.to_string(), ctx.now])?;
    tracing::info!(user_id = %id, "customer account created at a store, with consent");
    Ok(Some(id))
}

/// What a shift should hold per payment method: opening cash plus what its sales took (less the
/// change given), less what was refunded from its till.
fn expected_cash(db: &Conn, shift_id: &Uuid, opening_cash: i64) -> ActResult<Vec<(PaymentMethod, i64)>> {
    let mut expected: Vec<(PaymentMethod, i64)> =
        vec![(PaymentMethod::Cash, opening_cash), (PaymentMethod::Card, 0), (PaymentMethod::QrWallet, 0)];
    let mut stmt = db.prepare_cached(
        "SELECT p.method, SUM(p.amount) FROM sale_payments p JOIN sales s ON s.id = p.sale_id
         WHERE s.shift_id = ?1 AND s.store_id = (SELECT store_id FROM shifts WHERE id = ?1) GROUP BY p.method",
    )?;
    let paid: Vec<(String, i64)> =
        stmt.query_map([shift_id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
    add_by_method(&mut expected, paid, 1);
    let change: i64 = db.query_row(
        "SELECT COALESCE(SUM(change_given), 0) FROM sales
         WHERE shift_id = ?1 AND store_id = (SELECT store_id FROM shifts WHERE id = ?1)",
        [shift_id.to_string()],
        |r| r.get(0),
    )?;
    expected[0].1 -= change;
    let mut stmt = db.prepare_cached(
        "SELECT refund_method, SUM(refund) FROM sale_returns WHERE shift_id = ?1 GROUP BY refund_method",
    )?;
    let refunds: Vec<(String, i64)> =
        stmt.query_map([shift_id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
    add_by_method(&mut expected, refunds, -1);
    Ok(expected)
}

/// Adds (`sign` 1) or takes away (-1) amounts read per payment method's wire name.
fn add_by_method(expected: &mut [(PaymentMethod, i64)], amounts: Vec<(String, i64)>, sign: i64) {
    for (method, amount) in amounts {
        let method = from_wire_name::<PaymentMethod>(&method);
        if let Some(e) = expected.iter_mut().find(|(m, _)| Some(*m) == method) {
            e.1 += sign * amount;
        }
    }
}

use portal_store_ops::ledger::LOW_STOCK_LEVEL;

pub fn stock(db: &Conn, store: Uuid) -> DbResult<StockReport> {
    // The ledger is the record: on-hand is summed from the movements, then checked against the
    // running balances the sales read.
    let mut stmt = db.prepare_cached(
        "SELECT m.sku, SUM(m.quantity), COUNT(*), COALESCE(b.on_hand, 0)
         FROM stock_movements m LEFT JOIN stock_balances b ON b.store_id = m.store_id AND b.sku = m.sku
         WHERE m.store_id = ?1 GROUP BY m.sku ORDER BY m.sku",
    )?;
    let rows: Vec<(String, i64, u32, i64)> = stmt
        .query_map([store.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<Result<_, _>>()?;
    let movements = rows.iter().map(|r| r.2).sum();
    let balances_agree = rows.iter().all(|r| r.1 == r.3);
    if !balances_agree {
        tracing::error!(%store, "stock balances disagree with the ledger");
    }
    let levels = rows
        .into_iter()
        .map(|(sku, on_hand, _, _)| StockLevel { low: on_hand <= LOW_STOCK_LEVEL, sku, on_hand })
        .collect();
    Ok(StockReport { store_id: store, levels, movements, balances_agree })
}

fn amounts(db: &Conn, sql: &str, args: impl rusqlite::Params) -> DbResult<Vec<AmountByKey>> {
    let mut stmt = db.prepare_cached(sql)?;
    let rows = stmt
        .query_map(args, |r| Ok(AmountByKey { key: r.get(0)?, quantity: r.get(1)?, amount: r.get(2)? }))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Per SKU: on hand when the day starts, units in and out during it, on hand when it ends.
fn day_stock(db: &Conn, store: &str, starts_at: i64) -> DbResult<Vec<DayStock>> {
    let ends_at = starts_at + 86_400;
    let rows = db
        .prepare_cached(
            "SELECT sku,
                    COALESCE(SUM(CASE WHEN device_at < ?2 THEN quantity END), 0),
                    COALESCE(SUM(CASE WHEN device_at >= ?2 AND quantity > 0 THEN quantity END), 0),
                    COALESCE(SUM(CASE WHEN device_at >= ?2 AND quantity < 0 THEN -quantity END), 0)
             FROM stock_movements WHERE store_id = ?1 AND device_at < ?3
             GROUP BY sku ORDER BY sku",
        )?
        .query_map(params![store, starts_at, ends_at], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?, r.get::<_, i64>(3)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows
        .into_iter()
        .filter(|(_, opening, moved_in, moved_out)| *opening != 0 || *moved_in != 0 || *moved_out != 0)
        .map(|(sku, opening, moved_in, moved_out)| DayStock {
            sku,
            opening,
            moved_in,
            moved_out,
            closing: opening + moved_in - moved_out,
        })
        .collect())
}

pub fn day_report(db: &Conn, store: Uuid, day: &str, starts_at: i64) -> DbResult<DayReport> {
    let s = store.to_string();
    let (sales, sales_amount): (u32, i64) = db.query_row(
        "SELECT COUNT(*), COALESCE(SUM(total), 0) FROM sales WHERE store_id = ?1 AND day = ?2",
        params![s, day],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let (returns, refunds_amount): (u32, i64) = db.query_row(
        "SELECT COUNT(*), COALESCE(SUM(refund), 0) FROM sale_returns WHERE store_id = ?1 AND day = ?2",
        params![s, day],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let by_product = amounts(
        db,
        "SELECT l.sku, SUM(l.quantity), SUM(l.net) FROM sale_lines l JOIN sales s ON s.id = l.sale_id
         WHERE s.store_id = ?1 AND s.day = ?2 GROUP BY l.sku ORDER BY SUM(l.net) DESC, l.sku",
        params![s, day],
    )?;
    let by_promoter = amounts(
        db,
        "SELECT u.display_name, COUNT(*), SUM(s.total) FROM sales s JOIN users u ON u.id = s.promoter_id
         WHERE s.store_id = ?1 AND s.day = ?2 GROUP BY s.promoter_id ORDER BY SUM(s.total) DESC",
        params![s, day],
    )?;
    let samples_by_state = amounts(
        db,
        "SELECT state, COUNT(*), 0 FROM samples WHERE store_id = ?1 GROUP BY state ORDER BY state",
        params![s],
    )?;
    let mut cash_differences = Vec::new();
    let mut flags = Vec::new();
    {
        let mut stmt = db.prepare_cached("SELECT outcome FROM store_op_log WHERE store_id = ?1 AND day = ?2")?;
        let outcomes: Vec<String> = stmt.query_map(params![s, day], |r| r.get(0))?.collect::<Result<_, _>>()?;
        for json in outcomes {
            let Ok(outcome) = serde_json::from_str::<OpOutcome>(&json) else { continue };
            for flag in outcome.flags {
                if let OpFlag::CashDifference { method, difference } = &flag {
                    cash_differences.push(AmountByKey { key: wire_name(method), quantity: 1, amount: *difference });
                }
                flags.push(flag);
            }
        }
    }
    Ok(DayReport {
        store_id: store,
        day: day.to_owned(),
        sales,
        sales_amount,
        returns,
        refunds_amount,
        by_product,
        by_promoter,
        cash_differences,
        samples_by_state,
        flags,
        stock: day_stock(db, &s, starts_at)?,
    })
}

pub fn purchases(db: &Conn, customer: Uuid) -> DbResult<PurchaseList> {
    let mut stmt = db.prepare_cached(
        "SELECT id, store_id, receipt_no, total, device_at FROM sales WHERE customer_id = ?1 ORDER BY device_at DESC LIMIT 200",
    )?;
    let rows: Vec<(String, String, String, i64, i64)> = stmt
        .query_map([customer.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
        .collect::<Result<_, _>>()?;
    let mut purchases = Vec::new();
    for (id, store, receipt_no, total, device_at) in rows {
        let mut lines_stmt = db.prepare_cached(
            "SELECT sku, quantity, unit_price, discount, serial FROM sale_lines WHERE sale_id = ?1 ORDER BY line",
        )?;
        let lines = lines_stmt
            .query_map([&id], |r| {
                Ok(SaleLine {
                    sku: r.get(0)?,
                    quantity: r.get(1)?,
                    unit_price: r.get(2)?,
                    discount: r.get(3)?,
                    serial: r.get(4)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        purchases.push(Purchase {
            sale_id: id.parse().unwrap_or_default(),
            store_id: store.parse().unwrap_or_default(),
            receipt_no,
            total,
            lines,
            device_at,
        });
    }
    Ok(PurchaseList { purchases })
}

/// Flags raised at a store after a cursor (the log's row number), oldest first; without a cursor,
/// none and where "from now on" starts.
pub fn flags_after(db: &Conn, store: Uuid, after: Option<i64>, limit: u32) -> DbResult<StoreFlagList> {
    let latest: i64 = db.query_row("SELECT COALESCE(MAX(rowid), 0) FROM store_op_log", [], |r| r.get(0))?;
    let Some(after) = after else {
        return Ok(StoreFlagList { store_id: store, events: Vec::new(), cursor: latest, has_more: false });
    };
    let rows: Vec<(i64, String, String, String, i64)> = db
        .prepare_cached(
            "SELECT l.rowid, l.op_id, u.display_name, l.outcome, l.device_at
             FROM store_op_log l JOIN users u ON u.id = l.user_id
             WHERE l.store_id = ?1 AND l.rowid > ?2
               AND (json_array_length(l.outcome, '$.flags') > 0 OR json_extract(l.outcome, '$.status') = 'rejected')
             ORDER BY l.rowid LIMIT ?3",
        )?
        .query_map(params![store.to_string(), after, i64::from(limit) + 1], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<Result<_, _>>()?;
    let has_more = rows.len() > limit as usize;
    let mut events = Vec::with_capacity(rows.len().min(limit as usize));
    for (seq, op_id, by, outcome, device_at) in rows.into_iter().take(limit as usize) {
        let Ok(outcome) = serde_json::from_str::<OpOutcome>(&outcome) else { continue };
        events.push(StoreFlagEvent {
            seq,
            op_id: op_id.parse().unwrap_or_default(),
            store_id: store,
            by,
            flags: outcome.flags,
            error: outcome.error,
            device_at,
        });
    }
    // Past the last event read; when all are read, past everything logged so far.
    let cursor = if has_more { events.last().map_or(after, |e| e.seq) } else { latest.max(after) };
    Ok(StoreFlagList { store_id: store, events, cursor, has_more })
}

/// The store's sales with this receipt number, newest first, each as it was made with what has
/// been returned of it since.
pub fn sales_by_receipt(db: &Conn, store: Uuid, receipt_no: &str) -> DbResult<StoreSaleList> {
    let rows: Vec<(String, String, i64, i64, i64, i64)> = db
        .prepare_cached(
            "SELECT id, shift_id, discounts, total, change_given, device_at FROM sales
             WHERE store_id = ?1 AND receipt_no = ?2 ORDER BY device_at DESC LIMIT 20",
        )?
        .query_map(params![store.to_string(), receipt_no], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
        })?
        .collect::<Result<_, _>>()?;
    let mut sales = Vec::with_capacity(rows.len());
    for (id, shift_id, discounts, total, change, device_at) in rows {
        let sold: Vec<(SaleLine, i64)> = db
            .prepare_cached(
                "SELECT sku, quantity, unit_price, discount, serial, returned FROM sale_lines WHERE sale_id = ?1 ORDER BY line",
            )?
            .query_map([&id], |r| {
                let line = SaleLine {
                    sku: r.get(0)?,
                    quantity: r.get(1)?,
                    unit_price: r.get(2)?,
                    discount: r.get(3)?,
                    serial: r.get(4)?,
                };
                Ok((line, r.get(5)?))
            })?
            .collect::<Result<_, _>>()?;
        let payments = db
            .prepare_cached("SELECT method, amount FROM sale_payments WHERE sale_id = ?1 ORDER BY rowid")?
            .query_map([&id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .filter_map(|(method, amount)| Some(Payment { method: from_wire_name(&method)?, amount }))
            .collect();
        let gifts = db
            .prepare_cached("SELECT sku, quantity FROM sale_gifts WHERE sale_id = ?1 ORDER BY rowid")?
            .query_map([&id], |r| Ok(SkuQuantity { sku: r.get(0)?, quantity: r.get(1)? }))?
            .collect::<Result<_, _>>()?;
        let returns: Vec<(String, i64)> = db
            .prepare_cached("SELECT id, refund FROM sale_returns WHERE sale_id = ?1 ORDER BY device_at")?
            .query_map([&id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        // The order discount is what the sale's discounts hold beyond its lines' own.
        let order_discount = discounts - sold.iter().map(|(l, _)| l.discount).sum::<i64>();
        let (lines, returned): (Vec<SaleLine>, Vec<i64>) = sold.into_iter().unzip();
        sales.push(StoreSale {
            sale_id: id.parse().unwrap_or_default(),
            store_id: store,
            receipt_no: receipt_no.to_owned(),
            sale: StoreAction::Sale {
                sale_id: id.parse().unwrap_or_default(),
                shift_id: shift_id.parse().unwrap_or_default(),
                receipt_no: receipt_no.to_owned(),
                customer_phone: None,
                customer_consent: false,
                lines,
                order_discount,
                payments,
                gifts,
            },
            total,
            change,
            device_at,
            returned,
            refunded: returns.iter().map(|(_, refund)| refund).sum(),
            return_ids: returns.iter().filter_map(|(id, _)| id.parse().ok()).collect(),
        });
    }
    Ok(StoreSaleList { sales })
}

/// A store's display units with their dated histories.
pub fn samples(db: &Conn, store: Uuid) -> DbResult<SampleList> {
    let mut stmt = db.prepare_cached(
        "SELECT serial, sku, state, location, updated_at FROM samples WHERE store_id = ?1 ORDER BY location, serial",
    )?;
    let rows: Vec<(String, String, String, String, i64)> = stmt
        .query_map([store.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
        .collect::<Result<_, _>>()?;
    let mut history_stmt =
        db.prepare_cached("SELECT state, location, at FROM sample_history WHERE serial = ?1 ORDER BY at, rowid")?;
    let mut samples = Vec::with_capacity(rows.len());
    for (serial, sku, state, location, updated_at) in rows {
        let Some(state) = from_wire_name::<SampleState>(&state) else { continue };
        let history = history_stmt
            .query_map([&serial], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?)))?
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .filter_map(|(state, location, at)| Some(SampleEvent { state: from_wire_name(&state)?, location, at }))
            .collect();
        samples.push(SampleUnit {
            serial,
            sku,
            state,
            location,
            updated_at,
            history,
            next_states: sample::next(state).to_vec(),
            expected_on_floor: sample::expected_on_floor(state),
        });
    }
    Ok(SampleList { store_id: store, samples })
}

/// Transfers in flight to and from a store, and the other stores it can send to.
pub fn transfers(db: &Conn, store: Uuid) -> DbResult<TransferList> {
    let mut stmt = db.prepare_cached(
        "SELECT id, from_store, to_store, lines, sent_at FROM transfers
         WHERE (from_store = ?1 OR to_store = ?1) AND received_at IS NULL ORDER BY sent_at",
    )?;
    let rows: Vec<(String, String, String, String, i64)> = stmt
        .query_map([store.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
        .collect::<Result<_, _>>()?;
    let (mut incoming, mut outgoing) = (Vec::new(), Vec::new());
    for (id, from, to, lines, sent_at) in rows {
        let (Ok(transfer_id), Ok(from_store), Ok(to_store), Ok(lines)) =
            (id.parse(), from.parse::<Uuid>(), to.parse(), serde_json::from_str(&lines))
        else {
            continue;
        };
        let t = OpenTransfer { transfer_id, from_store, to_store, lines, sent_at };
        if from_store == store {
            outgoing.push(t)
        } else {
            incoming.push(t)
        }
    }
    let mut stmt = db.prepare_cached("SELECT id, code, name, city FROM stores WHERE id <> ?1 ORDER BY code")?;
    let stores = stmt
        .query_map([store.to_string()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
        })?
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .filter_map(|(id, code, name, city)| Some(Store { id: id.parse().ok()?, code, name, city }))
        .collect();
    Ok(TransferList { store_id: store, incoming, outgoing, stores })
}

/// Every store with a stock ledger, by code, with the SKUs it has on hand (from the running balances).
pub fn skus_in_stock(db: &mut Conn) -> DbResult<Vec<StoreStock>> {
    let mut stmt = db.prepare_cached(
        "SELECT s.code, b.sku, b.on_hand > 0 FROM stock_balances b JOIN stores s ON s.id = b.store_id ORDER BY s.code, b.sku",
    )?;
    let rows: Vec<(String, String, bool)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<Result<_, _>>()?;
    let mut out: Vec<StoreStock> = Vec::new();
    for (store, sku, positive) in rows {
        if out.last().map(|s| &s.store) != Some(&store) {
            out.push(StoreStock { store, skus: Vec::new() });
        }
        if positive {
            out.last_mut().expect("just pushed").skus.push(sku);
        }
    }
    Ok(out)
}
