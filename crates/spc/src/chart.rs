//! The chart types and what each needs of its data.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A chart type, named as qicharts2 names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Chart {
    /// Run chart: the median and the Anhøj rules, no limits.
    Run,
    /// Individuals (the X of XmR).
    I,
    /// Moving ranges of the individuals.
    Mr,
    /// Subgroup means.
    Xbar,
    /// Subgroup standard deviations.
    S,
    /// Time between rare events (Nelson's transformed I chart).
    T,
    /// Proportions.
    P,
    /// Laney's p′ (proportions with between-subgroup variation).
    Pp,
    /// Counts.
    C,
    /// Rates (counts per unit of exposure).
    U,
    /// Laney's u′.
    Up,
    /// Opportunities between rare events (Benneyan).
    G,
}

impl Chart {
    /// Every chart, in the order `--help` lists them.
    pub const ALL: [Chart; 12] = [
        Chart::Run,
        Chart::I,
        Chart::Mr,
        Chart::Xbar,
        Chart::S,
        Chart::T,
        Chart::P,
        Chart::Pp,
        Chart::C,
        Chart::U,
        Chart::Up,
        Chart::G,
    ];

    /// The name qicharts2 and the command line use.
    pub fn name(self) -> &'static str {
        match self {
            Chart::Run => "run",
            Chart::I => "i",
            Chart::Mr => "mr",
            Chart::Xbar => "xbar",
            Chart::S => "s",
            Chart::T => "t",
            Chart::P => "p",
            Chart::Pp => "pp",
            Chart::C => "c",
            Chart::U => "u",
            Chart::Up => "up",
            Chart::G => "g",
        }
    }

    /// What the chart shows, for a title or `--help`.
    pub fn description(self) -> &'static str {
        match self {
            Chart::Run => "run chart (median, Anhøj rules)",
            Chart::I => "individuals (I) chart",
            Chart::Mr => "moving-range (MR) chart",
            Chart::Xbar => "subgroup mean (x̄) chart",
            Chart::S => "subgroup standard deviation (S) chart",
            Chart::T => "time between events (T) chart",
            Chart::P => "proportion (P) chart",
            Chart::Pp => "Laney P′ chart",
            Chart::C => "count (C) chart",
            Chart::U => "rate (U) chart",
            Chart::Up => "Laney U′ chart",
            Chart::G => "opportunities between events (G) chart",
        }
    }

    /// Whether the chart is of a ratio y/n and so needs a denominator on every row.
    pub fn needs_n(self) -> bool {
        matches!(self, Chart::P | Chart::Pp | Chart::U | Chart::Up)
    }

    /// Whether y must be a count (a whole number ≥ 0).
    pub fn counts(self) -> bool {
        matches!(self, Chart::P | Chart::Pp | Chart::C | Chart::U | Chart::Up)
    }

    /// Whether the plotted value is a proportion (so y ≤ n).
    pub fn proportion(self) -> bool {
        matches!(self, Chart::P | Chart::Pp)
    }

    /// The fewest usable (non-missing) base points per phase the limits need: two for the
    /// charts built on moving ranges, one for the rest.
    pub fn min_points(self) -> usize {
        match self {
            Chart::I | Chart::Mr | Chart::T | Chart::Pp | Chart::Up => 2,
            _ => 1,
        }
    }
}

impl fmt::Display for Chart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Chart {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        Chart::ALL
            .into_iter()
            .find(|c| c.name() == lower)
            .ok_or_else(|| {
                let names: Vec<&str> = Chart::ALL.iter().map(|c| c.name()).collect();
                format!("unknown chart {s:?}; expected one of {}", names.join(", "))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for c in Chart::ALL {
            assert_eq!(c.name().parse::<Chart>().unwrap(), c);
        }
        assert_eq!("PP".parse::<Chart>().unwrap(), Chart::Pp);
        assert!("x".parse::<Chart>().unwrap_err().contains("run, i, mr"));
    }
}
