//! Errors of the store.

use crate::email::Email;
use serde::Serialize;
use thiserror::Error;

/// A problem with one field of a submitted form, to show next to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_string(),
            message: message.into(),
        }
    }
}

/// What went wrong.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The record does not exist (or the caller may not know that it does).
    #[error("not found")]
    NotFound,
    /// Submitted values are not acceptable; one message per field.
    #[error("invalid input: {}", .0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// The write conflicts with existing data (a duplicate name or email).
    #[error("{0}")]
    Conflict(String),
    /// Too many sign-in attempts for this account from this address: wait `seconds`.
    #[error("too many failed sign-ins; try again in {} minutes", (.seconds + 59) / 60)]
    Throttled { seconds: i64 },
    /// A password job could not run (its worker thread panicked or the pool shut down).
    #[error("password worker failed: {0}")]
    Worker(String),
    /// The store was set up wrongly (a bad URL).
    #[error("{0}")]
    Config(String),
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A migration failed.
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    /// One invalid field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }

    /// Turns a unique-constraint violation into a conflict with `message`.
    pub fn unique(e: sqlx::Error, message: &str) -> Self {
        match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                Self::Conflict(message.to_string())
            }
            _ => Self::Database(e),
        }
    }
}

/// Result alias of the store.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Collects field errors; `finish` fails when any were found.
#[derive(Debug, Default)]
pub(crate) struct Checks(Vec<FieldError>);

impl Checks {
    pub fn check(&mut self, ok: bool, field: &str, message: &str) {
        if !ok {
            self.0.push(FieldError::new(field, message));
        }
    }

    /// The email address in `given`, or a record that `field` is not one (then `finish` fails,
    /// and the empty placeholder returned is never used).
    pub fn email(&mut self, given: &str, field: &str) -> Email {
        match Email::parse(given) {
            Some(e) => e,
            None => {
                self.check(
                    false,
                    field,
                    "Enter an email address like name@example.org.",
                );
                Email::placeholder()
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn finish(self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(StoreError::Invalid(self.0))
        }
    }
}

/// A value in the database that the code does not know: the database was changed by hand
/// or by a newer version.
pub(crate) fn bad_value(column: &str, value: &str) -> StoreError {
    StoreError::Database(sqlx::Error::Decode(
        format!("unexpected {column} '{value}' in the database").into(),
    ))
}
