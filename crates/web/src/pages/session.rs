//! Signing in and out.

use crate::Shared;
use crate::auth::Viewer;
use crate::client::{ClientAddr, wait_words};
use crate::error::{AppError, retry_after};
use crate::pages::CsrfOnly;
use crate::session_cookie::{safe_next, signed_in, signed_out};
use crate::view::{Chrome, render};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rise_store::StoreError;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    email: String,
    next: String,
    error: Option<String>,
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct Next {
    #[serde(default)]
    pub next: String,
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub next: String,
}

pub async fn login_form(viewer: Viewer, Query(q): Query<Next>) -> Result<Response, AppError> {
    Ok(render(&LoginPage {
        chrome: Chrome::new(&viewer, "Sign in"),
        email: String::new(),
        next: safe_next(&q.next),
        error: None,
    })?
    .into_response())
}

pub async fn login(
    State(state): State<Shared>,
    viewer: Viewer,
    client: ClientAddr,
    Form(f): Form<LoginForm>,
) -> Result<Response, AppError> {
    viewer.check_csrf(&f.csrf)?;
    let again = |message: String, status: StatusCode| -> Result<Response, AppError> {
        Ok((
            status,
            render(&LoginPage {
                chrome: Chrome::new(&viewer, "Sign in"),
                email: f.email.clone(),
                next: safe_next(&f.next),
                error: Some(message),
            })?,
        )
            .into_response())
    };
    // Every attempt costs an Argon2 hash: limit them per address before anything else.
    if let Err(seconds) = state.sign_ins.check(client) {
        let message = format!(
            "Too many sign-in attempts from your network. Try again in {}.",
            wait_words(seconds)
        );
        return Ok(retry_after(
            again(message, StatusCode::TOO_MANY_REQUESTS)?,
            seconds,
        ));
    }
    let address = client.key().to_string();
    match state.store.sign_in(&f.email, &f.password, &address).await {
        Ok((token, session)) => Ok(signed_in(&state, &token, &session, &f.next)),
        Err(StoreError::Throttled { seconds }) => {
            let (seconds, message) = crate::error::throttled(seconds);
            Ok(retry_after(
                again(message, StatusCode::TOO_MANY_REQUESTS)?,
                seconds,
            ))
        }
        Err(StoreError::NotFound) => again(
            "The email or password is not right.".into(),
            StatusCode::UNAUTHORIZED,
        ),
        Err(e) => Err(e.into()),
    }
}

pub async fn logout(
    State(state): State<Shared>,
    viewer: Viewer,
    Form(f): Form<CsrfOnly>,
) -> Result<Response, AppError> {
    viewer.check_csrf(&f.csrf)?;
    if let Some(token) = &viewer.token {
        state.store.sign_out(token).await?;
    }
    Ok(signed_out())
}
