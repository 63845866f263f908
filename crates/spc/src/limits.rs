//! Centre lines and limits, one function per chart family, for one phase of one chart.
//!
//! Each follows qicharts2 0.8.1 (`R/helper.functions.R`, functions `qic.run` … `qic.g`), whose
//! formulas come from the sources cited on each function; `docs/statistics.md` and
//! `tests/data/METHODS.md` give them in full. Missing values are NaN and are skipped in sums and
//! means, as R's `na.rm = TRUE`; a limit that cannot be computed (n = 0, a subgroup of one) is
//! NaN, which [`crate::analyse`] reports as no limit.

use crate::constants::{D2, D4, a3, b3, b4};
use crate::error::{Result, SpcError};
use crate::subgroup::Subgroup;

/// One phase of one chart: its subgroups, which of them estimate the centre line and sigma
/// (`base`: in the frozen baseline and not excluded), and the options that change the maths.
#[derive(Debug, Clone, Copy)]
pub struct Phase<'a> {
    pub groups: &'a [Subgroup],
    pub base: &'a [bool],
    /// A centre line fixed by the user instead of estimated.
    pub cl: Option<f64>,
    /// Drop moving ranges ≥ 3.267 × their average before estimating sigma (qicharts2's
    /// `qic.screenedmr`, on when the package is attached).
    pub screened: bool,
    /// The x axis is categorical (a funnel plot): Laney's σ_z is the SD of the z-scores.
    pub categorical: bool,
}

/// The lines of one phase: the plotted values, the centre line, and the 3-sigma and 2-sigma
/// limits per point.
#[derive(Debug, Clone, PartialEq)]
pub struct Lines {
    pub y: Vec<f64>,
    pub cl: f64,
    pub lcl: Vec<f64>,
    pub ucl: Vec<f64>,
    pub lcl_95: Vec<f64>,
    pub ucl_95: Vec<f64>,
}

impl Phase<'_> {
    fn base_values(&self, f: impl Fn(&Subgroup) -> f64) -> Vec<f64> {
        self.groups
            .iter()
            .zip(self.base)
            .filter(|(_, b)| **b)
            .map(|(g, _)| f(g))
            .collect()
    }

    fn ys(&self) -> Vec<f64> {
        self.groups.iter().map(|g| g.y).collect()
    }

    /// Limits cl ± k·σ_i for k = 3 and 2, through `clamp`.
    fn band(
        &self,
        y: Vec<f64>,
        cl: f64,
        sigma: impl Fn(usize) -> f64,
        clamp: impl Fn(f64) -> f64,
    ) -> Lines {
        let len = self.groups.len();
        let at = |k: f64, sign: f64| -> Vec<f64> {
            (0..len).map(|i| clamp(cl + sign * k * sigma(i))).collect()
        };
        Lines {
            y,
            cl,
            lcl: at(3.0, -1.0),
            ucl: at(3.0, 1.0),
            lcl_95: at(2.0, -1.0),
            ucl_95: at(2.0, 1.0),
        }
    }
}

/// Mean of the finite values; NaN if there are none (R's `mean(x, na.rm = TRUE)`).
pub(crate) fn mean(values: &[f64]) -> f64 {
    let (sum, count) = values
        .iter()
        .filter(|v| !v.is_nan())
        .fold((0.0, 0usize), |(s, c), v| (s + v, c + 1));
    if count == 0 {
        f64::NAN
    } else {
        sum / count as f64
    }
}

/// Median of the non-missing values, the middle two averaged (R's `median(x, na.rm = TRUE)`).
pub(crate) fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}

/// The average moving range of consecutive values, optionally screened: moving ranges at or
/// above D4 × the average are dropped and the average taken once more (Nelson 1982, as
/// qicharts2 and PowerBI-SPC do). A missing value leaves the two ranges beside it missing.
pub fn average_moving_range(values: &[f64], screened: bool) -> f64 {
    let mr: Vec<f64> = values.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
    let amr = mean(&mr);
    if !screened {
        return amr;
    }
    let kept: Vec<f64> = mr.into_iter().filter(|m| *m < D4 * amr).collect();
    mean(&kept)
}

fn floor0(v: f64) -> f64 {
    if v.is_finite() && v < 0.0 { 0.0 } else { v }
}

fn within01(v: f64) -> f64 {
    if !v.is_finite() { v } else { v.clamp(0.0, 1.0) }
}

/// Run chart: the centre line is the median of the base points; no limits (Anhøj 2015; Provost
/// & Murray, *The Health Care Data Guide*, ch. 3).
pub fn run(phase: &Phase) -> Lines {
    let cl = phase
        .cl
        .unwrap_or_else(|| median(&phase.base_values(|g| g.y)));
    let nan = vec![f64::NAN; phase.groups.len()];
    Lines {
        y: phase.ys(),
        cl,
        lcl: nan.clone(),
        ucl: nan.clone(),
        lcl_95: nan.clone(),
        ucl_95: nan,
    }
}

/// I chart: CL = mean of the base points; σ = AMR / 1.128 with the average moving range taken
/// over consecutive base points (so an excluded point is bridged), screened (Montgomery,
/// *Introduction to Statistical Quality Control*, eq. 6.33; Nelson 1982). No floor.
pub fn individuals(phase: &Phase) -> Lines {
    let base = phase.base_values(|g| g.y);
    let cl = phase.cl.unwrap_or_else(|| mean(&base));
    let centred: Vec<f64> = base.iter().map(|y| y - cl).collect();
    let sigma = average_moving_range(&centred, phase.screened) / D2;
    phase.band(phase.ys(), cl, |_| sigma, |v| v)
}

/// MR chart: the plotted values are |y_i − y_(i−1)| over every point of the phase (the first is
/// missing); CL = their mean over base points; UCL = 3.267 × CL, LCL = 0 (Montgomery, §6.4).
/// Never screened.
pub fn moving_range(phase: &Phase) -> Lines {
    let ys = phase.ys();
    let mut mr = Vec::with_capacity(ys.len());
    mr.push(f64::NAN);
    mr.extend(ys.windows(2).map(|w| (w[1] - w[0]).abs()));
    let base: Vec<f64> = mr
        .iter()
        .zip(phase.base)
        .filter(|(_, b)| **b)
        .map(|(m, _)| *m)
        .collect();
    let cl = phase.cl.unwrap_or_else(|| mean(&base));
    let len = ys.len();
    Lines {
        y: mr,
        cl,
        lcl: vec![0.0; len],
        ucl: vec![D4 * cl; len],
        lcl_95: vec![0.0; len],
        ucl_95: vec![D4 / 3.0 * 2.0 * cl; len],
    }
}

/// Whether the subgroup sizes differ anywhere in the phase (qicharts2 checks every subgroup,
/// base or not).
fn sizes_vary(phase: &Phase) -> bool {
    phase
        .groups
        .windows(2)
        .any(|w| w[0].y_length != w[1].y_length)
}

/// s̄: with varying sizes the pooled SD √(Σ(n_i−1)s_i² / Σ(n_i−1)) over base subgroups, else the
/// mean SD (Montgomery eqs. 6.29 and 6.31). Quirk kept from qicharts2: the denominator sums
/// n_i − 1 over every base subgroup, so an all-missing subgroup (n_i = 0) subtracts one.
fn s_bar(phase: &Phase) -> f64 {
    if sizes_vary(phase) {
        let (mut num, mut den) = (0.0, 0.0);
        for (g, b) in phase.groups.iter().zip(phase.base) {
            if !*b {
                continue;
            }
            let term = (g.y_length as f64 - 1.0) * g.y_sd.powi(2);
            if !term.is_nan() {
                num += term;
            }
            den += g.y_length as f64 - 1.0;
        }
        (num / den).sqrt()
    } else {
        mean(&phase.base_values(|g| g.y_sd))
    }
}

/// x̄ chart: CL = Σn_i x̄_i / Σn_i over base subgroups; limits CL ± A3(n_i)·s̄, no floor;
/// a subgroup of one has none (Montgomery eqs. 6.30–6.31).
pub fn xbar(phase: &Phase) -> Lines {
    let cl = phase.cl.unwrap_or_else(|| {
        let (mut num, mut den) = (0.0, 0.0);
        for (g, b) in phase.groups.iter().zip(phase.base) {
            let term = g.y_length as f64 * g.y_mean;
            if *b && !term.is_nan() {
                num += term;
            }
            if *b {
                den += g.y_length as f64;
            }
        }
        num / den
    });
    let s = s_bar(phase);
    let y = phase.groups.iter().map(|g| g.y_mean).collect();
    let mut lines = phase.band(y, cl, |_| 0.0, |v| v);
    for (i, g) in phase.groups.iter().enumerate() {
        let n = g.y_length as f64;
        lines.lcl[i] = cl - a3(n, 3.0) * s;
        lines.ucl[i] = cl + a3(n, 3.0) * s;
        lines.lcl_95[i] = cl - a3(n, 2.0) * s;
        lines.ucl_95[i] = cl + a3(n, 2.0) * s;
    }
    lines
}

/// S chart: CL = s̄; UCL = B4(n_i)·CL, LCL = B3(n_i)·CL with B3 floored at 0 (Montgomery
/// §6.3; c4 computed exactly).
pub fn s(phase: &Phase) -> Lines {
    let cl = phase.cl.unwrap_or_else(|| s_bar(phase));
    let y: Vec<f64> = phase.groups.iter().map(|g| g.y_sd).collect();
    let size = |g: &Subgroup| g.y_length as f64;
    Lines {
        cl,
        lcl: phase.groups.iter().map(|g| b3(size(g), 3.0) * cl).collect(),
        ucl: phase.groups.iter().map(|g| b4(size(g), 3.0) * cl).collect(),
        lcl_95: phase.groups.iter().map(|g| b3(size(g), 2.0) * cl).collect(),
        ucl_95: phase.groups.iter().map(|g| b4(size(g), 2.0) * cl).collect(),
        y,
    }
}

/// T chart of the time between rare events: an I chart of y^(1/3.6), transformed back; a
/// lower limit below zero on the transformed scale becomes 0 (Nelson 1994, *J. Quality
/// Technology* 26:239). Every time must be > 0.
pub fn t(phase: &Phase) -> Result<Lines> {
    if let Some(i) = phase.groups.iter().position(|g| g.y <= 0.0) {
        return Err(SpcError::BadValue {
            position: i + 1,
            reason: "a time between events must be greater than zero".into(),
        });
    }
    let transformed: Vec<Subgroup> = phase
        .groups
        .iter()
        .map(|g| Subgroup {
            y: g.y.powf(1.0 / 3.6),
            ..*g
        })
        .collect();
    let lines = individuals(&Phase {
        groups: &transformed,
        ..*phase
    });
    let back = |v: f64| if v < 0.0 { 0.0 } else { v.powf(3.6) };
    Ok(Lines {
        y: phase.ys(),
        cl: lines.cl.powf(3.6),
        lcl: lines.lcl.into_iter().map(back).collect(),
        ucl: lines.ucl.into_iter().map(back).collect(),
        lcl_95: lines.lcl_95.into_iter().map(back).collect(),
        ucl_95: lines.ucl_95.into_iter().map(back).collect(),
    })
}

/// Σy / Σn over the base subgroups: the centre line of p, p′, u and u′ charts.
fn pooled_ratio(phase: &Phase) -> f64 {
    let sum = |f: fn(&Subgroup) -> f64| -> f64 {
        phase
            .base_values(f)
            .into_iter()
            .filter(|v| !v.is_nan())
            .sum()
    };
    sum(|g| g.y_sum) / sum(|g| g.n)
}

/// Laney's σ_z: the spread of the base points' z-scores, as the screened average moving range /
/// 1.128, or their SD on a categorical axis (Laney 2002, *Quality Engineering* 14:531).
fn sigma_z(phase: &Phase, cl: f64, sigma: &[f64]) -> f64 {
    let z: Vec<f64> = phase
        .groups
        .iter()
        .zip(sigma)
        .zip(phase.base)
        .filter(|(_, b)| **b)
        .map(|((g, s), _)| (g.y - cl) / s)
        .collect();
    if phase.categorical {
        // R's sd() without na.rm: any missing z leaves it missing.
        if z.len() < 2 || z.iter().any(|v| v.is_nan()) {
            return f64::NAN;
        }
        let m = z.iter().sum::<f64>() / z.len() as f64;
        (z.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (z.len() - 1) as f64).sqrt()
    } else {
        average_moving_range(&z, phase.screened) / D2
    }
}

fn binomial_sigma(phase: &Phase, cl: f64) -> Vec<f64> {
    phase
        .groups
        .iter()
        .map(|g| (cl * (1.0 - cl) / g.n).sqrt())
        .collect()
}

fn poisson_sigma(phase: &Phase, cl: f64) -> Vec<f64> {
    phase.groups.iter().map(|g| (cl / g.n).sqrt()).collect()
}

/// P chart: CL = Σy/Σn over base subgroups; σ_i = √(CL(1−CL)/n_i); limits capped to [0, 1]
/// (Montgomery §7.2).
pub fn p(phase: &Phase) -> Lines {
    let cl = phase.cl.unwrap_or_else(|| pooled_ratio(phase));
    let sigma = binomial_sigma(phase, cl);
    phase.band(phase.ys(), cl, |i| sigma[i], within01)
}

/// Laney P′ chart: the P chart's σ_i times σ_z (Laney 2002); limits capped to [0, 1].
pub fn laney_p(phase: &Phase) -> Lines {
    let cl = phase.cl.unwrap_or_else(|| pooled_ratio(phase));
    let sigma = binomial_sigma(phase, cl);
    let z = sigma_z(phase, cl, &sigma);
    phase.band(phase.ys(), cl, |i| sigma[i] * z, within01)
}

/// C chart: the plotted value is the subgroup's count Σy; CL = mean count over base
/// subgroups; σ = √CL; LCL floored at 0 (Montgomery §7.3, eq. 7.17). A subgroup with no count
/// at all is left missing (qicharts2 would plot its empty sum as 0; Rise shows a gap).
pub fn c(phase: &Phase) -> Lines {
    let count = |g: &Subgroup| {
        if g.y_length == 0 { f64::NAN } else { g.y_sum }
    };
    let cl = phase.cl.unwrap_or_else(|| mean(&phase.base_values(count)));
    let y = phase.groups.iter().map(count).collect();
    phase.band(y, cl, |_| cl.sqrt(), floor0)
}

/// U chart: CL = Σy/Σn over base subgroups; σ_i = √(CL/n_i); LCL floored at 0 (Montgomery
/// §7.3, eq. 7.19).
pub fn u(phase: &Phase) -> Lines {
    let cl = phase.cl.unwrap_or_else(|| pooled_ratio(phase));
    let sigma = poisson_sigma(phase, cl);
    phase.band(phase.ys(), cl, |i| sigma[i], floor0)
}

/// Laney U′ chart: the U chart's σ_i times σ_z (Laney 2002); LCL floored at 0.
pub fn laney_u(phase: &Phase) -> Lines {
    let cl = phase.cl.unwrap_or_else(|| pooled_ratio(phase));
    let sigma = poisson_sigma(phase, cl);
    let z = sigma_z(phase, cl, &sigma);
    phase.band(phase.ys(), cl, |i| sigma[i] * z, floor0)
}

/// G chart of opportunities between rare events: the limits come from the mean m of the base
/// points, UCL = m + 3√(m(m+1)), LCL = max(0, …) (Benneyan 2001; Montgomery p. 319); the centre
/// line shown, and used by the runs analysis, is their median — or 0.693 × a user-fixed mean,
/// the geometric median (Provost & Murray 2011, p. 228).
pub fn g(phase: &Phase) -> Lines {
    let m = phase
        .cl
        .unwrap_or_else(|| mean(&phase.base_values(|g| g.y)));
    let sigma = (m * (m + 1.0)).sqrt();
    let mut lines = phase.band(phase.ys(), m, |_| sigma, |v| v);
    for v in lines.lcl.iter_mut().chain(lines.lcl_95.iter_mut()) {
        if *v < 0.0 {
            *v = 0.0;
        }
    }
    lines.cl = match phase.cl {
        Some(cl) => 0.693 * cl,
        None => median(&phase.base_values(|g| g.y)),
    };
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_style_mean_and_median() {
        assert_eq!(mean(&[1.0, f64::NAN, 3.0]), 2.0);
        assert!(mean(&[f64::NAN]).is_nan());
        assert_eq!(median(&[3.0, 1.0, f64::NAN, 2.0, 10.0]), 2.5);
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
    }

    #[test]
    fn screening_drops_large_ranges() {
        // Ranges 1, 1, 1, 1, 20, 20: the average 7.33 puts the bound at 23.96, so nothing is
        // dropped; with ten small ranges the two big ones go.
        let mut v = vec![0.0, 1.0, 0.0, 1.0, 0.0, 20.0, 0.0];
        assert!((average_moving_range(&v, true) - 44.0 / 6.0).abs() < 1e-12);
        v.splice(0..0, [0.0, 1.0, 0.0, 1.0, 0.0, 1.0]);
        let unscreened = average_moving_range(&v, false);
        assert!(unscreened > 3.0);
        assert!((average_moving_range(&v, true) - 1.0).abs() < 1e-12);
    }
}
