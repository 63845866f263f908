//! Quality measures as data: each is an id, a title, the published measure it follows, a
//! direction, and denominator and numerator queries over the canonical tables.

use crate::error::{EngineError, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::Path;

/// The built-in library (`crates/engine/measures/builtin.toml`).
pub const BUILTIN: &str = include_str!("../measures/builtin.toml");

/// Whether a higher rate is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// e.g. screening coverage.
    HigherIsBetter,
    /// e.g. readmissions, mortality, poor control.
    LowerIsBetter,
}

/// One measure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Measure {
    /// Short identifier, `[a-z0-9_]+`.
    pub id: String,
    /// Title people read.
    pub title: String,
    /// The published measure it follows (e.g. `CMS165`).
    pub steward: String,
    /// Whether higher is better.
    pub direction: Direction,
    /// One or two sentences on who is counted.
    #[serde(default)]
    pub description: String,
    /// `SELECT patient_id …` of the eligible population.
    pub denominator: String,
    /// `SELECT patient_id …` of those meeting the measure.
    pub numerator: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    measure: Vec<Measure>,
}

/// The placeholders a measure's SQL may use.
pub const PLACEHOLDERS: [&str; 2] = ["period_start", "period_end"];

impl Measure {
    /// What reports and rankings need to know about the measure.
    pub fn info(&self) -> rise_aggregate::MeasureInfo {
        rise_aggregate::MeasureInfo::new(
            &self.id,
            &self.title,
            &self.steward,
            self.direction == Direction::HigherIsBetter,
        )
        .described(&self.description)
    }

    /// The denominator SQL for one period.
    pub fn denominator_sql(&self, start: &str, end: &str) -> String {
        substitute(&self.denominator, start, end)
    }

    /// The numerator SQL for one period.
    pub fn numerator_sql(&self, start: &str, end: &str) -> String {
        substitute(&self.numerator, start, end)
    }

    fn validate(&self) -> Result<()> {
        let err = |m: String| EngineError::Measure {
            id: self.id.clone(),
            message: m,
        };
        if self.id.is_empty()
            || !self
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(err(
                "the id must be lower-case letters, digits and underscores".into(),
            ));
        }
        if self.title.trim().is_empty() {
            return Err(err("the title is empty".into()));
        }
        for (what, sql) in [
            ("denominator", &self.denominator),
            ("numerator", &self.numerator),
        ] {
            if !sql.to_ascii_lowercase().contains("select") {
                return Err(err(format!(
                    "the {what} must be a SELECT query returning patient_id"
                )));
            }
            for name in placeholders(sql) {
                if !PLACEHOLDERS.contains(&name.as_str()) {
                    return Err(err(format!(
                        "the {what} uses {{{name}}}; only {{period_start}} and {{period_end}} are replaced"
                    )));
                }
            }
        }
        Ok(())
    }
}

fn substitute(sql: &str, start: &str, end: &str) -> String {
    sql.replace("{period_start}", start)
        .replace("{period_end}", end)
}

/// `{name}` tokens in SQL (identifiers only, so `{` in string literals of other shapes pass).
fn placeholders(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = sql;
    while let Some(i) = rest.find('{') {
        let after = &rest[i + 1..];
        if let Some(j) = after.find('}') {
            let name = &after[..j];
            if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                out.push(name.to_string());
            }
            rest = &after[j + 1..];
        } else {
            break;
        }
    }
    out
}

/// Parses a measure file (TOML with `[[measure]]` tables); `name` appears in errors.
pub fn parse(name: &str, text: &str) -> Result<Vec<Measure>> {
    let file: File = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| 1 + text[..s.start].matches('\n').count())
            .unwrap_or(0);
        EngineError::file(format!("{name}:{line}"), e.message().to_string())
    })?;
    for m in &file.measure {
        m.validate()?;
    }
    Ok(file.measure)
}

/// The built-in measures.
pub fn builtin() -> Vec<Measure> {
    // The built-in file is tested to parse; an empty library would show in every report.
    parse("builtin.toml", BUILTIN).unwrap_or_default()
}

/// The built-in measures plus those of the user's files; an id may not repeat.
pub fn library(extra: &[&Path]) -> Result<Vec<Measure>> {
    let mut all = parse("builtin.toml", BUILTIN)?;
    for path in extra {
        let text = std::fs::read_to_string(path).map_err(|e| crate::error::io(path, e))?;
        all.extend(parse(&path.display().to_string(), &text)?);
    }
    let mut seen = HashSet::new();
    for m in &all {
        if !seen.insert(m.id.as_str()) {
            return Err(EngineError::Measure {
                id: m.id.clone(),
                message: "defined twice".into(),
            });
        }
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_library_parses_and_is_broad() {
        let all = parse("builtin.toml", BUILTIN).expect("built-in measures parse");
        assert!(all.len() >= 12, "{} built-in measures", all.len());
        let ids: HashSet<&str> = all.iter().map(|m| m.id.as_str()).collect();
        for id in [
            "bp_control",
            "hba1c_poor_control",
            "colorectal_screening",
            "postpartum_visit",
            "mortality",
        ] {
            assert!(ids.contains(id), "{id}");
        }
        assert!(all.iter().any(|m| m.direction == Direction::LowerIsBetter));
    }

    #[test]
    fn placeholders_are_replaced() {
        let m = &builtin()[0];
        let sql = m.numerator_sql("2024-01-01", "2024-12-31");
        assert!(sql.contains("TIMESTAMP '2024-01-01'"));
        assert!(!sql.contains('{'));
    }

    #[test]
    fn bad_definitions_are_rejected_with_the_reason() {
        let bad = "[[measure]]\nid = \"X\"\ntitle = \"t\"\nsteward = \"s\"\ndirection = \"higher_is_better\"\ndenominator = \"SELECT patient_id FROM patients\"\nnumerator = \"SELECT patient_id FROM patients\"\n";
        assert!(
            parse("f.toml", bad)
                .unwrap_err()
                .to_string()
                .contains("lower-case")
        );
        let unknown = bad
            .replace("\"X\"", "\"x\"")
            .replace("FROM patients\"\nnum", "FROM patients WHERE {year}\"\nnum");
        assert!(
            parse("f.toml", &unknown)
                .unwrap_err()
                .to_string()
                .contains("{year}")
        );
        let direction = bad
            .replace("\"X\"", "\"x\"")
            .replace("higher_is_better", "up");
        let e = parse("f.toml", &direction).unwrap_err().to_string();
        assert!(e.starts_with("f.toml:5"), "{e}");
    }
}
