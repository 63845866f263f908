//! Concentration indices (ACI, RCI) of an ordered dimension, by the convenient-regression
//! method of Kakwani, Wagstaff & van Doorslaer (1997) that healthequal's `aci()`/`rci()` use.

use super::dimension::Dimension;
use super::{Measure, MeasureResult, Outcome};
use crate::regression::least_squares;

/// Fractional (ridit) ranks of the subgroups from most disadvantaged (near 0) to most
/// advantaged (near 1): `rⱼ = Σ_{k<j} pₖ + pⱼ/2`, returned with the shares, both in the
/// dimension's order.
pub(crate) fn ridit_ranks(dim: &Dimension) -> (Vec<usize>, Vec<f64>, Vec<f64>) {
    ridit_ranks_of(dim, |n| n)
}

/// The same from each subgroup's population as `population` makes it: healthequal ranks the
/// groups of its logistic SII and RII by the rounded-up populations it fits them with, and
/// those of ACI and RCI by the populations as given.
pub(crate) fn ridit_ranks_of(
    dim: &Dimension,
    population: impl Fn(f64) -> f64,
) -> (Vec<usize>, Vec<f64>, Vec<f64>) {
    let order = dim.by_order();
    let g = dim.subgroups();
    let total: f64 = g.iter().map(|s| population(s.population)).sum();
    let mut cum = 0.0;
    let mut ranks = Vec::with_capacity(order.len());
    let mut p = Vec::with_capacity(order.len());
    for &i in &order {
        let share = population(g[i].population) / total;
        ranks.push(cum + share / 2.0);
        cum += share;
        p.push(share);
    }
    (order, p, ranks)
}

/// Regresses `2σ²ᵣ·(yⱼ/k)·√nⱼ` on `[rⱼ√nⱼ, √nⱼ]` without a constant; the first coefficient is
/// the index and its OLS standard error (df = J − 2) the index's standard error.
fn concentration(dim: &Dimension, k: f64) -> std::result::Result<(f64, f64), String> {
    let (order, p, rank) = ridit_ranks(dim);
    let g = dim.subgroups();
    let sigma2: f64 = p
        .iter()
        .zip(&rank)
        .map(|(pj, r)| pj * (r - 0.5).powi(2))
        .sum();
    let root_n: Vec<f64> = order.iter().map(|&i| g[i].population.sqrt()).collect();
    let lhs: Vec<f64> = order
        .iter()
        .zip(&root_n)
        .map(|(&i, rn)| 2.0 * sigma2 * (g[i].estimate / k) * rn)
        .collect();
    let rhs: Vec<f64> = rank.iter().zip(&root_n).map(|(r, rn)| r * rn).collect();
    let ones = vec![1.0; lhs.len()];
    let fit = least_squares(&rhs, &root_n, &lhs, &ones).map_err(|e| e.to_string())?;
    Ok((fit.beta[0], fit.cov[0][0].max(0.0).sqrt()))
}

/// Absolute concentration index, in the indicator's unit.
pub(super) fn aci(dim: &Dimension, z: f64) -> Outcome {
    let (est, se) = concentration(dim, 1.0)?;
    Ok(MeasureResult::symmetric(Measure::ACI, est, Some(se), z))
}

/// Relative concentration index `ACI/μ`, reported as a fraction (−1 to 1), as healthequal.
pub(super) fn rci(dim: &Dimension, z: f64) -> Outcome {
    let mean = dim.weighted_mean();
    if mean == 0.0 {
        return Err("the population-weighted mean is 0".into());
    }
    let (est, se) = concentration(dim, mean)?;
    Ok(MeasureResult::symmetric(Measure::RCI, est, Some(se), z))
}
