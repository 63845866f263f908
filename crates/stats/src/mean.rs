//! Means with Student-t intervals.

use crate::dist::{check_confidence, t_quantile};
use crate::error::{Result, StatsError};
use crate::interval::Estimate;

/// Summary of a sample mean, as PHEindicatormethods' `phe_mean`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeanSummary {
    /// Number of values.
    pub count: usize,
    /// Sum of the values.
    pub sum: f64,
    /// Sample standard deviation (divisor n − 1).
    pub sd: f64,
    /// The mean with its interval `ȳ ± t_{1−α/2, n−1} · sd/√n`.
    pub mean: Estimate,
}

/// Mean of `values` with a Student-t confidence interval. Needs at least two values.
pub fn mean_t(values: &[f64], confidence: f64) -> Result<MeanSummary> {
    check_confidence(confidence)?;
    if values.len() < 2 {
        return Err(StatsError::TooFewGroups(format!(
            "a mean with a Student-t interval needs at least 2 values, got {}",
            values.len()
        )));
    }
    if let Some(bad) = values.iter().find(|v| !v.is_finite()) {
        return Err(crate::error::invalid(format!(
            "values must be finite numbers, got {bad}"
        )));
    }
    let n = values.len() as f64;
    let sum: f64 = values.iter().sum();
    let mean = sum / n;
    let ss: f64 = values.iter().map(|v| (v - mean).powi(2)).sum();
    let sd = (ss / (n - 1.0)).sqrt();
    let t = t_quantile(1.0 - (1.0 - confidence) / 2.0, n - 1.0)?;
    let half = t * sd / n.sqrt();
    Ok(MeanSummary {
        count: values.len(),
        sum,
        sd,
        mean: Estimate::new(mean, mean - half, mean + half),
    })
}
