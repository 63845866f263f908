//! The difference and ratio of two proportions against statsmodels
//! (`tests/data/two_group_statsmodels.json`, made by `derive_two_group.py`).

use crate::common::{assert_close, f, load_json};
use rise_stats::comparison::{difference, ratio};

#[test]
fn differences_and_ratios_match_statsmodels() {
    let data = load_json("two_group_statsmodels.json");
    let cases = data["cases"].as_array().unwrap();
    assert!(cases.len() >= 28, "expected the whole file");
    let mut ratios = 0;
    for c in cases {
        let n = |k: &str| f(&c[k]).unwrap();
        let (x1, n1, x2, n2, conf) = (n("x1"), n("n1"), n("x2"), n("n2"), n("confidence"));
        let what = format!("{x1}/{n1} vs {x2}/{n2} at {conf}");
        let d = difference(x1, n1, x2, n2, conf).unwrap();
        // Near zero a relative tolerance is meaningless; 1e-12 absolute is full precision.
        let close = |what: &str, got: f64, want: f64| {
            if want.abs() < 1e-9 {
                assert!((got - want).abs() < 1e-12, "{what}: {got} vs {want}");
            } else {
                assert_close(what, got, want, 1e-9);
            }
        };
        close(&format!("{what} D"), d.value, n("difference"));
        close(
            &format!("{what} D lower"),
            d.lower.unwrap(),
            n("difference_lower"),
        );
        close(
            &format!("{what} D upper"),
            d.upper.unwrap(),
            n("difference_upper"),
        );
        match (ratio(x1, n1, x2, n2, conf).unwrap(), f(&c["ratio"])) {
            (Some(r), Some(want)) => {
                ratios += 1;
                close(&format!("{what} R"), r.value, want);
                close(
                    &format!("{what} R lower"),
                    r.lower.unwrap(),
                    n("ratio_lower"),
                );
                close(
                    &format!("{what} R upper"),
                    r.upper.unwrap(),
                    n("ratio_upper"),
                );
            }
            (None, None) => {}
            (got, want) => panic!("{what}: ratio {got:?}, statsmodels {want:?}"),
        }
    }
    // Nine of the fourteen cases have events in both groups, at two confidence levels.
    assert_eq!(ratios, 18);
}
