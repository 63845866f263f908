//! What the server logs: one span per request, named by a request id that is also sent back
//! (`x-request-id`), so a person reporting a failed page and the log line agree.

use axum::extract::MatchedPath;
use axum::http::{HeaderName, Request};
use std::sync::atomic::{AtomicU64, Ordering};
use tower_http::request_id::{MakeRequestId, RequestId};

/// The header the request id travels in.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Request ids: the process's start time and a counter, unique enough to find a request in
/// one server's log (no random source or UUID crate needed).
#[derive(Clone)]
pub struct Counter {
    prefix: String,
    next: std::sync::Arc<AtomicU64>,
}

impl Default for Counter {
    fn default() -> Self {
        let started = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Self {
            prefix: format!("{started:x}"),
            next: std::sync::Arc::new(AtomicU64::new(1)),
        }
    }
}

impl MakeRequestId for Counter {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        format!("{}-{n}", self.prefix)
            .parse()
            .ok()
            .map(RequestId::new)
    }
}

/// The span of one request: its id, method and route (`/invitations/{token}`, never the path
/// itself, which may hold a one-time token).
pub fn span<B>(req: &Request<B>) -> tracing::Span {
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("(no route)", MatchedPath::as_str);
    tracing::info_span!("request", id = %id, method = %req.method(), route = %route)
}
