//! Coalition staff: the adoption dashboard and membership applications.

use crate::auth::Viewer;
use crate::error::AppError;
use crate::pages::public::{GroupRow, adoption_or_empty, groups};
use crate::view::{Chrome, render};
use crate::{Shared, charts};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{Html, Redirect};
use rise_store::AdoptionStatus;
use rise_store::model::{Actor, OrgStatus, Organization};

/// A member's row on the dashboard.
pub struct MemberRow {
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
