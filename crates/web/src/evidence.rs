//! A plan's evidence of impact as the pages and the API show it: computed from the plan's
//! baseline data set and its follow-ups, always on suppressed counts (so what the member
//! submits is exactly what a reviewer may see), with its reasoning and charts; and the
//! frozen snapshot a submission keeps.

use crate::Shared;
use crate::datasets::load;
use crate::error::AppError;
use rise_aggregate::evidence::{Evidence, EvidenceCharts, evidence, evidence_charts};
use rise_store::Submission;
use rise_store::model::{Actor, Dataset, EvidenceRecord, Plan};
use serde::{Deserialize, Serialize};

/// What a submission freezes: the evidence, its reasoning and its charts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapshot {
    /// The measure's title, as people read it.
    #[serde(default)]
    pub measure_title: String,
    pub evidence: Evidence,
    pub reasoning: Vec<String>,
    pub charts: EvidenceCharts,
}

impl Snapshot {
    /// One line for lists: the gap before and after, and the change with its interval.
    pub fn summary(&self) -> String {
        let e = &self.evidence;
        let lim = |v: Option<f64>| v.map_or("–".into(), |v| format!("{:+.1}", 100.0 * v));
        format!(
            "gap {:+.1} → {:+.1} points; change {:+.1} (95 % CI {} to {})",
            100.0 * e.baseline.gap.value,
            100.0 * e.follow_up.gap.value,
            100.0 * e.change.value,
            lim(e.change.lower),
            lim(e.change.upper)
        )
    }

    /// A stored snapshot; `None` if it cannot be read (written by another version).
    pub fn parse(json: &str) -> Option<Self> {
        serde_json::from_str(json).ok()
    }
}

/// One window of the evidence as a table row.
pub struct WindowRow {
    pub name: &'static str,
    pub periods: String,
    pub group: String,
    pub reference: String,
    pub gap: String,
    pub relative: String,
}

fn pct(v: f64) -> String {
    format!("{:.1} %", 100.0 * v)
}

/// `+1.2 (−0.4 to +2.8)` in points, or a ratio with its interval.
fn with_interval(e: &rise_stats::interval::Estimate, scale: f64, sign: bool) -> String {
    let f = |v: f64| {
        if sign {
            format!("{:+.1}", scale * v)
        } else {
            format!("{:.2}", scale * v)
        }
    };
    match (e.lower, e.upper) {
        (Some(l), Some(u)) => format!("{} ({} to {})", f(e.value), f(l), f(u)),
        _ => f(e.value),
    }
}

impl Snapshot {
    /// Baseline and follow-up, for the table.
    pub fn rows(&self) -> Vec<WindowRow> {
        let e = &self.evidence;
        [("Baseline", &e.baseline), ("Follow-up", &e.follow_up)]
            .into_iter()
            .map(|(name, w)| WindowRow {
                name,
                periods: match (w.periods.first(), w.periods.last()) {
                    (Some(a), Some(b)) if a != b => format!("{a} to {b} ({})", w.periods.len()),
                    (Some(a), _) => a.clone(),
                    _ => String::new(),
                },
                group: format!(
                    "{} ({} of {})",
                    pct(w.group.rate),
                    crate::view::n(w.group.numerator),
                    crate::view::n(w.group.denominator)
                ),
                reference: format!(
                    "{} ({} of {})",
                    pct(w.reference.rate),
                    crate::view::n(w.reference.numerator),
                    crate::view::n(w.reference.denominator)
                ),
                gap: with_interval(&w.gap, 100.0, true),
                relative: w
                    .relative
                    .as_ref()
                    .map_or("–".into(), |r| with_interval(r, 1.0, false)),
            })
            .collect()
    }

    /// The change in the gap, in points with its interval.
    pub fn change(&self) -> String {
        with_interval(&self.evidence.change, 100.0, true)
    }

    /// CSS class of the verdict's badge.
    pub fn verdict_class(&self) -> &'static str {
        if self.evidence.verdict.counts() {
            "verdict good"
        } else {
            "verdict"
        }
    }
}

/// A plan's follow-ups and its evidence now, or why there is none yet.
pub struct PlanEvidence {
    pub followups: Vec<Dataset>,
    pub current: Result<Snapshot, String>,
}

/// Computes the evidence of `plan` (of `org_id`) from its data sets as they are now.
pub async fn current(state: &Shared, org_id: i64, plan: &Plan) -> Result<PlanEvidence, AppError> {
    let followups = state.store.followups(org_id, plan.id).await?;
    let mut sets = Vec::new();
    let mut higher_is_better = true;
    let mut measure_title = plan.measure.clone();
    for (i, id) in std::iter::once(plan.dataset_id)
        .chain(followups.iter().map(|d| d.id))
        .enumerate()
    {
        let view = load(state, org_id, id, true).await?;
        if i == 0
            && let Some(m) = view.measures.iter().find(|m| m.id == plan.measure)
        {
            higher_is_better = m.higher_is_better;
            measure_title = m.title.clone();
        }
        sets.push((view.dataset.label.clone(), view.rows.clone()));
    }
    let plan = plan.clone();
    // A few thousand rows at most, but p-charts and intervals all the same: off the async
    // workers.
    let current = tokio::task::spawn_blocking(move || {
        let Some(target) = plan.target(higher_is_better) else {
            return Err(format!(
                "The plan's start date {:?} is not a date.",
                plan.start_date
            ));
        };
        evidence(&sets, &target)
            .and_then(|e| {
                let charts = evidence_charts(&sets, &target, &e)?;
                Ok(Snapshot {
                    measure_title,
                    reasoning: e.reasoning(),
                    evidence: e,
                    charts,
                })
            })
            .map_err(|e| e.sentence())
    })
    .await
    .map_err(|e| AppError::Internal(format!("evidence failed: {e}")))?;
    Ok(PlanEvidence { followups, current })
}

/// Submits the evidence of plan `id` as its data sets give it now; refused (a conflict, with
/// the reason) when it cannot be computed or is already under review or approved.
pub async fn submit(
    state: &Shared,
    org_id: i64,
    id: i64,
    note: &str,
    actor: &Actor,
) -> Result<EvidenceRecord, AppError> {
    let plan = state.store.plan(org_id, id).await?;
    let snap = current(state, org_id, &plan)
        .await?
        .current
        .map_err(AppError::Conflict)?;
    let json = serde_json::to_string(&snap)
        .map_err(|e| AppError::Internal(format!("evidence snapshot: {e}")))?;
    Ok(state
        .store
        .submit_evidence(
            org_id,
            id,
            &Submission {
                verdict: snap.evidence.verdict,
                summary: &snap.summary(),
                snapshot: &json,
                note,
            },
            actor,
        )
        .await?)
}

/// A member's approved evidence, as the public page lists it.
pub struct Impact {
    pub organization: String,
    pub measure: String,
    pub group: String,
    pub reference: String,
    pub summary: String,
    pub approved: String,
}

/// Every approved piece of evidence, latest first. Its numbers were computed on suppressed
/// counts, so they may be public.
pub async fn impacts(state: &Shared) -> Result<Vec<Impact>, AppError> {
    Ok(state
        .store
        .evidence_queue()
        .await?
        .into_iter()
        .filter(|l| l.evidence.status == rise_store::model::EvidenceStatus::Approved)
        .map(|l| Impact {
            measure: Snapshot::parse(&l.evidence.snapshot)
                .map(|s| s.measure_title)
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| l.measure.clone()),
            group: rise_aggregate::inequity::label(&l.dimension, &l.subgroup),
            reference: rise_aggregate::inequity::label(&l.dimension, &l.reference),
            summary: l.evidence.summary.clone(),
            approved: l
                .evidence
                .reviewed_at
                .as_deref()
                .and_then(|t| t.get(..10))
                .unwrap_or_default()
                .to_string(),
            organization: l.organization,
        })
        .collect())
}

/// A member's approved evidence with its snapshot, for its own page and the staff's.
pub struct Approved {
    pub plan_id: i64,
    pub approved: String,
    pub snap: Snapshot,
}

/// An organization's approved evidence (latest first) and how many of its plans' evidence
/// await review.
pub async fn of_organization(
    state: &Shared,
    org_id: i64,
) -> Result<(Vec<Approved>, usize), AppError> {
    let mine: Vec<_> = state
        .store
        .evidence_queue()
        .await?
        .into_iter()
        .filter(|l| l.evidence.organization_id == org_id)
        .collect();
    let awaiting = mine
        .iter()
        .filter(|l| l.evidence.status == rise_store::model::EvidenceStatus::Submitted)
        .count();
    let approved = mine
        .into_iter()
        .filter(|l| l.evidence.status == rise_store::model::EvidenceStatus::Approved)
        .filter_map(|l| {
            Some(Approved {
                plan_id: l.evidence.plan_id,
                approved: l.evidence.reviewed_at.as_deref()?.get(..10)?.to_string(),
                snap: Snapshot::parse(&l.evidence.snapshot)?,
            })
        })
        .collect();
    Ok((approved, awaiting))
}
