//! The AHA PREVENT base equations (2023): 10- and 30-year risk of total cardiovascular
//! disease, ASCVD and heart failure, sex-specific and without race.
//!
//! Khan SS et al. Development and Validation of the American Heart Association's PREVENT
//! Equations. Circulation 2024;149(6):430-449, supplemental tables of the base model. Risk =
//! e^x / (1 + e^x) with x = Σ β × term; cholesterol in mmol/L (mg/dL × 0.02586). Feed it the
//! race-free CKD-EPI 2021 eGFR, or race re-enters through the kidney term.

use crate::error::{CalcError, Result, within};
use crate::patient::Sex;
use serde::Serialize;

/// The horizon of the estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Horizon {
    TenYears,
    /// Recommended only for ages 30–59.
    ThirtyYears,
}

/// One patient's inputs (cholesterol mg/dL, blood pressure mmHg, BMI kg/m², eGFR
/// mL/min/1.73 m²).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PreventInputs {
    pub age: f64,
    pub sex: Sex,
    pub total_cholesterol: f64,
    pub hdl: f64,
    pub sbp: f64,
    pub bmi: f64,
    pub egfr: f64,
    pub bp_treated: bool,
    pub statin: bool,
    pub smoker: bool,
    pub diabetes: bool,
}

/// The three outcomes, in percent, unrounded.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PreventRisk {
    pub total_cvd_pct: f64,
    pub ascvd_pct: f64,
    pub hf_pct: f64,
}

pub const CITATION: &str =
    "Khan SS et al. Circulation 2024;149(6):430-449 (supplemental tables, base model)";

/// Columns of the coefficient tables: women total CVD, men total CVD, women ASCVD, men
/// ASCVD, women heart failure, men heart failure.
const COLUMNS: usize = 6;

/// 10-year base model, in the supplement's row order: age; non-HDL-C; HDL-C; SBP < 110;
/// SBP ≥ 110; diabetes; smoking; BMI < 30; BMI ≥ 30; eGFR < 60; eGFR ≥ 60; anti-hypertensive;
/// statin; treated × SBP ≥ 110; statin × non-HDL-C; age × non-HDL-C; age × HDL-C; age × SBP
/// ≥ 110; age × diabetes; age × smoking; age × BMI ≥ 30; age × eGFR < 60; constant.
const TEN_YEAR: [[f64; COLUMNS]; 23] = [
    [
        0.7939329, 0.7688528, 0.719883, 0.7099847, 0.8998235, 0.8972642,
    ],
    [0.0305239, 0.0736174, 0.1176967, 0.1658663, 0.0, 0.0],
    [-0.1606857, -0.0954431, -0.151185, -0.1144285, 0.0, 0.0],
    [
        -0.2394003, -0.4347345, -0.0835358, -0.2837212, -0.4559771, -0.6811466,
    ],
    [
        0.3600781, 0.3362658, 0.3592852, 0.3239977, 0.3576505, 0.3634461,
    ],
    [
        0.8667604, 0.7692857, 0.8348585, 0.7189597, 1.038346, 0.923776,
    ],
    [
        0.5360739, 0.4386871, 0.4831078, 0.3956973, 0.583916, 0.5023736,
    ],
    [0.0, 0.0, 0.0, 0.0, -0.0072294, -0.0485841],
    [0.0, 0.0, 0.0, 0.0, 0.2997706, 0.3726929],
    [
        0.6045917, 0.5378979, 0.4864619, 0.3690075, 0.7451638, 0.6926917,
    ],
    [
        0.0433769, 0.0164827, 0.0397779, 0.0203619, 0.0557087, 0.0251827,
    ],
    [
        0.3151672, 0.288879, 0.2265309, 0.2036522, 0.3534442, 0.2980922,
    ],
    [-0.1477655, -0.1337349, -0.0592374, -0.0865581, 0.0, 0.0],
    [
        -0.0663612, -0.0475924, -0.0395762, -0.0322916, -0.0981511, -0.0497731,
    ],
    [0.1197879, 0.150273, 0.0844423, 0.114563, 0.0, 0.0],
    [-0.0819715, -0.0517874, -0.0567839, -0.0300005, 0.0, 0.0],
    [0.0306769, 0.0191169, 0.0325692, 0.0232747, 0.0, 0.0],
    [
        -0.0946348, -0.1049477, -0.1035985, -0.0927024, -0.0946663, -0.1289201,
    ],
    [
        -0.27057, -0.2251948, -0.2417542, -0.2018525, -0.3581041, -0.3040924,
    ],
    [
        -0.078715, -0.0895067, -0.0791142, -0.0970527, -0.1159453, -0.1401688,
    ],
    [0.0, 0.0, 0.0, 0.0, -0.003878, 0.0068126],
    [
        -0.1637806, -0.1543702, -0.1671492, -0.1217081, -0.1884289, -0.1797778,
    ],
    [
        -3.307728, -3.031168, -3.819975, -3.500655, -4.310409, -3.946391,
    ],
];

/// 30-year base model: the rows of the 10-year model with age squared after age.
const THIRTY_YEAR: [[f64; COLUMNS]; 24] = [
    [
        0.5503079, 0.4627309, 0.4669202, 0.3994099, 0.6254374, 0.5681541,
    ],
    [
        -0.0928369, -0.0984281, -0.0893118, -0.0937484, -0.0983038, -0.1048388,
    ],
    [0.0409794, 0.0836088, 0.1256901, 0.1744643, 0.0, 0.0],
    [-0.1663306, -0.1029824, -0.1542255, -0.120203, 0.0, 0.0],
    [
        -0.1628654, -0.2140352, -0.0018093, -0.0665117, -0.3919241, -0.4761564,
    ],
    [
        0.3299505, 0.2904325, 0.322949, 0.2753037, 0.3142295, 0.30324,
    ],
    [
        0.6793894, 0.5331276, 0.6296707, 0.4790257, 0.8330787, 0.6840338,
    ],
    [
        0.3196112, 0.2141914, 0.268292, 0.1782635, 0.3438651, 0.2656273,
    ],
    [0.0, 0.0, 0.0, 0.0, 0.0594874, 0.0833107],
    [0.0, 0.0, 0.0, 0.0, 0.2525536, 0.26999],
    [
        0.1857101, 0.1155556, 0.100106, -0.0218789, 0.2981642, 0.2541805,
    ],
    [
        0.0553528, 0.0603775, 0.0499663, 0.0602553, 0.0667159, 0.0638923,
    ],
    [0.2894, 0.232714, 0.1875292, 0.1421182, 0.333921, 0.2583631],
    [-0.075688, -0.0272112, 0.0152476, 0.0135996, 0.0, 0.0],
    [
        -0.056367, -0.0384488, -0.0276123, -0.0218265, -0.0893177, -0.0391938,
    ],
    [0.1071019, 0.134192, 0.0736147, 0.1013148, 0.0, 0.0],
    [-0.0751438, -0.0511759, -0.0521962, -0.0312619, 0.0, 0.0],
    [0.0301786, 0.0165865, 0.0316918, 0.020673, 0.0, 0.0],
    [
        -0.0998776, -0.1101437, -0.1046101, -0.0920935, -0.0974299, -0.1269124,
    ],
    [
        -0.3206166, -0.2585943, -0.2727793, -0.2159947, -0.404855, -0.3273572,
    ],
    [
        -0.1607862, -0.1566406, -0.1530907, -0.1548811, -0.1982991, -0.2043019,
    ],
    [0.0, 0.0, 0.0, 0.0, -0.0035619, -0.0182831],
    [
        -0.1450788, -0.1166776, -0.1299149, -0.0712547, -0.1564215, -0.1342618,
    ],
    [
        -1.318827, -1.148204, -1.974074, -1.736444, -2.205379, -1.95751,
    ],
];

/// mmol/L per mg/dL of cholesterol, as the PREVENT supplement converts.
const MMOL_PER_MG_DL: f64 = 0.02586;

/// The three risks at `horizon`, after checking the inputs against the ranges PREVENT was
/// developed on (age 30–79, 30–59 for the 30-year horizon; TC 130–320; HDL 20–100; SBP
/// 90–180; BMI 18.5–39.9; eGFR 15–140).
pub fn risk(p: &PreventInputs, horizon: Horizon) -> Result<PreventRisk> {
    within(
        "age",
        p.age,
        30.0,
        79.0,
        "years is outside 30–79, the ages PREVENT was developed on",
    )?;
    if horizon == Horizon::ThirtyYears && p.age > 59.0 {
        return Err(CalcError::OutOfRange {
            input: "age",
            value: p.age,
            why: "years is beyond 59: PREVENT’s 30-year horizon is recommended only for ages 30–59"
                .into(),
            hint: Some("use the 10-year horizon".into()),
        });
    }
    within(
        "total cholesterol",
        p.total_cholesterol,
        130.0,
        320.0,
        "mg/dL is outside 130–320, the range PREVENT accepts",
    )?;
    within(
        "HDL",
        p.hdl,
        20.0,
        100.0,
        "mg/dL is outside 20–100, the range PREVENT accepts",
    )?;
    within(
        "systolic blood pressure",
        p.sbp,
        90.0,
        180.0,
        "mmHg is outside 90–180, the range PREVENT accepts",
    )?;
    within(
        "BMI",
        p.bmi,
        18.5,
        39.9,
        "kg/m² is outside 18.5–39.9, the range PREVENT accepts",
    )?;
    within(
        "eGFR",
        p.egfr,
        15.0,
        140.0,
        "mL/min/1.73 m² is outside 15–140, the range PREVENT accepts",
    )?;
    Ok(risk_unchecked(p, horizon))
}

/// The equations themselves, without the range checks.
pub fn risk_unchecked(p: &PreventInputs, horizon: Horizon) -> PreventRisk {
    let age = (p.age - 55.0) / 10.0;
    let nonhdl = (p.total_cholesterol - p.hdl) * MMOL_PER_MG_DL - 3.5;
    let hdl = (p.hdl * MMOL_PER_MG_DL - 1.3) / 0.3;
    let sbp_lo = (p.sbp.min(110.0) - 110.0) / 20.0;
    let sbp_hi = (p.sbp.max(110.0) - 130.0) / 20.0;
    let bmi_lo = (p.bmi.min(30.0) - 25.0) / 5.0;
    let bmi_hi = (p.bmi.max(30.0) - 30.0) / 5.0;
    let egfr_lo = (p.egfr.min(60.0) - 60.0) / -15.0;
    let egfr_hi = (p.egfr.max(60.0) - 90.0) / -15.0;
    let flag = |b: bool| f64::from(u8::from(b));
    let (dm, smoker, bptx, statin) = (
        flag(p.diabetes),
        flag(p.smoker),
        flag(p.bp_treated),
        flag(p.statin),
    );
    let shared = [
        nonhdl,
        hdl,
        sbp_lo,
        sbp_hi,
        dm,
        smoker,
        bmi_lo,
        bmi_hi,
        egfr_lo,
        egfr_hi,
        bptx,
        statin,
        bptx * sbp_hi,
        statin * nonhdl,
        age * nonhdl,
        age * hdl,
        age * sbp_hi,
        age * dm,
        age * smoker,
        age * bmi_hi,
        age * egfr_lo,
        1.0,
    ];
    let female = p.sex == Sex::Female;
    let column = |outcome: usize| 2 * outcome + usize::from(!female);
    let x = |outcome: usize| -> f64 {
        let col = column(outcome);
        match horizon {
            Horizon::TenYears => {
                TEN_YEAR[0][col] * age
                    + shared
                        .iter()
                        .zip(&TEN_YEAR[1..])
                        .map(|(t, row)| t * row[col])
                        .sum::<f64>()
            }
            Horizon::ThirtyYears => {
                THIRTY_YEAR[0][col] * age
                    + THIRTY_YEAR[1][col] * age * age
                    + shared
                        .iter()
                        .zip(&THIRTY_YEAR[2..])
                        .map(|(t, row)| t * row[col])
                        .sum::<f64>()
            }
        }
    };
    let pct = |x: f64| 100.0 / (1.0 + (-x).exp());
    PreventRisk {
        total_cvd_pct: pct(x(0)),
        ascvd_pct: pct(x(1)),
        hf_pct: pct(x(2)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Khan 2024 supplement Table S25: the published worked example.
    fn khan_s25() -> PreventInputs {
        PreventInputs {
            age: 50.0,
            sex: Sex::Female,
            total_cholesterol: 200.0,
            hdl: 45.0,
            sbp: 160.0,
            bmi: 35.0,
            egfr: 90.0,
            bp_treated: true,
            statin: false,
            smoker: false,
            diabetes: true,
        }
    }

    #[test]
    fn khan_worked_example() {
        let ten = risk(&khan_s25(), Horizon::TenYears).unwrap();
        let thirty = risk(&khan_s25(), Horizon::ThirtyYears).unwrap();
        let close = |got: f64, want: f64| assert!((got - want).abs() <= 0.05, "{got} vs {want}");
        close(ten.total_cvd_pct, 14.7);
        close(ten.ascvd_pct, 9.2);
        close(ten.hf_pct, 8.1);
        close(thirty.total_cvd_pct, 53.0);
        close(thirty.ascvd_pct, 35.4);
        close(thirty.hf_pct, 39.0);
    }

    #[test]
    fn thirty_years_only_to_59() {
        let mut p = khan_s25();
        p.age = 60.0;
        assert!(risk(&p, Horizon::TenYears).is_ok());
        let e = risk(&p, Horizon::ThirtyYears).unwrap_err().to_string();
        assert!(e.contains("30–59"), "{e}");
        p.age = 29.0;
        assert!(risk(&p, Horizon::TenYears).is_err());
        p.age = 50.0;
        p.egfr = 10.0;
        assert!(
            risk(&p, Horizon::TenYears)
                .unwrap_err()
                .to_string()
                .contains("eGFR")
        );
    }
}
