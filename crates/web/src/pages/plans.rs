//! Action plans: aimed at one named inequity of a data set (measure × dimension × group against
//! a reference group), with its baseline, a target, an owner, the changes to be tested and
//! dates.

use crate::Shared;
use crate::auth::Viewer;
use crate::datasets::{DatasetView, inequity_key, load};
use crate::error::AppError;
use crate::evidence::{self, Snapshot};
use crate::view::{Chrome, field_error, form_errors, render};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use rise_aggregate::chart::rate_chart;
use rise_aggregate::inequity::{dimension_label, label};
use rise_aggregate::report::group_bars;
use rise_store::StoreError;
use rise_store::model::{
    Actor, Dataset, EvidenceRecord, EvidenceStatus, EvidenceStep, Organization, Plan, PlanInput,
    PlanStatus,
};

/// A plan with what people read for it.
pub struct PlanRow {
    pub plan: Plan,
    pub measure_title: String,
    pub group: String,
    pub reference: String,
}

fn pct(r: Option<f64>) -> String {
    r.map_or_else(|| "—".to_string(), |r| format!("{:.1}%", r * 100.0))
}

impl PlanRow {
    pub fn baseline(&self) -> String {
        pct(self.plan.baseline_rate)
    }
    pub fn reference_rate(&self) -> String {
        pct(self.plan.reference_rate)
    }
    pub fn target(&self) -> String {
        pct(Some(self.plan.target_rate))
    }
}

async fn plan_row(state: &Shared, org_id: i64, p: Plan) -> Result<PlanRow, AppError> {
    let measures = state.store.dataset_measures(org_id, p.dataset_id).await?;
    let measure_title = measures
        .iter()
        .find(|m| m.id == p.measure)
        .map_or_else(|| p.measure.clone(), |m| m.title.clone());
    Ok(PlanRow {
        group: label(&p.dimension, &p.subgroup),
        reference: label(&p.dimension, &p.reference),
        measure_title,
        plan: p,
    })
}

#[derive(Template)]
#[template(path = "plans.html")]
struct PlansPage {
    chrome: Chrome,
    org: Organization,
    plans: Vec<PlanRow>,
    has_datasets: bool,
}

/// `GET /org/plans`.
pub async fn list(
    State(state): State<Shared>,
    viewer: Viewer,
    format: crate::tables::Format,
) -> Result<Response, AppError> {
    let (_, org_id) = viewer.member()?;
    if format.csv {
        return Ok(crate::tables::records(
            "plans.csv",
            &state.store.plans(org_id).await?,
        ));
    }
    let org = state.store.organization(org_id).await?;
    let mut plans = Vec::new();
    for p in state.store.plans(org_id).await? {
        plans.push(plan_row(&state, org_id, p).await?);
    }
    render(&PlansPage {
        chrome: Chrome::new(&viewer, "Action plans"),
        has_datasets: !state.store.datasets(org_id).await?.is_empty(),
        org,
        plans,
    })
    .map(IntoResponse::into_response)
}

/// One choice of the inequity list.
pub struct Choice {
    pub key: String,
    pub text: String,
    pub selected: bool,
}

/// The plan form as typed.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct PlanForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub dataset_id: i64,
    #[serde(default)]
    pub inequity: String,
    /// Percent, as typed.
    #[serde(default)]
    pub target: String,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub changes: String,
    #[serde(default)]
    pub start_date: String,
    #[serde(default)]
    pub target_date: String,
}

#[derive(Template)]
#[template(path = "plan_new.html")]
struct NewPlanPage {
    chrome: Chrome,
    org: Organization,
    datasets: Vec<Dataset>,
    dataset: Option<Dataset>,
    choices: Vec<Choice>,
    form: PlanForm,
    errors: Vec<(String, String)>,
}

impl NewPlanPage {
    fn error(&self, field: &str) -> Option<&str> {
        field_error(&self.errors, field)
    }
}

/// The inequities a plan can aim at: each measure × single dimension of the data set's whole
/// period, worst-off group against the comparison group, the headline findings first (the
/// list is ranked so), the others saying why they are not headlines.
fn choices(view: &DatasetView, selected: &str) -> Vec<Choice> {
    view.inequities
        .iter()
        .filter(|q| !q.dimension.contains('*') && q.worst != q.best)
        .map(|q| {
            let key = inequity_key(q);
            let note = match (&q.shown_under, q.headline) {
                (_, true) => String::new(),
                (Some(under), false) => format!(" (the same gap as by {})", dimension_label(under)),
                (None, false) => " (not distinguishable from chance)".to_string(),
            };
            Choice {
                text: format!("{} (comparison group){note}", q.rates_line()),
                selected: key == selected,
                key,
            }
        })
        .collect()
}

async fn new_plan_page(
    state: &Shared,
    viewer: &Viewer,
    org_id: i64,
    form: PlanForm,
    errors: Vec<(String, String)>,
) -> Result<NewPlanPage, AppError> {
    let org = state.store.organization(org_id).await?;
    let datasets = state.store.datasets(org_id).await?;
    let dataset = datasets
        .iter()
        .find(|d| d.id == form.dataset_id)
        .or(datasets.first())
        .cloned();
    let choices = match &dataset {
        Some(d) => choices(&*load(state, org_id, d.id, false).await?, &form.inequity),
        None => Vec::new(),
    };
    Ok(NewPlanPage {
        chrome: Chrome::new(viewer, "New action plan"),
        org,
        datasets,
        dataset,
        choices,
        form,
        errors,
    })
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    pub dataset: Option<i64>,
    #[serde(default)]
    pub inequity: String,
}

/// `GET /org/plans/new[?dataset=ID&inequity=KEY]`.
pub async fn new_form(
    State(state): State<Shared>,
    viewer: Viewer,
    Query(q): Query<NewQuery>,
) -> Result<Html<String>, AppError> {
    let (session, org_id) = viewer.member()?;
    let today = today();
    let form = PlanForm {
        dataset_id: q.dataset.unwrap_or_default(),
        inequity: q.inequity,
        owner: session.user.name.clone(),
        start_date: today.clone(),
        target_date: a_year_after(&today),
        ..PlanForm::default()
    };
    render(&new_plan_page(&state, &viewer, org_id, form, Vec::new()).await?)
}

/// Today as `YYYY-MM-DD` (UTC), from the store's clock.
fn today() -> String {
    rise_store::now().get(..10).unwrap_or_default().to_string()
}

/// The same day a year later (28 February for 29 February).
fn a_year_after(day: &str) -> String {
    let parsed = day.get(..4).and_then(|y| y.parse::<i32>().ok());
    match (parsed, day.get(4..)) {
        (Some(y), Some("-02-29")) => format!("{}-02-28", y + 1),
        (Some(y), Some(rest)) => format!("{}{rest}", y + 1),
        _ => String::new(),
    }
}

/// `POST /org/plans`.
pub async fn create(
    State(state): State<Shared>,
    viewer: Viewer,
    Form(f): Form<PlanForm>,
) -> Result<Response, AppError> {
    viewer.check_csrf(&f.csrf)?;
    let (session, org_id) = viewer.member()?;
    let again = |errors: Vec<(String, String)>| {
        let state = state.clone();
        let viewer = viewer.clone();
        let f = f.clone();
        async move {
            let page = new_plan_page(&state, &viewer, org_id, f, errors).await?;
            Ok::<_, AppError>((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    };
    let parts: Vec<&str> = f.inequity.split('|').collect();
    let [measure, dimension, subgroup, reference] = parts.as_slice() else {
        return again(vec![(
            "inequity".into(),
            "Choose the inequity the plan is aimed at.".into(),
        )])
        .await;
    };
    let target = f.target.trim().trim_end_matches('%').trim();
    let Ok(target) = target.parse::<f64>() else {
        return again(vec![(
            "target".into(),
            "Give the target rate as a percentage, for example 72.5.".into(),
        )])
        .await;
    };
    let period = match state.store.aggregates(org_id, f.dataset_id).await {
        Ok(rows) => rise_aggregate::rows::whole_period(rows.iter().map(|r| r.period.as_str())),
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    }
    .unwrap_or_default();
    let input = PlanInput {
        dataset_id: f.dataset_id,
        measure: measure.to_string(),
        dimension: dimension.to_string(),
        subgroup: subgroup.to_string(),
        reference: reference.to_string(),
        period,
        baseline_rate: None,
        reference_rate: None,
        target_rate: target / 100.0,
        owner: f.owner.clone(),
        changes: f.changes.clone(),
        start_date: f.start_date.clone(),
        target_date: f.target_date.clone(),
    };
    match state
        .store
        .create_plan(org_id, &input, &Actor::user(&session.user))
        .await
    {
        Ok(p) => Ok(Redirect::to(&format!("/org/plans/{}", p.id)).into_response()),
        Err(StoreError::Invalid(v)) => {
            let errors = form_errors(v, |f| match f {
                "measure" | "subgroup" | "reference" | "dataset_id" => "inequity",
                "target_rate" => "target",
                other => other,
            });
            again(errors).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanPage {
    chrome: Chrome,
    org: Organization,
    row: PlanRow,
    dataset: Dataset,
    chart: String,
    statuses: Vec<(&'static str, &'static str)>,
    followups: Vec<Dataset>,
    /// The organization's other data sets, to add as follow-up.
    candidates: Vec<Dataset>,
    /// The evidence shown: the submitted snapshot while under review or approved, else the
    /// evidence as the data sets give it now.
    shown: Option<Snapshot>,
    /// Why there is no evidence yet.
    not_yet: Option<String>,
    record: Option<EvidenceRecord>,
    steps: Vec<EvidenceStep>,
    /// Whether the member can submit now (nothing under review or approved, evidence computed).
    can_submit: bool,
    followup_error: Option<String>,
    submit_error: Option<String>,
}

/// Problems to show on the plan page after a refused form.
#[derive(Default)]
struct PlanErrors {
    followup: Option<String>,
    submit: Option<String>,
}

async fn plan_page(
    state: &Shared,
    viewer: &Viewer,
    org_id: i64,
    id: i64,
    errors: PlanErrors,
) -> Result<PlanPage, AppError> {
    let plan = state.store.plan(org_id, id).await?;
    let view = load(state, org_id, plan.dataset_id, false).await?;
    let chart = view
        .inequities
        .iter()
        .find(|q| q.measure == plan.measure && q.dimension == plan.dimension)
        .map(|q| {
            let bars = group_bars(q, &plan.reference, Some(&plan.subgroup));
            rate_chart(
                "plan",
                &format!("{} by {}", q.title, dimension_label(&q.dimension)),
                &bars,
                Some((plan.target_rate * 100.0, "target")),
            )
        })
        .unwrap_or_default();
    let ev = evidence::current(state, org_id, &plan).await?;
    let record = state.store.plan_evidence(org_id, id).await?;
    let steps = match &record {
        Some(r) => state.store.evidence_steps(r.id).await?,
        None => Vec::new(),
    };
    let frozen = record
        .as_ref()
        .filter(|r| r.status != EvidenceStatus::Returned)
        .and_then(|r| Snapshot::parse(&r.snapshot));
    let (shown, not_yet) = match (frozen, ev.current) {
        (Some(f), _) => (Some(f), None),
        (None, Ok(c)) => (Some(c), None),
        (None, Err(why)) => (None, Some(why)),
    };
    let can_submit = shown.is_some()
        && record
            .as_ref()
            .is_none_or(|r| r.status == EvidenceStatus::Returned);
    let taken: Vec<i64> = std::iter::once(plan.dataset_id)
        .chain(ev.followups.iter().map(|d| d.id))
        .collect();
    let candidates = state
        .store
        .datasets(org_id)
        .await?
        .into_iter()
        .filter(|d| !taken.contains(&d.id))
        .collect();
    let org = state.store.organization(org_id).await?;
    let row = plan_row(state, org_id, plan).await?;
    Ok(PlanPage {
        chrome: Chrome::new(viewer, "Action plan"),
        org,
        row,
        dataset: view.dataset.clone(),
        chart,
        statuses: PlanStatus::ALL
            .iter()
            .map(|s| (s.key(), s.label()))
            .collect(),
        followups: ev.followups,
        candidates,
        shown,
        not_yet,
        record,
        steps,
        can_submit,
        followup_error: errors.followup,
        submit_error: errors.submit,
    })
}

/// `GET /org/plans/{id}`: the plan, its inequity charted against the target, its follow-up
/// data and its evidence of impact.
pub async fn show(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    let (_, org_id) = viewer.member()?;
    render(&plan_page(&state, &viewer, org_id, id, PlanErrors::default()).await?)
}

#[derive(Debug, serde::Deserialize)]
pub struct FollowupForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub dataset_id: i64,
}

/// `POST /org/plans/{id}/followups`: adds a data set as follow-up; a data set that cannot
/// serve is refused on the page with the reason.
pub async fn add_followup(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<FollowupForm>,
) -> Result<Response, AppError> {
    viewer.check_csrf(&f.csrf)?;
    let (session, org_id) = viewer.member()?;
    match state
        .store
        .add_followup(org_id, id, f.dataset_id, &Actor::user(&session.user))
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/org/plans/{id}#evidence")).into_response()),
        Err(StoreError::Invalid(v)) => {
            let errors = PlanErrors {
                followup: Some(
                    v.into_iter()
                        .map(|e| e.message)
                        .collect::<Vec<_>>()
                        .join(" "),
                ),
                ..PlanErrors::default()
            };
            let page = plan_page(&state, &viewer, org_id, id, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct SubmitForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub note: String,
}

/// `POST /org/plans/{id}/evidence`: submits the evidence as computed now for review.
pub async fn submit_evidence(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<SubmitForm>,
) -> Result<Response, AppError> {
    viewer.check_csrf(&f.csrf)?;
    let (session, org_id) = viewer.member()?;
    let refuse = |why: String| {
        let state = state.clone();
        let viewer = viewer.clone();
        async move {
            let errors = PlanErrors {
                submit: Some(why),
                ..PlanErrors::default()
            };
            let page = plan_page(&state, &viewer, org_id, id, errors).await?;
            Ok::<_, AppError>((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    };
    match evidence::submit(&state, org_id, id, &f.note, &Actor::user(&session.user)).await {
        Ok(_) => Ok(Redirect::to(&format!("/org/plans/{id}#evidence")).into_response()),
        Err(AppError::Conflict(why)) => refuse(why).await,
        Err(e) => Err(e),
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub status: String,
}

/// `POST /org/plans/{id}/status`.
pub async fn set_status(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<StatusForm>,
) -> Result<Redirect, AppError> {
    viewer.check_csrf(&f.csrf)?;
    let (session, org_id) = viewer.member()?;
    let status = PlanStatus::parse(&f.status)
        .ok_or_else(|| AppError::Conflict("Choose one of the plan statuses.".into()))?;
    state
        .store
        .set_plan_status(org_id, id, status, &Actor::user(&session.user))
        .await?;
    Ok(Redirect::to(&format!("/org/plans/{id}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_date_defaults_to_a_year_on() {
        assert_eq!(a_year_after("2026-12-02"), "2027-12-02");
        assert_eq!(a_year_after("2028-02-29"), "2029-02-28");
        assert_eq!(a_year_after(""), "");
    }
}
