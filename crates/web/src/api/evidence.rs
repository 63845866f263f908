//! Evidence of impact: a plan's follow-up data sets and evidence (members), the review queue
//! and decisions (coalition staff).

use super::prelude::*;
use crate::evidence::{Snapshot, current, submit};
use rise_store::Review;
use rise_store::model::EvidenceRecord;

/// This resource's routes.
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/org/plans/{id}/followups", post(add_followup))
        .route(
            "/org/plans/{id}/evidence",
            get(plan_evidence).post(submit_evidence),
        )
        .route(
            "/coalition/evidence",
            staff_list(Staff::All, "evidence.csv", |s| async move {
                s.evidence_queue().await
            }),
        )
        .route("/coalition/evidence/{id}", get(one))
        .route("/coalition/evidence/{id}/review", post(review))
}

/// A record with its snapshot read back, and its steps.
async fn record_json(state: &Shared, r: &EvidenceRecord) -> ApiResult<Value> {
    let snapshot = Snapshot::parse(&r.snapshot);
    Ok(json!({
        "record": r,
        "snapshot": snapshot.map(|s| json!({"evidence": s.evidence, "reasoning": s.reasoning})),
        "steps": state.store.evidence_steps(r.id).await?,
    }))
}

#[derive(Deserialize)]
struct FollowupBody {
    dataset_id: i64,
}

async fn add_followup(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<i64>,
    body: Body<FollowupBody>,
) -> ApiResult<Response> {
    let (user, org_id) = caller.member()?;
    let b = body.value()?;
    let d = state
        .store
        .add_followup(org_id, id, b.dataset_id, &Actor::user(user))
        .await?;
    Ok(created(d))
}

/// The evidence as the plan's data sets give it now (or why there is none), and what was
/// submitted with its review.
async fn plan_evidence(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let (_, org_id) = caller.member()?;
    let plan = state.store.plan(org_id, id).await?;
    let ev = current(&state, org_id, &plan).await?;
    let submission = match state.store.plan_evidence(org_id, id).await? {
        Some(r) => Some(record_json(&state, &r).await?),
        None => None,
    };
    let (computed, reason) = match ev.current {
        Ok(s) => (
            Some(json!({"evidence": s.evidence, "reasoning": s.reasoning, "summary": s.summary()})),
            None,
        ),
        Err(why) => (None, Some(why)),
    };
    Ok(Json(json!({
        "plan_id": id,
        "followups": ev.followups,
        "current": computed,
        "not_computed": reason,
        "submission": submission,
    })))
}

#[derive(Deserialize)]
struct SubmitBody {
    #[serde(default)]
    note: String,
}

async fn submit_evidence(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<i64>,
    body: Body<SubmitBody>,
) -> ApiResult<Response> {
    let (user, org_id) = caller.member()?;
    let b = body.value()?;
    let r = submit(&state, org_id, id, &b.note, &Actor::user(user)).await?;
    Ok((StatusCode::CREATED, Json(record_json(&state, &r).await?)).into_response())
}

async fn one(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    caller.staff()?;
    let r = state.store.evidence(id).await?;
    Ok(Json(record_json(&state, &r).await?))
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum DecisionKey {
    Approve,
    Return,
}

#[derive(Deserialize)]
struct ReviewBody {
    decision: DecisionKey,
    #[serde(default)]
    comment: String,
}

async fn review(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<i64>,
    body: Body<ReviewBody>,
) -> ApiResult<Json<Value>> {
    let user = caller.staff()?;
    let b = body.value()?;
    let decision = match b.decision {
        DecisionKey::Approve => Review::Approve,
        DecisionKey::Return => Review::Return,
    };
    let r = state
        .store
        .review_evidence(id, decision, &b.comment, &Actor::user(user))
        .await?;
    Ok(Json(record_json(&state, &r).await?))
}
