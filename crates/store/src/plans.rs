//! Action plans: each aimed at one named inequity (measure × dimension × group against a
//! reference group) in one of the member's data sets, with a baseline taken from that data
//! set, a target, an owner, the changes to test, and dates.

use crate::audit::{self, Change, NONE};
use crate::error::Checks;
use crate::model::{Actor, Plan, PlanInput, PlanStatus};
use crate::{Result, Store, StoreError, from_row, now};
use chrono::NaiveDate;

const COLUMNS: &str = "id, organization_id, dataset_id, measure, dimension, subgroup, reference, period, \
    baseline_rate, reference_rate, target_rate, owner, changes, start_date, target_date, status, created_at, updated_at";

impl Store {
    /// Writes an action plan for one of the organization's inequities.
    pub async fn create_plan(
        &self,
        organization_id: i64,
        p: &PlanInput,
        actor: &Actor,
    ) -> Result<Plan> {
        let rows = self
            .aggregates(organization_id, p.dataset_id)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => {
                    StoreError::invalid("dataset_id", "Choose one of your data sets.")
                }
                other => other,
            })?;
        let find = |group: &str| {
            rows.iter().find(|r| {
                r.measure == p.measure
                    && r.dimension == p.dimension
                    && r.subgroup == group
                    && r.period == p.period
            })
        };
        let rate = |group: &str| {
            find(group).and_then(|r| match (r.numerator, r.denominator) {
                (Some(n), Some(d)) if d > 0 => Some(n as f64 / d as f64),
                _ => None,
            })
        };
        let mut c = Checks::default();
        c.check(
            rows.iter().any(|r| r.measure == p.measure),
            "measure",
            "Choose a measure of the data set.",
        );
        c.check(
            find(&p.subgroup).is_some(),
            "subgroup",
            "Choose a group of that measure, dimension and period.",
        );
        c.check(
            find(&p.reference).is_some(),
            "reference",
            "Choose the reference group of that dimension.",
        );
        c.check(
            p.subgroup != p.reference,
            "reference",
            "The reference must be another group.",
        );
        c.check(
            p.target_rate.is_finite() && (0.0..=1.0).contains(&p.target_rate),
            "target_rate",
            "Give the target as a rate between 0 % and 100 %.",
        );
        c.check(
            !p.owner.trim().is_empty(),
            "owner",
            "Name the person accountable for the plan.",
        );
        c.check(
            p.changes.trim().chars().count() >= 10,
            "changes",
            "Describe the changes you will test (PDSA cycles).",
        );
        let start = NaiveDate::parse_from_str(p.start_date.trim(), "%Y-%m-%d").ok();
        let target = NaiveDate::parse_from_str(p.target_date.trim(), "%Y-%m-%d").ok();
        c.check(
            start.is_some(),
            "start_date",
            "Give the start date as YYYY-MM-DD.",
        );
        c.check(
            target.is_some(),
            "target_date",
            "Give the target date as YYYY-MM-DD.",
        );
        if let (Some(s), Some(t)) = (start, target) {
            c.check(
                t > s,
                "target_date",
                "The target date must come after the start.",
            );
        }
        c.finish()?;
        let (_turn, mut tx) = self.begin_write().await?;
        let t = now();
        let row = sqlx::query(&format!(
            "INSERT INTO action_plans (organization_id, dataset_id, measure, dimension, subgroup, reference, period,
                baseline_rate, reference_rate, target_rate, owner, changes, start_date, target_date, status,
                created_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING {COLUMNS}"))
            .bind(organization_id)
            .bind(p.dataset_id)
            .bind(&p.measure)
            .bind(&p.dimension)
            .bind(&p.subgroup)
            .bind(&p.reference)
            .bind(&p.period)
            .bind(rate(&p.subgroup))
            .bind(rate(&p.reference))
            .bind(p.target_rate)
            .bind(p.owner.trim())
            .bind(p.changes.trim())
            .bind(p.start_date.trim())
            .bind(p.target_date.trim())
            .bind(PlanStatus::Active.key())
            .bind(actor.user_id)
            .bind(&t)
            .bind(&t)
            .fetch_one(&mut *tx)
            .await?;
        let created: Plan = from_row(&row)?;
        audit::record(
            &mut tx,
            actor,
            "create",
            "action_plan",
            created.id,
            NONE,
            Some(&created),
        )
        .await?;
        tx.commit().await?;
        Ok(created)
    }

    /// Changes a plan's status.
    pub async fn set_plan_status(
        &self,
        organization_id: i64,
        id: i64,
        status: PlanStatus,
        actor: &Actor,
    ) -> Result<Plan> {
        let (_turn, mut tx) = self.begin_write().await?;
        let select = self.owned_for_update("action_plans", COLUMNS);
        let update = format!(
            "UPDATE action_plans SET status = $1, updated_at = $2
             WHERE organization_id = $3 AND id = $4 RETURNING {COLUMNS}"
        );
        let (_, after) = audit::update(
            &mut tx,
            Change::new(actor, "update", "action_plan", id),
            sqlx::query(&select).bind(organization_id).bind(id),
            sqlx::query(&update)
                .bind(status.key())
                .bind(now())
                .bind(organization_id)
                .bind(id),
        )
        .await?
        .ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        Ok(after)
    }

    /// One plan of an organization.
    pub async fn plan(&self, organization_id: i64, id: i64) -> Result<Plan> {
        self.owned("action_plans", COLUMNS, organization_id, id)
            .await
    }

    /// An organization's plans, newest first.
    pub async fn plans(&self, organization_id: i64) -> Result<Vec<Plan>> {
        self.all_owned("action_plans", COLUMNS, organization_id, "id DESC")
            .await
    }
}
