//! Requests at the same time: a decision has one winner, and a long write makes others wait,
//! never fail.

use crate::{Api, Site};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::sync::Barrier;

#[test]
fn parallel_decisions_on_one_application_have_one_winner() {
    let site = Site::start();
    let reviewers: Vec<_> = (0..6).map(|_| site.signed_in("admin@rise.test")).collect();
    let csrf: Vec<String> = reviewers
        .iter()
        .map(|b| b.csrf("/coalition/applications"))
        .collect();
    let path = format!("/coalition/applications/{}", site.pending);
    let start = Barrier::new(reviewers.len());
    let statuses: Vec<StatusCode> = std::thread::scope(|s| {
        let racers: Vec<_> = reviewers
            .iter()
            .zip(&csrf)
            .enumerate()
            .map(|(i, (b, csrf))| {
                let (path, start) = (&path, &start);
                s.spawn(move || {
                    let decision = if i % 2 == 0 { "approve" } else { "decline" };
                    start.wait();
                    b.post(
                        path,
                        &[("csrf", csrf), ("decision", decision), ("reason", "No")],
                    )
                    .status()
                })
            })
            .collect();
        racers.into_iter().map(|r| r.join().unwrap()).collect()
    });
    let won = statuses
        .iter()
        .filter(|s| **s == StatusCode::SEE_OTHER)
        .count();
    let lost = statuses
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!((won, lost), (1, 5), "{statuses:?}");
    let org = site.block(site.store.organization(site.pending)).unwrap();
    let invited = site
        .block(site.store.outbox(100))
        .unwrap()
        .iter()
        .filter(|m| m.subject.contains("invited to Pending Plan"))
        .count();
    let approved = org.status == rise_store::model::OrgStatus::Approved;
    assert_eq!(
        invited,
        usize::from(approved),
        "a declined applicant is never invited"
    );
}

/// A data set of `n` rows (one measure by ZIP code), as the API takes it.
fn big_upload(n: usize) -> serde_json::Value {
    let mut csv =
        String::from("measure,dimension,subgroup,period,numerator,denominator,suppressed\n");
    csv.push_str(&format!(
        "bp,overall,All,2024,{},{},false\n",
        20 * n,
        50 * n
    ));
    for i in 0..n {
        csv.push_str(&format!("bp,zip,Z{i:07},2024,20,50,false\n"));
    }
    json!({
        "label": "Every ZIP code",
        "aggregates_csv": csv,
        "measures": [{
            "id": "bp", "title": "Controlling high blood pressure", "steward": "CMS165",
            "higher_is_better": true, "description": "Adults whose blood pressure was controlled."
        }],
    })
}

#[test]
fn writes_during_a_large_upload_wait_their_turn_and_succeed() {
    let site = Site::start();
    let uploader = Api::new(&site, Some(&site.tokens[2]));
    let writers: Vec<Api> = (0..20)
        .map(|i| Api::new(&site, Some(&site.tokens[i % site.tokens.len()])))
        .collect();
    let body = big_upload(20_000);
    let start = Barrier::new(writers.len() + 1);
    let (upload, writes) = std::thread::scope(|s| {
        let upload = s.spawn(|| {
            start.wait();
            uploader.send(Method::POST, "/org/datasets", &body)
        });
        let writes: Vec<_> = writers
            .iter()
            .map(|w| {
                let start = &start;
                s.spawn(move || {
                    start.wait();
                    (0..5)
                        .map(|k| {
                            w.send(
                                Method::POST,
                                "/me/tokens",
                                &json!({"label": format!("t{k}")}),
                            )
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        (
            upload.join().unwrap(),
            writes
                .into_iter()
                .flat_map(|w| w.join().unwrap())
                .collect::<Vec<_>>(),
        )
    });
    assert_eq!(upload.0, StatusCode::CREATED, "{}", upload.1);
    assert_eq!(writes.len(), 100);
    for (status, body) in &writes {
        assert_eq!(*status, StatusCode::CREATED, "a write failed: {body}");
    }
    let id = upload.1["id"].as_i64().unwrap();
    let stored = site.block(site.store.dataset(site.org_a, id)).unwrap();
    assert_eq!(stored.rows, 20_001);
}
