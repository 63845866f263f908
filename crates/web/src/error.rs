//! Errors of a request, as pages. Internal details are logged, never shown.

use crate::view::{Chrome, render};
use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
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
            StoreError::Invalid(v) => AppError::Conflict(
                v.into_iter()
                    .map(|f| f.message)
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
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

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    title: String,
    message: String,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, title, message) = match &self {
            AppError::SignIn { next } => {
                return Redirect::to(&format!("/login?next={}", encode(next))).into_response();
            }
            AppError::NotFound => (
                StatusCode::NOT_FOUND,
                "Page not found",
                "There is nothing here, or you do not have access to it.".to_string(),
            ),
            AppError::Forbidden => (
                StatusCode::FORBIDDEN,
                "Not allowed",
                "Your account does not give access to this page.".to_string(),
            ),
            AppError::Csrf => (
                StatusCode::FORBIDDEN,
                "The form expired",
                "Go back, reload the page and submit the form again.".to_string(),
            ),
            AppError::Conflict(m) => (StatusCode::CONFLICT, "That did not work", m.clone()),
            AppError::TooMany { seconds, message } => {
                let page = ErrorPage {
                    chrome: Chrome::anonymous("Too many attempts"),
                    title: "Too many attempts".to_string(),
                    message: message.clone(),
                };
                let status = StatusCode::TOO_MANY_REQUESTS;
                let res = match render(&page) {
                    Ok(html) => (status, html).into_response(),
                    Err(_) => (status, message.clone()).into_response(),
                };
                return retry_after(res, *seconds);
            }
            AppError::Internal(m) => {
                eprintln!("rise-web: internal error: {m}");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "The error has been logged. Please try again in a moment.".to_string(),
                )
            }
        };
        let page = ErrorPage {
            chrome: Chrome::anonymous(title),
            title: title.to_string(),
            message,
        };
        match render(&page) {
            Ok(html) => (status, html).into_response(),
            Err(_) => (status, title.to_string()).into_response(),
        }
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
