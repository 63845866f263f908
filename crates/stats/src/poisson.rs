//! Counts and rates with Poisson intervals: Byar's approximation and exact (Garwood) limits.

use crate::dist::{check_confidence, chi_square_quantile, z_value};
use crate::error::{Result, invalid};
use crate::interval::Estimate;

/// Byar's approximation to the Poisson interval for an observed count `x`
/// (Breslow & Day 1987, p. 69), as PHEindicatormethods' `byars_lower` / `byars_upper`.
///
/// `L = x(1 − 1/(9x) − z/(3√x))³`, `U = (x+1)(1 − 1/(9(x+1)) + z/(3√(x+1)))³`.
/// The lower limit is `None` when the formula goes negative (PHE returns NA there), and for
/// `x = 0`.
pub fn byar_interval(x: f64, confidence: f64) -> Result<(Option<f64>, f64)> {
    check_count(x)?;
    let z = z_value(confidence)?;
    let lower = if x > 0.0 {
        let l = x * (1.0 - 1.0 / (9.0 * x) - z / (3.0 * x.sqrt())).powi(3);
        (l >= 0.0).then_some(l)
    } else {
        None
    };
    let x1 = x + 1.0;
    let upper = x1 * (1.0 - 1.0 / (9.0 * x1) + z / (3.0 * x1.sqrt())).powi(3);
    Ok((lower, upper))
}

/// Exact (Garwood 1936) Poisson interval for a count `x`:
/// `L = χ²_{α/2}(2x)/2`, `U = χ²_{1−α/2}(2x+2)/2`; `L = 0` when `x = 0`.
pub fn exact_poisson_interval(x: f64, confidence: f64) -> Result<(f64, f64)> {
    check_count(x)?;
    check_confidence(confidence)?;
    let alpha = 1.0 - confidence;
    let lower = if x > 0.0 {
        chi_square_quantile(alpha / 2.0, 2.0 * x)? / 2.0
    } else {
        0.0
    };
    let upper = chi_square_quantile(1.0 - alpha / 2.0, 2.0 * x + 2.0)? / 2.0;
    Ok((lower, upper))
}

/// The interval PHE uses for a count: exact below 10 events, Byar's from 10 on.
pub fn count_interval(x: f64, confidence: f64) -> Result<(Option<f64>, f64)> {
    if x < 10.0 {
        let (l, u) = exact_poisson_interval(x, confidence)?;
        Ok((Some(l), u))
    } else {
        byar_interval(x, confidence)
    }
}

/// A crude rate `x/n × multiplier` with PHE's interval rule (`phe_rate`): exact Poisson limits
/// when `x < 10`, Byar's otherwise, each divided by `n`. `x > n` is allowed.
pub fn rate(x: f64, n: f64, confidence: f64, multiplier: f64) -> Result<Estimate> {
    if !(n.is_finite() && n > 0.0) {
        return Err(invalid(format!(
            "denominator must be a positive number, got {n}"
        )));
    }
    let (lower, upper) = count_interval(x, confidence)?;
    Ok(Estimate {
        value: x / n * multiplier,
        lower: lower.map(|l| l / n * multiplier),
        upper: Some(upper / n * multiplier),
    })
}

fn check_count(x: f64) -> Result<()> {
    if x.is_finite() && x >= 0.0 {
        Ok(())
    } else {
        Err(invalid(format!("count must be zero or more, got {x}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_upper_for_zero_is_minus_log_alpha() {
        // With x = 0 the upper limit solves P(0) = α/2, i.e. −ln(α/2).
        let (l, u) = exact_poisson_interval(0.0, 0.95).unwrap();
        assert_eq!(l, 0.0);
        assert!((u - (-(0.025f64).ln())).abs() < 1e-12);
    }

    #[test]
    fn byar_lower_is_none_when_negative() {
        let (l, _) = byar_interval(1.0, 0.998).unwrap();
        assert!(l.is_none());
    }

    #[test]
    fn rejects_negative_counts() {
        assert!(byar_interval(-1.0, 0.95).is_err());
        assert!(rate(1.0, 0.0, 0.95, 1.0).is_err());
    }
}
