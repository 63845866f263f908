//! Clinical vocabularies the readers meet: code-system identifiers (FHIR URLs, OMOP
//! vocabulary ids) mapped to the short names the canonical tables use, and encounter classes
//! (FHIR v3 ActCode, OMOP visit concepts, free text) mapped to the canonical classes. Pure
//! functions.

/// Canonical code-system names, in the order Rise prefers them when a concept carries several
/// codings.
pub const SYSTEMS: [&str; 8] = [
    "SNOMED", "LOINC", "ICD10", "RxNorm", "CVX", "CPT", "HCPCS", "NDC",
];

/// The canonical name of a FHIR code-system URL (or OID), or `None` when Rise does not know
/// the system.
pub fn fhir_system(url: &str) -> Option<&'static str> {
    let u = url.trim().trim_end_matches('/').to_ascii_lowercase();
    let u = u
        .strip_prefix("https://")
        .or_else(|| u.strip_prefix("http://"))
        .unwrap_or(&u);
    Some(match u {
        "snomed.info/sct" | "urn:oid:2.16.840.1.113883.6.96" => "SNOMED",
        "loinc.org" | "urn:oid:2.16.840.1.113883.6.1" => "LOINC",
        "hl7.org/fhir/sid/icd-10-cm"
        | "hl7.org/fhir/sid/icd-10"
        | "urn:oid:2.16.840.1.113883.6.90"
        | "urn:oid:2.16.840.1.113883.6.3" => "ICD10",
        "www.nlm.nih.gov/research/umls/rxnorm" | "urn:oid:2.16.840.1.113883.6.88" => "RxNorm",
        "hl7.org/fhir/sid/cvx" | "urn:oid:2.16.840.1.113883.12.292" => "CVX",
        "www.ama-assn.org/go/cpt" | "urn:oid:2.16.840.1.113883.6.12" => "CPT",
        "www.cms.gov/medicare/coding/hcpcsreleasecodesets" | "urn:oid:2.16.840.1.113883.6.285" => {
            "HCPCS"
        }
        "hl7.org/fhir/sid/ndc" | "urn:oid:2.16.840.1.113883.6.69" => "NDC",
        _ => return None,
    })
}

/// The canonical name of an OMOP `vocabulary_id`, or `None` for vocabularies whose codes the
/// measures do not use.
pub fn omop_vocabulary(id: &str) -> Option<&'static str> {
    Some(match id.trim() {
        "SNOMED" => "SNOMED",
        "LOINC" => "LOINC",
        "ICD10CM" | "ICD10" => "ICD10",
        "RxNorm" | "RxNorm Extension" => "RxNorm",
        "CVX" => "CVX",
        "CPT4" => "CPT",
        "HCPCS" => "HCPCS",
        "NDC" => "NDC",
        _ => return None,
    })
}

/// Canonical encounter classes (Synthea's words, which the built-in measures use).
pub const CLASSES: [&str; 10] = [
    "ambulatory",
    "wellness",
    "outpatient",
    "urgentcare",
    "emergency",
    "inpatient",
    "home",
    "virtual",
    "hospice",
    "snf",
];

/// Maps a FHIR R4 `Encounter.class` code (HL7 v3 ActCode) to a canonical class.
pub fn fhir_encounter_class(code: &str) -> Option<&'static str> {
    Some(match code.trim().to_ascii_uppercase().as_str() {
        "AMB" | "PRENC" | "FLD" => "ambulatory",
        "EMER" => "emergency",
        "IMP" | "ACUTE" | "NONAC" => "inpatient",
        "OBSENC" | "SS" => "outpatient",
        "HH" => "home",
        "VR" => "virtual",
        _ => return text_encounter_class(code),
    })
}

/// Maps an OMOP `visit_concept_id` to a canonical class.
pub fn omop_visit_class(concept_id: &str) -> Option<&'static str> {
    Some(match concept_id.trim() {
        "9201" | "262" | "8717" => "inpatient",
        "9202" | "581477" | "38004207" => "ambulatory",
        "9203" | "8870" => "emergency",
        "581476" => "home",
        "5083" | "722455" => "virtual",
        "32036" | "581458" => "outpatient",
        "8546" => "hospice",
        "8863" | "42898160" => "snf",
        _ => return None,
    })
}

/// Maps a class written as text (`inpatient`, `Emergency Room Visit`, `IP`, …) to a
/// canonical class.
pub fn text_encounter_class(text: &str) -> Option<&'static str> {
    let t = text.trim().to_ascii_lowercase();
    if let Some(c) = CLASSES.iter().find(|c| **c == t) {
        return Some(c);
    }
    Some(match t.as_str() {
        "ip" | "inpatient visit" | "emergency room and inpatient visit" => "inpatient",
        "er" | "ed" | "emergency room visit" | "emergency department" => "emergency",
        "op" | "outpatient visit" => "outpatient",
        "office visit" | "ambulatory visit" => "ambulatory",
        "telehealth" | "telemedicine" => "virtual",
        "urgent care" => "urgentcare",
        "nursing facility" | "skilled nursing facility" => "snf",
        _ => return None,
    })
}

/// LOINC code of annual family income (PhenX); the readers use its latest value as the
/// patient's income where the source has no income column.
pub const LOINC_INCOME: &str = "63586-2";
/// LOINC code of the patient's preferred language, used where the source has no language
/// field of its own (OMOP).
pub const LOINC_LANGUAGE: &str = "54899-0";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fhir_systems() {
        assert_eq!(fhir_system("http://snomed.info/sct"), Some("SNOMED"));
        assert_eq!(fhir_system("http://loinc.org/"), Some("LOINC"));
        assert_eq!(
            fhir_system("http://hl7.org/fhir/sid/icd-10-cm"),
            Some("ICD10")
        );
        assert_eq!(
            fhir_system("http://www.nlm.nih.gov/research/umls/rxnorm"),
            Some("RxNorm")
        );
        assert_eq!(fhir_system("http://hl7.org/fhir/sid/cvx"), Some("CVX"));
        assert_eq!(
            fhir_system("urn:oid:2.16.840.1.113883.6.96"),
            Some("SNOMED")
        );
        assert_eq!(fhir_system("http://example.org/local-codes"), None);
    }

    #[test]
    fn encounter_classes() {
        assert_eq!(fhir_encounter_class("AMB"), Some("ambulatory"));
        assert_eq!(fhir_encounter_class("EMER"), Some("emergency"));
        assert_eq!(fhir_encounter_class("IMP"), Some("inpatient"));
        assert_eq!(fhir_encounter_class("wellness"), Some("wellness"));
        assert_eq!(fhir_encounter_class("XYZ"), None);
        assert_eq!(omop_visit_class("9203"), Some("emergency"));
        assert_eq!(omop_visit_class("9202"), Some("ambulatory"));
        assert_eq!(omop_visit_class("1"), None);
        assert_eq!(text_encounter_class("Inpatient Visit"), Some("inpatient"));
        assert_eq!(omop_vocabulary("ICD10CM"), Some("ICD10"));
        assert_eq!(omop_vocabulary("Gender"), None);
        for c in SYSTEMS {
            assert!(omop_vocabulary(c).is_some() || c == "ICD10" || c == "CPT");
        }
    }
}
