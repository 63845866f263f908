//! Facts about a patient that some sources keep outside the patient record: the payer (FHIR
//! Coverage or ExplanationOfBenefit, OMOP payer_plan_period), income and preferred language
//! (observations coded LOINC 63586-2 and 54899-0). Readers gather them first and apply them
//! when they write the patient; the latest fact wins.

use crate::demographics as demo;
use crate::vocab::{LOINC_INCOME, LOINC_LANGUAGE};
use std::collections::HashMap;

/// Latest-known payer, income and language per patient id.
#[derive(Debug, Default)]
pub struct Facts {
    payer: HashMap<String, (i64, &'static str)>,
    income: HashMap<String, (i64, f64)>,
    language: HashMap<String, (i64, &'static str)>,
}

fn keep_latest<T: Copy>(map: &mut HashMap<String, (i64, T)>, pid: &str, when: i64, value: T) {
    match map.get_mut(pid) {
        Some(old) if old.0 > when => {}
        Some(old) => *old = (when, value),
        None => {
            map.insert(pid.to_string(), (when, value));
        }
    }
}

impl Facts {
    /// A payer (name or type, as written) for a patient from `when` (µs since the epoch;
    /// `i64::MIN` when unknown).
    pub fn payer(&mut self, pid: &str, when: i64, text: &str) {
        keep_latest(&mut self.payer, pid, when, demo::payer(text));
    }

    /// An observation: kept when it is the income or preferred-language code.
    pub fn observation(
        &mut self,
        pid: &str,
        code: &str,
        when: i64,
        value: Option<f64>,
        text: Option<&str>,
    ) {
        if code == LOINC_INCOME {
            if let Some(v) = value.filter(|v| v.is_finite() && *v >= 0.0) {
                keep_latest(&mut self.income, pid, when, v);
            }
        } else if code == LOINC_LANGUAGE
            && let Some(t) = text.filter(|t| !t.trim().is_empty())
        {
            keep_latest(&mut self.language, pid, when, demo::language(t));
        }
    }

    /// The canonical payer type of a patient, if any record named one.
    pub fn payer_of(&self, pid: &str) -> Option<&'static str> {
        self.payer.get(pid).map(|v| v.1)
    }

    /// The latest income reported for a patient.
    pub fn income_of(&self, pid: &str) -> Option<f64> {
        self.income.get(pid).map(|v| v.1)
    }

    /// The latest preferred language reported for a patient (canonical label).
    pub fn language_of(&self, pid: &str) -> Option<&'static str> {
        self.language.get(pid).map(|v| v.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_fact_wins_whatever_the_order() {
        let mut f = Facts::default();
        f.payer("p", 20, "Medicaid");
        f.payer("p", 10, "Blue Cross");
        f.payer("q", i64::MIN, "NO_INSURANCE");
        assert_eq!(f.payer_of("p"), Some("Medicaid"));
        assert_eq!(f.payer_of("q"), Some("Uninsured"));
        assert_eq!(f.payer_of("r"), None);
        f.observation("p", LOINC_INCOME, 5, Some(30_000.0), None);
        f.observation("p", LOINC_INCOME, 1, Some(90_000.0), None);
        f.observation("p", "8480-6", 9, Some(120.0), None);
        assert_eq!(f.income_of("p"), Some(30_000.0));
        f.observation("p", LOINC_LANGUAGE, 1, None, Some("es"));
        assert_eq!(f.language_of("p"), Some("Other than English"));
    }
}
