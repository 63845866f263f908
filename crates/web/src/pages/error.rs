//! An error as a page. Internal details are logged, never shown.

use crate::error::{AppError, encode, retry_after};
use crate::view::{Chrome, render};
use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

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
            AppError::Invalid(fields) => (
                StatusCode::CONFLICT,
                "That did not work",
                fields
                    .iter()
                    .map(|(_, m)| m.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
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
                tracing::error!(error = %m, "internal error");
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
