//! The pages, one module per audience.

pub mod coalition;
pub mod datasets;
mod error;
pub mod evidence;
pub mod member;
pub mod people;
pub mod plans;
pub mod public;
pub mod reset;
pub mod session;

/// A form post that carries only its CSRF token.
#[derive(Debug, serde::Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    pub csrf: String,
}
