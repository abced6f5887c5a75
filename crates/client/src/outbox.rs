//! The durable outbox: writes made on this device wait here, in order, until the server
//! acknowledges them. Enqueued in the same transaction as the local change; removed only on ack;
//! retried with back-off after a failure.
use rusqlite::{params, Transaction};
use uuid::Uuid;

use crate::{cache::Cache, error::ClientResult};

/// What an outbox row holds, by its kind: each writer enqueues under its own.
pub mod kind {
    pub const FAVOURITE: &str = "favourite";
    pub const STORE_OP: &str = "store_op";
    pub const DEALER_ORDER: &str = "dealer_order";
    pub const INBOX: &str = "inbox";
}

#[derive(Debug, Clone, PartialEq)]
pub struct PendingOp {
    pub op_id: Uuid,
    pub kind: String,
    pub payload: String,
    pub attempts: u32,
}

/// Adds an operation inside the caller's transaction; returns its client-generated id.
pub fn enqueue(tx: &Transaction<'_>, user_id: Uuid, kind: &str, payload: &str, now: i64) -> ClientResult<Uuid> {
    enqueue_as(tx, Uuid::now_v7(), user_id, kind, payload, now)
}

/// Adds an operation under an id the writer chose (the id the server will know it by).
pub fn enqueue_as(
    tx: &Transaction<'_>,
    op_id: Uuid,
    user_id: Uuid,
    kind: &str,
    payload: &str,
    now: i64,
) -> ClientResult<Uuid> {
    tx.execute(
        "INSERT INTO outbox (op_id, user_id, kind, payload, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![op_id.to_string(), user_id.to_string(), kind, payload, now],
    )?;
    Ok(op_id)
}

/// The account's operations that are due, oldest first. When the oldest is waiting for its retry
/// time, nothing is due: later operations never overtake an earlier one.
pub fn due(cache: &Cache, user_id: Uuid, now: i64, limit: u32) -> ClientResult<Vec<PendingOp>> {
    let first_wait: Option<i64> = cache
        .conn
        .query_row(
            "SELECT next_attempt_at FROM outbox WHERE user_id = ?1 ORDER BY seq LIMIT 1",
            [user_id.to_string()],
            |r| r.get(0),
        )
        .ok();
    if first_wait.is_some_and(|at| at > now) {
        return Ok(vec![]);
    }
    let mut stmt = cache
        .conn
        .prepare_cached("SELECT op_id, kind, payload, attempts FROM outbox WHERE user_id = ?1 ORDER BY seq LIMIT ?2")?;
    let rows = stmt
        .query_map(params![user_id.to_string(), limit], |r| {
            Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut due = Vec::with_capacity(rows.len());
    for (id, kind, payload, attempts) in rows {
        match Uuid::parse_str(&id) {
            Ok(op_id) => due.push(PendingOp { op_id, kind, payload, attempts }),
            // A row whose id cannot be read cannot be acknowledged either: it is set aside (kept,
            // never reported: the server could not tell it from another), so it blocks nothing.
            Err(_) => {
                cache.conn.execute(
                    "INSERT OR REPLACE INTO outbox_dead (op_id, user_id, kind, payload, reason, set_aside_at)
                     SELECT op_id, user_id, kind, payload, 'unreadable', ?2 FROM outbox WHERE op_id = ?1",
                    params![id, now],
                )?;
                cache.conn.execute(
                    "INSERT OR REPLACE INTO outbox_dead_reported (op_id, reported_at) VALUES (?1, ?2)",
                    params![id, now],
                )?;
                cache.conn.execute("DELETE FROM outbox WHERE op_id = ?1", [&id])?;
            }
        }
    }
    Ok(due)
}

pub fn pending_count(cache: &Cache, user_id: Uuid) -> ClientResult<u32> {
    Ok(cache.conn.query_row("SELECT COUNT(*) FROM outbox WHERE user_id = ?1", [user_id.to_string()], |r| r.get(0))?)
}

/// Removes acknowledged operations.
pub fn ack(cache: &mut Cache, ids: &[Uuid]) -> ClientResult<()> {
    let tx = cache.conn.transaction()?;
    for id in ids {
        tx.execute("DELETE FROM outbox WHERE op_id = ?1", [id.to_string()])?;
    }
    tx.commit()?;
    Ok(())
}

/// Sets operations aside for good, with the reason: they leave the queue (which moves on) and are
/// kept in `outbox_dead`, without any customer's phone number, for a person to see.
pub fn set_aside(tx: &Transaction<'_>, ids: &[Uuid], reason: &str, now: i64) -> ClientResult<()> {
    for id in ids {
        tx.execute(
            "INSERT OR REPLACE INTO outbox_dead (op_id, user_id, kind, payload, reason, set_aside_at)
             SELECT op_id, user_id, kind,
                    CASE WHEN json_valid(payload) THEN json_remove(payload, '$.action.customer_phone') ELSE payload END,
                    ?2, ?3
             FROM outbox WHERE op_id = ?1",
            params![id.to_string(), reason, now],
        )?;
        tx.execute("DELETE FROM outbox WHERE op_id = ?1", [id.to_string()])?;
    }
    Ok(())
}

/// Operations set aside and not yet reported to the server (at most `limit`, oldest first): store
/// operations, and rows of a kind this version does not know that name a store. A favourite is
/// a person's own, of no concern to a store's manager.
pub fn unreported_dead(cache: &Cache, user_id: Uuid, limit: u32) -> ClientResult<Vec<portal_api::SetAsideOp>> {
    type Row = (String, String, Option<String>, Option<i64>, String, i64, Option<String>);
    let rows: Vec<Row> = cache
        .conn
        .prepare_cached(
            "SELECT d.op_id, d.kind,
                    CASE WHEN json_valid(d.payload) THEN json_extract(d.payload, '$.store_id') END,
                    CASE WHEN json_valid(d.payload) THEN json_extract(d.payload, '$.device_at') END,
                    d.reason, d.set_aside_at,
                    (SELECT json_extract(p.outcome, '$.error') FROM pos_outcomes p
                     WHERE p.op_id = d.op_id AND json_valid(p.outcome))
             FROM outbox_dead d
             WHERE d.user_id = ?1 AND d.kind <> ?2
               AND NOT EXISTS (SELECT 1 FROM outbox_dead_reported r WHERE r.op_id = d.op_id)
               AND (d.kind = ?3 OR (json_valid(d.payload) AND json_extract(d.payload, '$.store_id') IS NOT NULL))
             ORDER BY d.set_aside_at, d.op_id LIMIT ?4",
        )?
        .query_map(params![user_id.to_string(), kind::FAVOURITE, kind::STORE_OP, limit], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows
        .into_iter()
        .filter_map(|(op_id, kind, store, made_at, reason, at, error)| {
            // The reason the person was shown, else the code the row was set aside with.
            let error =
                error.and_then(|e| serde_json::from_str::<portal_api::ApiError>(&e).ok()).unwrap_or_else(|| {
                    let code = serde_json::from_value(serde_json::Value::String(reason.clone()))
                        .unwrap_or(portal_api::ErrorCode::InvalidStoreOp);
                    portal_api::ApiError::new(code, format!("set aside on the device ({reason})"))
                });
            Some(portal_api::SetAsideOp {
                op_id: op_id.parse().ok()?,
                store_id: store.and_then(|s| s.parse().ok()),
                kind,
                error,
                made_at,
                set_aside_at: at,
            })
        })
        .collect())
}

/// Marks set-aside operations as reported to the server.
pub fn mark_reported(cache: &mut Cache, ids: &[Uuid], now: i64) -> ClientResult<()> {
    let tx = cache.conn.transaction()?;
    for id in ids {
        tx.execute(
            "INSERT OR REPLACE INTO outbox_dead_reported (op_id, reported_at) VALUES (?1, ?2)",
            params![id.to_string(), now],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// How many operations of the account were set aside.
pub fn dead_count(cache: &Cache, user_id: Uuid) -> ClientResult<u32> {
    Ok(cache
        .conn
        .query_row("SELECT COUNT(*) FROM outbox_dead WHERE user_id = ?1", [user_id.to_string()], |r| r.get(0))?)
}

/// Makes every waiting operation of an account due now (the person asked to send, or the network
/// came back): the back-off is for unattended retries.
pub fn retry_now(cache: &Cache, user_id: Uuid, now: i64) -> ClientResult<()> {
    cache.conn.execute(
        "UPDATE outbox SET next_attempt_at = ?2 WHERE user_id = ?1 AND next_attempt_at > ?2",
        params![user_id.to_string(), now],
    )?;
    Ok(())
}

/// Seconds to wait before retry number `attempts` (5 s doubling, at most 5 minutes).
pub fn backoff(attempts: u32) -> i64 {
    (5i64 << attempts.min(6)).min(300)
}

/// Records a failed attempt for the given operations and schedules their retry.
pub fn failed(cache: &mut Cache, ids: &[Uuid], error: &str, now: i64) -> ClientResult<()> {
    let tx = cache.conn.transaction()?;
    for id in ids {
        let attempts: u32 =
            tx.query_row("SELECT attempts FROM outbox WHERE op_id = ?1", [id.to_string()], |r| r.get(0)).unwrap_or(0);
        tx.execute(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?2, last_error = ?3 WHERE op_id = ?1",
            params![id.to_string(), now + backoff(attempts), error],
        )?;
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ops_stay_until_acked_in_order_with_backoff() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = Cache::open(&dir.path().join("c.sqlite")).unwrap();
        let user = Uuid::now_v7();
        let other = Uuid::now_v7();
        let tx = cache.conn.transaction().unwrap();
        let a = enqueue(&tx, user, "k", "1", 10).unwrap();
        let b = enqueue(&tx, user, "k", "2", 11).unwrap();
        enqueue(&tx, other, "k", "3", 12).unwrap();
        tx.commit().unwrap();
        let due_now = due(&cache, user, 20, 10).unwrap();
        assert_eq!(due_now.iter().map(|o| o.op_id).collect::<Vec<_>>(), [a, b], "in order, only this account's");
        failed(&mut cache, &[a, b], "offline", 20).unwrap();
        assert!(due(&cache, user, 21, 10).unwrap().is_empty(), "waits for the retry time");
        retry_now(&cache, other, 21).unwrap();
        assert!(due(&cache, user, 21, 10).unwrap().is_empty(), "another account's request changes nothing");
        retry_now(&cache, user, 21).unwrap();
        assert_eq!(due(&cache, user, 21, 10).unwrap().len(), 2, "sent at once when asked");
        failed(&mut cache, &[a, b], "offline", 15).unwrap(); // second failure: 10 s → due at 25
        assert_eq!(due(&cache, user, 25, 10).unwrap().len(), 2);
        ack(&mut cache, &[a]).unwrap();
        assert_eq!(pending_count(&cache, user).unwrap(), 1);
        // Survives reopening: durable.
        drop(cache);
        let cache = Cache::open(&dir.path().join("c.sqlite")).unwrap();
        assert_eq!(due(&cache, user, 1000, 10).unwrap()[0].op_id, b);
        assert_eq!(backoff(0), 5);
        assert_eq!(backoff(10), 300);
    }
}
