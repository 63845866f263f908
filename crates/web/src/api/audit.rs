//! The audit log (coalition admins).

use super::{ApiResult, Caller, table};
use crate::Shared;
use crate::tables::Format;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use serde_json::json;

/// This resource's routes.
pub fn router() -> Router<Shared> {
    Router::new().route("/coalition/audit", get(audit))
}

/// The latest 200 writes (coalition admins).
async fn audit(State(state): State<Shared>, caller: Caller, format: Format) -> ApiResult<Response> {
    caller.admin()?;
    Ok(table(
        format,
        "audit.csv",
        json!(state.store.audit_log(None, 200).await?),
    ))
}
