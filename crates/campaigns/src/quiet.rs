//! Quiet hours in a person's own time zone: a window of local time (it may cross midnight) in
//! which nothing that would interrupt them is sent. Local times that a daylight-saving change
//! skips resolve to the first minute after the gap; times it repeats, to the earlier one.
use chrono::{Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Timelike};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

const DAY_MINUTES: u16 = 24 * 60;

/// From `start` to `end`, minutes after local midnight; a window whose start is after its end
/// crosses midnight (21:00–08:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuietHours {
    pub start_minute: u16,
    pub end_minute: u16,
}

impl QuietHours {
    /// A window of local minutes; none when either is not a minute of the day or they are equal.
    pub fn new(start_minute: u16, end_minute: u16) -> Option<Self> {
        (start_minute < DAY_MINUTES && end_minute < DAY_MINUTES && start_minute != end_minute)
            .then_some(Self { start_minute, end_minute })
    }

    pub fn contains(&self, minute: u16) -> bool {
        if self.start_minute < self.end_minute {
            (self.start_minute..self.end_minute).contains(&minute)
        } else {
            minute >= self.start_minute || minute < self.end_minute
        }
    }
}

/// The time zone named `name` (IANA, such as `Asia/Shanghai`).
pub fn zone(name: &str) -> Option<Tz> {
    name.parse().ok()
}

/// The first instant at or after `now` (unix seconds) outside the quiet hours, in `tz`.
pub fn earliest(now: i64, tz: Tz, quiet: Option<QuietHours>) -> i64 {
    let Some(quiet) = quiet else { return now };
    let Some(local) = tz.timestamp_opt(now, 0).single() else { return now };
    let minute = (local.hour() * 60 + local.minute()) as u16;
    if !quiet.contains(minute) {
        return now;
    }
    let today = local.date_naive();
    let day = if minute < quiet.end_minute { today } else { today.succ_opt().unwrap_or(today) };
    let end = day.and_hms_opt(u32::from(quiet.end_minute / 60), u32::from(quiet.end_minute % 60), 0);
    end.map_or(now, |end| at_local(tz, end)).max(now)
}

/// The instant local midnight starts the day after `now`'s, in `tz` (where a day's first caps
/// begin again).
pub fn next_local_midnight(now: i64, tz: Tz) -> i64 {
    let Some(local) = tz.timestamp_opt(now, 0).single() else { return now + 86_400 };
    let tomorrow = local.date_naive().succ_opt().unwrap_or(local.date_naive());
    at_local(tz, tomorrow.and_hms_opt(0, 0, 0).unwrap_or_default())
}

/// The local calendar day of `now` in `tz`.
pub fn local_date(now: i64, tz: Tz) -> NaiveDate {
    tz.timestamp_opt(now, 0).single().map_or_else(NaiveDate::default, |t| t.date_naive())
}

/// The local calendar day of `now` in `tz`, as days since 1970-01-01.
pub fn local_day_number(now: i64, tz: Tz) -> i64 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("a date");
    (local_date(now, tz) - epoch).num_days()
}

/// A local wall-clock time as an instant: the earlier of a repeated time, the first minute after
/// a skipped one.
fn at_local(tz: Tz, local: NaiveDateTime) -> i64 {
    for shift in 0..=24 * 60 {
        match tz.from_local_datetime(&(local + Duration::minutes(shift))) {
            LocalResult::Single(t) => return t.timestamp(),
            LocalResult::Ambiguous(earlier, _) => return earlier.timestamp(),
            LocalResult::None => continue,
        }
    }
    local.and_utc().timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, Utc};

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> i64 {
        NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(h, min, 0).unwrap().and_utc().timestamp()
    }
    fn local(tz: Tz, at: i64) -> String {
        tz.timestamp_opt(at, 0).unwrap().format("%Y-%m-%d %H:%M %Z").to_string()
    }
    const NIGHT: Option<QuietHours> = Some(QuietHours { start_minute: 21 * 60, end_minute: 8 * 60 });

    #[test]
    fn a_window_across_midnight_holds_until_its_local_end() {
        let shanghai = zone("Asia/Shanghai").unwrap();
        // 22:30 in Shanghai (14:30 UTC): held until 08:00 the next morning.
        let at = earliest(utc(2026, 12, 7, 14, 30), shanghai, NIGHT);
        assert_eq!(local(shanghai, at), "2026-12-08 08:00 CST");
        // 02:00 local: until 08:00 the same day; 12:00 local: at once.
        assert_eq!(local(shanghai, earliest(utc(2026, 12, 7, 18, 0), shanghai, NIGHT)), "2026-12-08 08:00 CST");
        assert_eq!(earliest(utc(2026, 12, 7, 4, 0), shanghai, NIGHT), utc(2026, 12, 7, 4, 0));
        // The same instant is quiet for one person and not for another.
        let london = zone("Europe/London").unwrap();
        assert_eq!(earliest(utc(2026, 12, 7, 14, 30), london, NIGHT), utc(2026, 12, 7, 14, 30));
        assert_eq!(earliest(utc(2026, 12, 7, 14, 30), shanghai, None), utc(2026, 12, 7, 14, 30));
    }

    #[test]
    fn a_daylight_saving_change_moves_the_end_with_the_clock() {
        let berlin = zone("Europe/Berlin").unwrap();
        // The night clocks go forward (29 March 2026, 02:00 → 03:00): 08:00 CEST is 06:00 UTC.
        let at = earliest(utc(2026, 3, 28, 22, 0), berlin, NIGHT);
        assert_eq!((local(berlin, at), at), ("2026-03-29 08:00 CEST".into(), utc(2026, 3, 29, 6, 0)));
        // The night they go back (25 October 2026): 08:00 CET is 07:00 UTC.
        let at = earliest(utc(2026, 10, 24, 22, 0), berlin, NIGHT);
        assert_eq!((local(berlin, at), at), ("2026-10-25 08:00 CET".into(), utc(2026, 10, 25, 7, 0)));
        // Quiet hours ending inside the skipped hour end at the first minute after it.
        let gap = Some(QuietHours { start_minute: 60, end_minute: 2 * 60 + 30 });
        let at = earliest(utc(2026, 3, 29, 0, 30), berlin, gap);
        assert_eq!(local(berlin, at), "2026-03-29 03:00 CEST");
        // A repeated hour: the earlier 02:30.
        let repeat = Some(QuietHours { start_minute: 60, end_minute: 2 * 60 + 30 });
        let at = earliest(utc(2026, 10, 24, 23, 30), berlin, repeat);
        assert_eq!(at, utc(2026, 10, 25, 0, 30));
    }

    #[test]
    fn windows_are_minutes_of_a_day_and_midnight_follows_the_zone() {
        assert!(QuietHours::new(1440, 10).is_none() && QuietHours::new(10, 10).is_none());
        let day = QuietHours::new(12 * 60, 14 * 60).unwrap();
        assert!(day.contains(12 * 60) && !day.contains(14 * 60) && !day.contains(60));
        let shanghai = zone("Asia/Shanghai").unwrap();
        assert_eq!(next_local_midnight(utc(2026, 12, 7, 14, 30), shanghai), utc(2026, 12, 7, 16, 0));
        assert_eq!(local_date(utc(2026, 12, 7, 16, 0), shanghai), NaiveDate::from_ymd_opt(2026, 12, 8).unwrap());
        assert!(zone("Mars/Olympus").is_none());
        assert_eq!(local_day_number(utc(1970, 1, 1, 16, 0), shanghai), 1);
        let _ = Utc::now();
    }
}
