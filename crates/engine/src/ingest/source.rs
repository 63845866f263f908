//! Reading source CSV files: header lookup by name, line numbers, and the log of skipped
//! records.

use crate::error::{EngineError, Result, io};
use serde::Serialize;
use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

/// The first line of a file (its header).
pub fn first_line(path: &Path) -> Result<String> {
    let f = std::fs::File::open(path).map_err(|e| io(path, e))?;
    let mut line = String::new();
    std::io::BufReader::new(f)
        .read_line(&mut line)
        .map_err(|e| io(path, e))?;
    Ok(line.trim_start_matches('\u{feff}').trim_end().to_string())
}

/// Records skipped during ingestion, per file, with the first reason seen.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SkipLog {
    /// One entry per file with skipped records.
    pub files: Vec<Skipped>,
}

/// Skipped records of one file.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    pub file: String,
    pub count: u64,
    pub first: String,
}

impl SkipLog {
    /// Records a bad record: with `strict`, returns the error instead.
    pub fn skip(&mut self, strict: bool, err: EngineError) -> Result<()> {
        if strict {
            return Err(err);
        }
        let (file, message) = match &err {
            EngineError::Record { file, .. } => (file.clone(), err.to_string()),
            other => (String::new(), other.to_string()),
        };
        if let Some(s) = self.files.iter_mut().find(|s| s.file == file) {
            s.count += 1;
        } else {
            self.files.push(Skipped {
                file,
                count: 1,
                first: message,
            });
        }
        Ok(())
    }

    /// Total skipped records.
    pub fn total(&self) -> u64 {
        self.files.iter().map(|s| s.count).sum()
    }
}

/// Column positions of a CSV header, looked up case-insensitively.
#[derive(Debug, Clone)]
pub struct Columns {
    file: String,
    index: HashMap<String, usize>,
    header: Vec<String>,
}

impl Columns {
    /// Reads the header of `reader`.
    pub fn read<R: std::io::Read>(file: &str, reader: &mut csv::Reader<R>) -> Result<Self> {
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| {
                EngineError::file(format!("{file}:1"), format!("cannot read the header: {e}"))
            })?
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase())
            .collect();
        let index = header
            .iter()
            .enumerate()
            .map(|(i, h)| (h.clone(), i))
            .collect();
        Ok(Self {
            file: file.to_string(),
            index,
            header,
        })
    }

    /// The position of a required column.
    pub fn required(&self, name: &str) -> Result<usize> {
        self.index.get(name).copied().ok_or_else(|| {
            EngineError::file(
                format!("{}:1", self.file),
                format!(
                    "missing column '{name}'; the header has: {}",
                    self.header.join(", ")
                ),
            )
        })
    }

    /// The position of an optional column.
    pub fn optional(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// The first of several alternative names that is present.
    pub fn one_of(&self, names: &[&str]) -> Result<usize> {
        names.iter().find_map(|n| self.optional(n)).ok_or_else(|| {
            EngineError::file(
                format!("{}:1", self.file),
                format!(
                    "missing column '{}'; the header has: {}",
                    names.join("' or '"),
                    self.header.join(", ")
                ),
            )
        })
    }
}

/// Opens a CSV file for streaming. A header with tabs and no commas makes it tab-separated
/// (as OHDSI's Athena vocabulary files are).
pub fn open_csv(path: &Path) -> Result<csv::Reader<std::fs::File>> {
    let header = first_line(path)?;
    let delimiter = if header.contains('\t') && !header.contains(',') {
        b'\t'
    } else {
        b','
    };
    let f = std::fs::File::open(path).map_err(|e| io(path, e))?;
    Ok(csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(f))
}

/// A record's reading error as an engine error (bad UTF-8, ragged row), with its line.
pub fn record_error(file: &str, e: &csv::Error) -> EngineError {
    let line = e.position().map_or(0, |p| p.line());
    let message = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "the file is not UTF-8 text".to_string(),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("the row has {len} fields but the header has {expected_len}")
        }
        _ => e.to_string(),
    };
    EngineError::record(file, line, "row", message)
}

/// A CSV table being streamed: its file name (for messages), header and records.
pub struct CsvTable {
    pub file: String,
    pub columns: Columns,
    reader: csv::Reader<std::fs::File>,
}

impl CsvTable {
    /// Opens `path` and reads its header.
    pub fn open(path: &Path) -> Result<Self> {
        let file = path.display().to_string();
        let mut reader = open_csv(path)?;
        let columns = Columns::read(&file, &mut reader)?;
        Ok(Self {
            file,
            columns,
            reader,
        })
    }

    /// Hands every record to `f`. A record that cannot be read, or that `f` rejects with a
    /// record error, is skipped and counted (with `strict`, it stops the run); other errors
    /// stop the run.
    pub fn each(
        mut self,
        strict: bool,
        skipped: &mut SkipLog,
        mut f: impl FnMut(&Row<'_>) -> Result<()>,
    ) -> Result<()> {
        let mut rec = csv::StringRecord::new();
        loop {
            match self.reader.read_record(&mut rec) {
                Ok(false) => return Ok(()),
                Ok(true) => {
                    let row = Row {
                        file: &self.file,
                        line: rec.position().map_or(0, |p| p.line()),
                        rec: &rec,
                    };
                    match f(&row) {
                        Ok(()) => {}
                        Err(e @ EngineError::Record { .. }) => skipped.skip(strict, e)?,
                        Err(e) => return Err(e),
                    }
                }
                Err(e) => {
                    let fatal = matches!(e.kind(), csv::ErrorKind::Io(_));
                    let err = record_error(&self.file, &e);
                    if fatal {
                        return Err(err);
                    }
                    skipped.skip(strict, err)?;
                }
            }
        }
    }
}

/// One record of a [`CsvTable`], with typed, error-reporting accessors.
pub struct Row<'a> {
    pub file: &'a str,
    pub line: u64,
    rec: &'a csv::StringRecord,
}

impl Row<'_> {
    /// The trimmed text of a column ("" when absent).
    pub fn get(&self, i: Option<usize>) -> &str {
        i.and_then(|i| self.rec.get(i)).unwrap_or("").trim()
    }

    /// A record error at this row.
    pub fn bad(&self, field: &str, message: impl Into<String>) -> EngineError {
        EngineError::record(self.file, self.line, field, message)
    }

    /// A text value that must not be empty.
    pub fn id(&self, i: Option<usize>, field: &str) -> Result<&str> {
        let t = self.get(i);
        if t.is_empty() {
            Err(self.bad(field, "is empty"))
        } else {
            Ok(t)
        }
    }

    /// A date (days since the epoch); empty is an error when `required`.
    pub fn date(&self, i: Option<usize>, field: &str, required: bool) -> Result<Option<i32>> {
        self.parsed(i, field, required, "date", |t| {
            crate::dates::parse_date(t).map(crate::dates::days)
        })
    }

    /// A date-time (µs since the epoch); empty is an error when `required`.
    pub fn timestamp(&self, i: Option<usize>, field: &str, required: bool) -> Result<Option<i64>> {
        self.parsed(
            i,
            field,
            required,
            "date-time",
            crate::dates::parse_timestamp,
        )
    }

    /// A finite number; empty is `None`.
    pub fn number(&self, i: Option<usize>, field: &str) -> Result<Option<f64>> {
        self.parsed(i, field, false, "number", |t| {
            t.parse::<f64>().ok().filter(|v| v.is_finite())
        })
    }

    fn parsed<T>(
        &self,
        i: Option<usize>,
        field: &str,
        required: bool,
        what: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<Option<T>> {
        let t = self.get(i);
        if t.is_empty() {
            return if required {
                Err(self.bad(field, "is empty"))
            } else {
                Ok(None)
            };
        }
        parse(t)
            .map(Some)
            .ok_or_else(|| self.bad(field, format!("'{t}' is not a {what}")))
    }
}
