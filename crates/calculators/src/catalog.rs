//! The catalog of race-corrected algorithms in clinical use, as data: Vyas DA, Eisenstein LG,
//! Jones DS. "Hidden in Plain Sight — Reconsidering the Use of Race Correction in Clinical
//! Algorithms." N Engl J Med 2020;383:874-882, Table 1, and the successors named since, plus
//! the Pooled Cohort Equations, which the NEJM table left out.
//!
//! Wording is Rise's summary. Where the successor is not confirmed by the body that owns the
//! tool, `successor` is `None` and the note says what is known.

use serde::Serialize;

/// One race-corrected algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Algorithm {
    /// A stable key (`egfr-ckd-epi-2009`), used in URLs and in `audit.csv`.
    pub key: &'static str,
    pub name: &'static str,
    pub specialty: &'static str,
    /// How race enters the calculation.
    pub race_use: &'static str,
    /// What the race term does to care, as the critics put it.
    pub concern: &'static str,
    /// The race-free successor, where one is established.
    pub successor: Option<&'static str>,
    pub note: &'static str,
    /// The `rise calc` subcommand that computes it both ways, when Rise does.
    pub rise_calc: Option<&'static str>,
    /// Where this entry comes from.
    pub source: &'static str,
}

const VYAS: &str = "Vyas DA et al. N Engl J Med 2020;383:874-882, Table 1";

/// Every algorithm in the catalog, by specialty.
pub const CATALOG: &[Algorithm] = &[
    Algorithm {
        key: "gwtg-hf",
        name: "AHA Get With The Guidelines–Heart Failure risk score",
        specialty: "Cardiology",
        race_use: "Adds 3 points (higher predicted in-hospital mortality) if the patient is not Black",
        concern: "Black patients are rated at lower risk, which may raise the bar for referral and resources",
        successor: None,
        note: "No race-free version has been issued by the AHA.",
        rise_calc: None,
        source: VYAS,
    },
    Algorithm {
        key: "sts-adult-cardiac",
        name: "STS Short-Term Risk Calculator (CABG, valve surgery)",
        specialty: "Cardiac surgery",
        race_use: "Black race raises predicted operative mortality and complications",
        concern: "May steer minority patients away from surgery",
        successor: None,
        note: "Race remains a model input.",
        rise_calc: None,
        source: VYAS,
    },
    Algorithm {
        key: "pce-2013",
        name: "ACC/AHA Pooled Cohort Equations (2013)",
        specialty: "Cardiology",
        race_use: "Separate equations for African-American and white patients (all others use the white ones)",
        concern: "Moves patients across the 7.5 % statin line in both directions, by race alone",
        successor: Some("AHA PREVENT (2023), race-free"),
        note: "Not in Vyas Table 1; PREVENT also adds eGFR and BMI and predicts heart failure.",
        rise_calc: Some("pce"),
        source: "Goff DC Jr et al. Circulation 2014;129(25 Suppl 2):S49-S73; Khan SS et al. Circulation 2024;149:430-449",
    },
    Algorithm {
        key: "egfr-mdrd",
        name: "eGFR — MDRD study equation",
        specialty: "Nephrology",
        race_use: "Multiplies eGFR by 1.210 (1.212 for the IDMS 175 version) if Black",
        concern: "A higher eGFR delays referral, transplant listing and dose changes for Black patients",
        successor: Some("CKD-EPI 2021 creatinine"),
        note: "There is no race-free MDRD; labs printed the non-Black value beside the Black one.",
        rise_calc: Some("egfr"),
        source: VYAS,
    },
    Algorithm {
        key: "egfr-ckd-epi-2009",
        name: "eGFR — CKD-EPI 2009 creatinine",
        specialty: "Nephrology",
        race_use: "Multiplies eGFR by 1.159 if Black",
        concern: "A higher eGFR delays referral, transplant listing and dose changes for Black patients",
        successor: Some(
            "CKD-EPI 2021 creatinine (and creatinine–cystatin C), NKF–ASN Task Force 2021",
        ),
        note: "OPTN has required race-neutral eGFR for waiting time since 27 July 2022 and ordered waiting time backdated for affected Black candidates (Policy 3.7.D, January 2023).",
        rise_calc: Some("egfr"),
        source: VYAS,
    },
    Algorithm {
        key: "egfr-ckd-epi-2012-cr-cys",
        name: "eGFR — CKD-EPI 2012 creatinine–cystatin C",
        specialty: "Nephrology",
        race_use: "Multiplies eGFR by 1.08 if Black",
        concern: "As for the creatinine equations, less so",
        successor: Some("CKD-EPI 2021 creatinine–cystatin C"),
        note: "The 2012 cystatin C equation never used race.",
        rise_calc: Some("egfr"),
        source: "Inker LA et al. N Engl J Med 2012;367:20-29; Inker LA et al. N Engl J Med 2021;385:1737-1749",
    },
    Algorithm {
        key: "kdri",
        name: "Kidney Donor Risk Index (KDRI / KDPI)",
        specialty: "Transplant surgery",
        race_use: "A Black donor raises predicted graft failure",
        concern: "Kidneys from Black donors are discarded more often; Black recipients lose access",
        successor: None,
        note: "OPTN has consulted on removing race from the KDRI; check the current OPTN policy.",
        rise_calc: None,
        source: VYAS,
    },
    Algorithm {
        key: "vbac-mfmu-2007",
        name: "MFMU Vaginal Birth After Cesarean calculator (2007)",
        specialty: "Obstetrics",
        race_use: "Lowers the logit by 0.671 if African American and 0.680 if Hispanic (both can apply)",
        concern: "Lower predicted success leads to fewer offers of a trial of labor",
        successor: Some("MFMU VBAC calculator (2021), race-free"),
        note: "The 2021 model adds treated chronic hypertension and uses height and weight instead of BMI.",
        rise_calc: Some("vbac"),
        source: VYAS,
    },
    Algorithm {
        key: "stone",
        name: "STONE score (uncomplicated ureteral stone)",
        specialty: "Urology",
        race_use: "Adds 3 points if the patient is not Black",
        concern: "Black patients may get less evaluation for other causes of flank pain",
        successor: None,
        note: "No race-free version established.",
        rise_calc: None,
        source: VYAS,
    },
    Algorithm {
        key: "uticalc",
        name: "UTICalc (febrile children 2–23 months)",
        specialty: "Urology / pediatrics",
        race_use: "Lower predicted probability of urinary tract infection if the child is Black",
        concern: "Black children may be tested less",
        successor: None,
        note: "Its authors have reported a revised version without race; check the current calculator.",
        rise_calc: None,
        source: VYAS,
    },
    Algorithm {
        key: "rectal-cancer-survival",
        name: "Rectal Cancer Survival Calculator",
        specialty: "Oncology",
        race_use: "Race modifies predicted survival",
        concern: "May affect the intensity of treatment offered",
        successor: None,
        note: "No race-free version established.",
        rise_calc: None,
        source: VYAS,
    },
    Algorithm {
        key: "bcrat-gail",
        name: "NCI Breast Cancer Risk Assessment Tool (Gail model)",
        specialty: "Oncology",
        race_use: "Race- and ethnicity-specific incidence and relative risks; lower risk for most non-white groups",
        concern: "Fewer women of colour qualify for chemoprevention or enhanced screening",
        successor: None,
        note: "Race-specific by design; no race-free successor.",
        rise_calc: None,
        source: VYAS,
    },
    Algorithm {
        key: "osteoporosis-score",
        name: "Osteoporosis Risk SCORE",
        specialty: "Endocrinology",
        race_use: "Adds 5 points if the patient is not Black",
        concern: "Less bone-density screening for Black women",
        successor: None,
        note: "No race-free version established.",
        rise_calc: None,
        source: VYAS,
    },
    Algorithm {
        key: "frax-us",
        name: "FRAX fracture risk (US version)",
        specialty: "Endocrinology",
        race_use: "Separate fracture probabilities for White, Black, Hispanic and Asian women",
        concern: "Fewer non-white women qualify for treatment",
        successor: None,
        note: "No race-free US version established.",
        rise_calc: None,
        source: VYAS,
    },
    Algorithm {
        key: "spirometry-gli-2012",
        name: "Spirometry reference equations (GLI-2012, NHANES III)",
        specialty: "Pulmonology",
        race_use: "Race-specific reference values (about 10–15 % lower for Black, 4–6 % lower for Asian people)",
        concern: "Lung disease is under-diagnosed and under-graded",
        successor: Some("GLI Global (2022), race-neutral; ATS 2023 statement"),
        note: "Rise does not compute spirometry yet: the GLI lookup tables must come from the GLI network under its terms.",
        rise_calc: None,
        source: "Vyas DA et al. N Engl J Med 2020;383:874-882; Bowerman C et al. Am J Respir Crit Care Med 2023;207:768-774",
    },
    Algorithm {
        key: "anemia-pregnancy",
        name: "Hemoglobin cut-offs for anemia in pregnancy",
        specialty: "Obstetrics",
        race_use: "A lower hemoglobin threshold was once advised for Black women",
        concern: "Anemia under-diagnosed in Black pregnant women",
        successor: Some("One threshold for everyone (ACOG, 2021)"),
        note: "Not in Vyas Table 1.",
        rise_calc: None,
        source: "ACOG Practice Bulletin 233 (2021)",
    },
];

/// The catalog entry with this key.
pub fn find(key: &str) -> Option<&'static Algorithm> {
    CATALOG.iter().find(|a| a.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_url_safe() {
        let mut keys: Vec<_> = CATALOG.iter().map(|a| a.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), CATALOG.len());
        assert!(keys.iter().all(|k| {
            k.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        }));
        assert!(find("egfr-ckd-epi-2009").is_some());
        assert!(find("nope").is_none());
    }

    #[test]
    fn what_rise_computes_has_a_successor() {
        assert!(
            CATALOG
                .iter()
                .filter(|a| a.rise_calc.is_some())
                .all(|a| a.successor.is_some())
        );
    }
}
