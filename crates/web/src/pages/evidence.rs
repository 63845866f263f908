//! Coalition staff review members' evidence of impact: the queue, one piece of evidence as it
//! was submitted, and the decision (approve, or return with comments).

use crate::Shared;
use crate::auth::Viewer;
use crate::error::AppError;
use crate::evidence::Snapshot;
use crate::view::{Chrome, render};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use rise_aggregate::inequity::label;
use rise_store::model::{Actor, EvidenceListing, EvidenceRecord, EvidenceStatus, EvidenceStep};
use rise_store::{Review, StoreError};

/// A row of the queue.
pub struct QueueRow {
    pub listing: EvidenceListing,
    pub group: String,
    pub reference: String,
}

#[derive(Template)]
#[template(path = "coalition_evidence.html")]
struct QueuePage {
    chrome: Chrome,
    waiting: Vec<QueueRow>,
    reviewed: Vec<QueueRow>,
}

/// `GET /coalition/evidence`: what awaits review (oldest first), then what was reviewed.
pub async fn queue(State(state): State<Shared>, viewer: Viewer) -> Result<Html<String>, AppError> {
    viewer.staff()?;
    let (waiting, reviewed): (Vec<QueueRow>, Vec<QueueRow>) = state
        .store
        .evidence_queue()
        .await?
        .into_iter()
        .map(|l| QueueRow {
            group: label(&l.dimension, &l.subgroup),
            reference: label(&l.dimension, &l.reference),
            listing: l,
        })
        .partition(|r| r.listing.evidence.status == EvidenceStatus::Submitted);
    render(&QueuePage {
        chrome: Chrome::new(&viewer, "Evidence of impact"),
        waiting,
        reviewed,
    })
}

#[derive(Template)]
#[template(path = "coalition_evidence_review.html")]
struct ReviewPage {
    chrome: Chrome,
    record: EvidenceRecord,
    organization: String,
    measure: String,
    shown: Option<Snapshot>,
    steps: Vec<EvidenceStep>,
    can_approve: bool,
    error: Option<String>,
    comment: String,
}

async fn review_page(
    state: &Shared,
    viewer: &Viewer,
    id: i64,
    error: Option<String>,
    comment: String,
) -> Result<ReviewPage, AppError> {
    let record = state.store.evidence(id).await?;
    let org = state.store.organization(record.organization_id).await?;
    let shown = Snapshot::parse(&record.snapshot);
    let measure = shown
        .as_ref()
        .map_or_else(String::new, |s| s.measure_title.clone());
    Ok(ReviewPage {
        chrome: Chrome::new(viewer, "Review evidence"),
        steps: state.store.evidence_steps(id).await?,
        can_approve: record.status == EvidenceStatus::Submitted
            && shown.as_ref().is_some_and(|s| s.evidence.verdict.counts()),
        organization: org.name,
        measure,
        record,
        shown,
        error,
        comment,
    })
}

/// `GET /coalition/evidence/{id}`: the evidence exactly as submitted.
pub async fn show(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    viewer.staff()?;
    render(&review_page(&state, &viewer, id, None, String::new()).await?)
}

#[derive(Debug, serde::Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub comment: String,
}

/// `POST /coalition/evidence/{id}/review`: approve, or return with comments.
pub async fn review(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<ReviewForm>,
) -> Result<Response, AppError> {
    viewer.check_csrf(&f.csrf)?;
    let session = viewer.staff()?;
    let decision = match f.decision.as_str() {
        "approve" => Review::Approve,
        "return" => Review::Return,
        _ => {
            return Err(AppError::Conflict(
                "Approve the evidence or return it.".into(),
            ));
        }
    };
    let refuse = |status: StatusCode, why: String| {
        let state = state.clone();
        let viewer = viewer.clone();
        let comment = f.comment.clone();
        async move {
            let page = review_page(&state, &viewer, id, Some(why), comment).await?;
            Ok::<_, AppError>((status, render(&page)?).into_response())
        }
    };
    match state
        .store
        .review_evidence(id, decision, &f.comment, &Actor::user(&session.user))
        .await
    {
        Ok(_) => Ok(Redirect::to("/coalition/evidence").into_response()),
        Err(StoreError::Invalid(v)) => {
            let why = v
                .into_iter()
                .map(|e| e.message)
                .collect::<Vec<_>>()
                .join(" ");
            refuse(StatusCode::UNPROCESSABLE_ENTITY, why).await
        }
        Err(StoreError::Conflict(why)) => refuse(StatusCode::CONFLICT, why).await,
        Err(e) => Err(e.into()),
    }
}
