//! Aggregate data sets: a member uploads and reads its own; staff read a member's, suppressed.

use super::{ApiError, ApiResult, Caller, created, table};
use crate::Shared;
use crate::tables::Format;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use rise_aggregate::upload::UploadBody;
use rise_store::model::Actor;
use serde_json::json;

/// This resource's routes.
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/org/datasets", get(datasets).post(upload))
        .route("/org/datasets/{id}", get(dataset))
        .route(
            "/coalition/members/{org}/datasets/{id}",
            get(member_dataset),
        )
}

async fn datasets(
    State(state): State<Shared>,
    caller: Caller,
    format: Format,
) -> ApiResult<Response> {
    let (_, org_id) = caller.member()?;
    Ok(table(
        format,
        "datasets.csv",
        json!(state.store.datasets(org_id).await?),
    ))
}

/// What `rise upload` sends: the aggregate file as written, and what its measures are.
async fn upload(
    State(state): State<Shared>,
    caller: Caller,
    body: Result<Json<UploadBody>, JsonRejection>,
) -> ApiResult<Response> {
    let (user, org_id) = caller.member()?;
    let Json(b) = body?;
    let new = b
        .check()
        .map_err(|e| ApiError::invalid(e.field, e.message))?;
    let d = state
        .store
        .add_dataset(org_id, &new, &Actor::user(user))
        .await?;
    Ok(created(d))
}

async fn dataset(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<i64>,
    format: Format,
) -> ApiResult<Response> {
    let (_, org_id) = caller.member()?;
    let view = crate::datasets::load(&state, org_id, id, false).await?;
    if format.csv {
        return Ok(crate::tables::download(
            "rates.csv",
            crate::datasets::rates_csv(&view),
        ));
    }
    Ok(Json(json!(view.as_ref())).into_response())
}

/// A member's data set as staff may see it: suppressed, whatever the member uploaded.
async fn member_dataset(
    State(state): State<Shared>,
    caller: Caller,
    Path((org_id, id)): Path<(i64, i64)>,
    format: Format,
) -> ApiResult<Response> {
    caller.staff()?;
    let view = crate::datasets::load(&state, org_id, id, true).await?;
    if format.csv {
        return Ok(crate::tables::download(
            "rates.csv",
            crate::datasets::rates_csv(&view),
        ));
    }
    Ok(Json(json!(view.as_ref())).into_response())
}
