//! Signing in under attack: hostile `next` parameters, guessing from one address and from
//! many, a third party trying to lock someone out, and invitations for a throttled address.

use crate::{Api, Browser, PASSWORD, Site, hidden};
use reqwest::StatusCode;
use reqwest::redirect::Policy;
use rise_store::model::{Actor, Role};

/// A browser whose connections come from `addr` (any address of the loopback range).
fn browser_from(site: &Site, addr: &str) -> Browser {
    Browser {
        base: site.base.clone(),
        client: reqwest::blocking::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .local_address(Some(addr.parse().unwrap()))
            .build()
            .unwrap(),
    }
}

fn retry_after(r: &reqwest::blocking::Response) -> u64 {
    r.headers()
        .get("retry-after")
        .unwrap_or_else(|| panic!("no Retry-After on a {}", r.status()))
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn hostile_next_parameters_never_leave_the_site() {
    let site = Site::start();
    let b = site.browser();
    // Browsers strip tabs and newlines from URLs: "/\t/evil.example" becomes "//evil.example".
    let page = b.get("/login?next=/%09/evil.example").text().unwrap();
    assert_eq!(hidden(&page, "next").as_deref(), Some(""));
    let page = b.get("/login?next=/org/plans").text().unwrap();
    assert_eq!(hidden(&page, "next").as_deref(), Some("/org/plans"));

    for next in [
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r\nSet-Cookie: x=1",
        "/\u{0}x",
        "/\u{7f}",
        "/\\evil.example",
        "//evil.example",
        "https://evil.example/",
        "/org\u{e9}",
        "/ /evil.example",
    ] {
        // A new browser each time: once signed in, forms carry the session's token.
        let b = site.browser();
        let csrf = b.csrf("/login");
        let r = b.post(
            "/login",
            &[
                ("csrf", &csrf),
                ("email", "member@alpha.test"),
                ("password", PASSWORD),
                ("next", next),
            ],
        );
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "next = {next:?}");
        assert_eq!(r.headers()["location"], "/org", "next = {next:?}");
    }
    let csrf = b.csrf("/login");
    let r = b.post(
        "/login",
        &[
            ("csrf", &csrf),
            ("email", "member@alpha.test"),
            ("password", PASSWORD),
            ("next", "/org/plans?x=1#top"),
        ],
    );
    assert_eq!(r.headers()["location"], "/org/plans?x=1#top");
}

#[test]
fn sign_in_is_rate_limited_per_address() {
    let site = Site::start();
    let b = site.browser();
    let csrf = b.csrf("/login");
    let mut limited = None;
    for i in 0..40 {
        // A new account each time (the per-account limit is not what is tested), and a
        // made-up X-Forwarded-For, which is not trusted unless configured.
        let r = b
            .client
            .post(format!("{}/login", site.base))
            .header("x-forwarded-for", format!("198.18.0.{i}"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("email", &format!("nobody{i}@example.org")),
                ("password", "a wrong guess"),
            ])
            .send()
            .unwrap();
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(retry_after(&r) >= 1);
            assert!(r.text().unwrap().contains("Too many"));
            limited = Some(i);
            break;
        }
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let at = limited.expect("40 sign-ins from one address were all let through");
    assert!(at >= 10, "limited after only {at} attempts");
    // Another address is not affected.
    let other = browser_from(&site, "127.0.0.2");
    let csrf = other.csrf("/login");
    let r = other.login(&csrf, "member@alpha.test", PASSWORD);
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[test]
fn behind_a_trusted_proxy_the_forwarded_address_counts() {
    let site = Site::start_with(|s| s.trust_forwarded_for(true).sign_ins_per_minute(5));
    let b = site.browser();
    let csrf = b.csrf("/login");
    let attempt = |xff: &str, i: usize| {
        b.client
            .post(format!("{}/login", site.base))
            .header("x-forwarded-for", xff)
            .form(&[
                ("csrf", csrf.as_str()),
                ("email", &format!("nobody{i}@example.org")),
                ("password", "a wrong guess"),
            ])
            .send()
            .unwrap()
            .status()
    };
    // Clients behind the proxy are told apart by the address the proxy appended ...
    for i in 0..12 {
        let xff = format!("203.0.113.77, 198.18.0.{i}");
        assert_eq!(attempt(&xff, i), StatusCode::UNAUTHORIZED, "{xff}");
    }
    // ... and one of them is limited, whatever it writes in front.
    let statuses: Vec<_> = (0..6)
        .map(|i| attempt(&format!("198.18.9.{i}, 198.18.1.1"), 100 + i))
        .collect();
    assert_eq!(statuses[5], StatusCode::TOO_MANY_REQUESTS, "{statuses:?}");
}

#[test]
fn failures_from_one_address_do_not_lock_out_another() {
    let site = Site::start();
    let attacker = browser_from(&site, "127.0.0.3");
    let csrf = attacker.csrf("/login");
    for _ in 0..5 {
        let r = attacker.login(&csrf, "admin@rise.test", "a wrong guess");
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    // The admin, from elsewhere, signs in.
    let admin = site.browser();
    let admin_csrf = admin.csrf("/login");
    let r = admin.login(&admin_csrf, "admin@rise.test", PASSWORD);
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The attacker's address is throttled for this account, even with the right password.
    let r = attacker.login(&csrf, "admin@rise.test", PASSWORD);
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(retry_after(&r) > 60);
}

#[test]
fn an_invitation_for_a_throttled_address_is_accepted_whole() {
    let site = Site::start();
    site.block(site.store.invite(
        site.org_a,
        "newcomer@alpha.test",
        Role::OrgMember,
        &Actor::system("test"),
    ))
    .unwrap();
    let token = site.invitation_to("newcomer@alpha.test");
    let b = site.browser();
    let csrf = b.csrf("/login");
    for _ in 0..6 {
        b.login(&csrf, "newcomer@alpha.test", "a wrong guess");
    }
    let path = format!("/invitations/{token}");
    // A guessable password is refused with advice, and nothing is created.
    let r = b.post(
        &path,
        &[
            ("csrf", &csrf),
            ("name", "New Comer"),
            ("password", "123456789012"),
            ("password_again", "123456789012"),
        ],
    );
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .unwrap()
            .contains("This password is too easy to guess.")
    );
    let people = site.block(site.store.users_of(site.org_a)).unwrap();
    assert!(people.iter().all(|u| u.email != "newcomer@alpha.test"));
    // A good one: the account is made and signed in, in one go.
    let r = b.post(
        &path,
        &[
            ("csrf", &csrf),
            ("name", "New Comer"),
            ("password", PASSWORD),
            ("password_again", PASSWORD),
        ],
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/org");
    assert_eq!(b.get("/org").status(), StatusCode::OK);
    assert_eq!(b.get(&path).status(), StatusCode::NOT_FOUND);
    let people = site.block(site.store.users_of(site.org_a)).unwrap();
    assert_eq!(
        people
            .iter()
            .filter(|u| u.email == "newcomer@alpha.test")
            .count(),
        1
    );
}

#[test]
fn wrong_api_tokens_are_rate_limited_per_address() {
    let site = Site::start();
    let api = Api::new(&site, Some("rise_0123456789abcdef"));
    let mut limited = None;
    for i in 0..40 {
        let r = api
            .client
            .get(format!("{}/me", api.base))
            .bearer_auth(format!("rise_{i:064x}"))
            .send()
            .unwrap();
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(retry_after(&r) >= 1);
            let body: serde_json::Value = r.json().unwrap();
            assert_eq!(body["error"]["status"], 429);
            limited = Some(i);
            break;
        }
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    assert!(limited.is_some(), "40 wrong tokens were all answered 401");
    // A right token still works from the same address.
    let (status, me) = Api::new(&site, Some(&site.tokens[2])).get("/me");
    assert_eq!(status, StatusCode::OK, "{me}");
}

#[test]
fn signing_out_everywhere_ends_every_session_of_the_account() {
    let site = Site::start();
    let laptop = site.signed_in("member@alpha.test");
    let phone = site.signed_in("member@alpha.test");
    let colleague = site.signed_in("admin@alpha.test");
    let public = site.browser();
    let csrf = public.csrf("/login");
    let r = public.post("/account/sign-out-everywhere", &[("csrf", &csrf)]);
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
    let csrf = laptop.csrf("/account");
    let r = laptop.post("/account/sign-out-everywhere", &[("csrf", &csrf)]);
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    for b in [&laptop, &phone] {
        let r = b.get("/org");
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "signed out");
    }
    assert_eq!(
        colleague.get("/org").status(),
        StatusCode::OK,
        "others stay signed in"
    );
}

#[test]
fn a_forgotten_password_is_reset_by_mail() {
    let site = Site::start();
    let thief = site.signed_in("member@alpha.test");
    let b = site.browser();
    let login = b.get("/login").text().unwrap();
    assert!(
        login.contains("href=\"/reset\""),
        "the sign-in page offers a reset"
    );
    let csrf = b.csrf("/reset");
    // Known or unknown, the answer is the same.
    let answer = |email: &str| {
        let r = b.post("/reset", &[("csrf", &csrf), ("email", email)]);
        assert_eq!(r.status(), StatusCode::OK);
        r.text().unwrap().replace(email, "ADDRESS")
    };
    assert_eq!(answer("nobody@alpha.test"), answer("member@alpha.test"));
    let mail = site
        .block(site.store.mail_to_send(1000, "http://rise.test"))
        .unwrap();
    assert!(!mail.iter().any(|m| m.to == "nobody@alpha.test"));
    let m = mail
        .iter()
        .rev()
        .find(|m| m.to == "member@alpha.test")
        .unwrap();
    let path = format!(
        "/reset/{}",
        crate::between(&m.body, "http://rise.test/reset/", " ").unwrap()
    );
    let form = b.get(&path);
    assert_eq!(form.status(), StatusCode::OK);
    assert_eq!(form.headers()["cache-control"], "no-store");
    let csrf = hidden(&form.text().unwrap(), "csrf").unwrap();
    let r = b.post(
        &path,
        &[
            ("csrf", &csrf),
            ("password", "123456789012"),
            ("password_again", "123456789012"),
        ],
    );
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let new = "copper meadow violin 77";
    let r = b.post(
        &path,
        &[("csrf", &csrf), ("password", new), ("password_again", new)],
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(b.get("/org").status(), StatusCode::OK, "signed in");
    assert_eq!(
        thief.get("/org").status(),
        StatusCode::SEE_OTHER,
        "the other session ended"
    );
    assert_eq!(
        b.get(&path).status(),
        StatusCode::NOT_FOUND,
        "the link works once"
    );
    let again = site.browser();
    let csrf = again.csrf("/login");
    assert_eq!(
        again.login(&csrf, "member@alpha.test", PASSWORD).status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        again.login(&csrf, "member@alpha.test", new).status(),
        StatusCode::SEE_OTHER
    );
}
