//! The days distribution reads and writes: `YYYY-MM-DD` in China time (the stores' calendar), as
//! days since 1970-01-01, and their midnights.
use portal_distribution::Day;
use portal_store_ops::day::{civil_from_days, days_from_civil, LOCAL_OFFSET_SECS};

use crate::common::now;

/// A day written `YYYY-MM-DD` between the years 2000 and 2200 (checked before any arithmetic, so
/// no text can overflow it); an impossible day (2026-02-31) is none.
pub fn day_of(text: &str) -> Option<Day> {
    let mut parts = text.trim().splitn(3, '-');
    let (y, m, d) =
        (parts.next()?.parse::<i64>().ok()?, parts.next()?.parse::<u32>().ok()?, parts.next()?.parse::<u32>().ok()?);
    if !(2000..=2200).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let days = days_from_civil(y, m, d);
    (civil_from_days(days) == (y, m, d)).then_some(days as Day)
}

pub fn day_text(day: Day) -> String {
    let (y, m, d) = civil_from_days(i64::from(day));
    format!("{y:04}-{m:02}-{d:02}")
}

/// The day holding `at` (unix seconds).
pub fn day_at(at: i64) -> Day {
    (at + LOCAL_OFFSET_SECS).div_euclid(86_400) as Day
}

pub fn today() -> Day {
    day_at(now())
}

/// The day's first second, as unix seconds.
pub fn midnight(day: Day) -> i64 {
    i64::from(day) * 86_400 - LOCAL_OFFSET_SECS
}

/// A time as people read it: China time, to the minute.
pub fn local_time(at: i64) -> String {
    let local = at + LOCAL_OFFSET_SECS;
    let secs = local.rem_euclid(86_400);
    format!("{} {:02}:{:02}", day_text(day_at(at)), secs / 3600, secs % 3600 / 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_read_as_written_and_nothing_overflows() {
        let day = day_of("2026-12-07").unwrap();
        assert_eq!(day_text(day), "2026-12-07");
        assert_eq!(local_time(midnight(day)), "2026-12-07 00:00");
        for bad in ["2026-02-31", "12/07/2026", "300000000000-01-01", "2026-13-01", ""] {
            assert!(day_of(bad).is_none(), "{bad}");
        }
    }
}
