//! The canonical tables given directly: Parquet is used in place (after a schema check); CSV is
//! converted to Parquet with every value checked.

use super::source::{Columns, SkipLog, open_csv, record_error};
use super::writer::{Cell, TableWriter};
use super::{Format, Ingested, Options};
use crate::dates::{days, parse_date, parse_timestamp};
use crate::error::{EngineError, Result};
use crate::schema::Table;
use datafusion::arrow::datatypes::DataType;
use std::path::Path;

/// Checks that `patients.parquet` exists and every present table has the canonical columns.
pub fn check_parquet(dir: &Path) -> Result<()> {
    for table in Table::ALL {
        let path = dir.join(format!("{}.parquet", table.name()));
        if !path.is_file() {
            if table == Table::Patients {
                return Err(EngineError::file(path.display().to_string(), "is missing"));
            }
            continue;
        }
        let file = std::fs::File::open(&path).map_err(|e| crate::error::io(&path, e))?;
        let builder = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
            .map_err(|e| {
                EngineError::file(
                    path.display().to_string(),
                    format!("not a readable Parquet file: {e}"),
                )
            })?;
        let have = builder.schema();
        for field in table.schema().fields() {
            if have.field_with_name(field.name()).is_err() {
                return Err(EngineError::file(
                    path.display().to_string(),
                    format!(
                        "missing column '{}' of the canonical {} table",
                        field.name(),
                        table.name()
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Converts `DIR/<table>.csv` files with canonical headers into Parquet in `work`.
pub fn convert_csv(dir: &Path, work: &Path, opts: Options) -> Result<Ingested> {
    let mut skipped = SkipLog::default();
    let mut rows = Vec::new();
    for table in Table::ALL {
        let path = dir.join(format!("{}.csv", table.name()));
        let mut writer = TableWriter::create(work, table)?;
        if path.is_file() {
            convert_table(&path, table, &mut writer, opts, &mut skipped)?;
        } else if table == Table::Patients {
            return Err(EngineError::file(path.display().to_string(), "is missing"));
        }
        rows.push(Some(writer.finish()?));
    }
    Ok(Ingested {
        dir: work.to_path_buf(),
        format: Format::CanonicalCsv,
        rows,
        skipped,
    })
}

fn convert_table(
    path: &Path,
    table: Table,
    out: &mut TableWriter,
    opts: Options,
    skipped: &mut SkipLog,
) -> Result<()> {
    let file = path.display().to_string();
    let mut reader = open_csv(path)?;
    let cols = Columns::read(&file, &mut reader)?;
    let schema = table.schema();
    if table == Table::Patients {
        // Age-based measures need the column even where a value is missing.
        cols.required("birth_date")?;
    }
    let mut positions = Vec::new();
    for f in schema.fields() {
        let pos = if f.is_nullable() {
            cols.optional(f.name())
        } else {
            Some(cols.required(f.name())?)
        };
        positions.push((
            f.name().clone(),
            f.data_type().clone(),
            f.is_nullable(),
            pos,
        ));
    }
    let derived_race_ethnicity = table == Table::Patients;
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                skipped.skip(opts.strict, record_error(&file, &e))?;
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let mut cells = Vec::with_capacity(positions.len());
        let mut bad = None;
        let mut values: Vec<Option<String>> = Vec::with_capacity(positions.len());
        for (name, dtype, nullable, pos) in &positions {
            let text = pos.and_then(|i| record.get(i)).unwrap_or("").trim();
            if text.is_empty() {
                if !nullable {
                    bad = Some(EngineError::record(&file, line, name, "is empty"));
                    break;
                }
                values.push(None);
                continue;
            }
            let ok = match dtype {
                DataType::Date32 => parse_date(text).is_some(),
                DataType::Timestamp(..) => parse_timestamp(text).is_some(),
                DataType::Float64 => text.parse::<f64>().is_ok_and(f64::is_finite),
                _ => true,
            };
            if !ok {
                bad = Some(EngineError::record(
                    &file,
                    line,
                    name,
                    format!("'{text}' is not a valid {}", kind(dtype)),
                ));
                break;
            }
            values.push(Some(text.to_string()));
        }
        if let Some(e) = bad {
            skipped.skip(opts.strict, e)?;
            continue;
        }
        if derived_race_ethnicity {
            normalise_patient(&positions, &mut values);
        }
        for ((_, dtype, _, _), v) in positions.iter().zip(&values) {
            let v = v.as_deref();
            cells.push(match dtype {
                DataType::Date32 => Cell::Date(v.and_then(parse_date).map(days)),
                DataType::Timestamp(..) => Cell::Ts(v.and_then(parse_timestamp)),
                DataType::Float64 => Cell::Num(v.and_then(|t| t.parse().ok())),
                _ => Cell::Str(v),
            });
        }
        out.push(&cells)?;
    }
    Ok(())
}

fn kind(t: &DataType) -> &'static str {
    match t {
        DataType::Date32 => "date (YYYY-MM-DD)",
        DataType::Timestamp(..) => "date-time (ISO 8601)",
        DataType::Float64 => "number",
        _ => "text",
    }
}

/// Maps race, ethnicity, language, payer and sex to the canonical labels, keeping the source
/// values, and fills `race_ethnicity` when it is empty.
fn normalise_patient(
    positions: &[(String, DataType, bool, Option<usize>)],
    values: &mut [Option<String>],
) {
    use crate::demographics as d;
    let idx = |n: &str| positions.iter().position(|p| p.0 == n);
    let get = |values: &[Option<String>], n: &str| {
        idx(n).and_then(|i| values[i].clone()).unwrap_or_default()
    };
    let race_src = get(values, "race");
    let eth_src = get(values, "ethnicity");
    let race = d::race(&race_src);
    let eth = d::ethnicity(&eth_src);
    let set = |values: &mut [Option<String>], n: &str, v: String| {
        if let Some(i) = idx(n) {
            values[i] = Some(v);
        }
    };
    if get(values, "race_source").is_empty() && !race_src.is_empty() {
        set(values, "race_source", race_src.clone());
    }
    if get(values, "ethnicity_source").is_empty() && !eth_src.is_empty() {
        set(values, "ethnicity_source", eth_src.clone());
    }
    set(values, "race", race.to_string());
    set(values, "ethnicity", eth.to_string());
    set(values, "race_ethnicity", d::race_ethnicity(race, eth));
    let lang = d::language(&get(values, "language"));
    set(values, "language", lang.to_string());
    let payer = d::payer(&get(values, "payer"));
    set(values, "payer", payer.to_string());
    let sex = d::sex(&get(values, "sex"));
    set(values, "sex", sex.to_string());
}
