//! What the platform wrote to people outside it (coalition admins).

use super::{ApiResult, Caller, table};
use crate::Shared;
use crate::tables::Format;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rise_store::model::Actor;
use serde_json::json;

/// This resource's routes.
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/coalition/outbox", get(outbox))
        .route("/coalition/outbox/{id}/resend", post(resend))
}

/// What the platform has written to people outside it, newest first, and whether it was
/// delivered (coalition admins); never a message's body.
async fn outbox(
    State(state): State<Shared>,
    caller: Caller,
    format: Format,
) -> ApiResult<Response> {
    caller.admin()?;
    Ok(table(
        format,
        "outbox.csv",
        json!(state.store.outbox(200).await?),
    ))
}

/// Queues a message again; an invitation gets a fresh link (coalition admins).
async fn resend(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let user = caller.admin()?;
    let message = state.store.resend(id, &Actor::user(user)).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"message": message, "status": "queued"})),
    )
        .into_response())
}
