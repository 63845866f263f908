//! Accounts: passwords (Argon2id), sign-in with throttling, sessions with their CSRF token,
//! invitations, and API tokens for uploads from the command line. Secrets (session, invitation
//! and API tokens) are stored only as SHA-256 hashes.

use crate::audit::{self, NONE};
use crate::email::Email;
use crate::error::Checks;
use crate::error::bad_value;
use crate::model::{Actor, Invitation, Role, User};
use crate::outbox::INVITATION_DAYS;
use crate::passwords::DUMMY_HASH;
use crate::secrets::{digest, secret};
use crate::{Result, Store, StoreError, from_row, now};
use chrono::{Duration, Utc};
use sqlx::Row;

/// Sign-in attempts allowed per account and client address within [`THROTTLE_MINUTES`]; a
/// successful sign-in starts the count again.
pub const MAX_FAILURES: i64 = 5;
/// The throttling window.
pub const THROTTLE_MINUTES: i64 = 15;
/// How long a session lasts.
pub const SESSION_HOURS: i64 = 12;
/// The same, in seconds (for the cookie).
pub const SESSION_SECONDS: i64 = SESSION_HOURS * 3600;

pub(crate) const COLUMNS: &str = "id, email, name, role, organization_id, created_at";

/// A signed-in session.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    /// The token every form of this session must carry.
    pub csrf_token: String,
}

impl Store {
    /// Adds the new password's problem, if any, to the other checks `c` of a form and, when
    /// everything passed, returns its hash (hashed only then, but every problem reported at
    /// once).
    pub(crate) async fn new_password_hash(
        &self,
        mut c: Checks,
        password: &str,
        email: &str,
        name: &str,
    ) -> Result<String> {
        let checked = self
            .hashing
            .new_password(password, email, name, c.is_empty())
            .await?;
        if let Some(problem) = &checked.problem {
            c.check(false, "password", problem);
        }
        c.finish()?;
        checked
            .hash
            .ok_or_else(|| StoreError::Worker("no password hash".into()))
    }

    /// Creates an account directly (coalition staff, the demo). Members join by invitation.
    pub async fn create_user(
        &self,
        email: &str,
        name: &str,
        password: &str,
        role: Role,
        organization_id: Option<i64>,
        actor: &Actor,
    ) -> Result<User> {
        let mut c = Checks::default();
        let email = c.email(email, "email");
        c.check(!name.trim().is_empty(), "name", "Enter a name.");
        c.check(
            role.is_staff() == organization_id.is_none(),
            "role",
            "Staff belong to no organization; members belong to one.",
        );
        let hash = self
            .new_password_hash(c, password, email.as_str(), name)
            .await?;
        let (_turn, mut tx) = self.begin_write().await?;
        let u = insert_user(&mut tx, &email, name, &hash, role, organization_id, actor).await?;
        tx.commit().await?;
        Ok(u)
    }

    /// One user.
    pub async fn user(&self, id: i64) -> Result<User> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        from_row(&row)
    }

    /// The people of an organization.
    pub async fn users_of(&self, organization_id: i64) -> Result<Vec<User>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM users WHERE organization_id = $1 ORDER BY name"
        ))
        .bind(organization_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Signs in from a client `address` (as the web layer identifies clients): reserves one
    /// of the attempts this account has from there, then checks the password and opens a
    /// session. Returns the session token (for the cookie) and the session.
    ///
    /// The attempt is recorded before the password is checked, by one conditional statement,
    /// so that simultaneous guesses cannot all pass a count taken before any was recorded;
    /// and it is counted per account and address, so that guesses from elsewhere do not lock
    /// the account's owner out.
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        address: &str,
    ) -> Result<(String, Session)> {
        let email = Email::normalised(email);
        // No account has a longer email (see `is_email`); don't store such guesses.
        if email.len() > 254 || address.len() > 64 {
            return Err(StoreError::NotFound);
        }
        self.reserve_attempt(&email, address).await?;
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS}, password_hash FROM users WHERE email = $1"
        ))
        .bind(&email)
        .fetch_optional(&self.pool)
        .await?;
        let found = match &row {
            Some(r) => {
                let hash: String = r.try_get("password_hash")?;
                self.hashing.matches(password, &hash).await?
            }
            None => {
                // Spend the same time as a real check, so timing does not reveal accounts.
                let _ = self.hashing.matches(password, DUMMY_HASH).await?;
                false
            }
        };
        let (Some(row), true) = (row, found) else {
            return Err(StoreError::NotFound);
        };
        let u = from_row(&row)?;
        let (_turn, mut tx) = self.begin_write().await?;
        let opened = open_session(&mut tx, u).await?;
        sqlx::query("DELETE FROM sign_in_attempts WHERE email = $1 AND address = $2")
            .bind(&email)
            .bind(address)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(opened)
    }

    /// Takes one sign-in attempt of `email` from `address`, or fails with the time to wait.
    async fn reserve_attempt(&self, email: &str, address: &str) -> Result<()> {
        let now = Utc::now();
        let window_open = stamp(now - Duration::minutes(THROTTLE_MINUTES));
        let granted = {
            let _turn = self.write_turn().await;
            // A row whose window has passed starts again at 1; otherwise the count goes up
            // only while under the limit. No row back means no attempt left.
            let granted = sqlx::query(
                "INSERT INTO sign_in_attempts (email, address, attempts, window_start)
                 VALUES ($1, $2, 1, $3)
                 ON CONFLICT (email, address) DO UPDATE SET
                   attempts = CASE WHEN sign_in_attempts.window_start <= $4 THEN 1
                                   ELSE sign_in_attempts.attempts + 1 END,
                   window_start = CASE WHEN sign_in_attempts.window_start <= $5 THEN $6
                                       ELSE sign_in_attempts.window_start END
                 WHERE sign_in_attempts.window_start <= $7 OR sign_in_attempts.attempts < $8
                 RETURNING attempts",
            )
            .bind(email)
            .bind(address)
            .bind(stamp(now))
            .bind(&window_open)
            .bind(&window_open)
            .bind(stamp(now))
            .bind(&window_open)
            .bind(MAX_FAILURES)
            .fetch_optional(&self.pool)
            .await?
            .is_some();
            // Now and then, forget windows that have passed (rows of guessed addresses).
            if rand::random::<u8>() == 0 {
                sqlx::query("DELETE FROM sign_in_attempts WHERE window_start <= $1")
                    .bind(&window_open)
                    .execute(&self.pool)
                    .await?;
            }
            granted
        };
        if granted {
            return Ok(());
        }
        let start: Option<String> = sqlx::query(
            "SELECT window_start FROM sign_in_attempts WHERE email = $1 AND address = $2",
        )
        .bind(email)
        .bind(address)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| r.try_get("window_start"))
        .transpose()?;
        let window = Duration::minutes(THROTTLE_MINUTES);
        let seconds = start
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(&s).ok())
            .map_or(window, |s| s.with_timezone(&Utc) + window - now)
            .num_seconds()
            .max(1);
        Err(StoreError::Throttled { seconds })
    }

    /// The live session of a cookie token.
    pub async fn session(&self, token: &str) -> Result<Session> {
        let row = self.by_live_token("SELECT u.id, u.email, u.name, u.role, u.organization_id, u.created_at, s.csrf_token
             FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = $1 AND s.expires_at > $2", token).await?;
        Ok(Session {
            user: from_row(&row)?,
            csrf_token: row.try_get("csrf_token")?,
        })
    }

    /// Ends every session of `user`, on every device, this one included.
    pub async fn sign_out_everywhere(&self, user: &User) -> Result<u64> {
        let (_turn, mut tx) = self.begin_write().await?;
        let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let after = serde_json::json!({"sessions_ended": ended});
        audit::record(
            &mut tx,
            &Actor::user(user),
            "sign_out_everywhere",
            "user",
            user.id,
            NONE,
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(ended)
    }

    /// Ends a session.
    pub async fn sign_out(&self, token: &str) -> Result<()> {
        let _turn = self.write_turn().await;
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(digest(token))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Invites someone into an organization; the invitation, with its one-time link, is queued
    /// for them alone (the link is never returned to the inviter or shown in the outbox).
    pub async fn invite(
        &self,
        organization_id: i64,
        email: &str,
        role: Role,
        actor: &Actor,
    ) -> Result<()> {
        let mut c = Checks::default();
        let email = c.email(email, "email");
        c.check(
            matches!(role, Role::OrgAdmin | Role::OrgMember),
            "role",
            "Invite as organization admin or member.",
        );
        c.finish()?;
        let org = self.organization(organization_id).await?;
        let (_turn, mut tx) = self.begin_write().await?;
        invitation(&mut tx, &org, &email, role, actor).await?;
        tx.commit().await?;
        Ok(())
    }

    /// An open invitation: the organization's name, the email and the role it is for.
    pub async fn invitation(&self, token: &str) -> Result<Invitation> {
        let row = self
            .by_live_token(
                "SELECT o.name AS organization, i.email, i.role FROM invitations i
             JOIN organizations o ON o.id = i.organization_id
             WHERE i.token_hash = $1 AND i.accepted_at IS NULL AND i.expires_at > $2",
                token,
            )
            .await?;
        from_row(&row)
    }

    /// Accepts an invitation: creates the account and signs it in, all or nothing (the
    /// account, the invitation marked accepted, the audit rows and the session are one
    /// transaction). The invitation's token is the credential here, so sign-in throttling
    /// does not apply. Returns the session token and the session, as [`Store::sign_in`].
    pub async fn accept_invitation(
        &self,
        token: &str,
        name: &str,
        password: &str,
    ) -> Result<(String, Session)> {
        // Check the token before spending a hash on it.
        let row = self
            .by_live_token(
                "SELECT email FROM invitations
             WHERE token_hash = $1 AND accepted_at IS NULL AND expires_at > $2",
                token,
            )
            .await?;
        let email: String = row.try_get("email")?;
        let email = Email::parse(&email).ok_or_else(|| bad_value("email", &email))?;
        let mut c = Checks::default();
        c.check(!name.trim().is_empty(), "name", "Enter a name.");
        let hash = self
            .new_password_hash(c, password, email.as_str(), name)
            .await?;
        let (_turn, mut tx) = self.begin_write().await?;
        // Claimed by a conditional update: of two simultaneous acceptances one gets it.
        let row = sqlx::query(
            "UPDATE invitations SET accepted_at = $1
             WHERE token_hash = $2 AND accepted_at IS NULL AND expires_at > $3
             RETURNING organization_id, role",
        )
        .bind(now())
        .bind(digest(token))
        .bind(now())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let org: i64 = row.try_get("organization_id")?;
        let role: String = row.try_get("role")?;
        let role = Role::parse(&role).ok_or_else(|| bad_value("role", &role))?;
        let actor = Actor::system(email.as_str());
        let u = insert_user(&mut tx, &email, name, &hash, role, Some(org), &actor).await?;
        let after = serde_json::json!({"organization_id": org, "email": email, "user_id": u.id});
        audit::record(
            &mut tx,
            &Actor::user(&u),
            "accept",
            "invitation",
            &email,
            NONE,
            Some(&after),
        )
        .await?;
        let opened = open_session(&mut tx, u).await?;
        tx.commit().await?;
        Ok(opened)
    }
}

/// An instant as stored (ISO 8601 UTC, whole seconds).
fn stamp(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Inserts an account (the password already hashed) with its audit row inside `tx`.
async fn insert_user(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    email: &Email,
    name: &str,
    hash: &str,
    role: Role,
    organization_id: Option<i64>,
    actor: &Actor,
) -> Result<User> {
    let row = sqlx::query(&format!(
        "INSERT INTO users (email, name, password_hash, role, organization_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
    ))
    .bind(email.as_str())
    .bind(name.trim())
    .bind(hash)
    .bind(role.key())
    .bind(organization_id)
    .bind(now())
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| StoreError::unique(e, "An account with this email already exists."))?;
    let u: User = from_row(&row)?;
    audit::record(tx, actor, "create", "user", u.id, NONE, Some(&u)).await?;
    Ok(u)
}

/// Opens a session for `u` inside `tx`: its cookie token (stored only as a hash) and the
/// session with its CSRF token.
pub(crate) async fn open_session(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    u: User,
) -> Result<(String, Session)> {
    let (token, hash) = secret();
    let (csrf, _) = secret();
    let expires = stamp(Utc::now() + Duration::hours(SESSION_HOURS));
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(hash)
    .bind(u.id)
    .bind(&csrf)
    .bind(now())
    .bind(expires)
    .execute(&mut **tx)
    .await?;
    Ok((
        token,
        Session {
            user: u,
            csrf_token: csrf,
        },
    ))
}

/// Writes an invitation into `org` (with its audit row and its email in the outbox) inside
/// `tx`, so that approving an application and inviting its contact happen together or not at
/// all.
pub(crate) async fn invitation(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    org: &crate::model::Organization,
    email: &Email,
    role: Role,
    actor: &Actor,
) -> Result<()> {
    let (token, hash) = secret();
    let expires = (Utc::now() + Duration::days(INVITATION_DAYS))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    sqlx::query(
        "INSERT INTO invitations (token_hash, organization_id, email, role, invited_by,
                                  created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&hash)
    .bind(org.id)
    .bind(email.as_str())
    .bind(role.key())
    .bind(actor.user_id)
    .bind(now())
    .bind(expires)
    .execute(&mut **tx)
    .await?;
    let after = serde_json::json!({"organization_id": org.id, "email": email, "role": role.key()});
    audit::record(
        tx,
        actor,
        "invite",
        "invitation",
        email.as_str(),
        NONE,
        Some(&after),
    )
    .await?;
    crate::outbox::queue_with_link(
        tx,
        email.as_str(),
        &format!("You are invited to {} on the coalition platform", org.name),
        &format!(
            "Open {} to set your name and password. The link is yours alone and works for {INVITATION_DAYS} days.",
            crate::outbox::LINK
        ),
        Some(&format!("/invitations/{token}")),
        Some(&hash),
    )
    .await?;
    Ok(())
}
