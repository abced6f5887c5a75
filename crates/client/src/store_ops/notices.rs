//! The server's flags at the stores and this device's refusals, kept as notices until the person
//! has been told.
use super::*;

/// Where a manager's device has read a store's flags up to.
pub(super) fn flags_cursor_key(user_id: Uuid, store_id: Uuid) -> String {
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

pub(super) fn notice_rows(conn: &rusqlite::Connection, sql: &str, user_id: Uuid) -> ClientResult<Vec<Notice>> {
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
