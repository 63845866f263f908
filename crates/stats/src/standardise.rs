//! Directly and indirectly standardised rates.

use crate::dist::check_confidence;
use crate::error::{Result, StatsError, invalid};
use crate::interval::Estimate;
use crate::poisson::{byar_interval, count_interval};

/// The 2013 European Standard Population in 19 five-year bands (0–4 … 85–89, 90+), the
/// default standard of PHEindicatormethods' `calculate_dsr` (Eurostat 2013).
pub const ESP2013: [f64; 19] = [
    5000.0, 5500.0, 5500.0, 5500.0, 6000.0, 6000.0, 6500.0, 7000.0, 7000.0, 7000.0, 7000.0, 6500.0,
    6000.0, 5500.0, 5000.0, 4000.0, 2500.0, 1500.0, 1000.0,
];

/// A directly standardised rate: the value is `None` when suppressed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dsr {
    /// Total observed events.
    pub total_count: f64,
    /// Total population.
    pub total_population: f64,
    /// The rate per `multiplier` with its Dobson interval; `None` below 10 events.
    pub rate: Option<Estimate>,
}

/// Directly standardised rate with the Dobson et al. (1991) interval, as PHEindicatormethods'
/// `calculate_dsr`.
///
/// `DSR = Σ xᵢwᵢ/nᵢ / Σwᵢ`, `V = Σ xᵢ(wᵢ/nᵢ)² / (Σwᵢ)²`, limits
/// `DSR + √(V/O)·(Byar(O) − O)` with `O = Σxᵢ`. PHE publishes no DSR from fewer than 10 events,
/// and neither does this function (`rate` is `None`). A missing count (`None`) counts as 0.
/// `standard` is the standard population, e.g. [`ESP2013`].
pub fn dsr(
    counts: &[Option<f64>],
    populations: &[f64],
    standard: &[f64],
    confidence: f64,
    multiplier: f64,
) -> Result<Dsr> {
    check_confidence(confidence)?;
    if counts.len() != populations.len() || counts.len() != standard.len() {
        return Err(invalid(format!(
            "counts ({}), populations ({}) and standard population ({}) must have the same number of bands",
            counts.len(),
            populations.len(),
            standard.len()
        )));
    }
    if counts.is_empty() {
        return Err(StatsError::TooFewGroups("no age bands given".into()));
    }
    let mut o = 0.0;
    let mut num = 0.0;
    let mut var = 0.0;
    let mut wsum = 0.0;
    for ((x, &n), &w) in counts.iter().zip(populations).zip(standard) {
        let x = x.unwrap_or(0.0);
        if !(x.is_finite() && x >= 0.0) {
            return Err(invalid(format!("counts must be zero or more, got {x}")));
        }
        if !(n.is_finite() && n > 0.0) {
            return Err(invalid(format!("populations must be positive, got {n}")));
        }
        if !(w.is_finite() && w >= 0.0) {
            return Err(invalid(format!(
                "standard population weights must be zero or more, got {w}"
            )));
        }
        o += x;
        num += x * w / n;
        var += x * (w / n).powi(2);
        wsum += w;
    }
    let total_population = populations.iter().sum();
    if o < 10.0 {
        return Ok(Dsr {
            total_count: o,
            total_population,
            rate: None,
        });
    }
    let value = num / wsum;
    let v = var / (wsum * wsum);
    let (lo, hi) = byar_interval(o, confidence)?;
    let k = (v / o).sqrt();
    let lower = lo.map(|l| (value + k * (l - o)) * multiplier);
    let upper = (value + k * (hi - o)) * multiplier;
    Ok(Dsr {
        total_count: o,
        total_population,
        rate: Some(Estimate {
            value: value * multiplier,
            lower,
            upper: Some(upper),
        }),
    })
}

/// Indirect standardisation of one area against reference rates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Indirect {
    /// Observed events.
    pub observed: f64,
    /// Expected events `E = Σ nᵢ · refxᵢ/refnᵢ`.
    pub expected: f64,
    /// Crude reference rate `Σrefx / Σrefn`.
    pub reference_rate: f64,
    /// Whether the limits are exact (O < 10) or Byar's.
    pub exact: bool,
}

impl Indirect {
    /// Computes observed and expected events (PHEindicatormethods `calculate_ISRatio`).
    pub fn new(
        observed: f64,
        populations: &[f64],
        reference_counts: &[f64],
        reference_populations: &[f64],
    ) -> Result<Self> {
        if populations.len() != reference_counts.len()
            || populations.len() != reference_populations.len()
        {
            return Err(invalid(
                "populations and reference counts/populations must have the same number of bands",
            ));
        }
        if !(observed.is_finite() && observed >= 0.0) {
            return Err(invalid(format!(
                "observed count must be zero or more, got {observed}"
            )));
        }
        let mut expected = 0.0;
        for ((&n, &rx), &rn) in populations
            .iter()
            .zip(reference_counts)
            .zip(reference_populations)
        {
            if !(rn.is_finite() && rn > 0.0) {
                return Err(invalid(format!(
                    "reference populations must be positive, got {rn}"
                )));
            }
            if !(n.is_finite() && n >= 0.0 && rx.is_finite() && rx >= 0.0) {
                return Err(invalid(
                    "populations and reference counts must be zero or more",
                ));
            }
            expected += n * rx / rn;
        }
        if expected <= 0.0 {
            return Err(invalid(
                "expected count is zero: the reference rates are all zero",
            ));
        }
        let reference_rate =
            reference_counts.iter().sum::<f64>() / reference_populations.iter().sum::<f64>();
        Ok(Self {
            observed,
            expected,
            reference_rate,
            exact: observed < 10.0,
        })
    }

    /// The standardised ratio `O/E × multiplier` (×100 gives the classic SMR), limits
    /// `limits(O)/E` (exact below 10 events, Byar's otherwise).
    pub fn ratio(&self, confidence: f64, multiplier: f64) -> Result<Estimate> {
        let (lo, hi) = count_interval(self.observed, confidence)?;
        Ok(Estimate {
            value: self.observed / self.expected * multiplier,
            lower: lo.map(|l| l / self.expected * multiplier),
            upper: Some(hi / self.expected * multiplier),
        })
    }

    /// The indirectly standardised rate: the ratio times the reference rate, per `multiplier`.
    pub fn rate(&self, confidence: f64, multiplier: f64) -> Result<Estimate> {
        self.ratio(confidence, self.reference_rate * multiplier)
    }
}
