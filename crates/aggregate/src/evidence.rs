//! Evidence that an inequity shrank: a plan's gap before its start date and after it, the
//! change with its 95 % interval, whether the disadvantaged group itself got better (or the
//! gap closed only because the reference got worse: *levelling down*), a special-cause signal
//! in the group's p-chart against a baseline frozen at the start, the relative gap beside the
//! absolute one, and what makes the result unstable. The method is in docs/statistics.md.

use crate::AggregateRow;
use crate::control_chart::control_chart;
use crate::trend::{Trend, TrendSpec, periods_of, trend_over};
use crate::trend_chart::gap_chart;
use chrono::{Months, NaiveDate};
use rise_stats::comparison::{change, difference, ratio};
use rise_stats::interval::Estimate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use thiserror::Error;

/// Baseline periods below which control limits are provisional (Provost & Murray, *The
/// Health Care Data Guide*: 20–25 subgroups for trial limits, 12 at the very least).
pub const STABLE_BASELINE: usize = 12;

/// Events below which a rate's interval is too wide to read as a change (the same threshold
/// PHE and CMS use for an unstable rate).
pub const SMALL_EVENTS: u64 = 10;

/// Why evidence cannot be computed.
#[derive(Debug, Error, PartialEq)]
pub enum EvidenceError {
    #[error("data set {dataset:?} does not match the plan: {reason}")]
    Mismatch { dataset: String, reason: String },
    #[error(
        "period {0:?} is not a period label rise writes (2024, 2024-Q1, 2024-03 or 2024-01-01..2024-06-30)"
    )]
    Period(String),
    #[error("periods {0:?} and {1:?} overlap; upload periods that do not")]
    Overlap(String, String),
    #[error(
        "no period ends before the plan's start date {0}: there is no baseline to compare with"
    )]
    NoBaseline(String),
    #[error(
        "no period starts on or after the plan's start date {0}: upload follow-up data for this plan"
    )]
    NoFollowUp(String),
    #[error("{window}: the two groups are never both shown (suppressed or absent) in {periods}")]
    Hidden { window: String, periods: String },
}

impl EvidenceError {
    /// The message as a sentence for a page or a form: capital first, full stop last.
    pub fn sentence(&self) -> String {
        let s = self.to_string();
        let mut out =
            s.get(..1).map(str::to_uppercase).unwrap_or_default() + s.get(1..).unwrap_or("");
        if !out.ends_with('.') {
            out.push('.');
        }
        out
    }
}

/// The inequity a plan aims at.
#[derive(Debug, Clone)]
pub struct Target<'a> {
    pub measure: &'a str,
    pub dimension: &'a str,
    /// The disadvantaged group.
    pub group: &'a str,
    pub reference: &'a str,
    /// The first day of the change.
    pub start: NaiveDate,
    pub higher_is_better: bool,
}

/// Pooled counts of one group over a window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Pooled {
    pub numerator: u64,
    pub denominator: u64,
    pub rate: f64,
}

/// Baseline or follow-up: the periods pooled, the two groups, the gap and the relative gap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Window {
    pub periods: Vec<String>,
    pub group: Pooled,
    pub reference: Pooled,
    /// group − reference, Newcombe's 95 % interval.
    pub gap: Estimate,
    /// group ÷ reference, Katz log 95 % interval (`None` without events in a group).
    pub relative: Option<Estimate>,
}

/// What the numbers say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The gap narrowed beyond chance and the group itself improved beyond chance: counts as
    /// impact.
    Narrowed,
    /// The gap narrowed, but its 95 % interval of change includes no change.
    WithinChance,
    /// The gap narrowed because the reference group got worse, not because the group improved.
    LevellingDown,
    /// The gap did not narrow.
    NotNarrowed,
}

impl Verdict {
    pub fn key(self) -> &'static str {
        match self {
            Verdict::Narrowed => "narrowed",
            Verdict::WithinChance => "within_chance",
            Verdict::LevellingDown => "levelling_down",
            Verdict::NotNarrowed => "not_narrowed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Verdict::Narrowed => "Gap narrowed",
            Verdict::WithinChance => "Narrowed within chance",
            Verdict::LevellingDown => "Levelling down",
            Verdict::NotNarrowed => "Gap not narrowed",
        }
    }

    /// Only a narrowed gap with the group better off is impact the coalition counts.
    pub fn counts(self) -> bool {
        self == Verdict::Narrowed
    }
}

/// The special-cause test of the group's p-chart, limits frozen at the baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpecialCause {
    pub baseline_periods: usize,
    /// Follow-up periods beyond the frozen limits on the better side.
    pub better: Vec<String>,
    /// … and on the worse side.
    pub worse: Vec<String>,
    /// Anhøj runs signal over the chart against the frozen centre line.
    pub runs_signal: bool,
    /// Whether most follow-up points sit on the better side of the frozen centre line (the
    /// direction of a runs signal).
    pub shift_better: bool,
}

impl SpecialCause {
    /// A signal of improvement: a point beyond the limits, or a shift, on the better side.
    pub fn improvement(&self) -> bool {
        !self.better.is_empty() || (self.runs_signal && self.shift_better)
    }
}

/// The evidence of one plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub measure: String,
    pub dimension: String,
    pub group: String,
    pub reference: String,
    pub start: String,
    pub higher_is_better: bool,
    pub baseline: Window,
    pub follow_up: Window,
    /// Follow-up gap − baseline gap, MOVER 95 % interval.
    pub change: Estimate,
    /// The group's own rate, follow-up − baseline, Newcombe 95 % interval.
    pub group_change: Estimate,
    pub reference_change: Estimate,
    /// The group's rate moved in the better direction.
    pub group_improved: bool,
    /// ... and its 95 % interval lies wholly on the better side.
    #[serde(default)]
    pub group_improved_beyond_chance: bool,
    pub verdict: Verdict,
    pub special_cause: Option<SpecialCause>,
    /// Periods that straddle the start date, left out of both windows.
    pub transition: Vec<String>,
    pub warnings: Vec<String>,
    /// Every period of the chart, baseline first.
    pub periods: Vec<String>,
}

impl Evidence {
    /// The reasoning, a sentence per step, for a page or the API.
    pub fn reasoning(&self) -> Vec<String> {
        let pct = |v: f64| format!("{:.1} %", 100.0 * v);
        let pp = |e: &Estimate| {
            let lim = |v: Option<f64>| v.map_or("–".into(), |v| format!("{:+.1}", 100.0 * v));
            format!(
                "{:+.1} points (95 % CI {} to {})",
                100.0 * e.value,
                lim(e.lower),
                lim(e.upper)
            )
        };
        let b = &self.baseline;
        let f = &self.follow_up;
        let mut out = vec![
            format!(
                "Baseline ({}): {} {} against {} {}, a gap of {}.",
                span(&b.periods),
                self.group,
                pct(b.group.rate),
                self.reference,
                pct(b.reference.rate),
                pp(&b.gap)
            ),
            format!(
                "Follow-up ({}): {} {} against {} {}, a gap of {}.",
                span(&f.periods),
                self.group,
                pct(f.group.rate),
                self.reference,
                pct(f.reference.rate),
                pp(&f.gap)
            ),
            format!("Change in the gap: {}.", pp(&self.change)),
            format!(
                "{} itself {}: {}; {}: {}.",
                self.group,
                match (self.group_improved, self.group_improved_beyond_chance) {
                    (true, true) => "improved beyond chance",
                    (true, false) => "moved the right way, but within chance",
                    _ => "did not improve",
                },
                pp(&self.group_change),
                self.reference,
                pp(&self.reference_change)
            ),
        ];
        if let (Some(rb), Some(rf)) = (&b.relative, &f.relative) {
            out.push(format!(
                "Relative gap ({} ÷ {}): {:.2} at baseline, {:.2} at follow-up.",
                self.group, self.reference, rb.value, rf.value
            ));
        }
        let periods = |n: usize| format!("{n} period{}", if n == 1 { "" } else { "s" });
        match &self.special_cause {
            Some(sc) if sc.improvement() => out.push(format!(
                "Special cause of improvement in {}'s p-chart against the baseline frozen at {}{}.",
                self.group,
                periods(sc.baseline_periods),
                if sc.better.is_empty() {
                    " (a shift in the runs)".to_string()
                } else {
                    format!(" ({} beyond the limits)", sc.better.join(", "))
                }
            )),
            Some(sc) => out.push(format!(
                "No special cause of improvement in {}'s p-chart against the baseline frozen at {}.",
                self.group,
                periods(sc.baseline_periods)
            )),
            None => out.push("Too few periods for a p-chart of the group.".into()),
        }
        out.push(format!("Verdict: {}.", self.verdict.label()));
        out
    }
}

fn span(periods: &[String]) -> String {
    match (periods.first(), periods.last()) {
        (Some(a), Some(b)) if a != b => format!("{a} to {b}"),
        (Some(a), _) => a.clone(),
        _ => String::new(),
    }
}

/// The first and last day of a period label `rise analyze` writes.
pub fn period_bounds(label: &str) -> Option<(NaiveDate, NaiveDate)> {
    let ymd = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    if let Some((a, b)) = label.split_once("..") {
        let (a, b) = (ymd(a)?, ymd(b)?);
        return (a <= b).then_some((a, b));
    }
    let month_span = |y: i32, m: u32, months: u32| {
        let start = NaiveDate::from_ymd_opt(y, m, 1)?;
        let end = start.checked_add_months(Months::new(months))?.pred_opt()?;
        Some((start, end))
    };
    let year = |s: &str| (s.len() == 4).then(|| s.parse::<i32>().ok()).flatten();
    match label.split_once('-') {
        None => month_span(year(label)?, 1, 12),
        Some((y, q)) if q.starts_with('Q') => {
            let q: u32 = q[1..].parse().ok().filter(|q| (1..=4).contains(q))?;
            month_span(year(y)?, 3 * q - 2, 3)
        }
        Some((y, m)) if m.len() == 2 => month_span(year(y)?, m.parse().ok()?, 1),
        _ => None,
    }
}

/// Computes a plan's evidence from its data sets: the plan's own first, then the follow-ups
/// in upload order, each `(label, rows)`. A period uploaded again replaces the earlier one.
pub fn evidence(
    datasets: &[(String, Vec<AggregateRow>)],
    t: &Target,
) -> Result<Evidence, EvidenceError> {
    let by_period = merged(datasets, t)?;
    let mut periods: Vec<(NaiveDate, NaiveDate, String)> = Vec::new();
    for p in by_period.keys() {
        let (a, b) = period_bounds(p).ok_or_else(|| EvidenceError::Period(p.clone()))?;
        periods.push((a, b, p.clone()));
    }
    periods.sort();
    for w in periods.windows(2) {
        if w[1].0 <= w[0].1 {
            return Err(EvidenceError::Overlap(w[0].2.clone(), w[1].2.clone()));
        }
    }
    let start_iso = t.start.format("%Y-%m-%d").to_string();
    let baseline: Vec<String> = periods
        .iter()
        .filter(|(_, end, _)| *end < t.start)
        .map(|p| p.2.clone())
        .collect();
    let follow: Vec<String> = periods
        .iter()
        .filter(|(s, _, _)| *s >= t.start)
        .map(|p| p.2.clone())
        .collect();
    let transition: Vec<String> = periods
        .iter()
        .filter(|(s, e, _)| *s < t.start && *e >= t.start)
        .map(|p| p.2.clone())
        .collect();
    if baseline.is_empty() {
        return Err(EvidenceError::NoBaseline(start_iso));
    }
    if follow.is_empty() {
        return Err(EvidenceError::NoFollowUp(start_iso));
    }
    let shown = |period: &str, group: &str| -> Option<(u64, u64)> {
        by_period.get(period)?.iter().find_map(|r| {
            (r.subgroup == group && !r.suppressed)
                .then_some((r.numerator?, r.denominator?))
                .filter(|(_, n)| *n > 0)
        })
    };
    let mut warnings = Vec::new();
    let mut window = |name: &str, ps: &[String]| -> Result<Window, EvidenceError> {
        let (mut g, mut r) = ((0, 0), (0, 0));
        let mut used = Vec::new();
        let mut hidden = Vec::new();
        for p in ps {
            match (shown(p, t.group), shown(p, t.reference)) {
                (Some(a), Some(b)) => {
                    g = (g.0 + a.0, g.1 + a.1);
                    r = (r.0 + b.0, r.1 + b.1);
                    used.push(p.clone());
                }
                _ => hidden.push(p.clone()),
            }
        }
        if used.is_empty() {
            return Err(EvidenceError::Hidden {
                window: name.into(),
                periods: ps.join(", "),
            });
        }
        if !hidden.is_empty() {
            warnings.push(format!(
                "{name}: {} left out because a group's count is suppressed (1–10) or absent there; the pooled rate rests on {} of {} periods.",
                hidden.join(", "),
                used.len(),
                ps.len()
            ));
        }
        for (who, (x, _)) in [(t.group, g), (t.reference, r)] {
            if x < SMALL_EVENTS {
                warnings.push(format!(
                    "{name}: {who} has {x} events; with fewer than {SMALL_EVENTS} the rate is unstable and its interval wide."
                ));
            }
        }
        let pooled = |(x, n): (u64, u64)| Pooled {
            numerator: x,
            denominator: n,
            rate: x as f64 / n as f64,
        };
        let (xg, ng, xr, nr) = (g.0 as f64, g.1 as f64, r.0 as f64, r.1 as f64);
        // Pooled counts of shown cells: each x ≤ n, n > 0, so both always succeed.
        let gap = difference(xg, ng, xr, nr, 0.95).unwrap_or(Estimate {
            value: xg / ng - xr / nr,
            lower: None,
            upper: None,
        });
        Ok(Window {
            periods: used,
            group: pooled(g),
            reference: pooled(r),
            gap,
            relative: ratio(xg, ng, xr, nr, 0.95).ok().flatten(),
        })
    };
    let b = window("Baseline", &baseline)?;
    let f = window("Follow-up", &follow)?;
    let no_interval = |v: f64| Estimate {
        value: v,
        lower: None,
        upper: None,
    };
    let diff = |later: &Pooled, earlier: &Pooled| {
        difference(
            later.numerator as f64,
            later.denominator as f64,
            earlier.numerator as f64,
            earlier.denominator as f64,
            0.95,
        )
        .unwrap_or(no_interval(later.rate - earlier.rate))
    };
    let gap_change = change(f.gap, b.gap).unwrap_or(no_interval(f.gap.value - b.gap.value));
    let group_change = diff(&f.group, &b.group);
    let reference_change = diff(&f.reference, &b.reference);
    let better = |d: f64| if t.higher_is_better { d > 0.0 } else { d < 0.0 };
    let group_improved = better(group_change.value);
    // A change beyond chance in the better (`better_side`) or worse direction: its whole
    // interval on that side of zero.
    let beyond = |e: &Estimate, better_side: bool| match (e.lower, e.upper) {
        (Some(lo), Some(hi)) => {
            if t.higher_is_better == better_side {
                lo > 0.0
            } else {
                hi < 0.0
            }
        }
        _ => false,
    };
    let group_surely_improved = beyond(&group_change, true);
    let reference_surely_worse = beyond(&reference_change, false);
    let narrowed = f.gap.value.abs() < b.gap.value.abs();
    // Beyond chance: the interval of the change lies wholly on the closing side of zero.
    let beyond_chance = match (gap_change.lower, gap_change.upper) {
        (Some(lo), Some(hi)) => {
            if b.gap.value > 0.0 {
                hi < 0.0
            } else {
                lo > 0.0
            }
        }
        _ => false,
    };
    // Levelling down: the group did not get better, or got better only within chance while
    // the reference group surely got worse — the gap closed on the reference's fall.
    let verdict = if !narrowed {
        Verdict::NotNarrowed
    } else if !group_improved || (!group_surely_improved && reference_surely_worse) {
        Verdict::LevellingDown
    } else if !beyond_chance || !group_surely_improved {
        Verdict::WithinChance
    } else {
        Verdict::Narrowed
    };

    // The group's p-chart over every period in time order, frozen at the baseline.
    let chart_periods: Vec<String> = periods.iter().map(|p| p.2.clone()).collect();
    let rows: Vec<AggregateRow> = by_period.into_values().flatten().collect();
    let n_base = baseline.len();
    let special_cause = trend_over(
        &rows,
        &TrendSpec {
            measure: t.measure,
            dimension: t.dimension,
            gap: None,
            multiply: 1.0,
            freeze: Some(n_base),
        },
        Some(chart_periods.clone()),
    )
    .ok()
    .and_then(|tr| special_cause(&tr, t, n_base, &chart_periods));
    if n_base < STABLE_BASELINE {
        warnings.push(format!(
            "The baseline has {n_base} period{}; control limits from fewer than {STABLE_BASELINE} are provisional.",
            if n_base == 1 { "" } else { "s" }
        ));
    }
    if !transition.is_empty() {
        warnings.push(format!(
            "{} straddle{} the start date and {} left out of both windows.",
            transition.join(", "),
            if transition.len() == 1 { "s" } else { "" },
            if transition.len() == 1 { "is" } else { "are" }
        ));
    }
    if let (Some(lo), Some(hi)) = (gap_change.lower, gap_change.upper)
        && hi - lo > b.gap.value.abs()
    {
        warnings.push(
            "The interval of the change is wider than the baseline gap itself: more periods or larger groups are needed to tell."
                .into(),
        );
    }
    Ok(Evidence {
        measure: t.measure.into(),
        dimension: t.dimension.into(),
        group: t.group.into(),
        reference: t.reference.into(),
        start: start_iso,
        higher_is_better: t.higher_is_better,
        baseline: b,
        follow_up: f,
        change: gap_change,
        group_change,
        reference_change,
        group_improved,
        group_improved_beyond_chance: group_surely_improved,
        verdict,
        special_cause,
        transition,
        warnings,
        periods: chart_periods,
    })
}

/// The target's rows of every data set by period, a later data set's period replacing an
/// earlier one of the same label; refused when a data set lacks the measure, the dimension
/// or either group.
fn merged(
    datasets: &[(String, Vec<AggregateRow>)],
    t: &Target,
) -> Result<BTreeMap<String, Vec<AggregateRow>>, EvidenceError> {
    // The periods and rows of the target, later uploads winning.
    let mut by_period: BTreeMap<String, Vec<AggregateRow>> = BTreeMap::new();
    for (label, rows) in datasets {
        let cells: Vec<&AggregateRow> = rows
            .iter()
            .filter(|r| r.measure == t.measure && r.dimension == t.dimension)
            .collect();
        let mismatch = |reason: String| EvidenceError::Mismatch {
            dataset: label.clone(),
            reason,
        };
        if !rows.iter().any(|r| r.measure == t.measure) {
            return Err(mismatch(format!("it has no measure {:?}", t.measure)));
        }
        if cells.is_empty() {
            return Err(mismatch(format!(
                "measure {:?} is not broken down by {:?}",
                t.measure, t.dimension
            )));
        }
        for g in [t.group, t.reference] {
            if !cells.iter().any(|r| r.subgroup == g) {
                return Err(mismatch(format!(
                    "dimension {:?} has no group {g:?}",
                    t.dimension
                )));
            }
        }
        for p in periods_of(cells.iter().copied()) {
            let rows: Vec<AggregateRow> = cells
                .iter()
                .filter(|r| r.period == p)
                .map(|r| (*r).clone())
                .collect();
            by_period.insert(p, rows);
        }
    }
    Ok(by_period)
}

/// The evidence drawn: the group's p-chart with its limits frozen at the baseline, and the gap
/// per period with its intervals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceCharts {
    pub group: String,
    pub gap: String,
}

/// The charts of `e`, computed from the same data sets as it was.
pub fn evidence_charts(
    datasets: &[(String, Vec<AggregateRow>)],
    t: &Target,
    e: &Evidence,
) -> Result<EvidenceCharts, EvidenceError> {
    let rows: Vec<AggregateRow> = merged(datasets, t)?.into_values().flatten().collect();
    let n_base = e
        .periods
        .iter()
        .filter(|p| period_bounds(p).is_some_and(|(_, end)| end < t.start))
        .count();
    let tr = trend_over(
        &rows,
        &TrendSpec {
            measure: t.measure,
            dimension: t.dimension,
            gap: Some((t.group, t.reference)),
            multiply: 100.0,
            freeze: Some(n_base),
        },
        Some(e.periods.clone()),
    )
    .map_err(|err| EvidenceError::Mismatch {
        dataset: "the plan's data sets".into(),
        reason: err.to_string(),
    })?;
    let group = tr
        .series
        .iter()
        .find(|s| s.group == t.group)
        .and_then(|s| s.analysis.as_ref())
        .map(|a| {
            control_chart(
                "evidence-group",
                &format!(
                    "{}: p-chart, limits frozen at the {n_base} baseline period{}",
                    t.group,
                    if n_base == 1 { "" } else { "s" }
                ),
                &tr.periods,
                a,
            )
        })
        .unwrap_or_default();
    let gap = tr
        .gap
        .as_ref()
        .map(|g| gap_chart("evidence-gap", &tr, g))
        .unwrap_or_default();
    Ok(EvidenceCharts { group, gap })
}

fn special_cause(
    tr: &Trend,
    t: &Target,
    n_base: usize,
    periods: &[String],
) -> Option<SpecialCause> {
    let a = tr
        .series
        .iter()
        .find(|s| s.group == t.group)?
        .analysis
        .as_ref()?;
    let starts: Vec<NaiveDate> = periods
        .iter()
        .filter_map(|p| period_bounds(p).map(|b| b.0))
        .collect();
    let mut better = Vec::new();
    let mut worse = Vec::new();
    let (mut above, mut below) = (0, 0);
    for (i, p) in a.points.iter().enumerate() {
        if i < n_base || starts.get(i).is_none_or(|s| *s < t.start) {
            continue;
        }
        let (Some(y), Some(cl)) = (p.y, p.cl) else {
            continue;
        };
        if y > cl {
            above += 1;
        } else if y < cl {
            below += 1;
        }
        if p.sigma_signal {
            let up = p.ucl.is_some_and(|u| y > u);
            if up == t.higher_is_better {
                better.push(periods[i].clone());
            } else {
                worse.push(periods[i].clone());
            }
        }
    }
    let runs_signal = a.parts.iter().any(|p| p.runs_signal);
    let shift_better = if t.higher_is_better {
        above > below
    } else {
        below > above
    };
    Some(SpecialCause {
        baseline_periods: n_base,
        better,
        worse,
        runs_signal,
        shift_better,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(period: &str, g: (u64, u64), r: (u64, u64)) -> Vec<AggregateRow> {
        vec![
            AggregateRow::counted("bp", "race", "Black", period, g.0, g.1),
            AggregateRow::counted("bp", "race", "White", period, r.0, r.1),
            AggregateRow::counted("bp", "sex", "F", period, g.0 + r.0, g.1 + r.1),
        ]
    }

    fn target(higher_is_better: bool) -> Target<'static> {
        Target {
            measure: "bp",
            dimension: "race",
            group: "Black",
            reference: "White",
            start: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            higher_is_better,
        }
    }

    fn year(y: i32, g: [u64; 4], r: [u64; 4]) -> Vec<AggregateRow> {
        (0..4)
            .flat_map(|q| rows(&format!("{y}-Q{}", q + 1), (g[q], 500), (r[q], 500)))
            .chain(rows(
                &y.to_string(),
                (g.iter().sum(), 2000),
                (r.iter().sum(), 2000),
            ))
            .collect()
    }

    #[test]
    fn errors_read_as_sentences() {
        assert_eq!(
            EvidenceError::NoBaseline("2025-01-01".into()).sentence(),
            "No period ends before the plan's start date 2025-01-01: there is no baseline to compare with."
        );
    }

    #[test]
    fn period_labels_have_bounds() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(
            period_bounds("2024"),
            Some((d(2024, 1, 1), d(2024, 12, 31)))
        );
        assert_eq!(
            period_bounds("2024-Q4"),
            Some((d(2024, 10, 1), d(2024, 12, 31)))
        );
        assert_eq!(
            period_bounds("2024-02"),
            Some((d(2024, 2, 1), d(2024, 2, 29)))
        );
        assert_eq!(
            period_bounds("2024-03-05..2024-06-30"),
            Some((d(2024, 3, 5), d(2024, 6, 30)))
        );
        for bad in ["2024-Q5", "24", "2024-13", "all", "2024-06-30..2024-01-01"] {
            assert_eq!(period_bounds(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_charts_freeze_the_group_at_the_baseline_and_draw_the_gap() {
        let sets = [
            ("base".to_string(), year(2024, [250; 4], [350; 4])),
            (
                "follow".to_string(),
                year(2025, [300, 310, 315, 315], [355; 4]),
            ),
        ];
        let e = evidence(&sets, &target(true)).unwrap();
        let c = evidence_charts(&sets, &target(true), &e).unwrap();
        assert!(
            c.group.starts_with("<svg") && c.group.contains("frozen at the 4 baseline periods")
        );
        assert!(c.group.contains("baseline ends"), "the freeze is marked");
        assert!(c.gap.starts_with("<svg") && c.gap.contains("Gap: Black − White"));
        for q in 1..=4 {
            assert!(
                c.gap.contains(&format!(">2025-Q{q}<")),
                "quarter {q} labelled"
            );
        }
    }

    #[test]
    fn a_gap_closed_by_the_group_improving_counts() {
        // Control of blood pressure (higher is better): Black 50 % → 62 %, White 70 % → 71 %.
        let base = year(2024, [250; 4], [350; 4]);
        let follow = year(2025, [300, 310, 315, 315], [355; 4]);
        let e = evidence(
            &[("base".into(), base), ("follow".into(), follow)],
            &target(true),
        )
        .unwrap();
        assert_eq!(e.baseline.periods.len(), 4);
        assert!((e.baseline.gap.value - (-0.2)).abs() < 1e-12);
        assert!((e.follow_up.group.rate - 0.62).abs() < 1e-12);
        let want = change(e.follow_up.gap, e.baseline.gap).unwrap();
        assert_eq!(e.change, want);
        assert!(e.change.lower.unwrap() > 0.0);
        assert!(e.group_improved);
        assert_eq!(e.verdict, Verdict::Narrowed);
        let sc = e.special_cause.as_ref().unwrap();
        assert!(sc.improvement(), "{sc:?}");
        assert_eq!(sc.baseline_periods, 4);
        assert!(e.warnings.iter().any(|w| w.contains("provisional")));
        assert!(e.reasoning().last().unwrap().contains("Gap narrowed"));
    }

    #[test]
    fn a_gap_closed_by_the_reference_getting_worse_is_levelling_down() {
        let base = year(2024, [250; 4], [350; 4]);
        let follow = year(2025, [245; 4], [290; 4]);
        let e = evidence(
            &[("base".into(), base), ("follow".into(), follow)],
            &target(true),
        )
        .unwrap();
        assert!(e.follow_up.gap.value.abs() < e.baseline.gap.value.abs());
        assert!(!e.group_improved);
        assert_eq!(e.verdict, Verdict::LevellingDown);
        assert!(!e.verdict.counts());
    }

    #[test]
    fn a_token_rise_of_the_group_does_not_hide_levelling_down() {
        // Black 50.0 % → 50.5 % (within chance), White 70 % → 58 % (surely worse): the gap
        // closed beyond chance, but on the reference's fall.
        let base = year(2024, [250; 4], [350; 4]);
        let follow = year(2025, [252, 253, 252, 253], [290; 4]);
        let e = evidence(
            &[("base".into(), base), ("follow".into(), follow)],
            &target(true),
        )
        .unwrap();
        assert!(e.group_improved && !e.group_improved_beyond_chance);
        assert!(
            e.change.lower.unwrap() > 0.0,
            "the gap's change is beyond chance"
        );
        assert_eq!(e.verdict, Verdict::LevellingDown);
        assert!(e.reasoning().iter().any(|r| r.contains("within chance")));
    }

    #[test]
    fn a_small_narrowing_is_within_chance_and_lower_is_better_is_honoured() {
        // Readmissions (lower is better): the group 30 % → 29 %, reference 20 % flat.
        let base = year(2024, [150; 4], [100; 4]);
        let follow = year(2025, [145; 4], [100; 4]);
        let e = evidence(
            &[("base".into(), base), ("follow".into(), follow)],
            &target(false),
        )
        .unwrap();
        assert!(e.group_improved);
        assert_eq!(e.verdict, Verdict::WithinChance);
        let widened = year(2025, [160; 4], [100; 4]);
        let e = evidence(
            &[
                ("base".into(), year(2024, [150; 4], [100; 4])),
                ("f".into(), widened),
            ],
            &target(false),
        )
        .unwrap();
        assert_eq!(e.verdict, Verdict::NotNarrowed);
    }

    #[test]
    fn suppressed_periods_are_left_out_and_said() {
        let base = year(2024, [250; 4], [350; 4]);
        let mut follow = year(2025, [300; 4], [355; 4]);
        for r in follow.iter_mut() {
            if r.period == "2025-Q2" && r.subgroup == "Black" {
                r.numerator = None;
                r.denominator = None;
                r.suppressed = true;
            }
        }
        let e = evidence(&[("b".into(), base), ("f".into(), follow)], &target(true)).unwrap();
        assert_eq!(e.follow_up.periods, ["2025-Q1", "2025-Q3", "2025-Q4"]);
        assert_eq!(e.follow_up.group.denominator, 1500);
        assert!(
            e.warnings.iter().any(|w| w.contains("2025-Q2 left out")),
            "{:?}",
            e.warnings
        );
    }

    #[test]
    fn refuses_a_follow_up_that_does_not_match_and_data_without_both_windows() {
        let base = year(2024, [250; 4], [350; 4]);
        let mut other = year(2025, [300; 4], [355; 4]);
        for r in other.iter_mut() {
            r.measure = "a1c".into();
        }
        let e = evidence(
            &[("b".into(), base.clone()), ("f".into(), other)],
            &target(true),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "data set \"f\" does not match the plan: it has no measure \"bp\""
        );
        let e = evidence(&[("b".into(), base.clone())], &target(true)).unwrap_err();
        assert!(matches!(e, EvidenceError::NoFollowUp(_)));
        let late = year(2026, [300; 4], [355; 4]);
        let e = evidence(&[("f".into(), late)], &target(true)).unwrap_err();
        assert!(matches!(e, EvidenceError::NoBaseline(_)));
        let mut whole = rows("2025", (1200, 2000), (1400, 2000));
        whole.extend(rows("2025-Q1", (300, 500), (350, 500)));
        whole.extend(rows("2025-H1", (1, 2), (1, 2)));
        let e = evidence(&[("b".into(), base), ("f".into(), whole)], &target(true)).unwrap_err();
        assert!(matches!(e, EvidenceError::Period(_)), "{e}");
    }

    #[test]
    fn a_later_upload_of_a_period_replaces_the_earlier() {
        let base = year(2024, [250; 4], [350; 4]);
        let first = year(2025, [250; 4], [350; 4]);
        let again = year(2025, [300; 4], [355; 4]);
        let e = evidence(
            &[
                ("b".into(), base),
                ("f1".into(), first),
                ("f2".into(), again),
            ],
            &target(true),
        )
        .unwrap();
        assert_eq!(e.follow_up.group.numerator, 1200);
    }
}
