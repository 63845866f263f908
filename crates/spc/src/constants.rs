//! Control-chart constants. qicharts2 computes c4 (and from it A3, B3, B4) exactly through the
//! log-gamma function rather than reading a printed table, and uses the *rounded* d2(2) = 1.128
//! and D4(2) = 3.267 for moving ranges; both are copied here so that limits agree to 1e-9.

use statrs::function::gamma::ln_gamma;

/// d2 for a moving range of two points, rounded as qicharts2 and most QI software use it
/// (exact: 1.128379…; Montgomery, Appendix VI).
pub const D2: f64 = 1.128;

/// D4 for a moving range of two points, rounded as qicharts2 uses it (exact: 3.266532…). Also
/// the screening bound: moving ranges at or above D4 × the average are dropped (Nelson 1982).
pub const D4: f64 = 3.267;

/// c4(n) = √(2/(n−1)) · Γ(n/2) / Γ((n−1)/2), the bias of the sample SD; NaN for n ≤ 1.
pub fn c4(n: f64) -> f64 {
    if n <= 1.0 || !n.is_finite() {
        return f64::NAN;
    }
    (2.0 / (n - 1.0)).sqrt() * (ln_gamma(n / 2.0) - ln_gamma((n - 1.0) / 2.0)).exp()
}

/// c5(n) = √(1 − c4²), the SD of the sample SD in units of σ; NaN for n ≤ 1.
pub fn c5(n: f64) -> f64 {
    (1.0 - c4(n).powi(2)).sqrt()
}

/// A3 with `k` sigmas: k / (c4 √n) (A3 proper is k = 3).
pub fn a3(n: f64, k: f64) -> f64 {
    k / (c4(n) * n.sqrt())
}

/// B3 with `k` sigmas, floored at 0: max(0, 1 − k c5 / c4).
pub fn b3(n: f64, k: f64) -> f64 {
    let b = 1.0 - k * c5(n) / c4(n);
    if b.is_nan() { b } else { b.max(0.0) }
}

/// B4 with `k` sigmas: 1 + k c5 / c4.
pub fn b4(n: f64, k: f64) -> f64 {
    1.0 + k * c5(n) / c4(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undefined_below_two() {
        assert!(c4(1.0).is_nan() && a3(0.0, 3.0).is_nan() && b3(1.0, 3.0).is_nan());
    }
}
