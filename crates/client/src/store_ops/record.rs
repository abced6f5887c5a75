//! Recording an operation on the device: checked as the server will check it, kept in the local
//! ledger and queued in the outbox in one transaction; shifts, sales and returns as the device
//! knows them.
use super::*;

/// Checks a sale as the server will, so that a bad one is refused at the counter, not later.
pub fn check(action: &StoreAction, limit_percent: u32) -> ClientResult<Option<checkout::Totals>> {
    match action {
        StoreAction::Sale { lines, order_discount, payments, receipt_no, gifts, coupon, .. } => {
            shape::check_sale(receipt_no, gifts)?;
            let coupon_off = coupon.as_ref().map_or(0, |c| c.off);
            checkout::totals_with_coupon(lines, *order_discount, coupon_off, payments, limit_percent)
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
        StoreAction::Sale { lines, order_discount, coupon, .. } => {
            let coupon_off = coupon.as_ref().map_or(0, |c| c.off);
            checkout::price_with_coupon(lines, *order_discount, coupon_off, limit_percent).ok().map(|p| p.total)
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
    // A coupon is checked again against the basket as it is now: the screen's sum off is never
    // taken on trust (the server reads it again, and the ledger redeems it once).
    if let StoreAction::Sale { coupon: Some(used), lines, .. } = &action {
        let till = crate::coupons::check(cache, store_id, &used.code, lines, now)?;
        if let Some(why) = till.refused.filter(|_| used.off > 0) {
            return Err(refuse(
                ErrorCode::InvalidStoreOp,
                format!("the coupon does not apply ({why}): take it off or apply it again"),
            ));
        }
        if used.off > till.off {
            return Err(refuse(
                ErrorCode::InvalidStoreOp,
                format!("the coupon takes off at most {} fen here: apply it again", till.off),
            ));
        }
    }
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
pub(super) fn local_shift(conn: &rusqlite::Connection, shift_id: &str) -> ClientResult<Option<ShiftFacts>> {
    let row: Option<(String, String, Option<i64>)> = conn
        .prepare_cached("SELECT store_id, user_id, closed_at FROM pos_shifts WHERE shift_id = ?1")?
        .query_row([shift_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    Ok(row.and_then(|(store, user, closed_at)| {
        Some(ShiftFacts { store_id: store.parse().ok()?, promoter_id: user.parse().ok()?, closed: closed_at.is_some() })
    }))
}

pub(super) fn open_shift_id(tx: &Transaction<'_>, user: &str, store: &str) -> ClientResult<Option<String>> {
    Ok(tx
        .prepare_cached("SELECT shift_id FROM pos_shifts WHERE user_id = ?1 AND store_id = ?2 AND closed_at IS NULL")?
        .query_row(params![user, store], |r| r.get(0))
        .optional()?)
}

/// The sale a receipt number or sale id names among this device's receipts.
pub(super) fn local_sale(conn: &rusqlite::Connection, sale_id: &str) -> ClientResult<Option<(StoreAction, i64)>> {
    let row: Option<(String, i64)> = conn
        .prepare_cached("SELECT body, created_at FROM pos_receipts WHERE sale_id = ?1")?
        .query_row([sale_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(row.and_then(|(body, at)| Some((serde_json::from_str(&body).ok()?, at))))
}

/// A sale of another device found on the server, as it was when fetched.
pub(super) fn found_sale(conn: &rusqlite::Connection, sale_id: &str) -> ClientResult<Option<StoreSale>> {
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
pub(super) struct Returnable {
    pub(super) lines: Vec<SaleLine>,
    pub(super) order_discount: i64,
    /// Units of each line returned so far.
    pub(super) returned: Vec<i64>,
    /// What those returns refunded, in fen.
    pub(super) refunded: i64,
}

/// Adds to `returned` and `refunded` the returns taken on this device against a sale, but for those
/// in `counted` (already in a figure from the server).
pub(super) fn add_local_returns(
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
pub(super) fn returnable(conn: &rusqlite::Connection, sale_id: &str) -> ClientResult<Option<Returnable>> {
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
pub(super) fn return_refund(conn: &rusqlite::Connection, action: &StoreAction) -> ClientResult<Option<i64>> {
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
pub(super) fn expected(conn: &rusqlite::Connection, shift_id: &str) -> ClientResult<Vec<Payment>> {
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
