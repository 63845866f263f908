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
    /// The total, with a delta-method interval. The lower limit is not clamped at 0: whether
    /// it falls below 0 is information, and a display may clamp it.
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
        total: Estimate::new(total, total - half, total + half),
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

/// Pearson's chi-square test that every group has the same rate (the 2 × k test of
/// homogeneity, no continuity correction; R's `prop.test(x, n, correct = FALSE)`).
/// Returns `(statistic, degrees of freedom, p-value)`; `None` with fewer than two groups or
/// when every person (or nobody) meets the measure.
pub fn homogeneity_test(groups: &[GroupCounts]) -> Option<(f64, f64, f64)> {
    use statrs::distribution::{ChiSquared, ContinuousCDF};
    if groups.len() < 2 {
        return None;
    }
    let events: f64 = groups.iter().map(|g| g.events).sum();
    let total: f64 = groups.iter().map(|g| g.denominator).sum();
    let p = events / total;
    if !(p > 0.0 && p < 1.0) {
        return None;
    }
    let stat: f64 = groups
        .iter()
        .map(|g| {
            let e1 = g.denominator * p;
            let e0 = g.denominator * (1.0 - p);
            (g.events - e1).powi(2) / e1 + ((g.denominator - g.events) - e0).powi(2) / e0
        })
        .sum();
    let df = groups.len() as f64 - 1.0;
    let chi = ChiSquared::new(df).ok()?;
    // The survival function keeps p-values far below 1e-16 (1 − cdf rounds them to 0).
    Some((stat, df, chi.sf(stat)))
}

/// Benjamini–Hochberg adjusted p-values (q-values), in the input order: the false-discovery
/// control used when many measure × dimension pairs are screened at once.
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut q = vec![1.0; m];
    let mut running = 1.0_f64;
    for (rank, &i) in order.iter().enumerate().rev() {
        running = running.min(p[i] * m as f64 / (rank + 1) as f64);
        q[i] = running.min(1.0);
    }
    q
}

#[cfg(test)]
mod test_homogeneity {
    use super::*;

    #[test]
    fn two_groups_match_the_squared_z_test() {
        // 10/100 vs 20/100: for a 2 × 2 table the statistic is the square of the two-sample
        // z statistic with pooled variance, and the p-value is two-sided normal.
        let g = |e, n| GroupCounts {
            events: e,
            denominator: n,
            eligible_as_best: true,
        };
        let (stat, df, p) = homogeneity_test(&[g(10.0, 100.0), g(20.0, 100.0)]).unwrap();
        let pooled = 0.15f64;
        let z = (0.2 - 0.1) / (pooled * (1.0 - pooled) * (2.0 / 100.0)).sqrt();
        assert!((stat - z * z).abs() < 1e-12);
        assert_eq!(df, 1.0);
        let two_sided = 2.0 * (1.0 - statrs::function::erf::erf(z / 2f64.sqrt()) / 2.0 - 0.5);
        assert!((p - two_sided).abs() < 1e-9, "{p} vs {two_sided}");
        assert!(homogeneity_test(&[g(0.0, 10.0), g(0.0, 20.0)]).is_none());
    }

    #[test]
    fn bh_matches_r_p_adjust() {
        // R: p.adjust(c(0.01, 0.04, 0.03, 0.5), "BH") = 0.04 0.05333333 0.05333333 0.5
        let q = benjamini_hochberg(&[0.01, 0.04, 0.03, 0.5]);
        let want = [0.04, 0.16 / 3.0, 0.16 / 3.0, 0.5];
        for (a, b) in q.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{q:?}");
        }
    }
}
