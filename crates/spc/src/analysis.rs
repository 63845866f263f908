//! One chart, end to end: positions, phases, a frozen baseline, exclusions, the limits of each
//! phase, `multiply`, and the per-point signals — qicharts2's `qic()` for one facet.

use crate::chart::Chart;
use crate::error::{Result, SpcError};
use crate::limits::{self, Lines, Phase};
use crate::runs::{self, RunsMethod};
use crate::subgroup::Subgroup;
use serde::{Deserialize, Serialize};

/// How to draw one chart. Positions are 1-based, counted over the whole chart (not reset per
/// phase), as in qicharts2.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub chart: Chart,
    /// Estimate the centre line and limits from points 1..=freeze only; ignored when `part` is
    /// given (as qicharts2 does).
    pub freeze: Option<usize>,
    /// Positions after which a new phase starts.
    pub part: Vec<usize>,
    /// Positions left out of the estimates and the runs analysis (still plotted and flagged).
    pub exclude: Vec<usize>,
    /// Applied to y, the centre line and the limits after everything else (100 for percent).
    pub multiply: f64,
    /// A centre line fixed by the user instead of estimated.
    pub cl: Option<f64>,
    /// Screen moving ranges (qicharts2's `qic.screenedmr`, on when the package is attached).
    pub screened_mr: bool,
    pub method: RunsMethod,
    /// The x axis is categorical (a funnel plot): no runs signal, Laney σ_z by SD.
    pub categorical: bool,
}

impl Settings {
    pub fn new(chart: Chart) -> Self {
        Settings {
            chart,
            freeze: None,
            part: Vec::new(),
            exclude: Vec::new(),
            multiply: 1.0,
            cl: None,
            screened_mr: true,
            method: RunsMethod::Anhoej,
            categorical: false,
        }
    }
}

/// One plotted point. Values are after `multiply`; `None` is a missing value or a line the
/// chart does not have at that point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// 1-based position in the chart.
    pub position: usize,
    pub part: usize,
    pub baseline: bool,
    pub include: bool,
    pub y_sum: f64,
    pub y_length: usize,
    pub y_mean: Option<f64>,
    pub y_sd: Option<f64>,
    pub n: Option<f64>,
    pub y: Option<f64>,
    pub cl: Option<f64>,
    pub lcl: Option<f64>,
    pub ucl: Option<f64>,
    pub lcl_95: Option<f64>,
    pub ucl_95: Option<f64>,
    pub sigma_signal: bool,
    pub runs_signal: bool,
}

/// The runs analysis of one phase (qicharts2's `summary.qic` row).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartSummary {
    pub part: usize,
    /// Included points, missing values counted (a qicharts2 quirk kept for comparability).
    pub n_obs: usize,
    pub n_useful: usize,
    pub longest_run: Option<usize>,
    pub longest_run_max: Option<usize>,
    pub n_crossings: Option<usize>,
    pub n_crossings_min: Option<usize>,
    pub runs_signal: bool,
}

/// A chart: its points in order and one summary per phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    pub chart: Chart,
    pub points: Vec<Point>,
    pub parts: Vec<PartSummary>,
}

impl Analysis {
    /// Whether any point is outside its limits or any phase has a runs signal.
    pub fn any_signal(&self) -> bool {
        self.points.iter().any(|p| p.sigma_signal || p.runs_signal)
    }
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// Refuses values the chart is not defined for, so that no limit is silently wrong.
fn check_values(chart: Chart, groups: &[Subgroup]) -> Result<()> {
    for (i, g) in groups.iter().enumerate() {
        let position = i + 1;
        let bad = |reason: &str| {
            Err(SpcError::BadValue {
                position,
                reason: reason.into(),
            })
        };
        if chart.counts() && g.y_length > 0 && g.y_sum < 0.0 {
            return bad("a count cannot be negative");
        }
        if chart.needs_n() && g.y_length > 0 {
            if g.n.is_nan() {
                return bad("this chart needs a denominator n");
            }
            if g.n < 0.0 {
                return bad("a denominator cannot be negative");
            }
        }
        if chart.proportion() && g.y_length > 0 && g.y_sum > g.n {
            return bad("the count y is greater than its denominator n");
        }
    }
    Ok(())
}

/// Draws one chart from its subgroups, in the order of x.
pub fn analyse(groups: &[Subgroup], settings: &Settings) -> Result<Analysis> {
    let chart = settings.chart;
    let k = groups.len();
    if !settings.multiply.is_finite() || settings.multiply == 0.0 {
        return Err(SpcError::BadSetting(format!(
            "multiply must be a finite, non-zero number, not {}",
            settings.multiply
        )));
    }
    if let Some(cl) = settings.cl
        && !cl.is_finite()
    {
        return Err(SpcError::BadSetting(format!(
            "a fixed centre line must be a finite number, not {cl}"
        )));
    }
    if k == 0 {
        return Err(SpcError::TooFewPoints {
            chart: chart.name(),
            needed: chart.min_points(),
            part: 1,
            got: 0,
        });
    }
    check_values(chart, groups)?;

    // Phase boundaries: `part` lists the positions after which a new phase starts.
    let mut cuts = settings.part.clone();
    cuts.sort_unstable();
    cuts.dedup();
    for &c in &cuts {
        if c == 0 {
            return Err(SpcError::BadSetting(
                "part positions count from 1 (a new phase starts after the point named)".into(),
            ));
        }
        if c >= k {
            return Err(SpcError::BeyondData {
                setting: "part",
                position: c,
                points: k,
            });
        }
    }
    let freeze = if cuts.is_empty() {
        settings.freeze
    } else {
        None
    };
    if let Some(f) = freeze {
        if f == 0 {
            return Err(SpcError::BadSetting(
                "freeze counts from 1 (the last point of the baseline)".into(),
            ));
        }
        if f > k {
            return Err(SpcError::BeyondData {
                setting: "freeze",
                position: f,
                points: k,
            });
        }
    }
    let mut include = vec![true; k];
    for &e in &settings.exclude {
        if e == 0 || e > k {
            return Err(SpcError::BeyondData {
                setting: "exclude",
                position: e,
                points: k,
            });
        }
        include[e - 1] = false;
    }
    let baseline: Vec<bool> = (1..=k).map(|p| freeze.is_none_or(|f| p <= f)).collect();

    let mut bounds = Vec::with_capacity(cuts.len() + 1);
    let mut start = 0;
    for &c in &cuts {
        bounds.push((start, c));
        start = c;
    }
    bounds.push((start, k));

    let mult = settings.multiply;
    let scale = |v: f64| finite(v * mult);
    let mut points = Vec::with_capacity(k);
    let mut parts = Vec::with_capacity(bounds.len());
    for (index, &(from, to)) in bounds.iter().enumerate() {
        let part = index + 1;
        let base: Vec<bool> = (from..to).map(|i| baseline[i] && include[i]).collect();
        let phase_groups = &groups[from..to];
        let usable = phase_groups
            .iter()
            .zip(&base)
            .filter(|(g, b)| **b && usable(chart, g))
            .count();
        if usable < chart.min_points() {
            return Err(SpcError::TooFewPoints {
                chart: chart.name(),
                needed: chart.min_points(),
                part,
                got: usable,
            });
        }
        let phase = Phase {
            groups: phase_groups,
            base: &base,
            cl: settings.cl,
            screened: settings.screened_mr,
            categorical: settings.categorical,
        };
        let lines = lines(chart, &phase)?;

        // The runs analysis covers the included points of the phase against its centre line,
        // before `multiply`.
        let included: Vec<f64> = (from..to)
            .filter(|&i| include[i])
            .map(|i| lines.y[i - from])
            .collect();
        let cl = vec![lines.cl; included.len()];
        let found = runs::analyse(&included, &cl, settings.method);
        let runs_signal = found.signal && chart != Chart::Mr && !settings.categorical;
        parts.push(PartSummary {
            part,
            n_obs: included.len(),
            n_useful: found.n_useful,
            longest_run: found.longest_run,
            longest_run_max: found.longest_run_max,
            n_crossings: found.n_crossings,
            n_crossings_min: found.n_crossings_min,
            runs_signal,
        });

        for (j, g) in phase_groups.iter().enumerate() {
            let i = from + j;
            let y = scale(lines.y[j]);
            let lcl = scale(lines.lcl[j]);
            let ucl = scale(lines.ucl[j]);
            let sigma_signal = match (y, lcl, ucl) {
                (Some(y), Some(l), Some(u)) => y < l.min(u) || y > l.max(u),
                _ => false,
            };
            points.push(Point {
                position: i + 1,
                part,
                baseline: baseline[i],
                include: include[i],
                y_sum: g.y_sum,
                y_length: g.y_length,
                y_mean: finite(g.y_mean),
                y_sd: finite(g.y_sd),
                n: finite(g.n),
                y,
                cl: scale(lines.cl),
                lcl,
                ucl,
                lcl_95: scale(lines.lcl_95[j]),
                ucl_95: scale(lines.ucl_95[j]),
                sigma_signal,
                runs_signal,
            });
        }
    }
    Ok(Analysis {
        chart,
        points,
        parts,
    })
}

/// Whether a subgroup has the value the chart estimates from: an SD for the S chart, a mean
/// for x̄, the plotted value otherwise.
fn usable(chart: Chart, g: &Subgroup) -> bool {
    let v = match chart {
        Chart::S => g.y_sd,
        Chart::Xbar => g.y_mean,
        _ => g.y,
    };
    g.y_length > 0 && v.is_finite()
}

fn lines(chart: Chart, phase: &Phase) -> Result<Lines> {
    Ok(match chart {
        Chart::Run => limits::run(phase),
        Chart::I => limits::individuals(phase),
        Chart::Mr => limits::moving_range(phase),
        Chart::Xbar => limits::xbar(phase),
        Chart::S => limits::s(phase),
        Chart::T => limits::t(phase)?,
        Chart::P => limits::p(phase),
        Chart::Pp => limits::laney_p(phase),
        Chart::C => limits::c(phase),
        Chart::U => limits::u(phase),
        Chart::Up => limits::laney_u(phase),
        Chart::G => limits::g(phase),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(v: &[f64]) -> Vec<Subgroup> {
        v.iter().map(|y| Subgroup::value(*y)).collect()
    }

    #[test]
    fn settings_beyond_the_data_are_refused() {
        let g = values(&[1.0, 2.0, 3.0]);
        let mut s = Settings::new(Chart::I);
        s.part = vec![3];
        assert!(matches!(analyse(&g, &s), Err(SpcError::BeyondData { .. })));
        s.part = vec![];
        s.exclude = vec![4];
        assert!(matches!(analyse(&g, &s), Err(SpcError::BeyondData { .. })));
        s.exclude = vec![];
        s.freeze = Some(9);
        assert!(matches!(analyse(&g, &s), Err(SpcError::BeyondData { .. })));
    }

    #[test]
    fn too_few_points_per_phase() {
        let g = values(&[1.0, 2.0, 3.0]);
        let mut s = Settings::new(Chart::I);
        s.part = vec![1];
        assert_eq!(
            analyse(&g, &s),
            Err(SpcError::TooFewPoints {
                chart: "i",
                needed: 2,
                part: 1,
                got: 1
            })
        );
    }

    #[test]
    fn proportions_above_one_are_refused() {
        let g = [Subgroup::ratio(3.0, 10.0), Subgroup::ratio(11.0, 10.0)];
        let err = analyse(&g, &Settings::new(Chart::P)).unwrap_err();
        assert!(matches!(err, SpcError::BadValue { position: 2, .. }));
    }

    #[test]
    fn multiply_scales_after_the_runs_analysis() {
        let g: Vec<Subgroup> = (0..12)
            .map(|i| Subgroup::ratio(f64::from(i % 3), 10.0))
            .collect();
        let mut s = Settings::new(Chart::P);
        let plain = analyse(&g, &s).unwrap();
        s.multiply = 100.0;
        let pct = analyse(&g, &s).unwrap();
        assert_eq!(plain.parts, pct.parts);
        let (a, b) = (&plain.points[4], &pct.points[4]);
        assert!((a.ucl.unwrap() * 100.0 - b.ucl.unwrap()).abs() < 1e-9);
    }
}
