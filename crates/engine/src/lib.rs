//! # rise-engine
//!
//! From a member's patient-level data to stratified aggregates, where the data lives:
//! readers into one canonical schema ([`schema`], [`ingest`]), quality measures declared as
//! data ([`measures`]), equity dimensions ([`dimensions`]), and their execution on Apache
//! DataFusion ([`analyze`]). [`pipeline`] ties them together and [`output`] writes what
//! `rise analyze` shares; [`generate`] makes synthetic populations with planted disparities.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod analyze;
pub mod dates;
pub mod demographics;
pub mod dimensions;
pub mod error;
pub mod fhir;
pub mod generate;
pub mod ingest;
pub mod measures;
pub mod output;
pub mod period;
pub mod pipeline;
pub mod schema;
pub mod tally;
pub mod vocab;

pub use error::{EngineError, Result};
