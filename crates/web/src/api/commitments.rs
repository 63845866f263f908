//! A member's commitments to the framework's actions, and their progress.

use super::{ApiResult, Caller, created, table};
use crate::Shared;
use crate::tables::Format;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, patch};
use axum::{Json, Router};
use rise_store::model::{Actor, CommitmentStatus};
use serde::Deserialize;
use serde_json::{Value, json};

/// This resource's routes.
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/org/commitments", get(commitments).post(commit))
        .route("/org/commitments/{id}", patch(update_commitment))
}

async fn commitments(
    State(state): State<Shared>,
    caller: Caller,
    format: Format,
) -> ApiResult<Response> {
    let (_, org_id) = caller.member()?;
    Ok(table(
        format,
        "commitments.csv",
        json!(state.store.commitments(org_id).await?),
    ))
}

#[derive(Deserialize)]
struct CommitBody {
    action: String,
}

async fn commit(
    State(state): State<Shared>,
    caller: Caller,
    body: Result<Json<CommitBody>, JsonRejection>,
) -> ApiResult<Response> {
    let (user, org_id) = caller.member()?;
    let Json(b) = body?;
    let c = state
        .store
        .commit(org_id, &b.action, &Actor::user(user))
        .await?;
    Ok(created(c))
}

#[derive(Deserialize)]
struct ProgressBody {
    status: CommitmentStatus,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    evidence_url: String,
}

async fn update_commitment(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<i64>,
    body: Result<Json<ProgressBody>, JsonRejection>,
) -> ApiResult<Json<Value>> {
    let (user, org_id) = caller.member()?;
    let Json(b) = body?;
    let c = state
        .store
        .update_commitment(
            org_id,
            id,
            b.status,
            &b.notes,
            &b.evidence_url,
            &Actor::user(user),
        )
        .await?;
    Ok(Json(json!(c)))
}
