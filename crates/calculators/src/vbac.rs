//! The MFMU Network's calculators of vaginal birth after cesarean: the 2007 model with terms
//! for African-American and Hispanic women, and its 2021 race-free replacement.
//!
//! Both are logistic: P(VBAC) = e^w / (1 + e^w). Population: one prior low-transverse
//! cesarean, term, singleton, vertex.

use crate::error::{CalcError, Result, within};
use serde::Serialize;

/// The model's version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Version {
    /// Grobman WA et al. Obstet Gynecol 2007;109(4):806-812.
    V2007,
    /// Grobman WA et al. Am J Obstet Gynecol 2021;225(6):664.e1-664.e7.
    V2021,
}

impl Version {
    pub fn key(self) -> &'static str {
        match self {
            Version::V2007 => "mfmu-2007",
            Version::V2021 => "mfmu-2021",
        }
    }

    pub fn citation(self) -> &'static str {
        match self {
            Version::V2007 => "Grobman WA et al. Obstet Gynecol 2007;109(4):806-812",
            Version::V2021 => "Grobman WA et al. Am J Obstet Gynecol 2021;225(6):664.e1-664.e7",
        }
    }
}

/// Vaginal births in the obstetric history, as the 2021 model asks it (one three-level
/// factor). The 2007 model reads the same history as two yes/no questions: any prior vaginal
/// delivery (yes for both non-`None` levels) and a prior VBAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum History {
    None,
    /// Vaginal birth only before the cesarean.
    BeforeCesarean,
    /// A vaginal birth after the cesarean.
    Vbac,
}

/// One woman's inputs. Height and weight are pre-pregnancy (the 2007 model's BMI is computed
/// from them).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VbacInputs {
    pub age: f64,
    pub height_cm: f64,
    pub weight_kg: f64,
    pub history: History,
    /// Prior cesarean for arrest of dilation or descent (the 2007 "recurring indication").
    pub arrest_indication: bool,
    /// Treated chronic hypertension (2021 only).
    pub treated_hypertension: bool,
    /// 2007 only: asked as two separate questions, so both can apply.
    pub african_american: bool,
    pub hispanic: bool,
}

/// ACOG Practice Bulletin 205: a predicted VBAC probability of at least 60–70 % carries equal
/// or lower morbidity than a repeat cesarean; 60 % is the line audits use.
pub const FAVOURABLE_PCT: f64 = 60.0;

/// The probability of VBAC in percent, unrounded.
pub fn probability_pct(p: &VbacInputs, version: Version) -> Result<f64> {
    within(
        "age",
        p.age,
        12.0,
        60.0,
        "years is outside 12–60, not a plausible obstetric patient",
    )?;
    within("height", p.height_cm, 120.0, 220.0, "cm is outside 120–220")?;
    within("weight", p.weight_kg, 30.0, 250.0, "kg is outside 30–250")?;
    let bmi = bmi(p);
    within(
        "BMI",
        bmi,
        12.0,
        80.0,
        "kg/m² is not plausible; check height (cm) and weight (kg)",
    )?;
    if version == Version::V2021 && (p.african_american || p.hispanic) {
        // Not an error of the patient's data: the 2021 model has no such inputs.
        return Err(CalcError::Missing {
            equation: Version::V2021.key(),
            input: "no race or ethnicity (the 2021 model has none; leave them out)",
        });
    }
    Ok(probability_unchecked(p, version))
}

/// Pre-pregnancy body-mass index, kg/m².
pub fn bmi(p: &VbacInputs) -> f64 {
    p.weight_kg / (p.height_cm / 100.0).powi(2)
}

/// The model itself, without the range checks.
pub fn probability_unchecked(p: &VbacInputs, version: Version) -> f64 {
    let flag = |b: bool| f64::from(u8::from(b));
    let w = match version {
        // w = 3.766 − 0.039 age − 0.060 BMI − 0.671 [AA] − 0.680 [Hispanic] + 0.888 [any prior
        // vaginal delivery] + 1.003 [prior VBAC] − 0.632 [recurring indication].
        Version::V2007 => {
            3.766
                - 0.039 * p.age
                - 0.060 * bmi(p)
                - 0.671 * flag(p.african_american)
                - 0.680 * flag(p.hispanic)
                + 0.888 * flag(p.history != History::None)
                + 1.003 * flag(p.history == History::Vbac)
                - 0.632 * flag(p.arrest_indication)
        }
        // w = −5.952 − 0.023 age − 0.024 weight + 0.056 height − 0.597 [arrest] + 0.868
        // [vaginal birth only before the cesarean] + 1.869 [VBAC] − 0.966 [treated cHTN].
        Version::V2021 => {
            -5.952 - 0.023 * p.age - 0.024 * p.weight_kg + 0.056 * p.height_cm
                - 0.597 * flag(p.arrest_indication)
                + 0.868 * flag(p.history == History::BeforeCesarean)
                + 1.869 * flag(p.history == History::Vbac)
                - 0.966 * flag(p.treated_hypertension)
        }
    };
    100.0 / (1.0 + (-w).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_penalties_apply_in_2007() {
        let p = VbacInputs {
            age: 30.0,
            height_cm: 165.0,
            weight_kg: 70.0,
            history: History::None,
            arrest_indication: false,
            treated_hypertension: false,
            african_american: true,
            hispanic: true,
        };
        let both = probability_pct(&p, Version::V2007).unwrap();
        let neither = probability_pct(
            &VbacInputs {
                african_american: false,
                hispanic: false,
                ..p
            },
            Version::V2007,
        )
        .unwrap();
        assert!(both < neither - 30.0);
        assert!(probability_pct(&p, Version::V2021).is_err());
    }

    #[test]
    fn refuses_the_implausible() {
        let p = VbacInputs {
            age: 30.0,
            height_cm: 1.65,
            weight_kg: 70.0,
            history: History::None,
            arrest_indication: false,
            treated_hypertension: false,
            african_american: false,
            hispanic: false,
        };
        assert!(
            probability_pct(&p, Version::V2021)
                .unwrap_err()
                .to_string()
                .contains("height")
        );
    }
}
