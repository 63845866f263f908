//! `rise analyze` without its user interface: ingest, run every measure for every period and
//! grouping, and return the unsuppressed counts with data-quality facts.

use crate::analyze::{Count, Session};
use crate::dimensions::Grouping;
use crate::error::{EngineError, Result};
use crate::ingest::{self, Format, Ingested};
use crate::measures::Measure;
use crate::period::Period;
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Int64Type};
use std::path::{Path, PathBuf};

/// What to analyse.
pub struct Config {
    pub input: PathBuf,
    pub format: Option<Format>,
    pub measures: Vec<Measure>,
    /// The whole period first, then its parts (if split).
    pub periods: Vec<Period>,
    pub groupings: Vec<Grouping>,
    pub area_index: Option<PathBuf>,
    pub strict: bool,
}

/// Facts about the data for the report's data-quality section.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Quality {
    pub patients: u64,
    pub unknown_race: u64,
    pub unknown_ethnicity: u64,
    pub unknown_language: u64,
    pub unknown_payer: u64,
    pub missing_income: u64,
    pub missing_zip_in_index: Option<u64>,
}

/// The result of an analysis.
pub struct Output {
    pub ingested: Ingested,
    pub counts: Vec<Count>,
    pub quality: Quality,
}

/// Progress reports: `(done, total, what)`.
pub type Progress<'a> = &'a (dyn Fn(u64, u64, &str) + Sync);

/// Runs the analysis; `work` holds the ingested data while it runs.
pub async fn run(cfg: &Config, work: &Path, progress: Progress<'_>) -> Result<Output> {
    let format = match cfg.format {
        Some(f) => f,
        None => ingest::detect(&cfg.input)?,
    };
    let total = (cfg.measures.len() * cfg.periods.len()) as u64 + 1;
    progress(0, total, &format!("reading {} data", format.label()));
    let ingested = ingest::ingest(
        &cfg.input,
        format,
        work,
        ingest::Options { strict: cfg.strict },
    )?;
    let mut session = Session::open_ingested(&ingested, cfg.area_index.as_deref()).await?;
    let quality = quality(&session).await?;
    if quality.patients == 0 {
        return Err(EngineError::file(
            cfg.input.display().to_string(),
            "has no patients to analyse",
        ));
    }
    progress(1, total, "running measures");
    let mut counts = Vec::new();
    let mut done = 1;
    for period in &cfg.periods {
        session.set_period(period).await?;
        for m in &cfg.measures {
            counts.extend(session.measure_counts(m, period, &cfg.groupings).await?);
            done += 1;
            progress(done, total, &format!("{} {}", m.id, period.label));
        }
    }
    Ok(Output {
        ingested,
        counts,
        quality,
    })
}

async fn quality(s: &Session) -> Result<Quality> {
    let batches = s
        .query(
            "SELECT CAST(count(*) AS BIGINT) AS patients,
                    CAST(sum(CASE WHEN race = 'Unknown' OR race IS NULL THEN 1 ELSE 0 END) AS BIGINT) AS unknown_race,
                    CAST(sum(CASE WHEN ethnicity = 'Unknown' OR ethnicity IS NULL THEN 1 ELSE 0 END) AS BIGINT) AS unknown_ethnicity,
                    CAST(sum(CASE WHEN language = 'Unknown' OR language IS NULL THEN 1 ELSE 0 END) AS BIGINT) AS unknown_language,
                    CAST(sum(CASE WHEN payer = 'Unknown' OR payer IS NULL THEN 1 ELSE 0 END) AS BIGINT) AS unknown_payer,
                    CAST(sum(CASE WHEN income IS NULL THEN 1 ELSE 0 END) AS BIGINT) AS missing_income
             FROM patients",
        )
        .await?;
    let get = |name: &str| -> u64 {
        batches
            .first()
            .and_then(|b| b.column_by_name(name))
            .and_then(|c| cast(c, &DataType::Int64).ok())
            .map(|c| {
                let a = c.as_primitive::<Int64Type>();
                if a.is_empty() || a.is_null(0) {
                    0
                } else {
                    a.value(0).max(0) as u64
                }
            })
            .unwrap_or(0)
    };
    let mut q = Quality {
        patients: get("patients"),
        unknown_race: get("unknown_race"),
        unknown_ethnicity: get("unknown_ethnicity"),
        unknown_language: get("unknown_language"),
        unknown_payer: get("unknown_payer"),
        missing_income: get("missing_income"),
        missing_zip_in_index: None,
    };
    if s.has_area() {
        let b = s
            .query("SELECT CAST(count(*) AS BIGINT) AS n FROM patients p LEFT JOIN area_index a ON a.zip = p.zip WHERE a.zip IS NULL")
            .await?;
        q.missing_zip_in_index = b
            .first()
            .and_then(|b| b.column_by_name("n"))
            .map(|c| c.as_primitive::<Int64Type>().value(0).max(0) as u64);
    }
    Ok(q)
}
