//! Who is asking, and what they may do.
//!
//! A signed-in person carries an opaque session cookie (`HttpOnly`, `SameSite=Lax`); the store
//! keeps only its hash. Every form carries a CSRF token: the session's own, or, before signing
//! in, one bound to a cookie of its own (the double-submit pattern), so a page on another site
//! cannot post forms in a visitor's name.

use crate::Shared;
use crate::error::AppError;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use rand::RngCore;
use rise_store::Session;
use rise_store::model::{Role, User};

/// The session cookie.
pub const SESSION_COOKIE: &str = "rise_session";
/// The CSRF cookie of visitors who are not signed in.
pub const CSRF_COOKIE: &str = "rise_csrf";

/// A cookie's value.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty())
}

/// Marks a response that shows a secret (a new API token, an invitation's link) as never to
/// be stored by a browser or proxy cache.
pub fn no_store(mut res: Response) -> Response {
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    res
}

/// A fresh random token (128 bits, hex).
pub fn random_token() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The visitor's CSRF token before signing in, put in the request by [`csrf_cookie`].
#[derive(Debug, Clone)]
pub struct AnonCsrf(pub String);

/// Gives every visitor without one a CSRF cookie (`Secure` with the session cookie), and its
/// value to the handlers.
pub async fn csrf_cookie(State(state): State<Shared>, mut req: Request, next: Next) -> Response {
    let existing = cookie(req.headers(), CSRF_COOKIE).filter(|t| t.len() == 32);
    let token = existing.clone().unwrap_or_else(random_token);
    req.extensions_mut().insert(AnonCsrf(token.clone()));
    let mut res = next.run(req).await;
    if existing.is_none()
        && let Ok(v) = HeaderValue::from_str(&format!(
            "{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax{}",
            if state.secure_cookies { "; Secure" } else { "" }
        ))
    {
        res.headers_mut().append(SET_COOKIE, v);
    }
    res
}

/// The person asking (or nobody), for every page.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub session: Option<Session>,
    /// The session cookie's token, to end the session.
    pub token: Option<String>,
    anon_csrf: String,
    /// The path asked for, to come back to after signing in.
    pub path: String,
}

impl FromRequestParts<Shared> for Viewer {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self, AppError> {
        let token = cookie(&parts.headers, SESSION_COOKIE);
        let session = match &token {
            Some(t) => match state.store.session(t).await {
                Ok(s) => Some(s),
                Err(rise_store::StoreError::NotFound) => None,
                Err(e) => return Err(e.into()),
            },
            None => None,
        };
        let anon_csrf = parts
            .extensions
            .get::<AnonCsrf>()
            .map(|a| a.0.clone())
            .unwrap_or_default();
        Ok(Viewer {
            token: token.filter(|_| session.is_some()),
            session,
            anon_csrf,
            path: parts
                .uri
                .path_and_query()
                .map_or("/".to_string(), |p| p.as_str().to_string()),
        })
    }
}

impl Viewer {
    /// The session, or a redirect to sign in.
    pub fn signed_in(&self) -> Result<&Session, AppError> {
        self.session.as_ref().ok_or_else(|| AppError::SignIn {
            next: self.path.clone(),
        })
    }

    /// Coalition staff (admin or reviewer).
    pub fn staff(&self) -> Result<&Session, AppError> {
        let s = self.signed_in()?;
        as_staff(&s.user)?;
        Ok(s)
    }

    /// A coalition admin.
    pub fn admin(&self) -> Result<&Session, AppError> {
        let s = self.signed_in()?;
        as_admin(&s.user)?;
        Ok(s)
    }

    /// A person of a member organization, with the organization's id.
    pub fn member(&self) -> Result<(&Session, i64), AppError> {
        let s = self.signed_in()?;
        Ok((s, as_member(&s.user)?))
    }

    /// An admin of a member organization.
    pub fn org_admin(&self) -> Result<(&Session, i64), AppError> {
        let s = self.signed_in()?;
        Ok((s, as_org_admin(&s.user)?))
    }

    /// The token forms of this page must carry.
    pub fn csrf(&self) -> &str {
        match &self.session {
            Some(s) => &s.csrf_token,
            None => &self.anon_csrf,
        }
    }

    /// Checks a submitted form's token.
    pub fn check_csrf(&self, given: &str) -> Result<(), AppError> {
        let want = self.csrf();
        if !want.is_empty() && constant_time_eq(want.as_bytes(), given.trim().as_bytes()) {
            Ok(())
        } else {
            Err(AppError::Csrf)
        }
    }
}

// What each role may reach: the one statement of it, for the pages ([`Viewer`]) and the API
// (`api::Caller`) alike.

/// Coalition staff: admins and reviewers.
pub fn as_staff(user: &User) -> Result<(), AppError> {
    if user.role.is_staff() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// A coalition admin.
pub fn as_admin(user: &User) -> Result<(), AppError> {
    if user.role == Role::CoalitionAdmin {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// A person of a member organization: the organization's id.
pub fn as_member(user: &User) -> Result<i64, AppError> {
    user.organization_id.ok_or(AppError::Forbidden)
}

/// An admin of a member organization: the organization's id.
pub fn as_org_admin(user: &User) -> Result<i64, AppError> {
    let org = as_member(user)?;
    if user.role == Role::OrgAdmin {
        Ok(org)
    } else {
        Err(AppError::Forbidden)
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_by_name() {
        let mut h = HeaderMap::new();
        h.insert(
            COOKIE,
            HeaderValue::from_static("a=1; rise_session=abc; b=2"),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert_eq!(random_token().len(), 32);
    }
}
