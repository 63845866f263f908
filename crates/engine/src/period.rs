//! Measurement periods: a range of dates, split by month, quarter or year.

use crate::error::{EngineError, Result};
use chrono::{Datelike, NaiveDate};

/// One measurement period, both ends inclusive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    /// Label: `2024`, `2024-Q1`, `2024-03`, or `2024-01-01..2024-06-30`.
    pub label: String,
    /// First day.
    pub start: NaiveDate,
    /// Last day.
    pub end: NaiveDate,
}

impl Period {
    /// ISO date of the first day.
    pub fn start_iso(&self) -> String {
        self.start.format("%Y-%m-%d").to_string()
    }

    /// ISO date of the last day.
    pub fn end_iso(&self) -> String {
        self.end.format("%Y-%m-%d").to_string()
    }
}

/// How a range is split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    Month,
    Quarter,
    Year,
}

/// The whole range as one period, labelled by its year when it is exactly one calendar year.
pub fn whole(start: NaiveDate, end: NaiveDate) -> Result<Period> {
    if end < start {
        return Err(EngineError::Setting(format!(
            "the period ends ({end}) before it starts ({start})"
        )));
    }
    let label = if start.month() == 1
        && start.day() == 1
        && end.month() == 12
        && end.day() == 31
        && start.year() == end.year()
    {
        start.year().to_string()
    } else {
        format!("{start}..{end}")
    };
    Ok(Period { label, start, end })
}

/// A calendar year.
pub fn year(y: i32) -> Result<Period> {
    let start = NaiveDate::from_ymd_opt(y, 1, 1)
        .ok_or_else(|| EngineError::Setting(format!("no year {y}")))?;
    let end = NaiveDate::from_ymd_opt(y, 12, 31)
        .ok_or_else(|| EngineError::Setting(format!("no year {y}")))?;
    whole(start, end)
}

/// Splits `[start, end]` into calendar months, quarters or years (partial at the edges).
pub fn split(whole: &Period, by: Split) -> Vec<Period> {
    let mut out = Vec::new();
    let mut cur = whole.start;
    while cur <= whole.end {
        let (y, m) = (cur.year(), cur.month());
        let (label, next) = match by {
            Split::Month => (format!("{y}-{m:02}"), first_of(y, m + 1)),
            Split::Quarter => {
                let q = (m - 1) / 3 + 1;
                (format!("{y}-Q{q}"), first_of(y, q * 3 + 1))
            }
            Split::Year => (y.to_string(), first_of(y + 1, 1)),
        };
        let last = next.pred_opt().unwrap_or(next).min(whole.end);
        out.push(Period {
            label,
            start: cur,
            end: last,
        });
        cur = next;
    }
    out
}

fn first_of(y: i32, m: u32) -> NaiveDate {
    let (y, m) = if m > 12 { (y + 1, m - 12) } else { (y, m) };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(NaiveDate::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters_of_a_year() {
        let y = year(2024).unwrap();
        assert_eq!(y.label, "2024");
        let q = split(&y, Split::Quarter);
        assert_eq!(q.len(), 4);
        assert_eq!(q[0].label, "2024-Q1");
        assert_eq!(q[0].end_iso(), "2024-03-31");
        assert_eq!(q[3].start_iso(), "2024-10-01");
        assert_eq!(q[3].end_iso(), "2024-12-31");
        assert_eq!(split(&y, Split::Month).len(), 12);
        assert_eq!(split(&y, Split::Month)[1].end_iso(), "2024-02-29");
    }

    #[test]
    fn ranges_split_at_the_edges() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let p = whole(d("2023-11-15"), d("2024-02-10")).unwrap();
        let m = split(&p, Split::Month);
        assert_eq!(m.len(), 4);
        assert_eq!(m[0].start_iso(), "2023-11-15");
        assert_eq!(m[3].end_iso(), "2024-02-10");
        assert!(whole(d("2024-02-10"), d("2024-01-01")).is_err());
    }
}
