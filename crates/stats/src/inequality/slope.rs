//! Slope and relative indices of inequality (SII, RII) of an ordered dimension.

use super::concentration::{ridit_ranks, ridit_ranks_of};
use super::dimension::{Dimension, Settings, SiiModel};
use super::montecarlo::percentile_interval;
use super::{CiMethod, Measure, MeasureResult, Outcome};
use crate::interval::finite;
use crate::regression::{expit, least_squares, logistic, quad_form};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// SII or RII with the model chosen in the settings.
pub(super) fn slope_measure(m: Measure, dim: &Dimension, s: &Settings, z: f64) -> Outcome {
    match s.sii_model {
        SiiModel::Logistic => logistic_slope(m, dim, s, z),
        SiiModel::Linear => linear_slope(m, dim, s),
    }
}

/// HEAT's model (healthequal `sii()`/`rii()`): `glm(cbind(y, ⌈n⌉ − y) ~ rank, weights = ⌈n⌉,
/// quasibinomial)` with `y = round(est/scale · ⌈n⌉)` and the ranks, too, from the rounded-up
/// populations `⌈n⌉` (with fractional populations, ranks from `n` move SII in its fifth
/// significant digit); SII = scale·(π(1) − π(0)),
/// RII = π(1)/π(0); standard errors by the delta method on the HC1 sandwich covariance
/// (as `marginaleffects::avg_comparisons(vcov = "HC1")`). RII's standard error is on the log
/// scale.
fn logistic_slope(m: Measure, dim: &Dimension, s: &Settings, z: f64) -> Outcome {
    let (order, _p, rank) = ridit_ranks_of(dim, f64::ceil);
    let g = dim.subgroups();
    let mut succ = Vec::with_capacity(order.len());
    let mut trials = Vec::with_capacity(order.len());
    for &i in &order {
        let n = g[i].population.ceil();
        let y = (g[i].estimate / s.scale * n).round_ties_even();
        if n <= 0.0 {
            return Err(format!("subgroup '{}' has a population of 0", g[i].name));
        }
        if y > n {
            return Err(format!(
                "the estimate of '{}' is above the indicator scale, so the logistic model does not apply (try --sii-model linear)",
                g[i].name
            ));
        }
        succ.push(y);
        trials.push(n);
    }
    if succ.iter().all(|&y| y == 0.0) {
        return Err("every subgroup has an estimate of 0".into());
    }
    let fit = logistic(&rank, &succ, &trials, &trials).map_err(|e| e.to_string())?;
    let p0 = expit(fit.beta[0]);
    let p1 = expit(fit.beta[0] + fit.beta[1]);
    let v = fit.hc1;
    match m {
        Measure::SII => {
            let grad = [p1 * (1.0 - p1) - p0 * (1.0 - p0), p1 * (1.0 - p1)];
            let se = quad_form(grad, v).max(0.0).sqrt() * s.scale;
            Ok(MeasureResult::symmetric(
                m,
                s.scale * (p1 - p0),
                Some(se),
                z,
            ))
        }
        _ => {
            if p0 <= 0.0 {
                return Err("the fitted value at rank 0 is 0, so the ratio is undefined".into());
            }
            let grad = [p0 - p1, 1.0 - p1];
            let se = quad_form(grad, v).max(0.0).sqrt();
            Ok(MeasureResult::log_scale(m, p1 / p0, Some(se), z))
        }
    }
}

/// PHEindicatormethods' model (`phe_sii`, value type 0): weighted least squares of the
/// estimate on the ridit rank with the population shares as weights; SII = fit(1) − fit(0),
/// RII = fit(1)/fit(0); Monte-Carlo intervals from `estimate ~ Normal(estimate, se)`.
fn linear_slope(m: Measure, dim: &Dimension, s: &Settings) -> Outcome {
    let (order, p, rank) = ridit_ranks(dim);
    let g = dim.subgroups();
    let y: Vec<f64> = order.iter().map(|&i| g[i].estimate).collect();
    let point = wls_measure(m, &rank, &y, &p)?;
    let se: Option<Vec<f64>> = order.iter().map(|&i| g[i].se).collect();
    let Some(se) = se else {
        return Ok(MeasureResult {
            measure: m,
            estimate: point,
            se: None,
            lower: None,
            upper: None,
            ci_method: CiMethod::None,
        });
    };
    let mut rng = ChaCha8Rng::seed_from_u64(s.seed);
    let mut values = Vec::with_capacity(s.draws);
    let mut ys = vec![0.0; y.len()];
    for _ in 0..s.draws {
        for j in 0..y.len() {
            let e: f64 = StandardNormal.sample(&mut rng);
            ys[j] = y[j] + se[j] * e;
        }
        if let Ok(v) = wls_measure(m, &rank, &ys, &p) {
            values.push(v);
        }
    }
    let (lower, upper, sd) = percentile_interval(&mut values, s.confidence);
    Ok(MeasureResult {
        measure: m,
        estimate: point,
        se: sd,
        lower,
        upper,
        ci_method: CiMethod::MonteCarlo,
    })
}

fn wls_measure(m: Measure, rank: &[f64], y: &[f64], w: &[f64]) -> std::result::Result<f64, String> {
    let ones = vec![1.0; y.len()];
    let fit = least_squares(&ones, rank, y, w).map_err(|e| e.to_string())?;
    let (b0, b1) = (fit.beta[0], fit.beta[1]);
    match m {
        Measure::SII => Ok(b1),
        _ => finite((b0 + b1) / b0)
            .ok_or_else(|| "the fitted value at rank 0 is 0, so the ratio is undefined".into()),
    }
}
