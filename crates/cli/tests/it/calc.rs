//! `rise calc`: the flags and JSON keys scripts rely on, and the refusals.

use crate::support::run;
use serde_json::Value;

fn json(args: &[&str]) -> Value {
    let mut all = vec!["calc"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let out = run(&all);
    assert_eq!(out.code, 0, "{}", out.stderr);
    serde_json::from_str(&out.stdout).unwrap()
}

fn refused(args: &[&str]) -> String {
    let mut all = vec!["calc"];
    all.extend_from_slice(args);
    let out = run(&all);
    assert_eq!(out.code, 2, "{args:?} should be refused: {}", out.stdout);
    assert!(
        out.stdout.is_empty(),
        "no number on a refusal: {}",
        out.stdout
    );
    out.stderr
}

#[test]
fn egfr_both_ways() {
    let v = json(&[
        "egfr",
        "--creatinine",
        "1.4",
        "--unit",
        "mg/dL",
        "--age",
        "60",
        "--sex",
        "male",
        "--race",
        "black",
    ]);
    assert_eq!(v["equation"], "ckd-epi-2021-cr");
    assert!((v["egfr"].as_f64().unwrap() - 57.54).abs() < 0.01);
    assert_eq!(v["stage"], "G3a");
    assert_eq!(v["race_based"]["equation"], "ckd-epi-2009-cr");
    assert!((v["race_based"]["egfr"].as_f64().unwrap() - 62.84).abs() < 0.01);
    assert_eq!(v["race_based"]["stage"], "G2");
}

#[test]
fn egfr_equations_and_units() {
    // kidney.epi's vignette: 103 µmol/L, man of 60, CKD-EPI 2009 → 67.70.
    let v = json(&[
        "egfr",
        "--equation",
        "ckd-epi-2009-cr",
        "--creatinine",
        "103",
        "--unit",
        "umol/L",
        "--age",
        "60",
        "--sex",
        "male",
        "--race",
        "other",
    ]);
    assert!((v["egfr"].as_f64().unwrap() - 67.70).abs() < 0.01, "{v}");
    assert_eq!(v["race_free"]["equation"], "ckd-epi-2021-cr");
    // Both markers given: the 2021 creatinine–cystatin C equation by default.
    let v = json(&[
        "egfr",
        "--creatinine",
        "1.4",
        "--cystatin",
        "0.8",
        "--age",
        "60",
        "--sex",
        "male",
    ]);
    assert_eq!(v["equation"], "ckd-epi-2021-cr-cys");
    assert!((v["egfr"].as_f64().unwrap() - 83.97).abs() < 0.01);
    let v = json(&[
        "egfr",
        "--cystatin",
        "0.4",
        "--age",
        "20",
        "--sex",
        "female",
    ]);
    assert_eq!(v["equation"], "ckd-epi-2012-cys");
    assert!((v["egfr"].as_f64().unwrap() - 161.68).abs() < 0.05);
}

#[test]
fn pce_prevent_and_vbac_keys() {
    let v = json(&[
        "pce",
        "--age",
        "55",
        "--sex",
        "male",
        "--race",
        "white",
        "--total-cholesterol",
        "213",
        "--hdl",
        "50",
        "--sbp",
        "140",
    ]);
    assert!(
        (v["risk_10y_pct"].as_f64().unwrap() - 7.0).abs() < 0.03,
        "{v}"
    );
    let v = json(&[
        "prevent",
        "--horizon",
        "30",
        "--age",
        "50",
        "--sex",
        "female",
        "--total-cholesterol",
        "200",
        "--hdl",
        "45",
        "--sbp",
        "160",
        "--bp-treated",
        "--diabetes",
        "--egfr",
        "90",
        "--bmi",
        "35",
    ]);
    for (key, want) in [
        ("total_cvd_pct", 53.0),
        ("ascvd_pct", 35.4),
        ("hf_pct", 39.0),
    ] {
        assert!((v[key].as_f64().unwrap() - want).abs() < 0.05, "{key}: {v}");
    }
    let v = json(&[
        "vbac",
        "--version",
        "2021",
        "--age",
        "30",
        "--height-cm",
        "165",
        "--weight-kg",
        "70",
        "--race",
        "black",
    ]);
    assert!((v["probability_pct"].as_f64().unwrap() - 71.46).abs() < 0.01);
    assert!((v["race_based"]["probability_pct"].as_f64().unwrap() - 59.45).abs() < 0.01);
}

#[test]
fn refusals_name_the_flag() {
    let e = refused(&[
        "egfr",
        "--creatinine",
        "88",
        "--unit",
        "mg/dL",
        "--age",
        "60",
        "--sex",
        "male",
    ]);
    assert!(e.contains("--creatinine") && e.contains("µmol/L"), "{e}");
    for bad in ["0", "-1", "31"] {
        refused(&["egfr", "--creatinine", bad, "--age", "60", "--sex", "male"]);
    }
    let e = refused(&[
        "egfr",
        "--creatinine",
        "1.0",
        "--age",
        "15",
        "--sex",
        "male",
    ]);
    assert!(e.contains("--age"), "{e}");
    let e = refused(&["egfr", "--creatinine", "1.0", "--age", "50"]);
    assert!(e.contains("--sex"), "{e}");
    let e = refused(&[
        "prevent",
        "--horizon",
        "30",
        "--age",
        "65",
        "--sex",
        "female",
        "--total-cholesterol",
        "200",
        "--hdl",
        "45",
        "--sbp",
        "120",
        "--egfr",
        "90",
        "--bmi",
        "25",
    ]);
    assert!(e.contains("30–59"), "{e}");
    let e = refused(&[
        "pce",
        "--age",
        "35",
        "--sex",
        "male",
        "--race",
        "black",
        "--total-cholesterol",
        "200",
        "--hdl",
        "50",
        "--sbp",
        "120",
    ]);
    assert!(e.contains("40–79"), "{e}");
    let e = refused(&[
        "egfr",
        "--creatinine",
        "1",
        "--age",
        "50",
        "--sex",
        "male",
        "--equation",
        "cockcroft",
    ]);
    assert!(e.contains("ckd-epi-2021-cr"), "{e}");
}

#[test]
fn list_teaches() {
    let out = run(&["calc", "--list"]);
    assert_eq!(out.code, 0);
    for needle in [
        "ckd-epi-2009-cr",
        "mdrd-186",
        "rise calc pce",
        "rise calc prevent",
        "vbac --version 2007",
        "Hidden",
        "Spirometry",
    ] {
        assert!(
            out.stdout.contains(needle) || out.stdout.contains(&needle.to_lowercase()),
            "{needle}"
        );
    }
    let out = run(&["calc", "--list", "--format", "json"]);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["equations"].as_array().unwrap().len(), 11);
    assert!(v["catalog"].as_array().unwrap().len() >= 13);
}
