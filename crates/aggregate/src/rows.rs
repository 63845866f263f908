//! The aggregate file: `measure,dimension,subgroup,period,numerator,denominator,suppressed`.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::Write;
use thiserror::Error;

/// One aggregate row. Numerator and denominator are `None` when suppressed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AggregateRow {
    pub measure: String,
    pub dimension: String,
    pub subgroup: String,
    pub period: String,
    pub numerator: Option<u64>,
    pub denominator: Option<u64>,
    pub suppressed: bool,
}

impl AggregateRow {
    /// A row with its counts shown (not suppressed).
    pub fn counted(
        measure: &str,
        dimension: &str,
        subgroup: &str,
        period: &str,
        numerator: u64,
        denominator: u64,
    ) -> Self {
        Self {
            measure: measure.into(),
            dimension: dimension.into(),
            subgroup: subgroup.into(),
            period: period.into(),
            numerator: Some(numerator),
            denominator: Some(denominator),
            suppressed: false,
        }
    }
}

/// What a report needs to know about a measure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeasureInfo {
    pub id: String,
    pub title: String,
    pub steward: String,
    /// `true` when a higher rate is better.
    pub higher_is_better: bool,
    pub description: String,
}

impl MeasureInfo {
    /// A measure without a description.
    pub fn new(id: &str, title: &str, steward: &str, higher_is_better: bool) -> Self {
        Self {
            id: id.into(),
            title: title.into(),
            steward: steward.into(),
            higher_is_better,
            description: String::new(),
        }
    }

    /// The same, described.
    pub fn described(self, description: &str) -> Self {
        Self {
            description: description.into(),
            ..self
        }
    }
}

/// The header every aggregate file starts with (after optional `#` comment lines).
pub const HEADER: [&str; 7] = [
    "measure",
    "dimension",
    "subgroup",
    "period",
    "numerator",
    "denominator",
    "suppressed",
];

/// The largest count a file may hold: what a signed 64-bit database column keeps exactly.
pub const MAX_COUNT: u64 = i64::MAX as u64;

/// The most rows an aggregate file may have: what the coalition server stores as one data set.
pub const MAX_ROWS: usize = 1_000_000;

/// A problem in an aggregate file, with its line and field.
#[derive(Debug, Error, PartialEq)]
#[error("line {line}: {field}: {message}")]
pub struct RowError {
    pub line: u64,
    pub field: String,
    pub message: String,
}

/// The period the others partition. `rise analyze` labels a calendar year `2024` and its
/// parts `2024-Q1` or `2024-03`, and any other range `2024-01-01..2024-06-30`: so a range
/// label, else the label every other one extends, else the first.
pub fn whole_period<'a>(periods: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut periods: Vec<&str> = periods.into_iter().collect();
    periods.sort_unstable();
    periods.dedup();
    periods
        .iter()
        .find(|p| p.contains(".."))
        .or_else(|| {
            periods
                .iter()
                .find(|p| periods.iter().all(|q| q == *p || q.starts_with(*p)))
        })
        .or(periods.first())
        .map(|p| p.to_string())
}

/// Writes rows as CSV; `comments` become leading `# ` lines (e.g. the no-suppression warning).
pub fn write_csv<W: Write>(
    out: W,
    rows: &[AggregateRow],
    comments: &[String],
) -> std::io::Result<()> {
    let mut out = out;
    for c in comments {
        writeln!(out, "# {c}")?;
    }
    let mut w = csv::Writer::from_writer(out);
    w.write_record(HEADER)?;
    for r in rows {
        let n = |v: Option<u64>| v.map(|x| x.to_string()).unwrap_or_default();
        w.write_record([
            r.measure.as_str(),
            &r.dimension,
            &r.subgroup,
            &r.period,
            &n(r.numerator),
            &n(r.denominator),
            if r.suppressed { "true" } else { "false" },
        ])?;
    }
    w.flush()
}

/// The comment line that describes a measure, so an aggregate file explains itself: the
/// platform can show a file uploaded on its own with the measures' titles and directions.
const MEASURE_COMMENT: &str = "measure ";

/// Comment lines for [`write_csv`] describing `measures`.
pub fn measure_comments(measures: &[MeasureInfo]) -> Vec<String> {
    measures
        .iter()
        .filter_map(|m| serde_json::to_string(m).ok())
        .map(|j| format!("{MEASURE_COMMENT}{j}"))
        .collect()
}

/// The measures a file's comment lines describe (none in files written before they did).
pub fn measures_in(comments: &[String]) -> Result<Vec<MeasureInfo>, String> {
    comments
        .iter()
        .filter_map(|c| c.strip_prefix(MEASURE_COMMENT))
        .map(|j| {
            serde_json::from_str(j).map_err(|e| format!("a measure comment is not valid: {e}"))
        })
        .collect()
}

/// Whether a file's comment lines (as [`read_csv`] returns them) say its counts are not
/// suppressed, as `rise analyze --no-suppression` writes.
pub fn says_unsuppressed(comments: &[String]) -> bool {
    comments
        .iter()
        .filter(|c| !c.starts_with(MEASURE_COMMENT))
        .any(|c| c.to_ascii_lowercase().contains("not suppressed"))
}

/// Reads and validates an aggregate CSV: every row complete, counts whole numbers,
/// numerator ≤ denominator (both at most [`MAX_COUNT`]), suppressed rows without counts, no
/// count of 1–10 shown unless the file says it is unsuppressed, no control characters, and
/// each (measure, dimension, subgroup, period) once. All-or-nothing: the first problem is
/// returned.
pub fn read_csv(text: &str) -> Result<(Vec<AggregateRow>, Vec<String>), RowError> {
    let mut comments = Vec::new();
    let mut skip_lines = 0u64;
    let mut body_start = 0;
    for line in text.split_inclusive('\n') {
        if let Some(c) = line.strip_prefix('#') {
            comments.push(c.trim().to_string());
            skip_lines += 1;
            body_start += line.len();
        } else {
            break;
        }
    }
    let unsuppressed = says_unsuppressed(&comments);
    let err = |line: u64, field: &str, message: String| RowError {
        line,
        field: field.into(),
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(&text.as_bytes()[body_start..]);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| err(skip_lines + 1, "header", e.to_string()))?
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    if header != HEADER {
        return Err(err(
            skip_lines + 1,
            "header",
            format!("expected {}, found {}", HEADER.join(","), header.join(",")),
        ));
    }
    let mut rows = Vec::new();
    let mut seen: HashMap<(String, String, String, String), u64> = HashMap::new();
    for rec in reader.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line()) + skip_lines;
            err(line, "row", e.to_string())
        })?;
        let line = rec.position().map_or(0, |p| p.line()) + skip_lines;
        if rows.len() == MAX_ROWS {
            return Err(err(
                line,
                "row",
                format!(
                    "the file has more than {MAX_ROWS} rows, the most one data set may have; split it (by measure or by period) into several uploads"
                ),
            ));
        }
        let get = |i: usize| rec.get(i).unwrap_or("");
        for (i, name) in HEADER.iter().enumerate() {
            if let Some(c) = get(i).chars().find(|c| c.is_control()) {
                return Err(err(
                    line,
                    name,
                    format!("holds the control character U+{:04X}", u32::from(c)),
                ));
            }
        }
        for (i, name) in HEADER.iter().enumerate().take(4) {
            if get(i).is_empty() {
                return Err(err(line, name, "is empty".into()));
            }
        }
        let suppressed = match get(6).to_ascii_lowercase().as_str() {
            "true" | "1" => true,
            "false" | "0" => false,
            other => {
                return Err(err(
                    line,
                    "suppressed",
                    format!("'{other}' should be true or false"),
                ));
            }
        };
        let count = |i: usize| -> Result<Option<u64>, RowError> {
            let t = get(i);
            if t.is_empty() {
                return Ok(None);
            }
            if !t.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err(line, HEADER[i], format!("'{t}' is not a whole number")));
            }
            match t.parse::<u64>() {
                Ok(v) if v <= MAX_COUNT => Ok(Some(v)),
                _ => Err(err(
                    line,
                    HEADER[i],
                    format!("{t} is larger than the largest count Rise stores ({MAX_COUNT})"),
                )),
            }
        };
        let (numerator, denominator) = (count(4)?, count(5)?);
        if suppressed && (numerator.is_some() || denominator.is_some()) {
            return Err(err(
                line,
                "suppressed",
                "a suppressed row must leave numerator and denominator empty".into(),
            ));
        }
        if !suppressed {
            let (Some(n), Some(d)) = (numerator, denominator) else {
                return Err(err(
                    line,
                    "numerator",
                    "an unsuppressed row needs numerator and denominator".into(),
                ));
            };
            if n > d {
                return Err(err(
                    line,
                    "numerator",
                    format!("{n} is larger than the denominator {d}"),
                ));
            }
            if !unsuppressed {
                for (v, f) in [(n, "numerator"), (d, "denominator")] {
                    if rise_stats::suppression::is_small(v) {
                        return Err(err(
                            line,
                            f,
                            format!("{v} is a count of 1–10 that must be suppressed"),
                        ));
                    }
                }
            }
        }
        let key = (
            get(0).to_string(),
            get(1).to_string(),
            get(2).to_string(),
            get(3).to_string(),
        );
        if let Some(first) = seen.insert(key, line) {
            return Err(err(
                line,
                "row",
                format!(
                    "repeats line {first}: measure '{}', dimension '{}', subgroup '{}' and period '{}' must appear once",
                    get(0),
                    get(1),
                    get(2),
                    get(3)
                ),
            ));
        }
        rows.push(AggregateRow {
            measure: get(0).into(),
            dimension: get(1).into(),
            subgroup: get(2).into(),
            period: get(3).into(),
            numerator,
            denominator,
            suppressed,
        });
    }
    if rows.is_empty() {
        return Err(err(skip_lines + 2, "row", "the file has no rows".into()));
    }
    Ok((rows, comments))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whole_period_is_the_one_the_others_extend() {
        assert_eq!(
            whole_period(["2024-Q2", "2024", "2024-Q1", "2024"]).as_deref(),
            Some("2024")
        );
        assert_eq!(
            whole_period(["2024-03", "2024-01-01..2024-06-30"]).as_deref(),
            Some("2024-01-01..2024-06-30")
        );
        assert_eq!(whole_period([]), None);
    }

    fn row(n: Option<u64>, d: Option<u64>, s: bool) -> AggregateRow {
        AggregateRow {
            measure: "m".into(),
            dimension: "sex".into(),
            subgroup: "Female".into(),
            period: "2024".into(),
            numerator: n,
            denominator: d,
            suppressed: s,
        }
    }

    #[test]
    fn round_trips() {
        let mut hidden = row(None, None, true);
        hidden.subgroup = "Male".into();
        let rows = vec![row(Some(40), Some(100), false), hidden];
        let mut buf = Vec::new();
        write_csv(&mut buf, &rows, &["made by a test".into()]).unwrap();
        let text = String::from_utf8(buf).unwrap();
        assert!(text.starts_with("# made by a test\nmeasure,"));
        let (back, comments) = read_csv(&text).unwrap();
        assert_eq!(back, rows);
        assert_eq!(comments, ["made by a test"]);
    }

    #[test]
    fn a_file_carries_its_measures() {
        let m = MeasureInfo::new(
            "cms165",
            "Blood pressure control, \"not suppressed\" in its text",
            "CMS165",
            true,
        )
        .described("Adults 18–85 with hypertension");
        let mut buf = Vec::new();
        let mut comments = vec!["made by a test".to_string()];
        comments.extend(measure_comments(std::slice::from_ref(&m)));
        write_csv(&mut buf, &[row(Some(40), Some(100), false)], &comments).unwrap();
        let (_, back) = read_csv(&String::from_utf8(buf).unwrap()).unwrap();
        assert_eq!(measures_in(&back).unwrap(), vec![m]);
        // A title that happens to say "not suppressed" does not unlock small counts.
        assert!(!says_unsuppressed(&back));
        assert!(measures_in(&["measure {oops".to_string()]).is_err());
        assert!(
            measures_in(&["made by a test".to_string()])
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn rejects_bad_rows_with_their_line() {
        let h = "measure,dimension,subgroup,period,numerator,denominator,suppressed\n";
        let e = read_csv(&format!("{h}m,sex,F,2024,50,40,false\n")).unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (2, "numerator"));
        let e = read_csv(&format!("{h}m,sex,F,2024,5,40,false\n")).unwrap_err();
        assert!(e.message.contains("must be suppressed"));
        let e = read_csv(&format!("{h}m,sex,F,2024,x,40,false\n")).unwrap_err();
        assert!(e.message.contains("not a whole number"));
        let e = read_csv(&format!("{h}m,sex,F,2024,50,100,maybe\n")).unwrap_err();
        assert_eq!(e.field, "suppressed");
        assert!(read_csv("a,b\n1,2\n").is_err());
        let e = read_csv(&format!(
            "{h}m,sex,F,2024,50,100,false\nm,sex,F,2024,60,100,false\n"
        ))
        .unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (3, "row"));
        assert!(e.message.contains("repeats line 2"), "{}", e.message);
        let e = read_csv(&format!("{h}m,sex,F,2024,50,18446744073709551616,false\n")).unwrap_err();
        assert_eq!(e.field, "denominator");
        assert!(
            e.message.contains("larger than the largest count"),
            "{}",
            e.message
        );
        let e = read_csv(&format!("{h}m,sex,F,2024,50,9223372036854775808,false\n")).unwrap_err();
        assert!(
            e.message.contains("larger than the largest count"),
            "{}",
            e.message
        );
        let e = read_csv(&format!("{h}m,sex,F\u{0}x,2024,50,100,false\n")).unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (2, "subgroup"));
        assert!(e.message.contains("U+0000"), "{}", e.message);
        let ok = read_csv(&format!("# not suppressed\n{h}m,sex,F,2024,5,40,false\n")).unwrap();
        assert_eq!(ok.0.len(), 1);
    }
}
