//! # rise-spc
//!
//! Statistical process control for quality improvement, as qicharts2 0.8.1 (Anhøj, R) computes
//! it, quirks included, so that a chart made in Rise has the same centre line, limits and
//! signals as the one a QI team already trusts. Numbers in, numbers out; no I/O.
//!
//! * [`Subgroup`] — the rows that share an `x`, summed (p, u, c charts) or summarised (mean and
//!   SD for xbar and s);
//! * [`limits`] — one function per chart family (run, i, mr, xbar, s, t, p, p′, c, u, u′, g),
//!   each citing its source;
//! * [`runs`] — the Anhøj rules (longest run, number of crossings) and the experimental best-box
//!   and cut-box bounds;
//! * [`analyse`] — one chart: positions, phases (`part`), a frozen baseline (`freeze`),
//!   excluded points, `multiply`, and the per-point sigma and runs signals.
//!
//! The specification and reference vectors are in `tests/data/` (copied from the project's
//! `shared/reference/spc/`); every case there is a test in `tests/it/`.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod analysis;
pub mod chart;
pub mod constants;
pub mod error;
pub mod limits;
pub mod runs;
pub mod subgroup;

pub use analysis::{Analysis, PartSummary, Point, Settings, analyse};
pub use chart::Chart;
pub use error::{Result, SpcError};
pub use runs::RunsMethod;
pub use subgroup::Subgroup;
