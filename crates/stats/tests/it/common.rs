//! Helpers shared by the reference tests.

use serde_json::Value;
use std::path::PathBuf;

pub fn data_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

pub fn load_json(name: &str) -> Value {
    let path = data_path(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Asserts `got` is within relative tolerance `rel` of `want` (absolute near zero).
#[track_caller]
pub fn assert_close(what: &str, got: f64, want: f64, rel: f64) {
    let scale = want.abs().max(1e-12);
    let err = (got - want).abs() / scale;
    assert!(
        err <= rel,
        "{what}: got {got}, want {want} (relative error {err:.3e} > {rel:.1e})"
    );
}

pub fn f(v: &Value) -> Option<f64> {
    v.as_f64()
}

pub fn vec_f(v: &Value) -> Vec<f64> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default()
}
