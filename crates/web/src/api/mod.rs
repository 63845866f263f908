//! The JSON API (`/api/v1/…`): everything the pages do, for programs — `rise upload` first.
//!
//! Programs authenticate with an API token (`Authorization: Bearer …`), made on the member's
//! token page; cookies are ignored here, so no other site can make a browser call the API in
//! someone's name and no CSRF token is needed. The walls are the pages' walls: a member sees
//! its own organization only (another organization's records answer 404, as if they did not
//! exist), coalition staff see members' data sets only suppressed, the public sees counts and
//! the framework. Errors are JSON: `{"error": {"status", "message", "fields": [{field,
//! message}]}}`.

mod openapi;

use crate::Shared;
use crate::adoption::{adoption_or_empty, group_counts};
use crate::auth::no_store;
use crate::tables::Format;
use axum::Json;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rise_aggregate::upload::UploadBody;
use rise_store::StoreError;
use rise_store::model::{Actor, Application, CommitmentStatus, PlanInput, PlanStatus, Role, User};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub use openapi::document as openapi_document;

/// The API's routes, to be nested under `/api/v1`.
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/framework", get(framework))
        .route("/adoption", get(adoption))
        .route("/applications", post(apply))
        .route("/me", get(me))
        .route("/me/tokens", get(tokens).post(create_token))
        .route("/me/tokens/{id}", axum::routing::delete(revoke_token))
        .route("/org", get(org))
        .route("/org/commitments", get(commitments).post(commit))
        .route(
            "/org/commitments/{id}",
            axum::routing::patch(update_commitment),
        )
        .route("/org/datasets", get(datasets).post(upload))
        .route("/org/datasets/{id}", get(dataset))
        .route("/org/plans", get(plans).post(create_plan))
        .route("/org/plans/{id}", get(plan).patch(update_plan))
        .route("/org/people", get(people))
        .route("/org/invitations", post(invite))
        .route("/coalition/applications", get(applications))
        .route("/coalition/applications/{id}/decision", post(decide))
        .route("/coalition/members", get(members))
        .route(
            "/coalition/members/{org}/datasets/{id}",
            get(member_dataset),
        )
        .route("/coalition/members/{org}", get(member))
        .route("/coalition/framework", post(publish_framework))
        .route("/coalition/outbox", get(outbox))
        .route("/coalition/outbox/{id}/resend", post(resend))
        .route("/coalition/audit", get(audit))
        .fallback(not_found)
}

/// An error of the API, as JSON.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
    fields: Vec<(String, String)>,
    /// Seconds to wait, for a 429 (sent as `Retry-After`).
    retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            fields: Vec::new(),
            retry_after: None,
        }
    }

    fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "Send an API token: 'Authorization: Bearer <token>' (make one on your organization's token page).",
        )
    }

    fn too_many(seconds: u64, message: impl Into<String>) -> Self {
        Self {
            retry_after: Some(seconds),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, message)
        }
    }

    fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "Your account does not give access to this.",
        )
    }

    fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "Nothing here, or you do not have access to it.",
        )
    }

    fn invalid(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            fields: vec![(field.to_string(), message.clone())],
            message,
            retry_after: None,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::not_found(),
            StoreError::Conflict(m) => Self::new(StatusCode::CONFLICT, m),
            StoreError::Invalid(v) => Self {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                message: v
                    .iter()
                    .map(|f| f.message.clone())
                    .collect::<Vec<_>>()
                    .join(" "),
                fields: v.into_iter().map(|f| (f.field, f.message)).collect(),
                retry_after: None,
            },
            StoreError::Throttled { seconds } => {
                let (seconds, message) = crate::error::throttled(seconds);
                Self::too_many(seconds, message)
            }
            other => {
                eprintln!("rise-web: internal error (api): {other}");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong; the error has been logged.",
                )
            }
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(e: JsonRejection) -> Self {
        // The body text names the JSON problem (line, column, field) without internals.
        Self::new(e.status(), e.body_text())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let fields: Vec<Value> = self
            .fields
            .iter()
            .map(|(f, m)| json!({ "field": f, "message": m }))
            .collect();
        let body = json!({ "error": {
            "status": self.status.as_u16(),
            "message": self.message,
            "fields": fields,
        }});
        let mut res = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            res = crate::error::retry_after(res, seconds);
        }
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        res
    }
}

type ApiResult<T> = Result<T, ApiError>;

/// The caller, identified by an API token; `None` for the public.
pub struct Caller(Option<User>);

impl FromRequestParts<Shared> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> ApiResult<Self> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Ok(Caller(None));
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(ApiError::unauthorized)?;
        match state.store.api_token_user(token).await {
            Ok(u) => Ok(Caller(Some(u))),
            // Wrong tokens are counted per address, as sign-ins are; right ones never are.
            Err(StoreError::NotFound) => {
                let client = crate::client::ClientAddr::of(parts, state.trust_forwarded_for);
                match state.api_failures.check(client) {
                    Ok(()) => Err(ApiError::unauthorized()),
                    Err(seconds) => Err(ApiError::too_many(
                        seconds,
                        format!(
                            "Too many requests with a wrong token from your network. Try again in {}.",
                            crate::client::wait_words(seconds)
                        ),
                    )),
                }
            }
            Err(e) => Err(e.into()),
        }
    }
}

impl Caller {
    fn user(&self) -> ApiResult<&User> {
        self.0.as_ref().ok_or_else(ApiError::unauthorized)
    }

    /// A person of a member organization, with its id.
    fn member(&self) -> ApiResult<(&User, i64)> {
        let u = self.user()?;
        u.organization_id
            .map(|o| (u, o))
            .ok_or_else(ApiError::forbidden)
    }

    /// An admin of a member organization, with its id.
    fn org_admin(&self) -> ApiResult<(&User, i64)> {
        let (u, o) = self.member()?;
        if u.role == Role::OrgAdmin {
            Ok((u, o))
        } else {
            Err(ApiError::forbidden())
        }
    }

    fn staff(&self) -> ApiResult<&User> {
        let u = self.user()?;
        if u.role.is_staff() {
            Ok(u)
        } else {
            Err(ApiError::forbidden())
        }
    }

    fn admin(&self) -> ApiResult<&User> {
        let u = self.user()?;
        if u.role == Role::CoalitionAdmin {
            Ok(u)
        } else {
            Err(ApiError::forbidden())
        }
    }
}

async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!(
            "No such API route: {}. The routes are described at /openapi.json.",
            uri.path()
        ),
    )
}

fn created<T: Serialize>(value: T) -> Response {
    (StatusCode::CREATED, Json(value)).into_response()
}

// --- public -------------------------------------------------------------------------------

async fn framework(State(state): State<Shared>) -> ApiResult<Json<Value>> {
    let fw = state.store.current_framework().await?;
    Ok(Json(json!(fw)))
}

/// Counts only: how many members, how many adopted, by type, state and region, by month.
async fn adoption(State(state): State<Shared>) -> ApiResult<Json<Value>> {
    let all = adoption_or_empty(&state).await?;
    let group = |key: fn(&rise_store::AdoptionStatus) -> String| {
        group_counts(&all, key)
            .into_iter()
            .map(|g| json!({"group": g.label, "members": g.members, "adopters": g.adopters}))
            .collect::<Vec<_>>()
    };
    let mut by_month: BTreeMap<String, i64> = BTreeMap::new();
    for a in all.iter().filter_map(|a| a.adopted_at.as_deref()) {
        *by_month.entry(a.chars().take(7).collect()).or_default() += 1;
    }
    Ok(Json(json!({
        "members": all.len(),
        "adopters": all.iter().filter(|a| a.adopted_at.is_some()).count(),
        "by_type": group(|a| a.organization.kind.key().to_string()),
        "by_state": group(|a| a.organization.state.clone()),
        "by_region": group(|a| a.organization.region.clone()),
        "adopted_by_month": by_month,
    })))
}

async fn apply(
    State(state): State<Shared>,
    body: Result<Json<Application>, JsonRejection>,
) -> ApiResult<Response> {
    let Json(a) = body?;
    let org = state
        .store
        .apply(&a, &Actor::system("public (api)"))
        .await?;
    Ok(created(json!({
        "id": org.id,
        "name": org.name,
        "status": org.status.key(),
        "message": "Thank you. Coalition staff review every application and write to the contact.",
    })))
}

// --- a member's own organization ----------------------------------------------------------

async fn me(caller: Caller) -> ApiResult<Json<Value>> {
    let u = caller.user()?;
    Ok(Json(json!({
        "id": u.id, "email": u.email, "name": u.name, "role": u.role.key(),
        "organization_id": u.organization_id,
    })))
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

async fn commitments(
    State(state): State<Shared>,
    caller: Caller,
    format: Format,
) -> ApiResult<Response> {
    let (_, org_id) = caller.member()?;
    Ok(table(
        format,
        "commitments.csv",
        json!(state.store.commitments(org_id).await?),
    ))
}

#[derive(Deserialize)]
struct CommitBody {
    action: String,
}

async fn commit(
    State(state): State<Shared>,
    caller: Caller,
    body: Result<Json<CommitBody>, JsonRejection>,
) -> ApiResult<Response> {
    let (user, org_id) = caller.member()?;
    let Json(b) = body?;
    let c = state
        .store
        .commit(org_id, &b.action, &Actor::user(user))
        .await?;
    Ok(created(c))
}

#[derive(Deserialize)]
struct ProgressBody {
    status: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    evidence_url: String,
}

async fn update_commitment(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<i64>,
    body: Result<Json<ProgressBody>, JsonRejection>,
) -> ApiResult<Json<Value>> {
    let (user, org_id) = caller.member()?;
    let Json(b) = body?;
    let status = CommitmentStatus::parse(&b.status)
        .ok_or_else(|| ApiError::invalid("status", "Use planned, in_progress or done."))?;
    let c = state
        .store
        .update_commitment(
            org_id,
            id,
            status,
            &b.notes,
            &b.evidence_url,
            &Actor::user(user),
        )
        .await?;
    Ok(Json(json!(c)))
}

async fn datasets(
    State(state): State<Shared>,
    caller: Caller,
    format: Format,
) -> ApiResult<Response> {
    let (_, org_id) = caller.member()?;
    Ok(table(
        format,
        "datasets.csv",
        json!(state.store.datasets(org_id).await?),
    ))
}

/// What `rise upload` sends: the aggregate file as written, and what its measures are.
async fn upload(
    State(state): State<Shared>,
    caller: Caller,
    body: Result<Json<UploadBody>, JsonRejection>,
) -> ApiResult<Response> {
    let (user, org_id) = caller.member()?;
    let Json(b) = body?;
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
    if format.csv {
        return Ok(crate::tables::download(
            "rates.csv",
            crate::datasets::rates_csv(&view),
        ));
    }
    Ok(Json(json!(view.as_ref())).into_response())
}

async fn plans(State(state): State<Shared>, caller: Caller, format: Format) -> ApiResult<Response> {
    let (_, org_id) = caller.member()?;
    Ok(table(
        format,
        "plans.csv",
        json!(state.store.plans(org_id).await?),
    ))
}

async fn create_plan(
    State(state): State<Shared>,
    caller: Caller,
    body: Result<Json<PlanInput>, JsonRejection>,
) -> ApiResult<Response> {
    let (user, org_id) = caller.member()?;
    let Json(p) = body?;
    let plan = state
        .store
        .create_plan(org_id, &p, &Actor::user(user))
        .await?;
    Ok(created(plan))
}

async fn plan(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let (_, org_id) = caller.member()?;
    Ok(Json(json!(state.store.plan(org_id, id).await?)))
}

#[derive(Deserialize)]
struct PlanStatusBody {
    status: String,
}

async fn update_plan(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<i64>,
    body: Result<Json<PlanStatusBody>, JsonRejection>,
) -> ApiResult<Json<Value>> {
    let (user, org_id) = caller.member()?;
    let Json(b) = body?;
    let status = PlanStatus::parse(&b.status)
        .ok_or_else(|| ApiError::invalid("status", "Use draft, active, achieved or closed."))?;
    let p = state
        .store
        .set_plan_status(org_id, id, status, &Actor::user(user))
        .await?;
    Ok(Json(json!(p)))
}

// --- coalition staff -----------------------------------------------------------------------

async fn applications(
    State(state): State<Shared>,
    caller: Caller,
    format: Format,
) -> ApiResult<Response> {
    caller.staff()?;
    let pending = state
        .store
        .organizations(Some(rise_store::model::OrgStatus::Applied))
        .await?;
    Ok(table(format, "applications.csv", json!(pending)))
}

#[derive(Deserialize)]
struct DecisionBody {
    /// `approve` or `decline`.
    decision: String,
    #[serde(default)]
    reason: String,
}

async fn decide(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<i64>,
    body: Result<Json<DecisionBody>, JsonRejection>,
) -> ApiResult<Json<Value>> {
    let user = caller.admin()?;
    let Json(b) = body?;
    let approve = match b.decision.as_str() {
        "approve" => true,
        "decline" => false,
        _ => return Err(ApiError::invalid("decision", "Use approve or decline.")),
    };
    let org = state
        .store
        .decide(id, approve, &b.reason, &Actor::user(user))
        .await?;
    Ok(Json(json!(org)))
}

/// Every member's adoption status and commitments (no counts of any data set).
async fn members(
    State(state): State<Shared>,
    caller: Caller,
    format: Format,
) -> ApiResult<Response> {
    caller.staff()?;
    let mut out = Vec::new();
    for a in state.store.adoption().await? {
        let commitments = state.store.commitments(a.organization.id).await?;
        let datasets = state.store.datasets(a.organization.id).await?;
        out.push(json!({
            "adoption": a,
            "commitments": commitments,
            "datasets": datasets,
        }));
    }
    Ok(table(format, "members.csv", json!(out)))
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
    if format.csv {
        return Ok(crate::tables::download(
            "rates.csv",
            crate::datasets::rates_csv(&view),
        ));
    }
    Ok(Json(json!(view.as_ref())).into_response())
}

#[derive(Deserialize)]
struct TokenBody {
    label: String,
}

/// A new API token acting for the caller (shown once).
async fn create_token(
    State(state): State<Shared>,
    caller: Caller,
    body: Result<Json<TokenBody>, JsonRejection>,
) -> ApiResult<Response> {
    let user = caller.user()?;
    let Json(b) = body?;
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
    #[serde(default)]
    role: String,
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
    let role = match b.role.as_str() {
        "" | "org_member" => Role::OrgMember,
        "org_admin" => Role::OrgAdmin,
        _ => return Err(ApiError::invalid("role", "Use org_member or org_admin.")),
    };
    state
        .store
        .invite(org_id, &b.email, role, &Actor::user(user))
        .await?;
    Ok(created(json!({
        "email": b.email.trim().to_ascii_lowercase(),
        "role": role.key(),
        "status": "queued",
    })))
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
    body: Result<Json<FrameworkBody>, JsonRejection>,
) -> ApiResult<Response> {
    let user = caller.admin()?;
    let Json(b) = body?;
    let file = rise_store::FrameworkFile::parse(&b.toml)?;
    let fw = state
        .store
        .publish_framework(&file, &b.note, &Actor::user(user))
        .await?;
    Ok(created(fw))
}

/// What the platform has written to people outside it, newest first, and whether it was
/// delivered (coalition admins); never a message's body.
async fn outbox(
    State(state): State<Shared>,
    caller: Caller,
    format: Format,
) -> ApiResult<Response> {
    caller.admin()?;
    Ok(table(
        format,
        "outbox.csv",
        json!(state.store.outbox(200).await?),
    ))
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

/// The latest 200 writes (coalition admins).
async fn audit(State(state): State<Shared>, caller: Caller, format: Format) -> ApiResult<Response> {
    caller.admin()?;
    Ok(table(
        format,
        "audit.csv",
        json!(state.store.audit_log(None, 200).await?),
    ))
}

/// A list as JSON, or as CSV when the caller asked for it (`?format=csv`, `Accept: text/csv`).
fn table(format: Format, file: &str, value: Value) -> Response {
    match (&value, format.csv) {
        (Value::Array(rows), true) => crate::tables::rows(file, rows),
        _ => Json(value).into_response(),
    }
}

/// `GET /openapi.json`.
pub async fn openapi() -> Json<Value> {
    Json(openapi::document())
}
