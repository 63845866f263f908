//! The JSON API, every route as every role (Bearer tokens; cookies are ignored), and what a
//! member's exact counts look like to staff.

use crate::{Api, ByEmail, Site};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const UNAUTH: StatusCode = StatusCode::UNAUTHORIZED;
const OK: StatusCode = StatusCode::OK;
const NO: StatusCode = StatusCode::FORBIDDEN;
const GONE: StatusCode = StatusCode::NOT_FOUND;
const CREATED: StatusCode = StatusCode::CREATED;

/// Clients: [no token, admin, reviewer, Alpha admin, Alpha member, Beta admin].
fn clients(site: &Site) -> Vec<Api> {
    let mut v = vec![Api::new(site, None)];
    v.extend(site.tokens.iter().map(|t| Api::new(site, Some(t))));
    v
}

const NAMES: [&str; 6] = [
    "no token",
    "admin",
    "reviewer",
    "org admin",
    "org member",
    "other org",
];

#[test]
fn every_api_route_as_every_role() {
    for backend in crate::backends("access_api") {
        every_api_route_as_every_role_on(&Site::start_on(backend, |s| s));
    }
}

fn every_api_route_as_every_role_on(site: &Site) {
    let c = clients(site);
    let member = [UNAUTH, NO, NO, OK, OK, OK];
    let staff = [UNAUTH, OK, OK, NO, NO, NO];
    let ds = format!("/org/datasets/{}", site.dataset_a);
    let plan = format!("/org/plans/{}", site.plan_a);
    let staff_ds = format!(
        "/coalition/members/{}/datasets/{}",
        site.org_a, site.dataset_a
    );
    let admin = [UNAUTH, OK, NO, NO, NO, NO];
    let member_page = format!("/coalition/members/{}", site.org_a);
    let gets: Vec<(&str, [StatusCode; 6])> = vec![
        ("/framework", [OK; 6]),
        ("/adoption", [OK; 6]),
        ("/me", [UNAUTH, OK, OK, OK, OK, OK]),
        ("/me/tokens", [UNAUTH, OK, OK, OK, OK, OK]),
        ("/org", member),
        ("/org/commitments", member),
        ("/org/datasets", member),
        (&ds, [UNAUTH, NO, NO, OK, OK, GONE]),
        ("/org/plans", member),
        (&plan, [UNAUTH, NO, NO, OK, OK, GONE]),
        ("/org/people", member),
        ("/coalition/applications", staff),
        ("/coalition/members", staff),
        (&member_page, staff),
        (&staff_ds, staff),
        ("/coalition/outbox", admin),
        ("/coalition/audit", admin),
        ("/no/such/route", [GONE; 6]),
    ];
    for (path, want) in gets {
        for (who, api) in c.iter().enumerate() {
            let (status, body) = api.get(path);
            assert_eq!(status, want[who], "GET {path} as {}", NAMES[who]);
            if !status.is_success() {
                assert!(
                    body["error"]["message"].is_string(),
                    "GET {path} as {}: errors are JSON",
                    NAMES[who]
                );
            }
        }
    }

    // Writes. Each refusal leaves nothing behind.
    let decide = format!("/coalition/applications/{}/decision", site.pending);
    for (who, want) in [(0, UNAUTH), (2, NO), (3, NO), (4, NO), (5, NO)] {
        let (status, _) = c[who].send(
            Method::POST,
            &decide,
            &json!({"decision": "approve", "reason": ""}),
        );
        assert_eq!(status, want, "decide as {}", NAMES[who]);
    }
    let pending = site.block(site.store.organization(site.pending)).unwrap();
    assert_eq!(pending.status, rise_store::model::OrgStatus::Applied);

    // Revoking a token: the caller's own only; someone else's is not there.
    let alpha_member = site.block(site.store.user_by_email("member@alpha.test"));
    let theirs = site.block(site.store.api_tokens(&alpha_member)).unwrap()[0].id;
    let path = format!("/me/tokens/{theirs}");
    for (who, want) in [(0, UNAUTH), (1, GONE), (2, GONE), (3, GONE), (5, GONE)] {
        let (status, _) = c[who].send(Method::DELETE, &path, &json!({}));
        assert_eq!(status, want, "revoke another's token as {}", NAMES[who]);
    }
    assert_eq!(c[4].get("/me").0, OK, "still working");

    let message = site.block(site.store.outbox(1)).unwrap()[0].id;
    let resend = format!("/coalition/outbox/{message}/resend");
    let (status, body) = c[1].send(Method::POST, &resend, &json!({}));
    assert_eq!(status, StatusCode::CONFLICT, "still queued: {body}");
    site.block(site.store.mail_sent(message)).unwrap();
    for (who, want) in [
        (0, UNAUTH),
        (2, NO),
        (3, NO),
        (4, NO),
        (5, NO),
        (1, StatusCode::ACCEPTED),
    ] {
        let (status, _) = c[who].send(Method::POST, &resend, &json!({}));
        assert_eq!(status, want, "resend as {}", NAMES[who]);
    }

    let fw = site.block(site.store.current_framework()).unwrap();
    let action = fw
        .fitting("commit", rise_store::model::OrgKind::Hospital)
        .next()
        .unwrap()
        .key
        .clone();
    for (who, want) in [(0, UNAUTH), (1, NO), (2, NO)] {
        let (status, _) = c[who].send(
            Method::POST,
            "/org/commitments",
            &json!({ "action": action }),
        );
        assert_eq!(status, want, "commit as {}", NAMES[who]);
    }
    let (status, created) = c[4].send(
        Method::POST,
        "/org/commitments",
        &json!({ "action": action }),
    );
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    let (status, _) = c[5].send(
        Method::PATCH,
        &format!("/org/commitments/{id}"),
        &json!({"status": "done", "notes": "hijack"}),
    );
    assert_eq!(
        status, GONE,
        "another organization's commitment is not there"
    );
    let (status, _) = c[5].send(Method::PATCH, &plan, &json!({"status": "closed"}));
    assert_eq!(status, GONE);
    let (_, p) = c[3].get(&plan);
    assert_eq!(p["status"], "active");

    let upload = json!({
        "label": "x",
        "aggregates_csv": "measure,dimension,subgroup,period,numerator,denominator,suppressed\n",
    });
    for (who, want) in [(0, UNAUTH), (1, NO), (2, NO)] {
        let (status, _) = c[who].send(Method::POST, "/org/datasets", &upload);
        assert_eq!(status, want, "upload as {}", NAMES[who]);
    }
    assert_eq!(
        site.block(site.store.datasets(site.org_a)).unwrap().len(),
        1
    );

    // Tokens: anyone with one makes more for themselves.
    for (who, want) in [(0, UNAUTH), (1, CREATED), (2, CREATED), (4, CREATED)] {
        let (status, body) = c[who].send(Method::POST, "/me/tokens", &json!({"label": "cron"}));
        assert_eq!(status, want, "token as {}", NAMES[who]);
        if status == CREATED {
            let t = body["token"].as_str().unwrap();
            let (_, me) = Api::new(site, Some(t)).get("/me");
            let (_, mine) = c[who].get("/me");
            assert_eq!(me["id"], mine["id"]);
        }
    }
    // Invitations: organization admins, into their own organization.
    for (who, want) in [(0, UNAUTH), (1, NO), (2, NO), (4, NO), (3, CREATED)] {
        let (status, _) = c[who].send(
            Method::POST,
            "/org/invitations",
            &json!({"email": "new@alpha.test", "role": "org_member"}),
        );
        assert_eq!(status, want, "invite as {}", NAMES[who]);
    }
    // The framework: coalition admins publish; an invalid file is refused whole.
    for (who, want) in [
        (0, UNAUTH),
        (2, NO),
        (3, NO),
        (5, NO),
        (1, StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let (status, _) = c[who].send(
            Method::POST,
            "/coalition/framework",
            &json!({"toml": "[[category]]\nkey = 1", "note": "x"}),
        );
        assert_eq!(status, want, "publish as {}", NAMES[who]);
    }
    assert_eq!(
        site.block(site.store.current_framework()).unwrap().version,
        1
    );

    // Every operation the OpenAPI document describes is a route (none falls through to the
    // "no such route" answer).
    let doc: Value = reqwest::blocking::get(format!("{}/openapi.json", site.base))
        .unwrap()
        .json()
        .unwrap();
    let mut described = 0;
    for (path, ops) in doc["paths"].as_object().unwrap() {
        let concrete = path
            .replace("{org}", &site.org_a.to_string())
            .replace("{id}", "999999");
        for method in ops.as_object().unwrap().keys() {
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let (status, body) = c[1].send(m, &concrete, &json!({}));
            let message = body["error"]["message"].as_str().unwrap_or_default();
            assert!(
                !message.starts_with("No such API route")
                    && status != StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path} is described but not routed ({status})"
            );
            described += 1;
        }
    }
    assert!(described >= 25, "{described} operations described");
    let (status, body) = c[1].get("/no/such/route");
    assert_eq!(status, GONE);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("No such API route")
    );

    // A signed-in browser's cookie is not an API credential (no CSRF through the API).
    let b = site.signed_in("admin@alpha.test");
    let r = b.get("/api/v1/me");
    assert_eq!(r.status(), UNAUTH);
    // A made-up token is refused like none at all.
    let (status, _) = Api::new(site, Some("rise_0123456789abcdef")).get("/me");
    assert_eq!(status, UNAUTH);
}

/// The rows of one group of a data set's JSON.
fn group<'a>(view: &'a Value, subgroup: &str) -> &'a Value {
    view["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["subgroup"] == subgroup)
        .unwrap_or_else(|| panic!("no row for {subgroup}"))
}

#[test]
fn staff_see_a_members_exact_counts_only_suppressed() {
    let site = Site::start();
    let c = clients(&site);
    let small = "American Indian or Alaska Native";
    let (_, own) = c[4].get(&format!("/org/datasets/{}", site.dataset_a));
    assert_eq!(group(&own, small)["numerator"], 3);
    assert_eq!(own["suppressed_view"], false);
    let staff_path = format!(
        "/coalition/members/{}/datasets/{}",
        site.org_a, site.dataset_a
    );
    let (_, seen) = c[1].get(&staff_path);
    assert_eq!(seen["suppressed_view"], true);
    let cell = group(&seen, small);
    assert!(cell["numerator"].is_null() && cell["denominator"].is_null());
    assert_eq!(cell["suppressed"], true);
    // Complementary suppression: the small group cannot be recovered from the total and the
    // other groups either.
    let shown: Vec<&Value> = seen["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["dimension"] == "race_ethnicity" && !r["denominator"].is_null())
        .collect();
    let total = group(&seen, "All")["denominator"].as_u64();
    if let Some(total) = total {
        let sum: u64 = shown
            .iter()
            .map(|r| r["denominator"].as_u64().unwrap())
            .sum();
        assert!(
            total - sum > 10 || shown.len() < 3,
            "the hidden cells together are more than 10 people"
        );
    }
    // The same holds on the staff page.
    let b = site.signed_in("reviewer@rise.test");
    let html = b
        .get(&format!(
            "/coalition/members/{}/datasets/{}",
            site.org_a, site.dataset_a
        ))
        .text()
        .unwrap();
    assert!(
        html.contains("Not shown (fewer than 11 people or events)"),
        "{html}"
    );
    assert!(!html.contains("<td>American Indian or Alaska Native</td>"));
}

#[test]
fn a_member_uploads_through_the_api_and_sees_its_inequities() {
    let site = Site::start();
    let api = Api::new(&site, Some(&site.tokens[3]));
    let mut csv = Vec::new();
    let d = crate::sample_dataset(false);
    let comments = rise_aggregate::rows::measure_comments(d.measures());
    rise_aggregate::rows::write_csv(&mut csv, d.rows(), &comments).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    // A bad row is refused whole, with its line and field.
    let broken = csv.replace("420,600", "700,600");
    let (status, e) = api.send(
        Method::POST,
        "/org/datasets",
        &json!({"label": "Q1", "aggregates_csv": broken}),
    );
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let field = &e["error"]["fields"][0];
    assert_eq!(field["field"], "aggregates_csv");
    let message = field["message"].as_str().unwrap_or_default();
    assert!(message.contains("line 4: numerator"), "{e}");
    assert_eq!(
        site.block(site.store.datasets(site.org_a)).unwrap().len(),
        1,
        "nothing stored"
    );
    // The file describes its own measures: nothing else is needed.
    let (status, created) = api.send(
        Method::POST,
        "/org/datasets",
        &json!({"label": "Q1", "aggregates_csv": csv}),
    );
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let (_, view) = api.get(&format!("/org/datasets/{}", created["id"]));
    let top = &view["inequities"][0];
    assert_eq!(top["worst"], "Black or African American");
    assert_eq!(top["best"], "White");
    assert_eq!(
        view["measures"][0]["title"],
        "Controlling high blood pressure"
    );
}

/// The three ways a hidden count of 1–10 could be worked out from what staff saw (issue 11):
/// a repeated row, subgroups that do not add up, and a cell left empty without a complement.
#[test]
fn no_small_count_can_be_worked_out_by_staff() {
    let site = Site::start();
    let api = Api::new(&site, Some(&site.tokens[3]));
    let measure =
        rise_aggregate::rows::measure_comments(crate::sample_dataset(false).measures()).remove(0);
    let header = "measure,dimension,subgroup,period,numerator,denominator,suppressed";
    let file = |flag: &str, body: &str| format!("# {measure}\n{flag}{header}\n{body}");
    // A repeated (measure, dimension, subgroup, period) is refused, naming both lines.
    let repeated = file(
        "# not suppressed\n",
        "bp,overall,All,2024,100,300,false\nbp,sex,Female,2024,5,150,false\n\
         bp,sex,Male,2024,95,150,false\nbp,sex,Female,2024,50,150,false\n",
    );
    let (status, e) = api.send(
        Method::POST,
        "/org/datasets",
        &json!({"label": "twice", "aggregates_csv": repeated}),
    );
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let message = e["error"]["fields"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(
        message.contains("line 7") && message.contains("repeats line 5"),
        "{e}"
    );

    let staff = Api::new(&site, Some(&site.tokens[1]));
    let seen_by_staff = |csv: String| {
        let (status, created) = api.send(
            Method::POST,
            "/org/datasets",
            &json!({"label": "probe", "aggregates_csv": csv}),
        );
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let (_, seen) = staff.get(&format!(
            "/coalition/members/{}/datasets/{}",
            site.org_a, created["id"]
        ));
        let shown: Vec<String> = seen["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| !r["numerator"].is_null())
            .map(|r| r["subgroup"].as_str().unwrap().to_string())
            .collect();
        shown
    };
    // Female 5/149 and Male 94/150 of 100/300: Male would put Female at 5 or 6.
    let short = file(
        "# not suppressed\n",
        "bp,overall,All,2024,100,300,false\nbp,sex,Female,2024,5,149,false\n\
         bp,sex,Male,2024,94,150,false\n",
    );
    assert_eq!(seen_by_staff(short), ["All"]);
    // A file that says it is suppressed, with Female left empty and no complement.
    let bare = file(
        "",
        "bp,overall,All,2024,100,300,false\nbp,sex,Female,2024,,,true\n\
         bp,sex,Male,2024,95,150,false\n",
    );
    assert_eq!(seen_by_staff(bare), ["All"]);
}

#[test]
fn a_revoked_token_answers_401_at_once() {
    let site = Site::start();
    let c = clients(&site);
    // Everyone signed in makes a token and lists theirs; nobody sees another's.
    let (status, made) = c[3].send(Method::POST, "/me/tokens", &json!({"label": "laptop"}));
    assert_eq!(status, StatusCode::CREATED);
    let fresh = Api::new(&site, Some(made["token"].as_str().unwrap()));
    assert_eq!(fresh.get("/me").0, OK);
    let (status, list) = c[3].get("/me/tokens");
    assert_eq!(status, OK);
    let mine: Vec<&Value> = list.as_array().unwrap().iter().collect();
    assert!(
        mine.iter()
            .all(|t| t.get("token").is_none() && t.get("token_hash").is_none())
    );
    let id = mine.iter().find(|t| t["label"] == "laptop").unwrap()["id"]
        .as_i64()
        .unwrap();
    let path = format!("/me/tokens/{id}");
    // Not the public's, not another person's to revoke.
    for (who, want) in [(0, UNAUTH), (1, GONE), (4, GONE), (5, GONE)] {
        let (status, _) = c[who].send(Method::DELETE, &path, &json!({}));
        assert_eq!(status, want, "revoke as {}", NAMES[who]);
    }
    assert_eq!(fresh.get("/me").0, OK);
    let (status, _) = c[3].send(Method::DELETE, &path, &json!({}));
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(fresh.get("/me").0, UNAUTH, "revoked: 401 at once");
    assert_eq!(
        c[3].get("/me").0,
        OK,
        "the caller's other tokens still work"
    );
    let (_, list) = c[3].get("/me/tokens");
    let laptop = list
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["label"] == "laptop")
        .unwrap()
        .clone();
    assert!(laptop["revoked_at"].is_string());
    // The token this client calls with shows when it was last used (recorded in the
    // background, so allow it a moment).
    let used = (0..100).any(|_| {
        let (_, list) = c[3].get("/me/tokens");
        let hit = list
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["label"] == "tests" && t["last_used_at"].is_string());
        if !hit {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        hit
    });
    assert!(used, "last use shown");
}

/// Lists and data sets answer CSV to `Accept: text/csv` (or `?format=csv`), behind the same
/// walls as their JSON.
#[test]
fn tables_come_as_csv_when_asked() {
    let site = Site::start();
    let get = |token: &str, path: &str, accept: Option<&str>| {
        let mut r = reqwest::blocking::Client::new()
            .get(format!("{}/api/v1{path}", site.base))
            .bearer_auth(token);
        if let Some(a) = accept {
            r = r.header("Accept", a);
        }
        let r = r.send().unwrap();
        let kind = r
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        (r.status(), kind, r.text().unwrap())
    };
    let alpha = site.tokens[3].clone();
    let beta = site.tokens[4].clone();
    let ds = format!("/org/datasets/{}", site.dataset_a);
    let (status, kind, body) = get(&alpha, &ds, Some("text/csv"));
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("text/csv"), "{kind}");
    assert!(
        body.starts_with("measure,measure_title,dimension,"),
        "{body}"
    );
    let (status, _, _) = get(&beta, &ds, Some("text/csv"));
    assert_eq!(status, StatusCode::NOT_FOUND, "another member's data set");
    let (status, kind, body) = get(&alpha, "/org/plans?format=csv", None);
    assert_eq!(status, StatusCode::OK);
    assert!(
        kind.starts_with("text/csv") && body.starts_with("id,"),
        "{kind} {body}"
    );
    let (_, kind, _) = get(&alpha, "/org/plans", None);
    assert!(kind.starts_with("application/json"), "JSON unless asked");
    let (status, _, _) = get(&alpha, "/coalition/audit?format=csv", None);
    assert_eq!(status, StatusCode::FORBIDDEN);
}
