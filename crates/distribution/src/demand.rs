//! Demand plans (需求计划): what a dealer will need of a SKU in the coming months, suggested from
//! what their stores sold (the recent pace) and the season (how the same month went a year before,
//! against the months just before it), for the business manager to edit.
//!
//! Months are counted as `year * 12 + month - 1`, so that arithmetic on them is plain.

/// A month as a number: `year * 12 + (month - 1)`.
pub type MonthNo = i32;

/// The months of sales a suggestion reads: 15 before the current month (a year back from the
/// furthest month planned, and the three months before that).
pub const HISTORY_MONTHS: i32 = 15;
/// The months a plan covers: the current one and the next two.
pub const PLAN_MONTHS: i32 = 3;
/// The months whose average is the recent pace.
const PACE_MONTHS: i32 = 3;
/// The season moves a suggestion by at most this factor either way.
const SEASON_MIN_PERCENT: i64 = 50;
const SEASON_MAX_PERCENT: i64 = 200;

/// `YYYY-MM` as a month number.
pub fn parse_month(text: &str) -> Option<MonthNo> {
    let (year, month) = text.split_once('-')?;
    if year.len() != 4 || month.len() != 2 {
        return None;
    }
    let (year, month): (i32, i32) = (year.parse().ok()?, month.parse().ok()?);
    ((1..=12).contains(&month) && (1970..=9999).contains(&year)).then(|| year * 12 + month - 1)
}

/// A month number as `YYYY-MM`.
pub fn month_text(month: MonthNo) -> String {
    format!("{:04}-{:02}", month.div_euclid(12), month.rem_euclid(12) + 1)
}

/// A suggestion for one month, with what it was made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suggestion {
    pub units: u32,
    /// Units a month over the last full months.
    pub recent_pace: u32,
    /// The season's factor in percent (100 when a year of history is missing).
    pub season_percent: u32,
}

/// Suggests the units for `target`, given `sold(month)` for past months and `current`, the month
/// now (not yet full, so not part of the pace).
pub fn suggest(sold: impl Fn(MonthNo) -> i64, current: MonthNo, target: MonthNo) -> Suggestion {
    let average = |last: MonthNo| -> i64 { (0..PACE_MONTHS).map(|k| sold(last - k).max(0)).sum::<i64>() / 3 };
    let pace = average(current - 1);
    let year_before = sold(target - 12).max(0);
    let before_that = average(target - 13);
    let season = if year_before > 0 && before_that > 0 {
        (year_before.saturating_mul(100) / before_that).clamp(SEASON_MIN_PERCENT, SEASON_MAX_PERCENT)
    } else {
        100
    };
    let units = (pace.saturating_mul(season) + 50) / 100;
    let fit = |n: i64| u32::try_from(n.max(0)).unwrap_or(u32::MAX);
    Suggestion { units: fit(units), recent_pace: fit(pace), season_percent: fit(season) }
}

/// Whether a month may be planned now: the current one or one of the next ones.
pub fn plannable(current: MonthNo, month: MonthNo) -> bool {
    (current..current + PLAN_MONTHS).contains(&month)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn month(text: &str) -> MonthNo {
        parse_month(text).unwrap()
    }

    #[test]
    fn months_read_and_print_both_ways_and_bad_ones_are_refused() {
        assert_eq!(month_text(month("2026-12")), "2026-12");
        assert_eq!(month("2027-01") - month("2026-12"), 1);
        for bad in ["2026-13", "2026-00", "26-01", "2026-1", "abcd-ef", ""] {
            assert_eq!(parse_month(bad), None, "{bad}");
        }
    }

    #[test]
    fn without_a_year_of_history_the_suggestion_is_the_recent_pace() {
        let now = month("2026-12");
        let sold = |m: MonthNo| if m >= now - 3 && m < now { [30, 60, 90][(m - (now - 3)) as usize] } else { 0 };
        let s = suggest(sold, now, now + 1);
        assert_eq!(s, Suggestion { units: 60, recent_pace: 60, season_percent: 100 });
    }

    #[test]
    fn a_month_that_sold_double_a_year_ago_is_suggested_double_and_the_season_is_bounded() {
        let now = month("2026-12");
        // Every month sold 40, but last January sold 80 (against 40 in the months before it).
        let sold = |m: MonthNo| if m == month("2026-01") { 80 } else { 40 };
        let s = suggest(sold, now, month("2027-01"));
        assert_eq!((s.units, s.season_percent), (80, 200));
        let spike = |m: MonthNo| if m == month("2026-01") { 4_000 } else { 40 };
        assert_eq!(suggest(spike, now, month("2027-01")).season_percent, 200);
        let slump = |m: MonthNo| if m == month("2026-01") { 1 } else { 40 };
        assert_eq!(suggest(slump, now, month("2027-01")).units, 20);
    }

    #[test]
    fn returns_never_make_a_negative_suggestion_and_only_the_coming_months_are_plannable() {
        let now = month("2026-12");
        assert_eq!(suggest(|_| -5, now, now).units, 0);
        assert!(plannable(now, now) && plannable(now, now + 2));
        assert!(!plannable(now, now - 1) && !plannable(now, now + 3));
    }
}
