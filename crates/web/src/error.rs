//! Errors of a request. How a page shows one is in `pages::error`; the API's are its own.

use axum::response::Response;
use rise_store::StoreError;

/// What went wrong while answering a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Nothing here (or nothing this viewer may know exists).
    #[error("not found")]
    NotFound,
    /// Signed in, but not allowed.
    #[error("forbidden")]
    Forbidden,
    /// Not signed in: go to the sign-in page, then come back.
    #[error("sign in first")]
    SignIn { next: String },
    /// The form's CSRF token is missing or wrong.
    #[error("the form expired")]
    Csrf,
    /// A conflict the person can understand (already decided, already committed).
    #[error("{0}")]
    Conflict(String),
    /// What was sent is wrong: (field, message) for each problem.
    #[error("invalid input")]
    Invalid(Vec<(String, String)>),
    /// Too many attempts: wait `seconds` (sent as `Retry-After`).
    #[error("{message}")]
    TooMany { seconds: u64, message: String },
    /// Anything else: logged, shown as a generic error.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict(m) => AppError::Conflict(m),
            StoreError::Throttled { seconds } => AppError::throttled(seconds),
            StoreError::Invalid(v) => {
                AppError::Invalid(v.into_iter().map(|f| (f.field, f.message)).collect())
            }
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl AppError {
    /// An account's sign-in attempts from this address are used up.
    pub fn throttled(seconds: i64) -> Self {
        let (seconds, message) = throttled(seconds);
        AppError::TooMany { seconds, message }
    }
}

/// The wait and the message when an account's attempts from an address are used up.
pub fn throttled(seconds: i64) -> (u64, String) {
    let seconds = u64::try_from(seconds).unwrap_or(1).max(1);
    let message = format!(
        "Too many failed attempts for this account. Try again in {}.",
        crate::client::wait_words(seconds)
    );
    (seconds, message)
}

/// Adds `Retry-After` to an answer.
pub fn retry_after(mut res: Response, seconds: u64) -> Response {
    res.headers_mut()
        .insert(axum::http::header::RETRY_AFTER, seconds.into());
    res
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(e.to_string())
    }
}

/// Percent-encodes a path for a query parameter.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
