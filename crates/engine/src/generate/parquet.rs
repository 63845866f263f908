//! Generated rows as canonical Parquet tables.

use super::sink::{Person, Sink};
use crate::dates::days;
use crate::error::Result;
use crate::ingest::writer::{CanonicalWriter, Cell};
use chrono::NaiveDate;

pub struct ParquetSink(pub CanonicalWriter);

impl Sink for ParquetSink {
    fn patient(&mut self, p: &Person) -> Result<()> {
        use crate::demographics as d;
        let race = d::race(p.race_source);
        let race = if p.race == "Multiracial" {
            "Multiracial"
        } else {
            race
        };
        let eth = if p.hispanic {
            "Hispanic or Latino"
        } else {
            "Not Hispanic or Latino"
        };
        let re = d::race_ethnicity(race, eth);
        let zip = p.zip.to_string();
        self.0.patients.push(&[
            Cell::Str(Some(&p.id)),
            Cell::Date(Some(days(p.birth))),
            Cell::Date(p.death.map(days)),
            Cell::Str(Some(if p.female { "Female" } else { "Male" })),
            Cell::Str(Some(race)),
            Cell::Str(Some(eth)),
            Cell::Str(Some(&re)),
            Cell::Str(Some(d::language(p.language))),
            Cell::Str(Some(&zip)),
            Cell::Str(Some(d::payer(p.payer))),
            Cell::Num(Some(p.income)),
            Cell::Str(Some(p.race_source)),
            Cell::Str(Some(if p.hispanic {
                "hispanic"
            } else {
                "nonhispanic"
            })),
        ])
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
        self.0.encounters.push(&[
            Cell::Str(Some(id)),
            Cell::Str(Some(pid)),
            Cell::Ts(Some(start)),
            Cell::Ts(Some(stop)),
            Cell::Str(Some(class)),
            Cell::Str(Some(code)),
            Cell::Str(Some("SNOMED")),
            Cell::Str(Some(desc)),
        ])
    }
    fn condition(&mut self, pid: &str, start: NaiveDate, code: &str, desc: &str) -> Result<()> {
        self.0.conditions.push(&[
            Cell::Str(Some(pid)),
            Cell::Str(None),
            Cell::Date(Some(days(start))),
            Cell::Date(None),
            Cell::Str(Some(code)),
            Cell::Str(Some("SNOMED")),
            Cell::Str(Some(desc)),
        ])
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
        self.0.observations.push(&[
            Cell::Str(Some(pid)),
            Cell::Str(Some(enc).filter(|e| !e.is_empty())),
            Cell::Ts(Some(time)),
            Cell::Str(Some(code)),
            Cell::Str(Some("LOINC")),
            Cell::Str(Some(desc)),
            Cell::Num(Some(value)),
            Cell::Str(None),
            Cell::Str(Some(unit).filter(|u| !u.is_empty())),
        ])
    }
    fn procedure(&mut self, pid: &str, enc: &str, time: i64, code: &str, desc: &str) -> Result<()> {
        self.0.procedures.push(&[
            Cell::Str(Some(pid)),
            Cell::Str(Some(enc).filter(|e| !e.is_empty())),
            Cell::Ts(Some(time)),
            Cell::Str(Some(code)),
            Cell::Str(Some("SNOMED")),
            Cell::Str(Some(desc)),
        ])
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
        self.0.medications.push(&[
            Cell::Str(Some(pid)),
            Cell::Str(Some(enc).filter(|e| !e.is_empty())),
            Cell::Ts(Some(start)),
            Cell::Ts(stop),
            Cell::Str(Some(code)),
            Cell::Str(Some("RxNorm")),
            Cell::Str(Some(desc)),
        ])
    }
    fn immunization(
        &mut self,
        pid: &str,
        enc: &str,
        time: i64,
        code: &str,
        desc: &str,
    ) -> Result<()> {
        self.0.immunizations.push(&[
            Cell::Str(Some(pid)),
            Cell::Str(Some(enc).filter(|e| !e.is_empty())),
            Cell::Ts(Some(time)),
            Cell::Str(Some(code)),
            Cell::Str(Some("CVX")),
            Cell::Str(Some(desc)),
        ])
    }
    fn finish(self: Box<Self>) -> Result<()> {
        self.0.finish().map(|_| ())
    }
}
