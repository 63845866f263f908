//! Engine integration tests: readers on small fixtures, exact counts on a hand-checked fixture,
//! agreement between input formats, and the planted disparities of `rise generate`.

#![allow(clippy::unwrap_used)]

mod counts;
mod formats;
mod planted;
mod real;
mod support;
