//! Membership: applications, the decisions on them (each tells the applicant through the
//! outbox), and member organizations.

use crate::audit::{self, Change, NONE};
use crate::email::Email;
use crate::error::{Checks, bad_value};
use crate::model::{Actor, Application, OrgKind, OrgStatus, Organization, Role, STATES, region_of};
use crate::{Result, Store, StoreError, from_row, now};

const COLUMNS: &str = "id, name, kind, state, region, contact_name, contact_email, why, status, \
                       decision_reason, applied_at, decided_at";

/// Checks an application; returns the parsed type, the region and the contact's address.
fn validate(a: &Application) -> Result<(OrgKind, &'static str, Email)> {
    let mut c = Checks::default();
    let name = a.name.trim();
    c.check(!name.is_empty(), "name", "Enter the organization's name.");
    c.check(
        name.chars().count() <= 200,
        "name",
        "Use at most 200 characters.",
    );
    let kind = OrgKind::parse(a.kind.trim());
    c.check(kind.is_some(), "kind", "Choose the type of organization.");
    let region = region_of(a.state.trim());
    c.check(
        STATES.contains(&a.state.trim()) && region.is_some(),
        "state",
        "Choose the state where the organization is based.",
    );
    c.check(
        !a.contact_name.trim().is_empty(),
        "contact_name",
        "Enter the name of a contact person.",
    );
    let email = c.email(&a.contact_email, "contact_email");
    c.check(
        a.why.trim().chars().count() >= 20,
        "why",
        "Tell us in a sentence or two (at least 20 characters) why you are joining.",
    );
    c.check(
        a.why.chars().count() <= 4000,
        "why",
        "Use at most 4,000 characters.",
    );
    c.finish()?;
    match (kind, region) {
        (Some(k), Some(r)) => Ok((k, r, email)),
        _ => Err(StoreError::invalid(
            "kind",
            "Choose the type of organization.",
        )),
    }
}

impl Store {
    /// Files a membership application (from the public form).
    pub async fn apply(&self, a: &Application, actor: &Actor) -> Result<Organization> {
        let (kind, region, email) = validate(a)?;
        let (_turn, mut tx) = self.begin_write().await?;
        let row = sqlx::query(&format!(
            "INSERT INTO organizations (name, kind, state, region, contact_name, contact_email, why,
                                        status, applied_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {COLUMNS}"
        ))
        .bind(a.name.trim())
        .bind(kind.key())
        .bind(a.state.trim())
        .bind(region)
        .bind(a.contact_name.trim())
        .bind(email.as_str())
        .bind(a.why.trim())
        .bind(OrgStatus::Applied.key())
        .bind(now())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            StoreError::unique(e, "An organization with this name has already applied.")
        })?;
        let o: Organization = from_row(&row)?;
        audit::record(
            &mut tx,
            actor,
            "apply",
            "organization",
            o.id,
            NONE,
            Some(&o),
        )
        .await?;
        crate::outbox::queue(
            &mut tx,
            &o.contact_email,
            "Your application to the coalition",
            &format!(
                "We received the application of {}. Coalition staff review applications within two weeks; we will write to you when it is decided.",
                o.name
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(o)
    }

    /// Approves or declines an application, with a reason that the applicant is sent.
    pub async fn decide(
        &self,
        id: i64,
        approve: bool,
        reason: &str,
        actor: &Actor,
    ) -> Result<Organization> {
        // A quick answer before any lock is taken; the transaction checks again.
        let current = self.organization(id).await?;
        if current.status != OrgStatus::Applied {
            return Err(StoreError::Conflict(format!(
                "{} has already been {}.",
                current.name,
                current.status.label().to_lowercase()
            )));
        }
        let reason = reason.trim();
        if !approve && reason.is_empty() {
            return Err(StoreError::invalid(
                "reason",
                "Give the applicant a reason for declining.",
            ));
        }
        let status = if approve {
            OrgStatus::Approved
        } else {
            OrgStatus::Declined
        };
        let (_turn, mut tx) = self.begin_write().await?;
        // Conditional on the application still being open: of two reviewers deciding at once,
        // only one update matches a row; the other is told it lost instead of overwriting.
        let select = self.for_update(&format!(
            "SELECT {COLUMNS} FROM organizations WHERE id = $1"
        ));
        let update = format!(
            "UPDATE organizations SET status = $1, decision_reason = $2, decided_at = $3
             WHERE id = $4 AND status = $5 RETURNING {COLUMNS}"
        );
        let changed = audit::update::<Organization>(
            &mut tx,
            Change::new(
                actor,
                if approve { "approve" } else { "decline" },
                "organization",
                id,
            ),
            sqlx::query(&select).bind(id),
            sqlx::query(&update)
                .bind(status.key())
                .bind(Some(reason).filter(|r| !r.is_empty()))
                .bind(now())
                .bind(id)
                .bind(OrgStatus::Applied.key()),
        )
        .await?;
        let Some((_, after)) = changed else {
            drop(tx);
            let now = self.organization(id).await?;
            return Err(StoreError::Conflict(format!(
                "{} has already been {}.",
                now.name,
                now.status.label().to_lowercase()
            )));
        };
        let body = if approve {
            format!(
                "{} is now a member of the coalition.{} Sign in with the invitation we sent to set your password, then commit to actions in each category of the framework.",
                after.name,
                if reason.is_empty() {
                    String::new()
                } else {
                    format!(" Note from the reviewer: {reason}")
                }
            )
        } else {
            format!(
                "We are unable to accept the application of {} at this time. Reason: {reason}",
                after.name
            )
        };
        crate::outbox::queue(
            &mut tx,
            &after.contact_email,
            &format!("Your application: {}", status.label().to_lowercase()),
            &body,
        )
        .await?;
        if approve {
            // The contact becomes the organization's first admin.
            let email = Email::parse(&after.contact_email)
                .ok_or_else(|| bad_value("contact_email", &after.contact_email))?;
            crate::users::invitation(&mut tx, &after, &email, Role::OrgAdmin, actor).await?;
        }
        tx.commit().await?;
        Ok(after)
    }

    /// One organization.
    pub async fn organization(&self, id: i64) -> Result<Organization> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM organizations WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        from_row(&row)
    }

    /// Organizations, optionally of one status, by name.
    pub async fn organizations(&self, status: Option<OrgStatus>) -> Result<Vec<Organization>> {
        let rows = match status {
            Some(s) => {
                sqlx::query(&format!(
                    "SELECT {COLUMNS} FROM organizations WHERE status = $1 ORDER BY name"
                ))
                .bind(s.key())
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(&format!(
                    "SELECT {COLUMNS} FROM organizations ORDER BY name"
                ))
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.iter().map(from_row).collect()
    }
}
