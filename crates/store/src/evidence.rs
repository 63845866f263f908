//! Evidence of impact: a plan's follow-up data sets, the evidence a member submits for it and
//! its review by coalition staff. The numbers are computed by `rise_aggregate::evidence` from
//! the data sets (the web layer computes them on suppressed counts, so what a reviewer sees
//! holds nothing the coalition's rule hides); the store keeps what was submitted, frozen, and
//! every step of the review.

use crate::audit::{self, NONE};
use crate::model::{
    Actor, Dataset, EvidenceListing, EvidenceRecord, EvidenceStatus, EvidenceStep, Plan,
};
use crate::{Result, Store, StoreError, from_row, now};
use chrono::NaiveDate;
use rise_aggregate::evidence::{EvidenceError, Target, Verdict, evidence};
use sqlx::Row;

const COLUMNS: &str = "id, organization_id, plan_id, status, verdict, summary, snapshot, note, \
    submitted_at, reviewed_at, reviewer_comment, updated_at";

impl Plan {
    /// The inequity the plan aims at, for `rise_aggregate::evidence`; `None` when its start
    /// date is not a date.
    pub fn target(&self, higher_is_better: bool) -> Option<Target<'_>> {
        Some(Target {
            measure: &self.measure,
            dimension: &self.dimension,
            group: &self.subgroup,
            reference: &self.reference,
            start: NaiveDate::parse_from_str(&self.start_date, "%Y-%m-%d").ok()?,
            higher_is_better,
        })
    }
}

/// What a member submits: the computed evidence as JSON, its verdict and summary, a note.
#[derive(Debug, Clone)]
pub struct Submission<'a> {
    pub verdict: Verdict,
    pub summary: &'a str,
    pub snapshot: &'a str,
    pub note: &'a str,
}

/// A reviewer's decision on evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Review {
    Approve,
    Return,
}

impl Store {
    /// Adds one of the organization's data sets to a plan as follow-up data. Refused with the
    /// reason when it cannot serve as follow-up: another organization's, the plan's own
    /// baseline, already added, or without the plan's measure, dimension and groups, or with
    /// periods that overlap those already there.
    pub async fn add_followup(
        &self,
        organization_id: i64,
        plan_id: i64,
        dataset_id: i64,
        actor: &Actor,
    ) -> Result<Dataset> {
        let plan = self.plan(organization_id, plan_id).await?;
        let dataset = self
            .dataset(organization_id, dataset_id)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => {
                    StoreError::invalid("dataset_id", "Choose one of your data sets.")
                }
                other => other,
            })?;
        if dataset_id == plan.dataset_id {
            return Err(StoreError::invalid(
                "dataset_id",
                "That is the plan's baseline data set; choose the data set that follows it up.",
            ));
        }
        let mut all = vec![self.dataset(organization_id, plan.dataset_id).await?];
        all.extend(self.followups(organization_id, plan_id).await?);
        if all.iter().any(|d| d.id == dataset_id) {
            return Err(StoreError::invalid(
                "dataset_id",
                "That data set already follows this plan up.",
            ));
        }
        all.push(dataset.clone());
        let mut sets = Vec::new();
        for d in all {
            sets.push((d.label, self.aggregates(organization_id, d.id).await?));
        }
        // The direction does not matter for whether the data sets can be read together.
        let target = plan.target(true).ok_or_else(|| {
            StoreError::invalid("start_date", "The plan has no valid start date.")
        })?;
        // Too little data to tell yet is no reason to refuse more of it: only a data set that
        // cannot be read with the others is.
        if let Err(
            e @ (EvidenceError::Mismatch { .. }
            | EvidenceError::Period(_)
            | EvidenceError::Overlap(..)),
        ) = evidence(&sets, &target)
        {
            return Err(StoreError::invalid("dataset_id", e.sentence()));
        }
        let (_turn, mut tx) = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO plan_followups (plan_id, dataset_id, added_by, added_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(plan_id)
        .bind(dataset_id)
        .bind(actor.user_id)
        .bind(now())
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::unique(e, "That data set already follows this plan up."))?;
        audit::record(
            &mut tx,
            actor,
            "add_followup",
            "action_plan",
            plan_id,
            NONE,
            Some(&serde_json::json!({ "dataset_id": dataset_id, "label": dataset.label })),
        )
        .await?;
        tx.commit().await?;
        Ok(dataset)
    }

    /// The data sets following a plan up, in the order they were added.
    pub async fn followups(&self, organization_id: i64, plan_id: i64) -> Result<Vec<Dataset>> {
        self.plan(organization_id, plan_id).await?;
        let ids: Vec<i64> = sqlx::query(
            "SELECT dataset_id FROM plan_followups WHERE plan_id = $1 ORDER BY added_at, dataset_id",
        )
        .bind(plan_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| r.try_get("dataset_id"))
        .collect::<std::result::Result<_, _>>()?;
        let mut out = Vec::new();
        for id in ids {
            out.push(self.dataset(organization_id, id).await?);
        }
        Ok(out)
    }

    /// Submits (or, after a return, resubmits) a plan's evidence for review.
    pub async fn submit_evidence(
        &self,
        organization_id: i64,
        plan_id: i64,
        s: &Submission<'_>,
        actor: &Actor,
    ) -> Result<EvidenceRecord> {
        self.plan(organization_id, plan_id).await?;
        let (_turn, mut tx) = self.begin_write().await?;
        let existing = sqlx::query(&self.for_update(&format!(
            "SELECT {COLUMNS} FROM evidence WHERE organization_id = $1 AND plan_id = $2"
        )))
        .bind(organization_id)
        .bind(plan_id)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| from_row::<EvidenceRecord>(&r))
        .transpose()?;
        let t = now();
        let after: EvidenceRecord = match &existing {
            Some(e) if e.status == EvidenceStatus::Submitted => {
                return Err(StoreError::Conflict(
                    "This evidence is already awaiting review.".into(),
                ));
            }
            Some(e) if e.status == EvidenceStatus::Approved => {
                return Err(StoreError::Conflict(
                    "This evidence has been approved; it cannot be submitted again.".into(),
                ));
            }
            Some(e) => from_row(
                &sqlx::query(&format!(
                    "UPDATE evidence SET status = $1, verdict = $2, summary = $3, snapshot = $4,
                        note = $5, submitted_at = $6, reviewed_at = NULL, reviewer_comment = '',
                        updated_at = $6
                     WHERE id = $7 RETURNING {COLUMNS}"
                ))
                .bind(EvidenceStatus::Submitted.key())
                .bind(s.verdict.key())
                .bind(s.summary)
                .bind(s.snapshot)
                .bind(s.note.trim())
                .bind(&t)
                .bind(e.id)
                .fetch_one(&mut *tx)
                .await?,
            )?,
            None => from_row(
                &sqlx::query(&format!(
                    "INSERT INTO evidence (organization_id, plan_id, status, verdict, summary, snapshot,
                        note, submitted_at, reviewed_at, reviewer_comment, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, '', $8) RETURNING {COLUMNS}"
                ))
                .bind(organization_id)
                .bind(plan_id)
                .bind(EvidenceStatus::Submitted.key())
                .bind(s.verdict.key())
                .bind(s.summary)
                .bind(s.snapshot)
                .bind(s.note.trim())
                .bind(&t)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| StoreError::unique(e, "This evidence is already awaiting review."))?,
            )?,
        };
        step(&mut tx, after.id, "submitted", s.note.trim(), actor).await?;
        audit::record(
            &mut tx,
            actor,
            "submit",
            "evidence",
            after.id,
            existing.as_ref(),
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// A plan's evidence, if it has been submitted.
    pub async fn plan_evidence(
        &self,
        organization_id: i64,
        plan_id: i64,
    ) -> Result<Option<EvidenceRecord>> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM evidence WHERE organization_id = $1 AND plan_id = $2"
        ))
        .bind(organization_id)
        .bind(plan_id)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| from_row(&r))
        .transpose()
    }

    /// One piece of evidence, for coalition staff (the caller checks the role).
    pub async fn evidence(&self, id: i64) -> Result<EvidenceRecord> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM evidence WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        from_row(&row)
    }

    /// The steps of a review, oldest first.
    pub async fn evidence_steps(&self, evidence_id: i64) -> Result<Vec<EvidenceStep>> {
        sqlx::query(
            "SELECT id, evidence_id, action, comment, actor, at FROM evidence_steps
             WHERE evidence_id = $1 ORDER BY id",
        )
        .bind(evidence_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(from_row)
        .collect()
    }

    /// Every piece of evidence, for the staff's queue: awaiting review first (oldest first),
    /// then the reviewed, latest first.
    pub async fn evidence_queue(&self) -> Result<Vec<EvidenceListing>> {
        let cols: String = COLUMNS
            .split(", ")
            .map(|c| format!("e.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        sqlx::query(&format!(
            "SELECT {cols}, o.name AS organization, p.measure, p.dimension, p.subgroup, p.reference
             FROM evidence e
             JOIN organizations o ON o.id = e.organization_id
             JOIN action_plans p ON p.id = e.plan_id
             ORDER BY CASE WHEN e.status = 'submitted' THEN 0 ELSE 1 END,
                      CASE WHEN e.status = 'submitted' THEN e.submitted_at END ASC,
                      e.updated_at DESC, e.id"
        ))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(EvidenceListing {
                evidence: from_row(r)?,
                organization: r.try_get("organization")?,
                measure: r.try_get("measure")?,
                dimension: r.try_get("dimension")?,
                subgroup: r.try_get("subgroup")?,
                reference: r.try_get("reference")?,
            })
        })
        .collect()
    }

    /// A reviewer approves evidence or returns it with comments. Only evidence awaiting review
    /// can be decided; only a verdict of *gap narrowed* can be approved; a return must say
    /// why.
    pub async fn review_evidence(
        &self,
        id: i64,
        decision: Review,
        comment: &str,
        actor: &Actor,
    ) -> Result<EvidenceRecord> {
        let comment = comment.trim();
        if decision == Review::Return && comment.is_empty() {
            return Err(StoreError::invalid(
                "comment",
                "Say what the member should change or add.",
            ));
        }
        let (_turn, mut tx) = self.begin_write().await?;
        let before: EvidenceRecord = from_row(
            &sqlx::query(
                &self.for_update(&format!("SELECT {COLUMNS} FROM evidence WHERE id = $1")),
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?,
        )?;
        if before.status != EvidenceStatus::Submitted {
            return Err(StoreError::Conflict(format!(
                "This evidence is not awaiting review (it is {}).",
                before.status.label().to_lowercase()
            )));
        }
        if decision == Review::Approve && before.verdict != Verdict::Narrowed.key() {
            return Err(StoreError::Conflict(
                "Only evidence whose gap narrowed beyond chance, with the group itself improving, can be approved; return it with comments instead.".into(),
            ));
        }
        let (status, action) = match decision {
            Review::Approve => (EvidenceStatus::Approved, "approved"),
            Review::Return => (EvidenceStatus::Returned, "returned"),
        };
        let t = now();
        let after: EvidenceRecord = from_row(
            &sqlx::query(&format!(
                "UPDATE evidence SET status = $1, reviewed_at = $2, reviewer_comment = $3, updated_at = $2
                 WHERE id = $4 RETURNING {COLUMNS}"
            ))
            .bind(status.key())
            .bind(&t)
            .bind(comment)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?,
        )?;
        step(&mut tx, id, action, comment, actor).await?;
        audit::record(
            &mut tx,
            actor,
            action,
            "evidence",
            id,
            Some(&before),
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }
}

async fn step(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    evidence_id: i64,
    action: &str,
    comment: &str,
    actor: &Actor,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO evidence_steps (evidence_id, action, comment, actor, at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(evidence_id)
    .bind(action)
    .bind(comment)
    .bind(&actor.label)
    .bind(now())
    .execute(&mut **tx)
    .await?;
    Ok(())
}
