//! The operators' report on PostgreSQL: a window's facts read raw, and the days rolled up.
use super::*;
use ::postgres::Transaction;
use portal_marketing::trail::{
    Click, CounterOutcome, Group, Purchase, TrailFacts, TrailRow, ATTRIBUTION_WINDOW_SECS, IMPRESSION_LOOKBACK_SECS,
    SEAL_AFTER_SECS,
};
use uuid::Uuid;

use portal_db::DbResult;

fn uuid(s: String) -> Option<Uuid> {
    Uuid::parse_str(&s).ok()
}

/// What happened in `[from, until)`, counted by group where it can be, with the clicks and
/// purchases of the attribution window before it (`portal_marketing::trail::TrailFacts`).
pub fn facts(tx: &mut Transaction<'_>, from: i64, until: i64) -> DbResult<TrailFacts> {
    let before = from - ATTRIBUTION_WINDOW_SECS;
    let served = tx
        .query(
            "SELECT placement, algorithm, experiment_id, arm, COUNT(*)::BIGINT FROM recommendation_lists
             WHERE served_at >= $1 AND served_at < $2 GROUP BY placement, algorithm, experiment_id, arm",
            &[&from, &until],
        )?
        .into_iter()
        .map(|r| (Group::from_columns(r.get(0), r.get(1), r.get(2), r.get(3)), r.get::<_, i64>(4) as u32))
        .collect();
    let impressions = tx
        .query(
            // Each list once per person (or installation, anonymous) who was shown it, at the
            // first time: an anonymous list is one row served to many.
            "SELECT rl.placement, rl.algorithm, rl.experiment_id, rl.arm, COUNT(*)::BIGINT FROM
               (SELECT recommendation, MIN(at) AS first FROM behaviour_events
                WHERE kind = 'recommendation_shown' AND recommendation IS NOT NULL AND at >= $3 AND at < $2
                GROUP BY recommendation, COALESCE(user_id, install_id)) s
             JOIN recommendation_lists rl ON rl.id = s.recommendation
             WHERE s.first >= $1
             GROUP BY rl.placement, rl.algorithm, rl.experiment_id, rl.arm",
            &[&from, &until, &(from - IMPRESSION_LOOKBACK_SECS)],
        )?
        .into_iter()
        .map(|r| (Group::from_columns(r.get(0), r.get(1), r.get(2), r.get(3)), r.get::<_, i64>(4) as u32))
        .collect();
    let clicks = tx
        .query(
            // A click with an impression of its list by the same person (the key impressions
            // are counted by): an impression by one key never carries another key's clicks.
            "SELECT c.recommendation, COALESCE(c.user_id, c.install_id), c.model, MIN(c.at),
                    MIN(rl.placement), MIN(rl.algorithm), MIN(rl.experiment_id), MIN(rl.arm)
             FROM behaviour_events c JOIN recommendation_lists rl ON rl.id = c.recommendation
             WHERE c.kind = 'recommendation_clicked' AND c.recommendation IS NOT NULL
               AND c.model IS NOT NULL AND c.at >= $1 AND c.at < $2
               AND EXISTS (SELECT 1 FROM behaviour_events s
                           WHERE s.recommendation = c.recommendation AND s.kind = 'recommendation_shown'
                             AND ((c.user_id IS NOT NULL AND s.user_id = c.user_id)
                                  OR (c.user_id IS NULL AND s.user_id IS NULL AND s.install_id = c.install_id)))
             GROUP BY c.recommendation, COALESCE(c.user_id, c.install_id), c.model",
            &[&before, &until],
        )?
        .into_iter()
        .filter_map(|r| {
            Some(Click {
                list: uuid(r.get(0))?,
                group: Group::from_columns(r.get(4), r.get(5), r.get(6), r.get(7)),
                person: uuid(r.get(1))?,
                model: r.get(2),
                at: r.get(3),
            })
        })
        .collect();
    let purchases = tx
        .query(
            "SELECT s.customer_id, l.sku, s.device_at, l.net * (l.quantity - l.returned) / l.quantity
             FROM sales s JOIN sale_lines l ON l.sale_id = s.id
             WHERE s.customer_id IS NOT NULL AND s.device_at >= $1 AND s.device_at < $2 AND l.returned < l.quantity",
            &[&before, &until],
        )?
        .into_iter()
        .filter_map(|r| Some(Purchase { customer: uuid(r.get(0))?, sku: r.get(1), at: r.get(2), net: r.get(3) }))
        .collect();
    let counter = tx
        .query(
            // What came of each offer as of now: accepted SKUs its sale still holds (a return takes
            // its share back), and their net.
            "SELECT co.recommendation, co.accepted_count,
                    (SELECT COUNT(DISTINCT l.sku) FROM sale_lines l
                     WHERE l.sale_id = co.sale_id AND l.returned < l.quantity
                       AND l.sku IN (SELECT jsonb_array_elements_text(co.accepted::jsonb))),
                    (SELECT COALESCE(SUM(l.net * (l.quantity - l.returned) / l.quantity), 0)::BIGINT FROM sale_lines l
                     WHERE l.sale_id = co.sale_id AND l.sku IN (SELECT jsonb_array_elements_text(co.accepted::jsonb))),
                    co.store_id, rl.store_id, rl.placement, rl.algorithm, rl.experiment_id, rl.arm
             FROM counter_offers co LEFT JOIN recommendation_lists rl ON rl.id = co.recommendation
             WHERE co.device_at >= $1 AND co.device_at < $2",
            &[&from, &until],
        )?
        .into_iter()
        .filter_map(|r| {
            Some(CounterOutcome {
                list: uuid(r.get(0))?,
                group: r
                    .get::<_, Option<String>>(6)
                    .map(|placement| Group::from_columns(placement, r.get(7), r.get(8), r.get(9))),
                store: uuid(r.get(4))?,
                list_store: r.get::<_, Option<String>>(5).and_then(uuid),
                accepted: r.get::<_, i64>(1) as u32,
                converted: r.get::<_, i64>(2) as u32,
                revenue: r.get(3),
            })
        })
        .collect();
    Ok(TrailFacts { served, impressions, clicks, purchases, counter })
}

/// The rows of the sealed days in `[from, until)`, a row per day and group.
pub fn days(tx: &mut Transaction<'_>, from: i64, until: i64) -> DbResult<Vec<TrailRow>> {
    Ok(tx
        .query(
            "SELECT placement, algorithm, experiment_id, arm, lists, impressions, clicks, clicked_lists, conversions,
                    revenue
             FROM trail_days WHERE day >= $1 AND day < $2",
            &[&from, &until],
        )?
        .into_iter()
        .map(|r| {
            let arm: String = r.get(3);
            TrailRow {
                placement: r.get(0),
                algorithm: r.get(1),
                experiment: uuid(r.get(2)),
                arm: (!arm.is_empty()).then_some(arm),
                lists: r.get::<_, i64>(4) as u32,
                impressions: r.get::<_, i64>(5) as u32,
                clicks: r.get::<_, i64>(6) as u32,
                clicked_lists: r.get::<_, i64>(7) as u32,
                conversions: r.get::<_, i64>(8) as u32,
                revenue: r.get(9),
            }
        })
        .collect())
}

/// The start of the first day not sealed, if any was.
pub fn sealed_until(tx: &mut Transaction<'_>) -> DbResult<Option<i64>> {
    Ok(tx.query_opt("SELECT sealed_until FROM trail_sealed WHERE id = 1", &[])?.map(|r| r.get(0)))
}

/// Writes the day `[day, next)` and moves the seal to `next`, unless the seal is past `day`
/// already (another instance sealed it) or short of it (a day before is open): then false.
pub fn seal(tx: &mut Transaction<'_>, day: i64, next: i64, rows: &[TrailRow]) -> DbResult<bool> {
    // One sealer at a time, on every instance (a key space of its own beside the ledger's 1 to 4
    // and the inbox's 101).
    tx.execute("SELECT pg_advisory_xact_lock(102, 0)::text", &[])?;
    // Never a day that may still change, whatever this instance's clock says.
    let clock: i64 = tx.query_one("SELECT EXTRACT(EPOCH FROM now())::BIGINT", &[])?.get(0);
    if sealed_until(tx)?.is_some_and(|s| s != day) || next + SEAL_AFTER_SECS > clock {
        return Ok(false);
    }
    let text = |f: &dyn Fn(&TrailRow) -> String| -> Vec<String> { rows.iter().map(|r| f(r)).collect() };
    let number = |f: &dyn Fn(&TrailRow) -> i64| -> Vec<i64> { rows.iter().map(|r| f(r)).collect() };
    tx.execute(
        "INSERT INTO trail_days (day, placement, algorithm, experiment_id, arm, lists, impressions, clicks,
             clicked_lists, conversions, revenue)
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[],
             $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[])",
        &[
            &day,
            &text(&|r| r.placement.clone()),
            &text(&|r| r.algorithm.clone()),
            &text(&|r| r.experiment.map(|e| e.to_string()).unwrap_or_default()),
            &text(&|r| r.arm.clone().unwrap_or_default()),
            &number(&|r| i64::from(r.lists)),
            &number(&|r| i64::from(r.impressions)),
            &number(&|r| i64::from(r.clicks)),
            &number(&|r| i64::from(r.clicked_lists)),
            &number(&|r| i64::from(r.conversions)),
            &number(&|r| r.revenue),
        ],
    )?;
    tx.execute(
        "INSERT INTO trail_sealed (id, sealed_until) VALUES (1, $1)
         ON CONFLICT (id) DO UPDATE SET sealed_until = excluded.sealed_until",
        &[&next],
    )?;
    Ok(true)
}

#[async_trait]
impl Trail for PostgresDatabase {
    async fn trail_facts(&self, from: i64, until: i64) -> DbResult<TrailFacts> {
        // One snapshot for every part of the window.
        self.run(move |client| {
            in_transaction(client, IsolationLevel::RepeatableRead, |tx| self::facts(tx, from, until))
        })
        .await
    }

    async fn trail_days(&self, from: i64, until: i64) -> DbResult<Vec<portal_marketing::trail::TrailRow>> {
        self.read_committed(move |tx| self::days(tx, from, until)).await
    }

    async fn trail_sealed_until(&self) -> DbResult<Option<i64>> {
        self.read_committed(self::sealed_until).await
    }

    async fn seal_trail_day(
        &self,
        day: i64,
        next: i64,
        rows: Vec<portal_marketing::trail::TrailRow>,
    ) -> DbResult<bool> {
        self.read_committed(move |tx| self::seal(tx, day, next, &rows)).await
    }
}
