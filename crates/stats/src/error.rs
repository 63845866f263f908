//! The one error type of the statistics crate.

use thiserror::Error;

/// Why a statistic could not be computed from the inputs it was given.
///
/// Every variant carries a sentence a person can act on; callers add the file, row and
/// column they know about.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum StatsError {
    /// An argument is outside the range the method is defined for.
    #[error("{0}")]
    InvalidInput(String),
    /// The method needs more groups (or observations) than it was given.
    #[error("{0}")]
    TooFewGroups(String),
    /// A numerical procedure (e.g. the logistic fit) did not converge.
    #[error("{0}")]
    NotConverged(String),
}

pub(crate) fn invalid(msg: impl Into<String>) -> StatsError {
    StatsError::InvalidInput(msg.into())
}

/// Result alias used throughout the crate.
pub type Result<T, E = StatsError> = std::result::Result<T, E>;
