//! Aggregate data sets: a member uploads and reads its own; staff read a member's, suppressed.

use super::prelude::*;
use rise_aggregate::upload::UploadBody;

/// This resource's routes.
pub fn router() -> Router<Shared> {
    Router::new()
        .route(
            "/org/datasets",
            own_list(
                "datasets.csv",
                |s, org| async move { s.datasets(org).await },
            )
            .post(upload),
        )
        .route("/org/datasets/{id}", get(dataset))
        .route(
            "/coalition/members/{org}/datasets/{id}",
            get(member_dataset),
        )
}

/// What `rise upload` sends: the aggregate file as written, and what its measures are.
async fn upload(
    State(state): State<Shared>,
    caller: Caller,
    body: Body<UploadBody>,
) -> ApiResult<Response> {
    let (user, org_id) = caller.member()?;
    let b = body.value()?;
    let new = b
        .check()
        .map_err(|e| ApiError::invalid(e.field, e.message))?;
    let d = state
        .store
        .add_dataset(org_id, &new, &Actor::user(user))
        .await?;
    Ok(created(d))
}

async fn dataset(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<i64>,
    format: Format,
) -> ApiResult<Response> {
    let (_, org_id) = caller.member()?;
    let view = crate::datasets::load(&state, org_id, id, false).await?;
    Ok(answer(&view, format))
}

/// A member's data set as staff may see it: suppressed, whatever the member uploaded.
async fn member_dataset(
    State(state): State<Shared>,
    caller: Caller,
    Path((org_id, id)): Path<(i64, i64)>,
    format: Format,
) -> ApiResult<Response> {
    caller.staff()?;
    let view = crate::datasets::load(&state, org_id, id, true).await?;
    Ok(answer(&view, format))
}

/// A data set as JSON, or its rates as CSV.
fn answer(view: &crate::datasets::DatasetView, format: Format) -> Response {
    if format.csv {
        crate::tables::download("rates.csv", crate::datasets::rates_csv(view))
    } else {
        Json(json!(view)).into_response()
    }
}
