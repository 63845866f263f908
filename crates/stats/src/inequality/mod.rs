//! Summary measures of health inequality, as WHO's HEAT / HEAT Plus and the `healthequal` R
//! package compute them (Schlotheuber & Hosseinpoor 2022; WHO 2024, *Health Equity Assessment
//! Toolkit: technical notes*).
//!
//! Start with [`Dimension::new`] and [`summary_measures`]. Each measure is either computed or
//! reported as not applicable with the reason — never NaN.
//!
//! Where healthequal's published output has a scale slip, this crate reports the measure's
//! standard error on the scale of the measure itself (see `docs/statistics.md`):
//! PAF (percent, healthequal gives a fraction), MLD and TI (×1000, healthequal gives ×1),
//! SII (indicator scale, healthequal gives 0–1). Intervals are built from those standard
//! errors, so they are as wide as they should be.

mod attributable;
mod concentration;
mod dimension;
mod dispersion;
mod measure;
mod montecarlo;
mod simple;
mod slope;

pub use dimension::{Dimension, Settings, SiiModel, Subgroup};
pub use measure::{Applies, Measure};
pub(crate) use montecarlo::sorted_finite;
pub use simple::comparison_pair;

use crate::dist::z_value;
use crate::error::Result;
use crate::interval::finite;
use serde::Serialize;

/// How an interval was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CiMethod {
    /// A closed-form (delta-method or regression) standard error.
    Analytic,
    /// Percentiles of the measure over simulated data sets.
    MonteCarlo,
    /// No interval: a subgroup lacks a standard error.
    None,
}

/// A computed summary measure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeasureResult {
    /// Which measure.
    pub measure: Measure,
    /// Point estimate.
    pub estimate: f64,
    /// Standard error on the measure's own scale (log scale for R and RII); for Monte-Carlo
    /// measures, the standard deviation of the simulated values.
    pub se: Option<f64>,
    /// Lower confidence limit.
    pub lower: Option<f64>,
    /// Upper confidence limit.
    pub upper: Option<f64>,
    /// How the interval was obtained.
    pub ci_method: CiMethod,
}

impl MeasureResult {
    /// A result whose interval is `estimate ± z·se`.
    pub(crate) fn symmetric(measure: Measure, estimate: f64, se: Option<f64>, z: f64) -> Self {
        let se = se.and_then(finite);
        Self {
            measure,
            estimate,
            se,
            lower: se.and_then(|s| finite(estimate - z * s)),
            upper: se.and_then(|s| finite(estimate + z * s)),
            ci_method: if se.is_some() {
                CiMethod::Analytic
            } else {
                CiMethod::None
            },
        }
    }

    /// A ratio whose standard error is on the log scale: `exp(ln(est) ± z·se)`.
    pub(crate) fn log_scale(measure: Measure, estimate: f64, se_log: Option<f64>, z: f64) -> Self {
        let se = se_log.and_then(finite);
        Self {
            measure,
            estimate,
            se,
            lower: se.and_then(|s| finite((estimate.ln() - z * s).exp())),
            upper: se.and_then(|s| finite((estimate.ln() + z * s).exp())),
            ci_method: if se.is_some() {
                CiMethod::Analytic
            } else {
                CiMethod::None
            },
        }
    }
}

/// Why a measure is absent from the results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotComputed {
    /// Which measure.
    pub measure: Measure,
    /// A sentence saying why, e.g. "needs an ordered dimension".
    pub reason: String,
}

/// The measures of one dimension.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Summary {
    /// Measures that were computed, in HEAT's order.
    pub computed: Vec<MeasureResult>,
    /// Measures that do not apply here, with the reason.
    pub not_computed: Vec<NotComputed>,
}

impl Summary {
    /// The result for one measure, if it was computed.
    pub fn get(&self, measure: Measure) -> Option<&MeasureResult> {
        self.computed.iter().find(|r| r.measure == measure)
    }
}

/// Why one measure cannot be computed (internal: turned into [`NotComputed`]).
pub(crate) type Outcome = std::result::Result<MeasureResult, String>;

/// Checks the measure's applicability to the dimension; `Err(reason)` if it does not apply.
pub fn applicability(measure: Measure, dim: &Dimension) -> std::result::Result<(), String> {
    let j = dim.len();
    match measure.applies() {
        Applies::Any if j < 2 => return Err("needs at least two subgroups".into()),
        Applies::Ordered if !dim.ordered() => {
            return Err("needs an ordered dimension (every subgroup with an order)".into());
        }
        Applies::NonOrdered if dim.ordered() => {
            return Err("applies to non-ordered dimensions only".into());
        }
        Applies::Ordered | Applies::NonOrdered if j <= 2 => {
            return Err("needs more than two subgroups".into());
        }
        _ => {}
    }
    if matches!(measure, Measure::MDRU | Measure::MDRW) && dim.reference().is_none() {
        return Err("needs a reference subgroup".into());
    }
    Ok(())
}

/// Computes every summary measure that applies to `dim`.
///
/// The Monte-Carlo measures share one set of `settings.draws` simulated data sets drawn with
/// `settings.seed`, so the same input and seed always give the same intervals.
pub fn summary_measures(dim: &Dimension, settings: &Settings) -> Result<Summary> {
    summary_of(dim, settings, &Measure::ALL)
}

/// Computes the listed measures (those that apply) for `dim`.
pub fn summary_of(dim: &Dimension, settings: &Settings, measures: &[Measure]) -> Result<Summary> {
    settings.validate(dim)?;
    let z = z_value(settings.confidence)?;
    let mut summary = Summary::default();
    let mut sims: Option<montecarlo::Simulation> = None;
    for &m in measures {
        let outcome = applicability(m, dim).and_then(|()| {
            if m.monte_carlo() {
                let sim = sims.get_or_insert_with(|| montecarlo::Simulation::new(dim, settings));
                dispersion::monte_carlo_measure(m, dim, settings, sim)
            } else {
                analytic(m, dim, settings, z)
            }
        });
        match outcome {
            Ok(r) => summary.computed.push(r),
            Err(reason) => summary
                .not_computed
                .push(NotComputed { measure: m, reason }),
        }
    }
    Ok(summary)
}

fn analytic(m: Measure, dim: &Dimension, s: &Settings, z: f64) -> Outcome {
    match m {
        Measure::D => simple::difference(dim, s, z),
        Measure::R => simple::ratio(dim, s, z),
        Measure::PAF => attributable::paf(dim, s, z),
        Measure::PAR => attributable::par(dim, s, z),
        Measure::ACI => concentration::aci(dim, z),
        Measure::RCI => concentration::rci(dim, z),
        Measure::SII | Measure::RII => slope::slope_measure(m, dim, s, z),
        Measure::BGV => dispersion::bgv(dim, z),
        Measure::MLD => dispersion::mld(dim, z),
        Measure::TI => dispersion::theil(dim, z),
        other => Err(format!("{other} has no analytic interval")),
    }
}
