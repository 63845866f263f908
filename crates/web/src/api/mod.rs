//! The JSON API (`/api/v1/…`): everything the pages do, for programs — `rise upload` first.
//!
//! Programs authenticate with an API token (`Authorization: Bearer …`), made on the member's
//! token page; cookies are ignored here, so no other site can make a browser call the API in
//! someone's name and no CSRF token is needed. The walls are the pages' walls: a member sees
//! its own organization only (another organization's records answer 404, as if they did not
//! exist), coalition staff see members' data sets only suppressed, the public sees counts and
//! the framework. Errors are JSON: `{"error": {"status", "message", "fields": [{field,
//! message}]}}`.

mod adoption;
mod applications;
mod audit;
mod caller;
mod commitments;
mod datasets;
mod error;
mod framework;
mod me;
mod members;
mod openapi;
mod org;
mod outbox;
mod people;
mod plans;

pub use caller::Caller;
pub use error::{ApiError, ApiResult};
pub use openapi::document as openapi_document;

use crate::Shared;
use crate::tables::Format;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::Value;

/// The API's routes, to be nested under `/api/v1`: one router per resource, merged here.
pub fn router() -> Router<Shared> {
    Router::new()
        .merge(adoption::router())
        .merge(applications::router())
        .merge(audit::router())
        .merge(commitments::router())
        .merge(datasets::router())
        .merge(framework::router())
        .merge(me::router())
        .merge(members::router())
        .merge(org::router())
        .merge(outbox::router())
        .merge(people::router())
        .merge(plans::router())
        .fallback(not_found)
}

async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!(
            "No such API route: {}. The routes are described at /openapi.json.",
            uri.path()
        ),
    )
}

/// A new record's answer: 201 and the record.
fn created<T: Serialize>(value: T) -> Response {
    (StatusCode::CREATED, Json(value)).into_response()
}

/// A list as JSON, or as CSV when the caller asked for it (`?format=csv`, `Accept: text/csv`).
fn table(format: Format, file: &str, value: Value) -> Response {
    match (&value, format.csv) {
        (Value::Array(rows), true) => crate::tables::rows(file, rows),
        _ => Json(value).into_response(),
    }
}

/// `GET /openapi.json`.
pub async fn openapi() -> Json<Value> {
    Json(openapi::document())
}
