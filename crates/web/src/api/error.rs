//! An error of the API, as JSON: `{"error": {"status", "message", "fields": [{field, message}]}}`.

use crate::error::AppError;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rise_store::StoreError;
use serde_json::{Value, json};

/// An error of the API, as JSON.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
    fields: Vec<(String, String)>,
    /// Seconds to wait, for a 429 (sent as `Retry-After`).
    retry_after: Option<u64>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            fields: Vec::new(),
            retry_after: None,
        }
    }

    pub(crate) fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "Send an API token: 'Authorization: Bearer <token>' (make one on your organization's token page).",
        )
    }

    pub(crate) fn too_many(seconds: u64, message: impl Into<String>) -> Self {
        Self {
            retry_after: Some(seconds),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, message)
        }
    }

    pub(crate) fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "Your account does not give access to this.",
        )
    }

    pub(crate) fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "Nothing here, or you do not have access to it.",
        )
    }

    pub(crate) fn invalid(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            fields: vec![(field.to_string(), message.clone())],
            message,
            retry_after: None,
        }
    }
}

/// The pages' classification of an error, answered as JSON: one mapping of store errors for
/// both (see [`AppError`]'s `From<StoreError>`).
impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound => Self::not_found(),
            AppError::Forbidden | AppError::Csrf => Self::forbidden(),
            AppError::SignIn { .. } => Self::unauthorized(),
            AppError::Conflict(m) => Self::new(StatusCode::CONFLICT, m),
            AppError::Invalid(fields) => Self {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                message: fields
                    .iter()
                    .map(|(_, m)| m.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
                fields,
                retry_after: None,
            },
            AppError::TooMany { seconds, message } => Self::too_many(seconds, message),
            AppError::Internal(m) => {
                tracing::error!(error = %m, "internal error (api)");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong; the error has been logged.",
                )
            }
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        AppError::from(e).into()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(e: JsonRejection) -> Self {
        // The body text names the JSON problem (line, column, field) without internals.
        Self::new(e.status(), e.body_text())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let fields: Vec<Value> = self
            .fields
            .iter()
            .map(|(f, m)| json!({ "field": f, "message": m }))
            .collect();
        let body = json!({ "error": {
            "status": self.status.as_u16(),
            "message": self.message,
            "fields": fields,
        }});
        let mut res = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            res = crate::error::retry_after(res, seconds);
        }
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        res
    }
}

/// What an API handler returns.
pub type ApiResult<T> = Result<T, ApiError>;
