//! The pages, one module per audience.

pub mod coalition;
pub mod member;
pub mod public;
pub mod session;

/// A form post that carries only its CSRF token.
#[derive(Debug, serde::Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    pub csrf: String,
}
