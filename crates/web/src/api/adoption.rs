//! Counts only: how many members joined, adopted the framework and demonstrated impact (a
//! reviewer approved their evidence that an inequity shrank), by group and month.

use super::prelude::*;
use crate::adoption::{adoption_or_empty, group_counts};
use std::collections::BTreeMap;

/// This resource's routes.
pub fn router() -> Router<Shared> {
    Router::new().route("/adoption", get(adoption))
}

/// Counts only: how many members, how many adopted, by type, state and region, by month.
async fn adoption(State(state): State<Shared>) -> ApiResult<Json<Value>> {
    let all = adoption_or_empty(&state).await?;
    let group = |key: fn(&rise_store::AdoptionStatus) -> String| {
        group_counts(&all, key)
            .into_iter()
            .map(|g| json!({"group": g.label, "members": g.members, "adopters": g.adopters, "demonstrated_impact": g.impact}))
            .collect::<Vec<_>>()
    };
    let mut by_month: BTreeMap<String, i64> = BTreeMap::new();
    for a in all.iter().filter_map(|a| a.adopted_at.as_deref()) {
        *by_month.entry(a.chars().take(7).collect()).or_default() += 1;
    }
    Ok(Json(json!({
        "members": all.len(),
        "adopters": all.iter().filter(|a| a.adopted_at.is_some()).count(),
        "demonstrated_impact": all.iter().filter(|a| a.impact_at.is_some()).count(),
        "by_type": group(|a| a.organization.kind.key().to_string()),
        "by_state": group(|a| a.organization.state.clone()),
        "by_region": group(|a| a.organization.region.clone()),
        "adopted_by_month": by_month,
    })))
}
