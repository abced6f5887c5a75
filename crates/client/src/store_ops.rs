//! Store operations made on this device (a promoter's tablet), through the durable outbox: checked
//! with the same rules the server applies, recorded locally and queued in one transaction, sent in
//! order with their client ids, and acknowledged by the server's outcome for each.
use portal_api::{ApiError, ErrorCode, OpOutcome, OpStatus, StoreAction, StoreOp};
use portal_store_ops::checkout;
use rusqlite::params;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    cache::Cache,
    error::{ClientError, ClientResult},
    outbox,
};

pub const OUTBOX_KIND: &str = "store_op";
pub use portal_store_ops::checkout::PROMOTER_DISCOUNT_LIMIT_PERCENT;

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

/// Checks a sale as the server will, so that a bad one is refused at the counter, not later.
pub fn check(action: &StoreAction, limit_percent: u32) -> ClientResult<Option<checkout::Totals>> {
    match action {
        StoreAction::Sale { lines, order_discount, payments, receipt_no, .. } => {
            if receipt_no.trim().is_empty() {
                return Err(refuse(ErrorCode::InvalidStoreOp, "a receipt number is needed".into()));
            }
            checkout::totals(lines, *order_discount, payments, limit_percent)
                .map(Some)
                .map_err(|e| refuse(e.code(), e.to_string()))
        }
        _ => Ok(None),
    }
}

/// Records an operation: the sale's receipt (if a sale) and the outbox row, in one transaction.
pub fn record(
    cache: &mut Cache,
    user_id: Uuid,
    store_id: Uuid,
    action: StoreAction,
    limit_percent: u32,
    now: i64,
) -> ClientResult<Uuid> {
    let totals = check(&action, limit_percent)?;
    let queued = Queued { store_id, device_at: now, action };
    let payload = serde_json::to_string(&queued).map_err(|e| ClientError::Protocol(e.to_string()))?;
    let tx = cache.conn.transaction()?;
    let op_id = outbox::enqueue(&tx, user_id, OUTBOX_KIND, &payload, now)?;
    if let (StoreAction::Sale { sale_id, receipt_no, .. }, Some(t)) = (&queued.action, totals) {
        let body = serde_json::to_string(&queued.action).map_err(|e| ClientError::Protocol(e.to_string()))?;
        tx.execute(
            "INSERT INTO pos_receipts (sale_id, op_id, user_id, store_id, receipt_no, body, total, change, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                sale_id.to_string(),
                op_id.to_string(),
                user_id.to_string(),
                store_id.to_string(),
                receipt_no,
                body,
                t.total,
                t.change,
                now
            ],
        )?;
    }
    tx.commit()?;
    Ok(op_id)
}

/// The leading operations of `pending` that are store operations, as the server takes them.
pub fn ops(pending: &[outbox::PendingOp]) -> Vec<StoreOp> {
    pending
        .iter()
        .take_while(|p| p.kind == OUTBOX_KIND)
        .filter_map(|p| {
            let q: Queued = serde_json::from_str(&p.payload).ok()?;
            Some(StoreOp { id: p.op_id, store_id: q.store_id, device_at: q.device_at, action: q.action })
        })
        .collect()
}

/// Takes the server's outcomes: every one acknowledges its operation (applied, duplicate or
/// rejected); rejections and flags are kept for the promoter to see.
pub fn acknowledge(cache: &mut Cache, user_id: Uuid, outcomes: &[OpOutcome], now: i64) -> ClientResult<()> {
    let tx = cache.conn.transaction()?;
    for o in outcomes {
        if o.status == OpStatus::Rejected || !o.flags.is_empty() {
            tx.execute(
                "INSERT OR REPLACE INTO pos_outcomes (op_id, user_id, outcome, received_at) VALUES (?1, ?2, ?3, ?4)",
                params![o.id.to_string(), user_id.to_string(), serde_json::to_string(o).unwrap_or_default(), now],
            )?;
        }
        tx.execute("DELETE FROM outbox WHERE op_id = ?1", [o.id.to_string()])?;
    }
    tx.commit()?;
    Ok(())
}

/// Rejections and flags the server sent back for this account's operations, newest first.
pub fn notices(cache: &Cache, user_id: Uuid) -> ClientResult<Vec<OpOutcome>> {
    let mut stmt = cache
        .conn
        .prepare_cached("SELECT outcome FROM pos_outcomes WHERE user_id = ?1 ORDER BY received_at DESC LIMIT 100")?;
    let rows = stmt.query_map([user_id.to_string()], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows.iter().filter_map(|j| serde_json::from_str(j).ok()).collect())
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
    Ok(rows
        .into_iter()
        .filter_map(|(sale_id, store_id, receipt_no, body, total, change, created_at, pending)| {
            Some(SaleReceipt {
                sale_id: sale_id.parse().ok()?,
                store_id: store_id.parse().ok()?,
                receipt_no,
                sale: serde_json::from_str(&body).ok()?,
                total,
                change,
                created_at,
                pending,
            })
        })
        .collect())
}

/// The next receipt number of this device: its id's first part and a counter kept in the cache.
pub fn next_receipt_no(cache: &Cache, device: &str) -> ClientResult<String> {
    let n: i64 = cache.setting("pos.receipt_counter")?.and_then(|v| v.parse().ok()).unwrap_or(0) + 1;
    cache.set_setting("pos.receipt_counter", &n.to_string())?;
    Ok(format!("{}-{n:06}", device.chars().filter(|c| c.is_ascii_alphanumeric()).take(8).collect::<String>()))
}
