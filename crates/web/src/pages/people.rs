//! People and accounts: who in a member has an account, invitations by the organization's
//! admins, accepting an invitation, and one's own account with its API tokens (for
//! `rise upload`).

use crate::Shared;
use crate::auth::{Viewer, no_store};
use crate::error::AppError;
use crate::pages::CsrfOnly;
use crate::session_cookie::{signed_in, signed_out};
use crate::view::{Chrome, field_error, form_errors, passwords_differ, render};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use rise_store::ApiToken;
use rise_store::StoreError;
use rise_store::model::{Actor, Email, Organization, Role, User};

#[derive(Template)]
#[template(path = "people.html")]
struct PeoplePage {
    chrome: Chrome,
    org: Organization,
    people: Vec<User>,
    is_admin: bool,
    /// Whom an invitation was just queued for (its link is theirs alone: not shown here).
    invited: Option<String>,
    email: String,
    errors: Vec<(String, String)>,
}

impl PeoplePage {
    fn error(&self, field: &str) -> Option<&str> {
        field_error(&self.errors, field)
    }
}

/// What a page of people shows besides the list.
#[derive(Default)]
struct Outcome {
    invited: Option<String>,
    email: String,
    errors: Vec<(String, String)>,
}

async fn people_page(
    state: &Shared,
    viewer: &Viewer,
    org_id: i64,
    is_admin: bool,
    o: Outcome,
) -> Result<PeoplePage, AppError> {
    Ok(PeoplePage {
        chrome: Chrome::new(viewer, "People"),
        org: state.store.organization(org_id).await?,
        people: state.store.users_of(org_id).await?,
        is_admin,
        invited: o.invited,
        email: o.email,
        errors: o.errors,
    })
}

fn errors_of(e: StoreError) -> Result<Vec<(String, String)>, AppError> {
    match e {
        StoreError::Invalid(v) => Ok(form_errors(v, |f| f)),
        StoreError::Conflict(m) => Ok(vec![("email".into(), m)]),
        other => Err(other.into()),
    }
}

/// `GET /org/people`.
pub async fn list(
    State(state): State<Shared>,
    viewer: Viewer,
    format: crate::tables::Format,
) -> Result<Response, AppError> {
    let (s, org_id) = viewer.member()?;
    if format.csv {
        return Ok(crate::tables::records(
            "people.csv",
            &state.store.users_of(org_id).await?,
        ));
    }
    let is_admin = s.user.role == Role::OrgAdmin;
    render(&people_page(&state, &viewer, org_id, is_admin, Outcome::default()).await?)
        .map(IntoResponse::into_response)
}

#[derive(Debug, serde::Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub email: String,
    /// An organization member unless given.
    #[serde(default)]
    pub role: String,
}

/// `POST /org/people`: an organization admin invites someone.
pub async fn invite(
    State(state): State<Shared>,
    viewer: Viewer,
    Form(f): Form<InviteForm>,
) -> Result<Response, AppError> {
    viewer.check_csrf(&f.csrf)?;
    let (s, org_id) = viewer.org_admin()?;
    let role = if f.role == Role::OrgAdmin.key() {
        Role::OrgAdmin
    } else {
        Role::OrgMember
    };
    let outcome = match state
        .store
        .invite(org_id, &f.email, role, &Actor::user(&s.user))
        .await
    {
        Ok(()) => Outcome {
            invited: Some(Email::normalised(&f.email)),
            ..Outcome::default()
        },
        Err(e) => Outcome {
            errors: errors_of(e)?,
            email: f.email.clone(),
            ..Outcome::default()
        },
    };
    let status = if outcome.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = people_page(&state, &viewer, org_id, true, outcome).await?;
    Ok((status, render(&page)?).into_response())
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    chrome: Chrome,
    user: User,
    role: &'static str,
    /// An API token just issued: shown once.
    token: Option<String>,
    /// Every token of the account, without secrets.
    tokens: Vec<ApiToken>,
    errors: Vec<(String, String)>,
}

impl AccountPage {
    fn error(&self, field: &str) -> Option<&str> {
        field_error(&self.errors, field)
    }
}

async fn account_page(
    state: &Shared,
    viewer: &Viewer,
    user: &User,
    token: Option<String>,
    errors: Vec<(String, String)>,
) -> Result<AccountPage, AppError> {
    Ok(AccountPage {
        chrome: Chrome::new(viewer, "Your account"),
        role: crate::view::role_label(user.role),
        user: user.clone(),
        token,
        tokens: state.store.api_tokens(user).await?,
        errors,
    })
}

/// `GET /account`: who you are, your API tokens, your sessions.
pub async fn account(
    State(state): State<Shared>,
    viewer: Viewer,
    format: crate::tables::Format,
) -> Result<Response, AppError> {
    let s = viewer.signed_in()?;
    if format.csv {
        return Ok(crate::tables::records(
            "tokens.csv",
            &state.store.api_tokens(&s.user).await?,
        ));
    }
    render(&account_page(&state, &viewer, &s.user, None, Vec::new()).await?)
        .map(IntoResponse::into_response)
}

/// `POST /account/tokens/{id}/revoke`: one of your tokens stops working at once.
pub async fn revoke_token(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<CsrfOnly>,
) -> Result<Redirect, AppError> {
    viewer.check_csrf(&f.csrf)?;
    let s = viewer.signed_in()?;
    state.store.revoke_api_token(&s.user, id).await?;
    Ok(Redirect::to("/account"))
}

/// `POST /account/sign-out-everywhere`: ends every session of the account, this one too.
pub async fn sign_out_everywhere(
    State(state): State<Shared>,
    viewer: Viewer,
    Form(f): Form<CsrfOnly>,
) -> Result<Response, AppError> {
    viewer.check_csrf(&f.csrf)?;
    let s = viewer.signed_in()?;
    state.store.sign_out_everywhere(&s.user).await?;
    Ok(signed_out())
}

#[derive(Debug, serde::Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub label: String,
}

/// `POST /account/tokens`: an API token acting for you (for `rise upload`), shown once.
pub async fn create_token(
    State(state): State<Shared>,
    viewer: Viewer,
    Form(f): Form<TokenForm>,
) -> Result<Response, AppError> {
    viewer.check_csrf(&f.csrf)?;
    let s = viewer.signed_in()?;
    match state.store.create_api_token(&s.user, &f.label).await {
        Ok(t) => render(&account_page(&state, &viewer, &s.user, Some(t), Vec::new()).await?)
            .map(|page| no_store(page.into_response())),
        Err(StoreError::Invalid(v)) => {
            let errors = form_errors(v, |_| "label");
            let page = account_page(&state, &viewer, &s.user, None, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "invitation.html")]
struct InvitationPage {
    chrome: Chrome,
    token: String,
    org_name: String,
    email: String,
    role: String,
    name: String,
    errors: Vec<(String, String)>,
}

impl InvitationPage {
    fn error(&self, field: &str) -> Option<&str> {
        field_error(&self.errors, field)
    }
}

async fn invitation_page(
    state: &Shared,
    viewer: &Viewer,
    token: &str,
    name: String,
    errors: Vec<(String, String)>,
) -> Result<InvitationPage, AppError> {
    let rise_store::model::Invitation {
        organization: org_name,
        email,
        role,
    } = state.store.invitation(token).await?;
    Ok(InvitationPage {
        chrome: Chrome::new(viewer, "Accept the invitation"),
        token: token.to_string(),
        org_name,
        email,
        role: crate::view::role_label(role).to_string(),
        name,
        errors,
    })
}

/// `GET /invitations/{token}`: an unknown, used or expired invitation is "not found". The
/// page carries the link's token: not to be cached.
pub async fn accept_form(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let page = invitation_page(&state, &viewer, &token, String::new(), Vec::new()).await?;
    Ok(no_store(render(&page)?.into_response()))
}

#[derive(Debug, serde::Deserialize)]
pub struct AcceptForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub password_again: String,
}

/// `POST /invitations/{token}`: makes the account and signs it in.
pub async fn accept(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(token): Path<String>,
    Form(f): Form<AcceptForm>,
) -> Result<Response, AppError> {
    viewer.check_csrf(&f.csrf)?;
    let refuse = |errors: Vec<(String, String)>| async {
        let page = invitation_page(&state, &viewer, &token, f.name.clone(), errors).await?;
        Ok::<_, AppError>(no_store(
            (StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response(),
        ))
    };
    if let Some(errors) = passwords_differ(&f.password, &f.password_again) {
        return refuse(errors).await;
    }
    match state
        .store
        .accept_invitation(&token, &f.name, &f.password)
        .await
    {
        Ok((cookie, session)) => Ok(signed_in(&state, &cookie, &session, "")),
        Err(StoreError::Invalid(v)) => refuse(form_errors(v, |f| f)).await,
        Err(e) => Err(e.into()),
    }
}
