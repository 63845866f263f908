//! `rise spc` through the binary: the JSON contract against qicharts2's numbers, facets, the
//! other formats, and bad input.

use crate::support::{check, repo_root, run, temp_file};
use serde_json::Value;

fn json(args: &[&str]) -> Value {
    let out = run(args);
    assert_eq!(out.code, 0, "rise {args:?} failed: {}", out.stderr);
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", out.stdout))
}

fn qicharts2_p() -> Value {
    let path = repo_root().join("crates/spc/tests/data/spc_crosscheck_powerbi.json");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "powerbi_spc_p")
        .unwrap()
        .clone()
}

#[test]
fn json_contract_matches_qicharts2() {
    let v = json(&[
        "spc",
        "examples/spc_cabg_readmissions.csv",
        "--chart",
        "p",
        "--multiply",
        "100",
        "--format",
        "json",
    ]);
    assert_eq!(v["chart"], "p");
    let case = qicharts2_p();
    let ex = &case["expected_qicharts2"];
    let points = v["points"].as_array().unwrap();
    assert_eq!(points.len(), 36);
    let keys: Vec<&str> = [
        "facet",
        "x",
        "y",
        "n",
        "part",
        "baseline",
        "include",
        "cl",
        "lcl",
        "ucl",
        "sigma_signal",
        "runs_signal",
    ]
    .into();
    for (i, p) in points.iter().enumerate() {
        let obj = p.as_object().unwrap();
        assert_eq!(obj.len(), keys.len(), "point fields: {obj:?}");
        for k in &keys {
            assert!(obj.contains_key(*k), "point lacks {k}");
        }
        assert!(p["facet"].is_null());
        assert_eq!(p["x"], case["input"]["keys"][i]);
        assert_eq!(p["n"], case["input"]["denominators"][i]);
        for (ours, theirs) in [("cl", "cl"), ("lcl", "lcl"), ("ucl", "ucl")] {
            let (a, b) = (p[ours].as_f64().unwrap(), ex[theirs][i].as_f64().unwrap());
            assert!((a - b).abs() <= 1e-9 * b.abs(), "{ours}[{i}]: {a} vs {b}");
        }
        let y = case["input"]["numerators"][i].as_f64().unwrap()
            / case["input"]["denominators"][i].as_f64().unwrap()
            * 100.0;
        assert!((p["y"].as_f64().unwrap() - y).abs() < 1e-9);
    }
    let part = &v["parts"][0];
    assert_eq!(part["n_obs"], 36);
    assert_eq!(part["longest_run_max"], 8);
    assert_eq!(part["n_crossings_min"], 13);
    assert_eq!(part["runs_signal"], false);
}

#[test]
fn facets_keep_first_appearance_and_each_get_a_chart() {
    let mut csv = String::from("Period,Y,N,Race\n");
    for m in 1..=12 {
        // Facet "B" appears first; its months come in reverse order.
        csv.push_str(&format!("2024-{:02},{},100,B\n", 13 - m, 10 + m % 3));
        csv.push_str(&format!("2024-{m:02},{},100,A\n", 30 + m));
    }
    let csv = csv.replace("Period", "X");
    let (_dir, path) = temp_file("faceted.csv", csv.as_bytes());
    let v = json(&[
        "spc",
        path.to_str().unwrap(),
        "--chart",
        "p",
        "--facet",
        "race",
        "--freeze",
        "6",
        "--format",
        "json",
    ]);
    let points = v["points"].as_array().unwrap();
    assert_eq!(points.len(), 24);
    assert_eq!(points[0]["facet"], "B");
    assert_eq!(points[0]["x"], "2024-01");
    assert_eq!(points[11]["x"], "2024-12");
    assert_eq!(points[12]["facet"], "A");
    // A rises steadily after its baseline: a runs signal against the frozen centre line.
    let parts = v["parts"].as_array().unwrap();
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[1]["facet"], "A");
    assert_eq!(parts[1]["runs_signal"], true);
    assert!(points[12..].iter().all(|p| p["cl"] == points[12]["cl"]));
    assert_eq!(points[17]["baseline"], true);
    assert_eq!(points[18]["baseline"], false);
}

#[test]
fn csv_and_table_formats() {
    let out = run(&[
        "spc",
        "examples/spc_cabg_readmissions.csv",
        "--chart",
        "p",
        "--format",
        "csv",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let mut lines = out.stdout.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("facet,x,y,n,part,baseline")
    );
    assert_eq!(lines.count(), 36);
    let out = run(&["spc", "examples/spc_cabg_readmissions.csv", "--chart", "p"]);
    assert_eq!(out.code, 0);
    assert!(
        out.stdout
            .contains("longest run 5 (limit 8), crossings 19 (at least 13)")
    );
}

#[test]
fn svg_draws_one_chart_per_facet() {
    let out = run(&[
        "spc",
        "examples/spc_cabg_readmissions.csv",
        "--chart",
        "p",
        "--freeze",
        "18",
        "--format",
        "svg",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let svg = out.stdout.trim_end();
    assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    assert!(svg.contains("baseline ends"));
    assert_eq!(
        svg.matches("<circle").count(),
        36 + 1,
        "36 points and the legend's dot"
    );
}

#[test]
fn bad_input_names_file_line_and_column() {
    let cases: [(&str, &[&str], &str); 7] = [
        (
            "x,y,n\n1,3,10\n2,12,10\n",
            &["--chart", "p"],
            ":3: column y: 12 is more than its denominator",
        ),
        (
            "x,y,n\n1,3,10\n2,1,0\n",
            &["--chart", "p"],
            ":3: column n: the denominator must be greater than zero",
        ),
        (
            "x,y\n2024-01-01,3\n2024-13-45,4\n",
            &["--chart", "i"],
            ":3: column x: \"2024-13-45\" is not a number or a date",
        ),
        (
            "x,y\n1,3\n1,4\n2,5\n",
            &["--chart", "i"],
            ":3: column x: 1 appears again (first on line 2)",
        ),
        (
            "x,y\n1,3\n2,4\n3,5\n",
            &["--chart", "i", "--part", "5"],
            "part 5 is beyond the data, which has 3 points",
        ),
        (
            "x,y\n1,3\n2,abc\n",
            &["--chart", "c"],
            ":3: column y: \"abc\" is not a number",
        ),
        ("x,count\n1,3\n", &["--chart", "c"], ":1: no column y"),
    ];
    for (content, args, want) in cases {
        let (_dir, path) = temp_file("bad.csv", content.as_bytes());
        let mut all = vec!["spc", path.to_str().unwrap()];
        all.extend_from_slice(args);
        let out = run(&all);
        assert_eq!(out.code, 2, "{content:?}: {}", out.stderr);
        assert!(out.stderr.contains("bad.csv"), "{}", out.stderr);
        assert!(
            out.stderr.contains(want),
            "{content:?}: wanted {want:?}, got {}",
            out.stderr
        );
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
        assert!(out.stdout.is_empty());
    }
}

/// An aggregates.csv as `rise analyze --by quarter` writes it: a whole-period row (which the
/// equity view leaves out), four quarters, and one suppressed cell.
const QUARTERS: &str = "measure,dimension,subgroup,period,numerator,denominator,suppressed
flu,race,Black,2024-01-01..2024-12-31,200,300,false
flu,race,White,2024-01-01..2024-12-31,250,380,false
flu,race,Black,2024-Q1,56,70,false
flu,race,White,2024-Q1,48,80,false
flu,race,Black,2024-Q2,,,true
flu,race,White,2024-Q2,60,100,false
flu,race,Black,2024-Q3,40,60,false
flu,race,White,2024-Q3,70,100,false
flu,race,Black,2024-Q4,45,70,false
flu,race,White,2024-Q4,72,100,false
";

fn equity(extra: &[&str]) -> (tempfile::TempDir, Vec<String>) {
    equity_of("flu", extra)
}

fn equity_of(measure: &str, extra: &[&str]) -> (tempfile::TempDir, Vec<String>) {
    let (dir, path) = temp_file("aggregates.csv", QUARTERS.as_bytes());
    let mut args: Vec<String> = [
        "spc",
        "--aggregates",
        path.to_str().unwrap(),
        "--measure",
        measure,
        "--dimension",
        "race",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    (dir, args)
}

#[test]
fn equity_view_json_charts_each_group_and_the_gap() {
    let (_dir, args) = equity(&[
        "--group",
        "Black",
        "--reference",
        "White",
        "--format",
        "json",
    ]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let v = json(&args);
    assert_eq!(v["periods"].as_array().unwrap().len(), 4, "{v}");
    assert_eq!(v["periods"][0], "2024-Q1");
    assert_eq!(v["suppressed_cells"], 1);
    let black = v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == "Black")
        .unwrap();
    let q2 = &black["points"][1];
    assert_eq!(q2["suppressed"], true);
    assert!(q2["y"].is_null() && q2["numerator"].is_null(), "{q2}");
    // p-chart of the shown quarters: centre line is the pooled rate 141/200.
    check(&black["points"][0]["cl"], "cl", 141.0 / 200.0, 1e-9);
    // The first quarter is Newcombe (1998) Table II example (a): 56/70 − 48/80.
    let gap = &v["gap"]["points"][0];
    check(&gap["gap"], "gap", 0.2, 1e-9);
    check(&gap["lower"], "lower", 0.0524, 1e-3);
    check(&gap["upper"], "upper", 0.3339, 1e-3);
    assert!(
        v["gap"]["points"][1]["gap"].is_null(),
        "a suppressed quarter has no gap"
    );
}

#[test]
fn equity_view_png_and_svg() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("flu.png");
    let (_d, args) = equity(&[
        "--group",
        "Black",
        "--reference",
        "White",
        "--format",
        "png",
        "--out",
        png.to_str().unwrap(),
    ]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");

    let (_d, args) = equity(&["--format", "svg"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("Black") && out.stdout.contains("White"));
    assert!(
        out.stdout.contains("suppressed"),
        "the hidden quarter is labelled"
    );
}

#[test]
fn equity_view_errors_are_clear() {
    let cases: [(&str, &[&str], &str); 3] = [
        ("nope", &[], "nope"),
        (
            "flu",
            &["--group", "Martian", "--reference", "White"],
            "Martian",
        ),
        ("flu", &["--chart", "i"], "p-charts"),
    ];
    for (measure, extra, want) in cases {
        let (_d, args) = equity_of(measure, extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(&args);
        assert_eq!(out.code, 2, "{extra:?}: {}", out.stderr);
        assert!(out.stderr.contains(want), "{extra:?}: {}", out.stderr);
        assert!(out.stdout.is_empty());
    }
}
