//! PHEindicatormethods' Wilson, Byar, proportion and rate test data (223 values).

use crate::common::{assert_close, data_path};
use rise_stats::{poisson, proportion};

#[derive(Debug, serde::Deserialize)]
struct Row {
    case_id: String,
    method: String,
    x: f64,
    n: Option<f64>,
    confidence: f64,
    multiplier: f64,
    expected_value: Option<f64>,
    expected_lower: Option<f64>,
    expected_upper: Option<f64>,
}

fn rows() -> Vec<Row> {
    let path = data_path("phe_wilson_byars_exact.csv");
    let mut r = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    r.deserialize()
        .map(|row| row.expect("valid reference row"))
        .collect()
}

const REL: f64 = 1e-9;

#[test]
fn every_per_group_reference_value_matches() {
    let rows = rows();
    assert!(
        rows.len() >= 70,
        "expected the full reference file, got {} rows",
        rows.len()
    );
    let mut checked = 0;
    for row in &rows {
        let id = &row.case_id;
        let (value, lower, upper): (Option<f64>, Option<f64>, Option<f64>) = match row
            .method
            .as_str()
        {
            "byars_count_ci" => {
                let (l, u) = poisson::byar_interval(row.x, row.confidence).unwrap();
                (None, l, Some(u))
            }
            "wilson_proportion_ci" => {
                let (l, u) =
                    proportion::wilson_interval(row.x, row.n.unwrap(), row.confidence).unwrap();
                (None, Some(l), Some(u))
            }
            "phe_proportion_wilson" => {
                let e =
                    proportion::proportion(row.x, row.n.unwrap(), row.confidence, row.multiplier)
                        .unwrap();
                (Some(e.value), e.lower, e.upper)
            }
            "phe_rate_exact" | "phe_rate_byars" | "phe_rate" => {
                let e =
                    poisson::rate(row.x, row.n.unwrap(), row.confidence, row.multiplier).unwrap();
                (Some(e.value), e.lower, e.upper)
            }
            other => panic!("{id}: unknown method {other} in the reference file"),
        };
        for (what, got, want) in [
            ("value", value, row.expected_value),
            ("lower", lower, row.expected_lower),
            ("upper", upper, row.expected_upper),
        ] {
            match (got, want) {
                (Some(g), Some(w)) => {
                    assert_close(&format!("{id} {what}"), g, w, REL);
                    checked += 1;
                }
                (None, Some(w)) if what != "value" => panic!("{id} {what}: got none, want {w}"),
                (Some(g), None) if what != "value" => {
                    panic!("{id} {what}: got {g}, the reference has NA")
                }
                _ => {}
            }
        }
    }
    assert!(checked >= 200, "only {checked} values were compared");
}
