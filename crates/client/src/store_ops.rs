//! Store operations made on this device (a promoter's tablet), through the durable outbox: checked
//! with the same rules the server applies, recorded locally and queued in one transaction, sent in
//! order with their client ids, and acknowledged by the server's outcome for each.
use portal_api::{
    ApiError, ErrorCode, OpOutcome, OpStatus, Payment, PaymentMethod, SaleLine, StoreAction, StoreOp, StoreSale,
    StoreSaleList,
};
use portal_store_ops::{
    checkout,
    refusal::Refusal,
    shape,
    shift::{self, ShiftFacts},
};
use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    cache::{read_setting, write_setting, Cache},
    error::{ClientError, ClientResult},
    outbox,
};

pub const OUTBOX_KIND: &str = "store_op";
pub use portal_store_ops::checkout::{Totals, PROMOTER_DISCOUNT_LIMIT_PERCENT};

/// What the outbox keeps for a store operation; its id is the outbox row's.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Queued {
    store_id: Uuid,
    device_at: i64,
    action: StoreAction,
}

fn refuse(code: ErrorCode, message: String) -> ClientError {
    ClientError::Api(ApiError::new(code, message))
}

impl From<Refusal> for ClientError {
    fn from(r: Refusal) -> Self {
        refuse(r.code, r.message)
    }
}

/// Checks a sale as the server will, so that a bad one is refused at the counter, not later.
pub fn check(action: &StoreAction, limit_percent: u32) -> ClientResult<Option<checkout::Totals>> {
    match action {
        StoreAction::Sale { lines, order_discount, payments, receipt_no, gifts, .. } => {
            shape::check_sale(receipt_no, gifts)?;
            checkout::totals(lines, *order_discount, payments, limit_percent)
                .map(Some)
                .map_err(|e| refuse(e.code(), e.to_string()))
        }
        _ => Ok(None),
    }
}

/// A sale being put together at the counter, as the screen shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct SaleCheck {
    /// What the customer owes, once the lines and discounts hold (whatever has been paid so far).
    pub owed: Option<i64>,
    /// The sums, once the sale could be recorded as it stands.
    pub totals: Option<checkout::Totals>,
    /// Why it cannot be recorded yet (a discount above the limit, payments short, …).
    pub problem: Option<ApiError>,
}

/// Checks a sale at the counter with the rules `record` applies, for the screen: what is owed, and
/// the totals or the problem. Not a sale: nothing to owe, no problem.
pub fn sale_check(action: &StoreAction, limit_percent: u32) -> SaleCheck {
    let owed = match action {
        StoreAction::Sale { lines, order_discount, .. } => {
            checkout::price(lines, *order_discount, limit_percent).ok().map(|p| p.total)
        }
        _ => None,
    };
    match check(action, limit_percent) {
        Ok(totals) => SaleCheck { owed, totals, problem: None },
        Err(e) => SaleCheck { owed, totals: None, problem: Some(e.to_api_error()) },
    }
}

/// Records an operation: its local record (a sale's receipt, a shift, a return) and the outbox row,
/// in one transaction, after checking it against this device's records as the server will.
pub fn record(
    cache: &mut Cache,
    user_id: Uuid,
    store_id: Uuid,
    action: StoreAction,
    limit_percent: u32,
    now: i64,
) -> ClientResult<Uuid> {
    // The server's bounds, checked before anything is queued: refused here, with the field.
    let probe = StoreOp { id: Uuid::nil(), store_id, device_at: now, action };
    if let Err(e) = portal_store_ops::bounds::check(&probe, "op") {
        return Err(ClientError::Api(ApiError::new(ErrorCode::InvalidStoreOp, e.message).with_field(&e.field)));
    }
    let action = probe.action;
    shape::check(store_id, &action)?;
    let totals = check(&action, limit_percent)?;
    let (user, store) = (user_id.to_string(), store_id.to_string());
    let tx = cache.conn.transaction()?;
    let mut action = action;
    if let StoreAction::Return { shift_id, .. } = &mut action {
        // A refund is paid from the till of the shift open on this device, whatever the screen sent.
        let Some(open) = open_shift_id(&tx, &user, &store)? else {
            return Err(refuse(
                ErrorCode::ShiftClosed,
                "open a shift before taking a return: the refund comes out of its till".into(),
            ));
        };
        *shift_id = open.parse().ok();
    }
    let queued = Queued { store_id, device_at: now, action };
    let payload = serde_json::to_string(&queued).map_err(|e| ClientError::Protocol(e.to_string()))?;
    let op_id = outbox::enqueue(&tx, user_id, OUTBOX_KIND, &payload, now)?;
    match &queued.action {
        StoreAction::OpenShift { shift_id, opening_cash } => {
            shift::check_open(open_shift_id(&tx, &user, &store)?.is_some())?;
            tx.execute(
                "INSERT INTO pos_shifts (shift_id, user_id, store_id, opening_cash, opened_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![shift_id.to_string(), user, store, opening_cash, now],
            )?;
        }
        StoreAction::CloseShift { shift_id, counted, reason } => {
            // The device closes the shifts it opened: as the one who opened them.
            let here = local_shift(&tx, &shift_id.to_string())?;
            if here.is_none_or(|s| s.promoter_id != user_id) {
                return Err(refuse(ErrorCode::ShiftClosed, "this shift is not open on this device".into()));
            }
            shift::check_close(here.as_ref(), store_id, user_id, false)?;
            shift::count(&expected(&tx, &shift_id.to_string())?, counted, reason.as_deref())?;
            tx.execute("UPDATE pos_shifts SET closed_at = ?2 WHERE shift_id = ?1", params![shift_id.to_string(), now])?;
        }
        StoreAction::Sale { sale_id, receipt_no, shift_id, .. } => {
            if open_shift_id(&tx, &user, &store)?.as_deref() != Some(shift_id.to_string().as_str()) {
                return Err(refuse(ErrorCode::ShiftClosed, "open a shift before selling".into()));
            }
            let t = totals.expect("a sale has totals");
            let used: bool = tx
                .prepare_cached("SELECT EXISTS (SELECT 1 FROM pos_receipts WHERE receipt_no = ?1)")?
                .query_row([receipt_no], |r| r.get(0))?;
            if used {
                return Err(refuse(
                    ErrorCode::InvalidStoreOp,
                    format!("receipt number {receipt_no} is already used on this device"),
                ));
            }
            write_setting(&tx, RECEIPT_COUNTER, &(receipt_counter(&tx)? + 1).to_string())?;
            let body = serde_json::to_string(&queued.action).map_err(|e| ClientError::Protocol(e.to_string()))?;
            tx.execute(
                "INSERT INTO pos_receipts (sale_id, op_id, user_id, store_id, receipt_no, body, total, change, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![sale_id.to_string(), op_id.to_string(), user, store, receipt_no, body, t.total, t.change, now],
            )?;
        }
        StoreAction::Return { return_id, sale_id, refund_method, shift_id, .. } => {
            // A sale made on this device, or found on the server, is checked here; any other is
            // left to the server.
            if let Some(refund) = return_refund(&tx, &queued.action)? {
                let body = serde_json::to_string(&queued.action).map_err(|e| ClientError::Protocol(e.to_string()))?;
                tx.execute(
                    "INSERT INTO pos_returns (return_id, op_id, sale_id, body, refund, refund_method, created_at, shift_id)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![
                        return_id.to_string(),
                        op_id.to_string(),
                        sale_id.to_string(),
                        body,
                        refund,
                        portal_api::wire_name(refund_method),
                        now,
                        shift_id.map(|s| s.to_string())
                    ],
                )?;
            }
        }
        _ => {}
    }
    tx.commit()?;
    Ok(op_id)
}

/// A shift opened on this device, for the rules.
fn local_shift(conn: &rusqlite::Connection, shift_id: &str) -> ClientResult<Option<ShiftFacts>> {
    let row: Option<(String, String, Option<i64>)> = conn
        .prepare_cached("SELECT store_id, user_id, closed_at FROM pos_shifts WHERE shift_id = ?1")?
        .query_row([shift_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    Ok(row.and_then(|(store, user, closed_at)| {
        Some(ShiftFacts { store_id: store.parse().ok()?, promoter_id: user.parse().ok()?, closed: closed_at.is_some() })
    }))
}

fn open_shift_id(tx: &Transaction<'_>, user: &str, store: &str) -> ClientResult<Option<String>> {
    Ok(tx
        .prepare_cached("SELECT shift_id FROM pos_shifts WHERE user_id = ?1 AND store_id = ?2 AND closed_at IS NULL")?
        .query_row(params![user, store], |r| r.get(0))
        .optional()?)
}

/// The sale a receipt number or sale id names among this device's receipts.
fn local_sale(conn: &rusqlite::Connection, sale_id: &str) -> ClientResult<Option<(StoreAction, i64)>> {
    let row: Option<(String, i64)> = conn
        .prepare_cached("SELECT body, created_at FROM pos_receipts WHERE sale_id = ?1")?
        .query_row([sale_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(row.and_then(|(body, at)| Some((serde_json::from_str(&body).ok()?, at))))
}

/// A sale of another device found on the server, as it was when fetched.
fn found_sale(conn: &rusqlite::Connection, sale_id: &str) -> ClientResult<Option<StoreSale>> {
    let body: Option<String> = conn
        .prepare_cached("SELECT body FROM pos_found_sales WHERE sale_id = ?1")?
        .query_row([sale_id], |r| r.get(0))
        .optional()?;
    Ok(body.and_then(|b| serde_json::from_str(&b).ok()))
}

/// A sale as this device knows it (made here, or found on the server), as it was made.
pub fn sale_action(cache: &Cache, sale_id: Uuid) -> ClientResult<Option<StoreAction>> {
    let id = sale_id.to_string();
    if let Some((action, _)) = local_sale(&cache.conn, &id)? {
        return Ok(Some(action));
    }
    Ok(found_sale(&cache.conn, &id)?.map(|found| found.sale))
}

/// What a return checks a sale against: its lines and order discount, and what has come back so far.
struct Returnable {
    lines: Vec<SaleLine>,
    order_discount: i64,
    /// Units of each line returned so far.
    returned: Vec<i64>,
    /// What those returns refunded, in fen.
    refunded: i64,
}

/// Adds to `returned` and `refunded` the returns taken on this device against a sale, but for those
/// in `counted` (already in a figure from the server).
fn add_local_returns(
    conn: &rusqlite::Connection,
    sale_id: &str,
    counted: &[Uuid],
    returned: &mut [i64],
    refunded: &mut i64,
) -> ClientResult<()> {
    let rows: Vec<(String, String, i64)> = conn
        .prepare_cached("SELECT return_id, body, refund FROM pos_returns WHERE sale_id = ?1")?
        .query_map([sale_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    for (return_id, body, refund) in rows {
        if return_id.parse().is_ok_and(|id: Uuid| counted.contains(&id)) {
            continue;
        }
        if let Ok(StoreAction::Return { lines, .. }) = serde_json::from_str(&body) {
            for l in lines {
                if let Some(r) = returned.get_mut(l.line) {
                    *r += l.quantity;
                }
            }
            *refunded += refund;
        }
    }
    Ok(())
}

/// A sale made on this device or found on the server, with what has been returned of it: the
/// server's figure when it was looked up there, plus this device's returns it did not count yet.
fn returnable(conn: &rusqlite::Connection, sale_id: &str) -> ClientResult<Option<Returnable>> {
    let found = found_sale(conn, sale_id)?;
    let sale = match (local_sale(conn, sale_id)?, &found) {
        (Some((sale, _)), _) => sale,
        (None, Some(found)) => found.sale.clone(),
        (None, None) => return Ok(None),
    };
    let StoreAction::Sale { lines, order_discount, .. } = sale else { return Ok(None) };
    let (mut returned, mut refunded, counted) =
        found.map(|f| (f.returned, f.refunded, f.return_ids)).unwrap_or_default();
    returned.resize(lines.len(), 0);
    add_local_returns(conn, sale_id, &counted, &mut returned, &mut refunded)?;
    Ok(Some(Returnable { lines, order_discount, returned, refunded }))
}

/// The refund of a return against a sale this device knows (None when it does not), refusing more
/// than was bought, as the server does.
fn return_refund(conn: &rusqlite::Connection, action: &StoreAction) -> ClientResult<Option<i64>> {
    let StoreAction::Return { sale_id, lines: asked, gifts, .. } = action else { return Ok(None) };
    let Some(sale) = returnable(conn, &sale_id.to_string())? else { return Ok(None) };
    if asked.is_empty() && gifts.is_empty() {
        return Err(refuse(ErrorCode::InvalidStoreOp, "a return needs at least one line".into()));
    }
    let nets = checkout::line_nets(&sale.lines, sale.order_discount);
    let mut refund = 0;
    // Lines asked twice in one return count together.
    let mut returned = sale.returned.clone();
    for r in asked {
        let (Some(line), Some(net), Some(before)) =
            (sale.lines.get(r.line), nets.get(r.line), returned.get_mut(r.line))
        else {
            return Err(refuse(ErrorCode::InvalidStoreOp, format!("the sale has no line {}", r.line + 1)));
        };
        refund += checkout::refund(r.line, *net, line.quantity, *before, r.quantity)
            .map_err(|e| refuse(e.code(), e.to_string()))?;
        *before += r.quantity;
    }
    Ok(Some(refund))
}

/// What a shift opened on this device should hold per payment method: the opening cash plus what
/// its sales took (less change), less what was refunded from its till.
fn expected(conn: &rusqlite::Connection, shift_id: &str) -> ClientResult<Vec<Payment>> {
    let opening: i64 =
        conn.query_row("SELECT opening_cash FROM pos_shifts WHERE shift_id = ?1", [shift_id], |r| r.get(0))?;
    let bodies: Vec<(String, i64)> = conn
        .prepare_cached("SELECT body, change FROM pos_receipts WHERE json_extract(body, '$.shift_id') = ?1")?
        .query_map([shift_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut paid = Vec::new();
    let mut change = 0i64;
    for (body, given) in bodies {
        if let Ok(StoreAction::Sale { payments, .. }) = serde_json::from_str(&body) {
            paid.extend(payments.into_iter().map(|p| (p.method, p.amount)));
            change = change.saturating_add(given);
        }
    }
    let refunds: Vec<(String, i64)> = conn
        .prepare_cached(
            "SELECT refund_method, SUM(refund) FROM pos_returns WHERE shift_id = ?1 GROUP BY refund_method",
        )?
        .query_map([shift_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let refunded = refunds
        .into_iter()
        .filter_map(|(method, amount)| Some((portal_api::from_wire_name::<PaymentMethod>(&method)?, amount)));
    Ok(shift::expected_cash(opening, paid, change, refunded)?)
}

/// The shift open on this device for an account and store, with what the till should hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct OpenShift {
    pub shift_id: Uuid,
    pub store_id: Uuid,
    pub opening_cash: i64,
    pub opened_at: i64,
    /// Per payment method: opening cash plus sales (less change) less refunds, in fen.
    pub expected: Vec<Payment>,
    pub sales: u32,
}

pub fn open_shift(cache: &mut Cache, user_id: Uuid, store_id: Uuid) -> ClientResult<Option<OpenShift>> {
    let tx = cache.conn.transaction()?;
    let Some(id) = open_shift_id(&tx, &user_id.to_string(), &store_id.to_string())? else { return Ok(None) };
    let (opening_cash, opened_at): (i64, i64) =
        tx.query_row("SELECT opening_cash, opened_at FROM pos_shifts WHERE shift_id = ?1", [&id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    let sales: u32 =
        tx.query_row("SELECT COUNT(*) FROM pos_receipts WHERE json_extract(body, '$.shift_id') = ?1", [&id], |r| {
            r.get(0)
        })?;
    let expected = expected(&tx, &id)?;
    Ok(Some(OpenShift {
        shift_id: id.parse().map_err(|_| ClientError::Protocol("bad shift id".into()))?,
        store_id,
        opening_cash,
        opened_at,
        expected,
        sales,
    }))
}

/// A return's refund worked out on this device before it is recorded (for the screen).
pub fn preview_refund(cache: &Cache, action: &StoreAction) -> ClientResult<Option<i64>> {
    return_refund(&cache.conn, action)
}

/// The leading operations of `pending` that are store operations, as the server takes them, and
/// the ids of those among them that no longer parse (to be set aside, never sent nor skipped).
pub fn ops(pending: &[outbox::PendingOp]) -> (Vec<StoreOp>, Vec<Uuid>) {
    let mut ops = Vec::new();
    let mut unreadable = Vec::new();
    for p in pending.iter().take_while(|p| p.kind == OUTBOX_KIND) {
        match parse(p) {
            Some(op) => ops.push(op),
            None => unreadable.push(p.op_id),
        }
    }
    (ops, unreadable)
}

/// Every store operation among `pending`, whatever is queued between them.
pub fn all_ops(pending: &[outbox::PendingOp]) -> Vec<StoreOp> {
    pending.iter().filter(|p| p.kind == OUTBOX_KIND).filter_map(parse).collect()
}

fn parse(p: &outbox::PendingOp) -> Option<StoreOp> {
    let q: Queued = serde_json::from_str(&p.payload).ok()?;
    Some(StoreOp { id: p.op_id, store_id: q.store_id, device_at: q.device_at, action: q.action })
}

/// Takes the server's outcomes: every one acknowledges its operation (applied, duplicate or
/// rejected); rejections and flags are kept for the promoter to see.
pub fn acknowledge(cache: &mut Cache, user_id: Uuid, outcomes: &[OpOutcome], now: i64) -> ClientResult<()> {
    let tx = cache.conn.transaction()?;
    for o in outcomes {
        // A rejection heard again as a retry's duplicate is still a rejection.
        let rejected = o.status == OpStatus::Rejected || o.error.is_some();
        if rejected || !o.flags.is_empty() {
            let store: Option<String> = tx
                .prepare_cached("SELECT json_extract(payload, '$.store_id') FROM outbox WHERE op_id = ?1")?
                .query_row([o.id.to_string()], |r| r.get(0))
                .optional()?
                .flatten();
            tx.execute(
                "INSERT OR REPLACE INTO pos_outcomes (op_id, user_id, outcome, received_at, store_id)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    o.id.to_string(),
                    user_id.to_string(),
                    serde_json::to_string(o).unwrap_or_default(),
                    now,
                    store
                ],
            )?;
        }
        if rejected {
            let reason = o.error.as_ref().map(|e| e.code.as_str()).unwrap_or("rejected");
            outbox::set_aside(&tx, &[o.id], reason, now)?;
        }
        tx.execute("DELETE FROM outbox WHERE op_id = ?1", [o.id.to_string()])?;
        // Acknowledged: the customer's phone has done its work and leaves the device.
        tx.execute(
            "UPDATE pos_receipts SET body = json_remove(body, '$.customer_phone')
             WHERE op_id = ?1 AND json_extract(body, '$.customer_phone') IS NOT NULL",
            [o.id.to_string()],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// Sets aside operations this device cannot send (unreadable rows, or ones the server refuses
/// whole, for good), each with a notice for the person: a rejection with the reason.
pub fn set_aside(cache: &mut Cache, user_id: Uuid, ids: &[Uuid], error: ApiError, now: i64) -> ClientResult<()> {
    let tx = cache.conn.transaction()?;
    for id in ids {
        let store: Option<String> = tx
            .prepare_cached(
                "SELECT CASE WHEN json_valid(payload) THEN json_extract(payload, '$.store_id') END FROM outbox WHERE op_id = ?1",
            )?
            .query_row([id.to_string()], |r| r.get(0))
            .optional()?
            .flatten();
        let outcome = OpOutcome {
            id: *id,
            status: OpStatus::Rejected,
            error: Some(error.clone()),
            flags: vec![],
            current_state: None,
            refund: None,
        };
        tx.execute(
            "INSERT OR REPLACE INTO pos_outcomes (op_id, user_id, outcome, received_at, store_id) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id.to_string(), user_id.to_string(), serde_json::to_string(&outcome).unwrap_or_default(), now, store],
        )?;
        outbox::set_aside(&tx, &[*id], error.code.as_str(), now)?;
    }
    tx.commit()?;
    Ok(())
}

/// Where a manager's device has read a store's flags up to.
fn flags_cursor_key(user_id: Uuid, store_id: Uuid) -> String {
    format!("pos.flags_cursor.{user_id}.{store_id}")
}

pub fn flags_cursor(cache: &Cache, user_id: Uuid, store_id: Uuid) -> ClientResult<Option<i64>> {
    Ok(cache.setting(&flags_cursor_key(user_id, store_id))?.and_then(|v| v.parse().ok()))
}

/// Takes flags raised at a store a manager runs (by anyone's operations) as notices for this
/// account, shown and notified like its own, and moves the cursor, in one transaction. Returns how
/// many are new (an operation already noticed here, such as the manager's own, counts once).
pub fn take_store_flags(
    cache: &mut Cache,
    user_id: Uuid,
    list: &portal_api::StoreFlagList,
    now: i64,
) -> ClientResult<u32> {
    let tx = cache.conn.transaction()?;
    let mut new = 0;
    for event in &list.events {
        let outcome = OpOutcome {
            id: event.op_id,
            status: if event.error.is_some() { OpStatus::Rejected } else { OpStatus::Applied },
            error: event.error.clone(),
            flags: event.flags.clone(),
            current_state: None,
            refund: None,
        };
        new += tx.execute(
            "INSERT OR IGNORE INTO pos_outcomes (op_id, user_id, outcome, received_at, store_id, made_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                event.op_id.to_string(),
                user_id.to_string(),
                serde_json::to_string(&outcome).unwrap_or_default(),
                now,
                list.store_id.to_string(),
                event.by
            ],
        )? as u32;
    }
    write_setting(&tx, &flags_cursor_key(user_id, list.store_id), &list.cursor.to_string())?;
    tx.commit()?;
    Ok(new)
}

/// A refusal or flags from the server, with where and by whom, for the screen and notifications.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Notice {
    pub outcome: OpOutcome,
    /// The store the operation was made at (unknown for notices kept by an older version).
    pub store_id: Option<Uuid>,
    /// Who made the operation, when this account heard of it as a store manager.
    pub made_by: Option<String>,
}

fn notice_rows(conn: &rusqlite::Connection, sql: &str, user_id: Uuid) -> ClientResult<Vec<Notice>> {
    let rows: Vec<(String, Option<String>, Option<String>)> = conn
        .prepare_cached(sql)?
        .query_map([user_id.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    Ok(rows
        .into_iter()
        .filter_map(|(outcome, store, made_by)| {
            Some(Notice {
                outcome: serde_json::from_str(&outcome).ok()?,
                store_id: store.and_then(|s| s.parse().ok()),
                made_by,
            })
        })
        .collect())
}

/// Refusals and flags of this account's operations, and for a manager those of their stores,
/// newest first.
pub fn notices(cache: &Cache, user_id: Uuid) -> ClientResult<Vec<Notice>> {
    notice_rows(
        &cache.conn,
        "SELECT outcome, store_id, made_by FROM pos_outcomes WHERE user_id = ?1 ORDER BY received_at DESC LIMIT 100",
        user_id,
    )
}

/// Refusals and flags not yet shown as an OS notification, oldest first; marked as shown.
pub fn take_unnotified(cache: &mut Cache, user_id: Uuid) -> ClientResult<Vec<Notice>> {
    let tx = cache.conn.transaction()?;
    let rows = notice_rows(
        &tx,
        "SELECT outcome, store_id, made_by FROM pos_outcomes WHERE user_id = ?1 AND notified = 0 ORDER BY received_at",
        user_id,
    )?;
    tx.execute("UPDATE pos_outcomes SET notified = 1 WHERE user_id = ?1 AND notified = 0", [user_id.to_string()])?;
    tx.commit()?;
    Ok(rows)
}

/// A receipt made on this device, for the screen, printing and reprints (offline too).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct SaleReceipt {
    pub sale_id: Uuid,
    pub store_id: Uuid,
    pub receipt_no: String,
    /// The sale as it was recorded (a `StoreAction` of type `sale`).
    pub sale: StoreAction,
    pub total: i64,
    pub change: i64,
    pub created_at: i64,
    /// Still in the outbox: the server has not acknowledged it yet.
    pub pending: bool,
    /// Units of each line returned so far (on this device, and for a found sale at any device).
    pub returned: Vec<i64>,
    /// What those returns refunded, in fen.
    pub refunded: i64,
    /// Made on another device and found on the server by its number.
    pub found: bool,
}

/// This account's receipts, newest first.
pub fn receipts(cache: &Cache, user_id: Uuid, limit: u32) -> ClientResult<Vec<SaleReceipt>> {
    let mut stmt = cache.conn.prepare_cached(
        "SELECT r.sale_id, r.store_id, r.receipt_no, r.body, r.total, r.change, r.created_at,
                EXISTS (SELECT 1 FROM outbox o WHERE o.op_id = r.op_id)
         FROM pos_receipts r WHERE r.user_id = ?1 ORDER BY r.created_at DESC, r.receipt_no DESC LIMIT ?2",
    )?;
    let rows = stmt
        .query_map(params![user_id.to_string(), limit], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, i64>(6)?,
                r.get::<_, bool>(7)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::with_capacity(rows.len());
    for (sale_id, store_id, receipt_no, body, total, change, created_at, pending) in rows {
        let (Ok(id), Ok(store_id), Ok(sale)) =
            (sale_id.parse::<Uuid>(), store_id.parse::<Uuid>(), serde_json::from_str::<StoreAction>(&body))
        else {
            continue;
        };
        let Some(Returnable { returned, refunded, .. }) = returnable(&cache.conn, &sale_id)? else { continue };
        out.push(SaleReceipt {
            sale_id: id,
            store_id,
            receipt_no,
            sale,
            total,
            change,
            created_at,
            pending,
            returned,
            refunded,
            found: false,
        });
    }
    Ok(out)
}

/// Keeps sales found on the server (for a return of another device's sale, checked here too).
pub fn keep_found(cache: &Cache, found: &StoreSaleList, now: i64) -> ClientResult<()> {
    let mut stmt = cache.conn.prepare_cached(
        "INSERT OR REPLACE INTO pos_found_sales (sale_id, store_id, receipt_no, body, fetched_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for sale in &found.sales {
        let body = serde_json::to_string(sale).map_err(|e| ClientError::Protocol(e.to_string()))?;
        stmt.execute(params![sale.sale_id.to_string(), sale.store_id.to_string(), sale.receipt_no, body, now])?;
    }
    Ok(())
}

/// Sales of a store found on the server with this receipt number (as last fetched), newest first,
/// with this device's returns that the server had not counted then.
pub fn found_receipts(cache: &Cache, store_id: Uuid, receipt_no: &str) -> ClientResult<Vec<SaleReceipt>> {
    let bodies: Vec<String> = cache
        .conn
        .prepare_cached("SELECT body FROM pos_found_sales WHERE store_id = ?1 AND receipt_no = ?2")?
        .query_map(params![store_id.to_string(), receipt_no.trim()], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for found in bodies.iter().filter_map(|b| serde_json::from_str::<StoreSale>(b).ok()) {
        let Some(Returnable { returned, refunded, .. }) = returnable(&cache.conn, &found.sale_id.to_string())? else {
            continue;
        };
        out.push(SaleReceipt {
            sale_id: found.sale_id,
            store_id: found.store_id,
            receipt_no: found.receipt_no,
            sale: found.sale,
            total: found.total,
            change: found.change,
            created_at: found.device_at,
            pending: false,
            returned,
            refunded,
            found: true,
        });
    }
    out.sort_by_key(|r| std::cmp::Reverse(r.created_at));
    Ok(out)
}

/// How many sales this device has recorded, kept in the cache's settings.
const RECEIPT_COUNTER: &str = "pos.receipt_counter";

fn receipt_counter(conn: &rusqlite::Connection) -> ClientResult<i64> {
    Ok(read_setting(conn, RECEIPT_COUNTER)?.and_then(|v| v.parse().ok()).unwrap_or(0))
}

/// The number the next sale on this device will print: the device name's first characters and a
/// counter. The counter moves only when a sale is recorded (in its transaction), so a refused
/// checkout leaves no gap in the numbering.
pub fn next_receipt_no(cache: &Cache, device: &str) -> ClientResult<String> {
    let n = receipt_counter(&cache.conn)? + 1;
    Ok(format!("{}-{n:06}", device.chars().filter(|c| c.is_ascii_alphanumeric()).take(8).collect::<String>()))
}

#[cfg(test)]
mod tests {
    use portal_api::{ReturnLine, SaleLine, SkuQuantity, StockLevel, StockReport};

    use super::*;
    use crate::store_stock;

    fn code(e: ClientError) -> ErrorCode {
        match e {
            ClientError::Api(a) => a.code,
            other => panic!("not an API error: {other}"),
        }
    }

    fn sale(shift_id: Uuid, receipt_no: &str, cash: i64) -> StoreAction {
        StoreAction::Sale {
            sale_id: Uuid::now_v7(),
            shift_id,
            receipt_no: receipt_no.into(),
            customer_phone: None,
            customer_consent: false,
            lines: vec![
                SaleLine {
                    sku: "TV-1".into(),
                    quantity: 1,
                    unit_price: 3000_00,
                    discount: 0,
                    serial: Some("SN1".into()),
                },
                SaleLine { sku: "CABLE".into(), quantity: 3, unit_price: 10_00, discount: 0, serial: None },
            ],
            order_discount: 30_00,
            payments: vec![
                Payment { method: PaymentMethod::Card, amount: 2000_00 },
                Payment { method: PaymentMethod::Cash, amount: cash },
            ],
            gifts: vec![SkuQuantity { sku: "GIFT".into(), quantity: 1 }],
            offer: None,
        }
    }

    #[test]
    fn a_sale_whose_offer_took_what_was_not_shown_is_refused_before_it_is_queued() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = Cache::open(&dir.path().join("c.sqlite")).unwrap();
        let (user, store, shift) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        record(&mut cache, user, store, StoreAction::OpenShift { shift_id: shift, opening_cash: 0 }, 10, 1).unwrap();
        let with_offer = |accepted: &str, receipt_no: String| {
            let StoreAction::Sale {
                sale_id, shift_id, customer_phone, customer_consent, lines, payments, gifts, ..
            } = sale(shift, "T-000001", 1000_00)
            else {
                unreachable!()
            };
            StoreAction::Sale {
                sale_id,
                shift_id,
                receipt_no,
                customer_phone,
                customer_consent,
                lines,
                order_discount: 30_00,
                payments,
                gifts,
                offer: Some(portal_api::CounterOffer {
                    recommendation: Uuid::now_v7(),
                    shown: vec!["CABLE".into(), "CASE".into()],
                    accepted: vec![accepted.into()],
                }),
            }
        };
        let no = next_receipt_no(&cache, "T").unwrap();
        let refused = record(&mut cache, user, store, with_offer("EARPHONES", no.clone()), 10, 2).unwrap_err();
        assert_eq!(code(refused), ErrorCode::InvalidStoreOp);
        assert_eq!(outbox::pending_count(&cache, user).unwrap(), 1, "only the shift is queued");
        record(&mut cache, user, store, with_offer("CABLE", no), 10, 3).unwrap();
        assert_eq!(outbox::pending_count(&cache, user).unwrap(), 2);
    }

    #[test]
    fn the_counter_checks_shifts_and_returns_as_the_server_will() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = Cache::open(&dir.path().join("c.sqlite")).unwrap();
        let (user, store) = (Uuid::now_v7(), Uuid::now_v7());
        let shift = Uuid::now_v7();
        let open = StoreAction::OpenShift { shift_id: shift, opening_cash: 500_00 };

        let first_no = next_receipt_no(&cache, "Tablet 7").unwrap();
        assert_eq!(first_no, "Tablet7-000001");
        let refused = record(&mut cache, user, store, sale(shift, &first_no, 1000_00), 10, 1).unwrap_err();
        assert_eq!(code(refused), ErrorCode::ShiftClosed, "no sale before the shift opens");
        assert_eq!(next_receipt_no(&cache, "Tablet 7").unwrap(), first_no, "a refused sale leaves no gap");
        assert_eq!(outbox::pending_count(&cache, user).unwrap(), 0, "a refused operation leaves nothing queued");
        record(&mut cache, user, store, open.clone(), 10, 2).unwrap();
        let twice = record(
            &mut cache,
            user,
            store,
            StoreAction::OpenShift { shift_id: Uuid::now_v7(), opening_cash: 0 },
            10,
            3,
        );
        assert_eq!(code(twice.unwrap_err()), ErrorCode::InvalidStoreOp, "one open shift at a time");

        // 3000 + 30 - 30 = 3000 owed; 2000 by card, 1050 cash → 50 change.
        let s = sale(shift, &first_no, 1050_00);
        let StoreAction::Sale { sale_id, .. } = s.clone() else { unreachable!() };
        record(&mut cache, user, store, s, 10, 4).unwrap();
        assert_eq!(next_receipt_no(&cache, "Tablet 7").unwrap(), "Tablet7-000002", "taken with the sale");
        let again = record(&mut cache, user, store, sale(shift, &first_no, 1050_00), 10, 4).unwrap_err();
        assert_eq!(code(again), ErrorCode::InvalidStoreOp, "a receipt number is used once");
        let shown = open_shift(&mut cache, user, store).unwrap().unwrap();
        assert_eq!(shown.sales, 1);
        assert_eq!(
            shown.expected,
            [
                Payment { method: PaymentMethod::Cash, amount: 500_00 + 1050_00 - 50_00 },
                Payment { method: PaymentMethod::Card, amount: 2000_00 },
                Payment { method: PaymentMethod::QrWallet, amount: 0 },
            ]
        );

        // Returns: two cables of three, then two more is one too many; the refund is the lines' net.
        let ret = |n: i64| StoreAction::Return {
            return_id: Uuid::now_v7(),
            sale_id,
            lines: vec![ReturnLine { line: 1, quantity: n }],
            gifts: vec![],
            refund_method: PaymentMethod::Cash,
            shift_id: None,
        };
        // The cables' net: 30 less their share of the 30 order discount; being the last line they
        // take what the TV's share (30 * 3000 / 3030, rounded down) leaves.
        let cables_net = 30_00 - (30_00 - 30_00 * 3000_00 / 3030_00);
        let first = preview_refund(&cache, &ret(2)).unwrap().unwrap();
        assert_eq!(first, cables_net * 2 / 3);
        record(&mut cache, user, store, ret(2), 10, 5).unwrap();
        assert_eq!(code(record(&mut cache, user, store, ret(2), 10, 6).unwrap_err()), ErrorCode::ReturnExceedsSale);
        let last = preview_refund(&cache, &ret(1)).unwrap().unwrap();
        assert_eq!(first + last, cables_net, "returning every unit refunds exactly what was paid");
        let receipt = receipts(&cache, user, 10).unwrap().remove(0);
        assert_eq!((receipt.returned.clone(), receipt.refunded), (vec![0, 2], first));
        assert!(receipt.pending);

        // Stock as this device sees it: the server's last figures plus what it has not sent.
        let report = StockReport {
            store_id: store,
            levels: vec![
                StockLevel { sku: "CABLE".into(), on_hand: 10, low: false },
                StockLevel { sku: "GIFT".into(), on_hand: 2, low: true },
            ],
            movements: 2,
            balances_agree: true,
        };
        store_stock::save_report(&cache, &report, 7).unwrap();
        let view = store_stock::view(&cache, user, store).unwrap();
        let level = |sku: &str| view.lines.iter().find(|l| l.sku == sku).map(|l| (l.on_hand, l.unsent, l.low)).unwrap();
        assert_eq!(level("CABLE"), (10 - 3 + 2, -1, false));
        assert_eq!(level("GIFT"), (1, -1, true));
        assert_eq!(level("TV-1"), (-1, -1, true), "a sale is a fact: stock may go below zero");
        assert_eq!(
            (view.unsent_ops, view.fetched_at),
            (3, Some(7)),
            "open, sale, return; the refused one never queued"
        );

        // Closing: a count that differs needs a reason; a shift closes once.
        let close = |reason: Option<&str>| StoreAction::CloseShift {
            shift_id: shift,
            counted: vec![
                Payment { method: PaymentMethod::Cash, amount: 1400_00 },
                Payment { method: PaymentMethod::Card, amount: 2000_00 },
            ],
            reason: reason.map(String::from),
        };
        assert_eq!(code(record(&mut cache, user, store, close(None), 10, 8).unwrap_err()), ErrorCode::ReasonRequired);
        record(&mut cache, user, store, close(Some("till short")), 10, 9).unwrap();
        assert_eq!(
            code(record(&mut cache, user, store, close(Some("x")), 10, 10).unwrap_err()),
            ErrorCode::ShiftClosed
        );
        assert!(open_shift(&mut cache, user, store).unwrap().is_none());

        // The server's answers: a flag and a refusal are kept to show, and notified once.
        let flagged = OpOutcome {
            id: Uuid::now_v7(),
            status: OpStatus::Applied,
            error: None,
            flags: vec![portal_api::OpFlag::SerialSoldTwice { serial: "SN1".into() }],
            current_state: None,
            refund: None,
        };
        let clean = OpOutcome { id: Uuid::now_v7(), flags: vec![], ..flagged.clone() };
        acknowledge(&mut cache, user, &[flagged.clone(), clean], 11).unwrap();
        let outcomes = |notices: Vec<Notice>| notices.into_iter().map(|n| n.outcome).collect::<Vec<_>>();
        assert_eq!(outcomes(notices(&cache, user).unwrap()), [flagged.clone()], "only what needs a look is kept");
        assert_eq!(outcomes(take_unnotified(&mut cache, user).unwrap()), [flagged]);
        assert!(take_unnotified(&mut cache, user).unwrap().is_empty(), "each is notified once");
        assert_eq!(notices(&cache, user).unwrap().len(), 1, "and still listed");
    }

    #[test]
    fn a_sale_found_on_the_server_is_taken_back_here_from_this_tills_shift_and_counted_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = Cache::open(&dir.path().join("c.sqlite")).unwrap();
        let (user, store) = (Uuid::now_v7(), Uuid::now_v7());
        let made_elsewhere = sale(Uuid::now_v7(), "TABB-000007", 1050_00);
        let StoreAction::Sale { sale_id, .. } = made_elsewhere.clone() else { unreachable!() };
        let earlier_return = Uuid::now_v7();
        // As the server tells it: the TV already came back at the other tablet.
        let found = |returned: Vec<i64>, refunded: i64, return_ids: Vec<Uuid>| StoreSaleList {
            sales: vec![StoreSale {
                sale_id,
                store_id: store,
                receipt_no: "TABB-000007".into(),
                sale: made_elsewhere.clone(),
                total: 3000_00,
                change: 50_00,
                device_at: 100,
                returned,
                refunded,
                return_ids,
            }],
        };
        keep_found(&cache, &found(vec![1, 0], 2970_30, vec![earlier_return]), 5).unwrap();
        let back = |line: usize, quantity: i64| StoreAction::Return {
            return_id: Uuid::now_v7(),
            sale_id,
            lines: vec![ReturnLine { line, quantity }],
            gifts: vec![],
            refund_method: PaymentMethod::Cash,
            shift_id: None,
        };

        let refused = record(&mut cache, user, store, back(1, 1), 10, 6).unwrap_err();
        assert_eq!(code(refused), ErrorCode::ShiftClosed, "a refund is paid from an open till");
        let shift = Uuid::now_v7();
        record(&mut cache, user, store, StoreAction::OpenShift { shift_id: shift, opening_cash: 500_00 }, 10, 7)
            .unwrap();
        assert_eq!(
            code(preview_refund(&cache, &back(0, 1)).unwrap_err()),
            ErrorCode::ReturnExceedsSale,
            "what came back at another device counts"
        );
        let cables_net = 30_00 - (30_00 - 30_00 * 3000_00 / 3030_00);
        let cable = back(1, 1);
        let StoreAction::Return { return_id, .. } = cable.clone() else { unreachable!() };
        assert_eq!(preview_refund(&cache, &cable).unwrap(), Some(cables_net / 3));
        let op_id = record(&mut cache, user, store, cable, 10, 8).unwrap();

        // The return names this device's shift, and the refund comes out of its till only.
        let pending = outbox::due(&cache, user, i64::MAX, 10).unwrap();
        let sent = all_ops(&pending).into_iter().find(|o| o.id == op_id).unwrap();
        assert!(matches!(sent.action, StoreAction::Return { shift_id: Some(s), .. } if s == shift));
        let till = open_shift(&mut cache, user, store).unwrap().unwrap();
        assert_eq!(till.expected[0], Payment { method: PaymentMethod::Cash, amount: 500_00 - cables_net / 3 });
        let view = store_stock::view(&cache, user, store).unwrap();
        assert_eq!(view.lines.iter().find(|l| l.sku == "CABLE").map(|l| l.unsent), Some(1), "back into stock");

        let shown = found_receipts(&cache, store, " TABB-000007 ").unwrap().remove(0);
        assert!(shown.found && !shown.pending);
        assert_eq!((shown.returned, shown.refunded), (vec![1, 1], 2970_30 + cables_net / 3));
        // Looked up again once the server has it: counted once, not twice.
        keep_found(&cache, &found(vec![1, 1], 2970_30 + cables_net / 3, vec![earlier_return, return_id]), 9).unwrap();
        let shown = found_receipts(&cache, store, "TABB-000007").unwrap().remove(0);
        assert_eq!((shown.returned, shown.refunded), (vec![1, 1], 2970_30 + cables_net / 3));
        assert!(found_receipts(&cache, Uuid::now_v7(), "TABB-000007").unwrap().is_empty(), "per store");
    }

    #[test]
    fn the_counter_shows_what_is_owed_before_it_is_paid_and_why_a_sale_cannot_go_through() {
        // 3000 + 30 - 30 order discount = 3000 owed; 2000 card + 500 cash is 500 short.
        let short = sale(Uuid::now_v7(), "R-9", 500_00);
        let check = sale_check(&short, 10);
        assert_eq!(check.owed, Some(3000_00));
        assert_eq!(check.totals, None);
        assert_eq!(check.problem.map(|p| p.code), Some(ErrorCode::InvalidStoreOp));

        let paid = sale_check(&sale(Uuid::now_v7(), "R-9", 1100_00), 10);
        assert_eq!((paid.owed, paid.totals.map(|t| t.change), paid.problem), (Some(3000_00), Some(100_00), None));

        // With no discount allowed the 30 order discount is refused: nothing is owed until it is fixed.
        let greedy = sale_check(&sale(Uuid::now_v7(), "R-9", 1100_00), 0);
        assert_eq!(greedy.owed, None);
        assert_eq!(greedy.problem.map(|p| p.code), Some(ErrorCode::DiscountAboveLimit));
    }

    #[test]
    fn flags_at_a_managers_stores_become_their_notices_once_and_move_the_cursor() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = Cache::open(&dir.path().join("c.sqlite")).unwrap();
        let (manager, store) = (Uuid::now_v7(), Uuid::now_v7());
        assert_eq!(flags_cursor(&cache, manager, store).unwrap(), None);
        let event = |flag: portal_api::OpFlag| portal_api::StoreFlagEvent {
            seq: 0,
            op_id: Uuid::now_v7(),
            store_id: store,
            by: "促销员".into(),
            flags: vec![flag],
            error: None,
            device_at: 1,
        };
        let negative = event(portal_api::OpFlag::NegativeStock { sku: "TV-1".into(), on_hand: -1 });
        let list =
            portal_api::StoreFlagList { store_id: store, events: vec![negative.clone()], cursor: 42, has_more: false };
        assert_eq!(take_store_flags(&mut cache, manager, &list, 5).unwrap(), 1);
        assert_eq!(flags_cursor(&cache, manager, store).unwrap(), Some(42));
        let shown = take_unnotified(&mut cache, manager).unwrap();
        assert_eq!(shown.len(), 1);
        assert_eq!((shown[0].outcome.id, shown[0].outcome.flags.clone()), (negative.op_id, negative.flags.clone()));
        assert_eq!(
            (shown[0].store_id, shown[0].made_by.as_deref()),
            (Some(store), Some("促销员")),
            "where and by whom"
        );

        // Read again (a retried page): nothing new, nothing notified twice.
        assert_eq!(take_store_flags(&mut cache, manager, &list, 6).unwrap(), 0);
        assert!(take_unnotified(&mut cache, manager).unwrap().is_empty());
        assert_eq!(notices(&cache, manager).unwrap().len(), 1);
        assert!(notices(&cache, Uuid::now_v7()).unwrap().is_empty(), "another account on this device sees none");
    }
}
