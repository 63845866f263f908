//! One group against another: the difference and the ratio of two proportions, each with its
//! interval. What a table of rates beside a comparison group needs, and what tells a gap worth
//! a headline from one chance could explain.

use crate::dist::z_value;
use crate::error::{Result, invalid};
use crate::interval::Estimate;
use crate::proportion::wilson_interval;

fn check(x: f64, n: f64) -> Result<()> {
    if !(n.is_finite() && n > 0.0) {
        return Err(invalid(format!("denominators must be positive, got {n}")));
    }
    if !(x.is_finite() && (0.0..=n).contains(&x)) {
        return Err(invalid(format!(
            "{x} events out of {n} is not a proportion"
        )));
    }
    Ok(())
}

/// `x1/n1 − x2/n2` with Newcombe's hybrid score interval (Newcombe 1998, method 10), built from
/// the two Wilson intervals. It keeps its coverage near the nominal level with small counts and
/// rates near 0 or 1, where the Wald interval does not, and never leaves [−1, 1]
/// (statsmodels' `confint_proportions_2indep(method="newcomb")`).
pub fn difference(x1: f64, n1: f64, x2: f64, n2: f64, confidence: f64) -> Result<Estimate> {
    check(x1, n1)?;
    check(x2, n2)?;
    let (p1, p2) = (x1 / n1, x2 / n2);
    let (l1, u1) = wilson_interval(x1, n1, confidence)?;
    let (l2, u2) = wilson_interval(x2, n2, confidence)?;
    let d = p1 - p2;
    let lower = d - ((p1 - l1).powi(2) + (u2 - p2).powi(2)).sqrt();
    let upper = d + ((u1 - p1).powi(2) + (p2 - l2).powi(2)).sqrt();
    Ok(Estimate::new(d, lower, upper))
}

/// The change between two independent estimates, `later − earlier`, with the MOVER interval
/// (Zou & Donner 2008, "Construction of confidence limits about effect measures: a general
/// approach"): each side's distance to its own limits is combined in quadrature, the same
/// construction Newcombe's difference uses for two proportions. Applied to two Newcombe gaps
/// it gives the change in a gap (a difference of differences) without assuming symmetry, so
/// it stays honest when a rate is near 0 or 1. `None` when either estimate lacks a limit.
pub fn change(later: Estimate, earlier: Estimate) -> Option<Estimate> {
    let (l1, u1) = (later.lower?, later.upper?);
    let (l0, u0) = (earlier.lower?, earlier.upper?);
    let d = later.value - earlier.value;
    let lower = d - ((later.value - l1).powi(2) + (u0 - earlier.value).powi(2)).sqrt();
    let upper = d + ((u1 - later.value).powi(2) + (earlier.value - l0).powi(2)).sqrt();
    Some(Estimate::new(d, lower, upper))
}

/// `(x1/n1) / (x2/n2)` with the log (Katz) interval, `exp(ln R ± z·√(1/x1 − 1/n1 + 1/x2 −
/// 1/n2))` (Katz et al. 1978; statsmodels' `method="log"`). Without events in a group the
/// log interval does not exist: `None` then.
pub fn ratio(x1: f64, n1: f64, x2: f64, n2: f64, confidence: f64) -> Result<Option<Estimate>> {
    check(x1, n1)?;
    check(x2, n2)?;
    if x1 == 0.0 || x2 == 0.0 {
        return Ok(None);
    }
    let z = z_value(confidence)?;
    let r = (x1 / n1) / (x2 / n2);
    let se = (1.0 / x1 - 1.0 / n1 + 1.0 / x2 - 1.0 / n2).max(0.0).sqrt();
    Ok(Some(Estimate::new(
        r,
        (r.ln() - z * se).exp(),
        (r.ln() + z * se).exp(),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With large groups every interval is close to Wald's, so the MOVER change in a gap must
    /// match the Wald interval of a difference of differences, √(Σ p(1−p)/n), computed here
    /// independently.
    #[test]
    fn change_in_a_gap_matches_wald_for_large_groups() {
        let (n, z) = (2.0e6, 1.959963984540054);
        let rates = [(0.30, 0.20), (0.26, 0.21)];
        let gap = |(a, b): (f64, f64)| difference(a * n, n, b * n, n, 0.95).unwrap();
        let c = change(gap(rates[1]), gap(rates[0])).unwrap();
        let var: f64 = [0.30, 0.20, 0.26, 0.21]
            .iter()
            .map(|p| p * (1.0 - p) / n)
            .sum();
        let want = (0.05 - 0.10, z * var.sqrt());
        assert!((c.value - want.0).abs() < 1e-12);
        assert!((c.lower.unwrap() - (want.0 - want.1)).abs() < 2e-6, "{c:?}");
        assert!((c.upper.unwrap() - (want.0 + want.1)).abs() < 2e-6, "{c:?}");
    }

    /// A baseline measured without error (a zero-width interval) leaves the later interval
    /// shifted, unchanged in width.
    #[test]
    fn change_from_an_exact_baseline_is_the_later_interval_shifted() {
        let later = difference(30.0, 100.0, 20.0, 100.0, 0.95).unwrap();
        let c = change(later, Estimate::new(0.02, 0.02, 0.02)).unwrap();
        assert!((c.lower.unwrap() - (later.lower.unwrap() - 0.02)).abs() < 1e-12);
        assert!((c.upper.unwrap() - (later.upper.unwrap() - 0.02)).abs() < 1e-12);
        assert!(
            change(
                later,
                Estimate {
                    lower: None,
                    ..later
                }
            )
            .is_none()
        );
    }

    #[test]
    fn newcombes_first_example() {
        // Newcombe (1998), Table II, example (a): 56/70 − 48/80, method 10: 0.0524 to 0.3339.
        let d = difference(56.0, 70.0, 48.0, 80.0, 0.95).unwrap();
        assert!((d.value - 0.2).abs() < 1e-12);
        assert!((d.lower.unwrap() - 0.0524).abs() < 5e-5, "{d:?}");
        assert!((d.upper.unwrap() - 0.3339).abs() < 5e-5, "{d:?}");
    }

    #[test]
    fn zero_events_give_no_ratio_interval_and_bad_counts_are_refused() {
        assert!(ratio(0.0, 10.0, 3.0, 10.0, 0.95).unwrap().is_none());
        assert!(difference(11.0, 10.0, 3.0, 10.0, 0.95).is_err());
        assert!(ratio(1.0, 0.0, 3.0, 10.0, 0.95).is_err());
    }
}
