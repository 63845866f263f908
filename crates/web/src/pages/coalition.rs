//! Coalition staff: the adoption dashboard and membership applications.

use crate::auth::Viewer;
use crate::error::AppError;
use crate::pages::CsrfOnly;
use crate::pages::public::{GroupRow, adoption_or_empty, groups};
use crate::view::{Chrome, form_errors, render};
use crate::{Shared, charts};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::{Html, Redirect, Response};
use rise_store::AdoptionStatus;
use rise_store::model::{Actor, AuditEntry, Dataset, OrgStatus, Organization};
use rise_store::{FrameworkFile, OutboxEntry, StoreError};

/// A member's row on the dashboard.
pub struct MemberRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub state: String,
    pub categories: String,
    pub dataset: bool,
    pub plan: bool,
    pub adopted: Option<String>,
}

#[derive(Template)]
#[template(path = "coalition_home.html")]
struct CoalitionHome {
    chrome: Chrome,
    members: i64,
    adopters: i64,
    pending: i64,
    chart: String,
    by_kind: Vec<GroupRow>,
    by_state: Vec<GroupRow>,
    by_region: Vec<GroupRow>,
    rows: Vec<MemberRow>,
    popular: Vec<(String, i64)>,
}

fn member_row(a: &AdoptionStatus) -> MemberRow {
    MemberRow {
        id: a.organization.id,
        name: a.organization.name.clone(),
        kind: a.organization.kind.label().to_string(),
        state: a.organization.state.clone(),
        categories: format!(
            "{} of {}",
            a.required.len() - a.missing.len(),
            a.required.len()
        ),
        dataset: a.first_dataset.is_some(),
        plan: a.first_plan.is_some(),
        adopted: a
            .adopted_at
            .as_ref()
            .and_then(|d| d.get(..10))
            .map(str::to_string),
    }
}

pub async fn home(State(state): State<Shared>, viewer: Viewer) -> Result<Html<String>, AppError> {
    viewer.staff()?;
    let all = adoption_or_empty(&state).await?;
    let adopted: Vec<String> = all.iter().filter_map(|a| a.adopted_at.clone()).collect();
    let pending = state
        .store
        .organizations(Some(OrgStatus::Applied))
        .await?
        .len() as i64;
    let titles = state.store.current_framework().await.ok();
    let popular = state
        .store
        .commitment_counts()
        .await?
        .into_iter()
        .take(10)
        .map(|(k, n)| {
            let title = titles
                .as_ref()
                .and_then(|f| f.action(&k))
                .map_or(k.clone(), |a| a.title.clone());
            (title, n)
        })
        .collect();
    render(&CoalitionHome {
        chrome: Chrome::new(&viewer, "Coalition dashboard"),
        members: all.len() as i64,
        adopters: adopted.len() as i64,
        pending,
        chart: charts::cumulative(
            "adopters",
            "Organizations that adopted the framework, cumulative by month",
            &charts::by_month(&adopted),
        ),
        by_kind: groups(&all, |a| a.organization.kind.label().to_string()),
        by_state: groups(&all, |a| a.organization.state.clone()),
        by_region: groups(&all, |a| a.organization.region.clone()),
        rows: all.iter().map(member_row).collect(),
        popular,
    })
}

#[derive(Template)]
#[template(path = "coalition_applications.html")]
struct Applications {
    chrome: Chrome,
    pending: Vec<Organization>,
    decided: Vec<Organization>,
    can_decide: bool,
}

pub async fn applications(
    State(state): State<Shared>,
    viewer: Viewer,
) -> Result<Html<String>, AppError> {
    let session = viewer.staff()?;
    let all = state.store.organizations(None).await?;
    let (pending, mut decided): (Vec<_>, Vec<_>) = all
        .into_iter()
        .partition(|o| o.status == OrgStatus::Applied);
    decided.sort_by(|a, b| b.decided_at.cmp(&a.decided_at));
    decided.truncate(30);
    render(&Applications {
        chrome: Chrome::new(&viewer, "Applications"),
        pending,
        decided,
        can_decide: session.user.role == rise_store::model::Role::CoalitionAdmin,
    })
}

#[derive(Debug, serde::Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub reason: String,
}

pub async fn decide(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<DecisionForm>,
) -> Result<Redirect, AppError> {
    viewer.check_csrf(&f.csrf)?;
    let session = viewer.admin()?;
    let approve = match f.decision.as_str() {
        "approve" => true,
        "decline" => false,
        _ => return Err(AppError::Conflict("Choose approve or decline.".into())),
    };
    state
        .store
        .decide(id, approve, &f.reason, &Actor::user(&session.user))
        .await?;
    Ok(Redirect::to("/coalition/applications"))
}

/// A commitment as staff see it.
pub struct CommitmentLine {
    pub category: String,
    pub title: String,
    pub status: String,
    pub status_key: String,
    pub notes: String,
    pub evidence_url: String,
}

/// A plan as staff see it: its aim, target and status, never the member's baseline rates.
pub struct PlanLine {
    pub measure: String,
    pub group: String,
    pub reference: String,
    pub target: String,
    pub target_date: String,
    pub status: String,
    pub status_key: String,
}

#[derive(Template)]
#[template(path = "coalition_member.html")]
struct MemberPage {
    chrome: Chrome,
    org: Organization,
    adopted_at: Option<String>,
    missing: Vec<String>,
    commitments: Vec<CommitmentLine>,
    datasets: Vec<Dataset>,
    plans: Vec<PlanLine>,
}

/// `GET /coalition/members/{id}`: one member's progress, for staff.
pub async fn member(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    viewer.staff()?;
    let org = state.store.organization(id).await?;
    if org.status != OrgStatus::Approved {
        return Err(AppError::NotFound);
    }
    let fw = state.store.current_framework().await?;
    let status = adoption_or_empty(&state)
        .await?
        .into_iter()
        .find(|a| a.organization.id == id);
    let category_title = |key: &str| {
        fw.categories
            .iter()
            .find(|c| c.key == key)
            .map_or_else(|| key.to_string(), |c| c.title.clone())
    };
    let commitments = state
        .store
        .commitments(id)
        .await?
        .into_iter()
        .map(|c| CommitmentLine {
            category: category_title(&c.category),
            title: fw
                .action(&c.action_key)
                .map_or_else(|| c.action_key.clone(), |a| a.title.clone()),
            status: c.status.label().to_string(),
            status_key: c.status.key().to_string(),
            notes: c.notes,
            evidence_url: c.evidence_url,
        })
        .collect();
    let mut plans = Vec::new();
    for p in state.store.plans(id).await? {
        let measure = state
            .store
            .dataset_measures(id, p.dataset_id)
            .await?
            .into_iter()
            .find(|m| m.measure == p.measure)
            .map_or_else(|| p.measure.clone(), |m| m.title);
        plans.push(PlanLine {
            measure,
            group: rise_aggregate::inequity::label(&p.dimension, &p.subgroup),
            reference: rise_aggregate::inequity::label(&p.dimension, &p.reference),
            target: format!("{:.1}%", p.target_rate * 100.0),
            target_date: p.target_date,
            status: p.status.label().to_string(),
            status_key: p.status.key().to_string(),
        });
    }
    render(&MemberPage {
        chrome: Chrome::new(&viewer, &org.name),
        adopted_at: status.as_ref().and_then(|s| s.adopted_at.clone()),
        missing: status
            .map(|s| s.missing.iter().map(|k| category_title(k)).collect())
            .unwrap_or_default(),
        commitments,
        datasets: state.store.datasets(id).await?,
        plans,
        org,
    })
}

#[derive(Template)]
#[template(path = "coalition_outbox.html")]
struct OutboxPage {
    chrome: Chrome,
    mail: Vec<OutboxEntry>,
    delivering: bool,
}

/// `GET /coalition/outbox`: what the platform has written to people outside it and whether it
/// was delivered, for admins. Never a message's body: an invitation's link is its
/// recipient's alone.
pub async fn outbox(State(state): State<Shared>, viewer: Viewer) -> Result<Html<String>, AppError> {
    viewer.admin()?;
    render(&OutboxPage {
        chrome: Chrome::new(&viewer, "Outbox"),
        mail: state.store.outbox(100).await?,
        delivering: state.mailer.is_some(),
    })
}

/// `POST /coalition/outbox/{id}/resend`: queues a message again (an invitation with a fresh
/// link), for admins.
pub async fn resend(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<CsrfOnly>,
) -> Result<Redirect, AppError> {
    viewer.check_csrf(&f.csrf)?;
    let session = viewer.admin()?;
    state.store.resend(id, &Actor::user(&session.user)).await?;
    Ok(Redirect::to("/coalition/outbox"))
}

#[derive(Template)]
#[template(path = "coalition_audit.html")]
struct AuditPage {
    chrome: Chrome,
    entries: Vec<AuditEntry>,
}

/// `GET /coalition/audit`: the latest writes, for admins.
pub async fn audit(State(state): State<Shared>, viewer: Viewer) -> Result<Html<String>, AppError> {
    viewer.admin()?;
    render(&AuditPage {
        chrome: Chrome::new(&viewer, "Audit log"),
        entries: state.store.audit_log(None, 200).await?,
    })
}

#[derive(Template)]
#[template(path = "coalition_framework.html")]
struct FrameworkEditor {
    chrome: Chrome,
    version: i64,
    versions: Vec<(i64, String, String)>,
    text: String,
    note: String,
    errors: Vec<(String, String)>,
    published: bool,
}

async fn editor(
    state: &Shared,
    viewer: &Viewer,
    text: Option<String>,
    note: String,
    errors: Vec<(String, String)>,
    published: bool,
) -> Result<FrameworkEditor, AppError> {
    let current = state.store.current_framework().await?;
    let text = match text {
        Some(t) => t,
        None => FrameworkFile::of(&current).to_toml()?,
    };
    Ok(FrameworkEditor {
        chrome: Chrome::new(viewer, "Edit the framework"),
        version: current.version,
        versions: state.store.framework_versions().await?,
        text,
        note,
        errors,
        published,
    })
}

/// `GET /coalition/framework`: the current version as an editable file, and the history.
pub async fn framework_form(
    State(state): State<Shared>,
    viewer: Viewer,
) -> Result<Html<String>, AppError> {
    viewer.admin()?;
    render(&editor(&state, &viewer, None, String::new(), Vec::new(), false).await?)
}

#[derive(Debug, serde::Deserialize)]
pub struct FrameworkForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub note: String,
}

/// `POST /coalition/framework`: publishes a new version, or shows what is wrong with it.
pub async fn publish(
    State(state): State<Shared>,
    viewer: Viewer,
    Form(f): Form<FrameworkForm>,
) -> Result<Response, AppError> {
    viewer.check_csrf(&f.csrf)?;
    let session = viewer.admin()?;
    let result = match FrameworkFile::parse(&f.text) {
        Ok(file) => {
            state
                .store
                .publish_framework(&file, &f.note, &Actor::user(&session.user))
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(render(
            &editor(&state, &viewer, None, String::new(), Vec::new(), true).await?,
        )?
        .into_response()),
        Err(StoreError::Invalid(v)) => {
            let errors = form_errors(v, |f| if f == "note" { "note" } else { "text" });
            let page = editor(&state, &viewer, Some(f.text), f.note, errors, false).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

impl FrameworkEditor {
    fn errors_of(&self, field: &str) -> Vec<&str> {
        self.errors
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
            .collect()
    }
}
