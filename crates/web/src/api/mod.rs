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
mod evidence;
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
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use axum::{Json, Router};
use rise_store::Store;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// What the resource modules share: `use super::prelude::*;`.
mod prelude {
    pub(super) use super::Staff;
    pub(super) use super::{
        ApiError, ApiResult, Body, Caller, created, own_list, staff_list, table,
    };
    pub(super) use crate::Shared;
    pub(super) use crate::tables::Format;
    pub(super) use axum::extract::{Path, State};
    pub(super) use axum::http::StatusCode;
    pub(super) use axum::response::{IntoResponse, Response};
    pub(super) use axum::routing::{delete, get, patch, post};
    pub(super) use axum::{Json, Router};
    pub(super) use rise_store::model::Actor;
    pub(super) use serde::Deserialize;
    pub(super) use serde_json::{Value, json};
}

/// A JSON body whose errors are the API's own (status, and a message naming the line, column
/// and field). Its error is kept until [`Body::value`], so a handler checks who is calling
/// first: a stranger's bad body still answers 401/403, not 422.
pub struct Body<T>(Result<T, ApiError>);

impl<T> Body<T> {
    /// The body, or why it could not be read.
    pub fn value(self) -> ApiResult<T> {
        self.0
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        Ok(Body(
            Json::<T>::from_request(req, state)
                .await
                .map(|Json(v)| v)
                .map_err(ApiError::from),
        ))
    }
}

/// The API's routes, to be nested under `/api/v1`: one router per resource, merged here.
pub fn router() -> Router<Shared> {
    Router::new()
        .merge(adoption::router())
        .merge(applications::router())
        .merge(audit::router())
        .merge(commitments::router())
        .merge(datasets::router())
        .merge(evidence::router())
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

/// `GET` of one of the caller's organization's lists (commitments, data sets, plans, people):
/// members only, as JSON or CSV ([`table`]). `list` reads it from the store.
fn own_list<T, F, Fut>(file: &'static str, list: F) -> MethodRouter<Shared>
where
    T: Serialize,
    F: Fn(Store, i64) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = rise_store::Result<Vec<T>>> + Send + 'static,
{
    get(
        move |State(state): State<Shared>, caller: Caller, format: Format| async move {
            let (_, org_id) = caller.member()?;
            let rows = list(state.store.clone(), org_id).await?;
            Ok::<_, ApiError>(table(format, file, serde_json::json!(rows)))
        },
    )
}

/// Who may read a coalition-wide list.
#[derive(Clone, Copy)]
enum Staff {
    /// Admins and reviewers.
    All,
    /// Coalition admins only.
    Admins,
}

/// `GET` of a coalition-wide list (applications, members, the outbox, the audit log), for
/// `who`, as JSON or CSV ([`table`]). `list` reads it from the store.
fn staff_list<T, F, Fut>(who: Staff, file: &'static str, list: F) -> MethodRouter<Shared>
where
    T: Serialize,
    F: Fn(Store) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = rise_store::Result<Vec<T>>> + Send + 'static,
{
    get(
        move |State(state): State<Shared>, caller: Caller, format: Format| async move {
            match who {
                Staff::All => caller.staff()?,
                Staff::Admins => caller.admin()?,
            };
            let rows = list(state.store.clone()).await?;
            Ok::<_, ApiError>(table(format, file, serde_json::json!(rows)))
        },
    )
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
