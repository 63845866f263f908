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

/// Opens a CSV file for streaming.
pub fn open_csv(path: &Path) -> Result<csv::Reader<std::fs::File>> {
    let f = std::fs::File::open(path).map_err(|e| io(path, e))?;
    Ok(csv::ReaderBuilder::new()
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
