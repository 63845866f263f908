//! Ranking inequities by *excess events*: how many events (deaths, missed screenings,
//! readmissions…) would not have happened if every group did as well as the best group.
//! A count of people is the number a board understands.

use crate::dist::z_value;
use crate::error::{Result, StatsError, invalid};
use crate::interval::Estimate;

/// Whether higher rates are better (e.g. screening) or worse (e.g. readmissions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Higher is better: the shortfall is counted (people who would have been reached).
    HigherIsBetter,
    /// Lower is better: the excess is counted (events that would have been avoided).
    LowerIsBetter,
}

/// Whether each person counts at most once (a proportion) or events can repeat (a rate).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Events ≤ denominator; binomial variance.
    Proportion,
    /// Events per person-time or per person, may exceed the denominator; Poisson variance.
    Rate,
}

/// One group's counts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GroupCounts {
    /// Numerator.
    pub events: f64,
    /// Denominator.
    pub denominator: f64,
    /// Whether the group may serve as the benchmark (e.g. not "Unknown", and large enough
    /// that its rate is stable).
    pub eligible_as_best: bool,
}

/// The excess events of one measure × dimension.
#[derive(Debug, Clone, PartialEq)]
pub struct Excess {
    /// Index of the benchmark (best) group.
    pub best: usize,
    /// The benchmark rate (events per person).
    pub best_rate: f64,
    /// Each group's excess events (0 for groups doing at least as well as the best).
    pub per_group: Vec<f64>,
    /// The total, with a delta-method interval (lower limit not below 0).
    pub total: Estimate,
}

/// Excess events if every group reached the best eligible group's rate.
///
/// Group j's excess is `(xⱼ − r_b·nⱼ)` when lower is better, `(r_b·nⱼ − xⱼ)` when higher is
/// better, floored at 0; the total is their sum. Its variance, by the delta method, is
/// `Σ Var(xⱼ) + (Σ nⱼ)²·Var(r_b)` over the groups with an excess, with binomial or Poisson
/// variances as `kind` says. This is the "excess cases" calculation of the population
/// attributable number (Rockhill, Newman & Weinberg 1998) with the best group as the
/// counterfactual.
pub fn excess_events(
    groups: &[GroupCounts],
    direction: Direction,
    kind: Kind,
    confidence: f64,
) -> Result<Excess> {
    let z = z_value(confidence)?;
    for g in groups {
        if !(g.denominator.is_finite() && g.denominator > 0.0) {
            return Err(invalid(format!(
                "denominators must be positive, got {}",
                g.denominator
            )));
        }
        if !(g.events.is_finite() && g.events >= 0.0) {
            return Err(invalid(format!(
                "event counts must be zero or more, got {}",
                g.events
            )));
        }
        if kind == Kind::Proportion && g.events > g.denominator {
            return Err(invalid(format!(
                "{} events out of {} is not a proportion",
                g.events, g.denominator
            )));
        }
    }
    let rate = |g: &GroupCounts| g.events / g.denominator;
    let best = groups
        .iter()
        .enumerate()
        .filter(|(_, g)| g.eligible_as_best)
        .max_by(|(_, a), (_, b)| {
            let (ra, rb) = (rate(a), rate(b));
            match direction {
                Direction::HigherIsBetter => ra.total_cmp(&rb),
                Direction::LowerIsBetter => rb.total_cmp(&ra),
            }
        })
        .map(|(i, _)| i)
        .ok_or_else(|| StatsError::TooFewGroups("no group is eligible as the benchmark".into()))?;
    let rb = rate(&groups[best]);
    let var_count = |g: &GroupCounts| match kind {
        Kind::Proportion => g.events * (1.0 - rate(g)),
        Kind::Rate => g.events,
    };
    let per_group: Vec<f64> = groups
        .iter()
        .map(|g| {
            let gap = match direction {
                Direction::LowerIsBetter => g.events - rb * g.denominator,
                Direction::HigherIsBetter => rb * g.denominator - g.events,
            };
            gap.max(0.0)
        })
        .collect();
    let total: f64 = per_group.iter().sum();
    let mut var = 0.0;
    let mut n_sum = 0.0;
    for (g, e) in groups.iter().zip(&per_group) {
        if *e > 0.0 {
            var += var_count(g);
            n_sum += g.denominator;
        }
    }
    let b = &groups[best];
    var += n_sum * n_sum * var_count(b) / (b.denominator * b.denominator);
    let half = z * var.sqrt();
    Ok(Excess {
        best,
        best_rate: rb,
        per_group,
        total: Estimate::new(total, (total - half).max(0.0), total + half),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(events: f64, denominator: f64) -> GroupCounts {
        GroupCounts {
            events,
            denominator,
            eligible_as_best: true,
        }
    }

    #[test]
    fn lower_is_better_counts_excess_over_best() {
        // Best rate 10/1000 = 1 %; group 2 at 5 % of 2000 has 100 − 20 = 80 excess events.
        let e = excess_events(
            &[g(10.0, 1000.0), g(100.0, 2000.0)],
            Direction::LowerIsBetter,
            Kind::Proportion,
            0.95,
        )
        .unwrap();
        assert_eq!(e.best, 0);
        assert!((e.per_group[1] - 80.0).abs() < 1e-9);
        assert!((e.total.value - 80.0).abs() < 1e-9);
        assert!(e.total.lower.unwrap() < 80.0 && e.total.upper.unwrap() > 80.0);
    }

    #[test]
    fn higher_is_better_counts_shortfall() {
        let e = excess_events(
            &[g(800.0, 1000.0), g(600.0, 1000.0)],
            Direction::HigherIsBetter,
            Kind::Proportion,
            0.95,
        )
        .unwrap();
        assert_eq!(e.best, 0);
        assert!((e.total.value - 200.0).abs() < 1e-9);
    }

    #[test]
    fn ineligible_groups_are_never_the_benchmark() {
        let mut groups = [g(0.0, 5.0), g(50.0, 1000.0), g(80.0, 1000.0)];
        groups[0].eligible_as_best = false;
        let e = excess_events(&groups, Direction::LowerIsBetter, Kind::Rate, 0.95).unwrap();
        assert_eq!(e.best, 1);
        assert!((e.total.value - 30.0).abs() < 1e-9);
    }

    #[test]
    fn equal_groups_have_no_excess() {
        let e = excess_events(
            &[g(50.0, 1000.0), g(100.0, 2000.0)],
            Direction::LowerIsBetter,
            Kind::Proportion,
            0.95,
        )
        .unwrap();
        assert_eq!(e.total.value, 0.0);
    }
}
