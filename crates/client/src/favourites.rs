//! Favourites and pre-sale follows: changed locally at once (offline too), sent through the
//! outbox, merged with the account's list from the server.
use portal_api::{Favourite, FavouriteKind, FavouriteOp};
use rusqlite::params;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::{
    cache::Cache,
    catalog::{rows::product_row, search::summary, ProductSummary},
    error::ClientResult,
    outbox,
};

pub const OUTBOX_KIND: &str = outbox::kind::FAVOURITE;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct FavouriteEntry {
    pub model: String,
    pub kind: FavouriteKind,
    /// None when the product is not in the local catalog (yet).
    #[ts(optional)]
    pub product: Option<ProductSummary>,
    /// True until the server has acknowledged this change.
    pub pending: bool,
}

/// Changes one favourite locally and enqueues it, in one transaction.
pub fn set(
    cache: &mut Cache,
    user_id: Uuid,
    model: &str,
    kind: FavouriteKind,
    active: bool,
    now: i64,
) -> ClientResult<Uuid> {
    let tx = cache.conn.transaction()?;
    tx.execute(
        "INSERT INTO favourites (user_id, model, kind, active, changed_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (user_id, model, kind) DO UPDATE SET active = ?4, changed_at = ?5",
        params![user_id.to_string(), model, kind.as_str(), active, now],
    )?;
    let op = FavouriteOp { id: Uuid::nil(), model: model.to_owned(), kind, active, changed_at: now };
    let payload = serde_json::to_string(&op).expect("ops serialise");
    let id = outbox::enqueue(&tx, user_id, OUTBOX_KIND, &payload, now)?;
    tx.commit()?;
    Ok(id)
}

/// The leading favourite operations of `pending` (a kind never overtakes an earlier one), with
/// their outbox ids, and the ids of those among them that no longer parse (to be set aside).
pub fn ops(pending: &[outbox::PendingOp]) -> (Vec<FavouriteOp>, Vec<Uuid>) {
    let mut ops = Vec::new();
    let mut unreadable = Vec::new();
    for p in pending.iter().take_while(|p| p.kind == OUTBOX_KIND) {
        match serde_json::from_str::<FavouriteOp>(&p.payload) {
            Ok(mut op) => {
                op.id = p.op_id;
                ops.push(op);
            }
            Err(_) => unreadable.push(p.op_id),
        }
    }
    (ops, unreadable)
}

/// (model, kind) of the changes still waiting in the outbox.
fn unsent(cache: &Cache, user_id: Uuid) -> ClientResult<Vec<(String, String)>> {
    let mut stmt = cache.conn.prepare("SELECT payload FROM outbox WHERE user_id = ?1 AND kind = ?2")?;
    let payloads = stmt
        .query_map(params![user_id.to_string(), OUTBOX_KIND], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(payloads
        .iter()
        .filter_map(|p| serde_json::from_str::<FavouriteOp>(p).ok())
        .map(|op| (op.model, op.kind.as_str().to_owned()))
        .collect())
}

/// Takes the server's list as the truth, except where this device still has unsent changes.
pub fn merge(cache: &mut Cache, user_id: Uuid, server: &[Favourite]) -> ClientResult<()> {
    let pending_models = unsent(cache, user_id)?;
    let tx = cache.conn.transaction()?;
    let mut existing = Vec::new();
    {
        let mut stmt = tx.prepare("SELECT model, kind FROM favourites WHERE user_id = ?1")?;
        let rows = stmt.query_map([user_id.to_string()], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            existing.push(row?);
        }
    }
    for key in existing.iter().filter(|k| !pending_models.contains(k)) {
        tx.execute(
            "DELETE FROM favourites WHERE user_id = ?1 AND model = ?2 AND kind = ?3",
            params![user_id.to_string(), key.0, key.1],
        )?;
    }
    for f in server.iter().filter(|f| !pending_models.contains(&(f.model.clone(), f.kind.as_str().to_owned()))) {
        tx.execute(
            "INSERT INTO favourites (user_id, model, kind, active, changed_at) VALUES (?1, ?2, ?3, 1, ?4)
             ON CONFLICT (user_id, model, kind) DO UPDATE SET active = 1, changed_at = ?4",
            params![user_id.to_string(), f.model, f.kind.as_str(), f.changed_at],
        )?;
    }
    tx.commit()?;
    Ok(())
}

pub fn list(cache: &Cache, user_id: Uuid) -> ClientResult<Vec<FavouriteEntry>> {
    let rows: Vec<(String, String)> = {
        let mut stmt = cache.conn.prepare(
            "SELECT model, kind FROM favourites WHERE user_id = ?1 AND active ORDER BY changed_at DESC, model",
        )?;
        let rows =
            stmt.query_map([user_id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<Vec<_>, _>>()?;
        rows
    };
    let pending = unsent(cache, user_id)?;
    let mut out = Vec::new();
    for (model, kind) in rows {
        let product = match product_row(cache, &model)? {
            Some((p, price, withdrawn)) => Some(summary(cache, &p, price, withdrawn)?),
            None => None,
        };
        let pending = pending.contains(&(model.clone(), kind.clone()));
        let kind = if kind == "follow" { FavouriteKind::Follow } else { FavouriteKind::Favourite };
        out.push(FavouriteEntry { model, kind, product, pending });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(kind: &str, payload: &str) -> outbox::PendingOp {
        outbox::PendingOp { op_id: Uuid::now_v7(), kind: kind.into(), payload: payload.into(), attempts: 0 }
    }

    #[test]
    fn a_favourite_never_overtakes_an_earlier_store_operation_and_unreadable_rows_are_named() {
        let good = r#"{"id":"00000000-0000-0000-0000-000000000000","model":"X1","kind":"favourite","active":true,"changed_at":1}"#;
        let queue = [
            pending(OUTBOX_KIND, good),
            pending(OUTBOX_KIND, "{not json"),
            pending("store_op", "{}"),
            pending(OUTBOX_KIND, good),
        ];
        let (ops, unreadable) = ops(&queue);
        assert_eq!(ops.iter().map(|o| o.id).collect::<Vec<_>>(), [queue[0].op_id]);
        assert_eq!(unreadable, [queue[1].op_id]);
    }
}
