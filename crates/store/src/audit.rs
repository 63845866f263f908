//! The audit log: one row per write, in the write's own transaction.

use crate::model::{Actor, AuditEntry};
use crate::{Result, Store, now};
use serde::Serialize;
use sqlx::{Any, Row, Transaction};

/// Records a write. `before` and `after` are stored as JSON.
pub(crate) async fn record<B: Serialize, A: Serialize>(
    tx: &mut Transaction<'_, Any>,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: impl ToString,
    before: Option<&B>,
    after: Option<&A>,
) -> Result<()> {
    let before = before.and_then(|b| serde_json::to_string(b).ok());
    let after = after.and_then(|a| serde_json::to_string(a).ok());
    sqlx::query(
        "INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(now())
    .bind(actor.user_id)
    .bind(&actor.label)
    .bind(action)
    .bind(entity)
    .bind(entity_id.to_string())
    .bind(before)
    .bind(after)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Nothing to record on one side of a write.
pub(crate) const NONE: Option<&()> = None;

impl Store {
    /// The latest audit rows, newest first, optionally of one entity (`organization`, …) and id.
    pub async fn audit_log(
        &self,
        entity: Option<(&str, &str)>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>> {
        let rows = match entity {
            Some((e, id)) => {
                sqlx::query(
                    "SELECT id, at, actor_id, actor, action, entity, entity_id, before, after
                     FROM audit_log WHERE entity = $1 AND entity_id = $2 ORDER BY id DESC LIMIT $3",
                )
                .bind(e)
                .bind(id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(
                    "SELECT id, at, actor_id, actor, action, entity, entity_id, before, after
                     FROM audit_log ORDER BY id DESC LIMIT $1",
                )
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    id: r.try_get("id")?,
                    at: r.try_get("at")?,
                    actor_id: r.try_get("actor_id")?,
                    actor: r.try_get("actor")?,
                    action: r.try_get("action")?,
                    entity: r.try_get("entity")?,
                    entity_id: r.try_get("entity_id")?,
                    before: r.try_get("before")?,
                    after: r.try_get("after")?,
                })
            })
            .collect()
    }
}
