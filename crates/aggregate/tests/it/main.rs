//! Integration tests of the aggregate crate.

#![allow(clippy::unwrap_used)]

mod suppression;
