//! Every route as every role: the public, coalition admin, reviewer, an organization admin, an
//! organization member, and a member of another organization. Each cell is the status the
//! route must answer; 303 to the sign-in page for the public on private pages.

use crate::{Site, hidden};
use reqwest::StatusCode;

const PUBLIC: usize = 0;
const ADMIN: usize = 1;
const REVIEWER: usize = 2;
const ORG_ADMIN: usize = 3;
const ORG_MEMBER: usize = 4;
const OTHER_ORG: usize = 5;

#[test]
fn every_route_as_every_role() {
    let site = Site::start();
    let browsers = [
        site.browser(),
        site.signed_in("admin@rise.test"),
        site.signed_in("reviewer@rise.test"),
        site.signed_in("admin@alpha.test"),
        site.signed_in("member@alpha.test"),
        site.signed_in("admin@beta.test"),
    ];
    let names = [
        "public",
        "admin",
        "reviewer",
        "org admin",
        "org member",
        "other org",
    ];
    let ok = StatusCode::OK;
    let see = StatusCode::SEE_OTHER;
    let no = StatusCode::FORBIDDEN;
    let gone = StatusCode::NOT_FOUND;

    // GET pages.
    let pages: [(&str, [StatusCode; 6]); 8] = [
        ("/", [ok; 6]),
        ("/framework", [ok; 6]),
        ("/apply", [ok; 6]),
        ("/login", [ok; 6]),
        ("/healthz", [ok; 6]),
        ("/org", [see, no, no, ok, ok, ok]),
        ("/coalition", [see, ok, ok, no, no, no]),
        ("/coalition/applications", [see, ok, ok, no, no, no]),
    ];
    for (path, want) in pages {
        for (who, b) in browsers.iter().enumerate() {
            let r = b.get(path);
            assert_eq!(r.status(), want[who], "GET {path} as {}", names[who]);
            if r.status() == see {
                let to = r.headers()["location"].to_str().unwrap().to_string();
                assert!(to.starts_with("/login?next="), "{path} → {to}");
            }
        }
    }
    for (who, b) in browsers.iter().enumerate() {
        assert_eq!(b.get("/no/such/page").status(), gone, "as {}", names[who]);
    }

    // Deciding an application: coalition admins only. Every POST carries the viewer's own
    // CSRF token, so the refusals below are about the role, not the token.
    let decide = format!("/coalition/applications/{}", site.pending);
    for who in [PUBLIC, REVIEWER, ORG_ADMIN, ORG_MEMBER, OTHER_ORG] {
        let b = &browsers[who];
        let csrf = b.csrf("/login");
        let r = b.post(
            &decide,
            &[("csrf", &csrf), ("decision", "approve"), ("reason", "")],
        );
        let want = if who == PUBLIC { see } else { no };
        assert_eq!(r.status(), want, "POST {decide} as {}", names[who]);
    }

    // Committing: members only, and only for their own organization.
    let fw = site.block(site.store.current_framework()).unwrap();
    let action = fw
        .fitting("commit", rise_store::model::OrgKind::Hospital)
        .next()
        .unwrap()
        .key
        .clone();
    for who in [PUBLIC, ADMIN, REVIEWER] {
        let b = &browsers[who];
        let csrf = b.csrf("/login");
        let r = b.post("/org/commitments", &[("csrf", &csrf), ("action", &action)]);
        let want = if who == PUBLIC { see } else { no };
        assert_eq!(r.status(), want, "commit as {}", names[who]);
    }
    let member = &browsers[ORG_MEMBER];
    let csrf = member.csrf("/org");
    let r = member.post("/org/commitments", &[("csrf", &csrf), ("action", &action)]);
    assert_eq!(r.status(), see);
    let commitments = site.block(site.store.commitments(site.org_a)).unwrap();
    assert_eq!(commitments.len(), 1);
    let update = format!("/org/commitments/{}", commitments[0].id);
    // Beta's admin cannot touch Alpha's commitment, nor learn that it exists.
    let other = &browsers[OTHER_ORG];
    let csrf = other.csrf("/org");
    let r = other.post(
        &update,
        &[
            ("csrf", &csrf),
            ("status", "done"),
            ("notes", "hijack"),
            ("evidence_url", ""),
        ],
    );
    assert_eq!(r.status(), gone);
    assert!(
        site.block(site.store.commitments(site.org_b))
            .unwrap()
            .is_empty()
    );
    let alpha = member.get("/org").text().unwrap();
    assert!(!alpha.contains("hijack"));
    let beta = other.get("/org").text().unwrap();
    assert!(!beta.contains(&fw.action(&action).unwrap().title) || beta.contains("Beta Clinic"));
    assert!(
        !beta.contains("Alpha Hospital"),
        "Beta's page shows nothing of Alpha"
    );

    // A form without the right token is refused, whoever sends it.
    let r = member.post(
        &update,
        &[
            ("csrf", "forged"),
            ("status", "done"),
            ("notes", ""),
            ("evidence_url", ""),
        ],
    );
    assert_eq!(r.status(), no);
    let html = member.get("/org").text().unwrap();
    assert!(hidden(&html, "csrf").is_some());
}
