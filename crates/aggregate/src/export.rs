//! The files an analysis is shared and read in: plain CSV (a header line, then rows; no
//! comment lines), so Excel, Tableau, R's `read.csv` and pandas open them without options.
//!
//! * `inequities.csv`: one row per measure × dimension, ranked, with the headline and where
//!   an overlapping finding is shown;
//! * `rates.csv`: every group's rate with its interval, and its difference and ratio to the
//!   comparison group with theirs;
//! * `measures.csv`: what each measure is (the same as `measures.json`).

use crate::inequity::{Inequity, dimension_label, label};
use crate::numbers::p_value;
use crate::rows::{AggregateRow, MeasureInfo};
use rise_stats::comparison::{difference, ratio};
use std::io::Write;

/// A number for a CSV cell: `digits` decimals, empty when it does not exist.
fn num(v: Option<f64>, digits: usize) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{x:.digits$}"),
        _ => String::new(),
    }
}

/// A p- or q-value at full precision, as a plain decimal (no exponent, which some spreadsheet
/// imports read as text).
fn full(v: Option<f64>) -> String {
    v.filter(|x| x.is_finite())
        .map(|x| format!("{x}"))
        .unwrap_or_default()
}

/// `inequities.csv`.
pub fn inequities_csv<W: Write>(out: W, list: &[Inequity]) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "rank",
        "headline",
        "shown_under",
        "measure",
        "measure_title",
        "dimension",
        "period",
        "comparison_group",
        "comparison_rate",
        "worst_group",
        "worst_rate",
        "gap_points",
        "gap_lower",
        "gap_upper",
        "excess_events",
        "excess_lower",
        "excess_upper",
        "p_value",
        "p_value_text",
        "q_value",
        "significant",
        "D",
        "D_compares",
        "R",
        "also_in",
        "suppressed_groups",
    ])?;
    for (i, q) in list.iter().enumerate() {
        let m = |code: &str| {
            num(
                q.measures
                    .iter()
                    .find(|r| r.measure.code() == code)
                    .map(|r| r.estimate),
                4,
            )
        };
        let d_compares = match q.difference_groups.as_slice() {
            [a, b] => format!(
                "{} minus {}",
                label(&q.dimension, a),
                label(&q.dimension, b)
            ),
            _ => String::new(),
        };
        let real = q.worst != q.best;
        w.write_record([
            (i + 1).to_string(),
            q.headline.to_string(),
            q.shown_under.clone().unwrap_or_default(),
            q.measure.clone(),
            q.title.clone(),
            q.dimension.clone(),
            q.period.clone(),
            q.best.clone(),
            num(Some(q.best_rate), 4),
            q.worst.clone(),
            num(Some(q.worst_rate), 4),
            num(real.then_some(q.gap), 4),
            num(real.then_some(q.gap_lower), 4),
            num(real.then_some(q.gap_upper), 4),
            num(Some(q.excess), 1),
            num(Some(q.excess_lower), 1),
            num(Some(q.excess_upper), 1),
            full(q.p_value),
            q.p_value.map(p_value).unwrap_or_default(),
            full(q.q_value),
            q.significant().to_string(),
            m("D"),
            d_compares,
            m("R"),
            q.also_in.join("; "),
            q.suppressed_groups.join("; "),
        ])?;
    }
    w.flush()
}

/// The header of `rates.csv`.
pub const RATES_HEADER: [&str; 21] = [
    "measure",
    "measure_title",
    "dimension",
    "dimension_label",
    "period",
    "subgroup",
    "subgroup_label",
    "numerator",
    "denominator",
    "suppressed",
    "rate",
    "rate_lower",
    "rate_upper",
    "comparison_group",
    "is_comparison",
    "difference",
    "difference_lower",
    "difference_upper",
    "ratio",
    "ratio_lower",
    "ratio_upper",
];

/// `rates.csv`: for each measure, its overall rate, then each dimension's groups (suppressed
/// ones too, without numbers). Rates and differences are in percent and percentage points;
/// the difference is the group's rate minus the comparison group's (Newcombe's interval), the
/// ratio the group's rate over the comparison group's (Katz's log interval).
pub fn rates_csv<W: Write>(
    out: W,
    rows: &[AggregateRow],
    measures: &[MeasureInfo],
    list: &[Inequity],
    period: &str,
) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(RATES_HEADER)?;
    for m in measures {
        for o in rows
            .iter()
            .filter(|r| r.measure == m.id && r.period == period && r.dimension == "overall")
        {
            let rate = match (o.numerator, o.denominator) {
                (Some(n), Some(d)) if d > 0 => {
                    rise_stats::proportion::wilson_interval(n as f64, d as f64, 0.95)
                        .ok()
                        .map(|(lo, hi)| (100.0 * n as f64 / d as f64, 100.0 * lo, 100.0 * hi))
                }
                _ => None,
            };
            let opt = |v: Option<u64>| v.map(|x| x.to_string()).unwrap_or_default();
            let mut rec = vec![
                m.id.clone(),
                m.title.clone(),
                "overall".into(),
                "overall".into(),
                o.period.clone(),
                o.subgroup.clone(),
                o.subgroup.clone(),
                opt(o.numerator),
                opt(o.denominator),
                o.suppressed.to_string(),
                num(rate.map(|r| r.0), 4),
                num(rate.map(|r| r.1), 4),
                num(rate.map(|r| r.2), 4),
            ];
            rec.resize(RATES_HEADER.len(), String::new());
            w.write_record(&rec)?;
        }
        let mut these: Vec<&Inequity> = list.iter().filter(|q| q.measure == m.id).collect();
        these.sort_by(|a, b| {
            (a.dimension.contains('*'), &a.dimension)
                .cmp(&(b.dimension.contains('*'), &b.dimension))
        });
        for q in these {
            let Some(c) = q.groups.iter().find(|g| g.subgroup == q.best) else {
                continue;
            };
            for g in &q.groups {
                let (x1, n1, x2, n2) = (
                    g.numerator as f64,
                    g.denominator as f64,
                    c.numerator as f64,
                    c.denominator as f64,
                );
                let diff = difference(x1, n1, x2, n2, 0.95).ok();
                let rat = ratio(x1, n1, x2, n2, 0.95).ok().flatten();
                let is_c = g.subgroup == q.best;
                w.write_record([
                    m.id.clone(),
                    m.title.clone(),
                    q.dimension.clone(),
                    dimension_label(&q.dimension),
                    q.period.clone(),
                    g.subgroup.clone(),
                    label(&q.dimension, &g.subgroup),
                    g.numerator.to_string(),
                    g.denominator.to_string(),
                    "false".into(),
                    num(Some(g.rate), 4),
                    num(Some(g.lower), 4),
                    num(Some(g.upper), 4),
                    q.best.clone(),
                    is_c.to_string(),
                    num(diff.as_ref().map(|d| 100.0 * d.value), 4),
                    num(diff.as_ref().and_then(|d| d.lower).map(|v| 100.0 * v), 4),
                    num(diff.as_ref().and_then(|d| d.upper).map(|v| 100.0 * v), 4),
                    num(rat.as_ref().map(|r| r.value), 4),
                    num(rat.as_ref().and_then(|r| r.lower), 4),
                    num(rat.as_ref().and_then(|r| r.upper), 4),
                ])?;
            }
            for s in &q.suppressed_groups {
                let mut rec = vec![
                    m.id.clone(),
                    m.title.clone(),
                    q.dimension.clone(),
                    dimension_label(&q.dimension),
                    q.period.clone(),
                    s.clone(),
                    label(&q.dimension, s),
                    String::new(),
                    String::new(),
                    "true".into(),
                    String::new(),
                    String::new(),
                    String::new(),
                    q.best.clone(),
                    "false".into(),
                ];
                rec.resize(RATES_HEADER.len(), String::new());
                w.write_record(&rec)?;
            }
        }
    }
    w.flush()
}

/// The header of `measures.csv`.
pub const MEASURES_HEADER: [&str; 5] =
    ["id", "title", "steward", "higher_is_better", "description"];

/// `measures.csv`.
pub fn measures_csv<W: Write>(out: W, measures: &[MeasureInfo]) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(MEASURES_HEADER)?;
    for m in measures {
        w.write_record([
            m.id.as_str(),
            &m.title,
            &m.steward,
            if m.higher_is_better { "true" } else { "false" },
            &m.description,
        ])?;
    }
    w.flush()
}

/// Reads the measures of an analysis from `measures.json` or `measures.csv` (told apart by
/// their content, so a renamed file still reads). The message names the line and field.
pub fn read_measures(bytes: &[u8]) -> Result<Vec<MeasureInfo>, String> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| format!("is not UTF-8 text (byte {})", e.valid_up_to() + 1))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim_start().starts_with('[') {
        return serde_json::from_str(text).map_err(|e| e.to_string());
    }
    let mut r = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = r
        .headers()
        .map_err(|e| format!("line 1: header: {e}"))?
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    if header != MEASURES_HEADER {
        return Err(format!(
            "line 1: header: expected {} (or a measures.json array), found {}",
            MEASURES_HEADER.join(","),
            header.join(",")
        ));
    }
    let mut out = Vec::new();
    for rec in r.records() {
        let rec =
            rec.map_err(|e| format!("line {}: row: {e}", e.position().map_or(0, |p| p.line())))?;
        let line = rec.position().map_or(0, |p| p.line());
        let get = |i: usize| rec.get(i).unwrap_or("").to_string();
        let higher_is_better = match get(3).to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => true,
            "false" | "0" | "no" => false,
            other => {
                return Err(format!(
                    "line {line}: higher_is_better: '{other}' should be true or false"
                ));
            }
        };
        if get(0).is_empty() {
            return Err(format!("line {line}: id: is empty"));
        }
        out.push(MeasureInfo {
            id: get(0),
            title: get(1),
            steward: get(2),
            higher_is_better,
            description: get(4),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(id: &str) -> MeasureInfo {
        MeasureInfo::new(id, &format!("{id}, \"quoted\""), "CMS130", id != "bad")
            .described("line one\nline two")
    }

    #[test]
    fn measures_round_trip_through_either_form() {
        let ms = vec![info("screen"), info("bad")];
        let mut csv = Vec::new();
        measures_csv(&mut csv, &ms).unwrap();
        assert_eq!(read_measures(&csv).unwrap(), ms);
        let json = serde_json::to_vec(&ms).unwrap();
        assert_eq!(read_measures(&json).unwrap(), ms);
        let bad = b"id,title,steward,higher_is_better,description\nm,T,S,maybe,d\n";
        assert_eq!(
            read_measures(bad).unwrap_err(),
            "line 2: higher_is_better: 'maybe' should be true or false"
        );
        assert!(
            read_measures(b"id,name\nm,T\n")
                .unwrap_err()
                .starts_with("line 1: header")
        );
    }
}
