//! The canonical tables given directly: Parquet is used in place (after a schema check and a
//! look for repeated patient ids); CSV is converted to Parquet with every value checked.

use super::source::{Columns, SkipLog, open_csv, record_error};
use super::writer::{Cell, TableWriter, repeated_id};
use super::{Format, Ingested, Options};
use crate::dates::{days, parse_date, parse_timestamp};
use crate::error::{EngineError, Result, io};
use crate::schema::Table;
use crate::tally::PatientIndex;
use datafusion::arrow::array::{Array, AsArray, BooleanArray, RecordBatchReader};
use datafusion::arrow::compute::{cast, filter_record_batch};
use datafusion::arrow::datatypes::DataType;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::path::{Path, PathBuf};

/// Canonical Parquet, read in place: checks the tables, and leaves out repeated patient ids
/// (through a copy of the patients table in `work` without them, when there are any).
pub fn read_parquet(dir: &Path, work: &Path, opts: Options) -> Result<Ingested> {
    check_parquet(dir)?;
    let path = dir.join("patients.parquet");
    let mut repeated = SkipLog::default();
    let rows = repeated_rows(&path, opts.strict, &mut repeated)?;
    let patients = if rows.is_empty() {
        None
    } else {
        Some(copy_without(&path, &rows, work)?)
    };
    Ok(Ingested {
        dir: dir.to_path_buf(),
        format: Format::CanonicalParquet,
        rows: vec![None; Table::ALL.len()],
        skipped: SkipLog::default(),
        repeated,
        patients,
    })
}

fn parquet_reader(path: &Path) -> Result<ParquetRecordBatchReaderBuilder<std::fs::File>> {
    let file = std::fs::File::open(path).map_err(|e| io(path, e))?;
    ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| {
        EngineError::file(
            path.display().to_string(),
            format!("not a readable Parquet file: {e}"),
        )
    })
}

/// The rows (from 0, ascending) of `patients.parquet` whose patient id an earlier row has:
/// each is counted in `log` (as `row N`, from 1), or with `strict` an error.
fn repeated_rows(path: &Path, strict: bool, log: &mut SkipLog) -> Result<Vec<u64>> {
    let file = path.display().to_string();
    let builder = parquet_reader(path)?;
    let column = builder
        .schema()
        .index_of("patient_id")
        .map_err(|e| EngineError::file(&file, e.to_string()))?;
    // Only the id column is read; the file is read in order, so "first" is the file's first.
    let mask = ProjectionMask::roots(builder.parquet_schema(), [column]);
    let reader = builder.with_projection(mask).build()?;
    let mut seen = PatientIndex::default();
    let mut rows = Vec::new();
    let mut row = 0u64;
    for batch in reader {
        let ids = cast(batch?.column(0), &DataType::Utf8)?;
        let ids = ids.as_string::<i32>();
        for i in 0..ids.len() {
            if !ids.is_null(i) {
                let id = ids.value(i);
                let before = seen.len();
                if seen.insert(id).is_none() && before < u32::MAX as usize {
                    let at = format!("row {}", row + 1);
                    log.skip(strict, repeated_id(&file, at, "patient_id", id))?;
                    rows.push(row);
                }
            }
            row += 1;
        }
    }
    Ok(rows)
}

/// Writes `work/patients.parquet`: the patients of `path` without the rows `drop` (ascending).
fn copy_without(path: &Path, drop: &[u64], work: &Path) -> Result<PathBuf> {
    let reader = parquet_reader(path)?.build()?;
    let out = work.join("patients.parquet");
    let tmp = work.join(".patients.parquet.partial");
    let file = std::fs::File::create(&tmp).map_err(|e| io(&tmp, e))?;
    let mut writer = parquet::arrow::ArrowWriter::try_new(file, reader.schema(), None)?;
    let (mut start, mut next) = (0u64, drop.iter().peekable());
    for batch in reader {
        let batch = batch?;
        let end = start + batch.num_rows() as u64;
        let keep: BooleanArray = (start..end)
            .map(|r| {
                let dropped = next.peek().is_some_and(|&&d| d == r);
                if dropped {
                    next.next();
                }
                Some(!dropped)
            })
            .collect();
        writer.write(&filter_record_batch(&batch, &keep)?)?;
        start = end;
    }
    writer.close()?;
    std::fs::rename(&tmp, &out).map_err(|e| io(&out, e))?;
    Ok(out)
}

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
        let builder = parquet_reader(&path)?;
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
    let mut repeated = SkipLog::default();
    let mut rows = Vec::new();
    for table in Table::ALL {
        let path = dir.join(format!("{}.csv", table.name()));
        let mut writer = TableWriter::for_input(work, table, opts)?;
        if path.is_file() {
            convert_table(&path, table, &mut writer, opts, &mut skipped)?;
        } else if table == Table::Patients {
            return Err(EngineError::file(path.display().to_string(), "is missing"));
        }
        repeated.files.extend(writer.take_repeated().files);
        rows.push(Some(writer.finish()?));
    }
    Ok(Ingested {
        dir: work.to_path_buf(),
        format: Format::CanonicalCsv,
        rows,
        skipped,
        repeated,
        patients: None,
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
        if table == Table::Patients {
            out.push_patient(&cells, &file, line, "patient_id")?;
        } else {
            out.push(&cells)?;
        }
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
