//! The outbox: messages to people outside the platform (application decisions, invitations),
//! queued in the transaction of the write they report and delivered by a mailer afterwards.
//!
//! A one-time link is a credential of its recipient alone: it is kept beside the message (not
//! in its body) only until the message is delivered, then erased, and the staff's view of the
//! outbox never includes it. Staff can resend a message; an invitation is then sent with a
//! fresh link and the old one stops working.

use crate::audit::{self, NONE};
use crate::error::bad_value;
use crate::model::{Actor, MailStatus};
use crate::secrets::secret;
use crate::{Result, Store, StoreError, now};
use chrono::{Duration, Utc};
use serde::Serialize;
use sqlx::{Any, Row, Transaction};

/// Where the one-time link goes in a message's body.
pub(crate) const LINK: &str = "{link}";

/// After this many failed deliveries a message is marked failed (staff can resend it).
pub const MAX_ATTEMPTS: i64 = 5;

/// How long an invitation link works, from when it is (re)sent.
pub(crate) const INVITATION_DAYS: i64 = 14;

/// One message as coalition staff see it: who, what and where it stands, never its body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxEntry {
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub status: MailStatus,
    pub created_at: String,
    pub sent_at: Option<String>,
    pub attempts: i64,
    pub last_error: Option<String>,
    /// Whether staff may resend it.
    pub resendable: bool,
}

/// One message for the mailer to deliver, its link in place.
#[derive(Debug, Clone, PartialEq)]
pub struct Mail {
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// Queues a message without a link.
pub(crate) async fn queue(
    tx: &mut Transaction<'_, Any>,
    to: &str,
    subject: &str,
    body: &str,
) -> Result<i64> {
    queue_with_link(tx, to, subject, body, None, None).await
}

/// Queues a message whose body holds [`LINK`], to be replaced by `link` on delivery;
/// `invitation` is the hash of the invitation the link opens.
pub(crate) async fn queue_with_link(
    tx: &mut Transaction<'_, Any>,
    to: &str,
    subject: &str,
    body: &str,
    link: Option<&str>,
    invitation: Option<&str>,
) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO outbox (to_email, subject, body, created_at, status, link, invitation)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(to)
    .bind(subject)
    .bind(body)
    .bind(now())
    .bind(MailStatus::Queued.key())
    .bind(link)
    .bind(invitation)
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.try_get("id")?)
}

fn status_of(r: &sqlx::any::AnyRow) -> Result<MailStatus> {
    let s: String = r.try_get("status")?;
    MailStatus::parse(&s).ok_or_else(|| bad_value("status", &s))
}

impl Store {
    /// The outbox as staff see it, newest first: recipients, subjects and statuses.
    pub async fn outbox(&self, limit: i64) -> Result<Vec<OutboxEntry>> {
        let rows = sqlx::query(
            "SELECT id, to_email, subject, status, created_at, sent_at, attempts, last_error
             FROM outbox ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let status = status_of(r)?;
                Ok(OutboxEntry {
                    id: r.try_get("id")?,
                    to: r.try_get("to_email")?,
                    subject: r.try_get("subject")?,
                    resendable: !matches!(
                        status,
                        MailStatus::Queued | MailStatus::Sending | MailStatus::Redacted
                    ),
                    status,
                    created_at: r.try_get("created_at")?,
                    sent_at: r.try_get("sent_at")?,
                    attempts: r.try_get("attempts")?,
                    last_error: r.try_get("last_error")?,
                })
            })
            .collect()
    }

    /// Queued messages, oldest first, with their links in place (each prefixed with
    /// `site`, the platform's address as recipients reach it): for the mailer only.
    pub async fn mail_to_send(&self, limit: i64, site: &str) -> Result<Vec<Mail>> {
        let rows = sqlx::query(
            "SELECT id, to_email, subject, body, link FROM outbox
             WHERE status = $1 AND (next_attempt_at IS NULL OR next_attempt_at <= $2)
             ORDER BY id LIMIT $3",
        )
        .bind(MailStatus::Queued.key())
        .bind(now())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let body: String = r.try_get("body")?;
                let link: Option<String> = r.try_get("link")?;
                Ok(Mail {
                    id: r.try_get("id")?,
                    to: r.try_get("to_email")?,
                    subject: r.try_get("subject")?,
                    body: match link {
                        Some(l) => body.replace(LINK, &format!("{site}{l}")),
                        None => body,
                    },
                })
            })
            .collect()
    }

    /// Claims queued message `id` for delivery (false if it is no longer queued). A message is
    /// claimed before it is handed to the transport, so that one interrupted mid-way is never
    /// sent again by itself (see [`Store::mail_interrupted`]).
    pub async fn mail_claim(&self, id: i64) -> Result<bool> {
        let _turn = self.write_turn().await;
        let claimed = sqlx::query("UPDATE outbox SET status = $1 WHERE id = $2 AND status = $3")
            .bind(MailStatus::Sending.key())
            .bind(id)
            .bind(MailStatus::Queued.key())
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(claimed == 1)
    }

    /// The mailer delivered message `id`: its link is erased.
    pub async fn mail_sent(&self, id: i64) -> Result<()> {
        let _turn = self.write_turn().await;
        sqlx::query(
            "UPDATE outbox SET status = $1, sent_at = $2, link = NULL, attempts = attempts + 1
             WHERE id = $3 AND status IN ($4, $5)",
        )
        .bind(MailStatus::Sent.key())
        .bind(now())
        .bind(id)
        .bind(MailStatus::Queued.key())
        .bind(MailStatus::Sending.key())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The mailer could not deliver message `id`: it is queued again after a pause that
    /// doubles with each try (30 s, 1, 2, 4 minutes), and after [`MAX_ATTEMPTS`] tries marked
    /// failed with the reason, its link erased.
    pub async fn mail_failed(&self, id: i64, error: &str) -> Result<()> {
        let _turn = self.write_turn().await;
        let error: String = error.chars().take(500).collect();
        let attempts: i64 = sqlx::query("SELECT attempts FROM outbox WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.try_get("attempts"))
            .transpose()?
            .unwrap_or(0)
            + 1;
        let given_up = attempts >= MAX_ATTEMPTS;
        let next = (Utc::now() + Duration::seconds(30 << (attempts - 1).clamp(0, 10)))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let status = if given_up {
            MailStatus::Failed
        } else {
            MailStatus::Queued
        };
        sqlx::query(
            "UPDATE outbox SET attempts = $1, last_error = $2, status = $3, next_attempt_at = $4,
                    link = CASE WHEN $5 = 1 THEN NULL ELSE link END
             WHERE id = $6 AND status IN ($7, $8)",
        )
        .bind(attempts)
        .bind(error)
        .bind(status.key())
        .bind(next)
        .bind(i64::from(given_up))
        .bind(id)
        .bind(MailStatus::Queued.key())
        .bind(MailStatus::Sending.key())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// After a restart: messages left "being sent" may or may not have gone out. They are
    /// marked failed with that reason instead of being sent again (staff can resend them);
    /// returns how many.
    pub async fn mail_interrupted(&self) -> Result<u64> {
        let _turn = self.write_turn().await;
        Ok(sqlx::query(
            "UPDATE outbox SET status = $1, link = NULL,
                    last_error = 'interrupted while being sent; resend it if it did not arrive'
             WHERE status = $2",
        )
        .bind(MailStatus::Failed.key())
        .bind(MailStatus::Sending.key())
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    /// Queues message `id` again. An invitation gets a fresh link, valid for another 14 days,
    /// and the link sent before stops working. Returns the new message's id.
    pub async fn resend(&self, id: i64, actor: &Actor) -> Result<i64> {
        let (_turn, mut tx) = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT to_email, subject, body, status, invitation FROM outbox WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let status = status_of(&row)?;
        match status {
            MailStatus::Queued | MailStatus::Sending => {
                return Err(StoreError::Conflict(
                    "That message is still waiting to be sent.".into(),
                ));
            }
            MailStatus::Redacted => {
                return Err(StoreError::Conflict(
                    "That message's link was removed; invite the person again instead.".into(),
                ));
            }
            _ => {}
        }
        let to: String = row.try_get("to_email")?;
        let subject: String = row.try_get("subject")?;
        let body: String = row.try_get("body")?;
        let invitation: Option<String> = row.try_get("invitation")?;
        let new_id = match invitation {
            Some(old) => {
                let (token, hash) = secret();
                let expires = (Utc::now() + Duration::days(INVITATION_DAYS))
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
                let changed = sqlx::query(
                    "UPDATE invitations SET token_hash = $1, expires_at = $2
                     WHERE token_hash = $3 AND accepted_at IS NULL",
                )
                .bind(&hash)
                .bind(expires)
                .bind(&old)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if changed == 0 {
                    return Err(StoreError::Conflict(format!(
                        "The invitation for {to} has been accepted; there is nothing to resend."
                    )));
                }
                // Every message of this invitation now points at its new hash.
                sqlx::query("UPDATE outbox SET invitation = $1 WHERE invitation = $2")
                    .bind(&hash)
                    .bind(&old)
                    .execute(&mut *tx)
                    .await?;
                let link = format!("/invitations/{token}");
                queue_with_link(&mut tx, &to, &subject, &body, Some(&link), Some(&hash)).await?
            }
            None => queue(&mut tx, &to, &subject, &body).await?,
        };
        if status != MailStatus::Sent {
            sqlx::query("UPDATE outbox SET status = $1, link = NULL WHERE id = $2")
                .bind(MailStatus::Replaced.key())
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        let after = serde_json::json!({"to": to, "subject": subject, "message": new_id});
        audit::record(&mut tx, actor, "resend", "outbox", id, NONE, Some(&after)).await?;
        tx.commit().await?;
        Ok(new_id)
    }
}
