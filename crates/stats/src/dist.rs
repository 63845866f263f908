//! Quantiles of the distributions the interval methods need.
//!
//! Thin wrappers over `statrs`. statrs' gamma (and so chi-square) inverse stops after a few
//! Newton steps, which is not enough for the 1e-9 agreement with PHEindicatormethods that the
//! reference tests demand, so [`chi_square_quantile`] polishes its answer with further Newton
//! steps on statrs' own CDF and density.

use crate::error::{Result, invalid};
use statrs::distribution::{ChiSquared, Continuous, ContinuousCDF, Normal, StudentsT};

/// Two-sided standard-normal critical value for a confidence level, `Φ⁻¹(1 − (1 − c)/2)`.
///
/// `confidence` must lie strictly between 0 and 1 (0.95 → 1.959964).
pub fn z_value(confidence: f64) -> Result<f64> {
    check_confidence(confidence)?;
    Ok(normal_quantile(1.0 - (1.0 - confidence) / 2.0))
}

/// Checks that a confidence level is a proportion strictly between 0 and 1.
pub fn check_confidence(confidence: f64) -> Result<()> {
    if confidence.is_finite() && confidence > 0.0 && confidence < 1.0 {
        Ok(())
    } else {
        Err(invalid(format!(
            "confidence level must be between 0 and 1 (e.g. 0.95), got {confidence}"
        )))
    }
}

/// Standard-normal quantile `Φ⁻¹(p)`.
pub fn normal_quantile(p: f64) -> f64 {
    // The standard normal with mean 0 and sd 1 always constructs.
    match Normal::new(0.0, 1.0) {
        Ok(n) => n.inverse_cdf(p),
        Err(_) => f64::NAN,
    }
}

/// Student-t quantile with `df` degrees of freedom.
pub fn t_quantile(p: f64, df: f64) -> Result<f64> {
    let t = StudentsT::new(0.0, 1.0, df)
        .map_err(|e| invalid(format!("Student-t with {df} degrees of freedom: {e}")))?;
    Ok(t.inverse_cdf(p))
}

/// Chi-square quantile with `df` degrees of freedom, accurate to about 1e-13 relative.
pub fn chi_square_quantile(p: f64, df: f64) -> Result<f64> {
    let chi = ChiSquared::new(df)
        .map_err(|e| invalid(format!("chi-square with {df} degrees of freedom: {e}")))?;
    if p <= 0.0 {
        return Ok(0.0);
    }
    let mut x = chi.inverse_cdf(p);
    for _ in 0..50 {
        let f = chi.cdf(x) - p;
        let d = chi.pdf(x);
        if !(d.is_finite() && d > 0.0) {
            break;
        }
        let mut next = x - f / d;
        if next <= 0.0 {
            next = x / 2.0;
        }
        let done = (next - x).abs() <= 1e-15 * x.abs().max(1e-300);
        x = next;
        if done {
            break;
        }
    }
    Ok(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn z_values_match_tables() {
        assert!((z_value(0.95).unwrap() - 1.959_963_984_540_054).abs() < 1e-12);
        assert!((z_value(0.998).unwrap() - 3.090_232_306_167_813).abs() < 1e-10);
        assert!(z_value(1.0).is_err());
        assert!(z_value(0.0).is_err());
        assert!(z_value(f64::NAN).is_err());
    }

    #[test]
    fn chi_square_matches_r_qchisq() {
        // With 2 degrees of freedom the chi-square is exponential with mean 2, so its
        // quantile has the closed form -2 ln(1 - p).
        for p in [0.001f64, 0.025, 0.5, 0.975, 0.999] {
            let exact = -2.0 * (1.0 - p).ln();
            let got = chi_square_quantile(p, 2.0).unwrap();
            assert!(
                (got - exact).abs() <= 1e-12 * exact,
                "p={p}: {got} vs {exact}"
            );
        }
    }
}
