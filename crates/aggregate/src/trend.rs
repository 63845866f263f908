//! The equity view of a measure over time: each group's rate per period as a p-chart, and the
//! gap between a chosen group and the reference, with its 95 % interval per period and a run
//! chart of the gap. Built from aggregate rows only, so the CLI (next to the data) and the
//! platform (which holds only aggregates) draw the same thing.
//!
//! A suppressed cell is a missing value (qicharts2's NA): it leaves a gap in the line and in
//! the limits, and is never read as zero.

use crate::AggregateRow;
use crate::rows::whole_period;
use rise_spc::{Analysis, Chart, Settings, Subgroup, analyse};
use rise_stats::comparison::difference;
use rise_stats::interval::Estimate;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use thiserror::Error;

/// Why a trend cannot be drawn.
#[derive(Debug, Error, PartialEq)]
pub enum TrendError {
    #[error("no measure {measure:?}; the file has {}", list(.known))]
    Measure { measure: String, known: Vec<String> },
    #[error("measure {measure:?} has no dimension {dimension:?}; it has {}", list(.known))]
    Dimension {
        measure: String,
        dimension: String,
        known: Vec<String>,
    },
    #[error("no group {group:?} in dimension {dimension:?}; it has {}", list(.known))]
    Group {
        dimension: String,
        group: String,
        known: Vec<String>,
    },
    #[error(
        "measure {measure:?} has one period only ({period}); write periods with `rise analyze --by month` or `--by quarter`"
    )]
    OnePeriod { measure: String, period: String },
    #[error("the reference must be another group than {0:?}")]
    SameGroup(String),
}

fn list(v: &[String]) -> String {
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

/// One group's counts per period (`None` where suppressed or absent) and its p-chart.
#[derive(Debug, Clone, Serialize)]
pub struct Series {
    pub group: String,
    /// `(numerator, denominator)` per period, in the order of [`Trend::periods`].
    pub counts: Vec<Option<(u64, u64)>>,
    /// `None` when the group has too few shown periods for a chart.
    pub analysis: Option<Analysis>,
}

/// The gap in one period: group rate − reference rate (after `multiply`) with Newcombe's
/// 95 % interval, `None` where either cell is suppressed.
#[derive(Debug, Clone, Serialize)]
pub struct GapPoint {
    pub period: String,
    pub group_rate: Option<f64>,
    pub reference_rate: Option<f64>,
    pub gap: Option<Estimate>,
}

/// The gap between two groups over time.
#[derive(Debug, Clone, Serialize)]
pub struct Gap {
    pub group: String,
    pub reference: String,
    pub points: Vec<GapPoint>,
    /// Run chart of the gap (median centre line, Anhøj rules); `None` with too few periods.
    pub run: Option<Analysis>,
}

/// A measure by one dimension over time.
#[derive(Debug, Clone, Serialize)]
pub struct Trend {
    pub measure: String,
    pub dimension: String,
    pub periods: Vec<String>,
    pub multiply: f64,
    pub series: Vec<Series>,
    pub gap: Option<Gap>,
    /// Cells (group × period) hidden by suppression.
    pub suppressed: usize,
}

/// How to draw a trend.
#[derive(Debug, Clone, Default)]
pub struct TrendSpec<'a> {
    pub measure: &'a str,
    pub dimension: &'a str,
    /// `(group, reference)` for the gap chart.
    pub gap: Option<(&'a str, &'a str)>,
    /// 100 for percent.
    pub multiply: f64,
    /// Freeze every p-chart's limits at the first N periods (the baseline before a change).
    pub freeze: Option<usize>,
}

/// The periods of a measure's rows that a trend is drawn over: all but the whole period the
/// others partition, in time order (the labels `rise analyze` writes sort by time).
pub fn periods_of<'a>(rows: impl IntoIterator<Item = &'a AggregateRow>) -> Vec<String> {
    let all: BTreeSet<&str> = rows.into_iter().map(|r| r.period.as_str()).collect();
    if all.len() < 2 {
        return all.into_iter().map(String::from).collect();
    }
    // Only a period that really spans the others is left out (`whole_period` falls back to
    // the first label, which would drop a quarter from a file of quarters alone).
    let whole = whole_period(all.iter().copied()).filter(|w| {
        w.contains("..")
            || all
                .iter()
                .all(|q| *q == w.as_str() || q.starts_with(w.as_str()))
    });
    all.into_iter()
        .filter(|p| Some(*p) != whole.as_deref())
        .map(String::from)
        .collect()
}

/// Draws the trend of one measure by one dimension over the periods of its rows.
pub fn trend(rows: &[AggregateRow], spec: &TrendSpec) -> Result<Trend, TrendError> {
    trend_over(rows, spec, None)
}

/// The same over given periods, in the given order (`None`: [`periods_of`] the rows).
pub fn trend_over(
    rows: &[AggregateRow],
    spec: &TrendSpec,
    periods: Option<Vec<String>>,
) -> Result<Trend, TrendError> {
    let of_measure: Vec<&AggregateRow> =
        rows.iter().filter(|r| r.measure == spec.measure).collect();
    if of_measure.is_empty() {
        return Err(TrendError::Measure {
            measure: spec.measure.into(),
            known: distinct(rows.iter().map(|r| &r.measure)),
        });
    }
    let cells: Vec<&AggregateRow> = of_measure
        .iter()
        .copied()
        .filter(|r| r.dimension == spec.dimension)
        .collect();
    if cells.is_empty() {
        return Err(TrendError::Dimension {
            measure: spec.measure.into(),
            dimension: spec.dimension.into(),
            known: distinct(of_measure.iter().map(|r| &r.dimension)),
        });
    }
    let periods = match periods {
        Some(p) => p,
        None => periods_of(cells.iter().copied()),
    };
    if periods.len() < 2 {
        return Err(TrendError::OnePeriod {
            measure: spec.measure.into(),
            period: periods.first().cloned().unwrap_or_default(),
        });
    }
    let groups = distinct_in_order(cells.iter().map(|r| &r.subgroup));
    if let Some((g, r)) = spec.gap {
        for name in [g, r] {
            if !groups.iter().any(|x| x == name) {
                return Err(TrendError::Group {
                    dimension: spec.dimension.into(),
                    group: name.into(),
                    known: groups.clone(),
                });
            }
        }
        if g == r {
            return Err(TrendError::SameGroup(g.into()));
        }
    }
    let index: HashMap<(&str, &str), &AggregateRow> = cells
        .iter()
        .map(|r| ((r.subgroup.as_str(), r.period.as_str()), *r))
        .collect();
    let counts_of = |group: &str| -> Vec<Option<(u64, u64)>> {
        periods
            .iter()
            .map(|p| {
                index.get(&(group, p.as_str())).and_then(|r| {
                    match (r.suppressed, r.numerator, r.denominator) {
                        (false, Some(x), Some(n)) if n > 0 => Some((x, n)),
                        _ => None,
                    }
                })
            })
            .collect()
    };
    let multiply = if spec.multiply > 0.0 {
        spec.multiply
    } else {
        1.0
    };
    let settings = Settings {
        multiply,
        freeze: spec.freeze,
        ..Settings::new(Chart::P)
    };
    let mut suppressed = 0;
    let series: Vec<Series> = groups
        .iter()
        .map(|g| {
            let counts = counts_of(g);
            suppressed += counts.iter().filter(|c| c.is_none()).count();
            let analysis = p_chart(&counts, &settings);
            Series {
                group: g.clone(),
                counts,
                analysis,
            }
        })
        .collect();
    let gap = spec.gap.map(|(g, r)| {
        let a = counts_of(g);
        let b = counts_of(r);
        gap(g, r, &periods, &a, &b, multiply)
    });
    Ok(Trend {
        measure: spec.measure.into(),
        dimension: spec.dimension.into(),
        periods,
        multiply,
        series,
        gap,
        suppressed,
    })
}

/// A p-chart of counts with missing periods as NA; `None` when the chart cannot be drawn
/// (too few shown periods).
pub fn p_chart(counts: &[Option<(u64, u64)>], settings: &Settings) -> Option<Analysis> {
    let groups: Vec<Subgroup> = counts
        .iter()
        .map(|c| match c {
            Some((x, n)) => Subgroup::ratio(*x as f64, *n as f64),
            None => Subgroup::of([], true),
        })
        .collect();
    let shown = counts.iter().filter(|c| c.is_some()).count();
    if shown < Chart::P.min_points().max(2) {
        return None;
    }
    // Counts from aggregate rows are checked on the way in; a chart spc refuses (a freeze
    // beyond the data, too few points) is not drawn rather than drawn wrong.
    analyse(&groups, settings).ok()
}

fn gap(
    group: &str,
    reference: &str,
    periods: &[String],
    a: &[Option<(u64, u64)>],
    b: &[Option<(u64, u64)>],
    multiply: f64,
) -> Gap {
    let points: Vec<GapPoint> = periods
        .iter()
        .zip(a.iter().zip(b))
        .map(|(p, (a, b))| {
            let rate = |c: &Option<(u64, u64)>| c.map(|(x, n)| multiply * x as f64 / n as f64);
            let gap = match (a, b) {
                (Some((x1, n1)), Some((x2, n2))) => {
                    difference(*x1 as f64, *n1 as f64, *x2 as f64, *n2 as f64, 0.95)
                        .ok()
                        .map(|e| e.scaled(multiply))
                }
                _ => None,
            };
            GapPoint {
                period: p.clone(),
                group_rate: rate(a),
                reference_rate: rate(b),
                gap,
            }
        })
        .collect();
    let values: Vec<Subgroup> = points
        .iter()
        .map(|p| match &p.gap {
            Some(e) => Subgroup::value(e.value),
            None => Subgroup::of([], false),
        })
        .collect();
    let shown = points.iter().filter(|p| p.gap.is_some()).count();
    let run = (shown >= 2)
        .then(|| analyse(&values, &Settings::new(Chart::Run)).ok())
        .flatten();
    Gap {
        group: group.into(),
        reference: reference.into(),
        points,
        run,
    }
}

fn distinct<'a>(v: impl Iterator<Item = &'a String>) -> Vec<String> {
    let set: BTreeSet<&String> = v.collect();
    set.into_iter().cloned().collect()
}

fn distinct_in_order<'a>(v: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in v {
        if !out.contains(s) {
            out.push(s.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(group: &str, period: &str, x: u64, n: u64) -> AggregateRow {
        AggregateRow::counted("m", "race", group, period, x, n)
    }

    fn hidden(group: &str, period: &str) -> AggregateRow {
        AggregateRow {
            numerator: None,
            denominator: None,
            suppressed: true,
            ..row(group, period, 0, 0)
        }
    }

    fn sample() -> Vec<AggregateRow> {
        let mut rows = vec![row("A", "2024", 100, 1000), row("B", "2024", 160, 1000)];
        for (q, (a, b)) in [(20, 40), (25, 38), (30, 41), (22, 42)].iter().enumerate() {
            rows.push(row("A", &format!("2024-Q{}", q + 1), *a, 250));
            rows.push(row("B", &format!("2024-Q{}", q + 1), *b, 250));
        }
        rows
    }

    #[test]
    fn quarters_without_a_whole_period_are_all_kept() {
        let rows: Vec<AggregateRow> = ["2023-Q4", "2024-Q1", "2024-Q2"]
            .iter()
            .map(|p| row("A", p, 10, 100))
            .collect();
        assert_eq!(periods_of(&rows), ["2023-Q4", "2024-Q1", "2024-Q2"]);
        let mut ranged = rows.clone();
        ranged.push(row("A", "2023-10-01..2024-06-30", 30, 300));
        assert_eq!(periods_of(&ranged), ["2023-Q4", "2024-Q1", "2024-Q2"]);
    }

    #[test]
    fn leaves_out_the_whole_period_and_keeps_time_order() {
        let t = trend(
            &sample(),
            &TrendSpec {
                measure: "m",
                dimension: "race",
                multiply: 100.0,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(t.periods, ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"]);
        assert_eq!(t.series.len(), 2);
        let a = t.series[0].analysis.as_ref().unwrap();
        // p̄ = 97/1000, ×100.
        assert!((a.points[0].cl.unwrap() - 9.7).abs() < 1e-9);
        assert!((a.points[0].y.unwrap() - 8.0).abs() < 1e-9);
    }

    #[test]
    fn the_gap_is_the_newcombe_difference_per_period() {
        let t = trend(
            &sample(),
            &TrendSpec {
                measure: "m",
                dimension: "race",
                gap: Some(("B", "A")),
                multiply: 1.0,
                freeze: None,
            },
        )
        .unwrap();
        let g = t.gap.unwrap();
        let e = g.points[0].gap.as_ref().unwrap();
        let want = difference(40.0, 250.0, 20.0, 250.0, 0.95).unwrap();
        assert!((e.value - 0.08).abs() < 1e-12);
        assert_eq!(e.lower, want.lower);
        assert!(g.run.is_some());
    }

    #[test]
    fn a_suppressed_cell_is_a_gap_never_zero() {
        let mut rows = sample();
        rows.retain(|r| !(r.subgroup == "A" && r.period == "2024-Q2"));
        rows.push(hidden("A", "2024-Q2"));
        let t = trend(
            &rows,
            &TrendSpec {
                measure: "m",
                dimension: "race",
                gap: Some(("B", "A")),
                multiply: 1.0,
                freeze: None,
            },
        )
        .unwrap();
        assert_eq!(t.suppressed, 1);
        assert_eq!(t.series[0].counts[1], None);
        let a = t.series[0].analysis.as_ref().unwrap();
        assert_eq!(a.points[1].y, None);
        // The centre line pools the three shown quarters only: 72/750.
        assert!((a.points[0].cl.unwrap() - 72.0 / 750.0).abs() < 1e-12);
        assert!(t.gap.unwrap().points[1].gap.is_none());
    }

    #[test]
    fn names_what_is_there_when_something_is_not() {
        let spec = |m, d, gap| TrendSpec {
            measure: m,
            dimension: d,
            gap,
            multiply: 1.0,
            freeze: None,
        };
        let e = trend(&sample(), &spec("x", "race", None)).unwrap_err();
        assert_eq!(e.to_string(), "no measure \"x\"; the file has m");
        let e = trend(&sample(), &spec("m", "sex", None)).unwrap_err();
        assert!(e.to_string().contains("it has race"), "{e}");
        let e = trend(&sample(), &spec("m", "race", Some(("C", "A")))).unwrap_err();
        assert!(e.to_string().contains("it has A, B"), "{e}");
        let one: Vec<AggregateRow> = sample()
            .into_iter()
            .filter(|r| r.period == "2024")
            .collect();
        let e = trend(&one, &spec("m", "race", None)).unwrap_err();
        assert!(matches!(e, TrendError::OnePeriod { .. }));
    }
}
