//! Generated rows as a FHIR R4 bulk-data export: one NDJSON file per resource type, with US
//! Core race and ethnicity, `communication` for the preferred language, a Coverage per insured
//! patient, and the income as an observation (LOINC 63586-2).

use super::iso;
use super::sink::{Partial, Person, Sink};
use crate::error::{EngineError, Result};
use crate::fhir::{self as f, CodeableConcept, Coding, Reference, Resource};
use crate::vocab::LOINC_INCOME;
use chrono::NaiveDate;
use std::io::Write;
use std::path::Path;

const FILES: [&str; 8] = [
    "Patient",
    "Encounter",
    "Condition",
    "Observation",
    "Procedure",
    "MedicationRequest",
    "Immunization",
    "Coverage",
];

const SNOMED: &str = "http://snomed.info/sct";
const LOINC: &str = "http://loinc.org";

pub struct FhirSink {
    files: Partial,
    /// When the income observation is dated (the first day of the generated year).
    income_time: String,
    next_id: u64,
}

impl FhirSink {
    pub fn create(dir: &Path, year: i32) -> Result<Self> {
        Ok(Self {
            files: Partial::create(dir, FILES.iter().map(|n| format!("{n}.ndjson")))?,
            income_time: format!("{year}-01-01T00:00:00Z"),
            next_id: 0,
        })
    }

    fn id(&mut self, prefix: &str) -> Option<String> {
        self.next_id += 1;
        Some(format!("{prefix}{}", self.next_id))
    }

    fn put(&mut self, r: &Resource) -> Result<()> {
        let file = match r {
            Resource::Patient(_) => 0,
            Resource::Encounter(_) => 1,
            Resource::Condition(_) => 2,
            Resource::Observation(_) => 3,
            Resource::Procedure(_) => 4,
            Resource::MedicationRequest(_) => 5,
            Resource::Immunization(_) => 6,
            _ => 7,
        };
        let w = self.files.file(file);
        serde_json::to_writer(&mut *w, r).map_err(|e| EngineError::Arrow(e.to_string()))?;
        w.write_all(b"\n")
            .map_err(|e| EngineError::Arrow(e.to_string()))
    }
}

fn concept(system: &str, code: &str, display: &str) -> Option<CodeableConcept> {
    Some(CodeableConcept {
        coding: vec![Coding {
            system: Some(system.into()),
            code: Some(code.into()),
            display: Some(display.into()),
        }],
        text: Some(display.into()),
    })
}

fn encounter_ref(enc: &str) -> Option<Reference> {
    (!enc.is_empty()).then(|| Reference {
        reference: Some(format!("Encounter/{enc}")),
        display: None,
    })
}

/// US Core race: OMB categories for the five races, two for Multiracial, text only for
/// Other, nothing for Unknown.
fn race_extension(p: &Person) -> Option<f::Extension> {
    let omb = |code: &str, display: &str| f::us_core_extension(f::US_CORE_RACE, code, display);
    Some(match p.race {
        "White" => omb("2106-3", "White"),
        "Black or African American" => omb("2054-5", "Black or African American"),
        "Asian" => omb("2028-9", "Asian"),
        "American Indian or Alaska Native" => omb("1002-5", "American Indian or Alaska Native"),
        "Native Hawaiian or Pacific Islander" => {
            omb("2076-8", "Native Hawaiian or Other Pacific Islander")
        }
        "Multiracial" => {
            let mut e = omb("2106-3", "White");
            let mut black = omb("2054-5", "Black or African American");
            e.extension.insert(1, black.extension.remove(0));
            if let Some(text) = e.extension.last_mut() {
                text.value_string = Some("Multiracial".into());
            }
            e
        }
        "Unknown" => return None,
        _ => f::Extension {
            url: f::US_CORE_RACE.into(),
            extension: vec![f::Extension {
                url: "text".into(),
                value_string: Some("Other".into()),
                ..f::Extension::default()
            }],
            ..f::Extension::default()
        },
    })
}

fn language_code(language: &str) -> Option<&'static str> {
    Some(match language {
        "English" => "en",
        "Spanish" => "es",
        "Chinese" => "zh",
        "Vietnamese" => "vi",
        "Arabic" => "ar",
        _ => return None,
    })
}

fn payer_name(payer: &str) -> Option<&'static str> {
    Some(match payer {
        "Medicare" => "Medicare",
        "Medicaid" => "Medicaid",
        "Commercial" => "Blue Cross Blue Shield",
        "NO_INSURANCE" => "NO_INSURANCE",
        "Other" => "Other Government",
        _ => return None,
    })
}

impl Sink for FhirSink {
    fn patient(&mut self, p: &Person) -> Result<()> {
        let mut extension: Vec<f::Extension> = race_extension(p).into_iter().collect();
        extension.push(if p.hispanic {
            f::us_core_extension(f::US_CORE_ETHNICITY, "2135-2", "Hispanic or Latino")
        } else {
            f::us_core_extension(f::US_CORE_ETHNICITY, "2186-5", "Not Hispanic or Latino")
        });
        let communication = language_code(p.language)
            .map(|code| f::Communication {
                language: CodeableConcept {
                    coding: vec![Coding {
                        system: Some("urn:ietf:bcp:47".into()),
                        code: Some(code.into()),
                        display: Some(p.language.into()),
                    }],
                    text: Some(p.language.into()),
                },
                preferred: Some(true),
            })
            .into_iter()
            .collect();
        let patient = f::Patient {
            id: Some(p.id.clone()),
            extension,
            gender: Some(if p.female { "female" } else { "male" }.into()),
            birth_date: Some(p.birth.to_string()),
            deceased_date_time: p.death.map(|d| format!("{d}T12:00:00Z")),
            address: vec![f::Address {
                postal_code: Some(p.zip.to_string()),
            }],
            communication,
        };
        self.put(&Resource::Patient(patient))?;
        if let Some(name) = payer_name(p.payer) {
            let coverage = f::Coverage {
                id: self.id("cov"),
                kind: None,
                beneficiary: Some(Reference::patient(&p.id)),
                payor: vec![Reference {
                    reference: None,
                    display: Some(name.into()),
                }],
                period: Some(f::Period {
                    start: Some(p.birth.to_string()),
                    end: None,
                }),
            };
            self.put(&Resource::Coverage(coverage))?;
        }
        let income = f::Observation {
            id: self.id("inc"),
            status: Some("final".into()),
            code: concept(LOINC, LOINC_INCOME, "Family income in last year"),
            subject: Some(Reference::patient(&p.id)),
            effective_date_time: Some(self.income_time.clone()),
            value: f::ObservationValue {
                value_quantity: Some(f::Quantity {
                    value: Some(p.income),
                    unit: Some("USD".into()),
                    code: None,
                }),
                ..f::ObservationValue::default()
            },
            ..f::Observation::default()
        };
        self.put(&Resource::Observation(income))
    }

    fn encounter(
        &mut self,
        id: &str,
        pid: &str,
        start: i64,
        stop: i64,
        class: &str,
        code: &str,
        desc: &str,
    ) -> Result<()> {
        let act = match class {
            "emergency" => "EMER",
            "inpatient" => "IMP",
            _ => "AMB",
        };
        let e = f::Encounter {
            id: Some(id.into()),
            class: Some(Coding {
                system: Some("http://terminology.hl7.org/CodeSystem/v3-ActCode".into()),
                code: Some(act.into()),
                display: None,
            }),
            kind: concept(SNOMED, code, desc).into_iter().collect(),
            subject: Some(Reference::patient(pid)),
            period: Some(f::Period {
                start: Some(iso(start)),
                end: Some(iso(stop)),
            }),
        };
        self.put(&Resource::Encounter(e))
    }

    fn condition(&mut self, pid: &str, start: NaiveDate, code: &str, desc: &str) -> Result<()> {
        let c = f::Condition {
            id: self.id("con"),
            code: concept(SNOMED, code, desc),
            subject: Some(Reference::patient(pid)),
            onset_date_time: Some(start.to_string()),
            ..f::Condition::default()
        };
        self.put(&Resource::Condition(c))
    }

    fn observation(
        &mut self,
        pid: &str,
        enc: &str,
        time: i64,
        code: &str,
        desc: &str,
        value: f64,
        unit: &str,
    ) -> Result<()> {
        let o = f::Observation {
            id: self.id("obs"),
            status: Some("final".into()),
            code: concept(LOINC, code, desc),
            subject: Some(Reference::patient(pid)),
            encounter: encounter_ref(enc),
            effective_date_time: Some(iso(time)),
            value: f::ObservationValue {
                value_quantity: Some(f::Quantity {
                    value: Some(value),
                    unit: (!unit.is_empty()).then(|| unit.to_string()),
                    code: None,
                }),
                ..f::ObservationValue::default()
            },
            ..f::Observation::default()
        };
        self.put(&Resource::Observation(o))
    }

    fn procedure(&mut self, pid: &str, enc: &str, time: i64, code: &str, desc: &str) -> Result<()> {
        let p = f::Procedure {
            id: self.id("proc"),
            status: Some("completed".into()),
            code: concept(SNOMED, code, desc),
            subject: Some(Reference::patient(pid)),
            encounter: encounter_ref(enc),
            performed_date_time: Some(iso(time)),
            performed_period: None,
        };
        self.put(&Resource::Procedure(p))
    }

    fn medication(
        &mut self,
        pid: &str,
        enc: &str,
        start: i64,
        stop: Option<i64>,
        code: &str,
        desc: &str,
    ) -> Result<()> {
        let m = f::MedicationRequest {
            id: self.id("med"),
            status: Some("active".into()),
            medication_codeable_concept: concept(
                "http://www.nlm.nih.gov/research/umls/rxnorm",
                code,
                desc,
            ),
            medication_reference: None,
            subject: Some(Reference::patient(pid)),
            encounter: encounter_ref(enc),
            authored_on: Some(iso(start)),
            dispense_request: stop.map(|s| f::DispenseRequest {
                validity_period: Some(f::Period {
                    start: Some(iso(start)),
                    end: Some(iso(s)),
                }),
            }),
        };
        self.put(&Resource::MedicationRequest(m))
    }

    fn immunization(
        &mut self,
        pid: &str,
        enc: &str,
        time: i64,
        code: &str,
        desc: &str,
    ) -> Result<()> {
        let i = f::Immunization {
            id: self.id("imm"),
            status: Some("completed".into()),
            vaccine_code: concept("http://hl7.org/fhir/sid/cvx", code, desc),
            patient: Some(Reference::patient(pid)),
            encounter: encounter_ref(enc),
            occurrence_date_time: Some(iso(time)),
        };
        self.put(&Resource::Immunization(i))
    }

    fn finish(self: Box<Self>) -> Result<()> {
        self.files.finish()
    }
}
