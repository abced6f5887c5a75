//! The stores' calendar: their local day (China Standard Time, UTC+8), which reports, shifts and
//! operations are filed under, on the server and on the device alike.

/// The stores' offset from UTC.
pub const LOCAL_OFFSET_SECS: i64 = 8 * 3600;

/// `YYYY-MM-DD` of a unix time, in UTC.
pub fn utc_date(secs: i64) -> String {
    // Civil date from days since 1970 (Howard Hinnant).
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The local day (UTC+8) of a unix time, as YYYY-MM-DD.
pub fn local_day(unix: i64) -> String {
    utc_date(unix + LOCAL_OFFSET_SECS)
}
