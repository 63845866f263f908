//! Commitments: a member organization's chosen actions and its progress on them. Every query
//! names the organization, so one member can never read or change another's.

use crate::audit::{self, Change, NONE};
use crate::model::{Actor, Commitment, CommitmentStatus, OrgStatus};
use crate::{Result, Store, StoreError, from_row, now};
use sqlx::Row;

const COLUMNS: &str = "id, organization_id, action_key, category, status, notes, evidence_url, created_at, updated_at";

fn check_url(url: &str) -> Result<()> {
    let u = url.trim();
    if u.is_empty()
        || ((u.starts_with("https://") || u.starts_with("http://"))
            && !u.contains(char::is_whitespace)
            && u.len() <= 2000)
    {
        Ok(())
    } else {
        Err(StoreError::invalid(
            "evidence_url",
            "Give a link starting with https:// (or leave it empty).",
        ))
    }
}

impl Store {
    /// Commits an organization to an action of the current framework that fits its type.
    pub async fn commit(
        &self,
        organization_id: i64,
        action_key: &str,
        actor: &Actor,
    ) -> Result<Commitment> {
        let org = self.organization(organization_id).await?;
        if org.status != OrgStatus::Approved {
            return Err(StoreError::Conflict(
                "Only approved members can commit to actions.".into(),
            ));
        }
        let fw = self.current_framework().await?;
        let action = fw
            .action(action_key)
            .ok_or_else(|| StoreError::invalid("action", "Choose an action of the framework."))?;
        if !action.fits.contains(&org.kind) {
            return Err(StoreError::invalid(
                "action",
                format!(
                    "'{}' is not an action for a {}.",
                    action.title,
                    org.kind.label().to_lowercase()
                ),
            ));
        }
        let (_turn, mut tx) = self.begin_write().await?;
        let t = now();
        let row = sqlx::query(&format!(
            "INSERT INTO commitments (organization_id, action_key, category, status, notes, evidence_url, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {COLUMNS}"))
            .bind(organization_id)
            .bind(&action.key)
            .bind(&action.category)
            .bind(CommitmentStatus::Planned.key())
            .bind("")
            .bind("")
            .bind(&t)
            .bind(&t)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| StoreError::unique(e, "You have already committed to this action."))?;
        let c: Commitment = from_row(&row)?;
        audit::record(&mut tx, actor, "commit", "commitment", c.id, NONE, Some(&c)).await?;
        tx.commit().await?;
        Ok(c)
    }

    /// Records progress on a commitment of `organization_id`.
    pub async fn update_commitment(
        &self,
        organization_id: i64,
        id: i64,
        status: CommitmentStatus,
        notes: &str,
        evidence_url: &str,
        actor: &Actor,
    ) -> Result<Commitment> {
        check_url(evidence_url)?;
        if notes.chars().count() > 4000 {
            return Err(StoreError::invalid(
                "notes",
                "Use at most 4,000 characters.",
            ));
        }
        let (_turn, mut tx) = self.begin_write().await?;
        let select = self.owned_for_update("commitments", COLUMNS);
        let update = format!(
            "UPDATE commitments SET status = $1, notes = $2, evidence_url = $3, updated_at = $4
             WHERE organization_id = $5 AND id = $6 RETURNING {COLUMNS}"
        );
        let (_, after) = audit::update(
            &mut tx,
            Change::new(actor, "update", "commitment", id),
            sqlx::query(&select).bind(organization_id).bind(id),
            sqlx::query(&update)
                .bind(status.key())
                .bind(notes.trim())
                .bind(evidence_url.trim())
                .bind(now())
                .bind(organization_id)
                .bind(id),
        )
        .await?
        .ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        Ok(after)
    }

    /// One commitment of an organization.
    pub async fn commitment(&self, organization_id: i64, id: i64) -> Result<Commitment> {
        self.owned("commitments", COLUMNS, organization_id, id)
            .await
    }

    /// An organization's commitments, oldest first.
    pub async fn commitments(&self, organization_id: i64) -> Result<Vec<Commitment>> {
        self.all_owned("commitments", COLUMNS, organization_id, "id")
            .await
    }

    /// How many approved members committed to each action (the coalition's view).
    pub async fn commitment_counts(&self) -> Result<Vec<(String, i64)>> {
        sqlx::query(
            "SELECT c.action_key AS k, COUNT(*) AS n FROM commitments c
             JOIN organizations o ON o.id = c.organization_id
             WHERE o.status = 'approved' GROUP BY c.action_key ORDER BY n DESC, k",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("k")?, r.try_get("n")?)))
        .collect()
    }
}
