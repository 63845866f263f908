//! # rise-aggregate
//!
//! What leaves a member organization: aggregate rows (measure × dimension × subgroup × period:
//! numerator, denominator), with small cells suppressed. This crate holds the file format, the
//! suppression of a whole data set, the ranking of inequities and the offline report, so that
//! both the command line (next to the data) and the coalition server (which never sees patient
//! rows) use the same code and show the same numbers.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod chart;
pub mod control_chart;
pub mod evidence;
pub mod export;
pub mod inequity;
pub mod numbers;
pub mod report;
pub mod rows;
pub mod suppress;
pub mod trend;
pub mod trend_chart;
pub mod upload;

pub use rows::{AggregateRow, MeasureInfo};
