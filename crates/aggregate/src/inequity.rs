//! From aggregate rows to inequities: for each measure × dimension, the HEAT summary measures
//! and the excess events against the best group, ranked.
//!
//! Computed from the rows as shared (suppressed groups are left out and listed), so the member's
//! report and the coalition server show the same numbers.

pub mod findings;

use crate::numbers::{count, digits_for};
use crate::rows::{AggregateRow, MeasureInfo};
use rise_stats::inequality::{
    Dimension, MeasureResult, Settings, Subgroup, comparison_pair, summary_measures,
};
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
    /// The comparison group and its rate (percent): the best-performing group among those
    /// holding at least [`MIN_BENCHMARK_SHARE`] of the eligible people (and at least
    /// [`MIN_BENCHMARK_DENOMINATOR`] of them, never Unknown). The same group is HEAT's
    /// reference group for D and R of an unordered dimension, and the benchmark of the
    /// excess events.
    pub best: String,
    pub best_rate: f64,
    /// The group furthest behind: of the groups whose gap to the comparison group is
    /// distinguishable from chance, the one with the most excess events (of all groups when
    /// none is); the comparison group itself when no group falls behind it.
    pub worst: String,
    pub worst_rate: f64,
    /// How far the worst group is behind the comparison group, in percentage points (positive:
    /// worse off), with Newcombe's 95 % interval.
    pub gap: f64,
    pub gap_lower: f64,
    pub gap_upper: f64,
    /// Total excess events with its delta-method interval. The lower limit is not clamped
    /// (it may be below 0); displays clamp it.
    pub excess: f64,
    pub excess_lower: f64,
    pub excess_upper: f64,
    /// p-value of the chi-square test that all groups share one rate.
    pub p_value: Option<f64>,
    /// Benjamini–Hochberg q-value over every measure × dimension of the run.
    pub q_value: Option<f64>,
    /// Whether this is a finding to act on: significant, the worst group's gap excludes 0,
    /// and no overlapping dimension of the same measure carries it better (see
    /// [`findings`]).
    pub headline: bool,
    /// For a gap carried by another finding of the same measure (e.g. `race` under
    /// `race_ethnicity`): that finding's dimension.
    pub shown_under: Option<String>,
    /// For a headline: the overlapping dimensions shown under it.
    pub also_in: Vec<String>,
    /// The two groups HEAT's D and R compare (`D = first − second`).
    pub difference_groups: Vec<String>,
    /// HEAT summary measures that apply.
    pub measures: Vec<MeasureResult>,
}

impl Inequity {
    /// Whether the groups' rates differ by more than chance would explain: the chi-square
    /// test of one common rate, at a false-discovery rate of 5 % across all measure ×
    /// dimension pairs of the run. Judged on the test, not on the excess interval (whose
    /// lower limit can sit near 0 when the comparison group is small).
    pub fn significant(&self) -> bool {
        self.q_value.is_some_and(|q| q < FDR)
    }

    /// Whether the worst group's gap to the comparison group is distinguishable from chance
    /// (its interval excludes 0), so the finding names a real gap between two groups.
    pub fn gap_is_real(&self) -> bool {
        self.worst != self.best && self.gap_lower > 0.0
    }

    /// "Title by Dimension: Worst x% vs Best y%", the rates with the digits that tell them
    /// apart: how a list names the gap.
    pub fn rates_line(&self) -> String {
        let d = digits_for(self.worst_rate, self.best_rate);
        format!(
            "{} by {}: {} {:.d$}% vs {} {:.d$}%",
            self.title,
            dimension_label(&self.dimension),
            label(&self.dimension, &self.worst),
            self.worst_rate,
            label(&self.dimension, &self.best),
            self.best_rate,
        )
    }

    /// One sentence for a board. A real gap is told with its two groups, its size in points
    /// (as many decimals as it takes for the three numbers to agree) and the people it costs;
    /// otherwise the sentence says in words that no group falls distinguishably behind.
    pub fn sentence(&self) -> String {
        let title = &self.title;
        let by = dimension_label(&self.dimension);
        let best = label(&self.dimension, &self.best);
        if self.worst == self.best {
            return format!(
                "{title}, by {by}: no group did worse than {best}, the comparison group ({:.1}%).",
                self.best_rate
            );
        }
        if !self.gap_is_real() {
            let (lo, hi) = self
                .groups
                .iter()
                .fold((f64::MAX, f64::MIN), |(lo, hi), g| {
                    (lo.min(g.rate), hi.max(g.rate))
                });
            let d = digits_for(lo, hi);
            return format!(
                "{title}, by {by}: no group is behind {best}, the comparison group, by more than chance would explain (rates from {lo:.d$}% to {hi:.d$}%)."
            );
        }
        let worst = label(&self.dimension, &self.worst);
        let d = digits_for(self.worst_rate, self.best_rate);
        let (verb, side, what) = if self.higher_is_better {
            (
                "reached",
                "behind",
                "more people would have met the measure",
            )
        } else {
            ("had", "above", "fewer events would have occurred")
        };
        format!(
            "{title}, by {by}: {worst} {verb} {wr:.d$}% against {br:.d$}% for {best}, the comparison group — {gap:.d$} points {side} (95% CI {gl:.d$}–{gu:.d$}). If every group did as well as {best}, {n} {what} (95% CI {lo}–{hi}).",
            wr = self.worst_rate,
            br = self.best_rate,
            gap = (self.worst_rate - self.best_rate).abs(),
            gl = self.gap_lower,
            gu = self.gap_upper,
            n = count(self.excess),
            lo = count(self.excess_lower),
            hi = count(self.excess_upper),
        )
    }

    /// What D compares, in words, beside its value: for an unordered dimension the comparison
    /// group against the group furthest from it, for an ordered one the two extreme groups.
    pub fn difference_explained(&self) -> Option<String> {
        let [a, b] = self.difference_groups.as_slice() else {
            return None;
        };
        let (a, b) = (label(&self.dimension, a), label(&self.dimension, b));
        Some(if self.ordered {
            format!(
                "D = {a} − {b}: the most advantaged group against the most disadvantaged (HEAT, ordered dimension), in percentage points."
            )
        } else if self.higher_is_better {
            format!(
                "D = {a} (the comparison group) − {b} (the lowest rate), in percentage points (HEAT, with the comparison group as reference)."
            )
        } else {
            format!(
                "D = {a} (the highest rate) − {b} (the comparison group), in percentage points (HEAT, with the comparison group as reference)."
            )
        })
    }
}

/// A dimension's name as people read it: `race_ethnicity` is "race and ethnicity",
/// `race_ethnicity*sex` "race and ethnicity × sex".
pub fn dimension_label(dimension: &str) -> String {
    dimension
        .split('*')
        .map(|d| match d {
            "race_ethnicity" => "race and ethnicity".to_string(),
            other => other.replace('_', " "),
        })
        .collect::<Vec<_>>()
        .join(" × ")
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

/// The seed of the Monte-Carlo intervals wherever a data set is ranked (`rise analyze`, the
/// platform), so a member sees on the platform the intervals of its own report.
pub const SEED: u64 = 123_456;

/// Computes the inequities of every measure × dimension in `period`, ranked: the headline
/// findings first (see [`Inequity::headline`]), then the other inequities distinguishable from
/// chance, then the rest, each part by excess events, largest first. Intersections are
/// included; `overall` is not a dimension.
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
    findings::mark(&mut out);
    out.sort_by(|a, b| {
        b.headline
            .cmp(&a.headline)
            .then(b.significant().cmp(&a.significant()))
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
    let b = excess.best;
    // Each group's gap to the comparison group (positive: worse off), Newcombe's interval.
    let gaps: Vec<Option<rise_stats::interval::Estimate>> = rates
        .iter()
        .map(|g| {
            let diff = rise_stats::comparison::difference(
                rates[b].numerator as f64,
                rates[b].denominator as f64,
                g.numerator as f64,
                g.denominator as f64,
                0.95,
            )
            .ok()?;
            let flip = |v: f64| if m.higher_is_better { v } else { -v };
            let (lo, hi) = (flip(diff.lower?), flip(diff.upper?));
            Some(rise_stats::interval::Estimate::new(
                100.0 * flip(diff.value),
                100.0 * lo.min(hi),
                100.0 * lo.max(hi),
            ))
        })
        .collect();
    let real = |i: usize| {
        i != b
            && gaps[i]
                .as_ref()
                .is_some_and(|e| e.lower.unwrap_or(0.0) > 0.0)
    };
    let most_excess = |only_real: bool| {
        rates
            .iter()
            .enumerate()
            .filter(|(i, g)| *i != b && g.excess > 0.0 && (!only_real || real(*i)))
            .max_by(|a, b| a.1.excess.total_cmp(&b.1.excess))
            .map(|(i, _)| i)
    };
    let worst = most_excess(true)
        .or_else(|| most_excess(false))
        .unwrap_or(b);
    let gap = if worst == b {
        None
    } else {
        gaps[worst].as_ref()
    };
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
                // The comparison group is HEAT's reference group (unordered dimensions), so D
                // and R compare the same group as the sentence beside them.
                reference: !ordered && g.subgroup == rates[b].subgroup,
            }
        })
        .collect();
    let settings = Settings {
        favourable: m.higher_is_better,
        seed,
        ..Settings::default()
    };
    let dimension = Dimension::new(subgroups).ok();
    let difference_groups = dimension
        .as_ref()
        .and_then(|d| {
            let (i, j) = comparison_pair(d, &settings)?;
            Some(vec![
                d.subgroups()[i].name.clone(),
                d.subgroups()[j].name.clone(),
            ])
        })
        .unwrap_or_default();
    let measures = dimension
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
        best: rates[b].subgroup.clone(),
        best_rate: rates[b].rate,
        worst: rates[worst].subgroup.clone(),
        worst_rate: rates[worst].rate,
        gap: gap.map_or(0.0, |g| g.value),
        gap_lower: gap.and_then(|g| g.lower).unwrap_or(0.0),
        gap_upper: gap.and_then(|g| g.upper).unwrap_or(0.0),
        excess: excess.total.value,
        excess_lower: excess.total.lower.unwrap_or(excess.total.value),
        excess_upper: excess.total.upper.unwrap_or(excess.total.value),
        p_value,
        q_value: None,
        headline: false,
        shown_under: None,
        also_in: Vec::new(),
        difference_groups,
        groups: rates,
        suppressed_groups,
        measures,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(dim: &str, sub: &str, n: u64, d: u64) -> AggregateRow {
        AggregateRow::counted("screen", dim, sub, "2024", n, d)
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
        let info = info(true);
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

    fn info(higher_is_better: bool) -> MeasureInfo {
        MeasureInfo::new("screen", "Screening", "x", higher_is_better)
    }

    #[test]
    fn one_gap_seen_three_ways_is_one_finding() {
        // Hispanic people screened less: the gap shows by race_ethnicity, ethnicity and (diluted)
        // by race, and in the intersection with sex.
        let rows = vec![
            r("race_ethnicity", "Hispanic or Latino", 400, 1000),
            r("race_ethnicity", "White", 1300, 2000),
            r("race_ethnicity", "Black or African American", 650, 1000),
            r("ethnicity", "Hispanic or Latino", 400, 1000),
            r("ethnicity", "Not Hispanic or Latino", 1950, 3000),
            r("race", "White", 1500, 2600),
            r("race", "Black or African American", 850, 1400),
            r("race_ethnicity*sex", "Hispanic or Latino*Female", 200, 500),
            r("race_ethnicity*sex", "Hispanic or Latino*Male", 200, 500),
            r("race_ethnicity*sex", "White*Female", 650, 1000),
            r("race_ethnicity*sex", "White*Male", 650, 1000),
            r("sex", "Female", 1180, 2000),
            r("sex", "Male", 1170, 2000),
        ];
        let list = inequities(&rows, &[info(true)], "2024", 1);
        let heads: Vec<&Inequity> = list.iter().filter(|q| q.headline).collect();
        assert_eq!(heads.len(), 1, "{heads:#?}");
        let h = heads[0];
        assert_eq!(
            (h.dimension.as_str(), h.worst.as_str()),
            ("race_ethnicity", "Hispanic or Latino")
        );
        assert_eq!(h.also_in, ["ethnicity", "race", "race_ethnicity*sex"]);
        assert_eq!(
            list[0].dimension, "race_ethnicity",
            "the headline ranks first"
        );
        for d in ["ethnicity", "race", "race_ethnicity*sex"] {
            let q = list.iter().find(|q| q.dimension == d).unwrap();
            assert_eq!(q.shown_under.as_deref(), Some("race_ethnicity"), "{d}");
        }
        // Sex has no gap of its own: not a headline, and said so in words.
        let sex = list.iter().find(|q| q.dimension == "sex").unwrap();
        assert!(!sex.headline && sex.shown_under.is_none());
        assert!(
            sex.sentence().contains("by more than chance would explain"),
            "{}",
            sex.sentence()
        );
    }

    #[test]
    fn a_significant_test_is_not_hidden_by_a_wide_excess_interval() {
        // Lower is better; the comparison group is small, so the excess interval reaches
        // below 0, yet the groups differ far beyond chance (issue 13's HbA1c by payer).
        let rows = vec![
            r("payer", "Medicare", 80, 200),
            r("payer", "Medicaid", 99, 150),
            r("payer", "Private", 607, 1500),
        ];
        let list = inequities(&rows, &[info(false)], "2024", 1);
        let q = &list[0];
        assert!(q.excess_lower < 0.0, "the case: {}", q.excess_lower);
        assert!(q.q_value.unwrap() < 1e-4);
        assert!(q.significant() && q.headline, "{q:#?}");
        assert_eq!(
            (q.best.as_str(), q.worst.as_str()),
            ("Medicare", "Medicaid")
        );
        assert!(q.gap_lower > 0.0);
    }

    #[test]
    fn sentences_say_when_there_is_no_gap() {
        // One group is best and no other falls behind it.
        let rows = vec![r("race", "White", 829, 1000), r("race", "Asian", 20, 20)];
        let list = inequities(&rows, &[info(true)], "2024", 1);
        let s = list[0].sentence();
        assert!(
            s.contains("no group did worse than White, the comparison group"),
            "{s}"
        );
        assert!(!s.contains("0.0 points"), "{s}");
        // Rates that round alike get a second decimal.
        let rows = vec![
            r("sex", "F", 16_600, 1_000_000),
            r("sex", "M", 15_400, 1_000_000),
        ];
        let list = inequities(&rows, &[info(false)], "2024", 1);
        let s = list[0].sentence();
        assert!(
            s.contains("F had 1.66% against 1.54% for M") && s.contains("0.12 points above"),
            "{s}"
        );
        assert!(s.contains("1,200 fewer events"), "{s}");
    }

    #[test]
    fn d_compares_the_comparison_group_with_the_lowest() {
        // The comparison group is the best of the large groups; a small group does better.
        let rows = vec![
            r("race_ethnicity", "Multiracial", 80, 100),
            r("race_ethnicity", "Hispanic or Latino", 741, 1000),
            r("race_ethnicity", "White", 1300, 2000),
        ];
        let list = inequities(&rows, &[info(true)], "2024", 1);
        let q = &list[0];
        assert_eq!(q.best, "Hispanic or Latino");
        assert_eq!(q.difference_groups, ["Hispanic or Latino", "White"]);
        let d = q.measures.iter().find(|m| m.measure.code() == "D").unwrap();
        assert!((d.estimate - (74.1 - 65.0)).abs() < 1e-9, "{}", d.estimate);
        assert!(
            q.difference_explained()
                .unwrap()
                .contains("comparison group")
        );
    }
}
