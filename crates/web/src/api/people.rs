//! The accounts of the caller's organization, and invitations into it.

use super::{ApiResult, Caller, created, table};
use crate::Shared;
use crate::tables::Format;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use rise_store::model::{Actor, Email, Role};
use serde::Deserialize;
use serde_json::json;

/// This resource's routes.
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/org/people", get(people))
        .route("/org/invitations", post(invite))
}

/// The accounts of the caller's organization.
async fn people(
    State(state): State<Shared>,
    caller: Caller,
    format: Format,
) -> ApiResult<Response> {
    let (_, org_id) = caller.member()?;
    Ok(table(
        format,
        "people.csv",
        json!(state.store.users_of(org_id).await?),
    ))
}

#[derive(Deserialize)]
struct InviteBody {
    email: String,
    /// An organization member unless given.
    #[serde(default)]
    role: Option<Role>,
}

/// An invitation into the caller's organization (organization admins). Its one-time link is
/// mailed to the invited person alone, never returned.
async fn invite(
    State(state): State<Shared>,
    caller: Caller,
    body: Result<Json<InviteBody>, JsonRejection>,
) -> ApiResult<Response> {
    let (user, org_id) = caller.org_admin()?;
    let Json(b) = body?;
    let role = b.role.unwrap_or(Role::OrgMember);
    state
        .store
        .invite(org_id, &b.email, role, &Actor::user(user))
        .await?;
    Ok(created(json!({
        "email": Email::normalised(&b.email),
        "role": role.key(),
        "status": "queued",
    })))
}
