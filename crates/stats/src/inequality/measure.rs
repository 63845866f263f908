//! The 21 WHO HEAT summary measures of inequality: names and when each applies.

use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// One of the summary measures of inequality of WHO's HEAT / HEAT Plus and the `healthequal`
/// R package (Schlotheuber & Hosseinpoor 2022, IJERPH 19:3697).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[allow(clippy::upper_case_acronyms)]
pub enum Measure {
    /// Difference between two subgroups.
    D,
    /// Ratio of two subgroups.
    R,
    /// Population attributable fraction (%).
    PAF,
    /// Population attributable risk.
    PAR,
    /// Absolute concentration index.
    ACI,
    /// Relative concentration index.
    RCI,
    /// Slope index of inequality.
    SII,
    /// Relative index of inequality.
    RII,
    /// Between-group variance.
    BGV,
    /// Between-group standard deviation.
    BGSD,
    /// Coefficient of variation (%).
    COV,
    /// Index of disparity, unweighted (%).
    IDISU,
    /// Index of disparity, weighted (%).
    IDISW,
    /// Mean difference from the best-performing subgroup, unweighted.
    MDBU,
    /// Mean difference from the best-performing subgroup, weighted.
    MDBW,
    /// Mean difference from the mean, unweighted.
    MDMU,
    /// Mean difference from the mean, weighted.
    MDMW,
    /// Mean difference from the reference subgroup, unweighted.
    MDRU,
    /// Mean difference from the reference subgroup, weighted.
    MDRW,
    /// Mean log deviation (×1000).
    MLD,
    /// Theil index (×1000).
    TI,
}

/// Which dimensions a measure is defined for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applies {
    /// Any dimension with at least two subgroups.
    Any,
    /// Ordered dimensions with more than two subgroups.
    Ordered,
    /// Non-ordered dimensions with more than two subgroups.
    NonOrdered,
}

impl Measure {
    /// All measures in HEAT's customary order.
    pub const ALL: [Measure; 21] = [
        Measure::D,
        Measure::R,
        Measure::PAF,
        Measure::PAR,
        Measure::ACI,
        Measure::RCI,
        Measure::SII,
        Measure::RII,
        Measure::BGV,
        Measure::BGSD,
        Measure::COV,
        Measure::IDISU,
        Measure::IDISW,
        Measure::MDBU,
        Measure::MDBW,
        Measure::MDMU,
        Measure::MDMW,
        Measure::MDRU,
        Measure::MDRW,
        Measure::MLD,
        Measure::TI,
    ];

    /// The upper-case abbreviation HEAT uses (`"D"`, `"PAF"`, …).
    pub fn code(self) -> &'static str {
        match self {
            Measure::D => "D",
            Measure::R => "R",
            Measure::PAF => "PAF",
            Measure::PAR => "PAR",
            Measure::ACI => "ACI",
            Measure::RCI => "RCI",
            Measure::SII => "SII",
            Measure::RII => "RII",
            Measure::BGV => "BGV",
            Measure::BGSD => "BGSD",
            Measure::COV => "COV",
            Measure::IDISU => "IDISU",
            Measure::IDISW => "IDISW",
            Measure::MDBU => "MDBU",
            Measure::MDBW => "MDBW",
            Measure::MDMU => "MDMU",
            Measure::MDMW => "MDMW",
            Measure::MDRU => "MDRU",
            Measure::MDRW => "MDRW",
            Measure::MLD => "MLD",
            Measure::TI => "TI",
        }
    }

    /// The measure's full name.
    pub fn name(self) -> &'static str {
        match self {
            Measure::D => "Difference",
            Measure::R => "Ratio",
            Measure::PAF => "Population attributable fraction (%)",
            Measure::PAR => "Population attributable risk",
            Measure::ACI => "Absolute concentration index",
            Measure::RCI => "Relative concentration index",
            Measure::SII => "Slope index of inequality",
            Measure::RII => "Relative index of inequality",
            Measure::BGV => "Between-group variance",
            Measure::BGSD => "Between-group standard deviation",
            Measure::COV => "Coefficient of variation (%)",
            Measure::IDISU => "Index of disparity, unweighted (%)",
            Measure::IDISW => "Index of disparity, weighted (%)",
            Measure::MDBU => "Mean difference from best, unweighted",
            Measure::MDBW => "Mean difference from best, weighted",
            Measure::MDMU => "Mean difference from mean, unweighted",
            Measure::MDMW => "Mean difference from mean, weighted",
            Measure::MDRU => "Mean difference from reference, unweighted",
            Measure::MDRW => "Mean difference from reference, weighted",
            Measure::MLD => "Mean log deviation (x1000)",
            Measure::TI => "Theil index (x1000)",
        }
    }

    /// Which dimensions the measure applies to (HEAT's `HEAT_summary_measures` table).
    pub fn applies(self) -> Applies {
        match self {
            Measure::D | Measure::R | Measure::PAF | Measure::PAR => Applies::Any,
            Measure::ACI | Measure::RCI | Measure::SII | Measure::RII => Applies::Ordered,
            _ => Applies::NonOrdered,
        }
    }

    /// Whether HEAT gives this measure a Monte-Carlo (simulation) interval.
    pub fn monte_carlo(self) -> bool {
        matches!(
            self,
            Measure::BGSD
                | Measure::COV
                | Measure::IDISU
                | Measure::IDISW
                | Measure::MDBU
                | Measure::MDBW
                | Measure::MDMU
                | Measure::MDMW
                | Measure::MDRU
                | Measure::MDRW
        )
    }

    /// Whether the measure is relative (a ratio or a percentage of the mean) rather than
    /// expressed in the indicator's own unit.
    pub fn relative(self) -> bool {
        matches!(
            self,
            Measure::R
                | Measure::PAF
                | Measure::RCI
                | Measure::RII
                | Measure::COV
                | Measure::IDISU
                | Measure::IDISW
                | Measure::MLD
                | Measure::TI
        )
    }

    /// The value a measure takes when there is no inequality (1 for ratios, 0 otherwise).
    pub fn null_value(self) -> f64 {
        if matches!(self, Measure::R | Measure::RII) {
            1.0
        } else {
            0.0
        }
    }
}

impl fmt::Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Measure {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Measure::ALL
            .into_iter()
            .find(|m| m.code().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("unknown summary measure '{s}'"))
    }
}
