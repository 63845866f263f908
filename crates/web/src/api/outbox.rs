//! What the platform wrote to people outside it (coalition admins).

use super::prelude::*;

/// This resource's routes.
pub fn router() -> Router<Shared> {
    Router::new()
        // Newest first, with whether each was delivered; never a message's body.
        .route(
            "/coalition/outbox",
            staff_list(Staff::Admins, "outbox.csv", |s| async move {
                s.outbox(200).await
            }),
        )
        .route("/coalition/outbox/{id}/resend", post(resend))
}

/// Queues a message again; an invitation gets a fresh link (coalition admins).
async fn resend(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let user = caller.admin()?;
    let message = state.store.resend(id, &Actor::user(user)).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"message": message, "status": "queued"})),
    )
        .into_response())
}
