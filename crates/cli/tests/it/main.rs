//! End-to-end tests of the `rise` binary.

#![allow(clippy::unwrap_used)]

mod analyze;
mod calc;
mod disparity;
mod platform;
mod spc;
mod support;
