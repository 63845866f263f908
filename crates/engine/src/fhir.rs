//! The subset of FHIR R4 that Rise reads and writes: Patient (with the US Core race and
//! ethnicity extensions and `communication`), Encounter, Condition, Observation (with
//! components), Procedure, MedicationRequest, Immunization, Coverage, ExplanationOfBenefit
//! and Bundle. Unknown fields are ignored and unknown resource types parsed as [`Resource::Other`].
//!
//! Hand-written rather than generated: the FHIR model crates are either dormant, lack plain R4,
//! or cost gigabytes of RAM and minutes to compile (shared/STACK.md §2); these few types are
//! all the readers need, and the generator writes them back out.

use serde::{Deserialize, Serialize};

/// US Core race extension.
pub const US_CORE_RACE: &str = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race";
/// US Core ethnicity extension.
pub const US_CORE_ETHNICITY: &str =
    "http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity";
/// The CDC race and ethnicity code system.
pub const CDC_RACE: &str = "urn:oid:2.16.840.1.113883.6.238";

/// Every resource type of FHIR R4 (4.0.1), for recognising bulk-data files named after one.
#[rustfmt::skip]
pub const RESOURCE_TYPES: [&str; 146] = [
    "Account", "ActivityDefinition", "AdverseEvent", "AllergyIntolerance", "Appointment",
    "AppointmentResponse", "AuditEvent", "Basic", "Binary", "BiologicallyDerivedProduct",
    "BodyStructure", "Bundle", "CapabilityStatement", "CarePlan", "CareTeam", "CatalogEntry",
    "ChargeItem", "ChargeItemDefinition", "Claim", "ClaimResponse", "ClinicalImpression",
    "CodeSystem", "Communication", "CommunicationRequest", "CompartmentDefinition",
    "Composition", "ConceptMap", "Condition", "Consent", "Contract", "Coverage",
    "CoverageEligibilityRequest", "CoverageEligibilityResponse", "DetectedIssue", "Device",
    "DeviceDefinition", "DeviceMetric", "DeviceRequest", "DeviceUseStatement",
    "DiagnosticReport", "DocumentManifest", "DocumentReference", "EffectEvidenceSynthesis",
    "Encounter", "Endpoint", "EnrollmentRequest", "EnrollmentResponse", "EpisodeOfCare",
    "EventDefinition", "Evidence", "EvidenceVariable", "ExampleScenario", "ExplanationOfBenefit",
    "FamilyMemberHistory", "Flag", "Goal", "GraphDefinition", "Group", "GuidanceResponse",
    "HealthcareService", "ImagingStudy", "Immunization", "ImmunizationEvaluation",
    "ImmunizationRecommendation", "ImplementationGuide", "InsurancePlan", "Invoice", "Library",
    "Linkage", "List", "Location", "Measure", "MeasureReport", "Media", "Medication",
    "MedicationAdministration", "MedicationDispense", "MedicationKnowledge", "MedicationRequest",
    "MedicationStatement", "MedicinalProduct", "MedicinalProductAuthorization",
    "MedicinalProductContraindication", "MedicinalProductIndication",
    "MedicinalProductIngredient", "MedicinalProductInteraction", "MedicinalProductManufactured",
    "MedicinalProductPackaged", "MedicinalProductPharmaceutical",
    "MedicinalProductUndesirableEffect", "MessageDefinition", "MessageHeader",
    "MolecularSequence", "NamingSystem", "NutritionOrder", "Observation",
    "ObservationDefinition", "OperationDefinition", "OperationOutcome", "Organization",
    "OrganizationAffiliation", "Parameters", "Patient", "PaymentNotice", "PaymentReconciliation",
    "Person", "PlanDefinition", "Practitioner", "PractitionerRole", "Procedure", "Provenance",
    "Questionnaire", "QuestionnaireResponse", "RelatedPerson", "RequestGroup",
    "ResearchDefinition", "ResearchElementDefinition", "ResearchStudy", "ResearchSubject",
    "RiskAssessment", "RiskEvidenceSynthesis", "Schedule", "SearchParameter", "ServiceRequest",
    "Slot", "Specimen", "SpecimenDefinition", "StructureDefinition", "StructureMap",
    "Subscription", "Substance", "SubstanceNucleicAcid", "SubstancePolymer", "SubstanceProtein",
    "SubstanceReferenceInformation", "SubstanceSourceMaterial", "SubstanceSpecification",
    "SupplyDelivery", "SupplyRequest", "Task", "TerminologyCapabilities", "TestReport",
    "TestScript", "ValueSet", "VerificationResult", "VisionPrescription",
];

/// One resource, by its `resourceType`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "resourceType")]
#[allow(clippy::large_enum_variant)]
pub enum Resource {
    Patient(Patient),
    Encounter(Encounter),
    Condition(Condition),
    Observation(Observation),
    Procedure(Procedure),
    MedicationRequest(MedicationRequest),
    Immunization(Immunization),
    Coverage(Coverage),
    ExplanationOfBenefit(ExplanationOfBenefit),
    Bundle(Bundle),
    /// Any other resource type: read and ignored.
    #[serde(other)]
    Other,
}

impl Resource {
    /// The `resourceType` of a resource Rise reads (`None` for [`Resource::Other`]).
    pub fn kind(&self) -> Option<&'static str> {
        Some(match self {
            Resource::Patient(_) => "Patient",
            Resource::Encounter(_) => "Encounter",
            Resource::Condition(_) => "Condition",
            Resource::Observation(_) => "Observation",
            Resource::Procedure(_) => "Procedure",
            Resource::MedicationRequest(_) => "MedicationRequest",
            Resource::Immunization(_) => "Immunization",
            Resource::Coverage(_) => "Coverage",
            Resource::ExplanationOfBenefit(_) => "ExplanationOfBenefit",
            Resource::Bundle(_) => "Bundle",
            Resource::Other => return None,
        })
    }

    /// `Patient/123`-style name for messages, when the resource has an id.
    pub fn label(&self) -> String {
        let (kind, id) = match self {
            Resource::Patient(r) => ("Patient", &r.id),
            Resource::Encounter(r) => ("Encounter", &r.id),
            Resource::Condition(r) => ("Condition", &r.id),
            Resource::Observation(r) => ("Observation", &r.id),
            Resource::Procedure(r) => ("Procedure", &r.id),
            Resource::MedicationRequest(r) => ("MedicationRequest", &r.id),
            Resource::Immunization(r) => ("Immunization", &r.id),
            Resource::Coverage(r) => ("Coverage", &r.id),
            Resource::ExplanationOfBenefit(r) => ("ExplanationOfBenefit", &r.id),
            Resource::Bundle(r) => ("Bundle", &r.id),
            Resource::Other => ("resource", &None),
        };
        match id {
            Some(id) => format!("{kind}/{id}"),
            None => kind.to_string(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Coding {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CodeableConcept {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coding: Vec<Coding>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Reference {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

impl Reference {
    /// A reference to `Patient/<id>`.
    pub fn patient(id: &str) -> Self {
        Self {
            reference: Some(format!("Patient/{id}")),
            display: None,
        }
    }

    /// The referenced id: `Patient/123` → `123`, `urn:uuid:abc` → `abc`, `#x` → `x`.
    pub fn id(&self) -> Option<&str> {
        let r = self.reference.as_deref()?.trim();
        let id = r
            .strip_prefix("urn:uuid:")
            .or_else(|| r.strip_prefix('#'))
            .unwrap_or_else(|| r.rsplit('/').next().unwrap_or(r));
        (!id.is_empty()).then_some(id)
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Period {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Extension {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_coding: Option<Coding>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_string: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_decimal: Option<f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Communication {
    #[serde(default)]
    pub language: CodeableConcept,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred: Option<bool>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Patient {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deceased_date_time: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub address: Vec<Address>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub communication: Vec<Communication>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Encounter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<Coding>,
    #[serde(default, rename = "type", skip_serializing_if = "Vec::is_empty")]
    pub kind: Vec<CodeableConcept>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Reference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<CodeableConcept>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Reference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encounter: Option<Reference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onset_date_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onset_period: Option<Period>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abatement_date_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_date: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Quantity {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// The value of an observation or of one of its components.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObservationValue {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_quantity: Option<Quantity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_codeable_concept: Option<CodeableConcept>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_string: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_integer: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_boolean: Option<bool>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Component {
    #[serde(default)]
    pub code: CodeableConcept,
    #[serde(flatten)]
    pub value: ObservationValue,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Observation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<CodeableConcept>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Reference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encounter: Option<Reference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_date_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_period: Option<Period>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued: Option<String>,
    #[serde(flatten)]
    pub value: ObservationValue,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub component: Vec<Component>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Procedure {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<CodeableConcept>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Reference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encounter: Option<Reference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub performed_date_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub performed_period: Option<Period>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DispenseRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validity_period: Option<Period>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MedicationRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medication_codeable_concept: Option<CodeableConcept>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medication_reference: Option<Reference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Reference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encounter: Option<Reference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authored_on: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispense_request: Option<DispenseRequest>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Immunization {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vaccine_code: Option<CodeableConcept>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patient: Option<Reference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encounter: Option<Reference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occurrence_date_time: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Coverage {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<CodeableConcept>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beneficiary: Option<Reference>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub payor: Vec<Reference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
}

impl Coverage {
    /// The payer's name or type as written: the first payor's display, else the type.
    pub fn payer_text(&self) -> Option<&str> {
        self.payor
            .iter()
            .find_map(|p| p.display.as_deref())
            .or_else(|| self.kind.as_ref().and_then(concept_text))
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Insurance {
    #[serde(default)]
    pub coverage: Reference,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExplanationOfBenefit {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contained: Vec<Resource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patient: Option<Reference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billable_period: Option<Period>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub insurance: Vec<Insurance>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleEntry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<Resource>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Bundle {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entry: Vec<BundleEntry>,
}

/// The text of a concept: its `text`, else the first coding's display, else its code.
pub fn concept_text(c: &CodeableConcept) -> Option<&str> {
    c.text.as_deref().or_else(|| {
        c.coding
            .iter()
            .find_map(|k| k.display.as_deref().or(k.code.as_deref()))
    })
}

/// Race and ethnicity from the US Core extensions: the OMB category codes (several for
/// more than one race) and the extension's `text`.
pub fn us_core_category(p: &Patient, url: &str) -> (Vec<String>, Option<String>) {
    let mut codes = Vec::new();
    let mut text = None;
    for ext in p.extension.iter().filter(|e| e.url == url) {
        for sub in &ext.extension {
            match sub.url.as_str() {
                "ombCategory" => {
                    if let Some(code) = sub.value_coding.as_ref().and_then(|c| c.code.clone()) {
                        codes.push(code);
                    }
                }
                "text" => text = sub.value_string.clone(),
                _ => {}
            }
        }
    }
    (codes, text)
}

/// A US Core race or ethnicity extension with one OMB category.
pub fn us_core_extension(url: &str, code: &str, display: &str) -> Extension {
    Extension {
        url: url.to_string(),
        extension: vec![
            Extension {
                url: "ombCategory".into(),
                value_coding: Some(Coding {
                    system: Some(CDC_RACE.into()),
                    code: Some(code.into()),
                    display: Some(display.into()),
                }),
                ..Extension::default()
            },
            Extension {
                url: "text".into(),
                value_string: Some(display.into()),
                ..Extension::default()
            },
        ],
        ..Extension::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_resolve_to_ids() {
        let r = |s: &str| Reference {
            reference: Some(s.into()),
            display: None,
        };
        assert_eq!(r("Patient/123").id(), Some("123"));
        assert_eq!(r("urn:uuid:ab-cd").id(), Some("ab-cd"));
        assert_eq!(r("#cov1").id(), Some("cov1"));
        assert_eq!(r("").id(), None);
    }

    #[test]
    fn resources_parse_by_type_and_ignore_the_rest() {
        let text = r#"{"resourceType":"Observation","id":"o1","status":"final",
            "code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},
            "subject":{"reference":"urn:uuid:p1"},"effectiveDateTime":"2024-01-02T10:00:00-05:00",
            "component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},
              "valueQuantity":{"value":128,"unit":"mm[Hg]"}}],
            "somethingElse":[1,2,3]}"#;
        let r: Resource = serde_json::from_str(text).unwrap();
        let Resource::Observation(o) = r else {
            panic!("not an observation")
        };
        assert_eq!(o.component.len(), 1);
        assert_eq!(
            o.component[0]
                .value
                .value_quantity
                .as_ref()
                .and_then(|q| q.value),
            Some(128.0)
        );
        let other: Resource =
            serde_json::from_str(r#"{"resourceType":"Device","id":"d"}"#).unwrap();
        assert!(matches!(other, Resource::Other));
    }

    #[test]
    fn us_core_race_round_trips() {
        let p = Patient {
            extension: vec![us_core_extension(
                US_CORE_RACE,
                "2054-5",
                "Black or African American",
            )],
            ..Patient::default()
        };
        let json = serde_json::to_string(&Resource::Patient(p)).unwrap();
        let Resource::Patient(back) = serde_json::from_str(&json).unwrap() else {
            panic!("not a patient")
        };
        let (codes, text) = us_core_category(&back, US_CORE_RACE);
        assert_eq!(codes, vec!["2054-5".to_string()]);
        assert_eq!(text.as_deref(), Some("Black or African American"));
    }
}
