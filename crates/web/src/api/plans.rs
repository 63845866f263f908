//! A member's action plans against its inequities.

use super::prelude::*;
use rise_store::model::{PlanInput, PlanStatus};

/// This resource's routes.
pub fn router() -> Router<Shared> {
    Router::new()
        .route(
            "/org/plans",
            own_list("plans.csv", |s, org| async move { s.plans(org).await }).post(create_plan),
        )
        .route("/org/plans/{id}", get(plan).patch(update_plan))
}

async fn create_plan(
    State(state): State<Shared>,
    caller: Caller,
    body: Body<PlanInput>,
) -> ApiResult<Response> {
    let (user, org_id) = caller.member()?;
    let p = body.value()?;
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
    body: Body<PlanStatusBody>,
) -> ApiResult<Json<Value>> {
    let (user, org_id) = caller.member()?;
    let b = body.value()?;
    let p = state
        .store
        .set_plan_status(org_id, id, b.status, &Actor::user(user))
        .await?;
    Ok(Json(json!(p)))
}
