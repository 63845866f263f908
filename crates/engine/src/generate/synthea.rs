//! Generated rows as a Synthea-style CSV folder.

use super::iso;
use super::sink::{CsvFiles, Person, Sink};
use crate::error::Result;
use chrono::NaiveDate;
use std::path::Path;

/// Synthea-style CSV files.
pub struct SyntheaSink(CsvFiles);

const SYNTHEA_HEADERS: [(&str, &[&str]); 9] = [
    (
        "patients",
        &[
            "Id",
            "BIRTHDATE",
            "DEATHDATE",
            "SSN",
            "FIRST",
            "LAST",
            "RACE",
            "ETHNICITY",
            "GENDER",
            "ZIP",
            "INCOME",
            "LANGUAGE",
        ],
    ),
    (
        "encounters",
        &[
            "Id",
            "START",
            "STOP",
            "PATIENT",
            "ORGANIZATION",
            "PAYER",
            "ENCOUNTERCLASS",
            "CODE",
            "DESCRIPTION",
        ],
    ),
    (
        "conditions",
        &[
            "START",
            "STOP",
            "PATIENT",
            "ENCOUNTER",
            "CODE",
            "DESCRIPTION",
        ],
    ),
    (
        "observations",
        &[
            "DATE",
            "PATIENT",
            "ENCOUNTER",
            "CATEGORY",
            "CODE",
            "DESCRIPTION",
            "VALUE",
            "UNITS",
            "TYPE",
        ],
    ),
    (
        "procedures",
        &[
            "START",
            "STOP",
            "PATIENT",
            "ENCOUNTER",
            "CODE",
            "DESCRIPTION",
        ],
    ),
    (
        "medications",
        &[
            "START",
            "STOP",
            "PATIENT",
            "PAYER",
            "ENCOUNTER",
            "CODE",
            "DESCRIPTION",
        ],
    ),
    (
        "immunizations",
        &["DATE", "PATIENT", "ENCOUNTER", "CODE", "DESCRIPTION"],
    ),
    ("payers", &["Id", "NAME"]),
    (
        "payer_transitions",
        &["PATIENT", "START_DATE", "END_DATE", "PAYER"],
    ),
];

impl SyntheaSink {
    pub fn create(dir: &Path) -> Result<Self> {
        let mut s = Self(CsvFiles::create(dir, &SYNTHEA_HEADERS)?);
        for (id, name) in [
            ("pay-mcare", "Medicare"),
            ("pay-mcaid", "Medicaid"),
            ("pay-com", "Blue Cross Blue Shield"),
            ("pay-none", "NO_INSURANCE"),
            ("pay-other", "Other Government"),
        ] {
            s.write(7, &[id, name])?;
        }
        Ok(s)
    }

    fn write(&mut self, file: usize, record: &[&str]) -> Result<()> {
        self.0.write(file, record)
    }
}

impl Sink for SyntheaSink {
    fn patient(&mut self, p: &Person) -> Result<()> {
        let birth = p.birth.to_string();
        let death = p.death.map(|d| d.to_string()).unwrap_or_default();
        let income = format!("{}", p.income);
        let zip = p.zip.to_string();
        let eth = if p.hispanic {
            "hispanic"
        } else {
            "nonhispanic"
        };
        let race = if p.race == "Multiracial" {
            "Multiracial"
        } else {
            p.race_source
        };
        self.write(
            0,
            &[
                &p.id,
                &birth,
                &death,
                "999-99-9999",
                "Test",
                "Patient",
                race,
                eth,
                if p.female { "F" } else { "M" },
                &zip,
                &income,
                p.language,
            ],
        )?;
        let payer = match p.payer {
            "Medicare" => Some("pay-mcare"),
            "Medicaid" => Some("pay-mcaid"),
            "Commercial" => Some("pay-com"),
            "NO_INSURANCE" => Some("pay-none"),
            "Other" => Some("pay-other"),
            _ => None,
        };
        if let Some(payer) = payer {
            let from = p.birth.to_string();
            self.write(8, &[&p.id, &from, "9999-12-31", payer])?;
        }
        Ok(())
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
        self.write(
            1,
            &[
                id,
                &iso(start),
                &iso(stop),
                pid,
                "org-1",
                "",
                class,
                code,
                desc,
            ],
        )
    }
    fn condition(&mut self, pid: &str, start: NaiveDate, code: &str, desc: &str) -> Result<()> {
        self.write(2, &[&start.to_string(), "", pid, "", code, desc])
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
        self.write(
            3,
            &[
                &iso(time),
                pid,
                enc,
                "vital-signs",
                code,
                desc,
                &value.to_string(),
                unit,
                "numeric",
            ],
        )
    }
    fn procedure(&mut self, pid: &str, enc: &str, time: i64, code: &str, desc: &str) -> Result<()> {
        let t = iso(time);
        self.write(4, &[&t, &t, pid, enc, code, desc])
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
        self.write(
            5,
            &[
                &iso(start),
                &stop.map(iso).unwrap_or_default(),
                pid,
                "",
                enc,
                code,
                desc,
            ],
        )
    }
    fn immunization(
        &mut self,
        pid: &str,
        enc: &str,
        time: i64,
        code: &str,
        desc: &str,
    ) -> Result<()> {
        self.write(6, &[&iso(time), pid, enc, code, desc])
    }
    fn finish(self: Box<Self>) -> Result<()> {
        self.0.finish()
    }
}
