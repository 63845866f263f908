//! Adoption: an organization has *adopted the framework* when it is an approved member with a
//! commitment in every category that has an action fitting its type, a baseline data set, and
//! at least one action plan. The date of adoption is when the last of these came true, so the
//! coalition can count adopters over time from the records themselves. It has *demonstrated
//! impact* once a reviewer approved evidence that one of its inequities shrank.

use crate::model::{OrgStatus, Organization};
use crate::{Result, Store};
use serde::Serialize;
use sqlx::Row;
use std::collections::HashMap;

/// Where one member stands.
#[derive(Debug, Clone, Serialize)]
pub struct AdoptionStatus {
    pub organization: Organization,
    /// Categories the member must commit in (keys, in framework order).
    pub required: Vec<String>,
    /// Required categories without a commitment yet.
    pub missing: Vec<String>,
    pub first_dataset: Option<String>,
    pub first_plan: Option<String>,
    /// When the member adopted the framework, if it has.
    pub adopted_at: Option<String>,
    /// When a reviewer first approved evidence that one of its inequities shrank: the member
    /// has *demonstrated impact*.
    pub impact_at: Option<String>,
}

/// An adopter, for counting.
pub type Adopter = AdoptionStatus;

impl Store {
    /// The adoption status of every approved member, by name.
    pub async fn adoption(&self) -> Result<Vec<AdoptionStatus>> {
        let fw = self.current_framework().await?;
        let orgs = self.organizations(Some(OrgStatus::Approved)).await?;
        let mut first_commit: HashMap<(i64, String), String> = HashMap::new();
        for r in sqlx::query(
            "SELECT organization_id AS o, category AS c, MIN(created_at) AS t FROM commitments
             GROUP BY organization_id, category",
        )
        .fetch_all(&self.pool)
        .await?
        {
            first_commit.insert((r.try_get("o")?, r.try_get("c")?), r.try_get("t")?);
        }
        let datasets = self
            .firsts("SELECT organization_id AS o, MIN(uploaded_at) AS t FROM datasets GROUP BY organization_id")
            .await?;
        let plans = self
            .firsts("SELECT organization_id AS o, MIN(created_at) AS t FROM action_plans GROUP BY organization_id")
            .await?;
        let impact = self
            .firsts("SELECT organization_id AS o, MIN(reviewed_at) AS t FROM evidence WHERE status = 'approved' GROUP BY organization_id")
            .await?;
        let mut out = Vec::new();
        for o in orgs {
            let required: Vec<String> = fw
                .required_categories(o.kind)
                .iter()
                .map(|c| c.key.clone())
                .collect();
            let mut missing = Vec::new();
            let mut latest = o.decided_at.clone().unwrap_or_else(|| o.applied_at.clone());
            for c in &required {
                match first_commit.get(&(o.id, c.clone())) {
                    Some(t) => latest = latest.max(t.clone()),
                    None => missing.push(c.clone()),
                }
            }
            let first_dataset = datasets.get(&o.id).cloned();
            let first_plan = plans.get(&o.id).cloned();
            let adopted_at = match (&first_dataset, &first_plan, missing.is_empty()) {
                (Some(d), Some(p), true) => Some(latest.max(d.clone()).max(p.clone())),
                _ => None,
            };
            out.push(AdoptionStatus {
                impact_at: impact.get(&o.id).cloned(),
                organization: o,
                required,
                missing,
                first_dataset,
                first_plan,
                adopted_at,
            });
        }
        Ok(out)
    }

    /// Organization id → the `t` column of a grouped query.
    async fn firsts(&self, sql: &str) -> Result<HashMap<i64, String>> {
        let mut m = HashMap::new();
        for r in sqlx::query(sql).fetch_all(&self.pool).await? {
            m.insert(r.try_get::<i64, _>("o")?, r.try_get::<String, _>("t")?);
        }
        Ok(m)
    }
}

impl Store {
    /// Moves an organization's history back in time: applied on `applied` (YYYY-MM-DD), decided
    /// a week later, commitments after two weeks, data sets after a month, plans after six
    /// weeks. For demonstration data only (`rise demo`), so that the adoption chart has a
    /// history; it writes no audit row because it records nothing that happened.
    pub async fn backdate_for_demo(&self, organization_id: i64, applied: &str) -> Result<()> {
        let day = chrono::NaiveDate::parse_from_str(applied, "%Y-%m-%d")
            .map_err(|_| crate::StoreError::invalid("applied", "Give a date as YYYY-MM-DD."))?;
        let at = |days: i64| format!("{}T12:00:00Z", day + chrono::Duration::days(days));
        let steps: [(&str, i64); 6] = [
            ("UPDATE organizations SET applied_at = $1 WHERE id = $2", 0),
            (
                "UPDATE organizations SET decided_at = $1 WHERE id = $2 AND decided_at IS NOT NULL",
                7,
            ),
            (
                "UPDATE commitments SET created_at = $1 WHERE organization_id = $2",
                14,
            ),
            (
                "UPDATE commitments SET updated_at = $1 WHERE organization_id = $2",
                20,
            ),
            (
                "UPDATE datasets SET uploaded_at = $1 WHERE organization_id = $2",
                30,
            ),
            (
                "UPDATE action_plans SET created_at = $1 WHERE organization_id = $2",
                45,
            ),
        ];
        let _turn = self.write_turn().await;
        for (sql, days) in steps {
            sqlx::query(sql)
                .bind(at(days))
                .bind(organization_id)
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Whether any coalition staff account exists (a new deployment has none).
    pub async fn has_staff(&self) -> Result<bool> {
        let n: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM users WHERE role IN ('coalition_admin', 'reviewer')",
        )
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?;
        Ok(n > 0)
    }
}
