//! From aggregate rows to inequities: for each measure × dimension, the HEAT summary measures
//! and the excess events against the best group, ranked.
//!
//! Computed from the rows as shared (suppressed groups are left out and listed), so the member's
//! report and the coalition server show the same numbers.

use crate::rows::{AggregateRow, MeasureInfo};
use rise_stats::inequality::{Dimension, MeasureResult, Settings, Subgroup, summary_measures};
use rise_stats::ranking::{
    Direction, GroupCounts, Kind, benjamini_hochberg, excess_events, homogeneity_test,
};
use serde::Serialize;
use std::collections::BTreeMap;

/// Groups smaller than this may not serve as the benchmark (their rate is too unstable).
pub const MIN_BENCHMARK_DENOMINATOR: u64 = 30;
/// Nor may groups holding less than this share of the eligible population: a small group's
/// chance high rate would otherwise set the bar for everyone (the winner's curse).
pub const MIN_BENCHMARK_SHARE: f64 = 0.10;
/// False-discovery rate at which a gap counts as distinguishable from chance.
pub const FDR: f64 = 0.05;

/// One group's rate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupRate {
    pub subgroup: String,
    pub numerator: u64,
    pub denominator: u64,
    /// Percent.
    pub rate: f64,
    /// Wilson interval, percent.
    pub lower: f64,
    pub upper: f64,
    /// Excess events of this group against the benchmark.
    pub excess: f64,
}

/// The inequity of one measure across one dimension in one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Inequity {
    pub measure: String,
    pub title: String,
    pub dimension: String,
    pub period: String,
    pub higher_is_better: bool,
    pub ordered: bool,
    /// Group rates, as shared (suppressed groups absent).
    pub groups: Vec<GroupRate>,
    /// Groups left out because their counts are suppressed.
    pub suppressed_groups: Vec<String>,
    /// The benchmark group and its rate (percent).
    pub best: String,
    pub best_rate: f64,
    /// The group with the largest excess and its rate.
    pub worst: String,
    pub worst_rate: f64,
    /// Total excess events with its interval.
    pub excess: f64,
    pub excess_lower: f64,
    pub excess_upper: f64,
    /// p-value of the chi-square test that all groups share one rate.
    pub p_value: Option<f64>,
    /// Benjamini–Hochberg q-value over every measure × dimension of the run.
    pub q_value: Option<f64>,
    /// HEAT summary measures that apply.
    pub measures: Vec<MeasureResult>,
}

impl Inequity {
    /// Whether the gap is distinguishable from chance: the groups' rates differ (chi-square
    /// test, false-discovery rate 5 % across all measure × dimension pairs of the run) and the
    /// excess interval excludes 0.
    pub fn significant(&self) -> bool {
        self.excess_lower > 0.0 && self.q_value.is_some_and(|q| q < FDR)
    }

    /// One sentence for a board.
    pub fn sentence(&self) -> String {
        let worst_label = label(&self.dimension, &self.worst);
        let best_label = label(&self.dimension, &self.best);
        let verb = if self.higher_is_better {
            "reached"
        } else {
            "had"
        };
        let gap = (self.best_rate - self.worst_rate).abs();
        format!(
            "{title}: {worst} {verb} {wr:.1}% against {br:.1}% for {best} ({gap:.1} points). If every group did as well as {best}, {n} {what} ({lo}–{hi}).",
            title = self.title,
            worst = worst_label,
            wr = self.worst_rate,
            br = self.best_rate,
            best = best_label,
            n = self.excess.round(),
            what = if self.higher_is_better {
                "more people would have met the measure"
            } else {
                "fewer events would have occurred"
            },
            lo = self.excess_lower.round(),
            hi = self.excess_upper.round(),
        )
    }
}

/// How a subgroup is shown to people: quintile numbers get their meaning
/// (`Q1 (lowest income)`), intersections read `White · Female`.
pub fn label(dimension: &str, subgroup: &str) -> String {
    let dims: Vec<&str> = dimension.split('*').collect();
    subgroup
        .split('*')
        .enumerate()
        .map(|(i, part)| match (dims.get(i).copied(), part) {
            (Some("income_quintile"), "1") => "Q1 (lowest income)".to_string(),
            (Some("income_quintile"), "5") => "Q5 (highest income)".to_string(),
            (Some("area_quintile"), "1") => "Q1 (most deprived area)".to_string(),
            (Some("area_quintile"), "5") => "Q5 (least deprived area)".to_string(),
            (Some("income_quintile" | "area_quintile"), q) if q.parse::<u8>().is_ok() => {
                format!("Q{q}")
            }
            (_, other) => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Computes the inequities of every measure × dimension in `period`, ranked: those whose excess
/// is distinguishable from chance (interval above 0) first, each part by excess events, largest
/// first. Intersections are included; `overall` is not a dimension.
pub fn inequities(
    rows: &[AggregateRow],
    measures: &[MeasureInfo],
    period: &str,
    seed: u64,
) -> Vec<Inequity> {
    // One pass groups the period's rows by measure and dimension (a data set may have a
    // million rows; scanning them once per dimension was most of a large page's time).
    let mut groups: BTreeMap<(&str, &str), Vec<&AggregateRow>> = BTreeMap::new();
    for r in rows {
        if r.period == period && r.dimension != "overall" {
            groups
                .entry((r.measure.as_str(), r.dimension.as_str()))
                .or_default()
                .push(r);
        }
    }
    let mut out = Vec::new();
    for m in measures {
        let of_measure = groups
            .range((m.id.as_str(), "")..)
            .take_while(|((id, _), _)| *id == m.id);
        for ((_, dim), these) in of_measure {
            if let Some(i) = one(m, dim, period, these, seed) {
                out.push(i);
            }
        }
    }
    let p: Vec<f64> = out.iter().map(|i| i.p_value.unwrap_or(1.0)).collect();
    for (i, q) in out.iter_mut().zip(benjamini_hochberg(&p)) {
        i.q_value = i.p_value.map(|_| q);
    }
    out.sort_by(|a, b| {
        b.significant()
            .cmp(&a.significant())
            .then(b.excess.total_cmp(&a.excess))
    });
    out
}

fn is_unknown(s: &str) -> bool {
    s.split('*').any(|p| p == "Unknown")
}

fn one(
    m: &MeasureInfo,
    dim: &str,
    period: &str,
    rows: &[&AggregateRow],
    seed: u64,
) -> Option<Inequity> {
    let ordered = dim.ends_with("_quintile") && !dim.contains('*');
    let mut suppressed_groups = Vec::new();
    let mut groups = Vec::new();
    for r in rows {
        match (r.numerator, r.denominator) {
            (Some(n), Some(d)) if d > 0 && !r.suppressed => groups.push((r.subgroup.clone(), n, d)),
            _ => suppressed_groups.push(r.subgroup.clone()),
        }
    }
    if groups.len() < 2 {
        return None;
    }
    let direction = if m.higher_is_better {
        Direction::HigherIsBetter
    } else {
        Direction::LowerIsBetter
    };
    let total: u64 = groups.iter().map(|g| g.2).sum();
    let counts: Vec<GroupCounts> = groups
        .iter()
        .map(|(s, n, d)| GroupCounts {
            events: *n as f64,
            denominator: *d as f64,
            eligible_as_best: !is_unknown(s)
                && *d >= MIN_BENCHMARK_DENOMINATOR
                && *d as f64 >= MIN_BENCHMARK_SHARE * total as f64,
        })
        .collect();
    let excess = excess_events(&counts, direction, Kind::Proportion, 0.95).ok()?;
    let p_value = homogeneity_test(&counts).map(|t| t.2);
    let rates: Vec<GroupRate> = groups
        .iter()
        .zip(&excess.per_group)
        .map(|((s, n, d), e)| {
            let (lo, hi) = rise_stats::proportion::wilson_interval(*n as f64, *d as f64, 0.95)
                .unwrap_or((0.0, 1.0));
            GroupRate {
                subgroup: s.clone(),
                numerator: *n,
                denominator: *d,
                rate: 100.0 * *n as f64 / *d as f64,
                lower: 100.0 * lo,
                upper: 100.0 * hi,
                excess: *e,
            }
        })
        .collect();
    let worst = rates
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.excess.total_cmp(&b.1.excess))
        .map_or(0, |(i, _)| i);
    // HEAT measures: an ordered dimension uses its numbered quintiles only.
    let subgroups: Vec<Subgroup> = rates
        .iter()
        .filter(|g| !ordered || g.subgroup.parse::<i64>().is_ok())
        .map(|g| {
            let p = g.rate / 100.0;
            Subgroup {
                name: g.subgroup.clone(),
                estimate: g.rate,
                se: Some(100.0 * (p * (1.0 - p) / g.denominator as f64).sqrt()),
                population: g.denominator as f64,
                order: if ordered {
                    g.subgroup.parse().ok()
                } else {
                    None
                },
                reference: false,
            }
        })
        .collect();
    let settings = Settings {
        favourable: m.higher_is_better,
        seed,
        ..Settings::default()
    };
    let measures = Dimension::new(subgroups)
        .ok()
        .and_then(|d| summary_measures(&d, &settings).ok())
        .map(|s| s.computed)
        .unwrap_or_default();
    Some(Inequity {
        measure: m.id.clone(),
        title: m.title.clone(),
        dimension: dim.to_string(),
        period: period.to_string(),
        higher_is_better: m.higher_is_better,
        ordered,
        best: rates[excess.best].subgroup.clone(),
        best_rate: rates[excess.best].rate,
        worst: rates[worst].subgroup.clone(),
        worst_rate: rates[worst].rate,
        excess: excess.total.value,
        excess_lower: excess.total.lower.unwrap_or(0.0),
        excess_upper: excess.total.upper.unwrap_or(excess.total.value),
        p_value,
        q_value: None,
        groups: rates,
        suppressed_groups,
        measures,
    })
}

/// The flat CSV of inequities: one row per measure × dimension, ranked.
pub fn write_csv<W: std::io::Write>(out: W, list: &[Inequity]) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "rank",
        "measure",
        "dimension",
        "period",
        "best_group",
        "best_rate",
        "worst_group",
        "worst_rate",
        "excess_events",
        "excess_lower",
        "excess_upper",
        "p_value",
        "q_value",
        "significant",
        "D",
        "R",
        "suppressed_groups",
    ])?;
    for (i, q) in list.iter().enumerate() {
        let m = |code: &str| {
            q.measures
                .iter()
                .find(|r| r.measure.code() == code)
                .map(|r| format!("{:.4}", r.estimate))
                .unwrap_or_default()
        };
        w.write_record([
            (i + 1).to_string(),
            q.measure.clone(),
            q.dimension.clone(),
            q.period.clone(),
            q.best.clone(),
            format!("{:.3}", q.best_rate),
            q.worst.clone(),
            format!("{:.3}", q.worst_rate),
            format!("{:.1}", q.excess),
            format!("{:.1}", q.excess_lower),
            format!("{:.1}", q.excess_upper),
            q.p_value.map(|p| format!("{p:.3e}")).unwrap_or_default(),
            q.q_value.map(|p| format!("{p:.3e}")).unwrap_or_default(),
            q.significant().to_string(),
            m("D"),
            m("R"),
            q.suppressed_groups.join("; "),
        ])?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(dim: &str, sub: &str, n: u64, d: u64) -> AggregateRow {
        AggregateRow {
            measure: "screen".into(),
            dimension: dim.into(),
            subgroup: sub.into(),
            period: "2024".into(),
            numerator: Some(n),
            denominator: Some(d),
            suppressed: false,
        }
    }

    #[test]
    fn labels_give_quintiles_their_meaning() {
        assert_eq!(label("income_quintile", "1"), "Q1 (lowest income)");
        assert_eq!(label("area_quintile", "3"), "Q3");
        assert_eq!(
            label("race_ethnicity*sex", "White*Female"),
            "White · Female"
        );
        assert_eq!(label("race", "Asian"), "Asian");
    }

    #[test]
    fn ranks_the_larger_gap_first() {
        let info = MeasureInfo {
            id: "screen".into(),
            title: "Screening".into(),
            steward: "x".into(),
            higher_is_better: true,
            description: String::new(),
        };
        let rows = vec![
            r("race", "A", 800, 1000),
            r("race", "B", 500, 1000),
            r("race", "Unknown", 10, 100),
            r("sex", "F", 660, 1000),
            r("sex", "M", 640, 1000),
        ];
        let list = inequities(&rows, &[info], "2024", 1);
        assert_eq!(list[0].dimension, "race");
        assert_eq!(list[0].best, "A", "Unknown is never the benchmark");
        assert!((list[0].excess - (300.0 + 70.0)).abs() < 1e-9);
        assert!(list[0].significant());
        assert!(
            list[0]
                .sentence()
                .contains("B reached 50.0% against 80.0% for A")
        );
        assert!(list[0].measures.iter().any(|m| m.measure.code() == "D"));
    }
}
