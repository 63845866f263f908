//! Estimated glomerular filtration rate: the CKD-EPI equations of 2009, 2012 and 2021 and the
//! two MDRD study equations, each one function with its publication, constants as printed.
//!
//! All take serum creatinine in mg/dL (IDMS-traceable, except the original MDRD 186) and
//! cystatin C in mg/L, age in years, and return mL/min/1.73 m², unrounded. [`egfr`] checks
//! the inputs and chooses the function; the functions themselves are the bare formulas, for
//! the audit's inner loop.

use crate::error::{CalcError, Result, within};
use crate::patient::{Race, Sex};
use serde::Serialize;

/// µmol/L per mg/dL of creatinine (molar mass 113.12 g/mol, as KDIGO and kidney.epi use).
pub const UMOL_PER_MG_DL: f64 = 88.4;

/// Serum creatinine this far outside 0.1–30 mg/dL is not a measurement of a living adult.
const SCR_PLAUSIBLE: (f64, f64) = (0.1, 30.0);
/// Cystatin C beyond 0.2–15 mg/L is not a plausible serum value either.
const CYS_PLAUSIBLE: (f64, f64) = (0.2, 15.0);
/// nmol/L per mg/L of cystatin C (kidney.epi's conversion).
const NMOL_PER_MG_L_CYS: f64 = 74.9;

/// An eGFR equation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Equation {
    /// CKD-EPI 2009 creatinine, with its 1.159 coefficient for Black patients.
    CkdEpi2009Cr,
    /// CKD-EPI 2021 creatinine, refitted without race.
    CkdEpi2021Cr,
    /// CKD-EPI 2012 cystatin C (never had a race term).
    CkdEpi2012Cys,
    /// CKD-EPI 2012 creatinine–cystatin C, with its 1.08 coefficient for Black patients.
    CkdEpi2012CrCys,
    /// CKD-EPI 2021 creatinine–cystatin C, refitted without race.
    CkdEpi2021CrCys,
    /// MDRD 4-variable re-expressed for IDMS-traceable creatinine (175; Black × 1.212).
    Mdrd175,
    /// MDRD 4-variable, original (186; Black × 1.210), for non-IDMS creatinine.
    Mdrd186,
}

impl Equation {
    pub const ALL: [Equation; 7] = [
        Equation::CkdEpi2021Cr,
        Equation::CkdEpi2009Cr,
        Equation::CkdEpi2012Cys,
        Equation::CkdEpi2021CrCys,
        Equation::CkdEpi2012CrCys,
        Equation::Mdrd175,
        Equation::Mdrd186,
    ];

    /// The key scripts use (`--equation ckd-epi-2021-cr`).
    pub fn key(self) -> &'static str {
        match self {
            Equation::CkdEpi2009Cr => "ckd-epi-2009-cr",
            Equation::CkdEpi2021Cr => "ckd-epi-2021-cr",
            Equation::CkdEpi2012Cys => "ckd-epi-2012-cys",
            Equation::CkdEpi2012CrCys => "ckd-epi-2012-cr-cys",
            Equation::CkdEpi2021CrCys => "ckd-epi-2021-cr-cys",
            Equation::Mdrd175 => "mdrd-175",
            Equation::Mdrd186 => "mdrd-186",
        }
    }

    pub fn from_key(key: &str) -> Option<Equation> {
        Equation::ALL.into_iter().find(|e| e.key() == key)
    }

    /// A name for people.
    pub fn name(self) -> &'static str {
        match self {
            Equation::CkdEpi2009Cr => "CKD-EPI 2009 creatinine",
            Equation::CkdEpi2021Cr => "CKD-EPI 2021 creatinine",
            Equation::CkdEpi2012Cys => "CKD-EPI 2012 cystatin C",
            Equation::CkdEpi2012CrCys => "CKD-EPI 2012 creatinine–cystatin C",
            Equation::CkdEpi2021CrCys => "CKD-EPI 2021 creatinine–cystatin C",
            Equation::Mdrd175 => "MDRD 4-variable (IDMS, 175)",
            Equation::Mdrd186 => "MDRD 4-variable (original, 186)",
        }
    }

    /// The publication the constants come from.
    pub fn citation(self) -> &'static str {
        match self {
            Equation::CkdEpi2009Cr => "Levey AS et al. Ann Intern Med 2009;150:604-612",
            Equation::CkdEpi2021Cr | Equation::CkdEpi2021CrCys => {
                "Inker LA et al. N Engl J Med 2021;385:1737-1749"
            }
            Equation::CkdEpi2012Cys | Equation::CkdEpi2012CrCys => {
                "Inker LA et al. N Engl J Med 2012;367:20-29"
            }
            Equation::Mdrd175 => "Levey AS et al. Ann Intern Med 2006;145:247-254",
            Equation::Mdrd186 => "Levey AS et al. Ann Intern Med 1999;130:461-470",
        }
    }

    /// Whether the patient's race changes the result.
    pub fn uses_race(self) -> bool {
        matches!(
            self,
            Equation::CkdEpi2009Cr
                | Equation::CkdEpi2012CrCys
                | Equation::Mdrd175
                | Equation::Mdrd186
        )
    }

    pub fn needs_creatinine(self) -> bool {
        self != Equation::CkdEpi2012Cys
    }

    pub fn needs_cystatin(self) -> bool {
        matches!(
            self,
            Equation::CkdEpi2012Cys | Equation::CkdEpi2012CrCys | Equation::CkdEpi2021CrCys
        )
    }

    /// The race-free equation that replaces this one (itself when it is race-free).
    pub fn race_free(self) -> Equation {
        match self {
            Equation::CkdEpi2009Cr | Equation::Mdrd175 | Equation::Mdrd186 => {
                Equation::CkdEpi2021Cr
            }
            Equation::CkdEpi2012CrCys => Equation::CkdEpi2021CrCys,
            e => e,
        }
    }

    /// The race-based equation a race-free one replaced, on the same markers.
    pub fn race_based_twin(self) -> Option<Equation> {
        match self {
            Equation::CkdEpi2021Cr => Some(Equation::CkdEpi2009Cr),
            Equation::CkdEpi2021CrCys => Some(Equation::CkdEpi2012CrCys),
            _ => None,
        }
    }
}

impl std::fmt::Display for Equation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}

/// The unit a creatinine result was reported in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CreatinineUnit {
    MgDl,
    UmolL,
}

impl CreatinineUnit {
    /// Reads the spellings labs and UCUM use (`mg/dL`, `umol/L`, `µmol/L`, `umol/l`…).
    pub fn parse(text: &str) -> Option<CreatinineUnit> {
        let t = text.trim().to_ascii_lowercase().replace(['µ', 'μ'], "u");
        match t.as_str() {
            "mg/dl" | "mg/100ml" => Some(CreatinineUnit::MgDl),
            "umol/l" | "micromol/l" => Some(CreatinineUnit::UmolL),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CreatinineUnit::MgDl => "mg/dL",
            CreatinineUnit::UmolL => "µmol/L",
        }
    }
}

/// A creatinine result in mg/dL, refusing the implausible and saying when the unit looks
/// swapped: 88 "mg/dL" is almost surely 88 µmol/L (1.0 mg/dL), and 1.2 "µmol/L" is 1.2 mg/dL.
pub fn creatinine_mg_dl(value: f64, unit: CreatinineUnit) -> Result<f64> {
    if !value.is_finite() {
        return Err(CalcError::NotFinite {
            input: "creatinine",
        });
    }
    let mg = match unit {
        CreatinineUnit::MgDl => value,
        CreatinineUnit::UmolL => value / UMOL_PER_MG_DL,
    };
    if value > 0.0 && mg >= SCR_PLAUSIBLE.0 && mg <= SCR_PLAUSIBLE.1 {
        return Ok(mg);
    }
    let hint = match unit {
        CreatinineUnit::MgDl if value > SCR_PLAUSIBLE.1 => {
            let as_mg = value / UMOL_PER_MG_DL;
            (as_mg >= SCR_PLAUSIBLE.0 && as_mg <= SCR_PLAUSIBLE.1).then(|| {
                format!("this looks like µmol/L ({value} µmol/L = {as_mg:.2} mg/dL); give the unit as umol/L")
            })
        }
        CreatinineUnit::UmolL if value > 0.0 && mg < SCR_PLAUSIBLE.0 => {
            (value >= SCR_PLAUSIBLE.0 && value <= SCR_PLAUSIBLE.1).then(|| {
                format!(
                    "this looks like mg/dL ({value} mg/dL = {:.0} µmol/L); give the unit as mg/dL",
                    value * UMOL_PER_MG_DL
                )
            })
        }
        _ => None,
    };
    Err(CalcError::OutOfRange {
        input: "creatinine",
        value,
        why: format!(
            "{} is not a plausible serum creatinine (0.1–30 mg/dL, 9–2652 µmol/L)",
            unit.label()
        ),
        hint,
    })
}

/// A cystatin C result in mg/L, refusing the implausible (and nmol/L given as mg/L).
pub fn cystatin_mg_l(value: f64) -> Result<f64> {
    if !value.is_finite() {
        return Err(CalcError::NotFinite { input: "cystatin" });
    }
    if value >= CYS_PLAUSIBLE.0 && value <= CYS_PLAUSIBLE.1 {
        return Ok(value);
    }
    let as_mg = value / NMOL_PER_MG_L_CYS;
    let hint = (value > CYS_PLAUSIBLE.1 && as_mg >= CYS_PLAUSIBLE.0 && as_mg <= CYS_PLAUSIBLE.1)
        .then(|| {
            format!("this looks like nmol/L ({value} nmol/L = {as_mg:.2} mg/L); convert to mg/L")
        });
    Err(CalcError::OutOfRange {
        input: "cystatin",
        value,
        why: "mg/L is not a plausible serum cystatin C (0.2–15 mg/L)".into(),
        hint,
    })
}

/// What the eGFR equations are given about one patient and one blood sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Kidney {
    /// Serum creatinine, mg/dL (see [`creatinine_mg_dl`]).
    pub creatinine: Option<f64>,
    /// Serum cystatin C, mg/L.
    pub cystatin: Option<f64>,
    /// Age in years at the sample.
    pub age: f64,
    pub sex: Sex,
    /// Needed only by the race-based equations.
    pub race: Option<Race>,
}

/// eGFR by `equation`, after checking that the inputs are there and plausible and the patient
/// is an adult (every equation here was derived on adults; kidney.epi refuses under 18 too).
pub fn egfr(equation: Equation, k: &Kidney) -> Result<f64> {
    within(
        "age",
        k.age,
        18.0,
        120.0,
        "years is outside 18–120; the eGFR equations here are for adults (children need CKiD U25)",
    )?;
    let scr = if equation.needs_creatinine() {
        let v = k.creatinine.ok_or(CalcError::Missing {
            equation: equation.key(),
            input: "creatinine",
        })?;
        creatinine_mg_dl(v, CreatinineUnit::MgDl)?
    } else {
        0.0
    };
    let cys = if equation.needs_cystatin() {
        let v = k.cystatin.ok_or(CalcError::Missing {
            equation: equation.key(),
            input: "cystatin C",
        })?;
        cystatin_mg_l(v)?
    } else {
        0.0
    };
    let black = if equation.uses_race() {
        k.race
            .ok_or(CalcError::Missing {
                equation: equation.key(),
                input: "race (black or other): it is a race-based equation",
            })?
            .is_black()
    } else {
        false
    };
    let female = k.sex == Sex::Female;
    Ok(match equation {
        Equation::CkdEpi2009Cr => ckd_epi_2009_cr(scr, k.age, female, black),
        Equation::CkdEpi2021Cr => ckd_epi_2021_cr(scr, k.age, female),
        Equation::CkdEpi2012Cys => ckd_epi_2012_cys(cys, k.age, female),
        Equation::CkdEpi2012CrCys => ckd_epi_2012_cr_cys(scr, cys, k.age, female, black),
        Equation::CkdEpi2021CrCys => ckd_epi_2021_cr_cys(scr, cys, k.age, female),
        Equation::Mdrd175 => mdrd_175(scr, k.age, female, black),
        Equation::Mdrd186 => mdrd_186(scr, k.age, female, black),
    })
}

/// κ of the CKD-EPI creatinine terms: 0.7 mg/dL for women, 0.9 for men.
fn kappa(female: bool) -> f64 {
    if female { 0.7 } else { 0.9 }
}

/// `min(r, 1)^lo × max(r, 1)^hi`, the two-slope spline every CKD-EPI term uses.
fn spline(ratio: f64, lo: f64, hi: f64) -> f64 {
    ratio.min(1.0).powf(lo) * ratio.max(1.0).powf(hi)
}

/// CKD-EPI 2009 creatinine — Levey 2009. 141 × min(Scr/κ,1)^α × max(Scr/κ,1)^−1.209 ×
/// 0.993^age × 1.018 [female] × 1.159 [Black]; α −0.329 (F), −0.411 (M). The multiplicative
/// form, which reproduces the NKF calculator (the paper's rounded 144/166/163 differ ≤ 0.3 %).
pub fn ckd_epi_2009_cr(scr: f64, age: f64, female: bool, black: bool) -> f64 {
    let alpha = if female { -0.329 } else { -0.411 };
    141.0
        * spline(scr / kappa(female), alpha, -1.209)
        * 0.993f64.powf(age)
        * if female { 1.018 } else { 1.0 }
        * if black { 1.159 } else { 1.0 }
}

/// CKD-EPI 2021 creatinine — Inker 2021. 142 × min(Scr/κ,1)^α × max(Scr/κ,1)^−1.200 ×
/// 0.9938^age × 1.012 [female]; α −0.241 (F), −0.302 (M).
pub fn ckd_epi_2021_cr(scr: f64, age: f64, female: bool) -> f64 {
    let alpha = if female { -0.241 } else { -0.302 };
    142.0
        * spline(scr / kappa(female), alpha, -1.200)
        * 0.9938f64.powf(age)
        * if female { 1.012 } else { 1.0 }
}

/// CKD-EPI 2012 cystatin C — Inker 2012. 133 × min(Scys/0.8,1)^−0.499 ×
/// max(Scys/0.8,1)^−1.328 × 0.996^age × 0.932 [female].
pub fn ckd_epi_2012_cys(cys: f64, age: f64, female: bool) -> f64 {
    133.0
        * spline(cys / 0.8, -0.499, -1.328)
        * 0.996f64.powf(age)
        * if female { 0.932 } else { 1.0 }
}

/// CKD-EPI 2012 creatinine–cystatin C — Inker 2012. 135 × min(Scr/κ,1)^α ×
/// max(Scr/κ,1)^−0.601 × min(Scys/0.8,1)^−0.375 × max(Scys/0.8,1)^−0.711 × 0.995^age ×
/// 0.969 [female] × 1.08 [Black]; α −0.248 (F), −0.207 (M).
pub fn ckd_epi_2012_cr_cys(scr: f64, cys: f64, age: f64, female: bool, black: bool) -> f64 {
    let alpha = if female { -0.248 } else { -0.207 };
    135.0
        * spline(scr / kappa(female), alpha, -0.601)
        * spline(cys / 0.8, -0.375, -0.711)
        * 0.995f64.powf(age)
        * if female { 0.969 } else { 1.0 }
        * if black { 1.08 } else { 1.0 }
}

/// CKD-EPI 2021 creatinine–cystatin C — Inker 2021. 135 × min(Scr/κ,1)^α ×
/// max(Scr/κ,1)^−0.544 × min(Scys/0.8,1)^−0.323 × max(Scys/0.8,1)^−0.778 × 0.9961^age ×
/// 0.963 [female]; α −0.219 (F), −0.144 (M).
pub fn ckd_epi_2021_cr_cys(scr: f64, cys: f64, age: f64, female: bool) -> f64 {
    let alpha = if female { -0.219 } else { -0.144 };
    135.0
        * spline(scr / kappa(female), alpha, -0.544)
        * spline(cys / 0.8, -0.323, -0.778)
        * 0.9961f64.powf(age)
        * if female { 0.963 } else { 1.0 }
}

/// MDRD 4-variable for IDMS-traceable creatinine — Levey 2006. 175 × Scr^−1.154 ×
/// age^−0.203 × 0.742 [female] × 1.212 [Black].
pub fn mdrd_175(scr: f64, age: f64, female: bool, black: bool) -> f64 {
    175.0
        * scr.powf(-1.154)
        * age.powf(-0.203)
        * if female { 0.742 } else { 1.0 }
        * if black { 1.212 } else { 1.0 }
}

/// MDRD 4-variable, original — Levey 1999. 186 × Scr^−1.154 × age^−0.203 × 0.742 [female] ×
/// 1.210 [Black].
pub fn mdrd_186(scr: f64, age: f64, female: bool, black: bool) -> f64 {
    186.0
        * scr.powf(-1.154)
        * age.powf(-0.203)
        * if female { 0.742 } else { 1.0 }
        * if black { 1.210 } else { 1.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn man(scr: f64, age: f64, race: Race) -> Kidney {
        Kidney {
            creatinine: Some(scr),
            cystatin: None,
            age,
            sex: Sex::Male,
            race: Some(race),
        }
    }

    #[test]
    fn the_issue_example() {
        let k = man(1.4, 60.0, Race::Black);
        let free = egfr(Equation::CkdEpi2021Cr, &k).unwrap();
        let based = egfr(Equation::CkdEpi2009Cr, &k).unwrap();
        assert!((free - 57.54).abs() < 0.01, "{free}");
        assert!((based - 62.84).abs() < 0.01, "{based}");
    }

    #[test]
    fn continuous_at_kappa() {
        for female in [false, true] {
            let k = kappa(female);
            let below = ckd_epi_2021_cr(k - 1e-9, 50.0, female);
            let above = ckd_epi_2021_cr(k + 1e-9, 50.0, female);
            assert!((below - above).abs() < 1e-6);
        }
    }

    #[test]
    fn race_only_where_the_equation_uses_it() {
        let b = man(1.2, 50.0, Race::Black);
        let o = man(1.2, 50.0, Race::Other);
        for e in Equation::ALL
            .into_iter()
            .filter(|e| e.needs_creatinine() && !e.needs_cystatin())
        {
            let (vb, vo) = (egfr(e, &b).unwrap(), egfr(e, &o).unwrap());
            assert_eq!(e.uses_race(), vb != vo, "{e}");
        }
    }

    #[test]
    fn unit_mixups_are_named() {
        let e = creatinine_mg_dl(88.0, CreatinineUnit::MgDl).unwrap_err();
        let text = e.to_string();
        assert!(text.contains("looks like µmol/L"), "{text}");
        assert!(text.contains("1.00 mg/dL"), "{text}");
        let e = creatinine_mg_dl(1.2, CreatinineUnit::UmolL).unwrap_err();
        assert!(e.to_string().contains("looks like mg/dL"), "{e}");
        assert!(creatinine_mg_dl(0.0, CreatinineUnit::MgDl).is_err());
        assert!(creatinine_mg_dl(-1.0, CreatinineUnit::MgDl).is_err());
        assert!(creatinine_mg_dl(31.0, CreatinineUnit::MgDl).is_err());
        assert!(
            creatinine_mg_dl(5000.0, CreatinineUnit::MgDl)
                .unwrap_err()
                .to_string()
                .contains("plausible")
        );
        assert!((creatinine_mg_dl(88.4, CreatinineUnit::UmolL).unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(CreatinineUnit::parse("µmol/L"), Some(CreatinineUnit::UmolL));
        assert_eq!(CreatinineUnit::parse("mg/dL"), Some(CreatinineUnit::MgDl));
        assert_eq!(CreatinineUnit::parse("mmol/L"), None);
    }

    #[test]
    fn refuses_children_missing_inputs_and_missing_race() {
        let mut k = man(1.0, 17.0, Race::Other);
        assert!(
            egfr(Equation::CkdEpi2021Cr, &k)
                .unwrap_err()
                .to_string()
                .contains("adults")
        );
        k.age = 40.0;
        assert!(matches!(
            egfr(Equation::CkdEpi2012Cys, &k),
            Err(CalcError::Missing {
                input: "cystatin C",
                ..
            })
        ));
        k.race = None;
        assert!(egfr(Equation::CkdEpi2021Cr, &k).is_ok());
        assert!(matches!(
            egfr(Equation::CkdEpi2009Cr, &k),
            Err(CalcError::Missing { .. })
        ));
        k.creatinine = None;
        assert!(matches!(
            egfr(Equation::CkdEpi2021Cr, &k),
            Err(CalcError::Missing { .. })
        ));
        let k = Kidney {
            cystatin: Some(90.0),
            ..man(1.0, 40.0, Race::Other)
        };
        assert!(
            egfr(Equation::CkdEpi2021CrCys, &k)
                .unwrap_err()
                .to_string()
                .contains("nmol/L")
        );
    }

    #[test]
    fn successors_and_twins() {
        for e in Equation::ALL {
            assert!(!e.race_free().uses_race(), "{e}");
            if let Some(t) = e.race_based_twin() {
                assert!(t.uses_race());
                assert_eq!(t.race_free(), e);
            }
            assert_eq!(Equation::from_key(e.key()), Some(e));
        }
    }
}
