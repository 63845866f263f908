//! The runs analysis: qicharts2's edge cases under all three methods, and the critical values
//! against the table published in the qicharts2 vignette (Appendix 2) and R's qbinom.

use crate::common::{assert_parts, cases, settings, whole};
use rise_spc::runs::{longest_run_max, n_crossings_min};
use rise_spc::{Chart, RunsMethod, Subgroup, analyse};
use serde_json::Value;
use std::path::PathBuf;

#[test]
fn every_runs_case_matches_qicharts2() {
    let all = cases("spc_runs_cases.json");
    assert_eq!(all.len(), 12);
    for case in &all {
        let id = case["id"].as_str().unwrap();
        let groups: Vec<Subgroup> = case["input"]["y"]
            .as_array()
            .unwrap()
            .iter()
            .map(|y| Subgroup::of([(y.as_f64(), None)], false))
            .collect();
        let expected = &case["expected"];
        for method in [RunsMethod::Anhoej, RunsMethod::BestBox, RunsMethod::CutBox] {
            let mut s = settings(Chart::Run, &case["params"]);
            s.method = method;
            let ours = analyse(&groups, &s).unwrap();
            if method == RunsMethod::Anhoej {
                assert_parts(id, &ours, &expected["parts"]);
                for (i, p) in ours.points.iter().enumerate() {
                    assert_eq!(Some(p.cl.unwrap()), expected["cl"][i].as_f64(), "{id}: cl");
                    assert_eq!(
                        Some(p.part as u64),
                        whole(&expected["part"][i]),
                        "{id}: part"
                    );
                    assert_eq!(Some(p.include), expected["include"][i].as_bool(), "{id}");
                }
            }
            let want = expected["runs_signal_by_method"][method.name()].as_bool();
            assert_eq!(
                Some(ours.parts.iter().any(|p| p.runs_signal)),
                want,
                "{id}: signal under {method}"
            );
        }
    }
}

fn table(file: &str) -> Vec<csv::StringRecord> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(file);
    let mut reader = csv::Reader::from_path(path).unwrap();
    reader.records().map(Result::unwrap).collect()
}

#[test]
fn critical_values_equal_the_published_table() {
    let rows = table("spc_runs_critical_values.csv");
    assert_eq!(rows.len(), 91);
    for r in &rows {
        let n: usize = r[0].parse().unwrap();
        // Columns 3 and 4 are the vignette's published Appendix 2.
        assert_eq!(
            longest_run_max(n),
            r[3].parse::<usize>().unwrap(),
            "n = {n}"
        );
        assert_eq!(
            n_crossings_min(n),
            r[4].parse::<usize>().unwrap(),
            "n = {n}"
        );
    }
}

#[test]
fn critical_values_equal_r_outside_the_table() {
    let rows = table("spc_runs_critical_values_extended.csv");
    assert!(rows.len() > 100);
    for r in &rows {
        let n: usize = r[0].parse().unwrap();
        assert_eq!(
            longest_run_max(n),
            r[1].parse::<usize>().unwrap(),
            "n = {n}"
        );
        assert_eq!(
            n_crossings_min(n),
            r[2].parse::<usize>().unwrap(),
            "n = {n}"
        );
    }
}

#[test]
fn best_and_cut_box_follow_their_bounds() {
    // For every n in the table, a series whose runs sit just inside and just outside the best
    // box: C = cb with L = lb is no signal, C = cb − 1 is a signal (Anhøj & Wentzel-Larsen 2020).
    for r in &table("spc_runs_critical_values.csv") {
        let n: usize = r[0].parse().unwrap();
        let cb: usize = r[5].parse().unwrap();
        let lb: usize = r[6].parse().unwrap();
        let Some(inside) = series(n, cb, lb) else {
            continue;
        };
        assert!(!signal(&inside, RunsMethod::BestBox), "n = {n} inside");
        if cb > 0
            && let Some(outside) = series(n, cb - 1, lb)
        {
            assert!(
                signal(&outside, RunsMethod::BestBox),
                "n = {n} few crossings"
            );
        }
    }
}

/// n useful points around 0 with exactly `crossings` crossings and longest run `longest`, if
/// such a series exists.
fn series(n: usize, crossings: usize, longest: usize) -> Option<Vec<f64>> {
    let runs = crossings + 1;
    if runs > n || longest * runs < n || longest > n - (runs - 1) {
        return None;
    }
    let mut lengths = vec![1usize; runs];
    lengths[0] = longest;
    let mut left = n - longest - (runs - 1);
    for l in lengths.iter_mut().skip(1) {
        let add = left.min(longest - 1);
        *l += add;
        left -= add;
    }
    if left > 0 {
        return None;
    }
    let mut y = Vec::with_capacity(n);
    for (i, l) in lengths.iter().enumerate() {
        let side = if i % 2 == 0 { 1.0 } else { -1.0 };
        y.extend(std::iter::repeat_n(side, *l));
    }
    Some(y)
}

fn signal(y: &[f64], method: RunsMethod) -> bool {
    let groups: Vec<Subgroup> = y.iter().map(|v| Subgroup::value(*v)).collect();
    let mut s = rise_spc::Settings::new(Chart::Run);
    s.cl = Some(0.0);
    s.method = method;
    analyse(&groups, &s).unwrap().parts[0].runs_signal
}

#[test]
fn runs_case_json_is_complete() {
    // Every case names its expected signal under each method.
    for case in cases("spc_runs_cases.json") {
        let by = &case["expected"]["runs_signal_by_method"];
        assert!(matches!(by, Value::Object(m) if m.len() == 3));
    }
}
