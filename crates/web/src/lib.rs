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

mod adoption;
pub mod api;
pub mod auth;
mod cache;
mod charts;
pub mod client;
pub mod datasets;
mod error;
pub mod evidence;
pub mod mailer;
mod pages;
mod session_cookie;
pub mod tables;
mod trace;
mod view;

pub use error::AppError;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};
use rise_store::Store;
use std::sync::Arc;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

/// What every request can reach.
pub struct AppState {
    pub store: Store,
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// Take the client's address from `X-Forwarded-For` (behind a reverse proxy that sets it).
    pub trust_forwarded_for: bool,
    /// Sign-in attempts per client address.
    pub(crate) sign_ins: client::Limiter,
    /// API requests with a wrong token, per client address.
    pub(crate) api_failures: client::Limiter,
    /// The public home page's numbers, recomputed at most once a second.
    pub(crate) public: cache::Ttl<pages::public::Summary>,
    /// Each member's `/org` page as computed at a write generation (see [`cache::Generations`]).
    pub(crate) org_pages: cache::Generations<i64, pages::member::OrgPage>,
    /// Data-set views lately computed (data sets never change once stored).
    pub(crate) views: datasets::Views,
    /// Delivers the outbox, when the installation has a mail transport.
    pub(crate) mailer: Option<Arc<mailer::Mailer>>,
}

impl AppState {
    pub fn new(store: Store, secure_cookies: bool) -> Self {
        Self {
            store,
            secure_cookies,
            trust_forwarded_for: false,
            sign_ins: client::Limiter::per_minute(SIGN_INS_PER_MINUTE),
            api_failures: client::Limiter::per_minute(SIGN_INS_PER_MINUTE),
            public: cache::Ttl::new(std::time::Duration::from_secs(1)),
            org_pages: cache::Generations::default(),
            views: datasets::Views::default(),
            mailer: None,
        }
    }

    /// Delivers queued mail through `mailer` (without one, mail waits in the outbox).
    pub fn mailer(mut self, mailer: mailer::Mailer) -> Self {
        self.mailer = Some(Arc::new(mailer));
        self
    }

    /// Takes the client's address from `X-Forwarded-For`: only behind a proxy that sets it.
    pub fn trust_forwarded_for(mut self, trust: bool) -> Self {
        self.trust_forwarded_for = trust;
        self
    }

    /// Sign-in attempts (and API requests with a wrong token) allowed per client address and
    /// minute, in a burst or spread out.
    pub fn sign_ins_per_minute(mut self, n: u32) -> Self {
        self.sign_ins = client::Limiter::per_minute(n);
        self.api_failures = client::Limiter::per_minute(n);
        self
    }
}

/// The default of [`AppState::sign_ins_per_minute`]: a person mistyping a few times, or an
/// office behind one address, stays well under it; a guesser gets 20 a minute.
pub const SIGN_INS_PER_MINUTE: u32 = 20;

/// The largest upload accepted: a data set of the most rows a data set may have
/// ([`rise_store::MAX_DATASET_ROWS`], about 31 MB of CSV) with room to spare.
const UPLOAD_LIMIT: usize = 64 * 1024 * 1024;

/// Shared state.
pub type Shared = Arc<AppState>;

/// The whole application.
pub fn app(state: AppState) -> Router {
    let state = Arc::new(state);
    let routes = Router::new()
        .route("/", get(pages::public::home))
        .route("/framework", get(pages::public::framework))
        .route("/apply", get(pages::public::apply_form).post(pages::public::apply))
        .route("/login", get(pages::session::login_form).post(pages::session::login))
        .route("/logout", post(pages::session::logout))
        .route("/reset", get(pages::reset::request_form).post(pages::reset::request))
        .route(
            "/reset/{token}",
            get(pages::reset::reset_form).post(pages::reset::reset),
        )
        .route("/org", get(pages::member::home))
        .route("/org/commitments", post(pages::member::commit))
        .route("/org/commitments/{id}", post(pages::member::update_commitment))
        .route(
            "/org/datasets",
            get(pages::datasets::list)
                .post(pages::datasets::upload)
                // An aggregate file with intersections and monthly periods runs to a few MB.
                .layer(axum::extract::DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/org/datasets/{id}", get(pages::datasets::show))
        .route("/org/plans", get(pages::plans::list).post(pages::plans::create))
        .route("/org/plans/new", get(pages::plans::new_form))
        .route("/org/plans/{id}", get(pages::plans::show))
        .route("/org/plans/{id}/status", post(pages::plans::set_status))
        .route("/org/plans/{id}/followups", post(pages::plans::add_followup))
        .route("/org/plans/{id}/evidence", post(pages::plans::submit_evidence))
        .route("/org/people", get(pages::people::list).post(pages::people::invite))
        .route("/account", get(pages::people::account))
        .route("/account/tokens", post(pages::people::create_token))
        .route("/account/tokens/{id}/revoke", post(pages::people::revoke_token))
        .route(
            "/account/sign-out-everywhere",
            post(pages::people::sign_out_everywhere),
        )
        .route(
            "/invitations/{token}",
            get(pages::people::accept_form).post(pages::people::accept),
        )
        .route("/coalition", get(pages::coalition::home))
        .route("/coalition/applications", get(pages::coalition::applications))
        .route("/coalition/applications/{id}", post(pages::coalition::decide))
        .route("/coalition/members/{id}", get(pages::coalition::member))
        .route(
            "/coalition/members/{org}/datasets/{id}",
            get(pages::datasets::show_to_staff),
        )
        .route("/coalition/evidence", get(pages::evidence::queue))
        .route("/coalition/evidence/{id}", get(pages::evidence::show))
        .route("/coalition/evidence/{id}/review", post(pages::evidence::review))
        .route("/coalition/outbox", get(pages::coalition::outbox))
        .route("/coalition/outbox/{id}/resend", post(pages::coalition::resend))
        .route("/coalition/audit", get(pages::coalition::audit))
        .route(
            "/coalition/framework",
            get(pages::coalition::framework_form).post(pages::coalition::publish),
        )
        .route("/healthz", get(pages::public::healthz))
        .route("/openapi.json", get(api::openapi))
        .nest(
            "/api/v1",
            api::router().layer(axum::extract::DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/static/rise.css", get(pages::public::stylesheet))
        .fallback(pages::public::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            cache::count_writes,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::csrf_cookie,
        ))
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
        // Outermost: every request gets an id first, then its span; the id goes back out.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(trace::span)
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::new(trace::REQUEST_ID))
        .layer(SetRequestIdLayer::new(
            trace::REQUEST_ID,
            trace::Counter::default(),
        ));
    // Served over HTTPS (which is what secure cookies say): browsers are to come back only so.
    let routes = if state.secure_cookies {
        routes.layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        ))
    } else {
        routes
    };
    routes.with_state(state)
}

/// Serves the application on `listener` until the process is stopped.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    if let Some(m) = &state.mailer {
        tokio::spawn(mailer::deliver(state.store.clone(), m.clone()));
    }
    // The peer address of each connection goes into the requests for the sign-in limits.
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .await
}
