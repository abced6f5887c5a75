//! The outbox's store operations sent and answered: what goes in a request, and what each
//! outcome (applied, duplicate, refused) or a set-aside does to the local ledger.
use super::*;

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

/// The shipments this device counted in that the server has not acknowledged yet.
pub fn pending_shipment_counts(cache: &Cache, user_id: Uuid) -> ClientResult<Vec<Uuid>> {
    let pending = outbox::due(cache, user_id, i64::MAX, u32::MAX)?;
    Ok(all_ops(&pending)
        .into_iter()
        .filter_map(|o| match o.action {
            StoreAction::ShipmentIn { shipment_id, .. } => Some(shipment_id),
            _ => None,
        })
        .collect())
}

pub(super) fn parse(p: &outbox::PendingOp) -> Option<StoreOp> {
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
