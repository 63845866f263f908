//! Members' progress for coalition staff: adoption, commitments, data sets, plans.

use super::prelude::*;
use crate::adoption::adoption_or_empty;
use rise_store::Store;

/// This resource's routes.
pub fn router() -> Router<Shared> {
    Router::new()
        .route(
            "/coalition/members",
            staff_list(Staff::All, "members.csv", members),
        )
        .route("/coalition/members/{org}", get(member))
}

/// Every member's adoption status, commitments and data sets (no counts of any data set).
async fn members(s: Store) -> rise_store::Result<Vec<Value>> {
    let mut out = Vec::new();
    for a in s.adoption().await? {
        let commitments = s.commitments(a.organization.id).await?;
        let datasets = s.datasets(a.organization.id).await?;
        out.push(json!({
            "adoption": a,
            "commitments": commitments,
            "datasets": datasets,
        }));
    }
    Ok(out)
}

/// One member's progress for staff: adoption, commitments, data sets, and its plans' aims,
/// targets and status (not their baseline rates, which come from the member's own numbers).
async fn member(
    State(state): State<Shared>,
    caller: Caller,
    Path(org_id): Path<i64>,
) -> ApiResult<Json<Value>> {
    caller.staff()?;
    let status = adoption_or_empty(&state)
        .await?
        .into_iter()
        .find(|a| a.organization.id == org_id)
        .ok_or_else(ApiError::not_found)?;
    let plans: Vec<Value> = state
        .store
        .plans(org_id)
        .await?
        .into_iter()
        .map(|p| {
            json!({
                "id": p.id, "dataset_id": p.dataset_id, "measure": p.measure,
                "dimension": p.dimension, "subgroup": p.subgroup, "reference": p.reference,
                "period": p.period, "target_rate": p.target_rate, "target_date": p.target_date,
                "status": p.status,
            })
        })
        .collect();
    Ok(Json(json!({
        "adoption": status,
        "commitments": state.store.commitments(org_id).await?,
        "datasets": state.store.datasets(org_id).await?,
        "plans": plans,
    })))
}
