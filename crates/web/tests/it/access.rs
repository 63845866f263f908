//! Every route as every role: the public, coalition admin, reviewer, an organization admin, an
//! organization member, and a member of another organization. Each cell is the status the
//! route must answer; 303 to the sign-in page for the public on private pages.

use crate::{ByEmail, Site, hidden};
use reqwest::StatusCode;

const PUBLIC: usize = 0;
const ADMIN: usize = 1;
const REVIEWER: usize = 2;
const ORG_ADMIN: usize = 3;
const ORG_MEMBER: usize = 4;
const OTHER_ORG: usize = 5;

#[test]
fn every_route_as_every_role() {
    for backend in crate::backends("access_pages") {
        every_route_as_every_role_on(&Site::start_on(backend, |s| s));
    }
}

fn every_route_as_every_role_on(site: &Site) {
    let browsers = site.every_role();
    let names = crate::ROLES;
    let ok = StatusCode::OK;
    let see = StatusCode::SEE_OTHER;
    let no = StatusCode::FORBIDDEN;
    let gone = StatusCode::NOT_FOUND;

    // GET pages.
    let ds = format!("/org/datasets/{}", site.dataset_a);
    let plan = format!("/org/plans/{}", site.plan_a);
    let member_page = format!("/coalition/members/{}", site.org_a);
    let staff_ds = format!(
        "/coalition/members/{}/datasets/{}",
        site.org_a, site.dataset_a
    );
    let pending_page = format!("/coalition/members/{}", site.pending);
    let member_only = [see, no, no, ok, ok, ok];
    let staff_only = [see, ok, ok, no, no, no];
    let admin_only = [see, ok, no, no, no, no];
    let pages: Vec<(&str, [StatusCode; 6])> = vec![
        ("/", [ok; 6]),
        ("/framework", [ok; 6]),
        ("/apply", [ok; 6]),
        ("/login", [ok; 6]),
        ("/healthz", [ok; 6]),
        ("/openapi.json", [ok; 6]),
        ("/invitations/not-a-real-token", [gone; 6]),
        ("/reset", [ok; 6]),
        ("/reset/not-a-real-token", [gone; 6]),
        ("/org", member_only),
        ("/org/datasets", member_only),
        (&ds, [see, no, no, ok, ok, gone]),
        ("/org/plans", member_only),
        ("/org/plans/new", member_only),
        (&plan, [see, no, no, ok, ok, gone]),
        ("/org/people", member_only),
        ("/account", [see, ok, ok, ok, ok, ok]),
        ("/coalition", staff_only),
        ("/coalition/applications", staff_only),
        (&member_page, staff_only),
        (&staff_ds, staff_only),
        (&pending_page, [see, gone, gone, no, no, no]),
        ("/coalition/framework", admin_only),
        ("/coalition/outbox", admin_only),
        ("/coalition/audit", admin_only),
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

    // Every table's CSV download is the page's route with ?format=csv: the same walls.
    let tables: Vec<(&str, [StatusCode; 6])> = vec![
        ("/org/datasets", member_only),
        (&ds, [see, no, no, ok, ok, gone]),
        ("/org/plans", member_only),
        ("/org/people", member_only),
        ("/account", [see, ok, ok, ok, ok, ok]),
        ("/coalition", staff_only),
        ("/coalition/applications", staff_only),
        (&staff_ds, staff_only),
        ("/coalition/outbox", admin_only),
        ("/coalition/audit", admin_only),
    ];
    for (path, want) in tables {
        for (who, b) in browsers.iter().enumerate() {
            let r = b.get(&format!("{path}?format=csv"));
            assert_eq!(
                r.status(),
                want[who],
                "GET {path}?format=csv as {}",
                names[who]
            );
            if r.status() == ok {
                let kind = r.headers()["content-type"].to_str().unwrap().to_string();
                assert!(
                    kind.starts_with("text/csv"),
                    "{path} as {}: {kind}",
                    names[who]
                );
            }
        }
    }
    // The member's own download has its exact small cell; staff's has it hidden.
    let small = "American Indian or Alaska Native";
    let own = browsers[ORG_ADMIN]
        .get(&format!("{ds}?format=csv"))
        .text()
        .unwrap();
    let line = own.lines().find(|l| l.contains(small)).unwrap();
    assert!(line.contains(",3,7,false,"), "{line}");
    let staff = browsers[ADMIN]
        .get(&format!("{staff_ds}?format=csv"))
        .text()
        .unwrap();
    let line = staff.lines().find(|l| l.contains(small)).unwrap();
    assert!(line.contains(",,,true,") && !line.contains(",3,"), "{line}");

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

    // Resending mail: coalition admins only.
    let message = site.block(site.store.outbox(1)).unwrap()[0].id;
    site.block(site.store.mail_sent(message)).unwrap();
    let resend = format!("/coalition/outbox/{message}/resend");
    for (who, b) in browsers.iter().enumerate() {
        let csrf = b.csrf("/login");
        let r = b.post(&resend, &[("csrf", &csrf)]);
        let want = match who {
            PUBLIC | ADMIN => see,
            _ => no,
        };
        assert_eq!(r.status(), want, "POST {resend} as {}", names[who]);
    }
    let resent = site.block(site.store.audit_log(None, 100)).unwrap();
    assert_eq!(resent.iter().filter(|e| e.action == "resend").count(), 1);

    // Resetting a password: anyone may ask; a link that does not exist is not found.
    for (who, b) in browsers.iter().enumerate() {
        let csrf = b.csrf("/login");
        let r = b.post(
            "/reset",
            &[("csrf", &csrf), ("email", "someone@alpha.test")],
        );
        assert_eq!(r.status(), ok, "POST /reset as {}", names[who]);
        let r = b.post(
            "/reset/not-a-real-token",
            &[("csrf", &csrf), ("password", "x"), ("password_again", "x")],
        );
        assert_eq!(r.status(), gone, "POST /reset/… as {}", names[who]);
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

    // Inviting people: organization admins only, into their own organization.
    for (who, want) in [
        (PUBLIC, see),
        (ADMIN, no),
        (REVIEWER, no),
        (ORG_MEMBER, no),
        (ORG_ADMIN, ok),
    ] {
        let b = &browsers[who];
        let csrf = b.csrf("/login");
        let r = b.post(
            "/org/people",
            &[
                ("csrf", &csrf),
                ("email", "new@alpha.test"),
                ("role", "org_member"),
            ],
        );
        assert_eq!(r.status(), want, "invite as {}", names[who]);
    }
    // API tokens: anyone signed in, for themselves.
    for (who, b) in browsers.iter().enumerate() {
        let csrf = b.csrf("/login");
        let r = b.post("/account/tokens", &[("csrf", &csrf), ("label", "laptop")]);
        let want = if who == PUBLIC { see } else { ok };
        assert_eq!(r.status(), want, "token as {}", names[who]);
    }
    // Revoking a token: only its owner (another person's is "not found").
    let alpha_member = site.block(site.store.user_by_email("member@alpha.test"));
    let token_id = site.block(site.store.api_tokens(&alpha_member)).unwrap()[0].id;
    let revoke = format!("/account/tokens/{token_id}/revoke");
    for (who, want) in [
        (PUBLIC, see),
        (ADMIN, gone),
        (REVIEWER, gone),
        (ORG_ADMIN, gone),
        (OTHER_ORG, gone),
        (ORG_MEMBER, see),
    ] {
        let b = &browsers[who];
        let csrf = b.csrf("/login");
        let r = b.post(&revoke, &[("csrf", &csrf)]);
        assert_eq!(r.status(), want, "POST {revoke} as {}", names[who]);
    }
    let tokens = site.block(site.store.api_tokens(&alpha_member)).unwrap();
    let revoked = tokens.iter().find(|t| t.id == token_id).unwrap();
    assert!(revoked.revoked_at.is_some(), "its owner revoked it");
    // Uploading a data set: members only.
    for (who, want) in [(PUBLIC, see), (ADMIN, no), (REVIEWER, no)] {
        let b = &browsers[who];
        let csrf = b.csrf("/login");
        let r = b.post_files(
            "/org/datasets",
            &[("csrf", &csrf), ("label", "x")],
            &[("files", "aggregates.csv", b"measure\n".to_vec())],
        );
        assert_eq!(r.status(), want, "upload as {}", names[who]);
    }
    // Plans: staff cannot write one; another organization can neither aim one at Alpha's data
    // set nor change Alpha's plan.
    for (who, want) in [(PUBLIC, see), (ADMIN, no), (REVIEWER, no)] {
        let b = &browsers[who];
        let csrf = b.csrf("/login");
        let r = b.post("/org/plans", &[("csrf", &csrf), ("dataset_id", "1")]);
        assert_eq!(r.status(), want, "plan as {}", names[who]);
    }
    let other = &browsers[OTHER_ORG];
    let csrf = other.csrf("/org");
    let r = other.post(
        "/org/plans",
        &[
            ("csrf", &csrf),
            ("dataset_id", &site.dataset_a.to_string()),
            (
                "inequity",
                "bp|race_ethnicity|Black or African American|White",
            ),
            ("target", "60"),
            ("owner", "Beta"),
            ("changes", "Taking over Alpha's plan"),
            ("start_date", "2025-01-01"),
            ("target_date", "2025-06-01"),
        ],
    );
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(site.block(site.store.plans(site.org_b)).unwrap().is_empty());
    let r = other.post(
        &format!("{plan}/status"),
        &[("csrf", &csrf), ("status", "closed")],
    );
    assert_eq!(r.status(), gone);
    for who in [PUBLIC, ADMIN, REVIEWER] {
        let b = &browsers[who];
        let csrf = b.csrf("/login");
        let r = b.post(
            &format!("{plan}/status"),
            &[("csrf", &csrf), ("status", "closed")],
        );
        let want = if who == PUBLIC { see } else { no };
        assert_eq!(r.status(), want, "plan status as {}", names[who]);
    }
    // Publishing the framework: coalition admins only.
    for (who, b) in browsers.iter().enumerate() {
        if who == ADMIN {
            continue;
        }
        let csrf = b.csrf("/login");
        let r = b.post(
            "/coalition/framework",
            &[("csrf", &csrf), ("text", ""), ("note", "x")],
        );
        let want = if who == PUBLIC { see } else { no };
        assert_eq!(r.status(), want, "publish as {}", names[who]);
    }
    assert_eq!(
        site.block(site.store.current_framework()).unwrap().version,
        1
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

    // Signing out everywhere: anyone signed in, for themselves (last: it ends the sessions).
    for (who, b) in browsers.iter().enumerate() {
        let csrf = b.csrf("/login");
        let r = b.post("/account/sign-out-everywhere", &[("csrf", &csrf)]);
        assert_eq!(r.status(), see, "sign out everywhere as {}", names[who]);
        let to = r.headers()["location"].to_str().unwrap().to_string();
        let want = if who == PUBLIC { "/login?next=" } else { "/" };
        assert!(to.starts_with(want), "as {}: {to}", names[who]);
        assert_eq!(
            b.get("/account").status(),
            see,
            "signed out: {}",
            names[who]
        );
    }
}
