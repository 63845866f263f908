//! The caller: who they are, and their API tokens.

use super::prelude::*;
use crate::auth::no_store;

/// This resource's routes.
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/me", get(me))
        .route("/me/tokens", get(tokens).post(create_token))
        .route("/me/tokens/{id}", delete(revoke_token))
}

async fn me(caller: Caller) -> ApiResult<Json<Value>> {
    let u = caller.user()?;
    Ok(Json(json!({
        "id": u.id, "email": u.email, "name": u.name, "role": u.role.key(),
        "organization_id": u.organization_id,
    })))
}

#[derive(Deserialize)]
struct TokenBody {
    label: String,
}

/// A new API token acting for the caller (shown once).
async fn create_token(
    State(state): State<Shared>,
    caller: Caller,
    body: Body<TokenBody>,
) -> ApiResult<Response> {
    let user = caller.user()?;
    let b = body.value()?;
    let token = state.store.create_api_token(user, &b.label).await?;
    Ok(no_store(created(
        json!({ "label": b.label.trim(), "token": token }),
    )))
}

/// The caller's API tokens: label, when made, last used, revoked (never the secrets).
async fn tokens(
    State(state): State<Shared>,
    caller: Caller,
    format: Format,
) -> ApiResult<Response> {
    let user = caller.user()?;
    Ok(table(
        format,
        "tokens.csv",
        json!(state.store.api_tokens(user).await?),
    ))
}

/// Revokes one of the caller's tokens (it may be the one making the request).
async fn revoke_token(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let user = caller.user()?;
    state.store.revoke_api_token(user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
