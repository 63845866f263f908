//! qicharts2's own stored test references on Montgomery's textbook data (13 cases), matched at
//! 1e-9 relative, and the unscreened variants where the moving-range screening matters.

use crate::common::{assert_matches, cases, settings, subgroups};
use rise_spc::{Chart, analyse};

fn chart_of(call: &str) -> Chart {
    let at = call.find("chart = '").unwrap() + "chart = '".len();
    let name: String = call[at..].chars().take_while(|c| *c != '\'').collect();
    name.parse().unwrap()
}

#[test]
fn every_montgomery_case_matches_qicharts2() {
    let all = cases("spc_qicharts2_montgomery.json");
    assert_eq!(all.len(), 13);
    for case in &all {
        let id = case["id"].as_str().unwrap();
        let chart = chart_of(case["call"].as_str().unwrap());
        let has_n = case["input"].get("n").is_some();
        let (keys, groups) = subgroups(&case["input"], has_n);
        let mut s = settings(chart, &case["params"]);
        let ours = analyse(&groups, &s).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_matches(id, &keys, &ours, &case["expected"]);
        if let Some(unscreened) = case.get("expected_unscreened_mr") {
            s.screened_mr = false;
            let ours = analyse(&groups, &s).unwrap();
            assert_matches(&format!("{id} (unscreened)"), &keys, &ours, unscreened);
        }
    }
}

#[test]
fn the_comparison_can_fail() {
    // The same case with a wrong setting must not pass: guards against a vacuous comparison.
    let case = cases("spc_qicharts2_montgomery.json")
        .into_iter()
        .find(|c| c["id"] == "montgomery_ex6.5_i_freeze20")
        .unwrap();
    let (keys, groups) = subgroups(&case["input"], false);
    let mut s = settings(Chart::I, &case["params"]);
    s.freeze = Some(19);
    let ours = analyse(&groups, &s).unwrap();
    let caught = std::panic::catch_unwind(|| {
        assert_matches("wrong freeze", &keys, &ours, &case["expected"]);
    });
    assert!(caught.is_err());
}
