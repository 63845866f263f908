//! The caller's organization and its adoption status.

use super::prelude::*;
use crate::adoption::adoption_or_empty;

/// This resource's routes.
pub fn router() -> Router<Shared> {
    Router::new().route("/org", get(org))
}

async fn org(State(state): State<Shared>, caller: Caller) -> ApiResult<Json<Value>> {
    let (_, org_id) = caller.member()?;
    let org = state.store.organization(org_id).await?;
    let status = adoption_or_empty(&state)
        .await?
        .into_iter()
        .find(|a| a.organization.id == org_id);
    Ok(Json(json!({ "organization": org, "adoption": status })))
}
