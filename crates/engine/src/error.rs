//! Errors of the data engine.

use thiserror::Error;

/// What went wrong, with enough context (file, line or resource, field) to fix it.
#[derive(Debug, Error)]
pub enum EngineError {
    /// A record of an input file is wrong.
    #[error("{file}:{line}: {field}: {message}")]
    Record {
        file: String,
        line: String,
        field: String,
        message: String,
    },
    /// A whole file or folder is wrong (missing, unreadable, wrong header).
    #[error("{file}: {message}")]
    File { file: String, message: String },
    /// A measure definition is wrong.
    #[error("measure '{id}': {message}")]
    Measure { id: String, message: String },
    /// The patients cannot be grouped as asked (too many, or too many distinct values).
    #[error("{0}")]
    Roster(#[from] crate::tally::RosterError),
    /// A command-line setting is wrong.
    #[error("{0}")]
    Setting(String),
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// The query engine failed.
    #[error("query failed: {0}")]
    Query(#[from] datafusion::error::DataFusionError),
    /// Arrow or Parquet failed.
    #[error("data encoding failed: {0}")]
    Arrow(String),
}

impl EngineError {
    /// A bad record at a line (or FHIR resource id) of a file.
    pub fn record(
        file: impl Into<String>,
        line: impl ToString,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::Record {
            file: file.into(),
            line: line.to_string(),
            field: field.into(),
            message: message.into(),
        }
    }

    /// A bad file.
    pub fn file(file: impl Into<String>, message: impl Into<String>) -> Self {
        Self::File {
            file: file.into(),
            message: message.into(),
        }
    }

    /// Whether the user can fix this by changing their input (exit code 2).
    pub fn is_input(&self) -> bool {
        matches!(
            self,
            Self::Record { .. }
                | Self::File { .. }
                | Self::Measure { .. }
                | Self::Roster(_)
                | Self::Setting(_)
        )
    }
}

impl From<datafusion::arrow::error::ArrowError> for EngineError {
    fn from(e: datafusion::arrow::error::ArrowError) -> Self {
        Self::Arrow(e.to_string())
    }
}

impl From<parquet::errors::ParquetError> for EngineError {
    fn from(e: parquet::errors::ParquetError) -> Self {
        Self::Arrow(e.to_string())
    }
}

/// Result alias of the engine.
pub type Result<T, E = EngineError> = std::result::Result<T, E>;

/// Wraps an I/O error with its path.
pub fn io(path: &std::path::Path, source: std::io::Error) -> EngineError {
    EngineError::Io {
        path: path.display().to_string(),
        source,
    }
}
