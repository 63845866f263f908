//! Integration tests of rise-stats: every published reference value in `tests/data/` (copied
//! from PHEindicatormethods' and WHO healthequal's own test data; see `tests/data/SOURCES.md`)
//! and property tests of the measures' invariants.

#![allow(clippy::unwrap_used)]

mod common;
mod healthequal;
mod phe_dsr_isr;
mod phe_mean;
mod phe_per_group;
mod phe_sii;
mod properties;
mod two_group;
