//! Receipts: the sales this device made and those found on the server by receipt number, and the
//! device's receipt numbering.
use super::*;

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
pub(super) const RECEIPT_COUNTER: &str = "pos.receipt_counter";

pub(super) fn receipt_counter(conn: &rusqlite::Connection) -> ClientResult<i64> {
    Ok(read_setting(conn, RECEIPT_COUNTER)?.and_then(|v| v.parse().ok()).unwrap_or(0))
}

/// The number the next sale on this device will print: the device name's first characters and a
/// counter. The counter moves only when a sale is recorded (in its transaction), so a refused
/// checkout leaves no gap in the numbering.
pub fn next_receipt_no(cache: &Cache, device: &str) -> ClientResult<String> {
    let n = receipt_counter(&cache.conn)? + 1;
    Ok(format!("{}-{n:06}", device.chars().filter(|c| c.is_ascii_alphanumeric()).take(8).collect::<String>()))
}
