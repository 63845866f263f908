//! The platform over real HTTP: a server on a random port over a temporary SQLite database,
//! driven by an HTTP client with a cookie jar, as a browser would.

#![allow(clippy::unwrap_used)]

mod access;
mod api;
mod edge;
mod evidence;
mod journeys;
mod member;
mod races;
mod signin;

use reqwest::StatusCode;
use reqwest::redirect::Policy;
use rise_aggregate::rows::{AggregateRow, MeasureInfo};
use rise_aggregate::upload::Upload;
use rise_store::model::{Actor, Application, OrgKind, PlanInput, Role};
use rise_store::{FrameworkFile, Store};
use rise_web::AppState;

pub const PASSWORD: &str = "a long test password";

/// The roles of [`Site::every_role`], for messages.
pub const ROLES: [&str; 6] = [
    "public",
    "admin",
    "reviewer",
    "org admin",
    "org member",
    "other org",
];

/// A running platform with staff and two member organizations.
pub struct Site {
    pub base: String,
    pub store: Store,
    pub org_a: i64,
    pub org_b: i64,
    pub pending: i64,
    /// Alpha's data set, uploaded with exact counts (one group has 3 of 7).
    pub dataset_a: i64,
    /// Alpha's action plan on it.
    pub plan_a: i64,
    /// API tokens: [admin, reviewer, Alpha admin, Alpha member, Beta admin].
    pub tokens: Vec<String>,
    /// The PostgreSQL server and database a site on PostgreSQL runs on, dropped with it.
    postgres: Option<(String, String)>,
    _dir: tempfile::TempDir,
    _rt: tokio::runtime::Runtime,
}

/// The databases a check should run on: SQLite always, and PostgreSQL when
/// `RISE_TEST_POSTGRES_URL` names a server (as scripts/test sets it).
pub fn backends(name: &str) -> Vec<Option<(String, String)>> {
    let mut all = vec![None];
    match std::env::var("RISE_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => all.push(Some((url, name.to_string()))),
        _ => eprintln!("{name}: PostgreSQL skipped (set RISE_TEST_POSTGRES_URL to run it)"),
    }
    all
}

impl Drop for Site {
    fn drop(&mut self) {
        if let Some((url, db)) = self.postgres.take() {
            let store = self.store.clone();
            self._rt.block_on(async move {
                store.close().await;
                rise_store::testing::drop_postgres(&url, &db).await.unwrap();
            });
        }
    }
}

impl Site {
    pub fn start() -> Self {
        Self::start_with(|state| state)
    }

    /// The same, with the platform's state configured by `configure`.
    pub fn start_with(configure: impl FnOnce(AppState) -> AppState) -> Self {
        Self::start_on(None, configure)
    }

    /// The same on a backend of [`backends`]: SQLite (`None`) or a fresh database, named
    /// after the test, on a PostgreSQL server.
    pub fn start_on(
        backend: Option<(String, String)>,
        configure: impl FnOnce(AppState) -> AppState,
    ) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rise.db");
        let mut postgres = None;
        let (store, org_a, org_b, pending, base, dataset_a, plan_a, tokens) = rt.block_on(async {
            let store = match &backend {
                None => Store::open_sqlite(&path).await.unwrap(),
                Some((url, name)) => {
                    let (store, db) = rise_store::testing::fresh_postgres(url, name)
                        .await
                        .unwrap();
                    postgres = Some((url.clone(), db));
                    store
                }
            };
            let sys = Actor::system("test");
            store
                .publish_framework(&FrameworkFile::seed().unwrap(), "Seed", &sys)
                .await
                .unwrap();
            for (email, name, role, org) in [
                ("admin@rise.test", "Admin", Role::CoalitionAdmin, None),
                ("reviewer@rise.test", "Reviewer", Role::Reviewer, None),
            ] {
                store
                    .create_user(email, name, PASSWORD, role, org, &sys)
                    .await
                    .unwrap();
            }
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
            for (email, name, role, org) in [
                (
                    "admin@alpha.test",
                    "Alpha Admin",
                    Role::OrgAdmin,
                    Some(a.id),
                ),
                (
                    "member@alpha.test",
                    "Alpha Member",
                    Role::OrgMember,
                    Some(a.id),
                ),
                ("admin@beta.test", "Beta Admin", Role::OrgAdmin, Some(b.id)),
            ] {
                store
                    .create_user(email, name, PASSWORD, role, org, &sys)
                    .await
                    .unwrap();
            }
            let alpha_admin = store.user_by_email("admin@alpha.test").await;
            let ds = store
                .add_dataset(a.id, &sample_dataset(true), &Actor::user(&alpha_admin))
                .await
                .unwrap();
            let plan = store
                .create_plan(
                    a.id,
                    &PlanInput {
                        dataset_id: ds.id,
                        measure: "bp".into(),
                        dimension: "race_ethnicity".into(),
                        subgroup: "Black or African American".into(),
                        reference: "White".into(),
                        period: "2024".into(),
                        target_rate: 0.6,
                        owner: "Alpha Admin".into(),
                        changes: "Home blood pressure cuffs and nurse follow-up.".into(),
                        start_date: "2025-01-01".into(),
                        target_date: "2025-12-31".into(),
                        ..PlanInput::default()
                    },
                    &Actor::user(&alpha_admin),
                )
                .await
                .unwrap();
            let mut tokens = Vec::new();
            for email in [
                "admin@rise.test",
                "reviewer@rise.test",
                "admin@alpha.test",
                "member@alpha.test",
                "admin@beta.test",
            ] {
                let u = store.user_by_email(email).await;
                tokens.push(store.create_api_token(&u, "tests").await.unwrap());
            }
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let base = format!("http://{}", listener.local_addr().unwrap());
            let state = configure(AppState::new(store.clone(), false));
            tokio::spawn(async move { rise_web::serve(listener, state).await });
            (store, a.id, b.id, p.id, base, ds.id, plan.id, tokens)
        });
        Site {
            base,
            store,
            org_a,
            org_b,
            pending,
            dataset_a,
            plan_a,
            tokens,
            postgres,
            _dir: dir,
            _rt: rt,
        }
    }

    /// A browser for each role, in the order of [`ROLES`]: the public, coalition admin,
    /// reviewer, Alpha's admin, Alpha's member, Beta's admin.
    pub fn every_role(&self) -> [Browser; 6] {
        [
            self.browser(),
            self.signed_in("admin@rise.test"),
            self.signed_in("reviewer@rise.test"),
            self.signed_in("admin@alpha.test"),
            self.signed_in("member@alpha.test"),
            self.signed_in("admin@beta.test"),
        ]
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

    /// The token of the newest invitation mailed to `email`, read as its recipient reads it
    /// (from the mail, which this site leaves queued: it has no mail transport).
    pub fn invitation_to(&self, email: &str) -> String {
        let mail = self
            .block(self.store.mail_to_send(1000, "http://rise.test"))
            .unwrap();
        let m = mail
            .iter()
            .rev()
            .find(|m| m.to == email && m.body.contains("/invitations/"))
            .unwrap_or_else(|| panic!("no invitation mailed to {email}"));
        between(&m.body, "http://rise.test/invitations/", " ")
            .unwrap()
            .to_string()
    }

    /// A browser signed in as `email`.
    pub fn signed_in(&self, email: &str) -> Browser {
        let b = self.browser();
        let csrf = b.csrf("/login");
        let r = b.login(&csrf, email, PASSWORD);
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "sign-in of {email} failed"
        );
        b
    }
}

/// Finding a test account by its email.
trait ByEmail {
    async fn user_by_email(&self, email: &str) -> rise_store::model::User;
}

impl ByEmail for Store {
    async fn user_by_email(&self, email: &str) -> rise_store::model::User {
        let (_, session) = self.sign_in(email, PASSWORD, "192.0.2.1").await.unwrap();
        session.user
    }
}

/// Blood-pressure control by race and ethnicity: a real gap between Black and White patients,
/// and one group of 3 in 7 that only Alpha may see.
pub fn sample_dataset(exact: bool) -> Upload {
    let row = |dimension: &str, subgroup: &str, n: u64, d: u64| {
        AggregateRow::counted("bp", dimension, subgroup, "2024", n, d)
    };
    let mut rows = vec![
        row("overall", "All", 563, 907),
        row("race_ethnicity", "White", 420, 600),
        row("race_ethnicity", "Black or African American", 120, 250),
        row("race_ethnicity", "Asian", 20, 50),
    ];
    if exact {
        rows.push(row(
            "race_ethnicity",
            "American Indian or Alaska Native",
            3,
            7,
        ));
    }
    Upload::new(
        "Baseline 2024",
        "tests",
        rows,
        vec![
            MeasureInfo::new("bp", "Controlling high blood pressure", "CMS165", true)
                .described("Adults with hypertension whose last blood pressure was below 140/90."),
        ],
        exact,
    )
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

    /// Posts the sign-in form with `csrf` (from [`Browser::csrf`]).
    pub fn login(&self, csrf: &str, email: &str, password: &str) -> reqwest::blocking::Response {
        self.post(
            "/login",
            &[("csrf", csrf), ("email", email), ("password", password)],
        )
    }

    pub fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::blocking::Response {
        self.client
            .post(format!("{}{path}", self.base))
            .form(form)
            .send()
            .unwrap()
    }

    /// A multipart form post: text fields, then files as (field, file name, bytes).
    ///
    /// The body is built here and sent as one buffer with its length: reqwest's multipart form
    /// is streamed, and when the server refuses before reading it (a visitor, a staff account)
    /// the client could see the closed connection instead of the server's answer.
    pub fn post_files(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, Vec<u8>)],
    ) -> reqwest::blocking::Response {
        let boundary = "rise-test-boundary-7f3a9c";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        for (k, name, bytes) in files {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        self.client
            .post(format!("{}{path}", self.base))
            .header(
                reqwest::header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .unwrap()
    }

    /// The CSRF token of the first form on a page.
    pub fn csrf(&self, path: &str) -> String {
        let html = self.get(path).text().unwrap();
        hidden(&html, "csrf").unwrap_or_else(|| panic!("no CSRF field on {path}"))
    }
}

/// An API client with a Bearer token (or none).
pub struct Api {
    pub base: String,
    pub token: Option<String>,
    pub client: reqwest::blocking::Client,
}

impl Api {
    pub fn new(site: &Site, token: Option<&str>) -> Self {
        Api {
            base: format!("{}/api/v1", site.base),
            token: token.map(str::to_string),
            client: reqwest::blocking::Client::new(),
        }
    }

    fn auth(&self, r: reqwest::blocking::RequestBuilder) -> reqwest::blocking::RequestBuilder {
        match &self.token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    pub fn get(&self, path: &str) -> (StatusCode, serde_json::Value) {
        let r = self
            .auth(self.client.get(format!("{}{path}", self.base)))
            .send()
            .unwrap();
        (r.status(), r.json().unwrap_or(serde_json::Value::Null))
    }

    pub fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &serde_json::Value,
    ) -> (StatusCode, serde_json::Value) {
        let r = self
            .auth(self.client.request(method, format!("{}{path}", self.base)))
            .json(body)
            .send()
            .unwrap();
        (r.status(), r.json().unwrap_or(serde_json::Value::Null))
    }
}

/// The value of a hidden input.
/// The text after `start` up to the next `end`.
pub fn between<'a>(html: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let i = html.find(start)? + start.len();
    let j = html[i..].find(end)?;
    Some(&html[i..i + j])
}

pub fn hidden(html: &str, name: &str) -> Option<String> {
    let needle = format!("name=\"{name}\" value=\"");
    let start = html.find(&needle)? + needle.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string())
}
