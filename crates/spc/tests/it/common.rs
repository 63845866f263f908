//! Loading the reference vectors and comparing a chart with them.

use rise_spc::{Analysis, Chart, Settings, Subgroup};
use serde_json::Value;
use std::cmp::Ordering;
use std::path::PathBuf;

pub fn load(file: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(file);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

pub fn cases(file: &str) -> Vec<Value> {
    load(file)["cases"].as_array().unwrap().clone()
}

fn number(v: &Value) -> Option<f64> {
    v.as_f64()
}

fn sort_key(a: &Value, b: &Value) -> Ordering {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        _ => a.to_string().cmp(&b.to_string()),
    }
}

/// The subgroups of a long-format input (`x`, `y`, optional `n`), ordered by x as qicharts2
/// orders them; rows with a missing x are dropped. Returns the x of each subgroup as well.
pub fn subgroups(input: &Value, has_n: bool) -> (Vec<Value>, Vec<Subgroup>) {
    let ys = input["y"].as_array().unwrap();
    let xs: Vec<Value> = match input.get("x") {
        Some(Value::Array(x)) => x.clone(),
        _ => (1..=ys.len()).map(|i| Value::from(i as f64)).collect(),
    };
    let ns = input.get("n").and_then(Value::as_array);
    let mut keys: Vec<Value> = xs.iter().filter(|x| !x.is_null()).cloned().collect();
    keys.sort_by(sort_key);
    keys.dedup_by(|a, b| sort_key(a, b) == Ordering::Equal);
    let groups = keys
        .iter()
        .map(|k| {
            let rows = xs
                .iter()
                .enumerate()
                .filter(|(_, x)| !x.is_null() && sort_key(x, k) == Ordering::Equal)
                .map(|(i, _)| (number(&ys[i]), ns.and_then(|n| number(&n[i]))));
            Subgroup::of(rows.collect::<Vec<_>>(), has_n)
        })
        .collect();
    (keys, groups)
}

fn positions(v: &Value) -> Vec<usize> {
    match v {
        Value::Array(a) => a.iter().map(|p| p.as_u64().unwrap() as usize).collect(),
        Value::Number(n) => vec![n.as_u64().unwrap() as usize],
        _ => Vec::new(),
    }
}

/// The settings a case's `params` describe.
pub fn settings(chart: Chart, params: &Value) -> Settings {
    let mut s = Settings::new(chart);
    if let Value::Object(p) = params {
        s.freeze = p.get("freeze").and_then(Value::as_u64).map(|f| f as usize);
        s.part = p.get("part").map(positions).unwrap_or_default();
        s.exclude = p.get("exclude").map(positions).unwrap_or_default();
        s.multiply = p.get("multiply").and_then(Value::as_f64).unwrap_or(1.0);
        s.cl = p.get("cl").and_then(Value::as_f64);
    }
    s
}

/// |a − b| within `rel` of the larger magnitude (or absolutely, near zero).
pub fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1.0)
}

pub fn assert_value(case: &str, field: &str, at: &Value, ours: Option<f64>, expected: &Value) {
    match (ours, expected.as_f64()) {
        (None, None) => {}
        (Some(a), Some(b)) => assert!(
            close(a, b, 1e-9),
            "{case}: {field} at x = {at}: ours {a}, qicharts2 {b}"
        ),
        (a, _) => panic!("{case}: {field} at x = {at}: ours {a:?}, qicharts2 {expected}"),
    }
}

/// A whole number, whether R wrote it as a number or as a factor label.
pub fn whole(v: &Value) -> Option<u64> {
    v.as_u64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

fn opt_usize(v: Option<usize>) -> Option<f64> {
    v.map(|v| v as f64)
}

/// Every point and part field of `ours` against the `points`/`parts` columns of a vector.
pub fn assert_matches(case: &str, keys: &[Value], ours: &Analysis, expected: &Value) {
    let points = &expected["points"];
    let ex_x = points["x"].as_array().unwrap();
    assert_eq!(ours.points.len(), ex_x.len(), "{case}: number of points");
    for (key, p) in keys.iter().zip(&ours.points) {
        let j = ex_x
            .iter()
            .position(|x| sort_key(x, key) == Ordering::Equal)
            .unwrap_or_else(|| panic!("{case}: x = {key} not in the reference"));
        let col = |f: &str| &points[f][j];
        let has = |f: &str| points.get(f).is_some();
        if has("part") {
            assert_eq!(
                Some(p.part as u64),
                whole(col("part")),
                "{case}: part at {key}"
            );
        }
        for (field, ours) in [
            ("baseline", p.baseline),
            ("include", p.include),
            ("sigma_signal", p.sigma_signal),
            ("runs_signal", p.runs_signal),
        ] {
            if has(field) {
                assert_eq!(Some(ours), col(field).as_bool(), "{case}: {field} at {key}");
            }
        }
        let values = [
            ("y_sum", Some(p.y_sum)),
            ("y_length", Some(p.y_length as f64)),
            ("y_mean", p.y_mean),
            ("y_sd", p.y_sd),
            ("n", p.n),
            ("y", p.y),
            ("cl", p.cl),
            ("lcl", p.lcl),
            ("ucl", p.ucl),
            ("lcl_95", p.lcl_95),
            ("ucl_95", p.ucl_95),
        ];
        for (field, v) in values {
            if has(field) {
                assert_value(case, field, key, v, col(field));
            }
        }
    }
    if expected.get("parts").is_some() {
        assert_parts(case, ours, &expected["parts"]);
    }
}

pub fn assert_parts(case: &str, ours: &Analysis, parts: &Value) {
    let ex_part = parts["part"].as_array().unwrap();
    assert_eq!(ours.parts.len(), ex_part.len(), "{case}: number of parts");
    for (i, s) in ours.parts.iter().enumerate() {
        let col = |f: &str| &parts[f][i];
        let at = Value::from(s.part);
        assert_eq!(Some(s.part as u64), whole(col("part")), "{case}: part");
        for (field, v) in [
            ("n_obs", Some(s.n_obs as f64)),
            ("n_useful", Some(s.n_useful as f64)),
            ("longest_run", opt_usize(s.longest_run)),
            ("longest_run_max", opt_usize(s.longest_run_max)),
            ("n_crossings", opt_usize(s.n_crossings)),
            ("n_crossings_min", opt_usize(s.n_crossings_min)),
        ] {
            assert_value(case, field, &at, v, col(field));
        }
        assert_eq!(
            Some(s.runs_signal),
            col("runs_signal").as_bool(),
            "{case}: runs_signal of part {}",
            s.part
        );
    }
}
