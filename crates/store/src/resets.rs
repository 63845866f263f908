//! "Forgot your password?": a one-time link by mail, valid for an hour. Asking answers the
//! same whether or not the address has an account; using the link sets the new password,
//! ends every other session of the account and signs this one in, in one transaction.

use crate::audit::{self, NONE};
use crate::email::Email;
use crate::error::Checks;
use crate::model::User;
use crate::outbox::{LINK, queue_with_link};
use crate::secrets::{digest, secret};
use crate::users::{COLUMNS, open_session};
use crate::{Result, Session, Store, StoreError, from_row, now};
use chrono::{Duration, Utc};
use sqlx::Row;

/// How long a reset link works.
pub const RESET_MINUTES: i64 = 60;

impl Store {
    /// Mails a reset link to `email` if it has an account; does nothing otherwise. The caller
    /// answers the same either way, so the form does not tell who has an account.
    pub async fn request_password_reset(&self, email: &str) -> Result<()> {
        let email = Email::normalised(email);
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM users WHERE email = $1"))
            .bind(&email)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else {
            return Ok(());
        };
        let u: User = from_row(&row)?;
        let (token, hash) = secret();
        let expires = (Utc::now() + Duration::minutes(RESET_MINUTES))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let (_turn, mut tx) = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(&hash)
        .bind(u.id)
        .bind(now())
        .bind(expires)
        .execute(&mut *tx)
        .await?;
        queue_with_link(
            &mut tx,
            &u.email,
            "Reset your password on the coalition platform",
            &format!(
                "Someone (we hope you) asked to reset the password of {}. Open {LINK} within {RESET_MINUTES} minutes to choose a new one; the link works once. If it was not you, ignore this message: your password stays as it is.",
                u.email
            ),
            Some(&format!("/reset/{token}")),
            None,
        )
        .await?;
        audit::record(
            &mut tx,
            &crate::model::Actor::system("password reset"),
            "request_reset",
            "user",
            u.id,
            NONE,
            NONE,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The address a live reset link is for.
    pub async fn password_reset(&self, token: &str) -> Result<String> {
        let row = self
            .by_live_token(
                "SELECT u.email FROM password_resets r JOIN users u ON u.id = r.user_id
             WHERE r.token_hash = $1 AND r.used_at IS NULL AND r.expires_at > $2",
                token,
            )
            .await?;
        Ok(row.try_get("email")?)
    }

    /// Sets a new password with a reset link: the link is used up, every session of the
    /// account ends (a thief's too) and a new one opens for whoever used the link; all or
    /// nothing. Returns the session as [`Store::sign_in`] does.
    pub async fn reset_password(&self, token: &str, password: &str) -> Result<(String, Session)> {
        let row = self
            .by_live_token(
                &format!(
                    "SELECT {COLUMNS} FROM users
             WHERE id = (SELECT user_id FROM password_resets
                         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2)"
                ),
                token,
            )
            .await?;
        let u: User = from_row(&row)?;
        let hash = self
            .new_password_hash(Checks::default(), password, &u.email, &u.name)
            .await?;
        let (_turn, mut tx) = self.begin_write().await?;
        // Claimed by a conditional update: a link works once, even used twice at once.
        let claimed = sqlx::query(
            "UPDATE password_resets SET used_at = $1
             WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $3",
        )
        .bind(now())
        .bind(digest(token))
        .bind(now())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if claimed == 0 {
            return Err(StoreError::NotFound);
        }
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(&hash)
            .bind(u.id)
            .execute(&mut *tx)
            .await?;
        // Other links of the account stop working; so does every session.
        sqlx::query(
            "UPDATE password_resets SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL",
        )
        .bind(now())
        .bind(u.id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(u.id)
            .execute(&mut *tx)
            .await?;
        // The owner proved themselves by mail: earlier failed sign-ins no longer hold them back.
        sqlx::query("DELETE FROM sign_in_attempts WHERE email = $1")
            .bind(&u.email)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            &crate::model::Actor::user(&u),
            "reset_password",
            "user",
            u.id,
            NONE,
            NONE,
        )
        .await?;
        let opened = open_session(&mut tx, u).await?;
        tx.commit().await?;
        Ok(opened)
    }
}
