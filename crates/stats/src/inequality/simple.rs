//! Simple measures: the difference (D) and ratio (R) of two subgroups.

use super::dimension::{Dimension, Settings};
use super::{Measure, MeasureResult, Outcome};

/// The two subgroups D and R compare, as indices `(y1, y2)` with `D = y1 − y2`, `R = y1/y2`.
///
/// Follows healthequal's `d()`/`r()` selection, so that a positive D means the disadvantaged
/// group is worse off:
/// * ordered: favourable `y1` = most advantaged (highest order), `y2` = most disadvantaged;
///   adverse the other way round;
/// * non-ordered with a reference: favourable `y1` = reference, `y2` = lowest estimate;
///   adverse `y1` = highest estimate, `y2` = reference;
/// * non-ordered without a reference: `y1` = highest, `y2` = lowest estimate (HEAT's
///   definition; healthequal's code leaves `y2` empty for favourable indicators here).
///
/// Ties go to the first subgroup in input order.
pub fn comparison_pair(dim: &Dimension, s: &Settings) -> Option<(usize, usize)> {
    if dim.len() < 2 {
        return None;
    }
    let y = dim.estimates();
    let argmax = first_by(&y, |a, b| a > b);
    let argmin = first_by(&y, |a, b| a < b);
    if dim.ordered() {
        let order = dim.by_order();
        let (low, high) = (order[0], order[order.len() - 1]);
        return Some(if s.favourable {
            (high, low)
        } else {
            (low, high)
        });
    }
    match dim.reference() {
        Some(r) if s.favourable => Some((r, argmin)),
        Some(r) => Some((argmax, r)),
        None => Some((argmax, argmin)),
    }
}

fn first_by(y: &[f64], better: impl Fn(f64, f64) -> bool) -> usize {
    let mut best = 0;
    for (i, &v) in y.iter().enumerate() {
        if better(v, y[best]) {
            best = i;
        }
    }
    best
}

/// D = y1 − y2 with `se = √(se1² + se2²)`.
pub(super) fn difference(dim: &Dimension, s: &Settings, z: f64) -> Outcome {
    let (i1, i2) = comparison_pair(dim, s).ok_or("needs at least two subgroups")?;
    let g = dim.subgroups();
    let d = g[i1].estimate - g[i2].estimate;
    let se = match (g[i1].se, g[i2].se) {
        (Some(a), Some(b)) => Some((a * a + b * b).sqrt()),
        _ => None,
    };
    Ok(MeasureResult::symmetric(Measure::D, d, se, z))
}

/// R = y1/y2 with the log-scale standard error `√((se1² + R²se2²)/y2²)/R` (Ahn et al. 2018).
pub(super) fn ratio(dim: &Dimension, s: &Settings, z: f64) -> Outcome {
    let (i1, i2) = comparison_pair(dim, s).ok_or("needs at least two subgroups")?;
    let g = dim.subgroups();
    let (y1, y2) = (g[i1].estimate, g[i2].estimate);
    if y2 == 0.0 {
        return Err(format!(
            "the estimate of '{}' is 0, so the ratio is undefined",
            g[i2].name
        ));
    }
    if y1 == 0.0 {
        return Err(format!(
            "the estimate of '{}' is 0, so the ratio has no log-scale interval",
            g[i1].name
        ));
    }
    let r = y1 / y2;
    let se = match (g[i1].se, g[i2].se) {
        (Some(a), Some(b)) => Some(((a * a + r * r * b * b) / (y2 * y2)).sqrt() / r),
        _ => None,
    };
    Ok(MeasureResult::log_scale(Measure::R, r, se, z))
}
