//! The web edge: mail that carries a link reaches only its recipient, and the headers that
//! HTTPS deployments and secret-bearing pages need.

use crate::{Api, Site, between, hidden};
use reqwest::{Method, StatusCode};
use rise_store::model::{Actor, Role};
use rise_web::mailer::Mailer;
use std::path::Path;
use std::time::{Duration, Instant};

/// The text of every delivered message in `dir`, waiting up to ten seconds for `count`.
fn delivered(dir: &Path, count: usize) -> Vec<String> {
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        files.sort();
        if files.len() >= count || Instant::now() > until {
            return files
                .iter()
                .map(|p| std::fs::read_to_string(p).unwrap())
                .collect();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn link_in(mail: &str) -> String {
    format!(
        "/invitations/{}",
        between(mail, "https://rise.example/invitations/", " ").unwrap()
    )
}

#[test]
fn invitations_are_mailed_to_their_recipient_and_resent_with_a_fresh_link() {
    let mail_dir = tempfile::tempdir().unwrap();
    let dir = mail_dir.path().to_path_buf();
    let site = Site::start_with(|s| {
        s.mailer(
            Mailer::to_folder(dir, "Rise <no-reply@rise.example>", "https://rise.example/")
                .unwrap(),
        )
    });
    // Mail queued before the server started (the site's own set-up) goes out too.
    let boss = site.signed_in("admin@alpha.test");
    let csrf = boss.csrf("/org/people");
    let r = boss.post(
        "/org/people",
        &[
            ("csrf", &csrf),
            ("email", "nurse@alpha.test"),
            ("role", "org_member"),
        ],
    );
    assert_eq!(r.status(), StatusCode::OK);
    let queued_before = site.block(site.store.outbox(1000)).unwrap().len();
    let all = delivered(mail_dir.path(), queued_before);
    assert_eq!(all.len(), queued_before, "everything queued is delivered");
    let to_nurse: Vec<&String> = all
        .iter()
        .filter(|m| m.contains("To: nurse@alpha.test\r\n"))
        .collect();
    assert_eq!(to_nurse.len(), 1);
    let mail = to_nurse[0];
    assert!(
        mail.contains("Subject: You are invited to Alpha Hospital on the coalition platform\r\n")
    );
    assert!(mail.contains("From: Rise <no-reply@rise.example>\r\n"));
    let link = link_in(mail);
    // Delivered: the database no longer holds the link, and staff never saw it.
    assert!(
        site.block(site.store.mail_to_send(100, ""))
            .unwrap()
            .is_empty()
    );
    let admin = site.signed_in("admin@rise.test");
    let outbox = admin.get("/coalition/outbox").text().unwrap();
    assert!(outbox.contains("nurse@alpha.test") && outbox.contains("Sent"));
    assert!(
        !outbox.contains(&link[13..]),
        "the outbox never shows a link"
    );
    assert_eq!(site.browser().get(&link).status(), StatusCode::OK);

    // Resent from the outbox: a new message with a new link; the old link is dead.
    let entry = site
        .block(site.store.outbox(100))
        .unwrap()
        .into_iter()
        .find(|m| m.to == "nurse@alpha.test")
        .unwrap();
    let form = hidden(&outbox, "csrf").unwrap();
    let r = admin.post(
        &format!("/coalition/outbox/{}/resend", entry.id),
        &[("csrf", &form)],
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let all = delivered(mail_dir.path(), queued_before + 1);
    let resent = all.last().unwrap();
    assert!(resent.contains("To: nurse@alpha.test\r\n"));
    let fresh = link_in(resent);
    assert_ne!(fresh, link);
    assert_eq!(site.browser().get(&link).status(), StatusCode::NOT_FOUND);
    assert_eq!(site.browser().get(&fresh).status(), StatusCode::OK);
    // An organization admin inviting through the API is not given the link either.
    let api = Api::new(&site, Some(&site.tokens[2]));
    let (status, body) = api.send(
        Method::POST,
        "/org/invitations",
        &serde_json::json!({"email": "pharmacist@alpha.test"}),
    );
    assert_eq!(status, StatusCode::CREATED);
    assert!(!body.to_string().contains("/invitations/"), "{body}");
}

#[test]
fn https_deployments_get_secure_cookies_and_hsts() {
    let plain = Site::start();
    let r = plain.browser().get("/login");
    assert!(r.headers().get("strict-transport-security").is_none());
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.starts_with("rise_csrf=") && !cookie.contains("Secure"),
        "{cookie}"
    );

    let https = Site::start_with(|mut s| {
        s.secure_cookies = true;
        s
    });
    let r = https.browser().get("/login");
    assert_eq!(r.headers()["strict-transport-security"], "max-age=31536000");
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.starts_with("rise_csrf=") && cookie.contains("; Secure"),
        "{cookie}"
    );
}

#[test]
fn pages_that_show_a_secret_are_never_cached() {
    let site = Site::start();
    let b = site.signed_in("member@alpha.test");
    let csrf = b.csrf("/account");
    let r = b.post("/account/tokens", &[("csrf", &csrf), ("label", "laptop")]);
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["cache-control"], "no-store");
    // Other pages may be cached as usual.
    assert!(b.get("/account").headers().get("cache-control").is_none());

    let api = Api::new(&site, Some(&site.tokens[3]));
    let r = api
        .client
        .post(format!("{}/me/tokens", api.base))
        .bearer_auth(&site.tokens[3])
        .json(&serde_json::json!({"label": "script"}))
        .send()
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(r.headers()["cache-control"], "no-store");

    site.block(site.store.invite(
        site.org_a,
        "new@alpha.test",
        Role::OrgMember,
        &Actor::system("test"),
    ))
    .unwrap();
    let token = site.invitation_to("new@alpha.test");
    let r = site.browser().get(&format!("/invitations/{token}"));
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["cache-control"], "no-store");
}
