//! A point estimate with its confidence interval.

use serde::{Deserialize, Serialize};

/// An estimate with lower and upper confidence limits.
///
/// A limit is `None` where the method does not define it (PHE reports NA, e.g. a Byar
/// lower limit below zero). Nothing in this crate stores NaN in an `Estimate`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// The point estimate.
    pub value: f64,
    /// Lower confidence limit.
    pub lower: Option<f64>,
    /// Upper confidence limit.
    pub upper: Option<f64>,
}

impl Estimate {
    /// An estimate with both limits present.
    pub fn new(value: f64, lower: f64, upper: f64) -> Self {
        Self {
            value,
            lower: finite(lower),
            upper: finite(upper),
        }
    }

    /// Multiplies value and limits by `k` (e.g. a proportion to a percentage).
    pub fn scaled(self, k: f64) -> Self {
        Self {
            value: self.value * k,
            lower: self.lower.map(|l| l * k),
            upper: self.upper.map(|u| u * k),
        }
    }
}

/// `Some(x)` when `x` is finite, otherwise `None`: keeps NaN and infinities out of results.
pub fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}
