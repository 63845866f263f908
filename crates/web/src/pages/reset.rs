//! "Forgot your password?": ask for a link by mail, then choose a new password with it.

use crate::Shared;
use crate::auth::{Viewer, no_store};
use crate::client::{ClientAddr, wait_words};
use crate::error::{AppError, retry_after};
use crate::session_cookie::signed_in;
use crate::view::{Chrome, field_error, form_errors, passwords_differ, render};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rise_store::model::Email;
use rise_store::{RESET_MINUTES, StoreError};

#[derive(Template)]
#[template(path = "reset_request.html")]
struct RequestPage {
    chrome: Chrome,
    email: String,
    /// The address a link was asked for (whether or not it has an account).
    sent: Option<String>,
    error: Option<String>,
    minutes: i64,
}

/// `GET /reset`: the form asking for a reset link.
pub async fn request_form(viewer: Viewer) -> Result<Response, AppError> {
    Ok(render(&RequestPage {
        chrome: Chrome::new(&viewer, "Reset your password"),
        email: String::new(),
        sent: None,
        error: None,
        minutes: RESET_MINUTES,
    })?
    .into_response())
}

#[derive(Debug, serde::Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub email: String,
}

/// `POST /reset`: mails a link if the address has an account, and says the same either way.
/// Limited per client address like sign-in, since each request may send mail.
pub async fn request(
    State(state): State<Shared>,
    viewer: Viewer,
    client: ClientAddr,
    Form(f): Form<RequestForm>,
) -> Result<Response, AppError> {
    viewer.check_csrf(&f.csrf)?;
    let page = |sent: Option<String>, error: Option<String>| RequestPage {
        chrome: Chrome::new(&viewer, "Reset your password"),
        email: f.email.clone(),
        sent,
        error,
        minutes: RESET_MINUTES,
    };
    if let Err(seconds) = state.sign_ins.check(client) {
        let message = format!(
            "Too many requests from your network. Try again in {}.",
            wait_words(seconds)
        );
        let body = render(&page(None, Some(message)))?;
        return Ok(retry_after(
            (StatusCode::TOO_MANY_REQUESTS, body).into_response(),
            seconds,
        ));
    }
    let email = f.email.trim();
    if email.is_empty() {
        let body = render(&page(
            None,
            Some("Enter the email address you sign in with.".into()),
        ))?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
    }
    state.store.request_password_reset(email).await?;
    Ok(render(&page(Some(Email::normalised(email)), None))?.into_response())
}

#[derive(Template)]
#[template(path = "reset_form.html")]
struct ResetPage {
    chrome: Chrome,
    token: String,
    email: String,
    errors: Vec<(String, String)>,
}

impl ResetPage {
    fn error(&self, field: &str) -> Option<&str> {
        field_error(&self.errors, field)
    }
}

async fn reset_page(
    state: &Shared,
    viewer: &Viewer,
    token: &str,
    errors: Vec<(String, String)>,
) -> Result<ResetPage, AppError> {
    let email = match state.store.password_reset(token).await {
        Ok(e) => e,
        Err(StoreError::NotFound) => return Err(AppError::NotFound),
        Err(e) => return Err(e.into()),
    };
    Ok(ResetPage {
        chrome: Chrome::new(viewer, "Choose a new password"),
        token: token.to_string(),
        email,
        errors,
    })
}

/// `GET /reset/{token}`: the new-password form; an unknown, used or expired link is "not
/// found". The page carries the link's token: not to be cached.
pub async fn reset_form(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let page = reset_page(&state, &viewer, &token, Vec::new()).await?;
    Ok(no_store(render(&page)?.into_response()))
}

#[derive(Debug, serde::Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub password_again: String,
}

/// `POST /reset/{token}`: sets the password, ends every other session and signs in.
pub async fn reset(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(token): Path<String>,
    Form(f): Form<ResetForm>,
) -> Result<Response, AppError> {
    viewer.check_csrf(&f.csrf)?;
    let refuse = |errors: Vec<(String, String)>| async {
        let page = reset_page(&state, &viewer, &token, errors).await?;
        Ok::<_, AppError>(no_store(
            (StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response(),
        ))
    };
    if let Some(errors) = passwords_differ(&f.password, &f.password_again) {
        return refuse(errors).await;
    }
    match state.store.reset_password(&token, &f.password).await {
        Ok((cookie, session)) => Ok(signed_in(&state, &cookie, &session, "")),
        Err(StoreError::Invalid(v)) => refuse(form_errors(v, |f| f)).await,
        Err(StoreError::NotFound) => Err(AppError::NotFound),
        Err(e) => Err(e.into()),
    }
}
