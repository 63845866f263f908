//! PHEindicatormethods' DSR (Dobson) and ISR test data.

use crate::common::{assert_close, f, load_json, vec_f};
use rise_stats::standardise::{ESP2013, Indirect, dsr};
use serde_json::Value;

const REL: f64 = 1e-9;

fn counts(v: &Value) -> Vec<Option<f64>> {
    v.as_array()
        .expect("counts")
        .iter()
        .map(Value::as_f64)
        .collect()
}

#[test]
fn esp2013_is_the_published_standard() {
    let data = load_json("phe_dsr_isr.json");
    assert_eq!(vec_f(&data["inputs"]["esp2013"]), ESP2013.to_vec());
}

#[test]
fn directly_standardised_rates_match() {
    let data = load_json("phe_dsr_isr.json");
    let areas = &data["inputs"]["areas"];
    let mut checked = 0;
    for case in data["dsr_cases"].as_array().expect("dsr cases") {
        let area = case["area"].as_str().expect("area");
        let exp = &case["expected"];
        let (input, standard) = if area == "testdata_1976" {
            let a = &data["inputs"]["testdata_1976"];
            (a, vec_f(&a["esp1976"]))
        } else {
            (&areas[area], ESP2013.to_vec())
        };
        let x = counts(&input["count"]);
        let n = vec_f(&input["pop"]);
        let mult = f(&case["multiplier"]).unwrap_or(100_000.0);
        for (conf, lo_key, hi_key) in [
            (0.95, "lower95", "upper95"),
            (0.998, "lower99_8", "upper99_8"),
        ] {
            let got = dsr(&x, &n, &standard, conf, mult).unwrap();
            assert_close(
                &format!("{area} total count"),
                got.total_count,
                f(&exp["total_count"]).unwrap(),
                0.0,
            );
            assert_close(
                &format!("{area} total pop"),
                got.total_population,
                f(&exp["total_pop"]).unwrap(),
                0.0,
            );
            match (got.rate, f(&exp["value"])) {
                (Some(r), Some(v)) => {
                    assert_close(&format!("{area} dsr"), r.value, v, REL);
                    checked += 1;
                    if let Some(lo) = f(&exp[lo_key]) {
                        assert_close(&format!("{area} {lo_key}"), r.lower.unwrap(), lo, REL);
                        checked += 1;
                    }
                    if let Some(hi) = f(&exp[hi_key]) {
                        assert_close(&format!("{area} {hi_key}"), r.upper.unwrap(), hi, REL);
                        checked += 1;
                    }
                }
                (None, None) => checked += 1,
                (got, want) => panic!("{area}: got {got:?}, want {want:?}"),
            }
        }
    }
    assert!(checked >= 30, "only {checked} DSR values compared");
}

#[test]
fn esp1976_99_8_limits_match_the_independent_recomputation() {
    // The spreadsheet's 99.8 % limits for this row are 10× too large; the reference README
    // gives the corrected values per 100 000.
    let data = load_json("phe_dsr_isr.json");
    let a = &data["inputs"]["testdata_1976"];
    let got = dsr(
        &counts(&a["count"]),
        &vec_f(&a["pop"]),
        &vec_f(&a["esp1976"]),
        0.998,
        100_000.0,
    )
    .unwrap();
    let r = got.rate.unwrap();
    assert_close("1976 lower 99.8", r.lower.unwrap(), 7659.282106568956, REL);
    assert_close("1976 upper 99.8", r.upper.unwrap(), 9599.2117985717, REL);
}

#[test]
fn indirectly_standardised_ratios_and_rates_match() {
    let data = load_json("phe_dsr_isr.json");
    let areas = &data["inputs"]["areas"];
    let reference = &data["inputs"]["isr_reference"];
    let refx = vec_f(&reference["refcount"]);
    let refn = vec_f(&reference["refpop"]);
    let mut checked = 0;
    for case in data["isr_cases"].as_array().expect("isr cases") {
        let area = case["area"].as_str().expect("area");
        let stat = case["statistic"].as_str().expect("statistic");
        let exp = &case["expected"];
        let input = &areas[area];
        let observed: f64 = counts(&input["count"])
            .iter()
            .map(|c| c.unwrap_or(0.0))
            .sum();
        let isr = Indirect::new(observed, &vec_f(&input["pop"]), &refx, &refn).unwrap();
        assert_close(
            &format!("{area} observed"),
            isr.observed,
            f(&exp["observed"]).unwrap(),
            0.0,
        );
        assert_close(
            &format!("{area} expected"),
            isr.expected,
            f(&exp["expected"]).unwrap(),
            REL,
        );
        assert_eq!(isr.exact, case["method"] == "Exact", "{area}: method");
        let mult: f64 = stat
            .rsplit(' ')
            .next()
            .and_then(|m| m.parse().ok())
            .expect("multiplier in statistic");
        let is_rate = stat.contains("rate");
        if is_rate {
            assert_close(
                &format!("{area} ref rate"),
                isr.reference_rate * mult,
                f(&exp["ref_rate"]).unwrap(),
                REL,
            );
        }
        for (conf, lo_key, hi_key) in [
            (0.95, "lower95", "upper95"),
            (0.998, "lower99_8", "upper99_8"),
        ] {
            let e = if is_rate {
                isr.rate(conf, mult)
            } else {
                isr.ratio(conf, mult)
            }
            .unwrap();
            assert_close(
                &format!("{area} {stat}"),
                e.value,
                f(&exp["value"]).unwrap(),
                REL,
            );
            assert_close(
                &format!("{area} {stat} {lo_key}"),
                e.lower.unwrap(),
                f(&exp[lo_key]).unwrap(),
                REL,
            );
            assert_close(
                &format!("{area} {stat} {hi_key}"),
                e.upper.unwrap(),
                f(&exp[hi_key]).unwrap(),
                REL,
            );
            checked += 3;
        }
    }
    assert!(checked >= 60, "only {checked} ISR values compared");
}
