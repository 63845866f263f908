//! Evidence of impact over HTTP, pages and API, every new route as every role: follow-up data
//! added to a plan, the evidence computed and submitted, returned with a comment, submitted
//! again, approved, and counted on the public page. Another organization's evidence answers
//! 404.

use crate::{Api, ByEmail, Site, sample_dataset};
use reqwest::{Method, StatusCode};
use rise_aggregate::rows::{AggregateRow, MeasureInfo};
use rise_aggregate::upload::Upload;
use rise_store::model::Actor;
use serde_json::json;

const OK: StatusCode = StatusCode::OK;
const SEE: StatusCode = StatusCode::SEE_OTHER;
const NO: StatusCode = StatusCode::FORBIDDEN;
const GONE: StatusCode = StatusCode::NOT_FOUND;
const UNAUTH: StatusCode = StatusCode::UNAUTHORIZED;
const BAD: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;
use crate::ROLES as NAMES;

/// Alpha's year after the plan started: Black patients' control up from 48 % to 68 %.
fn follow_up(label: &str, measure: &str) -> Upload {
    let row = |dimension: &str, subgroup: &str, n: u64, d: u64| {
        AggregateRow::counted(measure, dimension, subgroup, "2025", n, d)
    };
    Upload::new(
        label,
        "tests",
        vec![
            row("overall", "All", 627, 900),
            row("race_ethnicity", "White", 430, 600),
            row("race_ethnicity", "Black or African American", 170, 250),
            row("race_ethnicity", "Asian", 27, 50),
        ],
        vec![MeasureInfo::new(
            measure,
            "Controlling high blood pressure",
            "CMS165",
            true,
        )],
        false,
    )
}

#[test]
fn evidence_from_follow_up_to_public_count() {
    for backend in crate::backends("evidence") {
        evidence_on(&Site::start_on(backend, |s| s));
    }
}

fn evidence_on(site: &Site) {
    let browsers = site.every_role();
    let api: Vec<Api> = std::iter::once(Api::new(site, None))
        .chain(site.tokens.iter().map(|t| Api::new(site, Some(t))))
        .collect();
    let alpha = site.block(site.store.user_by_email("admin@alpha.test"));
    let beta = site.block(site.store.user_by_email("admin@beta.test"));
    let follow = site
        .block(site.store.add_dataset(
            site.org_a,
            &follow_up("Follow-up 2025", "bp"),
            &Actor::user(&alpha),
        ))
        .unwrap();
    let wrong = site
        .block(site.store.add_dataset(
            site.org_a,
            &follow_up("Flu 2025", "flu"),
            &Actor::user(&alpha),
        ))
        .unwrap();
    let betas = site
        .block(
            site.store
                .add_dataset(site.org_b, &sample_dataset(false), &Actor::user(&beta)),
        )
        .unwrap();
    let plan = format!("/org/plans/{}", site.plan_a);
    let member = &browsers[4];

    // Before follow-up data there is no evidence, and the page says why.
    let html = member.get(&plan).text().unwrap();
    assert!(html.contains("Evidence of impact"), "{html}");
    assert!(
        html.contains("No period starts on or after the plan&#39;s start date 2025-01-01"),
        "{html}"
    );

    // Adding follow-up data: members of the organization only.
    let add = format!("{plan}/followups");
    for (who, want) in [(0, SEE), (1, NO), (2, NO), (5, GONE)] {
        let b = &browsers[who];
        let csrf = b.csrf("/login");
        let r = b.post(
            &add,
            &[("csrf", &csrf), ("dataset_id", &follow.id.to_string())],
        );
        assert_eq!(r.status(), want, "POST {add} as {}", NAMES[who]);
    }
    let csrf = member.csrf(&plan);
    // Another organization's data set, or one without the plan's measure: refused, saying why.
    let r = member.post(
        &add,
        &[("csrf", &csrf), ("dataset_id", &betas.id.to_string())],
    );
    assert_eq!(r.status(), BAD);
    assert!(r.text().unwrap().contains("Choose one of your data sets."));
    let r = member.post(
        &add,
        &[("csrf", &csrf), ("dataset_id", &wrong.id.to_string())],
    );
    assert_eq!(r.status(), BAD);
    let text = r.text().unwrap();
    assert!(text.contains("has no measure"), "{text}");
    let r = member.post(
        &add,
        &[("csrf", &csrf), ("dataset_id", &follow.id.to_string())],
    );
    assert_eq!(r.status(), SEE);

    // The evidence is computed, with its reasoning and charts.
    let html = member.get(&plan).text().unwrap();
    assert!(html.contains("Gap narrowed"), "{html}");
    assert!(html.contains("How Rise reached this"));
    assert!(html.contains("evidence-gap") && html.contains("evidence-group"));
    let (status, v) = api[4].get(&format!("{plan}/evidence"));
    assert_eq!(status, OK, "{v}");
    assert_eq!(v["current"]["evidence"]["verdict"], "narrowed", "{v}");
    // Baseline gap 120/250 − 420/600 = −22 points.
    let gap = v["current"]["evidence"]["baseline"]["gap"]["value"]
        .as_f64()
        .unwrap();
    assert!((gap - (0.48 - 0.70)).abs() < 1e-12, "{gap}");
    assert_eq!(v["followups"][0]["id"], follow.id);
    for (who, want) in [(0, UNAUTH), (1, NO), (2, NO), (3, OK), (5, GONE)] {
        let (status, _) = api[who].get(&format!("{plan}/evidence"));
        assert_eq!(status, want, "GET evidence as {}", NAMES[who]);
    }
    for (who, want) in [(0, UNAUTH), (1, NO), (2, NO), (5, GONE)] {
        let (status, _) = api[who].send(
            Method::POST,
            &format!("{plan}/followups"),
            &json!({"dataset_id": follow.id}),
        );
        assert_eq!(status, want, "API follow-up as {}", NAMES[who]);
    }

    // Submitting: members of the organization only; once while under review.
    let submit = format!("{plan}/evidence");
    for (who, want) in [(0, SEE), (1, NO), (2, NO), (5, GONE)] {
        let b = &browsers[who];
        let csrf = b.csrf("/login");
        let r = b.post(&submit, &[("csrf", &csrf), ("note", "x")]);
        assert_eq!(r.status(), want, "POST {submit} as {}", NAMES[who]);
    }
    let r = member.post(
        &submit,
        &[
            ("csrf", &csrf),
            ("note", "Cuffs and nurse calls from January."),
        ],
    );
    assert_eq!(r.status(), SEE);
    let r = member.post(&submit, &[("csrf", &csrf), ("note", "again")]);
    assert_eq!(r.status(), BAD);
    assert!(r.text().unwrap().contains("already awaiting review"));
    let (status, _) = api[4].send(Method::POST, &submit, &json!({}));
    assert_eq!(status, StatusCode::CONFLICT);

    // The queue and the evidence: coalition staff only.
    let queue = site.block(site.store.evidence_queue()).unwrap();
    assert_eq!(queue.len(), 1);
    let id = queue[0].evidence.id;
    let page = format!("/coalition/evidence/{id}");
    for path in ["/coalition/evidence", page.as_str()] {
        for (who, b) in browsers.iter().enumerate() {
            let want = match who {
                0 => SEE,
                1 | 2 => OK,
                _ => NO,
            };
            assert_eq!(b.get(path).status(), want, "GET {path} as {}", NAMES[who]);
        }
    }
    for (path, body) in [
        ("/coalition/evidence".to_string(), None),
        (format!("/coalition/evidence/{id}"), None),
        (
            format!("/coalition/evidence/{id}/review"),
            Some(json!({"decision": "return", "comment": "x"})),
        ),
    ] {
        for (who, want) in [(0, UNAUTH), (3, NO), (4, NO), (5, NO)] {
            let (status, _) = match &body {
                None => api[who].get(&path),
                Some(b) => api[who].send(Method::POST, &path, b),
            };
            assert_eq!(status, want, "API {path} as {}", NAMES[who]);
        }
    }
    let (status, v) = api[2].get(&format!("/coalition/evidence/{id}"));
    assert_eq!(status, OK);
    assert_eq!(v["record"]["status"], "submitted");
    assert_eq!(v["steps"][0]["action"], "submitted");
    let reviewer = &browsers[2];
    let html = reviewer.get(&page).text().unwrap();
    assert!(html.contains("Cuffs and nurse calls from January."));
    assert!(html.contains("Approve: impact demonstrated"));

    // Reviewing: staff only; a return needs a comment, and the member reads it.
    let review = format!("{page}/review");
    for (who, want) in [(0, SEE), (3, NO), (4, NO), (5, NO)] {
        let b = &browsers[who];
        let csrf = b.csrf("/login");
        let r = b.post(
            &review,
            &[("csrf", &csrf), ("decision", "approve"), ("comment", "")],
        );
        assert_eq!(r.status(), want, "POST {review} as {}", NAMES[who]);
    }
    let rcsrf = reviewer.csrf(&page);
    let r = reviewer.post(
        &review,
        &[("csrf", &rcsrf), ("decision", "return"), ("comment", " ")],
    );
    assert_eq!(r.status(), BAD);
    let r = reviewer.post(
        &review,
        &[
            ("csrf", &rcsrf),
            ("decision", "return"),
            ("comment", "Name the nurse-call protocol in the note."),
        ],
    );
    assert_eq!(r.status(), SEE);
    let html = member.get(&plan).text().unwrap();
    assert!(html.contains("Name the nurse-call protocol in the note."));
    assert!(html.contains("Returned with comments"));
    let r = member.post(
        &submit,
        &[("csrf", &csrf), ("note", "Protocol RN-12, weekly calls.")],
    );
    assert_eq!(r.status(), SEE);

    // Approval counts the member as having demonstrated impact, on every page that counts.
    let (_, before) = api[0].get("/adoption");
    assert_eq!(before["demonstrated_impact"], 0);
    let (status, v) = api[1].send(
        Method::POST,
        &format!("/coalition/evidence/{id}/review"),
        &json!({"decision": "approve", "comment": "Sustained over four quarters."}),
    );
    assert_eq!(status, OK, "{v}");
    assert_eq!(v["record"]["status"], "approved");
    let steps: Vec<&str> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["action"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["submitted", "returned", "submitted", "approved"]);
    let (status, _) = api[2].send(
        Method::POST,
        &format!("/coalition/evidence/{id}/review"),
        &json!({"decision": "return", "comment": "late"}),
    );
    assert_eq!(status, StatusCode::CONFLICT, "decided once");
    let (_, after) = api[0].get("/adoption");
    assert_eq!(after["demonstrated_impact"], 1);
    let home = browsers[0].get("/").text().unwrap();
    assert!(home.contains("demonstrated impact"));
    assert!(home.contains("Alpha Hospital"), "listed on the public page");
    let org = member.get("/org").text().unwrap();
    assert!(org.contains("Demonstrated impact: Controlling high blood pressure"));
    let staff_member = browsers[1]
        .get(&format!("/coalition/members/{}", site.org_a))
        .text()
        .unwrap();
    assert!(staff_member.contains("Demonstrated impact"));
    // Beta sees none of it.
    let beta_org = browsers[5].get("/org").text().unwrap();
    assert!(!beta_org.contains("Demonstrated impact:"));
    let audit = site
        .block(
            site.store
                .audit_log(Some(("evidence", &id.to_string())), 10),
        )
        .unwrap();
    assert_eq!(audit.len(), 4);
}
