//! Monte-Carlo intervals: the measure recomputed on simulated subgroup estimates.

use super::dimension::{Dimension, Settings};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// `draws` simulated data sets, each estimate drawn from `Normal(yⱼ, seⱼ)` and redrawn until
/// it lies in [0, scale] (bounded indicators) or [0, ∞), as HEAT does.
///
/// The generator is ChaCha8 seeded from the settings: the same input and seed reproduce the
/// same intervals on every platform. R's generator cannot be matched draw for draw, so
/// intervals agree with healthequal's in distribution, not digit for digit.
pub(crate) struct Simulation {
    /// One row of simulated estimates per draw, in the dimension's input order; `None` when a
    /// subgroup has no standard error.
    pub rows: Option<Vec<Vec<f64>>>,
}

/// Rejection sampling gives up after this many tries and clamps to the bound, so an estimate
/// far outside the bounds cannot hang the run.
const MAX_TRIES: usize = 10_000;

impl Simulation {
    pub(crate) fn new(dim: &Dimension, s: &Settings) -> Self {
        let Some(se) = dim.standard_errors() else {
            return Self { rows: None };
        };
        let y = dim.estimates();
        let upper = if s.bounded { s.scale } else { f64::INFINITY };
        let mut rng = ChaCha8Rng::seed_from_u64(s.seed);
        let rows = (0..s.draws)
            .map(|_| {
                y.iter()
                    .zip(&se)
                    .map(|(&m, &sd)| {
                        for _ in 0..MAX_TRIES {
                            let e: f64 = StandardNormal.sample(&mut rng);
                            let v = m + sd * e;
                            if (0.0..=upper).contains(&v) {
                                return v;
                            }
                        }
                        m.clamp(0.0, upper)
                    })
                    .collect()
            })
            .collect();
        Self { rows: Some(rows) }
    }
}

/// The central `confidence` percentile interval of `values` (R's `quantile` type 7) and their
/// standard deviation. Non-finite values are dropped first.
pub(crate) fn percentile_interval(
    values: &mut Vec<f64>,
    confidence: f64,
) -> (Option<f64>, Option<f64>, Option<f64>) {
    values.retain(|v| v.is_finite());
    if values.len() < 2 {
        return (None, None, None);
    }
    values.sort_by(f64::total_cmp);
    let alpha = 1.0 - confidence;
    let lower = quantile_type7(values, alpha / 2.0);
    let upper = quantile_type7(values, 1.0 - alpha / 2.0);
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    (Some(lower), Some(upper), Some(sd))
}

/// The finite values, sorted ascending.
pub(crate) fn sorted_finite(mut values: Vec<f64>) -> Vec<f64> {
    values.retain(|v| v.is_finite());
    values.sort_by(f64::total_cmp);
    values
}

/// Hyndman & Fan (1996) type 7 quantile of sorted data, R's default.
pub(crate) fn quantile_type7(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() as f64 - 1.0) * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type7_matches_r() {
        // R: quantile(1:10, c(.025, .975)) = 1.225, 9.775
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        assert!((quantile_type7(&v, 0.025) - 1.225).abs() < 1e-12);
        assert!((quantile_type7(&v, 0.975) - 9.775).abs() < 1e-12);
    }
}
