//! Measures of spread across the subgroups of a non-ordered dimension: between-group variance
//! and standard deviation, coefficient of variation, mean differences, index of disparity,
//! and the two Theil-family indices.

use super::dimension::{Dimension, Settings, weighted_mean};
use super::montecarlo::{Simulation, percentile_interval};
use super::{CiMethod, Measure, MeasureResult, Outcome};

/// BGV = Σ pⱼ(yⱼ − μ)², with the analytic standard error of healthequal's `bgv()`.
pub(super) fn bgv(dim: &Dimension, z: f64) -> Outcome {
    let p = dim.shares();
    let y = dim.estimates();
    let mu = weighted_mean(&p, &y);
    let est: f64 = p
        .iter()
        .zip(&y)
        .map(|(pj, yj)| pj * (yj - mu).powi(2))
        .sum();
    let se = dim.standard_errors().map(|se| {
        let mut a = 0.0;
        let mut s2 = 0.0;
        let mut s4 = 0.0;
        let mut c = 0.0;
        for j in 0..y.len() {
            let (pj, v) = (p[j], se[j] * se[j]);
            a += pj * pj * v * (y[j] - mu).powi(2);
            s2 += pj * pj * v;
            s4 += pj.powi(4) * v * v;
            c += pj * pj * (1.0 - pj).powi(2) * v * v;
        }
        (4.0 * a + 2.0 * (s2 * s2 - s4 + c)).max(0.0).sqrt()
    });
    Ok(MeasureResult::symmetric(Measure::BGV, est, se, z))
}

fn log_ready(dim: &Dimension) -> std::result::Result<(Vec<f64>, Vec<f64>, f64), String> {
    let p = dim.shares();
    let y = dim.estimates();
    // healthequal replaces 0 by 1e-6, which makes the index explode; we decline instead.
    if let Some(g) = dim.subgroups().iter().find(|g| g.estimate == 0.0) {
        return Err(format!(
            "the estimate of '{}' is 0 and the measure takes its logarithm",
            g.name
        ));
    }
    let mu = weighted_mean(&p, &y);
    Ok((p, y, mu))
}

/// Mean log deviation `1000·Σ pⱼ(−ln(yⱼ/μ))`; standard error ×1000 to match the estimate.
pub(super) fn mld(dim: &Dimension, z: f64) -> Outcome {
    let (p, y, mu) = log_ready(dim)?;
    let est = 1000.0
        * p.iter()
            .zip(&y)
            .map(|(pj, yj)| -pj * (yj / mu).ln())
            .sum::<f64>();
    let se = dim.standard_errors().map(|se| {
        let v: f64 = (0..y.len())
            .map(|j| se[j].powi(2) * p[j].powi(2) / (mu * mu) * (1.0 - mu / y[j]).powi(2))
            .sum();
        1000.0 * v.sqrt()
    });
    Ok(MeasureResult::symmetric(Measure::MLD, est, se, z))
}

/// Theil index `1000·Σ pⱼrⱼ ln rⱼ`, `rⱼ = yⱼ/μ`; standard error ×1000 to match the estimate.
pub(super) fn theil(dim: &Dimension, z: f64) -> Outcome {
    let (p, y, mu) = log_ready(dim)?;
    let r: Vec<f64> = y.iter().map(|v| v / mu).collect();
    let est = 1000.0
        * p.iter()
            .zip(&r)
            .map(|(pj, rj)| pj * rj * rj.ln())
            .sum::<f64>();
    let se = dim.standard_errors().map(|se| {
        let k: f64 = p
            .iter()
            .zip(&r)
            .map(|(pj, rj)| rj * (1.0 + rj.ln()) * pj)
            .sum();
        let v: f64 = (0..y.len())
            .map(|j| (1.0 + r[j].ln() - k).powi(2) * p[j].powi(2) * se[j].powi(2) / (mu * mu))
            .sum();
        1000.0 * v.sqrt()
    });
    Ok(MeasureResult::symmetric(Measure::TI, est, se, z))
}

/// A Monte-Carlo measure: the point estimate from the data and the interval from the
/// percentiles of the measure over the simulated data sets.
pub(super) fn monte_carlo_measure(
    m: Measure,
    dim: &Dimension,
    s: &Settings,
    sim: &Simulation,
) -> Outcome {
    let p = dim.shares();
    let reference = dim.reference();
    let eval = |y: &[f64]| spread(m, y, &p, s.favourable, reference);
    let estimate = eval(&dim.estimates())?;
    let Some(rows) = &sim.rows else {
        return Ok(MeasureResult {
            measure: m,
            estimate,
            se: None,
            lower: None,
            upper: None,
            ci_method: CiMethod::None,
        });
    };
    let mut values: Vec<f64> = rows.iter().filter_map(|y| eval(y).ok()).collect();
    let (lower, upper, sd) = percentile_interval(&mut values, s.confidence);
    Ok(MeasureResult {
        measure: m,
        estimate,
        se: sd,
        lower,
        upper,
        ci_method: CiMethod::MonteCarlo,
    })
}

/// The measures of spread as functions of the subgroup estimates `y` (shares `p` fixed).
fn spread(
    m: Measure,
    y: &[f64],
    p: &[f64],
    favourable: bool,
    reference: Option<usize>,
) -> std::result::Result<f64, String> {
    let j = y.len() as f64;
    let mu = weighted_mean(p, y);
    let need_mean = || {
        if mu > 0.0 {
            Ok(mu)
        } else {
            Err("the population-weighted mean is 0".to_string())
        }
    };
    let abs_from = |c: f64, weighted: bool| -> f64 {
        if weighted {
            p.iter().zip(y).map(|(pj, yj)| pj * (yj - c).abs()).sum()
        } else {
            y.iter().map(|yj| (yj - c).abs()).sum::<f64>() / j
        }
    };
    let best = || {
        let it = y.iter().copied();
        if favourable {
            it.fold(f64::NEG_INFINITY, f64::max)
        } else {
            it.fold(f64::INFINITY, f64::min)
        }
    };
    let reference_value = || {
        reference
            .map(|r| y[r])
            .ok_or_else(|| "needs a reference subgroup".to_string())
    };
    let bgsd = || {
        p.iter()
            .zip(y)
            .map(|(pj, yj)| pj * (yj - mu).powi(2))
            .sum::<f64>()
            .sqrt()
    };
    Ok(match m {
        Measure::BGSD => bgsd(),
        Measure::COV => 100.0 * bgsd() / need_mean()?,
        Measure::IDISU => 100.0 * abs_from(mu, false) / need_mean()?,
        Measure::IDISW => 100.0 * abs_from(mu, true) / need_mean()?,
        Measure::MDBU => abs_from(best(), false),
        Measure::MDBW => abs_from(best(), true),
        Measure::MDMU => abs_from(mu, false),
        Measure::MDMW => abs_from(mu, true),
        Measure::MDRU => abs_from(reference_value()?, false),
        Measure::MDRW => abs_from(reference_value()?, true),
        other => return Err(format!("{other} is not a Monte-Carlo measure")),
    })
}
