//! Applications to join: anyone applies; staff list them, coalition admins decide.

use super::prelude::*;
use rise_store::model::{Application, Decision, OrgStatus};

/// This resource's routes.
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/applications", post(apply))
        .route(
            "/coalition/applications",
            staff_list(Staff::All, "applications.csv", |s| async move {
                s.organizations(Some(OrgStatus::Applied)).await
            }),
        )
        .route("/coalition/applications/{id}/decision", post(decide))
}

async fn apply(State(state): State<Shared>, body: Body<Application>) -> ApiResult<Response> {
    let a = body.value()?;
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
    body: Body<DecisionBody>,
) -> ApiResult<Json<Value>> {
    let user = caller.admin()?;
    let b = body.value()?;
    let approve = b.decision == Decision::Approve;
    let org = state
        .store
        .decide(id, approve, &b.reason, &Actor::user(user))
        .await?;
    Ok(Json(json!(org)))
}
