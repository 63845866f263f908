//! Integration tests of rise-spc: every qicharts2 reference case in `tests/data/` (see
//! `tests/data/SOURCES.md`), the PowerBI-SPC cross-check, the runs-analysis cases and
//! critical-value tables, the control-chart constants, and property tests.

#![allow(clippy::unwrap_used)]

mod common;
mod constants;
mod crosscheck;
mod montgomery;
mod properties;
mod runs;
