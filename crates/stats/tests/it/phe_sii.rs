//! PHEindicatormethods' SII / RII test data: point estimates to 1e-9, Monte-Carlo intervals
//! within the package's own relative tolerance of 0.05.

use crate::common::{assert_close, f, load_json, vec_f};
use rise_stats::phe_sii::{Options, ValueType, phe_sii};

#[test]
fn every_phe_sii_case_matches() {
    let data = load_json("phe_sii.json");
    let mut points = 0;
    let mut intervals = 0;
    for case in data["cases"].as_array().expect("cases") {
        let id = case["case_id"].as_str().expect("case id");
        let p = &case["params"];
        let value_type = match p["value_type"].as_i64() {
            Some(0) => ValueType::Other,
            Some(1) => ValueType::Rate,
            Some(2) => ValueType::Proportion,
            other => panic!("{id}: value type {other:?}"),
        };
        let i = &case["inputs"];
        let quantiles = vec_f(&i["quantile"]);
        assert!(
            quantiles.windows(2).all(|w| w[0] < w[1]),
            "{id}: quantiles in order"
        );
        let pop = vec_f(&i["population"]);
        let value = vec_f(&i["value"]);
        let lower = vec_f(&i["lower_cl95"]);
        let upper = vec_f(&i["upper_cl95"]);
        // PHE derives se from the 95 % limits when none is given; check that derivation
        // against the se the test data carries, then use it.
        let given = vec_f(&i["se_as_given"]);
        let se: Vec<f64> = lower
            .iter()
            .zip(&upper)
            .map(|(l, u)| value_type.se_from_limits(*l, *u))
            .collect();
        for (a, b) in se.iter().zip(&given) {
            assert_close(&format!("{id} se from limits"), *a, *b, 1e-4);
        }
        let opts = Options {
            value_type,
            transform: p["transform"].as_bool().unwrap_or(false),
            multiplier: f(&p["multiplier"]).unwrap(),
            confidence: vec_f(&p["confidence"]),
            repetitions: 10_000,
            seed: 20_240_101,
        };
        let got = phe_sii(&pop, &value, &given, &opts).unwrap();
        let exp = &case["expected_point"];
        assert_close(&format!("{id} sii"), got.sii, f(&exp["sii"]).unwrap(), 1e-9);
        assert_close(&format!("{id} rii"), got.rii, f(&exp["rii"]).unwrap(), 1e-9);
        points += 2;
        if let Some(int) = f(&exp["intercept"]) {
            assert_close(&format!("{id} intercept"), got.intercept, int, 1e-9);
            points += 1;
        }
        for ci in case["expected_mc_ci"].as_array().expect("mc ci") {
            let c = f(&ci["confidence"]).unwrap();
            let g = got
                .intervals
                .iter()
                .find(|x| (x.confidence - c).abs() < 1e-12)
                .expect("interval");
            for (what, got, key) in [
                ("sii lower", g.sii.0, "sii_lower"),
                ("sii upper", g.sii.1, "sii_upper"),
                ("rii lower", g.rii.0, "rii_lower"),
                ("rii upper", g.rii.1, "rii_upper"),
            ] {
                if let Some(want) = f(&ci[key]) {
                    assert_close(&format!("{id} {c} {what}"), got, want, 0.05);
                    intervals += 1;
                }
            }
        }
    }
    assert!(points >= 40, "only {points} point values compared");
    assert!(intervals >= 40, "only {intervals} interval values compared");
}

#[test]
fn too_few_quantiles_or_repetitions_are_refused() {
    let opts = Options {
        repetitions: 1000,
        ..Options::default()
    };
    assert!(phe_sii(&[1.0; 4], &[1.0; 4], &[0.1; 4], &opts).is_err());
    let few = Options {
        repetitions: 999,
        ..Options::default()
    };
    assert!(phe_sii(&[1.0; 5], &[1.0, 2.0, 3.0, 4.0, 5.0], &[0.1; 5], &few).is_err());
}
