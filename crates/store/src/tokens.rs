//! API tokens: made by their owner, listed with when each was last used, and revoked at once.
//! A token is shown once, when made; only its hash is stored.

use crate::audit::{self, NONE};
use crate::model::{Actor, User};
use crate::secrets::{digest, secret};
use crate::{Result, Store, StoreError, from_row, now};
use chrono::{Duration, Utc};
use serde::Serialize;
use sqlx::Row;

/// Uses of a token closer together than this are recorded once: "last used" is to the minute,
/// and a program calling the API in a loop does not write on every request.
const USE_RESOLUTION_SECONDS: i64 = 60;

/// One of a person's API tokens, without its secret.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub label: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

impl Store {
    /// Issues an API token acting for `user` (for uploads from the command line, or any
    /// program using the API). The token is returned once and stored only as a hash.
    pub async fn create_api_token(&self, user: &User, label: &str) -> Result<String> {
        let org = user.organization_id;
        let label = label.trim();
        if label.is_empty() || label.chars().count() > 100 {
            return Err(StoreError::invalid(
                "label",
                "Name the token (for example: 'analysis server'), at most 100 characters.",
            ));
        }
        let (token, hash) = secret();
        let (_turn, mut tx) = self.begin_write().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO api_tokens (token_hash, organization_id, user_id, label, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(hash)
        .bind(org)
        .bind(user.id)
        .bind(label)
        .bind(now())
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        let after = serde_json::json!({"organization_id": org, "user_id": user.id, "label": label});
        audit::record(
            &mut tx,
            &Actor::user(user),
            "create",
            "api_token",
            id,
            NONE,
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(format!("rise_{token}"))
    }

    /// The user an API token acts for.
    pub async fn api_token_user(&self, token: &str) -> Result<User> {
        let token = token
            .trim()
            .strip_prefix("rise_")
            .ok_or(StoreError::NotFound)?;
        let row = sqlx::query(
            "SELECT u.id, u.email, u.name, u.role, u.organization_id, u.created_at,
                    t.id AS token_id, t.last_used_at
             FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
        )
        .bind(digest(token))
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let id: i64 = row.try_get("token_id")?;
        let last: Option<String> = row.try_get("last_used_at")?;
        self.note_token_use(id, last);
        from_row(&row)
    }

    /// The tokens of `user`, the live ones first, newest first.
    pub async fn api_tokens(&self, user: &User) -> Result<Vec<ApiToken>> {
        let rows = sqlx::query(
            "SELECT id, label, created_at, last_used_at, revoked_at FROM api_tokens
             WHERE user_id = $1 ORDER BY revoked_at IS NOT NULL, id DESC",
        )
        .bind(user.id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ApiToken {
                    id: r.try_get("id")?,
                    label: r.try_get("label")?,
                    created_at: r.try_get("created_at")?,
                    last_used_at: r.try_get("last_used_at")?,
                    revoked_at: r.try_get("revoked_at")?,
                })
            })
            .collect()
    }

    /// Revokes one of `user`'s own tokens; it answers as unknown from then on. Another
    /// person's token, or one already revoked, is "not found".
    pub async fn revoke_api_token(&self, user: &User, id: i64) -> Result<()> {
        let (_turn, mut tx) = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1
             WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
        )
        .bind(now())
        .bind(id)
        .bind(user.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        audit::record(
            &mut tx,
            &Actor::user(user),
            "revoke",
            "api_token",
            id,
            NONE,
            NONE,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records that token `id` was used, unless it was within the last minute. Done in the
    /// background: a request authenticated by a token never waits for a write (on SQLite it
    /// would queue behind a long upload).
    fn note_token_use(&self, id: i64, last: Option<String>) {
        let now = Utc::now();
        let recent = last
            .and_then(|l| chrono::DateTime::parse_from_rfc3339(&l).ok())
            .is_some_and(|l| {
                now - l.with_timezone(&Utc) < Duration::seconds(USE_RESOLUTION_SECONDS)
            });
        if recent {
            return;
        }
        let store = self.clone();
        tokio::spawn(async move {
            let _turn = store.write_turn().await;
            // Best effort: a lost "last used" stamp is not worth failing anything for.
            let _ = sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(crate::now())
                .bind(id)
                .execute(&store.pool)
                .await;
        });
    }
}
