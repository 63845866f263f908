//! The accounts of the caller's organization, and invitations into it.

use super::prelude::*;
use rise_store::model::{Email, Role};

/// This resource's routes.
pub fn router() -> Router<Shared> {
    Router::new()
        .route(
            "/org/people",
            own_list("people.csv", |s, org| async move { s.users_of(org).await }),
        )
        .route("/org/invitations", post(invite))
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
    body: Body<InviteBody>,
) -> ApiResult<Response> {
    let (user, org_id) = caller.org_admin()?;
    let b = body.value()?;
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
