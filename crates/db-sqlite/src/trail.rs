//! The operators' report on SQLite: a window's facts read raw, and the days rolled up.
use super::*;
use portal_marketing::trail::{
    Click, CounterOutcome, Group, Purchase, TrailFacts, TrailRow, ATTRIBUTION_WINDOW_SECS, IMPRESSION_LOOKBACK_SECS,
    SEAL_AFTER_SECS,
};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use uuid::Uuid;

use portal_db::DbResult;

fn uuid(s: String) -> Option<Uuid> {
    Uuid::parse_str(&s).ok()
}

/// What happened in `[from, until)`, counted by group where it can be, with the clicks and
/// purchases of the attribution window before it (`portal_marketing::trail::TrailFacts`). One
/// snapshot: a read transaction.
pub fn facts(conn: &mut Connection, from: i64, until: i64) -> DbResult<TrailFacts> {
    let tx = conn.transaction()?;
    let before = from - ATTRIBUTION_WINDOW_SECS;
    let served = tx
        .prepare_cached(
            "SELECT placement, algorithm, experiment_id, arm, COUNT(*) FROM recommendation_lists
             WHERE served_at >= ?1 AND served_at < ?2 GROUP BY placement, algorithm, experiment_id, arm",
        )?
        .query_map([from, until], |r| {
            Ok((Group::from_columns(r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?), r.get::<_, u32>(4)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let impressions = tx
        .prepare_cached(
            // Each list once per person (or installation, anonymous) who was shown it, at the
            // first time: an anonymous list is one row served to many.
            "SELECT rl.placement, rl.algorithm, rl.experiment_id, rl.arm, COUNT(*) FROM
               (SELECT recommendation, MIN(at) AS first FROM behaviour_events
                WHERE kind = 'recommendation_shown' AND recommendation IS NOT NULL AND at >= ?3 AND at < ?2
                GROUP BY recommendation, COALESCE(user_id, install_id)) s
             JOIN recommendation_lists rl ON rl.id = s.recommendation
             WHERE s.first >= ?1
             GROUP BY rl.placement, rl.algorithm, rl.experiment_id, rl.arm",
        )?
        .query_map(params![from, until, from - IMPRESSION_LOOKBACK_SECS], |r| {
            Ok((Group::from_columns(r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?), r.get::<_, u32>(4)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let clicks = tx
        .prepare_cached(
            // A click with an impression of its list by the same person (the key impressions
            // are counted by): an impression by one key never carries another key's clicks.
            "SELECT c.recommendation, COALESCE(c.user_id, c.install_id), c.model, MIN(c.at),
                    rl.placement, rl.algorithm, rl.experiment_id, rl.arm
             FROM behaviour_events c JOIN recommendation_lists rl ON rl.id = c.recommendation
             WHERE c.kind = 'recommendation_clicked' AND c.recommendation IS NOT NULL
               AND c.model IS NOT NULL AND c.at >= ?1 AND c.at < ?2
               AND EXISTS (SELECT 1 FROM behaviour_events s
                           WHERE s.recommendation = c.recommendation AND s.kind = 'recommendation_shown'
                             AND ((c.user_id IS NOT NULL AND s.user_id = c.user_id)
                                  OR (c.user_id IS NULL AND s.user_id IS NULL AND s.install_id = c.install_id)))
             GROUP BY c.recommendation, COALESCE(c.user_id, c.install_id), c.model",
        )?
        .query_map([before, until], |r| {
            Ok((
                (r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, i64>(3)?),
                Group::from_columns(r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?),
            ))
        })?
        .filter_map(|row| {
            row.ok().and_then(|((list, person, model, at), group)| {
                Some(Click { list: uuid(list)?, group, person: uuid(person)?, model, at })
            })
        })
        .collect();
    let purchases = tx
        .prepare_cached(
            "SELECT s.customer_id, l.sku, s.device_at, l.net * (l.quantity - l.returned) / l.quantity
             FROM sales s JOIN sale_lines l ON l.sale_id = s.id
             WHERE s.customer_id IS NOT NULL AND s.device_at >= ?1 AND s.device_at < ?2 AND l.returned < l.quantity",
        )?
        .query_map([before, until], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .filter_map(|row| {
            row.ok().and_then(|(customer, sku, at, net)| Some(Purchase { customer: uuid(customer)?, sku, at, net }))
        })
        .collect();
    let counter = tx
        .prepare_cached(
            // What came of each offer as of now: accepted SKUs its sale still holds (a return takes
            // its share back), and their net.
            "SELECT co.recommendation, co.accepted_count,
                    (SELECT COUNT(DISTINCT l.sku) FROM sale_lines l
                     WHERE l.sale_id = co.sale_id AND l.returned < l.quantity
                       AND l.sku IN (SELECT value FROM json_each(co.accepted))),
                    (SELECT COALESCE(SUM(l.net * (l.quantity - l.returned) / l.quantity), 0) FROM sale_lines l
                     WHERE l.sale_id = co.sale_id AND l.sku IN (SELECT value FROM json_each(co.accepted))),
                    co.store_id, rl.store_id, rl.placement, rl.algorithm, rl.experiment_id, rl.arm
             FROM counter_offers co LEFT JOIN recommendation_lists rl ON rl.id = co.recommendation
             WHERE co.device_at >= ?1 AND co.device_at < ?2",
        )?
        .query_map([from, until], |r| {
            let group = match r.get::<_, Option<String>>(6)? {
                Some(placement) => Some(Group::from_columns(placement, r.get(7)?, r.get(8)?, r.get(9)?)),
                None => None,
            };
            Ok((
                (r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?),
                (r.get::<_, String>(4)?, r.get::<_, Option<String>>(5)?, group),
            ))
        })?
        .filter_map(|row| {
            row.ok().and_then(|((list, accepted, converted, revenue), (store, list_store, group))| {
                Some(CounterOutcome {
                    list: uuid(list)?,
                    group,
                    store: uuid(store)?,
                    list_store: list_store.and_then(uuid),
                    accepted,
                    converted,
                    revenue,
                })
            })
        })
        .collect();
    Ok(TrailFacts { served, impressions, clicks, purchases, counter })
}

/// The rows of the sealed days in `[from, until)`, a row per day and group.
pub fn days(conn: &Connection, from: i64, until: i64) -> DbResult<Vec<TrailRow>> {
    Ok(conn
        .prepare_cached(
            "SELECT placement, algorithm, experiment_id, arm, lists, impressions, clicks, clicked_lists, conversions,
                    revenue
             FROM trail_days WHERE day >= ?1 AND day < ?2",
        )?
        .query_map([from, until], |r| {
            Ok((
                (r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?),
                [r.get::<_, i64>(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?],
            ))
        })?
        .filter_map(Result::ok)
        .map(
            |(
                (placement, algorithm, experiment, arm),
                [lists, impressions, clicks, clicked_lists, conversions, revenue],
            )| {
                TrailRow {
                    placement,
                    algorithm,
                    experiment: uuid(experiment),
                    arm: (!arm.is_empty()).then_some(arm),
                    lists: lists as u32,
                    impressions: impressions as u32,
                    clicks: clicks as u32,
                    clicked_lists: clicked_lists as u32,
                    conversions: conversions as u32,
                    revenue,
                }
            },
        )
        .collect())
}

/// The start of the first day not sealed, if any was.
pub fn sealed_until(conn: &Connection) -> DbResult<Option<i64>> {
    Ok(conn.query_row("SELECT sealed_until FROM trail_sealed WHERE id = 1", [], |r| r.get(0)).optional()?)
}

/// Writes the day `[day, next)` and moves the seal to `next`, unless the seal is past `day`
/// already (another instance sealed it) or short of it (a day before is open): then false.
pub fn seal(conn: &mut Connection, day: i64, next: i64, rows: &[TrailRow]) -> DbResult<bool> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let sealed: Option<i64> =
        tx.query_row("SELECT sealed_until FROM trail_sealed WHERE id = 1", [], |r| r.get(0)).optional()?;
    // Never a day that may still change, whatever this instance's clock says.
    let clock: i64 = tx.query_row("SELECT CAST(strftime('%s', 'now') AS INTEGER)", [], |r| r.get(0))?;
    if sealed.is_some_and(|s| s != day) || next + SEAL_AFTER_SECS > clock {
        return Ok(false);
    }
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO trail_days (day, placement, algorithm, experiment_id, arm, lists, impressions, clicks,
                 clicked_lists, conversions, revenue)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?;
        for r in rows {
            insert.execute(params![
                day,
                r.placement,
                r.algorithm,
                r.experiment.map(|e| e.to_string()).unwrap_or_default(),
                r.arm.clone().unwrap_or_default(),
                r.lists,
                r.impressions,
                r.clicks,
                r.clicked_lists,
                r.conversions,
                r.revenue
            ])?;
        }
    }
    tx.execute(
        "INSERT INTO trail_sealed (id, sealed_until) VALUES (1, ?1)
         ON CONFLICT (id) DO UPDATE SET sealed_until = excluded.sealed_until",
        [next],
    )?;
    tx.commit()?;
    Ok(true)
}

#[async_trait]
impl Trail for SqliteDatabase {
    async fn trail_facts(&self, from: i64, until: i64) -> DbResult<TrailFacts> {
        self.run(move |conn| self::facts(conn, from, until)).await
    }

    async fn trail_days(&self, from: i64, until: i64) -> DbResult<Vec<portal_marketing::trail::TrailRow>> {
        self.run(move |conn| self::days(conn, from, until)).await
    }

    async fn trail_sealed_until(&self) -> DbResult<Option<i64>> {
        self.run(|conn| self::sealed_until(conn)).await
    }

    async fn seal_trail_day(
        &self,
        day: i64,
        next: i64,
        rows: Vec<portal_marketing::trail::TrailRow>,
    ) -> DbResult<bool> {
        self.run(move |conn| self::seal(conn, day, next, &rows)).await
    }
}
