//! The framework: categories and evidence-based actions, versioned. Every edit by a coalition
//! admin publishes a whole new version; commitments refer to actions by their stable key, so
//! they survive edits.

use crate::audit;
use crate::model::{Action, Actor, Category, Framework, FrameworkVersion, OrgKind};
use crate::{FieldError, Result, Store, StoreError, from_row, now};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::collections::HashSet;

/// A framework as written in TOML (the seed file, an export, an edit).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct FrameworkFile {
    #[serde(rename = "category")]
    pub categories: Vec<Category>,
    #[serde(rename = "action")]
    pub actions: Vec<ActionText>,
}

/// An action as written in TOML: organization types as keys.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ActionText {
    pub key: String,
    pub category: String,
    pub title: String,
    pub description: String,
    pub fits: Vec<String>,
    pub evidence: String,
}

impl FrameworkFile {
    /// Parses TOML.
    pub fn parse(text: &str) -> Result<Self> {
        toml::from_str(text).map_err(|e| StoreError::invalid("framework", e.to_string()))
    }

    /// A published version as an editable file.
    pub fn of(f: &Framework) -> Self {
        Self {
            categories: f.categories.clone(),
            actions: f
                .actions
                .iter()
                .map(|a| ActionText {
                    key: a.key.clone(),
                    category: a.category.clone(),
                    title: a.title.clone(),
                    description: a.description.clone(),
                    fits: a.fits.iter().map(|k| k.key().to_string()).collect(),
                    evidence: a.evidence.clone(),
                })
                .collect(),
        }
    }

    /// As TOML, the form [`FrameworkFile::parse`] reads.
    pub fn to_toml(&self) -> Result<String> {
        toml::to_string(self).map_err(|e| StoreError::invalid("framework", e.to_string()))
    }

    /// The seed framework shipped with Rise (from the coalition's material and public equity
    /// frameworks; see `seed/README.md`).
    pub fn seed() -> Result<Self> {
        Self::parse(include_str!("../seed/framework.toml"))
    }

    /// Checks the framework and resolves organization types.
    pub fn validate(&self) -> Result<(Vec<Category>, Vec<Action>)> {
        let mut errors = Vec::new();
        let mut cats = HashSet::new();
        for c in &self.categories {
            if c.key.trim().is_empty() || c.title.trim().is_empty() {
                errors.push(FieldError::new(
                    "category",
                    "Every category needs a key and a title.",
                ));
            }
            if !cats.insert(c.key.as_str()) {
                errors.push(FieldError::new(
                    "category",
                    format!("Category '{}' appears twice.", c.key),
                ));
            }
        }
        let mut keys = HashSet::new();
        let mut actions = Vec::new();
        for a in &self.actions {
            let field = |f: &str| format!("action.{}.{f}", a.key);
            if !keys.insert(a.key.as_str()) {
                errors.push(FieldError::new(&field("key"), "The key is used twice."));
            }
            if !cats.contains(a.category.as_str()) {
                errors.push(FieldError::new(
                    &field("category"),
                    format!("No category '{}'.", a.category),
                ));
            }
            if a.title.trim().is_empty() {
                errors.push(FieldError::new(&field("title"), "Give the action a title."));
            }
            if a.description.trim().is_empty() {
                errors.push(FieldError::new(
                    &field("description"),
                    "Describe the action.",
                ));
            }
            if a.evidence.trim().is_empty() {
                errors.push(FieldError::new(
                    &field("evidence"),
                    "Cite the evidence behind the action.",
                ));
            }
            let mut fits = Vec::new();
            for f in &a.fits {
                match OrgKind::parse(f) {
                    Some(k) => fits.push(k),
                    None => errors.push(FieldError::new(
                        &field("fits"),
                        format!("Unknown organization type '{f}'."),
                    )),
                }
            }
            if a.fits.is_empty() {
                errors.push(FieldError::new(
                    &field("fits"),
                    "Name at least one organization type it fits.",
                ));
            }
            actions.push(Action {
                key: a.key.trim().to_string(),
                category: a.category.clone(),
                title: a.title.trim().to_string(),
                description: a.description.trim().to_string(),
                fits,
                evidence: a.evidence.trim().to_string(),
            });
        }
        if errors.is_empty() {
            Ok((self.categories.clone(), actions))
        } else {
            Err(StoreError::Invalid(errors))
        }
    }
}

impl Store {
    /// Publishes a new version of the framework.
    pub async fn publish_framework(
        &self,
        file: &FrameworkFile,
        note: &str,
        actor: &Actor,
    ) -> Result<Framework> {
        let (categories, actions) = file.validate()?;
        if note.trim().is_empty() {
            return Err(StoreError::invalid(
                "note",
                "Say what changed in this version.",
            ));
        }
        let (_turn, mut tx) = self.begin_write().await?;
        // The version it replaces, read inside the transaction, so the audit row names the one
        // it replaced (two publishers at once: SQLite queues them, PostgreSQL refuses the
        // second on the version's key rather than overwriting).
        let before: Option<(i64, i64)> = match sqlx::query(
            "SELECT v.version, (SELECT COUNT(*) FROM framework_actions a WHERE a.version = v.version) AS actions
             FROM framework_versions v ORDER BY v.version DESC LIMIT 1",
        )
        .fetch_optional(&mut *tx)
        .await?
        {
            Some(r) => Some((r.try_get("version")?, r.try_get("actions")?)),
            None => None,
        };
        let version = before.map_or(1, |(v, _)| v + 1);
        sqlx::query("INSERT INTO framework_versions (version, note, created_by, created_at) VALUES ($1, $2, $3, $4)")
            .bind(version)
            .bind(note.trim())
            .bind(actor.user_id)
            .bind(now())
            .execute(&mut *tx)
            .await?;
        for (i, c) in categories.iter().enumerate() {
            sqlx::query("INSERT INTO framework_categories (version, key, position, title, summary) VALUES ($1, $2, $3, $4, $5)")
                .bind(version)
                .bind(&c.key)
                .bind(i as i64)
                .bind(&c.title)
                .bind(&c.summary)
                .execute(&mut *tx)
                .await?;
        }
        for (i, a) in actions.iter().enumerate() {
            let fits: Vec<&str> = a.fits.iter().map(|k| k.key()).collect();
            sqlx::query("INSERT INTO framework_actions (version, key, category, position, title, description, fits, evidence)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .bind(version)
                .bind(&a.key)
                .bind(&a.category)
                .bind(i as i64)
                .bind(&a.title)
                .bind(&a.description)
                .bind(fits.join(","))
                .bind(&a.evidence)
                .execute(&mut *tx)
                .await?;
        }
        let summary = serde_json::json!({"version": version, "note": note.trim(), "categories": categories.len(), "actions": actions.len()});
        let old = before.map(|(v, actions)| serde_json::json!({"version": v, "actions": actions}));
        audit::record(
            &mut tx,
            actor,
            "publish",
            "framework",
            version,
            old.as_ref(),
            Some(&summary),
        )
        .await?;
        tx.commit().await?;
        self.framework(version).await
    }

    /// The latest version of the framework.
    pub async fn current_framework(&self) -> Result<Framework> {
        let v: Option<i64> = sqlx::query("SELECT MAX(version) AS v FROM framework_versions")
            .fetch_one(&self.pool)
            .await?
            .try_get("v")?;
        self.framework(v.ok_or(StoreError::NotFound)?).await
    }

    /// One version of the framework.
    pub async fn framework(&self, version: i64) -> Result<Framework> {
        let head =
            sqlx::query("SELECT note, created_at FROM framework_versions WHERE version = $1")
                .bind(version)
                .fetch_optional(&self.pool)
                .await?
                .ok_or(StoreError::NotFound)?;
        let categories = sqlx::query("SELECT key, title, summary FROM framework_categories WHERE version = $1 ORDER BY position")
            .bind(version)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok(Category { key: r.try_get("key")?, title: r.try_get("title")?, summary: r.try_get("summary")? }))
            .collect::<Result<Vec<_>>>()?;
        let actions = sqlx::query("SELECT key, category, title, description, fits, evidence FROM framework_actions WHERE version = $1 ORDER BY position")
            .bind(version)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                let fits: String = r.try_get("fits")?;
                Ok(Action {
                    key: r.try_get("key")?,
                    category: r.try_get("category")?,
                    title: r.try_get("title")?,
                    description: r.try_get("description")?,
                    fits: fits.split(',').filter_map(OrgKind::parse).collect(),
                    evidence: r.try_get("evidence")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Framework {
            version,
            note: head.try_get("note")?,
            created_at: head.try_get("created_at")?,
            categories,
            actions,
        })
    }

    /// Every version, newest first.
    pub async fn framework_versions(&self) -> Result<Vec<FrameworkVersion>> {
        sqlx::query(
            "SELECT version, note, created_at FROM framework_versions ORDER BY version DESC",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(from_row)
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_published_framework_round_trips_through_its_toml() {
        let (categories, actions) = FrameworkFile::seed().unwrap().validate().unwrap();
        let published = Framework {
            version: 3,
            note: "n".into(),
            created_at: "2026-01-01T00:00:00Z".into(),
            categories: categories.clone(),
            actions: actions.clone(),
        };
        let text = FrameworkFile::of(&published).to_toml().unwrap();
        let (c2, a2) = FrameworkFile::parse(&text).unwrap().validate().unwrap();
        assert_eq!((c2, a2), (categories, actions));
    }
}
