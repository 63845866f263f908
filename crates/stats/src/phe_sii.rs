//! The slope and relative indices of inequality as UKHSA's PHEindicatormethods computes them
//! (`phe_sii`, v2.1), with Monte-Carlo confidence intervals.
//!
//! Quantiles are given in order, most deprived first. Each quantile's population share `aᵢ`
//! and mid-rank `bᵢ = Σ_{k<i} aₖ + aᵢ/2` enter a weighted least-squares fit of the value on
//! the rank (Low & Low 2004; the no-intercept regression of `√aᵢ·yᵢ` on `[√aᵢ, bᵢ√aᵢ]`).
//! SII is the slope (fit at rank 1 minus fit at rank 0) times `multiplier`; RII is
//! fit(1)/fit(0), inverted when the multiplier is negative.

use crate::dist::{check_confidence, normal_quantile};
use crate::error::{Result, StatsError, invalid};
use crate::inequality::sorted_finite;
use crate::regression::least_squares;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// What kind of value each quantile carries; it decides the scale on which values are
/// simulated (and, with `transform`, regressed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    /// Any other value (e.g. life expectancy): used as it is.
    Other,
    /// A rate: simulated on the log scale.
    Rate,
    /// A proportion in (0, 1): simulated on the logit scale.
    Proportion,
}

impl ValueType {
    fn forward(self, v: f64) -> f64 {
        match self {
            ValueType::Other => v,
            ValueType::Rate => v.ln(),
            ValueType::Proportion => (v / (1.0 - v)).ln(),
        }
    }

    fn inverse(self, v: f64) -> f64 {
        match self {
            ValueType::Other => v,
            ValueType::Rate => v.exp(),
            ValueType::Proportion => 1.0 / (1.0 + (-v).exp()),
        }
    }

    /// The standard error PHE derives from 95 % limits when none is given:
    /// `(g(U) − g(L)) / (2·1.96)`, with `g` the log (rates) or logit (proportions).
    pub fn se_from_limits(self, lower95: f64, upper95: f64) -> f64 {
        (self.forward(upper95) - self.forward(lower95)) / (2.0 * normal_quantile(0.975))
    }
}

/// Options of [`phe_sii`].
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Kind of value.
    pub value_type: ValueType,
    /// Regress on the log/logit scale and back-transform (PHE `transform = TRUE`).
    pub transform: bool,
    /// Multiplies the SII (e.g. 100 for a proportion shown as a percentage; negative flips
    /// the direction and inverts the RII).
    pub multiplier: f64,
    /// Confidence levels of the intervals, each in (0, 1).
    pub confidence: Vec<f64>,
    /// Number of Monte-Carlo repetitions (PHE: default 100 000, at least 1 000).
    pub repetitions: usize,
    /// Seed of the simulation.
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            value_type: ValueType::Other,
            transform: false,
            multiplier: 1.0,
            confidence: vec![0.95],
            repetitions: 100_000,
            seed: 123_456,
        }
    }
}

/// Monte-Carlo interval of SII and RII at one confidence level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// The confidence level.
    pub confidence: f64,
    /// SII limits.
    pub sii: (f64, f64),
    /// RII limits.
    pub rii: (f64, f64),
}

/// Result of [`phe_sii`].
#[derive(Debug, Clone, PartialEq)]
pub struct PheSii {
    /// Slope index of inequality.
    pub sii: f64,
    /// Relative index of inequality.
    pub rii: f64,
    /// Fitted value at rank 0 (most deprived end), times |multiplier|.
    pub intercept: f64,
    /// One interval per requested confidence level.
    pub intervals: Vec<Interval>,
}

/// PHE's SII and RII for one area. `population`, `value` and `se` hold one entry per quantile,
/// most deprived first; `se` is on the simulation scale (log for rates, logit for
/// proportions; see [`ValueType::se_from_limits`]).
pub fn phe_sii(population: &[f64], value: &[f64], se: &[f64], opts: &Options) -> Result<PheSii> {
    let k = population.len();
    if value.len() != k || se.len() != k {
        return Err(invalid(
            "population, value and se must have one entry per quantile",
        ));
    }
    if !(5..=100).contains(&k) {
        return Err(StatsError::TooFewGroups(format!(
            "PHE's SII needs between 5 and 100 quantiles, got {k}"
        )));
    }
    if population.iter().any(|p| !(p.is_finite() && *p > 0.0)) {
        return Err(invalid("every quantile needs a positive population"));
    }
    if se.iter().any(|s| !(s.is_finite() && *s >= 0.0)) {
        return Err(invalid("standard errors must be zero or more"));
    }
    for &v in value {
        let ok = match opts.value_type {
            ValueType::Other => v.is_finite(),
            ValueType::Rate => v.is_finite() && v > 0.0,
            ValueType::Proportion => v > 0.0 && v < 1.0,
        };
        if !ok {
            return Err(invalid(format!(
                "value {v} is outside the range of its value type"
            )));
        }
    }
    for &c in &opts.confidence {
        check_confidence(c)?;
    }
    if opts.repetitions < 1000 {
        return Err(invalid(
            "PHE's SII needs at least 1 000 Monte-Carlo repetitions",
        ));
    }
    if !(opts.multiplier.is_finite() && opts.multiplier != 0.0) {
        return Err(invalid("the multiplier must be a non-zero number"));
    }
    let total: f64 = population.iter().sum();
    let a: Vec<f64> = population.iter().map(|p| p / total).collect();
    let mut cum = 0.0;
    let b: Vec<f64> = a
        .iter()
        .map(|ai| {
            let r = cum + ai / 2.0;
            cum += ai;
            r
        })
        .collect();
    let fit_on = |y: &[f64]| -> Result<(f64, f64, f64)> { fit(&a, &b, y, opts) };
    let regress_scale: Vec<f64> = if opts.transform {
        value.iter().map(|&v| opts.value_type.forward(v)).collect()
    } else {
        value.to_vec()
    };
    let (sii, rii, intercept) = fit_on(&regress_scale)?;

    let centre: Vec<f64> = value.iter().map(|&v| opts.value_type.forward(v)).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let mut siis = Vec::with_capacity(opts.repetitions);
    let mut riis = Vec::with_capacity(opts.repetitions);
    let mut draw = vec![0.0; k];
    for _ in 0..opts.repetitions {
        for i in 0..k {
            let e: f64 = StandardNormal.sample(&mut rng);
            let t = centre[i] + se[i] * e;
            draw[i] = if opts.transform {
                t
            } else {
                opts.value_type.inverse(t)
            };
        }
        if let Ok((s, r, _)) = fit_on(&draw) {
            siis.push(s);
            riis.push(r);
        }
    }
    let siis = sorted_finite(siis);
    let riis = sorted_finite(riis);
    if siis.len() < 2 || riis.len() < 2 {
        return Err(StatsError::NotConverged(
            "the simulation produced no usable values".into(),
        ));
    }
    let intervals = opts
        .confidence
        .iter()
        .map(|&c| {
            let lo = (1.0 - c) / 2.0;
            Interval {
                confidence: c,
                sii: (position(&siis, lo), position(&siis, 1.0 - lo)),
                rii: (position(&riis, lo), position(&riis, 1.0 - lo)),
            }
        })
        .collect();
    Ok(PheSii {
        sii,
        rii,
        intercept,
        intervals,
    })
}

/// PHE's percentile: the value at (1-based) position `round(n·p)` of the sorted draws.
fn position(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    let pos = ((n as f64 * p).round() as usize).clamp(1, n);
    sorted[pos - 1]
}

/// SII, RII and intercept from one regression of `y` (already on the regression scale).
fn fit(a: &[f64], b: &[f64], y: &[f64], opts: &Options) -> Result<(f64, f64, f64)> {
    let ones = vec![1.0; a.len()];
    let f = least_squares(&ones, b, y, a)?;
    let (i, s) = (f.beta[0], f.beta[1]);
    let (at0, at1) = if opts.transform {
        (opts.value_type.inverse(i), opts.value_type.inverse(i + s))
    } else {
        (i, i + s)
    };
    let sii = (at1 - at0) * opts.multiplier;
    let mut rii = at1 / at0;
    if opts.multiplier < 0.0 {
        rii = 1.0 / rii;
    }
    Ok((sii, rii, at0 * opts.multiplier.abs()))
}
