//! The input to the summary measures: one inequality dimension's subgroups, and the settings.

use crate::dist::check_confidence;
use crate::error::{Result, StatsError, invalid};

/// One subgroup of an inequality dimension (e.g. "Q1", or "Black or African American").
#[derive(Debug, Clone, PartialEq)]
pub struct Subgroup {
    /// The subgroup's label.
    pub name: String,
    /// The indicator's value in this subgroup, on the indicator scale.
    pub estimate: f64,
    /// Standard error of `estimate`, on the same scale; without it no interval is given.
    pub se: Option<f64>,
    /// Population (or denominator) of the subgroup, for weighting.
    pub population: f64,
    /// Rank in an ordered dimension: 1 = most disadvantaged.
    pub order: Option<i64>,
    /// Whether this is the chosen reference subgroup.
    pub reference: bool,
}

/// The subgroups of one dimension, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Dimension {
    subgroups: Vec<Subgroup>,
    ordered: bool,
}

impl Dimension {
    /// Validates the subgroups. The dimension is *ordered* when every subgroup has an order.
    pub fn new(subgroups: Vec<Subgroup>) -> Result<Self> {
        if subgroups.is_empty() {
            return Err(StatsError::TooFewGroups(
                "a dimension needs at least one subgroup".into(),
            ));
        }
        let mut names = std::collections::HashSet::new();
        for s in &subgroups {
            if s.name.trim().is_empty() {
                return Err(invalid("a subgroup has an empty name"));
            }
            if !names.insert(s.name.as_str()) {
                return Err(invalid(format!(
                    "subgroup '{}' appears more than once",
                    s.name
                )));
            }
            if !(s.estimate.is_finite() && s.estimate >= 0.0) {
                return Err(invalid(format!(
                    "subgroup '{}': estimate must be a number of zero or more, got {}",
                    s.name, s.estimate
                )));
            }
            if let Some(se) = s.se
                && !(se.is_finite() && se >= 0.0)
            {
                return Err(invalid(format!(
                    "subgroup '{}': standard error must be zero or more, got {se}",
                    s.name
                )));
            }
            if !(s.population.is_finite() && s.population >= 0.0) {
                return Err(invalid(format!(
                    "subgroup '{}': population must be zero or more, got {}",
                    s.name, s.population
                )));
            }
        }
        if subgroups.iter().map(|s| s.population).sum::<f64>() <= 0.0 {
            return Err(invalid("the population is zero in every subgroup"));
        }
        let with_order = subgroups.iter().filter(|s| s.order.is_some()).count();
        if with_order != 0 && with_order != subgroups.len() {
            return Err(invalid(
                "either every subgroup has an order (an ordered dimension) or none has",
            ));
        }
        let ordered = with_order == subgroups.len();
        if ordered {
            let mut orders: Vec<i64> = subgroups.iter().filter_map(|s| s.order).collect();
            orders.sort_unstable();
            if orders.windows(2).any(|w| w[0] == w[1]) {
                return Err(invalid("two subgroups have the same order"));
            }
        }
        if subgroups.iter().filter(|s| s.reference).count() > 1 {
            return Err(invalid("more than one subgroup is marked as the reference"));
        }
        Ok(Self { subgroups, ordered })
    }

    /// The subgroups in input order.
    pub fn subgroups(&self) -> &[Subgroup] {
        &self.subgroups
    }

    /// Whether the dimension is ordered (e.g. income quintiles).
    pub fn ordered(&self) -> bool {
        self.ordered
    }

    /// Number of subgroups.
    pub fn len(&self) -> usize {
        self.subgroups.len()
    }

    /// Whether there are no subgroups (never true for a validated dimension).
    pub fn is_empty(&self) -> bool {
        self.subgroups.is_empty()
    }

    /// Index of the reference subgroup, if one is marked.
    pub fn reference(&self) -> Option<usize> {
        self.subgroups.iter().position(|s| s.reference)
    }

    /// Indices sorted from most disadvantaged (order 1) to most advantaged.
    pub fn by_order(&self) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..self.subgroups.len()).collect();
        idx.sort_by_key(|&i| self.subgroups[i].order.unwrap_or(i as i64));
        idx
    }

    /// Population shares `pⱼ = nⱼ / Σn`.
    pub fn shares(&self) -> Vec<f64> {
        let total: f64 = self.subgroups.iter().map(|s| s.population).sum();
        self.subgroups
            .iter()
            .map(|s| s.population / total)
            .collect()
    }

    /// Estimates in input order.
    pub fn estimates(&self) -> Vec<f64> {
        self.subgroups.iter().map(|s| s.estimate).collect()
    }

    /// Standard errors, if every subgroup has one.
    pub fn standard_errors(&self) -> Option<Vec<f64>> {
        self.subgroups.iter().map(|s| s.se).collect()
    }

    /// Population-weighted mean `μ = Σ pⱼyⱼ`.
    pub fn weighted_mean(&self) -> f64 {
        weighted_mean(&self.shares(), &self.estimates())
    }
}

pub(crate) fn weighted_mean(p: &[f64], y: &[f64]) -> f64 {
    p.iter().zip(y).map(|(a, b)| a * b).sum()
}

/// Which model the slope and relative indices of inequality use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SiiModel {
    /// HEAT's default: a logistic regression on the subgroups' ridit ranks, with delta-method
    /// (HC1 sandwich) intervals.
    #[default]
    Logistic,
    /// PHEindicatormethods' weighted least squares on the ranks, with Monte-Carlo intervals.
    Linear,
}

/// How the summary measures are computed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Higher values are better (e.g. screening coverage); `false` for adverse indicators
    /// (e.g. mortality).
    pub favourable: bool,
    /// The indicator scale: 100 for a percentage, 1000 for a rate per 1 000, ….
    pub scale: f64,
    /// Confidence level of the intervals, e.g. 0.95.
    pub confidence: f64,
    /// Model of SII and RII.
    pub sii_model: SiiModel,
    /// Number of simulated data sets for Monte-Carlo intervals.
    pub draws: usize,
    /// Seed of the simulation, so a run can be repeated exactly.
    pub seed: u64,
    /// Whether the indicator cannot exceed `scale` (a percentage or proportion): simulated
    /// values are then kept within [0, scale], as HEAT does for percentages.
    pub bounded: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            favourable: true,
            scale: 100.0,
            confidence: 0.95,
            sii_model: SiiModel::Logistic,
            draws: 1000,
            seed: 123_456,
            bounded: true,
        }
    }
}

impl Settings {
    /// Checks the settings on their own and against a dimension.
    pub fn validate(&self, dim: &Dimension) -> Result<()> {
        check_confidence(self.confidence)?;
        if !(self.scale.is_finite() && self.scale > 0.0) {
            return Err(invalid(format!(
                "the indicator scale must be positive, got {}",
                self.scale
            )));
        }
        if self.draws < 100 {
            return Err(invalid(format!(
                "Monte-Carlo intervals need at least 100 simulations, got {}",
                self.draws
            )));
        }
        if self.bounded
            && let Some(s) = dim.subgroups().iter().find(|s| s.estimate > self.scale)
        {
            return Err(invalid(format!(
                "subgroup '{}': estimate {} is above the indicator scale {}",
                s.name, s.estimate, self.scale
            )));
        }
        Ok(())
    }
}
