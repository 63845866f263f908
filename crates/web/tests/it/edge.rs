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

/// A real SMTP server on 127.0.0.1 (aiosmtpd, installed by scripts/smtp-sink-up) that files
/// every message it accepts into a Maildir; stopped when dropped.
struct SmtpSink {
    child: std::process::Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl SmtpSink {
    fn start(python: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(dir.path().join("maildir"))
            .spawn()
            .unwrap();
        let until = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < until, "the SMTP sink did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        SmtpSink { child, port, dir }
    }

    /// Every message received, waiting up to ten seconds for `count`.
    fn received(&self, count: usize) -> Vec<String> {
        let new = self.dir.path().join("maildir").join("new");
        let until = Instant::now() + Duration::from_secs(10);
        loop {
            let mut all: Vec<String> = std::fs::read_dir(&new)
                .map(|d| {
                    d.map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
                        .collect()
                })
                .unwrap_or_default();
            if all.len() >= count || Instant::now() > until {
                all.sort();
                return all;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn mail_is_delivered_over_smtp_once_and_failures_are_kept_with_their_reason() {
    let python = match std::env::var("RISE_TEST_SMTP_PYTHON") {
        Ok(p) if !p.is_empty() => p,
        _ => {
            eprintln!("SMTP test skipped: set RISE_TEST_SMTP_PYTHON (scripts/smtp-sink-up does)");
            return;
        }
    };
    let sink = SmtpSink::start(&python);
    let url = format!("smtp://127.0.0.1:{}", sink.port);
    let site = Site::start_with(|s| {
        s.mailer(
            Mailer::to_smtp(&url, "Rise <no-reply@rise.example>", "https://rise.example").unwrap(),
        )
    });
    let queued = site.block(site.store.outbox(1000)).unwrap().len();
    let all = sink.received(queued);
    assert_eq!(all.len(), queued, "each queued message arrives once");
    // Asked for a reset: it arrives by SMTP, with its link, and the link works.
    let b = site.browser();
    let csrf = b.csrf("/reset");
    b.post("/reset", &[("csrf", &csrf), ("email", "member@alpha.test")]);
    let all = sink.received(queued + 1);
    let mail = all
        .iter()
        .find(|m| m.contains("member@alpha.test") && m.contains("/reset/"))
        .expect("the reset mail arrived");
    assert!(mail.contains("Subject: Reset your password on the coalition platform"));
    // The body may be quoted-printable: undo its soft line breaks.
    let text = mail.replace("=\r\n", "").replace("=\n", "");
    let token = between(&text, "https://rise.example/reset/", " ")
        .unwrap()
        .trim();
    assert_eq!(
        site.browser().get(&format!("/reset/{token}")).status(),
        StatusCode::OK
    );
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        sink.received(queued + 1).len(),
        queued + 1,
        "nothing sent twice"
    );
    let entries = site.block(site.store.outbox(1000)).unwrap();
    assert!(
        entries
            .iter()
            .all(|m| m.status == rise_store::model::MailStatus::Sent)
    );
    // The server goes away: the message stays queued, with the reason, for a later try.
    drop(sink);
    site.block(site.store.invite(
        site.org_a,
        "late@alpha.test",
        Role::OrgMember,
        &Actor::system("test"),
    ))
    .unwrap();
    b.post("/reset", &[("csrf", &csrf), ("email", "nobody@alpha.test")]); // wakes the mailer
    let until = Instant::now() + Duration::from_secs(10);
    let failed = loop {
        let m = site.block(site.store.outbox(1)).unwrap().remove(0);
        if m.attempts > 0 || Instant::now() > until {
            break m;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(failed.to, "late@alpha.test");
    assert_eq!(
        (failed.status, failed.attempts),
        (rise_store::model::MailStatus::Queued, 1)
    );
    assert!(failed.last_error.is_some(), "the reason is kept");
}
