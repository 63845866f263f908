//! Parsing the date and time formats the sources use into Arrow's day and microsecond counts.

use chrono::{DateTime, NaiveDate, NaiveDateTime};

/// Days since 1970-01-01 of a date.
pub fn days(d: NaiveDate) -> i32 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    (d - epoch).num_days() as i32
}

/// The date of a day count.
pub fn from_days(days: i32) -> NaiveDate {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    epoch + chrono::Duration::days(i64::from(days))
}

/// Parses `YYYY-MM-DD`, or the date part of an ISO 8601 date-time.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let head = s.get(..10).unwrap_or(s);
    NaiveDate::parse_from_str(head, "%Y-%m-%d").ok()
}

/// Parses an ISO 8601 date-time (`2024-03-01T08:30:00Z`, with an offset, with a space, or a
/// bare date) into microseconds since the epoch of its wall-clock time. An offset is dropped,
/// not applied: `2024-12-31T22:00:00-05:00` stays on 31 December, the day the patient was
/// seen, which is what a measurement period counts.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.naive_local().and_utc().timestamp_micros());
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s.trim_end_matches('Z'), fmt) {
            return Some(dt.and_utc().timestamp_micros());
        }
    }
    if s.len() == 10 {
        return parse_date(s)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|dt| dt.and_utc().timestamp_micros());
    }
    None
}

/// Microseconds since the epoch at midnight of a date.
pub fn midnight_micros(d: NaiveDate) -> i64 {
    i64::from(days(d)) * 86_400_000_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_usual_formats() {
        let d = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap_or_default();
        assert_eq!(parse_date("2024-03-01"), Some(d));
        assert_eq!(parse_date("2024-03-01T10:00:00Z"), Some(d));
        assert_eq!(parse_date("03/01/2024"), None);
        let m = midnight_micros(d);
        assert_eq!(parse_timestamp("2024-03-01"), Some(m));
        assert_eq!(parse_timestamp("2024-03-01T00:00:00Z"), Some(m));
        assert_eq!(parse_timestamp("2024-03-01T00:00:00+01:00"), Some(m));
        assert_eq!(parse_timestamp("2024-03-01T00:00:00-05:00"), Some(m));
        assert_eq!(parse_timestamp("2024-03-01 00:00:00"), Some(m));
        assert_eq!(parse_timestamp("yesterday"), None);
        assert_eq!(from_days(days(d)), d);
    }
}
