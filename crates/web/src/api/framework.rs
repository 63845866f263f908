//! The framework: anyone reads the current version; coalition admins publish a new one.

use super::prelude::*;

/// This resource's routes.
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/framework", get(framework))
        .route("/coalition/framework", post(publish_framework))
}

async fn framework(State(state): State<Shared>) -> ApiResult<Json<Value>> {
    let fw = state.store.current_framework().await?;
    Ok(Json(json!(fw)))
}

#[derive(Deserialize)]
struct FrameworkBody {
    /// The whole framework as TOML (as `/coalition/framework` edits it).
    toml: String,
    note: String,
}

/// Publishes a new version of the framework (coalition admins).
async fn publish_framework(
    State(state): State<Shared>,
    caller: Caller,
    body: Body<FrameworkBody>,
) -> ApiResult<Response> {
    let user = caller.admin()?;
    let b = body.value()?;
    let file = rise_store::FrameworkFile::parse(&b.toml)?;
    let fw = state
        .store
        .publish_framework(&file, &b.note, &Actor::user(user))
        .await?;
    Ok(created(fw))
}
