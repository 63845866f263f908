//! Two-parameter regressions: ordinary and weighted least squares, and a binomial logistic
//! model fitted by iteratively reweighted least squares, each with the covariance matrices the
//! inequality measures need (classical, and White's heteroskedasticity-consistent HC1).
//!
//! Hand-written on purpose: every model here has exactly two coefficients, so the normal
//! equations are a 2×2 solve. A general linear-algebra or GLM crate would add a large
//! dependency for a dozen lines of arithmetic, and none reproduces R's `glm` + `sandwich`
//! conventions (prior weights times binomial totals, HC1 = n/(n−k) scaling) out of the box.

use crate::error::{Result, StatsError, invalid};

/// A symmetric 2×2 matrix `[[a, b], [b, d]]`.
pub type Mat2 = [[f64; 2]; 2];

/// Coefficients of a two-parameter model with their covariance estimates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    /// The two coefficients, in the order of the design columns.
    pub beta: [f64; 2],
    /// Classical covariance `σ²(X'WX)⁻¹` with `σ² = RSS/(n − 2)` (for least squares), or
    /// `(X'WX)⁻¹` (for the logistic model, dispersion 1).
    pub cov: Mat2,
    /// HC1 sandwich covariance `n/(n−2) · U (Σ ψᵢψᵢ') U`, `U = (X'WX)⁻¹`, as R's
    /// `sandwich::vcovHC(type = "HC1")` gives for `lm` and `glm` fits.
    pub hc1: Mat2,
}

fn inverse(m: Mat2) -> Result<Mat2> {
    let det = m[0][0] * m[1][1] - m[0][1] * m[1][0];
    let scale = m[0][0].abs().max(m[1][1].abs()).max(f64::MIN_POSITIVE);
    if !det.is_finite() || det.abs() <= 1e-14 * scale * scale {
        return Err(StatsError::InvalidInput(
            "the regression has no unique solution (all subgroups share the same rank or weight)"
                .into(),
        ));
    }
    Ok([
        [m[1][1] / det, -m[0][1] / det],
        [-m[1][0] / det, m[0][0] / det],
    ])
}

fn sandwich(u: Mat2, meat: Mat2, n: usize) -> Mat2 {
    let um = mul(u, meat);
    let v = mul(um, u);
    let k = n as f64 / (n as f64 - 2.0);
    [[v[0][0] * k, v[0][1] * k], [v[1][0] * k, v[1][1] * k]]
}

fn mul(a: Mat2, b: Mat2) -> Mat2 {
    [
        [
            a[0][0] * b[0][0] + a[0][1] * b[1][0],
            a[0][0] * b[0][1] + a[0][1] * b[1][1],
        ],
        [
            a[1][0] * b[0][0] + a[1][1] * b[1][0],
            a[1][0] * b[0][1] + a[1][1] * b[1][1],
        ],
    ]
}

fn check_lengths(n: usize, others: &[usize]) -> Result<()> {
    if others.iter().any(|&m| m != n) {
        return Err(invalid("regression inputs must have the same length"));
    }
    if n < 3 {
        return Err(StatsError::TooFewGroups(format!(
            "a two-parameter regression with a standard error needs at least 3 points, got {n}"
        )));
    }
    Ok(())
}

/// Weighted least squares of `y` on the two design columns `x1`, `x2` (no implicit
/// intercept), with weights `w`.
pub fn least_squares(x1: &[f64], x2: &[f64], y: &[f64], w: &[f64]) -> Result<Fit> {
    let n = y.len();
    check_lengths(n, &[x1.len(), x2.len(), w.len()])?;
    let mut xtx = [[0.0; 2]; 2];
    let mut xty = [0.0; 2];
    for i in 0..n {
        let (a, b, wi) = (x1[i], x2[i], w[i]);
        xtx[0][0] += wi * a * a;
        xtx[0][1] += wi * a * b;
        xtx[1][1] += wi * b * b;
        xty[0] += wi * a * y[i];
        xty[1] += wi * b * y[i];
    }
    xtx[1][0] = xtx[0][1];
    let u = inverse(xtx)?;
    let beta = [
        u[0][0] * xty[0] + u[0][1] * xty[1],
        u[1][0] * xty[0] + u[1][1] * xty[1],
    ];
    let mut rss = 0.0;
    let mut meat = [[0.0; 2]; 2];
    for i in 0..n {
        let r = y[i] - beta[0] * x1[i] - beta[1] * x2[i];
        rss += w[i] * r * r;
        let psi = w[i] * r;
        meat[0][0] += psi * psi * x1[i] * x1[i];
        meat[0][1] += psi * psi * x1[i] * x2[i];
        meat[1][1] += psi * psi * x2[i] * x2[i];
    }
    meat[1][0] = meat[0][1];
    let sigma2 = rss / (n as f64 - 2.0);
    let cov = [
        [u[0][0] * sigma2, u[0][1] * sigma2],
        [u[1][0] * sigma2, u[1][1] * sigma2],
    ];
    Ok(Fit {
        beta,
        cov,
        hc1: sandwich(u, meat, n),
    })
}

/// Logistic regression `logit(π) = β₀ + β₁x` of `successes` out of `trials`, with prior
/// weights `w`, fitted by IRLS.
///
/// Mirrors R's `glm(cbind(y, n − y) ~ x, weights = w, family = (quasi)binomial)`: the
/// effective prior weight of a row is `w · n` (R multiplies the weights by the binomial
/// totals), the score contribution is `w·n·(y/n − π)·xᵢ`.
pub fn logistic(x: &[f64], successes: &[f64], trials: &[f64], w: &[f64]) -> Result<Fit> {
    let n = x.len();
    check_lengths(n, &[successes.len(), trials.len(), w.len()])?;
    let mut p = Vec::with_capacity(n);
    let mut pw = Vec::with_capacity(n);
    for i in 0..n {
        if trials[i].is_nan() || trials[i] <= 0.0 || successes[i] < 0.0 || successes[i] > trials[i]
        {
            return Err(invalid(
                "logistic regression needs 0 ≤ successes ≤ trials and trials > 0",
            ));
        }
        p.push(successes[i] / trials[i]);
        pw.push(w[i] * trials[i]);
    }
    // Start from the empirical logits, as R does with mustart = (w·y + 0.5)/(w + 1).
    let mut eta: Vec<f64> = (0..n)
        .map(|i| {
            let m = (pw[i] * p[i] + 0.5) / (pw[i] + 1.0);
            (m / (1.0 - m)).ln()
        })
        .collect();
    let mut beta = [0.0; 2];
    let ones = vec![1.0; n];
    let mut converged = false;
    let mut last_dev = f64::INFINITY;
    for _ in 0..100 {
        let mut z = Vec::with_capacity(n);
        let mut ww = Vec::with_capacity(n);
        for i in 0..n {
            let pi = expit(eta[i]);
            let v = (pi * (1.0 - pi)).max(1e-300);
            z.push(eta[i] + (p[i] - pi) / v);
            ww.push(pw[i] * v);
        }
        let fit = least_squares(&ones, x, &z, &ww)?;
        let step = (fit.beta[0] - beta[0])
            .abs()
            .max((fit.beta[1] - beta[1]).abs());
        let size = 1.0 + fit.beta[0].abs().max(fit.beta[1].abs());
        beta = fit.beta;
        for i in 0..n {
            eta[i] = beta[0] + beta[1] * x[i];
        }
        let dev = deviance(&p, &pw, &eta);
        // R's glm stops at a relative deviance change of 1e-8; we go further, and also stop
        // when the coefficients no longer move (a perfect fit has a deviance near zero).
        if (dev - last_dev).abs() <= 1e-10 * (dev.abs() + 0.1) || step <= 1e-13 * size {
            converged = true;
            break;
        }
        last_dev = dev;
    }
    if !converged || !beta.iter().all(|b| b.is_finite()) {
        return Err(StatsError::NotConverged(
            "the logistic regression did not converge (estimates at 0 % or at the scale's maximum in every subgroup?)".into(),
        ));
    }
    let mut xtwx = [[0.0; 2]; 2];
    let mut meat = [[0.0; 2]; 2];
    for i in 0..n {
        let pi = expit(eta[i]);
        let wi = pw[i] * pi * (1.0 - pi);
        xtwx[0][0] += wi;
        xtwx[0][1] += wi * x[i];
        xtwx[1][1] += wi * x[i] * x[i];
        let psi = pw[i] * (p[i] - pi);
        meat[0][0] += psi * psi;
        meat[0][1] += psi * psi * x[i];
        meat[1][1] += psi * psi * x[i] * x[i];
    }
    xtwx[1][0] = xtwx[0][1];
    meat[1][0] = meat[0][1];
    let u = inverse(xtwx)?;
    Ok(Fit {
        beta,
        cov: u,
        hc1: sandwich(u, meat, n),
    })
}

fn deviance(p: &[f64], pw: &[f64], eta: &[f64]) -> f64 {
    let mut d = 0.0;
    for i in 0..p.len() {
        let pi = expit(eta[i]);
        if p[i] > 0.0 {
            d += pw[i] * p[i] * (p[i] / pi).ln();
        }
        if p[i] < 1.0 {
            d += pw[i] * (1.0 - p[i]) * ((1.0 - p[i]) / (1.0 - pi)).ln();
        }
    }
    2.0 * d
}

/// The logistic function `1/(1 + e^−x)`.
pub fn expit(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Variance of a linear combination `g'Vg` (the delta method).
pub fn quad_form(g: [f64; 2], v: Mat2) -> f64 {
    g[0] * (v[0][0] * g[0] + v[0][1] * g[1]) + g[1] * (v[1][0] * g[0] + v[1][1] * g[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn least_squares_recovers_an_exact_line() {
        let x: Vec<f64> = (0..6).map(f64::from).collect();
        let y: Vec<f64> = x.iter().map(|v| 2.0 + 3.0 * v).collect();
        let fit = least_squares(&[1.0; 6], &x, &y, &[1.0; 6]).unwrap();
        assert!((fit.beta[0] - 2.0).abs() < 1e-12);
        assert!((fit.beta[1] - 3.0).abs() < 1e-12);
        assert!(fit.cov[1][1].abs() < 1e-20);
    }

    #[test]
    fn least_squares_matches_textbook_slope_se() {
        // Unweighted simple regression: se(slope) = sqrt(σ²/Σ(x − x̄)²).
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y = [2.1, 3.9, 6.2, 7.8, 10.1];
        let fit = least_squares(&[1.0; 5], &x, &y, &[1.0; 5]).unwrap();
        let xm = 3.0;
        let ym = y.iter().sum::<f64>() / 5.0;
        let sxx: f64 = x.iter().map(|v| (v - xm) * (v - xm)).sum();
        let sxy: f64 = x.iter().zip(&y).map(|(a, b)| (a - xm) * (b - ym)).sum();
        let slope = sxy / sxx;
        let rss: f64 = x
            .iter()
            .zip(&y)
            .map(|(a, b)| (b - ym - slope * (a - xm)).powi(2))
            .sum();
        assert!((fit.beta[1] - slope).abs() < 1e-12);
        assert!((fit.cov[1][1] - rss / 3.0 / sxx).abs() < 1e-12);
    }

    #[test]
    fn logistic_fits_perfectly_logistic_data() {
        let x = [0.1, 0.3, 0.5, 0.7, 0.9];
        let trials = [1e6; 5];
        let succ: Vec<f64> = x
            .iter()
            .map(|v| (expit(-1.0 + 2.0 * v) * 1e6f64).round())
            .collect();
        let fit = logistic(&x, &succ, &trials, &[1.0; 5]).unwrap();
        assert!((fit.beta[0] + 1.0).abs() < 1e-4);
        assert!((fit.beta[1] - 2.0).abs() < 1e-4);
    }

    #[test]
    fn singular_design_is_an_error() {
        assert!(least_squares(&[1.0; 3], &[2.0; 3], &[1.0, 2.0, 3.0], &[1.0; 3]).is_err());
    }
}
