//! Population attributable fraction (PAF) and risk (PAR): how much the setting average would
//! improve if every subgroup did as well as the reference subgroup.

use super::dimension::{Dimension, Settings};
use super::{Measure, MeasureResult, Outcome};

struct Attributable {
    /// `y_ref − μ`, truncated to 0 when the reference is not better than the mean.
    par: f64,
    mean: f64,
    /// Walter's (1978) standard error of the attributable fraction, on the 0–1 scale.
    se_fraction: Option<f64>,
}

/// The reference of PAF/PAR: the most advantaged subgroup (highest order) of an ordered
/// dimension, else the best estimate (highest if favourable, lowest if adverse); among tied
/// best subgroups the one with the largest population, as healthequal does.
fn reference(dim: &Dimension, s: &Settings) -> usize {
    if dim.ordered() {
        let order = dim.by_order();
        return order[order.len() - 1];
    }
    let g = dim.subgroups();
    let mut best = 0;
    for (i, sg) in g.iter().enumerate() {
        let better = if s.favourable {
            sg.estimate > g[best].estimate
        } else {
            sg.estimate < g[best].estimate
        };
        let tie_bigger = sg.estimate == g[best].estimate && sg.population > g[best].population;
        if better || tie_bigger {
            best = i;
        }
    }
    best
}

fn attributable(dim: &Dimension, s: &Settings) -> std::result::Result<Attributable, String> {
    let mean = dim.weighted_mean();
    if mean == 0.0 {
        return Err("the population-weighted mean is 0".into());
    }
    let r = reference(dim, s);
    let g = &dim.subgroups()[r];
    let diff = g.estimate - mean;
    let worse = if s.favourable { diff < 0.0 } else { diff > 0.0 };
    let par = if worse { 0.0 } else { diff };
    // Walter (1978), with the cells of the 2×2 table built from the reference subgroup and the
    // whole population, as healthequal's paf()/parisk().
    let total: f64 = dim.subgroups().iter().map(|x| x.population).sum();
    let c = g.estimate / s.scale * g.population;
    let d = g.population - c;
    let a = mean / s.scale * total - c;
    let b = total - a - g.population;
    let n = a + b + c + d;
    let var = c * n * (a * d * (n - c) + b * c * c) / ((a + c).powi(3) * (c + d).powi(3));
    let se_fraction = (var.is_finite() && var >= 0.0).then(|| var.sqrt());
    Ok(Attributable {
        par,
        mean,
        se_fraction,
    })
}

/// PAF = 100·PAR/μ (%). The standard error is Walter's, ×100 so that it is on the same
/// percent scale as the estimate (healthequal prints it on the 0–1 scale).
pub(super) fn paf(dim: &Dimension, s: &Settings, z: f64) -> Outcome {
    let a = attributable(dim, s)?;
    let paf = 100.0 * a.par / a.mean;
    Ok(MeasureResult::symmetric(
        Measure::PAF,
        paf,
        a.se_fraction.map(|f| 100.0 * f),
        z,
    ))
}

/// PAR = y_ref − μ, with `se = μ · se(PAF as a fraction)`.
pub(super) fn par(dim: &Dimension, s: &Settings, z: f64) -> Outcome {
    let a = attributable(dim, s)?;
    Ok(MeasureResult::symmetric(
        Measure::PAR,
        a.par,
        a.se_fraction.map(|f| (a.mean * f).abs()),
        z,
    ))
}
