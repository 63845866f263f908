//! # rise-stats
//!
//! The statistics behind Rise, as pure functions: numbers in, numbers out, no I/O.
//!
//! * per-group estimates and intervals — [`proportion`] (Wilson), [`poisson`] (Byar, exact),
//!   [`mean`] (Student-t), [`standardise`] (directly standardised rates with Dobson intervals,
//!   indirectly standardised ratios and rates);
//! * the 21 WHO HEAT summary measures of inequality — [`inequality`];
//! * PHEindicatormethods' slope index of inequality with Monte-Carlo intervals — [`phe_sii`];
//! * small-cell suppression — [`suppression`];
//! * the excess-events ranking of inequities — [`ranking`].
//!
//! Every method cites its source in its documentation, and is tested against the published
//! reference values of the tool it follows (see `tests/` and `docs/statistics.md`).

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod comparison;
pub mod dist;
pub mod error;
pub mod inequality;
pub mod interval;
pub mod mean;
pub mod phe_sii;
pub mod poisson;
pub mod proportion;
pub mod ranking;
pub mod regression;
pub mod standardise;
pub mod suppression;

pub use error::{Result, StatsError};
pub use interval::Estimate;
