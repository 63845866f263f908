//! Running the real binary on files.

use assert_cmd::Command;
use std::path::PathBuf;

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn rise() -> Command {
    Command::cargo_bin("rise").unwrap()
}

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `rise ARGS…` and captures everything.
pub fn run(args: &[&str]) -> Output {
    let out = rise().current_dir(repo_root()).args(args).output().unwrap();
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// Writes `content` to a fresh temporary file named `name` and returns its path.
pub fn temp_file(name: &str, content: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, content).unwrap();
    (dir, path)
}

#[track_caller]
pub fn assert_close(what: &str, got: f64, want: f64, rel: f64) {
    let err = (got - want).abs() / want.abs().max(1e-12);
    assert!(
        err <= rel,
        "{what}: got {got}, want {want} (relative error {err:.2e})"
    );
}

/// Asserts a JSON number is within relative tolerance `rel` of `want`.
#[track_caller]
pub fn check(v: &serde_json::Value, what: &str, want: f64, rel: f64) {
    let got = v
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: {v} is not a number"));
    assert_close(what, got, want, rel);
}
