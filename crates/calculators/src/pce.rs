//! The 2013 ACC/AHA Pooled Cohort Equations: 10-year risk of a first hard ASCVD event, with a
//! separate equation for each sex and for African-American and white patients.
//!
//! Goff DC Jr et al. 2013 ACC/AHA Guideline on the Assessment of Cardiovascular Risk.
//! Circulation 2014;129(25 Suppl 2):S49-S73, Appendix 7 Table A. Risk = 1 − S₀(10)^exp(Σβx −
//! mean). The means are the ACC/AHA risk spreadsheet's four decimals (−29.1817, 86.6081,
//! 61.1816, 19.5425), which the Risk Estimator uses; the table prints them to two.

use crate::error::{Result, within};
use crate::patient::{Race, Sex};

/// One patient's inputs to the PCE (cholesterol mg/dL, blood pressure mmHg).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PceInputs {
    pub age: f64,
    pub sex: Sex,
    /// Black patients take the African-American equations; every other race the white ones.
    pub race: Race,
    pub total_cholesterol: f64,
    pub hdl: f64,
    pub sbp: f64,
    pub bp_treated: bool,
    pub smoker: bool,
    pub diabetes: bool,
}

/// The coefficients of one of the four equations (0 where the table has no term).
struct Coefficients {
    ln_age: f64,
    ln_age_sq: f64,
    ln_tc: f64,
    ln_age_ln_tc: f64,
    ln_hdl: f64,
    ln_age_ln_hdl: f64,
    ln_treated_sbp: f64,
    ln_age_ln_treated_sbp: f64,
    ln_untreated_sbp: f64,
    ln_age_ln_untreated_sbp: f64,
    smoker: f64,
    ln_age_smoker: f64,
    diabetes: f64,
    mean: f64,
    baseline_survival: f64,
}

const WHITE_WOMEN: Coefficients = Coefficients {
    ln_age: -29.799,
    ln_age_sq: 4.884,
    ln_tc: 13.540,
    ln_age_ln_tc: -3.114,
    ln_hdl: -13.578,
    ln_age_ln_hdl: 3.149,
    ln_treated_sbp: 2.019,
    ln_age_ln_treated_sbp: 0.0,
    ln_untreated_sbp: 1.957,
    ln_age_ln_untreated_sbp: 0.0,
    smoker: 7.574,
    ln_age_smoker: -1.665,
    diabetes: 0.661,
    mean: -29.1817,
    baseline_survival: 0.9665,
};

const AFRICAN_AMERICAN_WOMEN: Coefficients = Coefficients {
    ln_age: 17.114,
    ln_age_sq: 0.0,
    ln_tc: 0.940,
    ln_age_ln_tc: 0.0,
    ln_hdl: -18.920,
    ln_age_ln_hdl: 4.475,
    ln_treated_sbp: 29.291,
    ln_age_ln_treated_sbp: -6.432,
    ln_untreated_sbp: 27.820,
    ln_age_ln_untreated_sbp: -6.087,
    smoker: 0.691,
    ln_age_smoker: 0.0,
    diabetes: 0.874,
    mean: 86.6081,
    baseline_survival: 0.9533,
};

const WHITE_MEN: Coefficients = Coefficients {
    ln_age: 12.344,
    ln_age_sq: 0.0,
    ln_tc: 11.853,
    ln_age_ln_tc: -2.664,
    ln_hdl: -7.990,
    ln_age_ln_hdl: 1.769,
    ln_treated_sbp: 1.797,
    ln_age_ln_treated_sbp: 0.0,
    ln_untreated_sbp: 1.764,
    ln_age_ln_untreated_sbp: 0.0,
    smoker: 7.837,
    ln_age_smoker: -1.795,
    diabetes: 0.658,
    mean: 61.1816,
    baseline_survival: 0.9144,
};

const AFRICAN_AMERICAN_MEN: Coefficients = Coefficients {
    ln_age: 2.469,
    ln_age_sq: 0.0,
    ln_tc: 0.302,
    ln_age_ln_tc: 0.0,
    ln_hdl: -0.307,
    ln_age_ln_hdl: 0.0,
    ln_treated_sbp: 1.916,
    ln_age_ln_treated_sbp: 0.0,
    ln_untreated_sbp: 1.809,
    ln_age_ln_untreated_sbp: 0.0,
    smoker: 0.549,
    ln_age_smoker: 0.0,
    diabetes: 0.645,
    mean: 19.5425,
    baseline_survival: 0.8954,
};

/// The publication, for reports.
pub const CITATION: &str =
    "Goff DC Jr et al. Circulation 2014;129(25 Suppl 2):S49-S73, Appendix 7 Table A";

/// 10-year hard ASCVD risk in percent, unrounded. Refuses ages outside 40–79 and cholesterol
/// or blood pressure outside the ranges the ACC/AHA estimator accepts (TC 130–320, HDL
/// 20–100, SBP 90–200).
pub fn risk_10y_pct(p: &PceInputs) -> Result<f64> {
    within(
        "age",
        p.age,
        40.0,
        79.0,
        "years is outside 40–79, the ages the Pooled Cohort Equations were derived on",
    )?;
    within(
        "total cholesterol",
        p.total_cholesterol,
        130.0,
        320.0,
        "mg/dL is outside 130–320, the range the PCE accept",
    )?;
    within(
        "HDL",
        p.hdl,
        20.0,
        100.0,
        "mg/dL is outside 20–100, the range the PCE accept",
    )?;
    within(
        "systolic blood pressure",
        p.sbp,
        90.0,
        200.0,
        "mmHg is outside 90–200, the range the PCE accept",
    )?;
    Ok(risk_unchecked(p))
}

/// The equation itself, without the range checks.
pub fn risk_unchecked(p: &PceInputs) -> f64 {
    let c = match (p.sex, p.race) {
        (Sex::Female, Race::Other) => &WHITE_WOMEN,
        (Sex::Female, Race::Black) => &AFRICAN_AMERICAN_WOMEN,
        (Sex::Male, Race::Other) => &WHITE_MEN,
        (Sex::Male, Race::Black) => &AFRICAN_AMERICAN_MEN,
    };
    let la = p.age.ln();
    let ltc = p.total_cholesterol.ln();
    let lhdl = p.hdl.ln();
    let lsbp = p.sbp.ln();
    let smoker = f64::from(u8::from(p.smoker));
    let sbp_terms = if p.bp_treated {
        c.ln_treated_sbp * lsbp + c.ln_age_ln_treated_sbp * la * lsbp
    } else {
        c.ln_untreated_sbp * lsbp + c.ln_age_ln_untreated_sbp * la * lsbp
    };
    let sum = c.ln_age * la
        + c.ln_age_sq * la * la
        + c.ln_tc * ltc
        + c.ln_age_ln_tc * la * ltc
        + c.ln_hdl * lhdl
        + c.ln_age_ln_hdl * la * lhdl
        + sbp_terms
        + c.smoker * smoker
        + c.ln_age_smoker * la * smoker
        + c.diabetes * f64::from(u8::from(p.diabetes));
    100.0 * (1.0 - c.baseline_survival.powf((sum - c.mean).exp()))
}

/// The 2018 ACC/AHA cholesterol guideline's risk categories of a 10-year ASCVD risk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum RiskCategory {
    /// < 5 %.
    Low,
    /// 5 to < 7.5 %.
    Borderline,
    /// 7.5 to < 20 %: statin discussion.
    Intermediate,
    /// ≥ 20 %.
    High,
}

impl RiskCategory {
    pub const ALL: [RiskCategory; 4] = [
        RiskCategory::Low,
        RiskCategory::Borderline,
        RiskCategory::Intermediate,
        RiskCategory::High,
    ];

    pub fn of(risk_pct: f64) -> RiskCategory {
        if risk_pct >= 20.0 {
            RiskCategory::High
        } else if risk_pct >= 7.5 {
            RiskCategory::Intermediate
        } else if risk_pct >= 5.0 {
            RiskCategory::Borderline
        } else {
            RiskCategory::Low
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RiskCategory::Low => "low (< 5 %)",
            RiskCategory::Borderline => "borderline (5–7.5 %)",
            RiskCategory::Intermediate => "intermediate (7.5–20 %)",
            RiskCategory::High => "high (≥ 20 %)",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            RiskCategory::Low => "low",
            RiskCategory::Borderline => "borderline",
            RiskCategory::Intermediate => "intermediate",
            RiskCategory::High => "high",
        }
    }
}

/// The treatment thresholds of a 10-year risk: statin discussion at 7.5 %, high risk at 20 %.
pub const STATIN_THRESHOLD_PCT: f64 = 7.5;
pub const HIGH_RISK_THRESHOLD_PCT: f64 = 20.0;

#[cfg(test)]
mod tests {
    use super::*;

    fn table_a(sex: Sex, race: Race) -> PceInputs {
        PceInputs {
            age: 55.0,
            sex,
            race,
            total_cholesterol: 213.0,
            hdl: 50.0,
            sbp: 120.0,
            bp_treated: false,
            smoker: false,
            diabetes: false,
        }
    }

    /// Goff 2014 Appendix 7 Table A's worked example, printed to one decimal with rounded
    /// intermediate values (full precision gives 5.38 for white men, hence ±0.1).
    #[test]
    fn goff_table_a() {
        let cases = [
            (Sex::Female, Race::Other, 2.1),
            (Sex::Female, Race::Black, 3.0),
            (Sex::Male, Race::Other, 5.3),
            (Sex::Male, Race::Black, 6.1),
        ];
        for (sex, race, want) in cases {
            let got = risk_10y_pct(&table_a(sex, race)).unwrap();
            assert!(
                (got - want).abs() <= 0.1,
                "{sex:?} {race:?}: {got} vs {want}"
            );
        }
    }

    #[test]
    fn refuses_out_of_range() {
        let mut p = table_a(Sex::Male, Race::Other);
        p.age = 39.0;
        assert!(risk_10y_pct(&p).unwrap_err().to_string().contains("40–79"));
        p.age = 50.0;
        p.hdl = 10.0;
        assert!(risk_10y_pct(&p).is_err());
    }

    #[test]
    fn categories() {
        assert_eq!(RiskCategory::of(4.99), RiskCategory::Low);
        assert_eq!(RiskCategory::of(7.5), RiskCategory::Intermediate);
        assert_eq!(RiskCategory::of(20.0), RiskCategory::High);
    }
}
