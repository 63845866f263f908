//! A member organization's own pages: where it stands on adoption, and its commitments.

use crate::Shared;
use crate::auth::Viewer;
use crate::error::AppError;
use crate::view::{Chrome, render};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{Html, Redirect};
use rise_store::model::{Actor, Commitment, CommitmentStatus, Organization};

/// One category of the member's checklist.
pub struct CategoryProgress {
    pub key: String,
    pub title: String,
    pub summary: String,
    pub commitments: Vec<CommitmentView>,
    /// Fitting actions not yet chosen: (key, title).
    pub choices: Vec<(String, String)>,
}

/// A commitment with its action's title.
pub struct CommitmentView {
    pub c: Commitment,
    pub title: String,
    pub retired: bool,
}

#[derive(Template)]
#[template(path = "org_home.html")]
struct OrgHome {
    chrome: Chrome,
    page: std::sync::Arc<OrgPage>,
    statuses: Vec<(&'static str, &'static str)>,
    can_edit: bool,
}

/// What `/org` shows of an organization, the same for each of its people (cached until the
/// next write: `cache::Generations`).
pub struct OrgPage {
    org: Organization,
    categories: Vec<CategoryProgress>,
    committed_categories: usize,
    /// Commitments marked done, of all the organization's commitments.
    done_actions: usize,
    total_actions: usize,
    datasets: usize,
    plans: usize,
    adopted_at: Option<String>,
    /// Approved evidence that an inequity shrank, with its charts.
    impacts: Vec<crate::evidence::Approved>,
    /// Plans whose evidence awaits review.
    awaiting: usize,
}

async fn org_page(state: &Shared, org_id: i64) -> Result<OrgPage, AppError> {
    let org = state.store.organization(org_id).await?;
    let fw = state.store.current_framework().await?;
    let commitments = state.store.commitments(org_id).await?;
    let mut categories = Vec::new();
    for c in fw.required_categories(org.kind) {
        let mine: Vec<CommitmentView> = commitments
            .iter()
            .filter(|x| x.category == c.key)
            .map(|x| {
                let action = fw.action(&x.action_key);
                CommitmentView {
                    c: x.clone(),
                    title: action.map_or_else(|| x.action_key.clone(), |a| a.title.clone()),
                    retired: action.is_none(),
                }
            })
            .collect();
        let choices = fw
            .fitting(&c.key, org.kind)
            .filter(|a| !commitments.iter().any(|x| x.action_key == a.key))
            .map(|a| (a.key.clone(), a.title.clone()))
            .collect();
        categories.push(CategoryProgress {
            key: c.key.clone(),
            title: c.title.clone(),
            summary: c.summary.clone(),
            commitments: mine,
            choices,
        });
    }
    let adoption = state.store.adoption().await?;
    let adopted_at = adoption
        .iter()
        .find(|a| a.organization.id == org_id)
        .and_then(|a| a.adopted_at.clone());
    let (impacts, awaiting) = crate::evidence::of_organization(state, org_id).await?;
    Ok(OrgPage {
        impacts,
        awaiting,
        done_actions: commitments
            .iter()
            .filter(|c| c.status == CommitmentStatus::Done)
            .count(),
        total_actions: commitments.len(),
        committed_categories: categories
            .iter()
            .filter(|c| !c.commitments.is_empty())
            .count(),
        datasets: state.store.datasets(org_id).await?.len(),
        plans: state.store.plans(org_id).await?.len(),
        org,
        categories,
        adopted_at,
    })
}

pub async fn home(State(state): State<Shared>, viewer: Viewer) -> Result<Html<String>, AppError> {
    let (session, org_id) = viewer.member()?;
    let page = state
        .org_pages
        .get_or_try(&org_id, || org_page(&state, org_id))
        .await?;
    render(&OrgHome {
        chrome: Chrome::new(&viewer, &page.org.name),
        page,
        statuses: CommitmentStatus::ALL
            .iter()
            .map(|s| (s.key(), s.label()))
            .collect(),
        can_edit: session.user.organization_id == Some(org_id),
    })
}

#[derive(Debug, serde::Deserialize)]
pub struct CommitForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub action: String,
}

pub async fn commit(
    State(state): State<Shared>,
    viewer: Viewer,
    Form(f): Form<CommitForm>,
) -> Result<Redirect, AppError> {
    viewer.check_csrf(&f.csrf)?;
    let (session, org) = viewer.member()?;
    if f.action.trim().is_empty() {
        return Err(AppError::Conflict(
            "Choose the action to commit to, then press Commit.".into(),
        ));
    }
    let c = state
        .store
        .commit(org, &f.action, &Actor::user(&session.user))
        .await?;
    Ok(Redirect::to(&format!("/org#{}", c.category)))
}

#[derive(Debug, serde::Deserialize)]
pub struct ProgressForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub evidence_url: String,
}

pub async fn update_commitment(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<ProgressForm>,
) -> Result<Redirect, AppError> {
    viewer.check_csrf(&f.csrf)?;
    let (session, org) = viewer.member()?;
    let status = CommitmentStatus::parse(&f.status)
        .ok_or_else(|| AppError::Conflict("Choose planned, in progress or done.".into()))?;
    let c = state
        .store
        .update_commitment(
            org,
            id,
            status,
            &f.notes,
            &f.evidence_url,
            &Actor::user(&session.user),
        )
        .await?;
    Ok(Redirect::to(&format!("/org#{}", c.category)))
}
