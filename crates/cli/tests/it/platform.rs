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
