//! A member's commitments to the framework's actions, and their progress.

use super::prelude::*;
use rise_store::model::CommitmentStatus;

/// This resource's routes.
pub fn router() -> Router<Shared> {
    Router::new()
        .route(
            "/org/commitments",
            own_list("commitments.csv", |s, org| async move {
                s.commitments(org).await
            })
            .post(commit),
        )
        .route("/org/commitments/{id}", patch(update_commitment))
}

#[derive(Deserialize)]
struct CommitBody {
    action: String,
}

async fn commit(
    State(state): State<Shared>,
    caller: Caller,
    body: Body<CommitBody>,
) -> ApiResult<Response> {
    let (user, org_id) = caller.member()?;
    let b = body.value()?;
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
    body: Body<ProgressBody>,
) -> ApiResult<Json<Value>> {
    let (user, org_id) = caller.member()?;
    let b = body.value()?;
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
