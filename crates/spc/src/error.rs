//! The one error type of the SPC crate.

use thiserror::Error;

/// Why a chart could not be drawn from the data it was given. Positions are 1-based within the
/// chart (a facet), as in qicharts2; callers add the file, line and column they know about.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SpcError {
    /// The chart needs more usable points than it has.
    #[error(
        "a {chart} chart needs at least {needed} usable points in each phase; phase {part} has {got}"
    )]
    TooFewPoints {
        chart: &'static str,
        needed: usize,
        part: usize,
        got: usize,
    },
    /// A setting names a position the data does not have.
    #[error("{setting} {position} is beyond the data, which has {points} points")]
    BeyondData {
        setting: &'static str,
        position: usize,
        points: usize,
    },
    /// A value is outside what the chart is defined for (a negative count, y > n on a p chart,
    /// a zero denominator, a time between events ≤ 0).
    #[error("point {position}: {reason}")]
    BadValue { position: usize, reason: String },
    /// A setting makes no sense on its own (a zero or non-finite multiplier, part 0…).
    #[error("{0}")]
    BadSetting(String),
}

/// Result alias used throughout the crate.
pub type Result<T, E = SpcError> = std::result::Result<T, E>;
