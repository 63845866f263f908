//! PHEindicatormethods' mean with Student-t interval.

use crate::common::{assert_close, f, load_json, vec_f};
use rise_stats::mean::mean_t;

#[test]
fn means_match() {
    let data = load_json("phe_mean.json");
    let inputs = &data["inputs"];
    let mut checked = 0;
    for e in data["expected"].as_array().expect("expected") {
        let area = e["area"].as_str().expect("area");
        let values: Vec<f64> = if area == "No grouping" {
            inputs
                .as_object()
                .expect("inputs")
                .values()
                .flat_map(vec_f)
                .collect()
        } else {
            vec_f(&inputs[area])
        };
        for (conf, lo, hi) in [
            (0.95, "lower95", "upper95"),
            (0.998, "lower99_8", "upper99_8"),
        ] {
            let m = mean_t(&values, conf).unwrap();
            assert_eq!(m.count as f64, f(&e["value_count"]).unwrap());
            assert_close(
                &format!("{area} sum"),
                m.sum,
                f(&e["value_sum"]).unwrap(),
                1e-9,
            );
            assert_close(&format!("{area} sd"), m.sd, f(&e["stdev"]).unwrap(), 1e-9);
            assert_close(
                &format!("{area} mean"),
                m.mean.value,
                f(&e["value"]).unwrap(),
                1e-9,
            );
            assert_close(
                &format!("{area} {lo}"),
                m.mean.lower.unwrap(),
                f(&e[lo]).unwrap(),
                1e-9,
            );
            assert_close(
                &format!("{area} {hi}"),
                m.mean.upper.unwrap(),
                f(&e[hi]).unwrap(),
                1e-9,
            );
            checked += 1;
        }
    }
    assert!(checked >= 6);
}
