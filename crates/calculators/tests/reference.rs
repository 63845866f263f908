//! Every row of the reference vectors in `tests/reference/` (copied from
//! `shared/reference/algorithms/`, sources in each row) as a test. Rows are checked the way
//! their source displays them: rounded to the source's precision, then within its tolerance.

#![allow(clippy::unwrap_used)]

use rise_calculators::optn::{self, Reading};
use rise_calculators::pce::{self, PceInputs};
use rise_calculators::prevent::{self, Horizon, PreventInputs};
use rise_calculators::vbac::{self, History, VbacInputs, Version};
use rise_calculators::{CreatinineUnit, Equation, Kidney, Race, Sex, egfr};
use std::collections::HashMap;

type Row = HashMap<String, String>;

fn rows(file: &str) -> Vec<Row> {
    let path = format!("{}/tests/reference/{file}", env!("CARGO_MANIFEST_DIR"));
    let mut r = csv::Reader::from_path(&path).unwrap();
    let header = r.headers().unwrap().clone();
    let rows: Vec<Row> = r
        .records()
        .map(|rec| {
            let rec = rec.unwrap();
            header
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect();
    assert!(!rows.is_empty(), "{file} has no rows");
    rows
}

fn num(row: &Row, col: &str) -> f64 {
    row[col]
        .parse()
        .unwrap_or_else(|_| panic!("{}: {col} = {:?}", row.values().next().unwrap(), row[col]))
}

fn opt(row: &Row, col: &str) -> Option<f64> {
    row.get(col)
        .filter(|v| !v.is_empty())
        .map(|v| v.parse().unwrap())
}

fn flag(row: &Row, col: &str) -> bool {
    matches!(row.get(col).map(String::as_str), Some("1"))
}

fn sex(text: &str) -> Sex {
    match text {
        "F" | "female" => Sex::Female,
        "M" | "male" => Sex::Male,
        s => panic!("sex {s}"),
    }
}

fn equation(name: &str) -> Equation {
    match name {
        "mdrd4_186_nonidms" | "mdrd_186" => Equation::Mdrd186,
        "mdrd4_175_idms" | "mdrd4_175" | "mdrd_175" => Equation::Mdrd175,
        other => Equation::from_key(&other.replace('_', "-"))
            .unwrap_or_else(|| panic!("equation {other}")),
    }
}

/// `value` as the source displays it, compared with `expected` within `tol`.
fn agrees(value: f64, expected: f64, tol: f64, comparison: &str) -> bool {
    let shown = match comparison {
        "round0" => value.round(),
        "round1" => (value * 10.0).round() / 10.0,
        "round2" => (value * 100.0).round() / 100.0,
        _ => value,
    };
    (shown - expected).abs() <= tol + 1e-9
}

#[test]
fn egfr_rows() {
    for row in rows("algorithms_egfr.csv") {
        let id = &row["id"];
        let unit = match row["scr_unit"].as_str() {
            "" => CreatinineUnit::MgDl,
            u => CreatinineUnit::parse(u).unwrap(),
        };
        let creatinine =
            opt(&row, "scr").map(|v| rise_calculators::egfr::creatinine_mg_dl(v, unit).unwrap());
        let k = Kidney {
            creatinine,
            cystatin: opt(&row, "cys_mg_l"),
            age: num(&row, "age_years"),
            sex: sex(&row["sex"]),
            race: Some(if flag(&row, "race_black") {
                Race::Black
            } else {
                Race::Other
            }),
        };
        let got = egfr::egfr(equation(&row["equation"]), &k).unwrap();
        let (want, tol) = (num(&row, "expected_egfr"), num(&row, "tolerance_abs"));
        assert!(
            agrees(got, want, tol, &row["comparison"]),
            "{id}: {got} vs {want} ± {tol}"
        );
    }
}

#[test]
fn pce_rows() {
    for row in rows("algorithms_pce.csv") {
        let p = PceInputs {
            age: num(&row, "age_years"),
            sex: sex(&row["sex"]),
            race: if row["race"] == "black" {
                Race::Black
            } else {
                Race::Other
            },
            total_cholesterol: num(&row, "total_chol_mg_dl"),
            hdl: num(&row, "hdl_mg_dl"),
            sbp: num(&row, "sbp_mmhg"),
            bp_treated: flag(&row, "bp_treated"),
            smoker: flag(&row, "smoker"),
            diabetes: flag(&row, "diabetes"),
        };
        let got = pce::risk_10y_pct(&p).unwrap();
        let (want, tol) = (
            num(&row, "expected_risk_pct"),
            num(&row, "tolerance_pct_points"),
        );
        assert!(
            (got - want).abs() <= tol,
            "{}: {got} vs {want} ± {tol}",
            row["id"]
        );
    }
}

fn prevent_inputs(row: &Row) -> PreventInputs {
    PreventInputs {
        age: num(row, "age_years"),
        sex: sex(&row["sex"]),
        total_cholesterol: num(row, "total_chol_mg_dl"),
        hdl: num(row, "hdl_mg_dl"),
        sbp: num(row, "sbp_mmhg"),
        bmi: num(row, "bmi"),
        egfr: num(row, "egfr"),
        bp_treated: flag(row, "bp_treated"),
        statin: flag(row, "statin"),
        smoker: flag(row, "smoker"),
        diabetes: flag(row, "diabetes"),
    }
}

#[test]
fn prevent_rows() {
    for row in rows("algorithms_prevent.csv") {
        let horizon = match row["horizon_years"].as_str() {
            "10" => Horizon::TenYears,
            "30" => Horizon::ThirtyYears,
            h => panic!("horizon {h}"),
        };
        let got = prevent::risk(&prevent_inputs(&row), horizon).unwrap();
        let tol = num(&row, "tolerance_pct_points");
        let mut checked = 0;
        for (col, value) in [
            ("expected_total_cvd_pct", got.total_cvd_pct),
            ("expected_ascvd_pct", got.ascvd_pct),
            ("expected_hf_pct", got.hf_pct),
        ] {
            if let Some(want) = opt(&row, col) {
                assert!(
                    (value - want).abs() <= tol,
                    "{} {col}: {value} vs {want}",
                    row["id"]
                );
                checked += 1;
            }
        }
        assert!(checked > 0, "{} asserts nothing", row["id"]);
    }
}

#[test]
fn vbac_rows() {
    for row in rows("algorithms_vbac_derived.csv") {
        let version = match row["model"].as_str() {
            "mfmu_2007" => Version::V2007,
            "mfmu_2021" => Version::V2021,
            m => panic!("model {m}"),
        };
        let history = if flag(&row, "prior_vbac") {
            History::Vbac
        } else if flag(&row, "any_prior_vaginal_birth")
            || flag(&row, "vaginal_birth_only_before_cesarean")
        {
            History::BeforeCesarean
        } else {
            History::None
        };
        let p = VbacInputs {
            age: num(&row, "age_years"),
            height_cm: num(&row, "height_cm"),
            weight_kg: num(&row, "prepregnancy_weight_kg"),
            history,
            arrest_indication: flag(&row, "arrest_or_recurring_indication"),
            treated_hypertension: flag(&row, "treated_chronic_htn"),
            african_american: flag(&row, "african_american"),
            hispanic: flag(&row, "hispanic"),
        };
        let got = vbac::probability_pct(&p, version).unwrap();
        let (want, tol) = (
            num(&row, "expected_probability_pct"),
            num(&row, "tolerance_pct_points"),
        );
        // The derived rows print two decimals; compare as displayed.
        assert!(
            agrees(got, want, tol, "round2"),
            "{}: {got} vs {want}",
            row["id"]
        );
    }
}

/// `key=value;…` of the audit-pair rows.
fn pairs(text: &str) -> HashMap<String, String> {
    text.split(';')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// The number after `marker` in a note ("… (non-Black) = 19.90; …").
fn number_after(note: &str, marker: &str) -> Option<f64> {
    let rest = &note[note.find(marker)? + marker.len()..];
    let start = rest.find(|c: char| c.is_ascii_digit())?;
    let tail = &rest[start..];
    let end = tail
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(tail.len());
    tail[..end].trim_end_matches('.').parse().ok()
}

#[test]
fn audit_pair_rows() {
    for row in rows("algorithms_audit_pairs_derived.csv") {
        let id = &row["id"];
        let i = pairs(&row["inputs"]);
        let g = |k: &str| -> f64 { i[k].parse().unwrap() };
        let (based_want, free_want) = (num(&row, "race_based_value"), num(&row, "race_free_value"));
        let close = |got: f64, want: f64, what: &str| {
            assert!(
                (got - want).abs() <= 0.005 + 1e-9,
                "{id} {what}: {got} vs {want}"
            );
        };
        if id.starts_with("AUDIT-EGFR") {
            let k = Kidney {
                creatinine: Some(g("scr_mg_dl")),
                cystatin: None,
                age: g("age"),
                sex: sex(&i["sex"]),
                race: Some(Race::Black),
            };
            let based = egfr::egfr(Equation::CkdEpi2009Cr, &k).unwrap();
            let free = egfr::egfr(Equation::CkdEpi2021Cr, &k).unwrap();
            close(based, based_want, "race-based");
            close(free, free_want, "race-free");
            let non_black = egfr::egfr(
                Equation::CkdEpi2009Cr,
                &Kidney {
                    race: Some(Race::Other),
                    ..k
                },
            )
            .unwrap();
            if let Some(want) = number_after(&row["note"], "(non-Black) =") {
                close(non_black, want, "2009 non-Black");
            }
            let note = &row["note"];
            for (label, value) in [
                ("2009-Black", based),
                ("2021", free),
                ("2009-nonBlack", non_black),
            ] {
                if let Some(claim) = note.split(&format!("{label} qualifies=")).nth(1) {
                    let claimed = claim.starts_with("True");
                    assert_eq!(value <= optn::THRESHOLD, claimed, "{id} {label}");
                }
            }
        } else {
            let b = |k: &str| i[k] == "1";
            let p = PceInputs {
                age: g("age"),
                sex: sex(&i["sex"]),
                race: Race::Black,
                total_cholesterol: g("tc"),
                hdl: g("hdl"),
                sbp: g("sbp"),
                bp_treated: b("bp_tx"),
                smoker: b("smoker"),
                diabetes: b("dm"),
            };
            let q = PreventInputs {
                age: g("age"),
                sex: sex(&i["sex"]),
                total_cholesterol: g("tc"),
                hdl: g("hdl"),
                sbp: g("sbp"),
                bmi: g("bmi"),
                egfr: g("egfr_2021"),
                bp_treated: b("bp_tx"),
                statin: b("statin"),
                smoker: b("smoker"),
                diabetes: b("dm"),
            };
            let prevent = prevent::risk(&q, Horizon::TenYears).unwrap();
            // Two-decimal rows, so allow the rounding of either side.
            let near = |got: f64, want: f64, what: &str| {
                assert!((got - want).abs() <= 0.011, "{id} {what}: {got} vs {want}");
            };
            near(
                pce::risk_10y_pct(&p).unwrap(),
                based_want,
                "PCE African-American",
            );
            near(prevent.ascvd_pct, free_want, "PREVENT ASCVD");
            if let Some(want) = number_after(&row["note"], "white-equation value for same inputs =")
            {
                near(
                    pce::risk_10y_pct(&PceInputs {
                        race: Race::Other,
                        ..p
                    })
                    .unwrap(),
                    want,
                    "PCE white",
                );
            }
            if let Some(want) = number_after(&row["note"], "10y total CVD =") {
                near(prevent.total_cvd_pct, want, "PREVENT total CVD");
            }
        }
    }
}

#[test]
fn optn_scenario_rows() {
    let rows = rows("algorithms_optn_scenarios_derived.csv");
    let mut candidates: Vec<&str> = rows.iter().map(|r| r["candidate"].as_str()).collect();
    candidates.dedup();
    for cand in candidates {
        let series: Vec<&Row> = rows.iter().filter(|r| r["candidate"] == cand).collect();
        let first = series[0];
        let k = |r: &Row, race: Race| Kidney {
            creatinine: Some(num(r, "scr_mg_dl")),
            cystatin: None,
            age: num(r, "age_years"),
            sex: sex(&first["sex"]),
            race: Some(race),
        };
        let black = first["race"] == "Black";
        let inclusive_race = if black { Race::Black } else { Race::Other };
        for r in &series {
            let inc = egfr::egfr(Equation::CkdEpi2009Cr, &k(r, inclusive_race)).unwrap();
            let nb = egfr::egfr(Equation::CkdEpi2009Cr, &k(r, Race::Other)).unwrap();
            let y21 = egfr::egfr(Equation::CkdEpi2021Cr, &k(r, Race::Other)).unwrap();
            for (got, col) in [
                (inc, "egfr_2009_race_inclusive"),
                (nb, "egfr_2009_nonblack"),
                (y21, "egfr_2021"),
            ] {
                assert!(
                    (got - num(r, col)).abs() <= 0.011,
                    "{cand} {} {col}: {got}",
                    r["date"]
                );
            }
            for (got, col) in [
                (inc, "le20_race_inclusive"),
                (y21, "le20_2021"),
                (nb, "le20_2009_nonblack"),
            ] {
                assert_eq!(
                    got <= optn::THRESHOLD,
                    flag(r, col),
                    "{cand} {} {col}",
                    r["date"]
                );
            }
        }
        // The longitudinal rule: registration is the first row; dialysis where the note says.
        // ISO dates as yyyymmdd numbers keep their order.
        let day = |r: &Row| -> u32 { r["date"].replace('-', "").parse().unwrap() };
        let registration = Some(day(first));
        let dialysis = series
            .iter()
            .find(|r| r["note"].contains("dialysis start"))
            .map(|r| day(r));
        let readings = |neutral: &dyn Fn(&Row) -> f64| -> Vec<Reading<u32>> {
            series
                .iter()
                .map(|r| Reading {
                    date: day(r),
                    race_inclusive: egfr::egfr(Equation::CkdEpi2009Cr, &k(r, inclusive_race))
                        .unwrap(),
                    race_neutral: neutral(r),
                })
                .collect()
        };
        let with_2021 = optn::waiting_time(
            registration,
            dialysis,
            &readings(&|r| egfr::egfr(Equation::CkdEpi2021Cr, &k(r, Race::Other)).unwrap()),
        );
        let with_2009 = optn::waiting_time(
            registration,
            dialysis,
            &readings(&|r| egfr::egfr(Equation::CkdEpi2009Cr, &k(r, Race::Other)).unwrap()),
        );
        let d = |s: &str| Some(s.replace('-', "").parse::<u32>().unwrap());
        match cand {
            "CAND-A" => {
                assert_eq!(with_2021.original, d("2021-06-01"));
                assert_eq!(with_2021.backdated_to(), d("2021-01-15"));
                assert_eq!(with_2009.backdated_to(), d("2020-09-01"));
            }
            "CAND-B" => {
                assert_eq!(with_2021.original, d("2019-11-20"));
                assert_eq!(with_2021.backdated_to(), d("2019-05-10"));
                assert_eq!(with_2009.backdated_to(), d("2019-05-10"));
            }
            // Not Black: the policy does not apply; the readings agree, nothing moves.
            _ => {
                assert!(!black);
                assert_eq!(with_2009.backdated_to(), None);
            }
        }
    }
}
