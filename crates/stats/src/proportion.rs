//! Proportions with Wilson score intervals.

use crate::dist::z_value;
use crate::error::{Result, invalid};
use crate::interval::Estimate;

/// Wilson score interval for `x` successes out of `n` (Wilson 1927; Newcombe 1998, method 3),
/// on the 0–1 scale.
///
/// `(2x + z² ∓ z·√(z² + 4x(1 − x/n))) / (2(n + z²))`, as in PHEindicatormethods' `wilson_lower`
/// and `wilson_upper`. `x` may be fractional; `0 ≤ x ≤ n` and `n > 0` are required.
pub fn wilson_interval(x: f64, n: f64, confidence: f64) -> Result<(f64, f64)> {
    check_count(x, n)?;
    let z = z_value(confidence)?;
    let z2 = z * z;
    let root = z * (z2 + 4.0 * x * (1.0 - x / n)).max(0.0).sqrt();
    let denom = 2.0 * (n + z2);
    let lower = (2.0 * x + z2 - root) / denom;
    let upper = (2.0 * x + z2 + root) / denom;
    Ok((lower.max(0.0), upper.min(1.0)))
}

/// A proportion `x/n × multiplier` with its Wilson interval, as PHEindicatormethods'
/// `phe_proportion` (multiplier 1 for a proportion, 100 for a percentage).
pub fn proportion(x: f64, n: f64, confidence: f64, multiplier: f64) -> Result<Estimate> {
    let (lower, upper) = wilson_interval(x, n, confidence)?;
    Ok(Estimate::new(x / n, lower, upper).scaled(multiplier))
}

fn check_count(x: f64, n: f64) -> Result<()> {
    if !(n.is_finite() && n > 0.0) {
        return Err(invalid(format!(
            "denominator must be a positive number, got {n}"
        )));
    }
    if !(x.is_finite() && x >= 0.0) {
        return Err(invalid(format!("numerator must be zero or more, got {x}")));
    }
    if x > n {
        return Err(invalid(format!(
            "numerator ({x}) is larger than the denominator ({n}) for a proportion"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_brackets_the_proportion() {
        let (l, u) = wilson_interval(65.0, 100.0, 0.95).unwrap();
        assert!(l < 0.65 && 0.65 < u);
    }

    #[test]
    fn wilson_edges() {
        let (l, u) = wilson_interval(0.0, 10.0, 0.95).unwrap();
        assert_eq!(l, 0.0);
        assert!(u > 0.0 && u < 1.0);
        let (l, u) = wilson_interval(10.0, 10.0, 0.95).unwrap();
        assert!(l > 0.0 && l < 1.0);
        assert!((u - 1.0).abs() < 1e-15);
    }

    #[test]
    fn rejects_bad_counts() {
        assert!(wilson_interval(11.0, 10.0, 0.95).is_err());
        assert!(wilson_interval(-1.0, 10.0, 0.95).is_err());
        assert!(wilson_interval(1.0, 0.0, 0.95).is_err());
        assert!(wilson_interval(f64::NAN, 10.0, 0.95).is_err());
    }
}
