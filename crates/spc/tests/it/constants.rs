//! c4, A3, B3 and B4 against our numerical integration, the published 4-decimal tables and
//! qicharts2's own functions (`tests/data/spc_constants.csv`).

use rise_spc::constants::{a3, b3, b4, c4};
use std::path::PathBuf;

#[test]
fn constants_equal_the_published_tables() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/spc_constants.csv");
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let mut rows = 0;
    for r in reader.records() {
        let r = r.unwrap();
        let v = |name: &str| r[col(name)].parse::<f64>().unwrap();
        let n = v("n");
        // The CSV prints ten significant digits.
        let near = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
        assert!(near(c4(n), v("qicharts2_c4")), "c4({n})");
        assert!(near(a3(n, 3.0), v("qicharts2_A3")), "A3({n})");
        assert!(near(b3(n, 3.0), v("qicharts2_B3")), "B3({n})");
        assert!(near(b4(n, 3.0), v("qicharts2_B4")), "B4({n})");
        assert!(
            (c4(n) - v("pub_c4_4dp")).abs() <= 0.5e-4,
            "published c4({n})"
        );
        assert!(
            (a3(n, 3.0) - v("pub_A3_4dp")).abs() <= 0.5e-4,
            "published A3({n})"
        );
        rows += 1;
    }
    assert_eq!(rows, 24);
}
