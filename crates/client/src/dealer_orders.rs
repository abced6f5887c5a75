//! A dealer's orders on this device: drafts kept offline (a cart, pasted lines, a reorder) and
//! sent through the outbox. Sending a draft gives it the order's id and puts the order in the
//! outbox in one transaction; the server's answer removes the draft (placed) or marks it refused
//! with the reason (to fix and send again, under a new id: an id is bound to its body).
use portal_api::{ApiError, OrderLineDraft, PlaceOrder, Shortfall};
use portal_distribution::quick_order::{self, BadLine};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::{
    cache::Cache,
    error::{ClientError, ClientResult},
    outbox,
};

pub const OUTBOX_KIND: &str = outbox::kind::DEALER_ORDER;

/// Where a draft stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DraftState {
    /// Being written.
    Draft,
    /// In the outbox, waiting for the server.
    Sending,
    /// Refused by the server: `error` says why.
    Refused,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct OrderDraft {
    pub id: Uuid,
    pub dealer_id: Uuid,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_to: Option<Uuid>,
    pub lines: Vec<OrderLineDraft>,
    pub shortfall: Shortfall,
    #[serde(default)]
    pub note: String,
    pub state: DraftState,
    /// The order's id while it is being sent.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<Uuid>,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
    pub updated_at: i64,
}

/// Pasted lines read: the lines, or every bad line (then nothing to order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct QuickOrderRead {
    pub lines: Vec<OrderLineDraft>,
    pub bad: Vec<QuickBadLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct QuickBadLine {
    pub line_no: u32,
    pub text: String,
    /// `malformed`, `bad_sku`, `bad_quantity` or `too_many_lines`.
    pub problem: String,
}

/// Reads pasted "SKU quantity" lines or a CSV (the same rule the server's quick order keeps).
pub fn read_quick_order(text: &str) -> QuickOrderRead {
    match quick_order::parse(text) {
        Ok(lines) => QuickOrderRead {
            lines: lines
                .into_iter()
                .map(|l| OrderLineDraft { sku: l.sku, quantity: l.quantity, asked_price: None })
                .collect(),
            bad: vec![],
        },
        Err(bad) => QuickOrderRead { lines: vec![], bad: bad.into_iter().map(bad_line).collect() },
    }
}

fn bad_line(b: BadLine) -> QuickBadLine {
    let problem = serde_json::to_value(&b.problem)
        .ok()
        .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_owned))
        .unwrap_or_default();
    QuickBadLine { line_no: b.line_no as u32, text: b.text, problem }
}

fn protocol(e: serde_json::Error) -> ClientError {
    ClientError::Protocol(e.to_string())
}

pub fn drafts(cache: &Cache, user: Uuid) -> ClientResult<Vec<OrderDraft>> {
    let mut stmt =
        cache.conn.prepare_cached("SELECT body FROM order_drafts WHERE user_id = ?1 ORDER BY updated_at DESC, id")?;
    let rows = stmt.query_map([user.to_string()], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for body in rows {
        // A draft kept by an older build in another shape is not shown (and not lost: it stays).
        if let Ok(draft) = serde_json::from_str(&body?) {
            out.push(draft);
        }
    }
    Ok(out)
}

fn draft(cache: &Cache, user: Uuid, id: Uuid) -> ClientResult<Option<OrderDraft>> {
    let body: Option<String> = cache
        .conn
        .query_row(
            "SELECT body FROM order_drafts WHERE id = ?1 AND user_id = ?2",
            params![id.to_string(), user.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    body.map(|b| serde_json::from_str(&b).map_err(protocol)).transpose()
}

fn put(conn: &rusqlite::Connection, user: Uuid, draft: &OrderDraft) -> ClientResult<()> {
    let body = serde_json::to_string(draft).map_err(protocol)?;
    conn.execute(
        "INSERT INTO order_drafts (id, user_id, body, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET body = ?3, updated_at = ?4 WHERE order_drafts.user_id = ?2",
        params![draft.id.to_string(), user.to_string(), body, draft.updated_at],
    )?;
    Ok(())
}

/// Keeps a draft as written (a draft being sent cannot be changed).
pub fn save(cache: &Cache, user: Uuid, mut new: OrderDraft, now: i64) -> ClientResult<()> {
    if let Some(old) = draft(cache, user, new.id)? {
        if old.state == DraftState::Sending {
            return Err(ClientError::Protocol("this order is being sent and can no longer be changed".into()));
        }
    }
    if new.lines.len() > quick_order::MAX_LINES {
        return Err(ClientError::Protocol(format!("at most {} lines", quick_order::MAX_LINES)));
    }
    new.state = DraftState::Draft;
    new.order_id = None;
    new.updated_at = now;
    put(&cache.conn, user, &new)
}

pub fn delete(cache: &Cache, user: Uuid, id: Uuid) -> ClientResult<()> {
    cache.conn.execute(
        "DELETE FROM order_drafts WHERE id = ?1 AND user_id = ?2 AND json_extract(body, '$.state') <> 'sending'",
        params![id.to_string(), user.to_string()],
    )?;
    Ok(())
}

/// Sends a draft: the order gets its id and goes into the outbox in the same transaction.
pub fn send(cache: &mut Cache, user: Uuid, id: Uuid, now: i64) -> ClientResult<Uuid> {
    let Some(mut draft) = draft(cache, user, id)? else {
        return Err(ClientError::Protocol("no such draft on this device".into()));
    };
    if draft.state == DraftState::Sending {
        // Still in the outbox: it goes from there. A draft whose row left the outbox without an
        // answer (set aside by an older build) is sent again as a new order below.
        if let Some(order_id) = draft.order_id.filter(|id| queued(cache, *id)) {
            return Ok(order_id);
        }
    }
    let ship_to = draft.ship_to.ok_or_else(|| ClientError::Protocol("choose the store to ship to".into()))?;
    if draft.lines.is_empty() {
        return Err(ClientError::Protocol("an order needs at least one line".into()));
    }
    let order_id = Uuid::now_v7();
    let note = Some(draft.note.trim().to_owned()).filter(|n| !n.is_empty());
    let order = PlaceOrder {
        id: order_id,
        dealer_id: draft.dealer_id,
        ship_to,
        lines: draft.lines.clone(),
        shortfall: draft.shortfall,
        note,
    };
    let payload = serde_json::to_string(&order).map_err(protocol)?;
    draft.state = DraftState::Sending;
    draft.order_id = Some(order_id);
    draft.error = None;
    draft.updated_at = now;
    let tx = cache.conn.transaction()?;
    outbox::enqueue_as(&tx, order_id, user, OUTBOX_KIND, &payload, now)?;
    put(&tx, user, &draft)?;
    tx.commit()?;
    Ok(order_id)
}

fn queued(cache: &Cache, op_id: Uuid) -> bool {
    cache
        .conn
        .query_row("SELECT 1 FROM outbox WHERE op_id = ?1", [op_id.to_string()], |_| Ok(()))
        .optional()
        .ok()
        .flatten()
        .is_some()
}

/// The orders due in the outbox, as sent, with the ids of rows that no longer parse.
pub fn pending(due: &[outbox::PendingOp]) -> (Vec<PlaceOrder>, Vec<Uuid>) {
    let mut orders = Vec::new();
    let mut unreadable = Vec::new();
    for op in due.iter().take_while(|op| op.kind == OUTBOX_KIND) {
        match serde_json::from_str::<PlaceOrder>(&op.payload) {
            Ok(order) if order.id == op.op_id => orders.push(order),
            _ => unreadable.push(op.op_id),
        }
    }
    (orders, unreadable)
}

/// The server placed the order: it leaves the outbox and its draft goes.
pub fn placed(cache: &mut Cache, user: Uuid, order_id: Uuid) -> ClientResult<()> {
    let tx = cache.conn.transaction()?;
    tx.execute("DELETE FROM outbox WHERE op_id = ?1", [order_id.to_string()])?;
    tx.execute(
        "DELETE FROM order_drafts WHERE user_id = ?1 AND json_extract(body, '$.order_id') = ?2",
        params![user.to_string(), order_id.to_string()],
    )?;
    tx.commit()?;
    Ok(())
}

/// The server refused the order for good: it is set aside and its draft shows why, to be fixed.
pub fn refused(cache: &mut Cache, user: Uuid, order_id: Uuid, error: &ApiError, now: i64) -> ClientResult<()> {
    let drafts = drafts(cache, user)?;
    let tx = cache.conn.transaction()?;
    outbox::set_aside(&tx, &[order_id], error.code.as_str(), now)?;
    if let Some(mut draft) = drafts.into_iter().find(|d| d.order_id == Some(order_id)) {
        draft.state = DraftState::Refused;
        draft.order_id = None;
        draft.error = Some(error.clone());
        draft.updated_at = now;
        put(&tx, user, &draft)?;
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_draft(dealer: Uuid) -> OrderDraft {
        OrderDraft {
            id: Uuid::now_v7(),
            dealer_id: dealer,
            ship_to: Some(Uuid::now_v7()),
            lines: vec![OrderLineDraft { sku: "TV-55".into(), quantity: 2, asked_price: None }],
            shortfall: Shortfall::BackOrder,
            note: String::new(),
            state: DraftState::Draft,
            order_id: None,
            error: None,
            updated_at: 0,
        }
    }

    #[test]
    fn a_sent_draft_is_in_the_outbox_once_and_leaves_when_placed_or_stays_when_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = Cache::open(&dir.path().join("c.sqlite")).unwrap();
        let user = Uuid::now_v7();
        let d = new_draft(Uuid::now_v7());
        save(&cache, user, d.clone(), 1).unwrap();
        let order = send(&mut cache, user, d.id, 2).unwrap();
        assert_eq!(send(&mut cache, user, d.id, 3).unwrap(), order, "sending twice queues once");
        assert!(save(&cache, user, d.clone(), 4).is_err(), "a draft being sent is not changed");
        let due = outbox::due(&cache, user, 10, 10).unwrap();
        let (orders, unreadable) = pending(&due);
        assert_eq!((orders.len(), unreadable.len(), orders[0].id), (1, 0, order));

        let error = ApiError::new(portal_api::ErrorCode::InvalidOrder, "TV-55 was withdrawn");
        refused(&mut cache, user, order, &error, 5).unwrap();
        let kept = drafts(&cache, user).unwrap();
        assert_eq!((kept[0].state, kept[0].error.as_ref().unwrap().code), (DraftState::Refused, error.code));
        assert!(outbox::due(&cache, user, 10, 10).unwrap().is_empty());

        let again = send(&mut cache, user, d.id, 6).unwrap();
        assert_ne!(again, order, "sent again after a refusal under a new id");
        placed(&mut cache, user, again).unwrap();
        assert!(drafts(&cache, user).unwrap().is_empty());
        assert!(outbox::due(&cache, user, 10, 10).unwrap().is_empty());
    }

    #[test]
    fn pasted_lines_are_read_by_the_shared_rule() {
        let read = read_quick_order("sku,qty\ntv-55 2\nTV-55 3\n");
        assert_eq!(read.lines, vec![OrderLineDraft { sku: "TV-55".into(), quantity: 5, asked_price: None }]);
        let bad = read_quick_order("TV-55 x\nAC 1 2\n");
        assert_eq!(bad.bad.iter().map(|b| b.problem.as_str()).collect::<Vec<_>>(), ["bad_quantity", "malformed"]);
        assert!(bad.lines.is_empty());
    }
}
