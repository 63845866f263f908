//! Writing canonical rows to Parquet, a batch at a time, all-or-nothing: a table is written to
//! a temporary name and renamed only when complete.

use crate::error::{EngineError, Result, io};
use crate::schema::Table;
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
}

impl TableWriter {
    /// Starts writing `table` into `dir`.
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
        })
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
    /// Opens all seven tables in `dir`.
    pub fn create(dir: &Path) -> Result<Self> {
        Ok(Self {
            patients: TableWriter::create(dir, Table::Patients)?,
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
