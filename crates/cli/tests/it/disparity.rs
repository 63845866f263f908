//! `rise disparity` on the published healthequal datasets, on count-style input, and on bad
//! input.

use crate::support::{assert_close, check, repo_root, run, temp_file};
use serde_json::Value;

fn json(args: &[&str]) -> Value {
    let out = run(args);
    assert_eq!(out.code, 0, "rise {args:?} failed: {}", out.stderr);
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", out.stdout))
}

fn measure<'a>(v: &'a Value, code: &str) -> Option<&'a Value> {
    v["measures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["measure"] == code)
}

fn reference_cases() -> Vec<Value> {
    let path = repo_root().join("crates/stats/tests/data/healthequal_unit_tests.json");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["cases"].as_array().unwrap().clone()
}

/// Both healthequal datasets through the binary: every published estimate appears in the
/// JSON output with the right value.
#[test]
fn json_matches_healthequal_on_both_datasets() {
    for (dataset, file) in [
        ("ordered", "examples/heat_ordered.csv"),
        ("nonordered", "examples/heat_nonordered.csv"),
    ] {
        let v = json(&["disparity", file, "--format", "json"]);
        assert_eq!(v["dimension"]["ordered"], dataset == "ordered");
        assert_eq!(v["dimension"]["favourable"], true);
        assert_eq!(v["dimension"]["scale"], 100);
        let mut checked = 0;
        for case in reference_cases().iter().filter(|c| c["dataset"] == dataset) {
            let code = case["measure"].as_str().unwrap().to_uppercase();
            let m = measure(&v, &code).unwrap_or_else(|| panic!("{code} missing for {dataset}"));
            let tol = case["test_tolerance"].as_f64().unwrap();
            assert_close(
                &format!("{dataset} {code}"),
                m["estimate"].as_f64().unwrap(),
                case["expected"]["estimate"].as_f64().unwrap(),
                tol,
            );
            checked += 1;
        }
        assert!(checked >= 6);
    }
}

#[test]
fn json_has_exactly_the_documented_shape() {
    let v = json(&["disparity", "examples/heat_ordered.csv", "--format", "json"]);
    let keys = |o: &Value| o.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        keys(&v),
        ["dimension", "measures", "subgroups"].map(String::from)
    );
    assert_eq!(
        keys(&v["dimension"]),
        ["favourable", "ordered", "scale", "subgroups"].map(String::from)
    );
    assert_eq!(v["dimension"]["subgroups"], 5);
    let sg = &v["subgroups"][0];
    assert_eq!(
        keys(sg),
        ["estimate", "lower", "population", "se", "subgroup", "upper"].map(String::from)
    );
    assert_eq!(sg["subgroup"], "Q1");
    // HEAT style: estimate ± z·se.
    check(
        &sg["lower"],
        "Q1 lower",
        20.0 - 1.959_963_984_540_054 * 5.0,
        1e-12,
    );
    let m = &v["measures"][0];
    assert_eq!(
        keys(m),
        ["ci_method", "estimate", "lower", "measure", "se", "upper"].map(String::from)
    );
    assert_eq!(m["measure"], "D");
    assert_eq!(m["ci_method"], "analytic");
    let codes: Vec<&str> = v["measures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["measure"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["D", "R", "PAF", "PAR", "ACI", "RCI", "SII", "RII"]);
}

#[test]
fn counts_give_wilson_intervals_and_simple_measures() {
    // 65/100 and 1045/5000 are PHEindicatormethods' Wilson test cases (bw07, bw08).
    let (_d, path) = temp_file(
        "counts.csv",
        b"subgroup,events,denominator\nA,65,100\nB,1045,5000\nC,300,1000\n",
    );
    let v = json(&["disparity", path.to_str().unwrap(), "--format", "json"]);
    let a = &v["subgroups"][0];
    check(&a["estimate"], "A estimate", 65.0, 1e-12);
    check(&a["lower"], "A lower", 55.25444329688797, 1e-9);
    check(&a["upper"], "A upper", 73.63575175690247, 1e-9);
    check(
        &a["se"],
        "A se",
        100.0 * (0.65f64 * 0.35 / 100.0).sqrt(),
        1e-12,
    );
    let b = &v["subgroups"][1];
    check(&b["lower"], "B lower", 19.795549880013297, 1e-9);
    check(&b["upper"], "B upper", 22.049130373189027, 1e-9);
    assert_eq!(b["population"], 5000.0);
    // Non-ordered, no reference, favourable: D = highest − lowest = 65 − 20.9.
    assert_close(
        "D",
        measure(&v, "D").unwrap()["estimate"].as_f64().unwrap(),
        65.0 - 20.9,
        1e-12,
    );
    assert_close(
        "R",
        measure(&v, "R").unwrap()["estimate"].as_f64().unwrap(),
        65.0 / 20.9,
        1e-12,
    );
    // BGV = Σ p (y − μ)² by hand.
    let (n, y) = ([100.0, 5000.0, 1000.0], [65.0, 20.9, 30.0]);
    let total: f64 = n.iter().sum();
    let mu: f64 = n.iter().zip(&y).map(|(n, y)| n / total * y).sum();
    let bgv: f64 = n
        .iter()
        .zip(&y)
        .map(|(n, y)| n / total * (y - mu).powi(2))
        .sum();
    assert_close(
        "BGV",
        measure(&v, "BGV").unwrap()["estimate"].as_f64().unwrap(),
        bgv,
        1e-12,
    );
    assert_eq!(measure(&v, "BGSD").unwrap()["ci_method"], "monte_carlo");
}

#[test]
fn counts_above_the_denominator_are_rates_with_poisson_intervals() {
    // 5 events: exact limits; PHE rate test case x = 1, n = 100 per 100: 0.0253178… to 5.5716…
    let (_d, path) = temp_file(
        "rates.csv",
        b"subgroup,events,denominator\nA,1,100\nB,250,100\nC,40,100\n",
    );
    let v = json(&[
        "disparity",
        path.to_str().unwrap(),
        "--format",
        "json",
        "--adverse",
        "--scale",
        "100",
    ]);
    let a = &v["subgroups"][0];
    check(&a["lower"], "A lower", 0.025317807984289897, 1e-9);
    check(&a["upper"], "A upper", 5.571643390938898, 1e-9);
    // Adverse, no reference: D = highest − lowest.
    assert_close(
        "D",
        measure(&v, "D").unwrap()["estimate"].as_f64().unwrap(),
        249.0,
        1e-12,
    );
}

#[test]
fn reference_flag_selects_the_reference() {
    let v = json(&[
        "disparity",
        "examples/screening_by_race.csv",
        "--reference",
        "White",
        "--format",
        "json",
    ]);
    // Favourable with a reference: D = reference − lowest estimate.
    let white = 9705.0 / 13102.0 * 100.0;
    let lowest = 118.0 / 231.0 * 100.0;
    assert_close(
        "D",
        measure(&v, "D").unwrap()["estimate"].as_f64().unwrap(),
        white - lowest,
        1e-12,
    );
    assert!(measure(&v, "MDRU").is_some());
    let without = json(&[
        "disparity",
        "examples/screening_by_race.csv",
        "--format",
        "json",
    ]);
    assert!(
        measure(&without, "MDRU").is_none(),
        "MDRU needs a reference"
    );
}

#[test]
fn table_explains_absent_measures_and_reads_the_gap() {
    let out = run(&["disparity", "examples/heat_ordered.csv"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("Not computed:"));
    assert!(
        out.stdout
            .contains("BGV    applies to non-ordered dimensions only")
    );
    assert!(
        out.stdout
            .contains("Gap between the extremes: Q1 (20.00) is below Q5 (60.00) by 40.00"),
        "{}",
        out.stdout
    );
    let out = run(&["disparity", "examples/screening_by_race.csv"]);
    assert!(
        out.stdout.contains(
            "Largest gap: American Indian or Alaska Native (51.08) is below White (74.07)"
        ),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("MDRU   needs a reference subgroup"));
}

#[test]
fn csv_format_has_one_row_per_measure() {
    let out = run(&[
        "disparity",
        "examples/heat_nonordered.csv",
        "--format",
        "csv",
    ]);
    assert_eq!(out.code, 0);
    let mut r = csv::Reader::from_reader(out.stdout.as_bytes());
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "measure",
            "name",
            "estimate",
            "se",
            "lower",
            "upper",
            "ci_method"
        ]
    );
    assert_eq!(r.records().count(), 17);
}

#[test]
fn the_seed_makes_monte_carlo_intervals_reproducible() {
    let args = [
        "disparity",
        "examples/heat_nonordered.csv",
        "--format",
        "json",
        "--seed",
        "7",
    ];
    let a = json(&args);
    let b = json(&args);
    assert_eq!(a, b);
    let c = json(&[
        "disparity",
        "examples/heat_nonordered.csv",
        "--format",
        "json",
        "--seed",
        "8",
    ]);
    assert_ne!(
        measure(&a, "BGSD").unwrap()["lower"],
        measure(&c, "BGSD").unwrap()["lower"]
    );
    assert_eq!(
        measure(&a, "BGSD").unwrap()["estimate"],
        measure(&c, "BGSD").unwrap()["estimate"]
    );
}

#[test]
fn linear_model_and_confidence_level_are_honoured() {
    let v = json(&[
        "disparity",
        "examples/heat_ordered.csv",
        "--format",
        "json",
        "--sii-model",
        "linear",
    ]);
    assert_eq!(measure(&v, "SII").unwrap()["ci_method"], "monte_carlo");
    let narrow = json(&[
        "disparity",
        "examples/heat_ordered.csv",
        "--format",
        "json",
        "--confidence",
        "0.5",
    ]);
    let wide = json(&["disparity", "examples/heat_ordered.csv", "--format", "json"]);
    let width = |v: &Value| {
        let d = measure(v, "D").unwrap();
        d["upper"].as_f64().unwrap() - d["lower"].as_f64().unwrap()
    };
    assert!(width(&narrow) < width(&wide));
}

#[test]
fn measures_that_cannot_be_computed_are_absent_never_nan() {
    let (_d, path) = temp_file(
        "zero.csv",
        b"subgroup,estimate,se,population\nA,0,1,100\nB,20,2,100\nC,30,3,100\n",
    );
    let out = run(&["disparity", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stdout.contains("NaN") && !out.stdout.contains("Infinity"));
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    for code in ["R", "MLD", "TI"] {
        assert!(
            measure(&v, code).is_none(),
            "{code} should be absent with a zero estimate"
        );
    }
    let table = run(&["disparity", path.to_str().unwrap()]);
    assert!(
        table.stdout.contains("the estimate of 'A' is 0"),
        "{}",
        table.stdout
    );

    let (_d2, two) = temp_file(
        "two.csv",
        b"subgroup,estimate,se,population\nA,10,1,100\nB,20,2,100\n",
    );
    let v = json(&["disparity", two.to_str().unwrap(), "--format", "json"]);
    let codes: Vec<&str> = v["measures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["measure"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["D", "R", "PAF", "PAR"]);
}

/// Each bad input gives exit code 2, nothing on stdout, and one line on stderr naming the
/// file, the line and the column where there is one.
#[test]
fn bad_input_is_reported_with_file_line_and_column() {
    // (file name, content, extra arguments, what the message must contain)
    type Case<'a> = (&'a str, &'a [u8], &'a [&'a str], &'a [&'a str]);
    let cases: &[Case] = &[
        (
            "missing.csv",
            b"subgroup,estimate,population\nA,1,2\n",
            &[],
            &["missing.csv:1", "missing column 'se'"],
        ),
        (
            "text.csv",
            b"subgroup,estimate,se,population\nA,10,1,100\nB,abc,1,100\n",
            &[],
            &["text.csv:3", "column 'estimate'", "'abc' is not a number"],
        ),
        (
            "negpop.csv",
            b"subgroup,estimate,se,population\nA,10,1,100\nB,20,1,-5\n",
            &[],
            &["negpop.csv:3", "column 'population'", "negative"],
        ),
        (
            "pct.csv",
            b"subgroup,estimate,se,population\nA,10,1,100\nB,120,1,100\n",
            &[],
            &["pct.csv:3", "column 'estimate'", "above 100"],
        ),
        (
            "ref.csv",
            b"subgroup,estimate,se,population\nA,10,1,100\nB,20,1,100\n",
            &["--reference", "Nobody"],
            &["--reference 'Nobody'", "ref.csv", "A, B"],
        ),
        (
            "dup.csv",
            b"subgroup,estimate,se,population\nA,10,1,100\nA,20,1,100\n",
            &[],
            &["dup.csv:3", "'A' already appears on line 2"],
        ),
        (
            "ragged.csv",
            b"subgroup,estimate,se,population\nA,10,1,100\nB,20,1\n",
            &[],
            &["ragged.csv:3", "3 fields but the header has 4"],
        ),
        (
            "empty.csv",
            b"subgroup,estimate,se,population\n",
            &[],
            &["empty.csv", "no data rows"],
        ),
        (
            "latin1.csv",
            b"subgroup,estimate,se,population\nA,10,1,100\nS\xe3o Paulo,20,1,100\n",
            &[],
            &["latin1.csv:3", "not UTF-8"],
        ),
        (
            "order.csv",
            b"subgroup,estimate,se,population,order\nA,10,1,100,1\nB,20,1,100,\n",
            &[],
            &["order.csv:3", "column 'order'"],
        ),
        (
            "events.csv",
            b"subgroup,events,denominator\nA,10,0\n",
            &[],
            &["events.csv:2", "column 'denominator'"],
        ),
        (
            "mixed.csv",
            b"subgroup,estimate,se,population,events\nA,10,1,100,3\n",
            &[],
            &["mixed.csv:1", "use one style"],
        ),
        (
            "conf.csv",
            b"subgroup,estimate,se,population\nA,10,1,100\nB,20,1,100\n",
            &["--confidence", "95"],
            &["--confidence", "between 0 and 1"],
        ),
        (
            "tworefs.csv",
            b"subgroup,estimate,se,population,reference\nA,10,1,100,1\nB,20,1,100,1\n",
            &[],
            &["tworefs.csv:3", "second reference"],
        ),
    ];
    for (name, content, extra, needles) in cases {
        let (_dir, path) = temp_file(name, content);
        let mut args = vec!["disparity", path.to_str().unwrap()];
        args.extend_from_slice(extra);
        let out = run(&args);
        assert_eq!(
            out.code, 2,
            "{name}: exit code {} (stderr: {})",
            out.code, out.stderr
        );
        assert!(out.stdout.is_empty(), "{name}: printed {}", out.stdout);
        assert_eq!(
            out.stderr.trim_end().lines().count(),
            1,
            "{name}: {}",
            out.stderr
        );
        assert!(out.stderr.starts_with("error: "), "{name}: {}", out.stderr);
        for needle in *needles {
            assert!(
                out.stderr.contains(needle),
                "{name}: '{needle}' not in: {}",
                out.stderr
            );
        }
    }
    let out = run(&["disparity", "does/not/exist.csv"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("does/not/exist.csv: cannot read"));
}

#[test]
fn help_teaches_the_input_format() {
    let out = run(&["disparity", "--help"]);
    assert_eq!(out.code, 0);
    for needle in [
        "estimate,se,population",
        "events,denominator",
        "1 = most disadvantaged",
        "--reference",
        "Examples:",
    ] {
        assert!(out.stdout.contains(needle), "help lacks {needle}");
    }
}
