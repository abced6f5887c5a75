//! Behaviour events on SQLite: one writer at a time, so a batch's checks hold when it writes.
use super::*;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use uuid::Uuid;

use portal_api::EventKind;

use portal_db::{rate_window, DbResult, Ingest, IngestRequest, Interactions, ServedList, StoredEvent};

pub fn ingest(conn: &mut Connection, req: &IngestRequest) -> DbResult<Ingest> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let now = req.now;
    let install = req.install_id.to_string();
    let window = rate_window(now);
    for (key, limit) in &req.limits {
        let counted: Option<i64> = tx
            .prepare_cached(
                "INSERT INTO event_rates (install_id, window_start, events) VALUES (?1, ?2, ?3)
                 ON CONFLICT (install_id, window_start) DO UPDATE SET events = events + excluded.events
                 WHERE event_rates.events + excluded.events <= ?4
                 RETURNING events",
            )?
            .query_row(params![key, window, req.events.len() as i64, *limit as i64], |r| r.get(0))
            .optional()?;
        if counted.is_none_or(|n| n > *limit as i64) {
            // Nothing of the batch is kept or counted: the transaction is dropped unfinished.
            return Ok(Ingest::Throttled { retry_after_secs: (window + 60 - now).clamp(1, 60) as u32 });
        }
    }
    if let Some(user) = req.user_id {
        let declined = tx
            .prepare_cached("SELECT NOT tracking FROM tracking_consent WHERE user_id = ?1")?
            .query_row([user.to_string()], |r| r.get::<_, bool>(0))
            .optional()?
            .unwrap_or(false);
        if declined {
            let needed = serde_json::to_string(&req.needed_kinds).unwrap_or_default();
            tx.prepare_cached(
                "DELETE FROM behaviour_events WHERE install_id = ?1 AND user_id IS NULL
                 AND kind NOT IN (SELECT value FROM json_each(?2))",
            )?
            .execute(params![install, needed])?;
        }
        // What the installation did before sign-in joins the account's interests, then its events.
        tx.prepare_cached(
            "INSERT INTO behaviour_interest (user_id, model, kind, events, last_at)
             SELECT ?1, model, kind, COUNT(*), MAX(at) FROM behaviour_events
             WHERE install_id = ?2 AND user_id IS NULL AND model IS NOT NULL GROUP BY model, kind
             ON CONFLICT (user_id, model, kind) DO UPDATE
               SET events = events + excluded.events, last_at = MAX(last_at, excluded.last_at)",
        )?
        .execute(params![user.to_string(), install])?;
        tx.prepare_cached("UPDATE behaviour_events SET user_id = ?1 WHERE install_id = ?2 AND user_id IS NULL")?
            .execute(params![user.to_string(), install])?;
    }
    // Stamped once the batch holds the database: a pass reading what arrived since never misses it.
    let received_at = req.received_at();
    let user = req.user_id.map(|u| u.to_string());
    let events = &req.events;
    let mut written = Vec::with_capacity(events.len());
    let mut kept_before = std::collections::HashMap::new();
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO behaviour_events
               (id, install_id, user_id, kind, class, at, received_at, model, body, body_hash, clock_adjusted, recommendation)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
             ON CONFLICT (id) DO NOTHING",
        )?;
        let mut recorded = tx.prepare_cached("SELECT install_id, body_hash FROM behaviour_events WHERE id = ?1")?;
        let mut interest = tx.prepare_cached(
            "INSERT INTO behaviour_interest (user_id, model, kind, events, last_at) VALUES (?1, ?2, ?3, 1, ?4)
             ON CONFLICT (user_id, model, kind) DO UPDATE
               SET events = events + 1, last_at = MAX(last_at, excluded.last_at)",
        )?;
        for e in events {
            let id = e.id.to_string();
            let inserted = insert.execute(params![
                id,
                install,
                user,
                e.kind.as_str(),
                e.class,
                e.at,
                received_at,
                e.model,
                e.body,
                e.body_hash,
                e.clock_adjusted,
                e.recommendation.map(|r| r.to_string())
            ])?;
            if let (1, Some(user), Some(model)) = (inserted, &user, &e.model) {
                interest.execute(params![user, model, e.kind.as_str(), e.at])?;
            }
            written.push(inserted == 1);
            if inserted == 0 && !kept_before.contains_key(&e.id) {
                let (install_id, body_hash) = recorded.query_row([&id], |r| Ok((r.get(0)?, r.get(1)?)))?;
                kept_before.insert(e.id, KeptBefore { install_id, body_hash });
            }
        }
    }
    let kept = batch_answers(events, &install, &written, &kept_before);
    tx.commit()?;
    Ok(Ingest::Kept(kept))
}

pub fn consent(conn: &Connection, user_id: Uuid) -> DbResult<Option<(bool, i64)>> {
    Ok(conn
        .prepare_cached("SELECT tracking, changed_at FROM tracking_consent WHERE user_id = ?1")?
        .query_row([user_id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

pub fn set_consent(conn: &Connection, user_id: Uuid, tracking: bool, now: i64) -> DbResult<()> {
    conn.prepare_cached(
        "INSERT INTO tracking_consent (user_id, tracking, changed_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (user_id) DO UPDATE SET tracking = ?2, changed_at = ?3",
    )?
    .execute(params![user_id.to_string(), tracking, now])?;
    Ok(())
}

pub fn history(
    conn: &Connection,
    user_id: Uuid,
    before: Option<(i64, Uuid)>,
    limit: u32,
) -> DbResult<(Vec<StoredEvent>, u32)> {
    let user = user_id.to_string();
    let (at, id) = before.map(|(at, id)| (at, id.to_string())).unwrap_or((i64::MAX, String::new()));
    let events = conn
        .prepare_cached(
            "SELECT body, at, received_at, clock_adjusted FROM behaviour_events
             WHERE user_id = ?1 AND (at < ?2 OR (at = ?2 AND id < ?3) OR ?4)
             ORDER BY at DESC, id DESC LIMIT ?5",
        )?
        .query_map(params![user, at, id, before.is_none(), limit], |r| {
            Ok(StoredEvent { body: r.get(0)?, at: r.get(1)?, received_at: r.get(2)?, clock_adjusted: r.get(3)? })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let total: u32 = conn
        .prepare_cached("SELECT COUNT(*) FROM behaviour_events WHERE user_id = ?1")?
        .query_row([&user], |r| r.get(0))?;
    Ok((events, total))
}

/// `every_event`: each event as it came (the offline evaluation splits them by time); else one
/// row per (person, product, kind) from the aggregated interests.
pub fn interactions(conn: &Connection, since: i64, every_event: bool) -> DbResult<Interactions> {
    let events = conn
        .prepare(if every_event {
            "SELECT user_id, model, kind, at FROM behaviour_events
                 WHERE user_id IS NOT NULL AND model IS NOT NULL AND at >= ?1
                   AND user_id NOT IN (SELECT user_id FROM tracking_consent WHERE NOT tracking)
                 ORDER BY at"
        } else {
            "SELECT user_id, model, kind, last_at FROM behaviour_interest
                 WHERE last_at >= ?1 AND user_id NOT IN (SELECT user_id FROM tracking_consent WHERE NOT tracking)
                 ORDER BY last_at"
        })?
        .query_map([since], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get(3)?))
        })?
        .filter_map(|row| {
            let (user, model, kind, at) = row.ok()?;
            Some((Uuid::parse_str(&user).ok()?, model, EventKind::parse(&kind)?, at))
        })
        .collect();
    let purchases = conn
        .prepare(
            "SELECT s.customer_id, l.sku, s.device_at FROM sales s JOIN sale_lines l ON l.sale_id = s.id
             WHERE s.customer_id IS NOT NULL AND s.device_at >= ?1 AND l.returned < l.quantity
               AND s.customer_id NOT IN (SELECT user_id FROM tracking_consent WHERE NOT tracking)
             ORDER BY s.device_at",
        )?
        .query_map([since], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?)))?
        .filter_map(|row| {
            let (user, sku, at) = row.ok()?;
            Some((Uuid::parse_str(&user).ok()?, sku, at))
        })
        .collect();
    // SQLite takes the other columns of the row holding the MAX.
    let regions = conn
        .prepare(
            "SELECT s.customer_id, st.city, MAX(s.device_at) FROM sales s JOIN stores st ON st.id = s.store_id
             WHERE s.customer_id IS NOT NULL AND s.device_at >= ?1
               AND s.customer_id NOT IN (SELECT user_id FROM tracking_consent WHERE NOT tracking)
               AND EXISTS (SELECT 1 FROM sale_lines l WHERE l.sale_id = s.id AND l.returned < l.quantity)
             GROUP BY s.customer_id",
        )?
        .query_map([since], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .filter_map(|row| row.ok().and_then(|(user, city)| Some((Uuid::parse_str(&user).ok()?, city))))
        .collect();
    let segments = conn
        .prepare(
            "SELECT user_id, tag_id FROM customer_tag_members
             WHERE user_id NOT IN (SELECT user_id FROM tracking_consent WHERE NOT tracking)",
        )?
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .filter_map(|row| {
            row.ok().and_then(|(user, tag)| Some((Uuid::parse_str(&user).ok()?, Uuid::parse_str(&tag).ok()?)))
        })
        .collect();
    Ok(Interactions { events, purchases, regions, segments })
}

/// (customer, SKU, when, what the line cost less what came back) of sales linked to a customer.
pub fn customer_purchases(conn: &Connection, since: i64) -> DbResult<Vec<(Uuid, String, i64, i64)>> {
    Ok(conn
        .prepare(
            "SELECT s.customer_id, l.sku, s.device_at, l.net * (l.quantity - l.returned) / l.quantity
             FROM sales s JOIN sale_lines l ON l.sale_id = s.id
             WHERE s.customer_id IS NOT NULL AND s.device_at >= ?1 AND l.returned < l.quantity",
        )?
        .query_map([since], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .filter_map(|row| row.ok().and_then(|(user, sku, at, net)| Some((Uuid::parse_str(&user).ok()?, sku, at, net))))
        .collect())
}

/// The people an experiment assigned: (arm, person, first served).
pub fn experiment_people(conn: &Connection, experiment: Uuid) -> DbResult<Vec<(String, Uuid, i64)>> {
    Ok(conn
        .prepare(
            "SELECT arm, user_id, MIN(served_at) FROM recommendation_lists
             WHERE experiment_id = ?1 AND user_id IS NOT NULL AND arm IS NOT NULL
             GROUP BY arm, user_id",
        )?
        .query_map([experiment.to_string()], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?)))?
        .filter_map(|row| row.ok().and_then(|(arm, user, at)| Some((arm, Uuid::parse_str(&user).ok()?, at))))
        .collect())
}

pub fn served_lists(conn: &Connection, ids: &[Uuid]) -> DbResult<Vec<(Uuid, Option<Uuid>, Vec<String>)>> {
    let mut stmt = conn.prepare_cached("SELECT user_id, models FROM recommendation_lists WHERE id = ?1")?;
    let mut out = Vec::new();
    for id in ids {
        let row: Option<(Option<String>, String)> =
            stmt.query_row([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
        if let Some((user, models)) = row {
            out.push((
                *id,
                user.and_then(|u| Uuid::parse_str(&u).ok()),
                serde_json::from_str(&models).unwrap_or_default(),
            ));
        }
    }
    Ok(out)
}

pub fn record_served(conn: &Connection, list: &ServedList) -> DbResult<()> {
    conn.prepare_cached(
        "INSERT INTO recommendation_lists (id, user_id, placement, algorithm, arm, models, served_at, experiment_id, store_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (id) DO NOTHING",
    )?
    .execute(params![
        list.id.to_string(),
        list.user_id.map(|u| u.to_string()),
        list.placement,
        list.algorithm,
        list.arm,
        serde_json::to_string(&list.models).unwrap_or_default(),
        list.served_at,
        list.experiment.map(|e| e.to_string()),
        list.store_id.map(|e| e.to_string())
    ])?;
    Ok(())
}

pub fn delete(conn: &mut Connection, user_id: Uuid) -> DbResult<u32> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let user = user_id.to_string();
    let anonymous = tx.execute(
        "DELETE FROM behaviour_events WHERE user_id IS NULL AND install_id IN
           (SELECT DISTINCT install_id FROM behaviour_events WHERE user_id = ?1)",
        [&user],
    )?;
    let own = tx.execute("DELETE FROM behaviour_events WHERE user_id = ?1", [&user])?;
    // Tags made from what was deleted go with it (those made from purchases come back at the next
    // full pass); the sizes follow.
    tx.execute(
        "UPDATE customer_tags SET size = size - 1 WHERE size > 0 AND id IN
           (SELECT tag_id FROM customer_tag_members WHERE user_id = ?1)",
        [&user],
    )?;
    tx.execute("DELETE FROM customer_tag_members WHERE user_id = ?1", [&user])?;
    // What was derived from the behaviour goes in the same transaction.
    tx.execute("DELETE FROM behaviour_interest WHERE user_id = ?1", [&user])?;
    tx.execute("DELETE FROM inbox_messages WHERE user_id = ?1", [&user])?;
    tx.execute("DELETE FROM counter_grants WHERE customer_id = ?1", [&user])?;
    tx.execute("UPDATE recommendation_lists SET user_id = NULL WHERE user_id = ?1", [&user])?;
    tx.commit()?;
    Ok((anonymous + own) as u32)
}

pub fn shown_lists(conn: &Connection, lists: &[Uuid], user: Option<Uuid>, install: Uuid) -> DbResult<Vec<Uuid>> {
    // The same person as the report counts: the account (its installations' anonymous events
    // join it in this batch), or, anonymous, the installation's anonymous impressions only. Two
    // plain lookups, one per partial index.
    let mut by_user = conn.prepare_cached(
        "SELECT 1 FROM behaviour_events WHERE recommendation = ?1 AND kind = 'recommendation_shown' AND user_id = ?2",
    )?;
    let mut by_install = conn.prepare_cached(
        "SELECT 1 FROM behaviour_events WHERE recommendation = ?1 AND kind = 'recommendation_shown'
           AND install_id = ?2 AND user_id IS NULL",
    )?;
    let (user, install) = (user.map(|u| u.to_string()), install.to_string());
    let mut out = Vec::new();
    for list in lists {
        let list_id = list.to_string();
        let shown = match &user {
            Some(user) => by_user.exists(params![list_id, user])? || by_install.exists(params![list_id, install])?,
            None => by_install.exists(params![list_id, install])?,
        };
        if shown {
            out.push(*list);
        }
    }
    Ok(out)
}

/// Deletes up to `RETENTION_BATCH` rows of `table` matching `condition` (on `?1`) in one
/// transaction of its own; the caller asks again, giving the connection up in between, until
/// fewer come back.
pub fn delete_batch(conn: &Connection, table: &str, condition: &str, before: i64) -> DbResult<usize> {
    // A table kept in key order (WITHOUT ROWID) is deleted by its key.
    let key = match table {
        "behaviour_interest" => "(user_id, model, kind)",
        _ => "rowid",
    };
    let columns = key.trim_matches(|c| c == '(' || c == ')');
    let sql = format!(
        "DELETE FROM {table} WHERE {key} IN (SELECT {columns} FROM {table} WHERE {condition} LIMIT {})",
        portal_db::RETENTION_BATCH
    );
    Ok(conn.prepare_cached(&sql)?.execute([before])?)
}

/// The retention pass's deletions: (table, condition on `?1`, the time `?1` is).
pub fn retention_steps(
    r: portal_db::Retention,
    now: i64,
) -> [(&'static str, &'static str, i64); portal_db::RETENTION_STEPS] {
    [
        // `+user_id`: read by the time index, not by walking the per-person one.
        ("behaviour_events", "+user_id IS NOT NULL AND at < ?1", now - r.events_secs),
        ("behaviour_events", "user_id IS NULL AND received_at < ?1", now - r.anonymous_events_secs),
        ("behaviour_interest", "last_at < ?1", now - r.interest_secs),
        // An experiment's lists say who was in which arm: kept while its results are read.
        // (until the experiment stopped that long ago: a running one's lists are its people).
        (
            "recommendation_lists",
            "served_at < ?1 AND (experiment_id IS NULL OR experiment_id IN
               (SELECT id FROM experiments WHERE status = 'stopped' AND stopped_at < ?1))",
            now - r.lists_secs,
        ),
        ("inbox_messages", "created_at < ?1", now - r.inbox_secs),
        ("counter_grants", "expires_at < ?1", now),
        ("trail_days", "day < ?1", now - r.report_secs),
        (
            "campaign_deliveries",
            "campaign_id IN (SELECT id FROM campaigns WHERE status = 'finished' AND updated_at < ?1)",
            now - portal_db::DELIVERIES_KEPT_SECS,
        ),
        // Days since 1970 of the people's local days: two days back is past every zone's today.
        ("message_counts", "day < ?1", now.div_euclid(86_400) - 2),
        // By their own time: no coupon is valid longer than `COUPON_LIFE_SECS`, so one redeemed
        // that long and `COUPONS_KEPT_SECS` ago has expired whatever became of its coupon row.
        ("coupon_redemptions", "redeemed_at < ?1", now - portal_db::COUPON_LIFE_SECS - portal_db::COUPONS_KEPT_SECS),
        ("coupon_second_uses", "used_at < ?1", now - portal_db::COUPON_LIFE_SECS - portal_db::COUPONS_KEPT_SECS),
        ("coupons", "valid_until < ?1", now - portal_db::COUPONS_KEPT_SECS),
        ("outbound_messages", "created_at < ?1", now - portal_db::OUTBOUND_KEPT_SECS),
        ("devices", "last_seen < ?1", now - portal_db::DEVICES_KEPT_SECS),
    ]
}

#[async_trait]
impl Events for SqliteDatabase {
    async fn ingest_events(&self, request: IngestRequest) -> DbResult<Ingest> {
        self.run(move |conn| self::ingest(conn, &request)).await
    }

    async fn tracking_consent(&self, user_id: Uuid) -> DbResult<Option<(bool, i64)>> {
        self.run(move |conn| self::consent(conn, user_id)).await
    }

    async fn set_tracking_consent(&self, user_id: Uuid, tracking: bool, now: i64) -> DbResult<()> {
        self.run(move |conn| self::set_consent(conn, user_id, tracking, now)).await
    }

    async fn event_history(
        &self,
        user_id: Uuid,
        before: Option<(i64, Uuid)>,
        limit: u32,
    ) -> DbResult<(Vec<StoredEvent>, u32)> {
        self.run(move |conn| self::history(conn, user_id, before, limit)).await
    }

    async fn delete_events(&self, user_id: Uuid) -> DbResult<u32> {
        self.run(move |conn| self::delete(conn, user_id)).await
    }

    async fn shown_lists(&self, lists: Vec<Uuid>, user_id: Option<Uuid>, install_id: Uuid) -> DbResult<Vec<Uuid>> {
        self.run(move |conn| self::shown_lists(conn, &lists, user_id, install_id)).await
    }

    async fn prune_marketing(&self, retention: Retention, now: i64) -> DbResult<RetentionCounts> {
        // One batch per call: other requests get the connection between batches.
        prune_in_batches(self::retention_steps(retention, now), |table, condition, before| {
            self.run(move |conn| self::delete_batch(conn, table, condition, before))
        })
        .await
    }
}
