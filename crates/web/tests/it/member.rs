//! The main journey through the pages, as people do it: apply → approve → accept the
//! invitation → commit in every category → upload a data set → see its inequities → write a
//! plan → counted as an adopter.

use crate::{PASSWORD, Site, between, hidden};
use reqwest::StatusCode;

/// What a browser makes of escaped HTML text.
fn unescape(t: &str) -> String {
    [
        ("&#34;", "\""),
        ("&quot;", "\""),
        ("&#39;", "'"),
        ("&#x27;", "'"),
        ("&#60;", "<"),
        ("&lt;", "<"),
        ("&#62;", ">"),
        ("&gt;", ">"),
        ("&#38;", "&"),
        ("&amp;", "&"),
    ]
    .iter()
    .fold(t.to_string(), |t, (from, to)| t.replace(from, to))
}

fn aggregates_csv() -> Vec<u8> {
    let d = crate::sample_dataset(false);
    let mut csv = Vec::new();
    rise_aggregate::rows::write_csv(
        &mut csv,
        d.rows(),
        &rise_aggregate::rows::measure_comments(d.measures()),
    )
    .unwrap();
    csv
}

#[test]
fn from_application_to_adoption() {
    let site = Site::start();

    // Apply.
    let public = site.browser();
    let csrf = public.csrf("/apply");
    let r = public.post(
        "/apply",
        &[
            ("csrf", &csrf),
            ("name", "Gamma Health System"),
            ("kind", "health_system"),
            ("state", "GA"),
            ("contact_name", "Grace Hopper"),
            ("contact_email", "grace@gamma.example.org"),
            (
                "why",
                "Our maternal care outcomes differ by race and we want to close the gap.",
            ),
        ],
    );
    assert_eq!(r.status(), StatusCode::OK);
    let orgs = site.block(site.store.organizations(None)).unwrap();
    let gamma = orgs
        .iter()
        .find(|o| o.name == "Gamma Health System")
        .unwrap();

    // Approve; the invitation is mailed to Grace, and the outbox shows staff only that.
    let admin = site.signed_in("admin@rise.test");
    let csrf = admin.csrf("/coalition/applications");
    let r = admin.post(
        &format!("/coalition/applications/{}", gamma.id),
        &[("csrf", &csrf), ("decision", "approve"), ("reason", "")],
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let token = site.invitation_to("grace@gamma.example.org");
    let outbox = admin.get("/coalition/outbox").text().unwrap();
    assert!(outbox.contains("grace@gamma.example.org") && outbox.contains("Queued"));
    assert!(!outbox.contains(&token) && !outbox.contains("/invitations/"));

    // Accept it: the account is made and signed in.
    let grace = site.browser();
    let page = grace.get(&format!("/invitations/{token}")).text().unwrap();
    assert!(page.contains("Join Gamma Health System") && page.contains("grace@gamma.example.org"));
    let csrf = hidden(&page, "csrf").unwrap();
    let r = grace.post(
        &format!("/invitations/{token}"),
        &[
            ("csrf", &csrf),
            ("name", "Grace Hopper"),
            ("password", PASSWORD),
            ("password_again", "something else"),
        ],
    );
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .unwrap()
            .contains("The two passwords are not the same.")
    );
    let r = grace.post(
        &format!("/invitations/{token}"),
        &[
            ("csrf", &csrf),
            ("name", "Grace Hopper"),
            ("password", PASSWORD),
            ("password_again", PASSWORD),
        ],
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/org");
    let home = grace.get("/org").text().unwrap();
    assert!(home.contains("Gamma Health System") && home.contains("0 of 6"));
    assert_eq!(
        grace.get(&format!("/invitations/{token}")).status(),
        StatusCode::NOT_FOUND,
        "an invitation works once"
    );

    // Commit in every category that fits a health system.
    let fw = site.block(site.store.current_framework()).unwrap();
    let csrf = grace.csrf("/org");
    for c in fw.required_categories(gamma.kind) {
        let action = fw.fitting(&c.key, gamma.kind).next().unwrap();
        let r = grace.post(
            "/org/commitments",
            &[("csrf", &csrf), ("action", &action.key)],
        );
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }

    // Upload: a broken file is refused whole, with its line and field, next to the field.
    let broken = String::from_utf8(aggregates_csv())
        .unwrap()
        .replace("420,600", "420,six hundred");
    let r = grace.post_files(
        "/org/datasets",
        &[("csrf", &csrf), ("label", "Baseline 2024")],
        &[("files", "aggregates.csv", broken.into_bytes())],
    );
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().unwrap();
    assert!(
        page.contains("aggregates.csv: line 4: denominator"),
        "{page}"
    );
    assert!(page.contains("Nothing was stored"));
    assert!(
        site.block(site.store.datasets(gamma.id))
            .unwrap()
            .is_empty()
    );
    let r = grace.post_files(
        "/org/datasets",
        &[("csrf", &csrf), ("label", "Baseline 2024")],
        &[
            ("files", "aggregates.csv", aggregates_csv()),
            ("files", "report.html", b"<html></html>".to_vec()),
        ],
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let at = r.headers()["location"].to_str().unwrap().to_string();

    // The data set page: the gap, its chart, and a way to plan for it.
    let page = grace.get(&at).text().unwrap();
    assert!(page.contains("Controlling high blood pressure"));
    assert!(page.contains("<svg"), "a chart");
    assert!(page.contains("Black or African American reached 48.0% against 70.0% for White"));
    let href = between(&page, "href=\"/org/plans/new?", "\"")
        .map(unescape)
        .unwrap();
    let form = grace.get(&format!("/org/plans/new?{href}")).text().unwrap();
    let cut = form
        .find("\" selected>")
        .unwrap_or_else(|| panic!("{href}\n{form}"));
    let selected = form[..cut].rsplit("value=\"").next().unwrap().to_string();
    assert_eq!(
        selected,
        "bp|race_ethnicity|Black or African American|White"
    );
    let dataset_id = hidden(&form, "dataset_id").unwrap();

    // Write the plan: a bad target is refused next to its field, then it is saved.
    let plan = |target: &str| {
        grace.post(
            "/org/plans",
            &[
                ("csrf", &csrf),
                ("dataset_id", &dataset_id),
                ("inequity", &selected),
                ("target", target),
                ("owner", "Grace Hopper"),
                (
                    "changes",
                    "Home blood pressure cuffs; nurse calls within a week.",
                ),
                ("start_date", "2025-01-01"),
                ("target_date", "2025-12-31"),
            ],
        )
    };
    let r = plan("150");
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().unwrap().contains("id=\"target-error\""));
    let r = plan("62.5");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = grace
        .get(r.headers()["location"].to_str().unwrap())
        .text()
        .unwrap();
    assert!(page.contains("62.5%") && page.contains("48.0%") && page.contains("70.0%"));

    // Counted.
    let home = grace.get("/org").text().unwrap();
    assert!(home.contains("Adopted on"), "{home}");
    let adoption = site.block(site.store.adoption()).unwrap();
    let me = adoption
        .iter()
        .find(|a| a.organization.id == gamma.id)
        .unwrap();
    assert!(me.adopted_at.is_some());
    let dashboard = admin.get("/coalition").text().unwrap();
    assert!(dashboard.contains("Gamma Health System"));
}

#[test]
fn people_invite_colleagues_and_make_tokens() {
    let site = Site::start();
    let boss = site.signed_in("admin@alpha.test");
    let csrf = boss.csrf("/org/people");
    let r = boss.post(
        "/org/people",
        &[
            ("csrf", &csrf),
            ("email", "not an email"),
            ("role", "org_member"),
        ],
    );
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().unwrap().contains("id=\"email-error\""));
    let r = boss.post(
        "/org/people",
        &[
            ("csrf", &csrf),
            ("email", "Nurse@Alpha.test"),
            ("role", "org_member"),
        ],
    );
    let page = r.text().unwrap();
    assert!(
        page.contains("Invitation sent to nurse@alpha.test"),
        "{page}"
    );
    let link = format!("/invitations/{}", site.invitation_to("nurse@alpha.test"));
    assert!(
        !page.contains(&link),
        "the link is the invited person's alone"
    );
    let nurse = site.browser();
    let form = nurse.get(&link).text().unwrap();
    assert!(form.contains("nurse@alpha.test") && form.contains("organization member"));

    let r = boss.post("/account/tokens", &[("csrf", &csrf), ("label", "")]);
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = boss.post(
        "/account/tokens",
        &[("csrf", &csrf), ("label", "analysis server")],
    );
    let page = r.text().unwrap();
    let token = between(&page, "<p class=\"secret\">", "</p>")
        .unwrap()
        .to_string();
    let user = site.block(site.store.api_token_user(&token)).unwrap();
    assert_eq!(user.email, "admin@alpha.test");
    assert!(
        !boss.get("/account").text().unwrap().contains(&token),
        "a token is shown once"
    );
}

#[test]
fn admins_edit_the_framework_as_new_versions() {
    let site = Site::start();
    let admin = site.signed_in("admin@rise.test");
    let page = admin.get("/coalition/framework").text().unwrap();
    let csrf = hidden(&page, "csrf").unwrap();
    let text = between(&page, "spellcheck=\"false\"", "</textarea>")
        .and_then(|t| t.split_once('>'))
        .map(|(_, t)| unescape(t))
        .unwrap();
    let fw = site.block(site.store.current_framework()).unwrap();
    let first = &fw.actions[0];
    // A broken edit is refused and nothing is published.
    let broken = text.replacen(
        &format!("category = \"{}\"", first.category),
        "category = \"nowhere\"",
        1,
    );
    let r = admin.post(
        "/coalition/framework",
        &[("csrf", &csrf), ("text", &broken), ("note", "Broken")],
    );
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().unwrap().contains("id=\"text-error\""));
    assert_eq!(
        site.block(site.store.current_framework()).unwrap().version,
        1
    );
    // A reworded action is published as version 2; its key stays.
    let edited = text.replacen(&first.title, "A reworded first action", 1);
    let r = admin.post(
        "/coalition/framework",
        &[
            ("csrf", &csrf),
            ("text", &edited),
            ("note", "Reworded the first action"),
        ],
    );
    let status = r.status();
    let page = r.text().unwrap();
    assert_eq!(
        status,
        StatusCode::OK,
        "{}",
        between(&page, "<main", "</main>").unwrap_or(&page)
    );
    let now = site.block(site.store.current_framework()).unwrap();
    assert_eq!(now.version, 2);
    assert_eq!(
        now.action(&first.key).unwrap().title,
        "A reworded first action"
    );
    assert_eq!(now.actions.len(), fw.actions.len());
    let audit = admin.get("/coalition/audit").text().unwrap();
    assert!(audit.contains("publish") && audit.contains("Framework version 2"));
    // Records are named, not numbered, and the log downloads as CSV.
    assert!(!audit.contains("organization 1<"));
    let csv = admin.get("/coalition/audit?format=csv").text().unwrap();
    assert!(csv.starts_with("id,"), "{}", &csv[..csv.len().min(200)]);
    assert!(csv.contains("Framework version 2"));
}
