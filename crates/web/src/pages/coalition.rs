//! Coalition staff: the adoption dashboard and membership applications.

use crate::adoption::{GroupRow, adoption_or_empty, groups};
use crate::auth::Viewer;
use crate::error::AppError;
use crate::pages::CsrfOnly;
use crate::tables::{self, Format};
use crate::view::{Chrome, form_errors, render};
use crate::{Shared, charts};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::{Html, Redirect, Response};
use rise_store::AdoptionStatus;
use rise_store::model::{Actor, AuditEntry, Dataset, Decision, OrgStatus, Organization};
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
    impact: i64,
    awaiting: i64,
    pending: i64,
    chart: String,
    by_kind: Vec<GroupRow>,
    by_state: Vec<GroupRow>,
    by_region: Vec<GroupRow>,
    rows: Vec<MemberRow>,
    popular: Vec<(String, i64)>,
    query: String,
    sort: String,
    sort_links: Vec<SortLink>,
    csv_href: String,
}

/// A sortable column heading of the members table.
pub struct SortLink {
    pub label: &'static str,
    pub href: String,
    pub active: bool,
    pub arrow: &'static str,
    pub aria: &'static str,
}

/// `?q=` (search) and `?sort=` (a column; `-column` for descending) of the members table.
#[derive(Debug, Default, serde::Deserialize)]
pub struct MemberQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub sort: String,
}

/// The members table's columns: key, heading.
const MEMBER_COLUMNS: [(&str, &str); 7] = [
    ("name", "Organization"),
    ("kind", "Type"),
    ("state", "State"),
    ("categories", "Categories committed"),
    ("dataset", "Data set"),
    ("plan", "Plan"),
    ("adopted", "Adopted"),
];

/// The rows that match `q` (in name, type or state, any case), sorted as `sort` says.
fn select_members(mut rows: Vec<MemberRow>, q: &str, sort: &str) -> Vec<MemberRow> {
    let needle = q.trim().to_lowercase();
    if !needle.is_empty() {
        rows.retain(|r| {
            [&r.name, &r.kind, &r.state]
                .iter()
                .any(|f| f.to_lowercase().contains(&needle))
        });
    }
    let (key, descending) = match sort.strip_prefix('-') {
        Some(k) => (k, true),
        None => (sort, false),
    };
    rows.sort_by(|a, b| {
        let o = match key {
            "kind" => a.kind.cmp(&b.kind),
            "state" => a.state.cmp(&b.state),
            "categories" => a.categories.cmp(&b.categories),
            "dataset" => a.dataset.cmp(&b.dataset),
            "plan" => a.plan.cmp(&b.plan),
            "adopted" => a.adopted.cmp(&b.adopted),
            _ => std::cmp::Ordering::Equal,
        };
        let o = o.then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()));
        if descending { o.reverse() } else { o }
    });
    rows
}

fn sort_links(q: &str, sort: &str) -> Vec<SortLink> {
    MEMBER_COLUMNS
        .iter()
        .map(|(key, label)| {
            let asc = sort == *key || (sort.is_empty() && *key == "name");
            let desc = sort.strip_prefix('-') == Some(key);
            let next = if asc {
                format!("-{key}")
            } else {
                key.to_string()
            };
            SortLink {
                label,
                href: format!(
                    "/coalition?q={}&sort={next}#members",
                    crate::error::encode(q)
                ),
                active: asc || desc,
                arrow: if desc { "▼" } else { "▲" },
                aria: if desc { "descending" } else { "ascending" },
            }
        })
        .collect()
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

pub async fn home(
    State(state): State<Shared>,
    viewer: Viewer,
    Query(query): Query<MemberQuery>,
    format: Format,
) -> Result<Response, AppError> {
    viewer.staff()?;
    let all = adoption_or_empty(&state).await?;
    let rows = select_members(all.iter().map(member_row).collect(), &query.q, &query.sort);
    if format.csv {
        let table: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| {
                serde_json::json!({
                    "id": r.id, "name": r.name, "type": r.kind, "state": r.state,
                    "categories_committed": r.categories, "dataset": r.dataset,
                    "plan": r.plan, "adopted": r.adopted,
                })
            })
            .collect();
        return Ok(tables::rows("members.csv", &table));
    }
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
        impact: all.iter().filter(|a| a.impact_at.is_some()).count() as i64,
        awaiting: state
            .store
            .evidence_queue()
            .await?
            .iter()
            .filter(|l| l.evidence.status == rise_store::model::EvidenceStatus::Submitted)
            .count() as i64,
        pending,
        chart: charts::cumulative(
            "adopters",
            "Organizations that adopted the framework, cumulative by month",
            &charts::by_month(&adopted),
        ),
        by_kind: groups(&all, |a| a.organization.kind.label().to_string()),
        by_state: groups(&all, |a| a.organization.state.clone()),
        by_region: groups(&all, |a| a.organization.region.clone()),
        rows,
        popular,
        sort_links: sort_links(&query.q, &query.sort),
        csv_href: format!(
            "/coalition?format=csv&q={}&sort={}",
            crate::error::encode(&query.q),
            crate::error::encode(&query.sort)
        ),
        query: query.q,
        sort: query.sort,
    })
    .map(IntoResponse::into_response)
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
    format: Format,
) -> Result<Response, AppError> {
    let session = viewer.staff()?;
    let all = state.store.organizations(None).await?;
    if format.csv {
        return Ok(tables::records("applications.csv", &all));
    }
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
    .map(IntoResponse::into_response)
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
    let approve = match Decision::parse(&f.decision) {
        Some(d) => d == Decision::Approve,
        None => return Err(AppError::Conflict("Choose approve or decline.".into())),
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
    impacts: Vec<crate::evidence::Approved>,
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
            .find(|m| m.id == p.measure)
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
    let (impacts, _) = crate::evidence::of_organization(&state, id).await?;
    render(&MemberPage {
        impacts,
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
pub async fn outbox(
    State(state): State<Shared>,
    viewer: Viewer,
    format: Format,
) -> Result<Response, AppError> {
    viewer.admin()?;
    let mail = state.store.outbox(100).await?;
    if format.csv {
        return Ok(tables::records("outbox.csv", &mail));
    }
    render(&OutboxPage {
        chrome: Chrome::new(&viewer, "Outbox"),
        mail,
        delivering: state.mailer.is_some(),
    })
    .map(IntoResponse::into_response)
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
    entries: Vec<AuditRow>,
}

/// An audit entry with the record it touched named, not numbered.
pub struct AuditRow {
    pub entry: AuditEntry,
    pub record: String,
}

/// "Dataset “Baseline 2024” of Riverside Health": the record's own name (from the state
/// written), and its organization's.
fn record_name(e: &AuditEntry, orgs: &std::collections::HashMap<i64, String>) -> String {
    let kind = e.entity.replace('_', " ");
    let state: Option<serde_json::Value> = e
        .after
        .as_deref()
        .or(e.before.as_deref())
        .and_then(|t| serde_json::from_str(t).ok());
    let field = |k: &str| {
        state
            .as_ref()
            .and_then(|v| v.get(k))
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    let id: Option<i64> = e.entity_id.parse().ok();
    if e.entity == "framework" {
        return format!("Framework version {}", e.entity_id);
    }
    if e.entity == "organization"
        && let Some(name) = id
            .and_then(|i| orgs.get(&i))
            .cloned()
            .or_else(|| field("name"))
    {
        return format!("Organization “{name}”");
    }
    let own = ["name", "label", "title", "email", "action", "measure"]
        .iter()
        .find_map(|k| field(k));
    let org = state
        .as_ref()
        .and_then(|v| v.get("organization_id"))
        .and_then(|v| v.as_i64())
        .and_then(|i| orgs.get(&i));
    let mut out = match own {
        Some(n) => format!("{kind} “{n}”"),
        None => format!("{kind} {}", e.entity_id),
    };
    if let Some(o) = org {
        out.push_str(&format!(" of {o}"));
    }
    let mut c = out.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or(out)
}

/// `GET /coalition/audit`: the latest writes, for admins.
pub async fn audit(
    State(state): State<Shared>,
    viewer: Viewer,
    format: Format,
) -> Result<Response, AppError> {
    viewer.admin()?;
    let orgs: std::collections::HashMap<i64, String> = state
        .store
        .organizations(None)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let entries: Vec<AuditRow> = state
        .store
        .audit_log(None, 200)
        .await?
        .into_iter()
        .map(|entry| AuditRow {
            record: record_name(&entry, &orgs),
            entry,
        })
        .collect();
    if format.csv {
        let table: Vec<serde_json::Value> = entries
            .iter()
            .map(|r| {
                serde_json::json!({
                    "id": r.entry.id, "at": r.entry.at, "who": r.entry.actor,
                    "action": r.entry.action, "record": r.record,
                    "entity": r.entry.entity, "entity_id": r.entry.entity_id,
                    "before": r.entry.before, "after": r.entry.after,
                })
            })
            .collect();
        return Ok(tables::rows("audit.csv", &table));
    }
    render(&AuditPage {
        chrome: Chrome::new(&viewer, "Audit log"),
        entries,
    })
    .map(IntoResponse::into_response)
}

#[derive(Template)]
#[template(path = "coalition_framework.html")]
struct FrameworkEditor {
    chrome: Chrome,
    version: i64,
    versions: Vec<rise_store::model::FrameworkVersion>,
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
