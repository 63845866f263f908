//! Applications to join: anyone applies; staff list them, coalition admins decide.

use super::{ApiResult, Caller, created, table};
use crate::Shared;
use crate::tables::Format;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use rise_store::model::{Actor, Application, Decision};
use serde::Deserialize;
use serde_json::{Value, json};

/// This resource's routes.
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/applications", post(apply))
        .route("/coalition/applications", get(applications))
        .route("/coalition/applications/{id}/decision", post(decide))
}

async fn apply(
    State(state): State<Shared>,
    body: Result<Json<Application>, JsonRejection>,
) -> ApiResult<Response> {
    let Json(a) = body?;
    let org = state
        .store
        .apply(&a, &Actor::system("public (api)"))
        .await?;
    Ok(created(json!({
        "id": org.id,
        "name": org.name,
        "status": org.status.key(),
        "message": "Thank you. Coalition staff review every application and write to the contact.",
    })))
}

async fn applications(
    State(state): State<Shared>,
    caller: Caller,
    format: Format,
) -> ApiResult<Response> {
    caller.staff()?;
    let pending = state
        .store
        .organizations(Some(rise_store::model::OrgStatus::Applied))
        .await?;
    Ok(table(format, "applications.csv", json!(pending)))
}

#[derive(Deserialize)]
struct DecisionBody {
    decision: Decision,
    #[serde(default)]
    reason: String,
}

async fn decide(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<i64>,
    body: Result<Json<DecisionBody>, JsonRejection>,
) -> ApiResult<Json<Value>> {
    let user = caller.admin()?;
    let Json(b) = body?;
    let approve = b.decision == Decision::Approve;
    let org = state
        .store
        .decide(id, approve, &b.reason, &Actor::user(user))
        .await?;
    Ok(Json(json!(org)))
}
