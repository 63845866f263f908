//! Pages for everyone, no sign-in: the coalition's headline numbers, the framework, the
//! application form.

use crate::Shared;
use crate::adoption::{GroupRow, adoption_or_empty, groups};
use crate::auth::Viewer;
use crate::charts;
use crate::error::AppError;
use crate::view::{Chrome, render};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use rise_store::StoreError;
use rise_store::model::{Actor, Application, Framework, OrgKind, STATES};

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    chrome: Chrome,
    s: std::sync::Arc<Summary>,
}

/// The public home page's numbers.
pub struct Summary {
    members: i64,
    adopters: i64,
    impact: i64,
    /// Who demonstrated impact, and on what.
    impacts: Vec<crate::evidence::Impact>,
    commitments: i64,
    actions: usize,
    chart: String,
    by_kind: Vec<GroupRow>,
    by_region: Vec<GroupRow>,
}

async fn summary(state: &Shared) -> Result<Summary, AppError> {
    let all = adoption_or_empty(state).await?;
    let adopted: Vec<String> = all.iter().filter_map(|a| a.adopted_at.clone()).collect();
    let commitments = state
        .store
        .commitment_counts()
        .await?
        .iter()
        .map(|c| c.1)
        .sum();
    let actions = match state.store.current_framework().await {
        Ok(f) => f.actions.len(),
        Err(_) => 0,
    };
    Ok(Summary {
        members: all.len() as i64,
        adopters: adopted.len() as i64,
        impact: all.iter().filter(|a| a.impact_at.is_some()).count() as i64,
        impacts: crate::evidence::impacts(state).await?,
        commitments,
        actions,
        chart: charts::cumulative(
            "adopters",
            "Organizations that adopted the framework, cumulative by month",
            &charts::by_month(&adopted),
        ),
        by_kind: groups(&all, |a| a.organization.kind.label().to_string()),
        by_region: groups(&all, |a| a.organization.region.clone()),
    })
}

/// `GET /`: the coalition's headline numbers, at most a second old.
pub async fn home(State(state): State<Shared>, viewer: Viewer) -> Result<Html<String>, AppError> {
    let s = state.public.get_or_try(|| summary(&state)).await?;
    render(&Home {
        chrome: Chrome::new(&viewer, "Rise to Health Equity coalition"),
        s,
    })
}

/// A category with its actions, for the framework page.
pub struct CategoryView {
    pub key: String,
    pub title: String,
    pub summary: String,
    pub actions: Vec<ActionView>,
}

/// An action with its organization types spelled out.
pub struct ActionView {
    pub key: String,
    pub title: String,
    pub description: String,
    pub evidence: String,
    pub fits: String,
}

pub(crate) fn category_views(fw: &Framework) -> Vec<CategoryView> {
    fw.categories
        .iter()
        .map(|c| CategoryView {
            key: c.key.clone(),
            title: c.title.clone(),
            summary: c.summary.clone(),
            actions: fw
                .actions
                .iter()
                .filter(|a| a.category == c.key)
                .map(|a| ActionView {
                    key: a.key.clone(),
                    title: a.title.clone(),
                    description: a.description.clone(),
                    evidence: a.evidence.clone(),
                    fits: if a.fits.len() == OrgKind::ALL.len() {
                        "All organization types".to_string()
                    } else {
                        a.fits
                            .iter()
                            .map(|k| k.label())
                            .collect::<Vec<_>>()
                            .join(", ")
                    },
                })
                .collect(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "framework.html")]
struct FrameworkPage {
    chrome: Chrome,
    version: i64,
    published: String,
    categories: Vec<CategoryView>,
}

pub async fn framework(
    State(state): State<Shared>,
    viewer: Viewer,
) -> Result<Html<String>, AppError> {
    let fw = state.store.current_framework().await?;
    render(&FrameworkPage {
        chrome: Chrome::new(&viewer, "The framework"),
        version: fw.version,
        published: fw.created_at.get(..10).unwrap_or("").to_string(),
        categories: category_views(&fw),
    })
}

/// The application form, with what was typed and the errors.
#[derive(Template)]
#[template(path = "apply.html")]
struct ApplyPage {
    chrome: Chrome,
    form: ApplyForm,
    errors: Vec<(String, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    states: Vec<&'static str>,
    done: Option<String>,
}

impl ApplyPage {
    fn error(&self, field: &str) -> Option<&str> {
        crate::view::field_error(&self.errors, field)
    }
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct ApplyForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub contact_email: String,
    #[serde(default)]
    pub why: String,
}

fn apply_page(
    viewer: &Viewer,
    form: ApplyForm,
    errors: Vec<(String, String)>,
    done: Option<String>,
) -> ApplyPage {
    ApplyPage {
        chrome: Chrome::new(viewer, "Join the coalition"),
        form,
        errors,
        kinds: OrgKind::ALL.iter().map(|k| (k.key(), k.label())).collect(),
        states: STATES.to_vec(),
        done,
    }
}

pub async fn apply_form(viewer: Viewer) -> Result<Html<String>, AppError> {
    render(&apply_page(&viewer, ApplyForm::default(), Vec::new(), None))
}

pub async fn apply(
    State(state): State<Shared>,
    viewer: Viewer,
    Form(form): Form<ApplyForm>,
) -> Result<Response, AppError> {
    viewer.check_csrf(&form.csrf)?;
    let application = Application {
        name: form.name.clone(),
        kind: form.kind.clone(),
        state: form.state.clone(),
        contact_name: form.contact_name.clone(),
        contact_email: form.contact_email.clone(),
        why: form.why.clone(),
    };
    match state
        .store
        .apply(&application, &Actor::system("public application form"))
        .await
    {
        Ok(o) => Ok(render(&apply_page(
            &viewer,
            ApplyForm::default(),
            Vec::new(),
            Some(o.name),
        ))?
        .into_response()),
        Err(StoreError::Invalid(errs)) => {
            let errors = crate::view::form_errors(errs, |f| f);
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&apply_page(&viewer, form, errors, None))?,
            )
                .into_response())
        }
        Err(StoreError::Conflict(m)) => {
            let errors = vec![("name".to_string(), m)];
            Ok((
                StatusCode::CONFLICT,
                render(&apply_page(&viewer, form, errors, None))?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn healthz(State(state): State<Shared>) -> Response {
    match state
        .store
        .organizations(Some(rise_store::model::OrgStatus::Approved))
        .await
    {
        Ok(_) => (StatusCode::OK, "ok\n").into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response(),
    }
}

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/rise.css"),
    )
        .into_response()
}

pub async fn not_found() -> AppError {
    AppError::NotFound
}
