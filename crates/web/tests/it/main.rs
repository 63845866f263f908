//! The platform over real HTTP: a server on a random port over a temporary SQLite database,
//! driven by an HTTP client with a cookie jar, as a browser would.

#![allow(clippy::unwrap_used)]

mod access;
mod journeys;

use reqwest::StatusCode;
use reqwest::redirect::Policy;
use rise_store::model::{Actor, Application, OrgKind, Role};
use rise_store::{FrameworkFile, Store};
use rise_web::AppState;

pub const PASSWORD: &str = "a long test password";

/// A running platform with staff and two member organizations.
pub struct Site {
    pub base: String,
    pub store: Store,
    pub org_a: i64,
    pub org_b: i64,
    pub pending: i64,
    _dir: tempfile::TempDir,
    _rt: tokio::runtime::Runtime,
}

impl Site {
    pub fn start() -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rise.db");
        let (store, org_a, org_b, pending, base) = rt.block_on(async {
            let store = Store::open_sqlite(&path).await.unwrap();
            let sys = Actor::system("test");
            store
                .publish_framework(&FrameworkFile::seed().unwrap(), "Seed", &sys)
                .await
                .unwrap();
            store
                .create_user(
                    "admin@rise.test",
                    "Admin",
                    PASSWORD,
                    Role::CoalitionAdmin,
                    None,
                    &sys,
                )
                .await
                .unwrap();
            store
                .create_user(
                    "reviewer@rise.test",
                    "Reviewer",
                    PASSWORD,
                    Role::Reviewer,
                    None,
                    &sys,
                )
                .await
                .unwrap();
            let org = |name: &str, kind: OrgKind| Application {
                name: name.into(),
                kind: kind.key().into(),
                state: "OH".into(),
                contact_name: "C".into(),
                contact_email: "c@example.org".into(),
                why: "To close our largest gap in care.".into(),
            };
            let a = store
                .apply(&org("Alpha Hospital", OrgKind::Hospital), &sys)
                .await
                .unwrap();
            let b = store
                .apply(&org("Beta Clinic", OrgKind::CommunityHealthCenter), &sys)
                .await
                .unwrap();
            let p = store
                .apply(&org("Pending Plan", OrgKind::HealthPlan), &sys)
                .await
                .unwrap();
            store.decide(a.id, true, "", &sys).await.unwrap();
            store.decide(b.id, true, "", &sys).await.unwrap();
            store
                .create_user(
                    "admin@alpha.test",
                    "Alpha Admin",
                    PASSWORD,
                    Role::OrgAdmin,
                    Some(a.id),
                    &sys,
                )
                .await
                .unwrap();
            store
                .create_user(
                    "member@alpha.test",
                    "Alpha Member",
                    PASSWORD,
                    Role::OrgMember,
                    Some(a.id),
                    &sys,
                )
                .await
                .unwrap();
            store
                .create_user(
                    "admin@beta.test",
                    "Beta Admin",
                    PASSWORD,
                    Role::OrgAdmin,
                    Some(b.id),
                    &sys,
                )
                .await
                .unwrap();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let base = format!("http://{}", listener.local_addr().unwrap());
            let state = AppState {
                store: store.clone(),
                secure_cookies: false,
            };
            tokio::spawn(async move { rise_web::serve(listener, state).await });
            (store, a.id, b.id, p.id, base)
        });
        Site {
            base,
            store,
            org_a,
            org_b,
            pending,
            _dir: dir,
            _rt: rt,
        }
    }

    /// Runs a store call to completion.
    pub fn block<F: std::future::Future>(&self, f: F) -> F::Output {
        self._rt.block_on(f)
    }

    /// A browser with its own cookies that does not follow redirects.
    pub fn browser(&self) -> Browser {
        Browser {
            base: self.base.clone(),
            client: reqwest::blocking::Client::builder()
                .cookie_store(true)
                .redirect(Policy::none())
                .build()
                .unwrap(),
        }
    }

    /// A browser signed in as `email`.
    pub fn signed_in(&self, email: &str) -> Browser {
        let b = self.browser();
        let csrf = b.csrf("/login");
        let r = b.post(
            "/login",
            &[("csrf", &csrf), ("email", email), ("password", PASSWORD)],
        );
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "sign-in of {email} failed"
        );
        b
    }
}

/// A cookie-keeping HTTP client.
pub struct Browser {
    pub base: String,
    pub client: reqwest::blocking::Client,
}

impl Browser {
    pub fn get(&self, path: &str) -> reqwest::blocking::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .unwrap()
    }

    pub fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::blocking::Response {
        self.client
            .post(format!("{}{path}", self.base))
            .form(form)
            .send()
            .unwrap()
    }

    /// The CSRF token of the first form on a page.
    pub fn csrf(&self, path: &str) -> String {
        let html = self.get(path).text().unwrap();
        hidden(&html, "csrf").unwrap_or_else(|| panic!("no CSRF field on {path}"))
    }
}

/// The value of a hidden input.
pub fn hidden(html: &str, name: &str) -> Option<String> {
    let needle = format!("name=\"{name}\" value=\"");
    let start = html.find(&needle)? + needle.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string())
}
