//! Behaviour events on PostgreSQL, READ COMMITTED: a batch first locks its installation's rate
//! row (so two batches of one installation take turns); ids are kept once by the primary key
//! (`ON CONFLICT DO NOTHING` waits for a batch holding the same id, then reads what it kept).
use super::*;
use std::collections::HashSet;

use ::postgres::{GenericClient, Transaction};
use uuid::Uuid;

use portal_api::EventKind;

use portal_db::{rate_window, DbResult, Ingest, IngestRequest, Interactions, ServedList, StoredEvent};

pub fn ingest(tx: &mut Transaction<'_>, req: &IngestRequest) -> DbResult<Ingest> {
    let now = req.now;
    let install = req.install_id.to_string();
    // One batch of an installation at a time, before any other lock of the batch is taken (so no
    // two batches wait on each other in a circle): events are kept by month (migration 0011),
    // unique by (id, at), so an id sent again is looked for in every month before anything is
    // written (a resent event whose time was moved into range differently is still found).
    tx.execute("SELECT pg_advisory_xact_lock(103, hashtext($1))::text", &[&install])?;
    let window = rate_window(now);
    let size = req.events.len() as i64;
    let mut counted_keys: Vec<&str> = Vec::new();
    for (key, limit) in &req.limits {
        let counted = tx.query_opt(
            "INSERT INTO event_rates (install_id, window_start, events) VALUES ($1, $2, $3)
             ON CONFLICT (install_id, window_start) DO UPDATE SET events = event_rates.events + excluded.events
             WHERE event_rates.events + excluded.events <= $4
             RETURNING events",
            &[key, &window, &size, &i64::from(*limit)],
        )?;
        let over = counted.as_ref().is_none_or(|r| r.get::<_, i64>(0) > i64::from(*limit));
        if counted.is_some() {
            counted_keys.push(key);
        }
        if over {
            // This transaction commits (it returns Ok): what it counted is taken back, so nothing of
            // the batch is kept or counted.
            for key in counted_keys {
                tx.execute(
                    "UPDATE event_rates SET events = events - $3 WHERE install_id = $1 AND window_start = $2",
                    &[&key, &window, &size],
                )?;
            }
            return Ok(Ingest::Throttled { retry_after_secs: (window + 60 - now).clamp(1, 60) as u32 });
        }
    }
    if let Some(user) = req.user_id {
        let declined = tx
            .query_opt("SELECT NOT tracking FROM tracking_consent WHERE user_id = $1", &[&user.to_string()])?
            .is_some_and(|r| r.get::<_, bool>(0));
        if declined {
            tx.execute(
                "DELETE FROM behaviour_events WHERE install_id = $1 AND user_id IS NULL AND kind <> ALL($2)",
                &[&install, &req.needed_kinds],
            )?;
        }
        // What the installation did before sign-in joins the account's interests, then its events.
        tx.execute(
            "INSERT INTO behaviour_interest (user_id, model, kind, events, last_at)
             SELECT $1, model, kind, COUNT(*), MAX(at) FROM behaviour_events
             WHERE install_id = $2 AND user_id IS NULL AND model IS NOT NULL GROUP BY model, kind
             ORDER BY model, kind
             ON CONFLICT (user_id, model, kind) DO UPDATE
               SET events = behaviour_interest.events + excluded.events,
                   last_at = GREATEST(behaviour_interest.last_at, excluded.last_at)",
            &[&user.to_string(), &install],
        )?;
        tx.execute(
            "UPDATE behaviour_events SET user_id = $1 WHERE install_id = $2 AND user_id IS NULL",
            &[&user.to_string(), &install],
        )?;
    }
    let all_ids: Vec<String> = req.events.iter().map(|e| e.id.to_string()).collect();
    // (installation, body hash) of each id kept before: what a resend is compared with below.
    let mut recorded: std::collections::HashMap<String, (String, String)> = tx
        .query("SELECT id, install_id, body_hash FROM behaviour_events WHERE id = ANY($1)", &[&all_ids])?
        .iter()
        .map(|r| (r.get(0), (r.get(1), r.get(2))))
        .collect();
    // Stamped once the batch holds its locks: a pass reading what arrived since never misses it.
    let received_at = req.received_at();
    let user_id = req.user_id;
    let mut first = HashSet::new();
    let written: Vec<&portal_db::EventToKeep> = req
        .events
        .iter()
        .zip(&all_ids)
        .filter(|(_, id)| !recorded.contains_key(*id) && first.insert(id.as_str()))
        .map(|(e, _)| e)
        .collect();
    let events = &written;
    let ids: Vec<String> = events.iter().map(|e| e.id.to_string()).collect();
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    let classes: Vec<&str> = events.iter().map(|e| e.class).collect();
    let ats: Vec<i64> = events.iter().map(|e| e.at).collect();
    let models: Vec<Option<&str>> = events.iter().map(|e| e.model.as_deref()).collect();
    let bodies: Vec<&str> = events.iter().map(|e| e.body.as_str()).collect();
    let hashes: Vec<&str> = events.iter().map(|e| e.body_hash.as_str()).collect();
    let adjusted: Vec<bool> = events.iter().map(|e| e.clock_adjusted).collect();
    let recommendations: Vec<Option<String>> = events.iter().map(|e| e.recommendation.map(|r| r.to_string())).collect();
    let user = user_id.map(|u| u.to_string());
    // In the order of the ids: two batches sharing ids lock them in the same order (no deadlock).
    let inserted: HashSet<String> = tx
        .query(
            "INSERT INTO behaviour_events
               (id, install_id, user_id, kind, class, at, received_at, model, body, body_hash, clock_adjusted, recommendation)
             SELECT e.id, $2, $3, e.kind, e.class, e.at, $4, e.model, e.body, e.hash, e.adjusted, e.recommendation
             FROM UNNEST($1::text[], $5::text[], $6::text[], $7::bigint[], $8::text[], $9::text[], $10::text[], $11::bool[], $12::text[])
                  AS e (id, kind, class, at, model, body, hash, adjusted, recommendation)
             ORDER BY e.id
             ON CONFLICT (id, at) DO NOTHING
             RETURNING id",
            &[&ids, &install, &user, &received_at, &kinds, &classes, &ats, &models, &bodies, &hashes, &adjusted, &recommendations],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect();
    if let Some(user) = &user {
        // The account's interest in each product, one row per kind, counted from what was new.
        let mut fresh: std::collections::BTreeMap<(&str, &str), (i64, i64)> = Default::default();
        let mut counted = HashSet::new();
        for (e, id) in events.iter().zip(&ids) {
            if let (true, Some(model)) = (inserted.contains(id) && counted.insert(id), &e.model) {
                let row = fresh.entry((model.as_str(), e.kind.as_str())).or_insert((0, e.at));
                row.0 += 1;
                row.1 = row.1.max(e.at);
            }
        }
        if !fresh.is_empty() {
            let models: Vec<&str> = fresh.keys().map(|k| k.0).collect();
            let kinds: Vec<&str> = fresh.keys().map(|k| k.1).collect();
            let counts: Vec<i64> = fresh.values().map(|v| v.0).collect();
            let lasts: Vec<i64> = fresh.values().map(|v| v.1).collect();
            // In key order: two batches of one account lock the rows in the same order.
            tx.execute(
                "INSERT INTO behaviour_interest (user_id, model, kind, events, last_at)
                 SELECT $1, f.model, f.kind, f.events, f.last_at
                 FROM UNNEST($2::text[], $3::text[], $4::bigint[], $5::bigint[]) AS f (model, kind, events, last_at)
                 ORDER BY f.model, f.kind
                 ON CONFLICT (user_id, model, kind) DO UPDATE
                   SET events = behaviour_interest.events + excluded.events,
                       last_at = GREATEST(behaviour_interest.last_at, excluded.last_at)",
                &[user, &models, &kinds, &counts, &lasts],
            )?;
        }
    }
    // Ids neither kept before nor written now were kept meanwhile by another installation's batch.
    let others: Vec<&String> =
        all_ids.iter().filter(|id| !inserted.contains(*id) && !recorded.contains_key(*id)).collect();
    if !others.is_empty() {
        let rows = tx.query("SELECT id, install_id, body_hash FROM behaviour_events WHERE id = ANY($1)", &[&others])?;
        recorded.extend(rows.iter().map(|r| (r.get(0), (r.get(1), r.get(2)))));
    }
    // The first of an id repeated within the batch is the new one.
    let mut seen = HashSet::new();
    let written: Vec<bool> = all_ids.iter().map(|id| inserted.contains(id) && seen.insert(id)).collect();
    let kept_before = recorded
        .into_iter()
        .filter_map(|(id, (install_id, body_hash))| Some((id.parse().ok()?, KeptBefore { install_id, body_hash })))
        .collect();
    let kept = batch_answers(&req.events, &install, &written, &kept_before);
    Ok(Ingest::Kept(kept))
}

pub fn consent(tx: &mut Transaction<'_>, user_id: Uuid) -> DbResult<Option<(bool, i64)>> {
    Ok(tx
        .query_opt("SELECT tracking, changed_at FROM tracking_consent WHERE user_id = $1", &[&user_id.to_string()])?
        .map(|r| (r.get(0), r.get(1))))
}

pub fn set_consent(tx: &mut Transaction<'_>, user_id: Uuid, tracking: bool, now: i64) -> DbResult<()> {
    tx.execute(
        "INSERT INTO tracking_consent (user_id, tracking, changed_at) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO UPDATE SET tracking = $2, changed_at = $3",
        &[&user_id.to_string(), &tracking, &now],
    )?;
    Ok(())
}

pub fn history(
    tx: &mut Transaction<'_>,
    user_id: Uuid,
    before: Option<(i64, Uuid)>,
    limit: u32,
) -> DbResult<(Vec<StoredEvent>, u32)> {
    let user = user_id.to_string();
    let (at, id) = before.map(|(at, id)| (at, id.to_string())).unwrap_or((i64::MAX, String::new()));
    let events = tx
        .query(
            "SELECT body, at, received_at, clock_adjusted FROM behaviour_events
             WHERE user_id = $1 AND (at < $2 OR (at = $2 AND id < $3) OR $4)
             ORDER BY at DESC, id DESC LIMIT $5",
            &[&user, &at, &id, &before.is_none(), &i64::from(limit)],
        )?
        .iter()
        .map(|r| StoredEvent { body: r.get(0), at: r.get(1), received_at: r.get(2), clock_adjusted: r.get(3) })
        .collect();
    let total: i64 = tx.query_one("SELECT COUNT(*) FROM behaviour_events WHERE user_id = $1", &[&user])?.get(0);
    Ok((events, total as u32))
}

/// `every_event`: each event as it came (the offline evaluation splits them by time); else one
/// row per (person, product, kind) from the aggregated interests.
pub fn interactions(tx: &mut Transaction<'_>, since: i64, every_event: bool) -> DbResult<Interactions> {
    let events = tx
        .query(
            if every_event {
                "SELECT user_id, model, kind, at FROM behaviour_events
                 WHERE user_id IS NOT NULL AND model IS NOT NULL AND at >= $1
                   AND user_id NOT IN (SELECT user_id FROM tracking_consent WHERE NOT tracking)
                 ORDER BY at"
            } else {
                "SELECT user_id, model, kind, last_at FROM behaviour_interest
                 WHERE last_at >= $1 AND user_id NOT IN (SELECT user_id FROM tracking_consent WHERE NOT tracking)
                 ORDER BY last_at"
            },
            &[&since],
        )?
        .iter()
        .filter_map(|r| {
            let (user, model, kind, at): (String, String, String, i64) = (r.get(0), r.get(1), r.get(2), r.get(3));
            Some((Uuid::parse_str(&user).ok()?, model, EventKind::parse(&kind)?, at))
        })
        .collect();
    let purchases = tx
        .query(
            "SELECT s.customer_id, l.sku, s.device_at FROM sales s JOIN sale_lines l ON l.sale_id = s.id
             WHERE s.customer_id IS NOT NULL AND s.device_at >= $1 AND l.returned < l.quantity
               AND s.customer_id NOT IN (SELECT user_id FROM tracking_consent WHERE NOT tracking)
             ORDER BY s.device_at",
            &[&since],
        )?
        .iter()
        .filter_map(|r| {
            let (user, sku, at): (String, String, i64) = (r.get(0), r.get(1), r.get(2));
            Some((Uuid::parse_str(&user).ok()?, sku, at))
        })
        .collect();
    let regions = tx
        .query(
            "SELECT DISTINCT ON (s.customer_id) s.customer_id, st.city FROM sales s JOIN stores st ON st.id = s.store_id
             WHERE s.customer_id IS NOT NULL AND s.device_at >= $1
               AND s.customer_id NOT IN (SELECT user_id FROM tracking_consent WHERE NOT tracking)
               AND EXISTS (SELECT 1 FROM sale_lines l WHERE l.sale_id = s.id AND l.returned < l.quantity)
             ORDER BY s.customer_id, s.device_at DESC",
            &[&since],
        )?
        .iter()
        .filter_map(|r| Some((Uuid::parse_str(r.get::<_, &str>(0)).ok()?, r.get(1))))
        .collect();
    let segments = tx
        .query(
            "SELECT user_id, tag_id FROM customer_tag_members
             WHERE user_id NOT IN (SELECT user_id FROM tracking_consent WHERE NOT tracking)",
            &[],
        )?
        .iter()
        .filter_map(|r| Some((Uuid::parse_str(r.get::<_, &str>(0)).ok()?, Uuid::parse_str(r.get::<_, &str>(1)).ok()?)))
        .collect();
    Ok(Interactions { events, purchases, regions, segments })
}

/// (customer, SKU, when, what the line cost less what came back) of sales linked to a customer.
pub fn customer_purchases(tx: &mut Transaction<'_>, since: i64) -> DbResult<Vec<(Uuid, String, i64, i64)>> {
    Ok(tx
        .query(
            "SELECT s.customer_id, l.sku, s.device_at, l.net * (l.quantity - l.returned) / l.quantity
             FROM sales s JOIN sale_lines l ON l.sale_id = s.id
             WHERE s.customer_id IS NOT NULL AND s.device_at >= $1 AND l.returned < l.quantity",
            &[&since],
        )?
        .iter()
        .filter_map(|r| Some((Uuid::parse_str(r.get(0)).ok()?, r.get(1), r.get(2), r.get(3))))
        .collect())
}

/// The people an experiment assigned: (arm, person, first served).
pub fn experiment_people(tx: &mut Transaction<'_>, experiment: Uuid) -> DbResult<Vec<(String, Uuid, i64)>> {
    Ok(tx
        .query(
            "SELECT arm, user_id, MIN(served_at) FROM recommendation_lists
             WHERE experiment_id = $1 AND user_id IS NOT NULL AND arm IS NOT NULL
             GROUP BY arm, user_id",
            &[&experiment.to_string()],
        )?
        .iter()
        .filter_map(|r| Some((r.get(0), Uuid::parse_str(r.get(1)).ok()?, r.get(2))))
        .collect())
}

pub fn served_lists(tx: &mut Transaction<'_>, ids: &[Uuid]) -> DbResult<Vec<(Uuid, Option<Uuid>, Vec<String>)>> {
    let ids: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    Ok(tx
        .query("SELECT id, user_id, models FROM recommendation_lists WHERE id = ANY($1)", &[&ids])?
        .iter()
        .filter_map(|r| {
            let (id, user, models): (String, Option<String>, String) = (r.get(0), r.get(1), r.get(2));
            Some((
                Uuid::parse_str(&id).ok()?,
                user.and_then(|u| Uuid::parse_str(&u).ok()),
                serde_json::from_str(&models).unwrap_or_default(),
            ))
        })
        .collect())
}

pub const RECORD_SERVED: &str =
    "INSERT INTO recommendation_lists (id, user_id, placement, algorithm, arm, models, served_at, experiment_id, store_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING";

/// Records a served list with `statement`: `RECORD_SERVED`, or it prepared.
pub fn record_served<S>(tx: &mut impl GenericClient, statement: &S, list: &ServedList) -> DbResult<()>
where
    S: ::postgres::ToStatement + ?Sized,
{
    tx.execute(
        statement,
        &[
            &list.id.to_string(),
            &list.user_id.map(|u| u.to_string()),
            &list.placement,
            &list.algorithm,
            &list.arm,
            &serde_json::to_string(&list.models).unwrap_or_default(),
            &list.served_at,
            &list.experiment.map(|e| e.to_string()),
            &list.store_id.map(|e| e.to_string()),
        ],
    )?;
    Ok(())
}

/// Records many served lists in one statement (each once, by id).
pub fn record_served_many(tx: &mut impl GenericClient, lists: &[ServedList]) -> DbResult<()> {
    if lists.is_empty() {
        return Ok(());
    }
    let text = |f: &dyn Fn(&ServedList) -> String| -> Vec<String> { lists.iter().map(|l| f(l)).collect() };
    let maybe =
        |f: &dyn Fn(&ServedList) -> Option<String>| -> Vec<Option<String>> { lists.iter().map(|l| f(l)).collect() };
    tx.execute(
        "INSERT INTO recommendation_lists (id, user_id, placement, algorithm, arm, models, served_at, experiment_id, store_id)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[],
             $8::text[], $9::text[])
         ON CONFLICT (id) DO NOTHING",
        &[
            &text(&|l| l.id.to_string()),
            &maybe(&|l| l.user_id.map(|u| u.to_string())),
            &text(&|l| l.placement.clone()),
            &text(&|l| l.algorithm.clone()),
            &maybe(&|l| l.arm.clone()),
            &text(&|l| serde_json::to_string(&l.models).unwrap_or_default()),
            &lists.iter().map(|l| l.served_at).collect::<Vec<i64>>(),
            &maybe(&|l| l.experiment.map(|e| e.to_string())),
            &maybe(&|l| l.store_id.map(|e| e.to_string())),
        ],
    )?;
    Ok(())
}

pub fn delete(tx: &mut Transaction<'_>, user_id: Uuid) -> DbResult<u32> {
    let user = user_id.to_string();
    let anonymous = tx.execute(
        "DELETE FROM behaviour_events WHERE user_id IS NULL AND install_id IN
           (SELECT DISTINCT install_id FROM behaviour_events WHERE user_id = $1)",
        &[&user],
    )?;
    let own = tx.execute("DELETE FROM behaviour_events WHERE user_id = $1", &[&user])?;
    // Tags made from what was deleted go with it (those made from purchases come back at the next
    // full pass); the sizes follow.
    tx.execute(
        "UPDATE customer_tags SET size = size - 1 WHERE size > 0 AND id IN
           (SELECT tag_id FROM customer_tag_members WHERE user_id = $1)",
        &[&user],
    )?;
    tx.execute("DELETE FROM customer_tag_members WHERE user_id = $1", &[&user])?;
    // What was derived from the behaviour goes in the same transaction.
    tx.execute("DELETE FROM behaviour_interest WHERE user_id = $1", &[&user])?;
    tx.execute("DELETE FROM inbox_messages WHERE user_id = $1", &[&user])?;
    tx.execute("DELETE FROM counter_grants WHERE customer_id = $1", &[&user])?;
    tx.execute("UPDATE recommendation_lists SET user_id = NULL WHERE user_id = $1", &[&user])?;
    Ok((anonymous + own) as u32)
}

pub fn shown_lists(tx: &mut Transaction<'_>, lists: &[Uuid], user: Option<Uuid>, install: Uuid) -> DbResult<Vec<Uuid>> {
    let ids: Vec<String> = lists.iter().map(Uuid::to_string).collect();
    let (user, install) = (user.map(|u| u.to_string()), install.to_string());
    Ok(tx
        .query(
            "SELECT DISTINCT recommendation FROM behaviour_events
             WHERE recommendation = ANY($1) AND kind = 'recommendation_shown'
               AND (($2::text IS NOT NULL AND user_id = $2) OR (install_id = $3 AND user_id IS NULL))",
            &[&ids, &user, &install],
        )?
        .iter()
        .filter_map(|r| Uuid::parse_str(r.get::<_, &str>(0)).ok())
        .collect())
}

/// The retention pass's deletions: (table, condition on `$1`, the time `$1` is).
pub fn retention_steps(
    r: portal_db::Retention,
    now: i64,
) -> [(&'static str, &'static str, i64); portal_db::RETENTION_STEPS] {
    [
        ("behaviour_events", "user_id IS NOT NULL AND at < $1", now - r.events_secs),
        ("behaviour_events", "user_id IS NULL AND received_at < $1", now - r.anonymous_events_secs),
        ("behaviour_interest", "last_at < $1", now - r.interest_secs),
        // An experiment's lists say who was in which arm: kept while its results are read.
        // (until the experiment stopped that long ago: a running one's lists are its people).
        (
            "recommendation_lists",
            "served_at < $1 AND (experiment_id IS NULL OR experiment_id IN
               (SELECT id FROM experiments WHERE status = 'stopped' AND stopped_at < $1))",
            now - r.lists_secs,
        ),
        ("inbox_messages", "created_at < $1", now - r.inbox_secs),
        ("counter_grants", "expires_at < $1", now),
        ("trail_days", "day < $1", now - r.report_secs),
        (
            "campaign_deliveries",
            "campaign_id IN (SELECT id FROM campaigns WHERE status = 'finished' AND updated_at < $1)",
            now - portal_db::DELIVERIES_KEPT_SECS,
        ),
        // Days since 1970 of the people's local days: two days back is past every zone's today.
        ("message_counts", "day < $1", now.div_euclid(86_400) - 2),
        // By their own time: no coupon is valid longer than `COUPON_LIFE_SECS`, so one redeemed
        // that long and `COUPONS_KEPT_SECS` ago has expired whatever became of its coupon row.
        ("coupon_redemptions", "redeemed_at < $1", now - portal_db::COUPON_LIFE_SECS - portal_db::COUPONS_KEPT_SECS),
        ("coupon_second_uses", "used_at < $1", now - portal_db::COUPON_LIFE_SECS - portal_db::COUPONS_KEPT_SECS),
        ("coupons", "valid_until < $1", now - portal_db::COUPONS_KEPT_SECS),
        ("outbound_messages", "created_at < $1", now - portal_db::OUTBOUND_KEPT_SECS),
        ("devices", "last_seen < $1", now - portal_db::DEVICES_KEPT_SECS),
    ]
}

/// Deletes up to `RETENTION_BATCH` rows of `table` matching `condition`, in one transaction. By
/// row address, except in the events kept by month, whose partitions share addresses: by key.
pub fn delete_batch(tx: &mut Transaction<'_>, table: &str, condition: &str, before: i64) -> DbResult<usize> {
    let batch = portal_db::RETENTION_BATCH;
    let sql = if table == "behaviour_events" {
        format!("DELETE FROM {table} WHERE (id, at) IN (SELECT id, at FROM {table} WHERE {condition} LIMIT {batch})")
    } else {
        format!("DELETE FROM {table} WHERE ctid = ANY(ARRAY(SELECT ctid FROM {table} WHERE {condition} LIMIT {batch}))")
    };
    Ok(tx.execute(sql.as_str(), &[&before])? as usize)
}

#[async_trait]
impl Events for PostgresDatabase {
    async fn ingest_events(&self, request: IngestRequest) -> DbResult<Ingest> {
        self.read_committed(move |tx| self::ingest(tx, &request)).await
    }

    async fn tracking_consent(&self, user_id: Uuid) -> DbResult<Option<(bool, i64)>> {
        self.read_committed(move |tx| self::consent(tx, user_id)).await
    }

    async fn set_tracking_consent(&self, user_id: Uuid, tracking: bool, now: i64) -> DbResult<()> {
        self.read_committed(move |tx| self::set_consent(tx, user_id, tracking, now)).await
    }

    async fn event_history(
        &self,
        user_id: Uuid,
        before: Option<(i64, Uuid)>,
        limit: u32,
    ) -> DbResult<(Vec<StoredEvent>, u32)> {
        // One snapshot for the page and the count.
        self.run(move |client| {
            in_transaction(client, IsolationLevel::RepeatableRead, |tx| self::history(tx, user_id, before, limit))
        })
        .await
    }

    async fn delete_events(&self, user_id: Uuid) -> DbResult<u32> {
        self.read_committed(move |tx| self::delete(tx, user_id)).await
    }

    async fn shown_lists(&self, lists: Vec<Uuid>, user_id: Option<Uuid>, install_id: Uuid) -> DbResult<Vec<Uuid>> {
        self.read_committed(move |tx| self::shown_lists(tx, &lists, user_id, install_id)).await
    }

    async fn prune_marketing(&self, retention: Retention, now: i64) -> DbResult<RetentionCounts> {
        // The coming months' partitions, each in a transaction of its own; the months wholly past
        // the retention dropped, then the rest in batches.
        for month in partitions::months_ahead(now) {
            let name = month.name.clone();
            match self.read_committed(move |tx| partitions::ensure(tx, &month)).await {
                Ok(true) => {}
                Ok(false) => tracing::info!(month = %name, "events of this month are kept in the default partition"),
                Err(e) => {
                    tracing::warn!(month = %name, error = %e, "a month's partition could not be made; trying again later")
                }
            }
        }
        // A month goes whole once every event in it is past its retention: known people's by
        // `at`, anonymous ones by arrival, which may be `MAX_AGE_SECS` (and a little) after `at`.
        let anonymous_before = now - retention.anonymous_events_secs - portal_marketing::events::MAX_AGE_SECS - 600;
        let before = (now - retention.events_secs).min(anonymous_before);
        // A month that cannot be dropped now (a long read holds the table) waits for the next
        // pass; the other tables' retention goes on.
        let event_months = match self.read_committed(move |tx| partitions::drop_before(tx, before)).await {
            Ok(months) => months,
            Err(e) => {
                tracing::warn!(error = %e, "months of events could not be dropped; trying again later");
                0
            }
        };
        let counts = prune_in_batches(self::retention_steps(retention, now), |table, condition, before| {
            self.read_committed(move |tx| self::delete_batch(tx, table, condition, before))
        })
        .await?;
        Ok(RetentionCounts { event_months, ..counts })
    }
}
