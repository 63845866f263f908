//! Invariants that hold for any data: the centre line lies inside the limits, proportions stay
//! in [0, 1], `multiply` only rescales, and a point's signal agrees with its limits.

use proptest::prelude::*;
use rise_spc::{Chart, Settings, Subgroup, analyse};

fn ratios() -> impl Strategy<Value = Vec<(u32, u32)>> {
    prop::collection::vec((1u32..500).prop_flat_map(|n| (0..=n, Just(n))), 3..60)
}

proptest! {
    #[test]
    fn p_limits_bracket_the_centre_and_stay_in_the_unit_interval(rows in ratios()) {
        let groups: Vec<Subgroup> =
            rows.iter().map(|(y, n)| Subgroup::ratio(f64::from(*y), f64::from(*n))).collect();
        for chart in [Chart::P, Chart::Pp] {
            let a = analyse(&groups, &Settings::new(chart)).unwrap();
            for p in &a.points {
                let (cl, y) = (p.cl.unwrap(), p.y.unwrap());
                prop_assert!((0.0..=1.0).contains(&cl));
                if let (Some(l), Some(u)) = (p.lcl, p.ucl) {
                    prop_assert!(0.0 <= l && l <= cl + 1e-12 && cl <= u + 1e-12 && u <= 1.0);
                    prop_assert_eq!(p.sigma_signal, y < l || y > u);
                    prop_assert!(p.lcl_95.unwrap() >= l - 1e-12 && p.ucl_95.unwrap() <= u + 1e-12);
                }
            }
        }
    }

    #[test]
    fn multiply_only_rescales(rows in ratios(), k in 1.0f64..10_000.0) {
        let groups: Vec<Subgroup> =
            rows.iter().map(|(y, n)| Subgroup::ratio(f64::from(*y), f64::from(*n))).collect();
        let mut s = Settings::new(Chart::U);
        let plain = analyse(&groups, &s).unwrap();
        s.multiply = k;
        let scaled = analyse(&groups, &s).unwrap();
        prop_assert_eq!(&plain.parts, &scaled.parts);
        for (a, b) in plain.points.iter().zip(&scaled.points) {
            let (ya, yb) = (a.y.unwrap(), b.y.unwrap());
            prop_assert!((ya * k - yb).abs() <= 1e-9 * yb.abs().max(1.0));
            prop_assert_eq!(a.runs_signal, b.runs_signal);
        }
    }

    #[test]
    fn a_run_chart_centre_splits_the_points(values in prop::collection::vec(-1e6f64..1e6, 1..80)) {
        let groups: Vec<Subgroup> = values.iter().map(|v| Subgroup::value(*v)).collect();
        let a = analyse(&groups, &Settings::new(Chart::Run)).unwrap();
        let cl = a.points[0].cl.unwrap();
        let above = values.iter().filter(|v| **v > cl).count();
        let below = values.iter().filter(|v| **v < cl).count();
        prop_assert_eq!(above, below);
        prop_assert_eq!(a.parts[0].n_useful, above + below);
    }
}
