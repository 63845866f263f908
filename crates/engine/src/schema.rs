//! The canonical patient-level schema every reader produces (documented in
//! `docs/canonical-schema.md`).
//!
//! Dates are `Date32`; times are naive `Timestamp(Microsecond)`; codes stay in their
//! standard systems (`system` holds `LOINC`, `SNOMED`, `ICD10`, `CVX`, `RxNorm`, …).

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use std::sync::Arc;

/// A canonical table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Table {
    Patients,
    Encounters,
    Conditions,
    Observations,
    Procedures,
    Medications,
    Immunizations,
}

impl Table {
    /// All tables, patients first.
    pub const ALL: [Table; 7] = [
        Table::Patients,
        Table::Encounters,
        Table::Conditions,
        Table::Observations,
        Table::Procedures,
        Table::Medications,
        Table::Immunizations,
    ];

    /// The table's name in SQL and on disk.
    pub fn name(self) -> &'static str {
        match self {
            Table::Patients => "patients",
            Table::Encounters => "encounters",
            Table::Conditions => "conditions",
            Table::Observations => "observations",
            Table::Procedures => "procedures",
            Table::Medications => "medications",
            Table::Immunizations => "immunizations",
        }
    }

    /// The Arrow schema of the table.
    pub fn schema(self) -> SchemaRef {
        let s = |n: &str| Field::new(n, DataType::Utf8, true);
        let id = |n: &str| Field::new(n, DataType::Utf8, false);
        let date = |n: &str| Field::new(n, DataType::Date32, true);
        let ts = |n: &str| Field::new(n, DataType::Timestamp(TimeUnit::Microsecond, None), true);
        let coded = || vec![s("code"), s("system"), s("description")];
        let fields: Vec<Field> = match self {
            Table::Patients => vec![
                id("patient_id"),
                date("birth_date"),
                date("death_date"),
                s("sex"),
                s("race"),
                s("ethnicity"),
                s("race_ethnicity"),
                s("language"),
                s("zip"),
                s("payer"),
                Field::new("income", DataType::Float64, true),
                s("race_source"),
                s("ethnicity_source"),
            ],
            Table::Encounters => {
                let mut f = vec![
                    id("encounter_id"),
                    id("patient_id"),
                    ts("start"),
                    ts("stop"),
                    s("class"),
                ];
                f.extend(coded());
                f
            }
            Table::Conditions => {
                let mut f = vec![
                    id("patient_id"),
                    s("encounter_id"),
                    date("start"),
                    date("stop"),
                ];
                f.extend(coded());
                f
            }
            Table::Observations => {
                let mut f = vec![id("patient_id"), s("encounter_id"), ts("time")];
                f.extend(coded());
                f.push(Field::new("value", DataType::Float64, true));
                f.push(s("value_text"));
                f.push(s("unit"));
                f
            }
            Table::Procedures | Table::Immunizations => {
                let mut f = vec![id("patient_id"), s("encounter_id"), ts("time")];
                f.extend(coded());
                f
            }
            Table::Medications => {
                let mut f = vec![id("patient_id"), s("encounter_id"), ts("start"), ts("stop")];
                f.extend(coded());
                f
            }
        };
        Arc::new(Schema::new(fields))
    }
}
