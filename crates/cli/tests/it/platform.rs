//! `rise demo` (the README's main command) and `rise serve`, through the real binary over HTTP.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

/// A running server process, stopped when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `rise ARGS…` and waits for the address it prints.
fn start(args: &[&str], envs: &[(&str, &str)]) -> (Server, String) {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("rise"))
        .args(args)
        .envs(envs.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let server = Server(child);
    let mut addr = None;
    let mut printed = String::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if let Some(rest) = line.split("serving on http://").nth(1) {
            addr = Some(rest.split('/').next().unwrap().to_string());
            break;
        }
    }
    let addr = addr.unwrap_or_else(|| panic!("no address printed:\n{printed}"));
    (server, format!("{addr}\n{printed}"))
}

/// GET over a plain socket: (status line, body).
fn get(addr: &str, path: &str) -> (String, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let status = text.lines().next().unwrap_or("").to_string();
    let body = text.split_once("\r\n\r\n").map_or("", |p| p.1).to_string();
    (status, body)
}

#[test]
fn demo_serves_a_populated_coalition() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("demo");
    let (_server, out) = start(
        &[
            "demo",
            "--dir",
            d.to_str().unwrap(),
            "--bind",
            "127.0.0.1:0",
        ],
        &[],
    );
    let addr = out.lines().next().unwrap().to_string();
    assert!(
        out.contains("admin@rise.example"),
        "prints the demo logins:\n{out}"
    );
    let (status, body) = get(&addr, "/healthz");
    assert!(status.contains("200"), "{status}");
    assert_eq!(body.trim(), "ok");
    let (status, home) = get(&addr, "/");
    assert!(status.contains("200"));
    assert!(home.contains("member organizations") && home.contains("<svg"));
    let (_, framework) = get(&addr, "/framework");
    assert!(framework.contains("Eliminate race-based clinical algorithms"));
}

#[test]
fn serve_creates_the_first_admin_and_keeps_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("coalition.db").display());
    let env = [
        ("RISE_ADMIN_EMAIL", "boss@coalition.example"),
        ("RISE_ADMIN_PASSWORD", "a very long password"),
    ];
    {
        let (_server, out) = start(
            &["serve", "--database-url", &url, "--bind", "127.0.0.1:0"],
            &env,
        );
        let addr = out.lines().next().unwrap().to_string();
        assert!(get(&addr, "/framework").0.contains("200"));
    }
    // A second start finds the admin and the framework already there.
    let (_server, out) = start(
        &["serve", "--database-url", &url, "--bind", "127.0.0.1:0"],
        &[],
    );
    let addr = out.lines().next().unwrap().to_string();
    assert!(get(&addr, "/").0.contains("200"));
    let bad = super::support::run(&[
        "serve",
        "--database-url",
        "mysql://nope",
        "--bind",
        "127.0.0.1:0",
    ]);
    assert_ne!(bad.code, 0);
    assert!(
        bad.stderr.contains("sqlite:// or postgres://"),
        "{}",
        bad.stderr
    );
}

/// A platform database with one member organization whose admin has an API token.
fn member_with_token(db: &std::path::Path) -> (i64, String) {
    use rise_store::model::{Actor, Application, OrgKind, Role};
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = rise_store::Store::open_sqlite(db).await.unwrap();
        let sys = Actor::system("test");
        store
            .publish_framework(&rise_store::FrameworkFile::seed().unwrap(), "Seed", &sys)
            .await
            .unwrap();
        store
            .create_user(
                "boss@coalition.example",
                "Boss",
                "a very long password",
                Role::CoalitionAdmin,
                None,
                &sys,
            )
            .await
            .unwrap();
        let o = store
            .apply(
                &Application {
                    name: "Delta Clinic".into(),
                    kind: OrgKind::CommunityHealthCenter.key().into(),
                    state: "NM".into(),
                    contact_name: "D".into(),
                    contact_email: "d@delta.example".into(),
                    why: "To close our gap in diabetes control.".into(),
                },
                &sys,
            )
            .await
            .unwrap();
        store.decide(o.id, true, "", &sys).await.unwrap();
        let u = store
            .create_user(
                "admin@delta.example",
                "Delta Admin",
                "a very long password",
                Role::OrgAdmin,
                Some(o.id),
                &sys,
            )
            .await
            .unwrap();
        let token = store.create_api_token(&u, "analysis server").await.unwrap();
        store.close().await;
        (o.id, token)
    })
}

#[test]
fn upload_sends_an_analysis_to_the_platform() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("coalition.db");
    let (org, token) = member_with_token(&db);
    let url = format!("sqlite://{}", db.display());
    let (_server, out) = start(
        &["serve", "--database-url", &url, "--bind", "127.0.0.1:0"],
        &[],
    );
    let server = format!("http://{}", out.lines().next().unwrap());
    let data = dir.path().join("data");
    let analysis = dir.path().join("out");
    let run = super::support::run;
    let g = run(&[
        "generate",
        "--patients",
        "2000",
        "--seed",
        "5",
        "--year",
        "2024",
        "--out",
        data.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(g.code, 0, "{}", g.stderr);
    let a = run(&[
        "analyze",
        data.to_str().unwrap(),
        "--out",
        analysis.to_str().unwrap(),
        "--period",
        "2024",
    ]);
    assert_eq!(a.code, 0, "{}", a.stderr);
    let dir_arg = analysis.to_str().unwrap();

    // A wrong token is refused by the platform, and said so.
    let bad = run(&[
        "upload",
        dir_arg,
        "--server",
        &server,
        "--token",
        "rise_nope",
    ]);
    assert_ne!(bad.code, 0);
    assert!(bad.stderr.contains("401"), "{}", bad.stderr);

    // The file alone is enough: it describes its measures.
    std::fs::remove_file(analysis.join("measures.json")).unwrap();
    let ok = run(&[
        "upload",
        dir_arg,
        "--server",
        &server,
        "--token",
        &token,
        "--label",
        "Baseline 2024",
    ]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert!(ok.stdout.contains("Uploaded data set"), "{}", ok.stdout);

    let rows = std::fs::read_to_string(analysis.join("aggregates.csv"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .count()
        - 1;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let stored = rt.block_on(async {
        let store = rise_store::Store::open_sqlite(&db).await.unwrap();
        store.datasets(org).await.unwrap()
    });
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].label, "Baseline 2024");
    assert_eq!(stored[0].rows as usize, rows);
    assert!(!stored[0].unsuppressed);

    // A broken file is caught before anything is sent, with its line and field.
    let text = std::fs::read_to_string(analysis.join("aggregates.csv")).unwrap();
    let broken: String = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i > 0 && !l.starts_with('#') && l.ends_with(",false") && !l.contains(",,") {
                l.replacen(",false", ",maybe", 1)
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(analysis.join("aggregates.csv"), broken).unwrap();
    let e = run(&["upload", dir_arg, "--server", &server, "--token", &token]);
    assert_ne!(e.code, 0);
    assert!(
        e.stderr.contains("aggregates.csv: line") && e.stderr.contains("suppressed"),
        "{}",
        e.stderr
    );
}
