//! Generated rows as OMOP CDM v5.4 CSV tables. Race, ethnicity, sex and visit types use the
//! standard concept ids; clinical codes get site-local concepts (ids above 2 000 000 000, the
//! range OMOP reserves for them) listed in `concept.csv` with their real vocabulary and code.
//! Income and preferred language are observations (LOINC 63586-2, 54899-0).

use super::sink::{CsvFiles, Person, Sink};
use crate::error::Result;
use crate::vocab::{LOINC_INCOME, LOINC_LANGUAGE};
use chrono::{DateTime, Datelike, NaiveDate};
use std::collections::HashMap;
use std::path::Path;

const PERSON: usize = 0;
const DEATH: usize = 1;
const LOCATION: usize = 2;
const PAYER: usize = 3;
const VISIT: usize = 4;
const CONDITION: usize = 5;
const MEASUREMENT: usize = 6;
const OBSERVATION: usize = 7;
const PROCEDURE: usize = 8;
const DRUG: usize = 9;
const CONCEPT: usize = 10;

const TABLES: [(&str, &[&str]); 11] = [
    (
        "person",
        &[
            "person_id",
            "gender_concept_id",
            "year_of_birth",
            "month_of_birth",
            "day_of_birth",
            "birth_datetime",
            "race_concept_id",
            "ethnicity_concept_id",
            "location_id",
            "person_source_value",
            "gender_source_value",
            "race_source_value",
            "ethnicity_source_value",
        ],
    ),
    (
        "death",
        &["person_id", "death_date", "death_type_concept_id"],
    ),
    ("location", &["location_id", "city", "state", "zip"]),
    (
        "payer_plan_period",
        &[
            "payer_plan_period_id",
            "person_id",
            "payer_plan_period_start_date",
            "payer_plan_period_end_date",
            "payer_concept_id",
            "payer_source_value",
        ],
    ),
    (
        "visit_occurrence",
        &[
            "visit_occurrence_id",
            "person_id",
            "visit_concept_id",
            "visit_start_date",
            "visit_start_datetime",
            "visit_end_date",
            "visit_end_datetime",
            "visit_type_concept_id",
            "visit_source_value",
        ],
    ),
    (
        "condition_occurrence",
        &[
            "condition_occurrence_id",
            "person_id",
            "condition_concept_id",
            "condition_start_date",
            "condition_end_date",
            "condition_type_concept_id",
            "visit_occurrence_id",
            "condition_source_value",
        ],
    ),
    (
        "measurement",
        &[
            "measurement_id",
            "person_id",
            "measurement_concept_id",
            "measurement_date",
            "measurement_datetime",
            "measurement_type_concept_id",
            "value_as_number",
            "visit_occurrence_id",
            "measurement_source_value",
            "unit_source_value",
        ],
    ),
    (
        "observation",
        &[
            "observation_id",
            "person_id",
            "observation_concept_id",
            "observation_date",
            "observation_datetime",
            "observation_type_concept_id",
            "value_as_number",
            "value_as_string",
            "observation_source_value",
        ],
    ),
    (
        "procedure_occurrence",
        &[
            "procedure_occurrence_id",
            "person_id",
            "procedure_concept_id",
            "procedure_date",
            "procedure_datetime",
            "procedure_type_concept_id",
            "visit_occurrence_id",
            "procedure_source_value",
        ],
    ),
    (
        "drug_exposure",
        &[
            "drug_exposure_id",
            "person_id",
            "drug_concept_id",
            "drug_exposure_start_date",
            "drug_exposure_start_datetime",
            "drug_exposure_end_date",
            "drug_exposure_end_datetime",
            "drug_type_concept_id",
            "visit_occurrence_id",
            "drug_source_value",
        ],
    ),
    (
        "concept",
        &[
            "concept_id",
            "concept_name",
            "domain_id",
            "vocabulary_id",
            "concept_class_id",
            "standard_concept",
            "concept_code",
            "valid_start_date",
            "valid_end_date",
            "invalid_reason",
        ],
    ),
];

/// "EHR" record type (OMOP Type Concept).
const EHR: &str = "32817";

pub struct OmopSink {
    out: CsvFiles,
    /// Local concepts by (vocabulary, code): id, name, domain.
    concepts: HashMap<(&'static str, String), (u64, String, &'static str)>,
    /// This patient's encounters: source id → visit_occurrence_id.
    visits: HashMap<String, u64>,
    next_id: u64,
    person: u64,
    /// When the income and language observations are dated (the first day of the year).
    jan1: String,
}

fn date_of(micros: i64) -> (String, String) {
    DateTime::from_timestamp_micros(micros)
        .map(|d| {
            (
                d.format("%Y-%m-%d").to_string(),
                d.format("%Y-%m-%d %H:%M:%S").to_string(),
            )
        })
        .unwrap_or_default()
}

impl OmopSink {
    pub fn create(dir: &Path, year: i32) -> Result<Self> {
        let mut out = CsvFiles::create(dir, &TABLES)?;
        for z in 0..100u32 {
            let zip = (90001 + z).to_string();
            out.write(LOCATION, &[&zip, "Springfield", "CA", &zip])?;
        }
        Ok(Self {
            out,
            concepts: HashMap::new(),
            visits: HashMap::new(),
            next_id: 0,
            person: 0,
            jan1: format!("{year}-01-01"),
        })
    }

    fn id(&mut self) -> String {
        self.next_id += 1;
        self.next_id.to_string()
    }

    fn concept(
        &mut self,
        vocabulary: &'static str,
        code: &str,
        name: &str,
        domain: &'static str,
    ) -> String {
        let n = self.concepts.len() as u64;
        let entry = self
            .concepts
            .entry((vocabulary, code.to_string()))
            .or_insert_with(|| (2_000_000_001 + n, name.to_string(), domain));
        entry.0.to_string()
    }

    fn visit(&self, enc: &str) -> String {
        self.visits.get(enc).map(u64::to_string).unwrap_or_default()
    }

    fn observation_row(&mut self, code: &str, name: &str, number: &str, text: &str) -> Result<()> {
        let id = self.id();
        let concept = self.concept("LOINC", code, name, "Observation");
        let (pid, day) = (self.person.to_string(), self.jan1.clone());
        let time = format!("{day} 00:00:00");
        self.out.write(
            OBSERVATION,
            &[&id, &pid, &concept, &day, &time, EHR, number, text, code],
        )
    }
}

impl Sink for OmopSink {
    fn patient(&mut self, p: &Person) -> Result<()> {
        self.visits.clear();
        self.person =
            p.id.trim_start_matches('p')
                .parse()
                .unwrap_or(self.person + 1);
        let pid = self.person.to_string();
        let (race_concept, race_source) = match p.race {
            "White" => ("8527", "white"),
            "Black or African American" => ("8516", "black"),
            "Asian" => ("8515", "asian"),
            "American Indian or Alaska Native" => ("8657", "native"),
            "Native Hawaiian or Pacific Islander" => ("8557", "hawaiian"),
            "Multiracial" => ("0", "multiracial"),
            "Unknown" => ("0", ""),
            _ => ("0", "other"),
        };
        let (eth_concept, eth_source) = if p.hispanic {
            ("38003563", "hispanic")
        } else {
            ("38003564", "nonhispanic")
        };
        let (gender, gender_source) = if p.female {
            ("8532", "F")
        } else {
            ("8507", "M")
        };
        let b = p.birth;
        self.out.write(
            PERSON,
            &[
                &pid,
                gender,
                &b.year().to_string(),
                &b.month().to_string(),
                &b.day().to_string(),
                &format!("{b} 00:00:00"),
                race_concept,
                eth_concept,
                &p.zip.to_string(),
                &p.id,
                gender_source,
                race_source,
                eth_source,
            ],
        )?;
        if let Some(d) = p.death {
            self.out.write(DEATH, &[&pid, &d.to_string(), EHR])?;
        }
        let payer = match p.payer {
            "Commercial" => "Blue Cross Blue Shield",
            "Other" => "Other Government",
            other => other,
        };
        if !payer.is_empty() {
            let id = self.id();
            self.out.write(
                PAYER,
                &[&id, &pid, &b.to_string(), "9999-12-31", "0", payer],
            )?;
        }
        let income = p.income.to_string();
        self.observation_row(LOINC_INCOME, "Family income in last year", &income, "")?;
        if !p.language.is_empty() {
            self.observation_row(LOINC_LANGUAGE, "Preferred language", "", p.language)?;
        }
        Ok(())
    }

    fn encounter(
        &mut self,
        id: &str,
        _pid: &str,
        start: i64,
        stop: i64,
        class: &str,
        code: &str,
        _desc: &str,
    ) -> Result<()> {
        let vid = self.next_id + 1;
        self.next_id = vid;
        self.visits.insert(id.to_string(), vid);
        let concept = match class {
            "emergency" => "9203",
            "inpatient" => "9201",
            _ => "9202",
        };
        let (d0, t0) = date_of(start);
        let (d1, t1) = date_of(stop);
        let pid = self.person.to_string();
        self.out.write(
            VISIT,
            &[
                &vid.to_string(),
                &pid,
                concept,
                &d0,
                &t0,
                &d1,
                &t1,
                EHR,
                code,
            ],
        )
    }

    fn condition(&mut self, _pid: &str, start: NaiveDate, code: &str, desc: &str) -> Result<()> {
        let id = self.id();
        let concept = self.concept("SNOMED", code, desc, "Condition");
        let pid = self.person.to_string();
        self.out.write(
            CONDITION,
            &[&id, &pid, &concept, &start.to_string(), "", EHR, "", code],
        )
    }

    fn observation(
        &mut self,
        _pid: &str,
        enc: &str,
        time: i64,
        code: &str,
        desc: &str,
        value: f64,
        unit: &str,
    ) -> Result<()> {
        let id = self.id();
        let concept = self.concept("LOINC", code, desc, "Measurement");
        let (d, t) = date_of(time);
        let (pid, visit) = (self.person.to_string(), self.visit(enc));
        self.out.write(
            MEASUREMENT,
            &[
                &id,
                &pid,
                &concept,
                &d,
                &t,
                EHR,
                &value.to_string(),
                &visit,
                code,
                unit,
            ],
        )
    }

    fn procedure(
        &mut self,
        _pid: &str,
        enc: &str,
        time: i64,
        code: &str,
        desc: &str,
    ) -> Result<()> {
        let id = self.id();
        let concept = self.concept("SNOMED", code, desc, "Procedure");
        let (d, t) = date_of(time);
        let (pid, visit) = (self.person.to_string(), self.visit(enc));
        self.out
            .write(PROCEDURE, &[&id, &pid, &concept, &d, &t, EHR, &visit, code])
    }

    fn medication(
        &mut self,
        _pid: &str,
        enc: &str,
        start: i64,
        stop: Option<i64>,
        code: &str,
        desc: &str,
    ) -> Result<()> {
        let id = self.id();
        let concept = self.concept("RxNorm", code, desc, "Drug");
        let (d0, t0) = date_of(start);
        let (d1, t1) = stop.map(date_of).unwrap_or_default();
        let (pid, visit) = (self.person.to_string(), self.visit(enc));
        self.out.write(
            DRUG,
            &[&id, &pid, &concept, &d0, &t0, &d1, &t1, EHR, &visit, code],
        )
    }

    fn immunization(
        &mut self,
        _pid: &str,
        enc: &str,
        time: i64,
        code: &str,
        desc: &str,
    ) -> Result<()> {
        let id = self.id();
        let concept = self.concept("CVX", code, desc, "Drug");
        let (d, t) = date_of(time);
        let (pid, visit) = (self.person.to_string(), self.visit(enc));
        self.out.write(
            DRUG,
            &[&id, &pid, &concept, &d, &t, "", "", EHR, &visit, code],
        )
    }

    fn finish(mut self: Box<Self>) -> Result<()> {
        let mut concepts: Vec<_> = self.concepts.drain().collect();
        concepts.sort_by_key(|(_, (id, _, _))| *id);
        for ((vocabulary, code), (id, name, domain)) in concepts {
            self.out.write(
                CONCEPT,
                &[
                    &id.to_string(),
                    &name,
                    domain,
                    vocabulary,
                    "Local",
                    "",
                    &code,
                    "1970-01-01",
                    "2099-12-31",
                    "",
                ],
            )?;
        }
        self.out.finish()
    }
}
