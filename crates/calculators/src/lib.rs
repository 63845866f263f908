//! # rise-calculators
//!
//! Clinical calculators in the version that uses race and the race-free one that replaced it,
//! each equation one function with its publication and its constants as printed, so that an
//! organization can see which of its patients a switch moves. Numbers in, numbers out; no I/O.
//!
//! * [`egfr`] — CKD-EPI 2009, 2012 and 2021 (creatinine, cystatin C, both) and MDRD 175/186,
//!   creatinine units and plausibility; [`ckd`] — KDIGO stages and the decisions that hang on
//!   a threshold (transplant waiting time, referral, metformin);
//! * [`pce`] — the 2013 Pooled Cohort Equations; [`prevent`] — AHA PREVENT (2023);
//! * [`vbac`] — MFMU 2007 and 2021; [`optn`] — kidney waiting time and its race-neutral
//!   modification (OPTN Policies 8.4.A and 3.7.D);
//! * [`catalog`] — the race-corrected algorithms in clinical use, as data.
//!
//! The reference values are in `tests/reference/` (copied from the project's
//! `shared/reference/algorithms/`); every row there is a test.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod catalog;
pub mod ckd;
pub mod egfr;
pub mod error;
pub mod optn;
pub mod patient;
pub mod pce;
pub mod prevent;
pub mod vbac;

pub use ckd::{Decision, Stage};
pub use egfr::{CreatinineUnit, Equation, Kidney};
pub use error::{CalcError, Result};
pub use patient::{Race, Sex};
