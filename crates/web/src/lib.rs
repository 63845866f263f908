//! # rise-web
//!
//! The coalition platform: server-rendered HTML pages for people and a JSON API
//! (`/api/v1/…`) for programs, both over [`rise_store::Store`]. No JavaScript is needed; every
//! form works with a plain browser and is validated on the server, with messages next to the
//! fields.
//!
//! Who may see what is decided here, once per route, by the extractors of [`auth`]: the public
//! sees the framework and the coalition's headline counts; members see their own
//! organization; coalition staff see every member's progress but never another member's
//! unsuppressed numbers.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod api;
pub mod auth;
mod charts;
mod error;
mod pages;
mod view;

pub use error::AppError;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};
use rise_store::Store;
use std::sync::Arc;
use tower_http::set_header::SetResponseHeaderLayer;

/// What every request can reach.
pub struct AppState {
    pub store: Store,
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
}

/// Shared state.
pub type Shared = Arc<AppState>;

/// The whole application.
pub fn app(state: AppState) -> Router {
    let state = Arc::new(state);
    Router::new()
        .route("/", get(pages::public::home))
        .route("/framework", get(pages::public::framework))
        .route("/apply", get(pages::public::apply_form).post(pages::public::apply))
        .route("/login", get(pages::session::login_form).post(pages::session::login))
        .route("/logout", post(pages::session::logout))
        .route("/org", get(pages::member::home))
        .route("/org/commitments", post(pages::member::commit))
        .route("/org/commitments/{id}", post(pages::member::update_commitment))
        .route("/coalition", get(pages::coalition::home))
        .route("/coalition/applications", get(pages::coalition::applications))
        .route("/coalition/applications/{id}", post(pages::coalition::decide))
        .route("/healthz", get(pages::public::healthz))
        .route("/openapi.json", get(api::openapi))
        .nest(
            "/api/v1",
            // An aggregate file with intersections and monthly periods runs to a few MB.
            api::router().layer(axum::extract::DefaultBodyLimit::max(32 * 1024 * 1024)),
        )
        .route("/static/rise.css", get(pages::public::stylesheet))
        .fallback(pages::public::not_found)
        .layer(axum::middleware::from_fn(auth::csrf_cookie))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'",
            ),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .with_state(state)
}

/// Serves the application on `listener` until the process is stopped.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(listener, app(state)).await
}
