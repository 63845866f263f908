//! Who is calling: the user of an API token (`Authorization: Bearer …`), or the public.

use super::{ApiError, ApiResult};
use crate::Shared;
use crate::auth::{as_admin, as_member, as_org_admin, as_staff};
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use rise_store::StoreError;
use rise_store::model::User;

/// The caller, identified by an API token; `None` for the public.
pub struct Caller(Option<User>);

impl FromRequestParts<Shared> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> ApiResult<Self> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Ok(Caller(None));
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(ApiError::unauthorized)?;
        match state.store.api_token_user(token).await {
            Ok(u) => Ok(Caller(Some(u))),
            // Wrong tokens are counted per address, as sign-ins are; right ones never are.
            Err(StoreError::NotFound) => {
                let client = crate::client::ClientAddr::of(parts, state.trust_forwarded_for);
                match state.api_failures.check(client) {
                    Ok(()) => Err(ApiError::unauthorized()),
                    Err(seconds) => Err(ApiError::too_many(
                        seconds,
                        format!(
                            "Too many requests with a wrong token from your network. Try again in {}.",
                            crate::client::wait_words(seconds)
                        ),
                    )),
                }
            }
            Err(e) => Err(e.into()),
        }
    }
}

impl Caller {
    pub(crate) fn user(&self) -> ApiResult<&User> {
        self.0.as_ref().ok_or_else(ApiError::unauthorized)
    }

    /// A person of a member organization, with its id.
    pub(crate) fn member(&self) -> ApiResult<(&User, i64)> {
        let u = self.user()?;
        Ok((u, as_member(u)?))
    }

    /// An admin of a member organization, with its id.
    pub(crate) fn org_admin(&self) -> ApiResult<(&User, i64)> {
        let u = self.user()?;
        Ok((u, as_org_admin(u)?))
    }

    /// Coalition staff (admin or reviewer).
    pub(crate) fn staff(&self) -> ApiResult<&User> {
        let u = self.user()?;
        as_staff(u)?;
        Ok(u)
    }

    /// A coalition admin.
    pub(crate) fn admin(&self) -> ApiResult<&User> {
        let u = self.user()?;
        as_admin(u)?;
        Ok(u)
    }
}
