//! The audit log: one row per write, in the write's own transaction.

use crate::model::{Actor, AuditEntry};
use crate::{Result, Store, from_row, now};
use serde::Serialize;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, Transaction};

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

/// What a write was, for its audit row.
pub(crate) struct Change<'a> {
    pub actor: &'a Actor,
    pub action: &'a str,
    pub entity: &'a str,
    pub id: i64,
}

impl<'a> Change<'a> {
    pub fn new(actor: &'a Actor, action: &'a str, entity: &'a str, id: i64) -> Self {
        Self {
            actor,
            action,
            entity,
            id,
        }
    }
}

/// Changes one record with one statement and writes its audit row, all in `tx`. The record
/// as it was is read inside the transaction (`select`, made with [`Store::for_update`]), so
/// the log's "before" is what the update changed even when writers race. `None` when the
/// record is missing or `update` matched nothing (a condition of its `WHERE` no longer
/// held); then nothing was written.
pub(crate) async fn update<'q, T>(
    tx: &mut Transaction<'_, Any>,
    change: Change<'_>,
    select: Query<'q, Any, AnyArguments<'q>>,
    update: Query<'q, Any, AnyArguments<'q>>,
) -> Result<Option<(T, T)>>
where
    T: Serialize + for<'r> sqlx::FromRow<'r, AnyRow>,
{
    let Some(row) = select.fetch_optional(&mut **tx).await? else {
        return Ok(None);
    };
    let before: T = from_row(&row)?;
    let Some(row) = update.fetch_optional(&mut **tx).await? else {
        return Ok(None);
    };
    let after: T = from_row(&row)?;
    record(
        tx,
        change.actor,
        change.action,
        change.entity,
        change.id,
        Some(&before),
        Some(&after),
    )
    .await?;
    Ok(Some((before, after)))
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
        rows.iter().map(from_row).collect()
    }
}
