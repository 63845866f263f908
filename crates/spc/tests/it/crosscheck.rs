//! The eleven chart types against PowerBI-SPC, an independent TypeScript implementation, at half
//! a unit of its printed precision, and against qicharts2 on the same inputs at 1e-9.

use crate::common::{cases, close};
use rise_spc::{Analysis, Chart, Settings, Subgroup, analyse};
use serde_json::Value;

/// Reads one line of a chart at a point.
type Line = fn(&rise_spc::Point) -> Option<f64>;

fn column(input: &Value, name: &str) -> Option<Vec<f64>> {
    input
        .get(name)
        .and_then(Value::as_array)
        .map(|v| v.iter().map(|x| x.as_f64().unwrap()).collect())
}

/// Builds the chart a case describes. PowerBI's x̄ and S inputs are subgroup summaries
/// (mean, SD and size), not raw observations, so those subgroups are made from the summaries.
fn chart(case: &Value) -> (Chart, Analysis) {
    let chart: Chart = case["chart"].as_str().unwrap().parse().unwrap();
    let input = &case["input"];
    let num = column(input, "numerators");
    let den = column(input, "denominators");
    let groups: Vec<Subgroup> = match chart {
        Chart::Xbar | Chart::S => {
            let sds = column(input, "xbar_sds")
                .or_else(|| column(input, "sds"))
                .unwrap();
            let sizes = den.unwrap();
            let means = num.unwrap_or_else(|| vec![f64::NAN; sds.len()]);
            sds.iter()
                .zip(&sizes)
                .zip(&means)
                .map(|((sd, n), m)| Subgroup {
                    y_sum: m * n,
                    y_length: *n as usize,
                    y_mean: *m,
                    y_sd: *sd,
                    n: f64::NAN,
                    y: *m,
                })
                .collect()
        }
        _ => match (num, den) {
            (Some(y), Some(n)) => y
                .iter()
                .zip(&n)
                .map(|(y, n)| Subgroup::ratio(*y, *n))
                .collect(),
            (Some(y), None) => y.iter().map(|y| Subgroup::value(*y)).collect(),
            _ => panic!("{}: no numerators", case["id"]),
        },
    };
    let mut s = Settings::new(chart);
    if let Some(g) = column(input, "groupings") {
        s.part = (1..g.len()).filter(|&i| g[i] != g[i - 1]).collect();
    }
    (chart, analyse(&groups, &s).unwrap())
}

#[test]
fn eleven_chart_types_agree_with_powerbi_spc() {
    let all = cases("spc_crosscheck_powerbi.json");
    assert_eq!(all.len(), 11);
    for case in &all {
        let id = case["id"].as_str().unwrap();
        let (_, ours) = chart(case);
        let decimals = case["precision_decimals"].as_i64().unwrap() as i32;
        let scale = case["output_scale"].as_f64().unwrap();
        let half_unit = 0.5 * 10f64.powi(-decimals) + 1e-12;
        let expected = &case["expected_powerbi"];
        let lines: [(&str, Line); 4] = [
            ("ul99", |p| p.ucl),
            ("ul95", |p| p.ucl_95),
            ("ll95", |p| p.lcl_95),
            ("ll99", |p| p.lcl),
        ];
        for (name, get) in lines {
            let ex = expected[name].as_array().unwrap();
            // PowerBI drops the undefined first moving range; align on the last points.
            let offset = ours.points.len() - ex.len();
            for (i, e) in ex.iter().enumerate() {
                let ours = get(&ours.points[i + offset]).map(|v| v * scale);
                match (ours, e.as_f64()) {
                    (Some(a), Some(b)) => assert!(
                        (a - b).abs() <= half_unit,
                        "{id}: {name}[{i}]: ours {a}, PowerBI-SPC {b}"
                    ),
                    (None, None) => {}
                    (a, b) => panic!("{id}: {name}[{i}]: ours {a:?}, PowerBI-SPC {b:?}"),
                }
            }
        }
    }
}

#[test]
fn the_same_inputs_agree_with_qicharts2() {
    for case in &cases("spc_crosscheck_powerbi.json") {
        let id = case["id"].as_str().unwrap();
        let (chart, ours) = chart(case);
        // qicharts2 computed x̄ and S from the raw ages, PowerBI (and so we) from rounded
        // summaries: only PowerBI's precision applies there.
        if matches!(chart, Chart::Xbar | Chart::S) {
            continue;
        }
        let expected = &case["expected_qicharts2"];
        // qicharts2 was called with `multiply` = PowerBI's output scale.
        let scale = case["output_scale"].as_f64().unwrap();
        let lines: [(&str, Line); 5] = [
            ("cl", |p| p.cl),
            ("lcl", |p| p.lcl),
            ("ucl", |p| p.ucl),
            ("lcl_95", |p| p.lcl_95),
            ("ucl_95", |p| p.ucl_95),
        ];
        for (name, get) in lines {
            for (i, e) in expected[name].as_array().unwrap().iter().enumerate() {
                let ours = get(&ours.points[i]).map(|v| v * scale);
                match (ours, e.as_f64()) {
                    (Some(a), Some(b)) => {
                        assert!(
                            close(a, b, 1e-9),
                            "{id}: {name}[{i}]: ours {a}, qicharts2 {b}"
                        )
                    }
                    (None, None) => {}
                    (a, b) => panic!("{id}: {name}[{i}]: ours {a:?}, qicharts2 {b:?}"),
                }
            }
        }
    }
}
