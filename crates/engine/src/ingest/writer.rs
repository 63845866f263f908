//! Writing canonical rows to Parquet, a batch at a time, all-or-nothing: a table is written to
//! a temporary name and renamed only when complete. The patients table of an input keeps one
//! record per patient (see [`TableWriter::push_patient`]).

use super::Options;
use super::source::SkipLog;
use crate::error::{EngineError, Result, io};
use crate::schema::Table;
use crate::tally::PatientIndex;
use datafusion::arrow::array::{
    ArrayRef, Date32Builder, Float64Builder, StringBuilder, TimestampMicrosecondBuilder,
};
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One value of a canonical row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    Str(Option<&'a str>),
    Date(Option<i32>),
    Ts(Option<i64>),
    Num(Option<f64>),
}

enum Column {
    Str(StringBuilder),
    Date(Date32Builder),
    Ts(TimestampMicrosecondBuilder),
    Num(Float64Builder),
}

impl Column {
    fn finish(&mut self) -> ArrayRef {
        match self {
            Column::Str(b) => Arc::new(b.finish()),
            Column::Date(b) => Arc::new(b.finish()),
            Column::Ts(b) => Arc::new(b.finish()),
            Column::Num(b) => Arc::new(b.finish()),
        }
    }
}

/// Rows per Arrow batch / Parquet row group slice.
const BATCH: usize = 64 * 1024;

/// Streams rows of one canonical table into `DIR/<table>.parquet`.
pub struct TableWriter {
    table: Table,
    schema: SchemaRef,
    columns: Vec<Column>,
    pending: usize,
    rows: u64,
    writer: ArrowWriter<File>,
    tmp: PathBuf,
    path: PathBuf,
    /// The patients table of an input: the ids written so far.
    ids: Option<Ids>,
}

/// The patient ids a patients table was given, so that each patient is written once.
struct Ids {
    seen: PatientIndex,
    strict: bool,
    repeated: SkipLog,
}

/// A patient id read a second time, at `file`:`line`, `field`.
pub fn repeated_id(file: &str, line: impl ToString, field: &str, id: &str) -> EngineError {
    EngineError::record(
        file,
        line,
        field,
        format!("'{id}' was read before (each patient needs one record)"),
    )
}

impl TableWriter {
    /// Starts writing `table` of an input into `dir`. Its patients table keeps each patient's
    /// first record: a repeated id is counted ([`TableWriter::take_repeated`]) or, with
    /// `strict`, an error.
    pub fn for_input(dir: &Path, table: Table, opts: Options) -> Result<Self> {
        let mut w = Self::create(dir, table)?;
        if table == Table::Patients {
            w.ids = Some(Ids {
                seen: PatientIndex::default(),
                strict: opts.strict,
                repeated: SkipLog::default(),
            });
        }
        Ok(w)
    }

    /// Starts writing `table` into `dir`, rows as given (the generator's ids are unique by
    /// construction, so no memory is spent checking them).
    pub fn create(dir: &Path, table: Table) -> Result<Self> {
        let schema = table.schema();
        let path = dir.join(format!("{}.parquet", table.name()));
        let tmp = dir.join(format!(".{}.parquet.partial", table.name()));
        let file = File::create(&tmp).map_err(|e| io(&tmp, e))?;
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build();
        let writer = ArrowWriter::try_new(file, schema.clone(), Some(props))?;
        let columns = schema
            .fields()
            .iter()
            .map(|f| match f.data_type() {
                DataType::Date32 => Column::Date(Date32Builder::with_capacity(BATCH)),
                DataType::Timestamp(..) => {
                    Column::Ts(TimestampMicrosecondBuilder::with_capacity(BATCH))
                }
                DataType::Float64 => Column::Num(Float64Builder::with_capacity(BATCH)),
                _ => Column::Str(StringBuilder::with_capacity(BATCH, BATCH * 16)),
            })
            .collect();
        Ok(Self {
            table,
            schema,
            columns,
            pending: 0,
            rows: 0,
            writer,
            tmp,
            path,
            ids: None,
        })
    }

    /// Appends a patients row read at `file`:`line`, its id (the first cell) from `field`,
    /// unless a row with that id was written before: a repeated id leaves the row out and is
    /// counted, or with `strict` is returned as a record error (which the readers' skipping
    /// passes on). Other tables, and writers made by [`TableWriter::create`], just append.
    pub fn push_patient(
        &mut self,
        cells: &[Cell<'_>],
        file: &str,
        line: impl ToString,
        field: &str,
    ) -> Result<()> {
        if let Some(ids) = &mut self.ids {
            let Some(Cell::Str(Some(id))) = cells.first() else {
                return Err(EngineError::Arrow(
                    "a patients row must start with its patient id".into(),
                ));
            };
            let before = ids.seen.len();
            if ids.seen.insert(id).is_none() {
                // The interner also refuses an id when full (u32 row numbers).
                if before >= u32::MAX as usize {
                    return Err(EngineError::Arrow(
                        "more than 4 294 967 295 patients".into(),
                    ));
                }
                return ids
                    .repeated
                    .skip(ids.strict, repeated_id(file, line, field, id));
            }
        }
        self.push(cells)
    }

    /// The repeated patient ids left out so far, per file (empty for other tables).
    pub fn take_repeated(&mut self) -> SkipLog {
        self.ids
            .as_mut()
            .map(|ids| std::mem::take(&mut ids.repeated))
            .unwrap_or_default()
    }

    /// Appends one row; `cells` follow the table's schema.
    pub fn push(&mut self, cells: &[Cell<'_>]) -> Result<()> {
        if cells.len() != self.columns.len() {
            return Err(EngineError::Arrow(format!(
                "{}: a row has {} values, the table has {} columns",
                self.table.name(),
                cells.len(),
                self.columns.len()
            )));
        }
        for (col, cell) in self.columns.iter_mut().zip(cells) {
            match (col, cell) {
                (Column::Str(b), Cell::Str(v)) => b.append_option(*v),
                (Column::Date(b), Cell::Date(v)) => b.append_option(*v),
                (Column::Ts(b), Cell::Ts(v)) => b.append_option(*v),
                (Column::Num(b), Cell::Num(v)) => b.append_option(*v),
                _ => {
                    return Err(EngineError::Arrow(format!(
                        "{}: a value does not match its column's type",
                        self.table.name()
                    )));
                }
            }
        }
        self.pending += 1;
        self.rows += 1;
        if self.pending >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if self.pending == 0 {
            return Ok(());
        }
        let arrays: Vec<ArrayRef> = self.columns.iter_mut().map(Column::finish).collect();
        let batch = RecordBatch::try_new(self.schema.clone(), arrays)?;
        self.writer.write(&batch)?;
        self.pending = 0;
        Ok(())
    }

    /// Finishes the file and moves it to its final name. Returns the number of rows.
    pub fn finish(mut self) -> Result<u64> {
        self.flush()?;
        self.writer.close()?;
        std::fs::rename(&self.tmp, &self.path).map_err(|e| io(&self.path, e))?;
        Ok(self.rows)
    }
}

/// Writers for all seven tables at once.
pub struct CanonicalWriter {
    pub patients: TableWriter,
    pub encounters: TableWriter,
    pub conditions: TableWriter,
    pub observations: TableWriter,
    pub procedures: TableWriter,
    pub medications: TableWriter,
    pub immunizations: TableWriter,
}

impl CanonicalWriter {
    /// Opens all seven tables of an input in `dir` (see [`TableWriter::for_input`]).
    pub fn for_input(dir: &Path, opts: Options) -> Result<Self> {
        Self::with(dir, TableWriter::for_input(dir, Table::Patients, opts)?)
    }

    /// Opens all seven tables in `dir`, rows as given (see [`TableWriter::create`]).
    pub fn create(dir: &Path) -> Result<Self> {
        Self::with(dir, TableWriter::create(dir, Table::Patients)?)
    }

    fn with(dir: &Path, patients: TableWriter) -> Result<Self> {
        Ok(Self {
            patients,
            encounters: TableWriter::create(dir, Table::Encounters)?,
            conditions: TableWriter::create(dir, Table::Conditions)?,
            observations: TableWriter::create(dir, Table::Observations)?,
            procedures: TableWriter::create(dir, Table::Procedures)?,
            medications: TableWriter::create(dir, Table::Medications)?,
            immunizations: TableWriter::create(dir, Table::Immunizations)?,
        })
    }

    /// Finishes all tables; returns the row counts in [`Table::ALL`] order.
    pub fn finish(self) -> Result<Vec<u64>> {
        Ok(vec![
            self.patients.finish()?,
            self.encounters.finish()?,
            self.conditions.finish()?,
            self.observations.finish()?,
            self.procedures.finish()?,
            self.medications.finish()?,
            self.immunizations.finish()?,
        ])
    }
}
