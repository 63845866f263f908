//! A member's action plans against its inequities.

use super::{ApiResult, Caller, created, table};
use crate::Shared;
use crate::tables::Format;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use rise_store::model::{Actor, PlanInput, PlanStatus};
use serde::Deserialize;
use serde_json::{Value, json};

/// This resource's routes.
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/org/plans", get(plans).post(create_plan))
        .route("/org/plans/{id}", get(plan).patch(update_plan))
}

async fn plans(State(state): State<Shared>, caller: Caller, format: Format) -> ApiResult<Response> {
    let (_, org_id) = caller.member()?;
    Ok(table(
        format,
        "plans.csv",
        json!(state.store.plans(org_id).await?),
    ))
}

async fn create_plan(
    State(state): State<Shared>,
    caller: Caller,
    body: Result<Json<PlanInput>, JsonRejection>,
) -> ApiResult<Response> {
    let (user, org_id) = caller.member()?;
    let Json(p) = body?;
    let plan = state
        .store
        .create_plan(org_id, &p, &Actor::user(user))
        .await?;
    Ok(created(plan))
}

async fn plan(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let (_, org_id) = caller.member()?;
    Ok(Json(json!(state.store.plan(org_id, id).await?)))
}

#[derive(Deserialize)]
struct PlanStatusBody {
    status: PlanStatus,
}

async fn update_plan(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<i64>,
    body: Result<Json<PlanStatusBody>, JsonRejection>,
) -> ApiResult<Json<Value>> {
    let (user, org_id) = caller.member()?;
    let Json(b) = body?;
    let p = state
        .store
        .set_plan_status(org_id, id, b.status, &Actor::user(user))
        .await?;
    Ok(Json(json!(p)))
}
