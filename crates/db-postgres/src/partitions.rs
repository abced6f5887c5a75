//! Behaviour events by month on PostgreSQL (migration 0011): each month's partition made ahead of
//! the month, and dropped whole once every event in it is past the retention. What the default
//! partition holds (the rows from before the months, or a month made late) goes by the batched
//! retention instead.
use ::postgres::Transaction;

use portal_db::DbResult;
use portal_store_ops::day::{civil_from_days, days_from_civil};

const DAY: i64 = 86_400;

/// The (year, month) `at` falls in (UTC).
fn month_of(at: i64) -> (i64, u32) {
    let (year, month, _) = civil_from_days(at.div_euclid(DAY));
    (year, month)
}

/// A month `months` after (year, month).
fn add_months((year, month): (i64, u32), months: i64) -> (i64, u32) {
    let index = year * 12 + i64::from(month) - 1 + months;
    (index.div_euclid(12), (index.rem_euclid(12) + 1) as u32)
}

/// A month's partition: its name and the range of `at` it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Month {
    pub name: String,
    pub from: i64,
    pub until: i64,
}

fn month((year, month): (i64, u32)) -> Month {
    let next = add_months((year, month), 1);
    Month {
        name: format!("behaviour_events_{year:04}_{month:02}"),
        from: days_from_civil(year, month, 1) * DAY,
        until: days_from_civil(next.0, next.1, 1) * DAY,
    }
}

/// The months a pass at `now` makes sure of: this one (when nothing of it was kept yet) and the
/// next two.
pub fn months_ahead(now: i64) -> Vec<Month> {
    (0..3).map(|i| month(add_months(month_of(now), i))).collect()
}

/// The month a partition's name stands for, if it is one of ours.
pub fn month_named(name: &str) -> Option<Month> {
    let rest = name.strip_prefix("behaviour_events_")?;
    let (year, month_number) = rest.split_once('_')?;
    let (year, month_number): (i64, u32) = (year.parse().ok()?, month_number.parse().ok()?);
    ((1..=12).contains(&month_number) && rest.len() == 7).then(|| month((year, month_number)))
}

/// Makes `m`'s partition unless it exists; false when it cannot be made (the default partition
/// holds rows of that month already: they stay there and go by the batched retention). Waits at
/// most a few seconds for the table: ingest never queues behind it for long.
pub fn ensure(tx: &mut Transaction<'_>, m: &Month) -> DbResult<bool> {
    if tx.query_opt("SELECT 1 FROM pg_class WHERE relname = $1", &[&m.name])?.is_some() {
        return Ok(true);
    }
    tx.batch_execute("SET LOCAL lock_timeout = '5s'")?;
    let taken: i64 = tx
        .query_one(
            "SELECT COUNT(*)::BIGINT FROM behaviour_events_default WHERE at >= $1 AND at < $2",
            &[&m.from, &m.until],
        )?
        .get(0);
    if taken > 0 {
        return Ok(false);
    }
    // Made on its own and attached: attaching holds the parent by a lock that lets events be read
    // and written meanwhile; it holds the default partition whole while it checks it, which is
    // brief because the months are made ahead (migration 0011 made the months of the rows before).
    tx.batch_execute(&format!(
        "CREATE TABLE {name} (LIKE behaviour_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
         ALTER TABLE behaviour_events ATTACH PARTITION {name} FOR VALUES FROM ({from}) TO ({until})",
        name = m.name,
        from = m.from,
        until = m.until
    ))?;
    Ok(true)
}

/// Drops the month partitions wholly before `before`: how many.
pub fn drop_before(tx: &mut Transaction<'_>, before: i64) -> DbResult<usize> {
    let names: Vec<String> = tx
        .query(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
             WHERE i.inhparent = 'behaviour_events'::regclass",
            &[],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let expired: Vec<Month> = names.iter().filter_map(|n| month_named(n)).filter(|m| m.until <= before).collect();
    if expired.is_empty() {
        return Ok(0);
    }
    tx.batch_execute("SET LOCAL lock_timeout = '5s'")?;
    for m in &expired {
        // Another instance may have dropped it a moment before.
        tx.batch_execute(&format!("DROP TABLE IF EXISTS {}", m.name))?;
    }
    Ok(expired.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_calendar_months_in_utc() {
        // 2026-12-04 12:00 UTC.
        let now = 1_796_385_600;
        let ahead = months_ahead(now);
        assert_eq!(
            ahead.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(),
            ["behaviour_events_2026_12", "behaviour_events_2027_01", "behaviour_events_2027_02"]
        );
        assert_eq!(ahead[0].from, 1_796_083_200, "2026-12-01");
        assert_eq!(ahead[0].until, ahead[1].from);
        assert_eq!(ahead[1].until - ahead[1].from, 31 * DAY);
        assert_eq!(month((2028, 2)).until - month((2028, 2)).from, 29 * DAY, "a leap February");
        assert_eq!(month_named("behaviour_events_2027_01"), Some(ahead[1].clone()));
        for other in ["behaviour_events_default", "behaviour_events_2027_13", "behaviour_events_2027_1", "x"] {
            assert_eq!(month_named(other), None, "{other}");
        }
        assert_eq!(month_of(ahead[2].from), (2027, 2));
        assert_eq!(month_of(ahead[2].from - 1), (2027, 1));
    }
}
