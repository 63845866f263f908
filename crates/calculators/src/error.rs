//! The one error type of the calculators: why an equation gives no number for these inputs.

use thiserror::Error;

/// Why an equation refuses to give a number. Every variant names the input, so a caller can
/// put it beside the file, line and column (or the command-line flag) it came from.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum CalcError {
    /// An input the equation needs was not given.
    #[error("{equation} needs {input}")]
    Missing {
        equation: &'static str,
        input: &'static str,
    },
    /// A value no patient has, or one outside the range the equation was validated on.
    #[error("{input} {value} {why}{}", hint.as_ref().map(|h| format!(" — {h}")).unwrap_or_default())]
    OutOfRange {
        input: &'static str,
        value: f64,
        /// "outside 40–79, the ages the Pooled Cohort Equations were derived on", "not a
        /// plausible serum creatinine (0.1–30 mg/dL)".
        why: String,
        /// What the user most likely meant (a unit mix-up), when that can be told.
        hint: Option<String>,
    },
    /// A value that is not a number at all (NaN or infinite).
    #[error("{input} is not a finite number")]
    NotFinite { input: &'static str },
}

/// Result alias used throughout the crate.
pub type Result<T, E = CalcError> = std::result::Result<T, E>;

/// Checks that `value` is finite and inside `[low, high]`; `why` says what the range is.
pub(crate) fn within(
    input: &'static str,
    value: f64,
    low: f64,
    high: f64,
    why: &str,
) -> Result<f64> {
    if !value.is_finite() {
        return Err(CalcError::NotFinite { input });
    }
    if value < low || value > high {
        return Err(CalcError::OutOfRange {
            input,
            value,
            why: why.to_string(),
            hint: None,
        });
    }
    Ok(value)
}
