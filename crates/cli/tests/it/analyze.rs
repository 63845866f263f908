//! `rise generate` → `rise analyze` end to end, through the real binary.

use crate::support::run;
use std::path::Path;

fn generate(dir: &Path, n: &str, format: &str) {
    let out = run(&[
        "generate",
        "--patients",
        n,
        "--seed",
        "11",
        "--year",
        "2024",
        "--format",
        format,
        "--out",
        dir.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn analyze_writes_suppressed_aggregates_inequities_and_a_report() {
    let data = tempfile::tempdir().unwrap();
    generate(data.path(), "3000", "parquet");
    assert!(data.path().join("truth.json").is_file());
    let out_dir = tempfile::tempdir().unwrap();
    let out = run(&[
        "analyze",
        data.path().to_str().unwrap(),
        "--out",
        out_dir.path().to_str().unwrap(),
        "--period",
        "2024",
        "--by",
        "quarter",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("Analysed 3,000 patients"),
        "{}",
        out.stderr
    );
    for f in [
        "aggregates.csv",
        "aggregates.parquet",
        "inequities.csv",
        "inequities.json",
        "measures.csv",
        "measures.json",
        "rates.csv",
        "report.html",
    ] {
        assert!(out_dir.path().join(f).is_file(), "{f} missing");
    }
    let leftovers: Vec<String> = std::fs::read_dir(out_dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    let text = std::fs::read_to_string(out_dir.path().join("aggregates.csv")).unwrap();
    // The validator the coalition server uses: no visible count of 1–10.
    let (rows, comments) = rise_aggregate::rows::read_csv(&text).unwrap();
    // A plain CSV: the header comes first, the measures are described beside it.
    assert!(text.starts_with("measure,dimension,subgroup,period,"));
    assert!(comments.is_empty());
    let described = rise_aggregate::export::read_measures(
        &std::fs::read(out_dir.path().join("measures.csv")).unwrap(),
    )
    .unwrap();
    assert!(described.iter().any(|m| m.steward.contains("CMS165")));
    assert!(
        rows.iter().any(|r| r.suppressed),
        "3 000 patients by quarter must produce small cells"
    );
    let periods: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r.period.as_str()).collect();
    assert_eq!(
        periods.into_iter().collect::<Vec<_>>(),
        ["2024", "2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"]
    );
    let measures: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r.measure.as_str()).collect();
    assert!(measures.len() >= 12);
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out_dir.path().join("inequities.json")).unwrap(),
    )
    .unwrap();
    assert!(json.as_array().unwrap().len() > 20);
    let html = std::fs::read_to_string(out_dir.path().join("report.html")).unwrap();
    assert!(
        html.contains("The largest inequities")
            && html.contains("<svg")
            && html.contains("Data quality")
    );
    assert!(
        !html.contains("<script") && !html.contains("src=\"http") && !html.contains("href=\"http"),
        "report must work offline"
    );
    assert!(!html.contains("Not suppressed."));
}

#[test]
fn no_suppression_is_loudly_marked() {
    let data = tempfile::tempdir().unwrap();
    generate(data.path(), "300", "synthea");
    let out_dir = tempfile::tempdir().unwrap();
    let out = run(&[
        "analyze",
        data.path().to_str().unwrap(),
        "--out",
        out_dir.path().to_str().unwrap(),
        "--period",
        "2024",
        "--no-suppression",
        "--dimensions",
        "sex,race_ethnicity*sex",
        "--quiet",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = std::fs::read_to_string(out_dir.path().join("aggregates.csv")).unwrap();
    assert!(text.starts_with("# WARNING: counts are not suppressed"));
    assert!(text.contains("race_ethnicity*sex"));
    let html = std::fs::read_to_string(out_dir.path().join("report.html")).unwrap();
    assert!(html.contains("Not suppressed."));
}

#[test]
fn analyze_reports_bad_input_clearly() {
    let empty = tempfile::tempdir().unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let o = out_dir.path().to_str().unwrap();
    let r = run(&["analyze", empty.path().to_str().unwrap(), "--out", o]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("found no patients.parquet, patients.csv"),
        "{}",
        r.stderr
    );
    let data = tempfile::tempdir().unwrap();
    generate(data.path(), "50", "parquet");
    let d = data.path().to_str().unwrap();
    let r = run(&["analyze", d, "--out", o, "--dimensions", "colour"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("unknown dimension 'colour'"),
        "{}",
        r.stderr
    );
    let r = run(&["analyze", d, "--out", o, "--period", "last year"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--period takes a year"), "{}", r.stderr);
    let bad = data.path().join("bad.toml");
    std::fs::write(&bad, "[[measure]]\nid = \"x\"\ntitle = \"t\"\nsteward = \"s\"\ndirection = \"sideways\"\ndenominator = \"SELECT 1\"\nnumerator = \"SELECT 1\"\n").unwrap();
    let r = run(&[
        "analyze",
        d,
        "--out",
        o,
        "--measures",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("bad.toml:5"), "{}", r.stderr);
    assert_eq!(r.stderr.trim_end().lines().count(), 1, "{}", r.stderr);
}

#[test]
fn bad_fhir_records_are_counted_in_the_report_or_stop_a_strict_run() {
    let data = tempfile::tempdir().unwrap();
    generate(data.path(), "300", "fhir");
    let obs = data.path().join("Observation.ndjson");
    let mut text = std::fs::read_to_string(&obs).unwrap();
    text.push_str(r#"{"resourceType":"Observation","id":"o-bad","subject":{"reference":"Patient/p000000001"},"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"effectiveDateTime":"soon"}"#);
    text.push('\n');
    std::fs::write(&obs, text).unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let o = out_dir.path().to_str().unwrap();
    let d = data.path().to_str().unwrap();
    let r = run(&["analyze", d, "--out", o, "--period", "2024"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report = std::fs::read_to_string(out_dir.path().join("report.html")).unwrap();
    assert!(
        report.contains("Records skipped in Observation.ndjson")
            && report.contains("Observation/o-bad"),
        "the report's data-quality section names the bad record"
    );
    assert!(report.contains("FHIR R4"));
    let strict = tempfile::tempdir().unwrap();
    let s = strict.path().to_str().unwrap();
    let r = run(&["analyze", d, "--out", s, "--period", "2024", "--strict"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("Observation.ndjson:")
            && r.stderr.contains("effectiveDateTime")
            && r.stderr.contains("'soon'"),
        "{}",
        r.stderr
    );
    assert!(
        std::fs::read_dir(strict.path()).unwrap().next().is_none(),
        "a failed run leaves no output"
    );
}

#[test]
fn generate_writes_every_format() {
    for (format, marker) in [
        ("synthea", "patients.csv"),
        ("fhir", "Patient.ndjson"),
        ("omop", "person.csv"),
        ("parquet", "patients.parquet"),
    ] {
        let data = tempfile::tempdir().unwrap();
        generate(data.path(), "20", format);
        assert!(data.path().join(marker).is_file(), "{format}: {marker}");
        assert!(data.path().join("truth.json").is_file());
        let partial: Vec<String> = std::fs::read_dir(data.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().to_string())
            .filter(|n| n.ends_with(".partial"))
            .collect();
        assert!(partial.is_empty(), "{format}: {partial:?}");
    }
}

#[test]
fn measures_lists_the_library() {
    let r = run(&["measures"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.lines().count() >= 12);
    assert!(r.stdout.contains("bp_control") && r.stdout.contains("CMS165"));
}

/// The canonical CSV fixture of the engine's tests, copied, with patient `a2` listed twice.
fn canonical_with_a_repeated_patient() -> tempfile::TempDir {
    let fixture = crate::support::repo_root().join("crates/engine/tests/it/fixtures/canonical");
    let data = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&fixture).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, data.path().join(path.file_name().unwrap())).unwrap();
    }
    let patients = data.path().join("patients.csv");
    let mut text = std::fs::read_to_string(&patients).unwrap();
    text.push_str("a2,1970-02-10,,F,white,nonhispanic,,English,90002,Medicaid,20000\n");
    std::fs::write(&patients, text).unwrap();
    data
}

#[test]
fn repeated_patient_ids_are_a_counted_warning_or_stop_a_strict_run() {
    let data = canonical_with_a_repeated_patient();
    let d = data.path().to_str().unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let o = out_dir.path().to_str().unwrap();
    let r = run(&[
        "analyze",
        d,
        "--out",
        o,
        "--period",
        "2024",
        "--no-suppression",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("Analysed 6 patients"), "{}", r.stderr);
    assert!(
        r.stderr.contains("1 repeated patient id") && r.stderr.contains("patients.csv:8"),
        "{}",
        r.stderr
    );
    let report = std::fs::read_to_string(out_dir.path().join("report.html")).unwrap();
    assert!(
        report.contains("Repeated patient ids in patients.csv") && report.contains("a2"),
        "the report's data-quality section names the repeated id"
    );
    // The first record of a2 (male) is the one counted.
    let text = std::fs::read_to_string(out_dir.path().join("aggregates.csv")).unwrap();
    let (rows, _) = rise_aggregate::rows::read_csv(&text).unwrap();
    let sex = |s: &str| {
        rows.iter()
            .find(|r| {
                r.measure == "bp_control"
                    && r.dimension == "sex"
                    && r.subgroup == s
                    && r.period == "2024"
            })
            .and_then(|r| r.denominator)
    };
    assert_eq!((sex("Female"), sex("Male")), (Some(2), Some(3)));
    let strict = tempfile::tempdir().unwrap();
    let s = strict.path().to_str().unwrap();
    let r = run(&["analyze", d, "--out", s, "--period", "2024", "--strict"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("patients.csv:8: patient_id:") && r.stderr.contains("'a2'"),
        "{}",
        r.stderr
    );
}

const OUTPUTS: [&str; 8] = [
    "aggregates.csv",
    "aggregates.parquet",
    "inequities.csv",
    "inequities.json",
    "measures.csv",
    "measures.json",
    "rates.csv",
    "report.html",
];

#[test]
fn a_failed_run_leaves_the_previous_outputs_as_they_were() {
    let data = tempfile::tempdir().unwrap();
    generate(data.path(), "300", "parquet");
    let d = data.path().to_str().unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let o = out_dir.path().to_str().unwrap();
    let r = run(&[
        "analyze",
        d,
        "--out",
        o,
        "--period",
        "2024",
        "--dimensions",
        "sex",
        "--quiet",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // The report cannot be replaced: something else (a folder) is in its place.
    let report = out_dir.path().join("report.html");
    std::fs::remove_file(&report).unwrap();
    std::fs::create_dir(&report).unwrap();
    std::fs::write(report.join("notes.txt"), "mine").unwrap();
    let before: Vec<Vec<u8>> = OUTPUTS[..5]
        .iter()
        .map(|f| std::fs::read(out_dir.path().join(f)).unwrap())
        .collect();
    // A run with other dimensions would change every file.
    let r = run(&["analyze", d, "--out", o, "--period", "2024", "--quiet"]);
    assert_ne!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("report.html"), "{}", r.stderr);
    for (f, old) in OUTPUTS[..5].iter().zip(&before) {
        let now = std::fs::read(out_dir.path().join(f)).unwrap();
        assert!(now == *old, "{f} was replaced by a run that failed");
    }
    assert_eq!(
        std::fs::read_to_string(report.join("notes.txt")).unwrap(),
        "mine"
    );
    let hidden: Vec<String> = std::fs::read_dir(out_dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with('.') || n.ends_with(".partial"))
        .collect();
    assert!(hidden.is_empty(), "temporary files left: {hidden:?}");
}

#[test]
fn leftovers_of_an_interrupted_run_are_removed() {
    let data = tempfile::tempdir().unwrap();
    generate(data.path(), "100", "parquet");
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path();
    // What an interrupted run leaves (a process id above Linux's maximum: not running).
    for f in [
        ".aggregates.csv.partial",
        ".report.html.partial",
        "aggregates.parquet.partial",
    ] {
        std::fs::write(out.join(f), "half").unwrap();
    }
    for d in [".rise-work-4194999", ".rise-analyze-4194999"] {
        std::fs::create_dir(out.join(d)).unwrap();
        std::fs::write(out.join(d).join("patients.parquet"), "half").unwrap();
    }
    // The user's own files stay.
    std::fs::write(out.join("notes.partial"), "mine").unwrap();
    std::fs::write(out.join(".notes"), "mine").unwrap();
    let r = run(&[
        "analyze",
        data.path().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--period",
        "2024",
        "--quiet",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut names: Vec<String> = std::fs::read_dir(out)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    let mut want: Vec<String> = OUTPUTS.iter().map(|s| s.to_string()).collect();
    want.extend([".notes".to_string(), "notes.partial".to_string()]);
    want.sort();
    assert_eq!(names, want);
}

/// Every CSV `rise analyze` writes opens with Python's `csv` module and with pandas, without
/// options, with the columns an analyst expects and numbers that read as numbers.
#[test]
fn every_csv_opens_in_python_and_pandas_without_options() {
    let python = match std::env::var("RISE_TEST_PYTHON") {
        Ok(p) if !p.is_empty() => p,
        _ => {
            eprintln!("CSV import test skipped: set RISE_TEST_PYTHON (scripts/python-up does)");
            return;
        }
    };
    let data = tempfile::tempdir().unwrap();
    generate(data.path(), "4000", "parquet");
    let out_dir = tempfile::tempdir().unwrap();
    let out = run(&[
        "analyze",
        data.path().to_str().unwrap(),
        "--out",
        out_dir.path().to_str().unwrap(),
        "--period",
        "2024",
        "--quiet",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let script = r##"
import csv, sys, pandas as pd
d = sys.argv[1]
want = {
    "aggregates.csv": ["measure", "dimension", "subgroup", "period", "numerator", "denominator", "suppressed"],
    "measures.csv": ["id", "title", "steward", "higher_is_better", "description"],
    "rates.csv": ["measure", "dimension", "subgroup", "rate", "rate_lower", "rate_upper", "comparison_group",
                  "difference", "difference_lower", "difference_upper", "ratio", "ratio_lower", "ratio_upper"],
    "inequities.csv": ["rank", "headline", "measure", "dimension", "comparison_group", "worst_group",
                       "gap_points", "gap_lower", "gap_upper", "p_value", "p_value_text", "q_value"],
}
for name, cols in want.items():
    with open(f"{d}/{name}", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert rows, name
    missing = [c for c in cols if c not in rows[0]]
    assert not missing, (name, missing)
    df = pd.read_csv(f"{d}/{name}")
    assert len(df) == len(rows), (name, len(df), len(rows))
    assert not any(str(c).startswith("#") for c in df.columns), name
rates = pd.read_csv(f"{d}/rates.csv")
for c in ["rate", "rate_lower", "rate_upper", "difference", "ratio"]:
    assert pd.api.types.is_float_dtype(rates[c]), (c, rates[c].dtype)
shown = rates[~rates["suppressed"] & (rates["dimension"] != "overall")]
assert (shown["rate_lower"] <= shown["rate"]).all() and (shown["rate"] <= shown["rate_upper"]).all()
ineq = pd.read_csv(f"{d}/inequities.csv")
assert pd.api.types.is_float_dtype(ineq["p_value"]), ineq["p_value"].dtype
assert ineq["headline"].dtype == bool, ineq["headline"].dtype
assert set(ineq["p_value_text"].dropna()) - {"< 0.001"} <= {f"{p:.3f}" for p in ineq["p_value"].dropna()}
agg = pd.read_csv(f"{d}/aggregates.csv")
assert pd.api.types.is_numeric_dtype(agg["denominator"]), agg["denominator"].dtype
print("ok", len(agg), len(rates), len(ineq))
"##;
    let res = std::process::Command::new(&python)
        .arg("-c")
        .arg(script)
        .arg(out_dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&res.stdout);
    assert!(
        res.status.success() && stdout.starts_with("ok"),
        "{stdout}{}",
        String::from_utf8_lossy(&res.stderr)
    );
}
