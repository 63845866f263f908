//! Readers: from what a member's systems export to the canonical tables, as Parquet files in a
//! working folder. Each reader streams its input; a bad record is skipped and counted (or, with
//! `strict`, stops the run) with its file, line (or resource id) and field. A patient id read a
//! second time is counted the same way and its record left out, so every later step sees one
//! record per patient (the writer checks, [`writer::TableWriter::push_patient`]; canonical
//! Parquet, read in place, is checked by itself).

mod canonical;
mod facts;
mod fhir;
mod omop;
mod source;
mod synthea;
pub mod writer;

use crate::error::{EngineError, Result};
use crate::schema::Table;
use serde::Serialize;
use std::path::{Path, PathBuf};

pub use source::{Columns, SkipLog};

/// Input formats `rise analyze` understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// The canonical tables as Parquet (`patients.parquet`, …).
    CanonicalParquet,
    /// The canonical tables as CSV (`patients.csv` with a `patient_id` column, …).
    CanonicalCsv,
    /// A Synthea CSV output folder (`patients.csv` with `Id,BIRTHDATE,…`).
    Synthea,
    /// FHIR R4: a bulk-data export (`*.ndjson`) and/or Bundles (`*.json`).
    Fhir,
    /// OMOP CDM v5.4 tables as CSV (`person.csv`, …).
    Omop,
}

impl Format {
    /// Parses a `--format` value.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "parquet" | "canonical-parquet" => Ok(Self::CanonicalParquet),
            "csv" | "canonical-csv" | "canonical" => Ok(Self::CanonicalCsv),
            "synthea" => Ok(Self::Synthea),
            "fhir" => Ok(Self::Fhir),
            "omop" => Ok(Self::Omop),
            other => Err(EngineError::Setting(format!(
                "unknown input format '{other}' (use parquet, csv, synthea, fhir or omop)"
            ))),
        }
    }

    /// A label for reports.
    pub fn label(self) -> &'static str {
        match self {
            Self::CanonicalParquet => "canonical Parquet",
            Self::CanonicalCsv => "canonical CSV",
            Self::Synthea => "Synthea CSV",
            Self::Fhir => "FHIR R4",
            Self::Omop => "OMOP CDM v5.4 CSV",
        }
    }
}

/// Recognises a folder's format from the files in it. A folder with the marks of two formats
/// (FHIR files beside an OMOP `person.csv`, say) is refused rather than guessed at.
pub fn detect(dir: &Path) -> Result<Format> {
    if !dir.is_dir() {
        return Err(EngineError::file(
            dir.display().to_string(),
            "is not a folder (rise analyze reads a folder of tables)",
        ));
    }
    let mut found: Vec<(Format, Vec<String>)> = Vec::new();
    if dir.join("patients.parquet").is_file() {
        found.push((Format::CanonicalParquet, vec!["patients.parquet".into()]));
    }
    let patients = dir.join("patients.csv");
    if patients.is_file() {
        let header = source::first_line(&patients)?.to_ascii_lowercase();
        let cols: Vec<&str> = header
            .split(',')
            .map(|c| c.trim().trim_matches('"'))
            .collect();
        let format = if cols.contains(&"patient_id") {
            Format::CanonicalCsv
        } else if cols.contains(&"id") && cols.contains(&"birthdate") {
            Format::Synthea
        } else {
            return Err(EngineError::file(
                patients.display().to_string(),
                "header is neither canonical (patient_id, …) nor Synthea (Id, BIRTHDATE, …); name the format with --format",
            ));
        };
        found.push((format, vec!["patients.csv".into()]));
    }
    if let Some(person) = omop::person_file(dir) {
        found.push((Format::Omop, vec![person]));
    }
    let fhir = fhir::file_names(dir);
    if !fhir.is_empty() {
        found.push((Format::Fhir, fhir));
    }
    match found.as_slice() {
        [] => Err(EngineError::file(
            dir.display().to_string(),
            "found no patients.parquet, patients.csv, person.csv (OMOP) or FHIR files (*.ndjson, *.json); is this the folder of an export?",
        )),
        [(format, _)] => Ok(*format),
        several => {
            let seen: Vec<String> = several
                .iter()
                .map(|(format, names)| format!("{} ({})", list(names), format.label()))
                .collect();
            Err(EngineError::file(
                dir.display().to_string(),
                format!(
                    "holds the files of more than one format: {}; name the one to read with --format (parquet, csv, synthea, fhir or omop)",
                    seen.join("; ")
                ),
            ))
        }
    }
}

/// A few file names for a message: `a, b, c and 5 more`.
fn list(names: &[String]) -> String {
    const SHOWN: usize = 3;
    let mut text = names[..names.len().min(SHOWN)].join(", ");
    if names.len() > SHOWN {
        text.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    text
}

/// What ingestion produced.
#[derive(Debug, Clone, Serialize)]
pub struct Ingested {
    /// The folder holding the canonical Parquet tables.
    #[serde(skip)]
    pub dir: PathBuf,
    /// The input format.
    pub format: Format,
    /// Rows per canonical table, in [`Table::ALL`] order (None: read in place, not counted).
    pub rows: Vec<Option<u64>>,
    /// Records skipped because they were bad.
    pub skipped: SkipLog,
    /// Patient records left out because their patient id was read before (each patient's
    /// first record is kept).
    pub repeated: SkipLog,
    /// Where the patients table is when not in `dir`: canonical Parquet with repeated ids is
    /// read in place, but its patients from a copy in the working folder without them.
    #[serde(skip)]
    pub patients: Option<PathBuf>,
}

impl Ingested {
    /// The Parquet file of a canonical table (which may not exist: an empty table).
    pub fn table_path(&self, table: Table) -> PathBuf {
        match (&self.patients, table) {
            (Some(p), Table::Patients) => p.clone(),
            _ => self.dir.join(format!("{}.parquet", table.name())),
        }
    }
}

/// Options of ingestion.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Stop at the first bad record instead of skipping it.
    pub strict: bool,
}

/// Reads `input` (of `format`) into canonical Parquet tables in `work`.
pub fn ingest(input: &Path, format: Format, work: &Path, opts: Options) -> Result<Ingested> {
    match format {
        Format::CanonicalParquet => canonical::read_parquet(input, work, opts),
        Format::CanonicalCsv => canonical::convert_csv(input, work, opts),
        Format::Synthea => synthea::convert(input, work, opts),
        Format::Fhir => fhir::convert(input, work, opts),
        Format::Omop => omop::convert(input, work, opts),
    }
}

/// Opens a `zip,index` CSV (the area deprivation table), checking its header.
pub fn open_area(path: &Path) -> Result<csv::Reader<std::fs::File>> {
    let file = path.display().to_string();
    let mut r = source::open_csv(path)?;
    let c = Columns::read(&file, &mut r)?;
    if c.optional("zip") != Some(0) || c.optional("index").is_none_or(|i| i != 1) {
        return Err(EngineError::file(
            format!("{file}:1"),
            "the area index needs the header 'zip,index'",
        ));
    }
    Ok(r)
}

/// A CSV reading error with its line.
pub fn record_error_pub(file: &str, e: &csv::Error) -> EngineError {
    source::record_error(file, e)
}
