//! The OPTN kidney waiting-time rules, as an audit applies them: when waiting time starts
//! (Policy 8.4.A) and how far it moves back when race-inclusive eGFR results are read with a
//! race-neutral equation instead (Policy 3.7.D, effective 5 January 2023).
//!
//! Generic over the date type so that this stays arithmetic: any `Ord + Copy` will do.
//!
//! Policy 8.4.A (adults): waiting time starts at the earliest of registration, when the GFR at
//! registration was ≤ 20 mL/min; the first date after registration with a GFR ≤ 20; and the
//! start of regular dialysis. The GFR "at registration" is read here as the latest result on
//! or before the registration day, and waiting time never starts before registration except
//! through dialysis: the public OPTN pages say "backdate" without naming a floor, and this is
//! the reading of 8.4.A that needs no assumption beyond the policy.

/// One creatinine result read both ways.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading<D> {
    pub date: D,
    /// The eGFR with the race coefficient (what the program used at the time).
    pub race_inclusive: f64,
    /// The eGFR by the race-neutral comparator.
    pub race_neutral: f64,
}

/// OPTN's waiting-time threshold, inclusive.
pub const THRESHOLD: f64 = 20.0;

/// A candidate's waiting time both ways.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitingTime<D> {
    /// When waiting time started with the race-inclusive results.
    pub original: Option<D>,
    /// When it starts with the race-neutral ones.
    pub race_neutral: Option<D>,
    /// The earliest result with a race-neutral eGFR ≤ 20 while the race-inclusive one was
    /// above 20 (the documentation a modification request needs), if any.
    pub evidence: Option<D>,
}

impl<D: Ord + Copy> WaitingTime<D> {
    /// The date waiting time is backdated to, when the race-neutral start is earlier.
    pub fn backdated_to(&self) -> Option<D> {
        match (self.original, self.race_neutral) {
            (Some(o), Some(n)) if n < o => Some(n),
            (None, Some(n)) => Some(n),
            _ => None,
        }
    }
}

/// The start of waiting time for one way of reading the results (`egfr` picks the reading).
fn start<D: Ord + Copy>(
    registration: Option<D>,
    dialysis: Option<D>,
    readings: &[Reading<D>],
    egfr: impl Fn(&Reading<D>) -> f64,
) -> Option<D> {
    let qualifies = |r: &&Reading<D>| egfr(r) <= THRESHOLD;
    let by_gfr = match registration {
        Some(reg) => {
            let at_registration = readings
                .iter()
                .filter(|r| r.date <= reg)
                .max_by_key(|r| r.date)
                .filter(qualifies)
                .map(|_| reg);
            let after = readings
                .iter()
                .filter(|r| r.date > reg)
                .filter(qualifies)
                .map(|r| r.date)
                .min();
            at_registration.or(after)
        }
        // No waiting list: a CKD patient, whose start is the first qualifying result.
        None => readings.iter().filter(qualifies).map(|r| r.date).min(),
    };
    match (by_gfr, dialysis) {
        (Some(g), Some(d)) => Some(g.min(d)),
        (g, d) => g.or(d),
    }
}

/// Waiting time with the race-inclusive and the race-neutral readings of the same results.
pub fn waiting_time<D: Ord + Copy>(
    registration: Option<D>,
    dialysis: Option<D>,
    readings: &[Reading<D>],
) -> WaitingTime<D> {
    let original = start(registration, dialysis, readings, |r| r.race_inclusive);
    let race_neutral = start(registration, dialysis, readings, |r| r.race_neutral);
    let evidence = readings
        .iter()
        .filter(|r| r.race_neutral <= THRESHOLD && r.race_inclusive > THRESHOLD)
        .map(|r| r.date)
        .min();
    WaitingTime {
        original,
        race_neutral,
        evidence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(date: u32, inclusive: f64, neutral: f64) -> Reading<u32> {
        Reading {
            date,
            race_inclusive: inclusive,
            race_neutral: neutral,
        }
    }

    #[test]
    fn dialysis_dominates_when_earlier() {
        let w = waiting_time(Some(10), Some(5), &[r(10, 25.0, 19.0)]);
        assert_eq!(w.original, Some(5));
        assert_eq!(w.race_neutral, Some(5));
        assert_eq!(w.backdated_to(), None);
        assert_eq!(w.evidence, Some(10));
    }

    #[test]
    fn never_before_registration() {
        let w = waiting_time(Some(10), None, &[r(3, 25.0, 18.0), r(12, 19.0, 17.0)]);
        assert_eq!(w.original, Some(12));
        assert_eq!(w.race_neutral, Some(10));
        assert_eq!(w.backdated_to(), Some(10));
    }

    #[test]
    fn twenty_is_inclusive() {
        let w = waiting_time(None, None, &[r(1, 20.5, 20.0)]);
        assert_eq!(w.backdated_to(), Some(1));
    }
}
