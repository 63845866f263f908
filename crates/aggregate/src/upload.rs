//! An upload: an aggregate file and the measures of the same analysis, checked whole before
//! anything is stored. The platform's upload page and API and `rise upload` (which checks
//! before it sends) all use this one check, so a file is refused with the same message
//! wherever it is tried.

use crate::export::read_measures;
use crate::rows::{AggregateRow, MeasureInfo, measures_in, read_csv, says_unsuppressed};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Why an upload was refused: the field to show it next to, and the message (which names the
/// file, line and column).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct UploadError {
    pub field: &'static str,
    pub message: String,
}

fn refuse(field: &'static str, message: impl Into<String>) -> UploadError {
    UploadError {
        field,
        message: message.into(),
    }
}

/// How an upload came in: names the data set's source when the uploader gave none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Page,
    Api,
}

impl Via {
    fn source(self) -> &'static str {
        match self {
            Via::Page => "uploaded on the platform",
            Via::Api => "uploaded through the API",
        }
    }
}

/// The measures that come with an aggregate file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Measures<'a> {
    /// `measures.json` or `measures.csv` of the analysis folder: its name (for messages) and
    /// its bytes.
    File(&'a str, &'a [u8]),
    /// Already read (the API's `measures` array): the name of the field, and the list.
    Given(&'a str, &'a [MeasureInfo]),
    /// None: the file of an older `rise analyze` describes its measures in comment lines.
    InFile,
}

/// A checked data set, ready to store: label and source trimmed, every row's measure
/// described. Made only by [`check`] or [`Upload::new`], so what is stored has always been
/// through one of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Upload {
    label: String,
    source: String,
    rows: Vec<AggregateRow>,
    measures: Vec<MeasureInfo>,
    unsuppressed: bool,
}

impl Upload {
    /// A data set made in-process (the demo, tests): `unsuppressed` when its counts of 1–10
    /// are exact.
    pub fn new(
        label: &str,
        source: &str,
        rows: Vec<AggregateRow>,
        measures: Vec<MeasureInfo>,
        unsuppressed: bool,
    ) -> Self {
        Self {
            label: label.trim().to_string(),
            source: source.trim().to_string(),
            rows,
            measures,
            unsuppressed,
        }
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn rows(&self) -> &[AggregateRow] {
        &self.rows
    }

    pub fn measures(&self) -> &[MeasureInfo] {
        &self.measures
    }

    /// The member uploaded exact small counts (`rise analyze --no-suppression`).
    pub fn unsuppressed(&self) -> bool {
        self.unsuppressed
    }

    /// The period the others of the file partition (see [`crate::rows::whole_period`]).
    pub fn whole_period(&self) -> Option<String> {
        crate::rows::whole_period(self.rows.iter().map(|r| r.period.as_str()))
    }
}

/// Checks an aggregate file (`csv`, called `file` in messages) with its measures. A blank
/// `source` becomes what `via` says. Nothing is stored here.
pub fn check(
    via: Via,
    label: &str,
    source: &str,
    file: &str,
    csv: &[u8],
    measures: Measures<'_>,
) -> Result<Upload, UploadError> {
    let text = std::str::from_utf8(csv).map_err(|e| {
        refuse(
            "aggregates",
            format!(
                "{file}: is not UTF-8 text (byte {}); save it as UTF-8 CSV",
                e.valid_up_to() + 1
            ),
        )
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (rows, comments) =
        read_csv(text).map_err(|e| refuse("aggregates", format!("{file}: {e}")))?;
    if rows.is_empty() {
        return Err(refuse("aggregates", format!("{file}: has no rows")));
    }
    let (described_in, infos) = match measures {
        Measures::File(name, bytes) => (
            name,
            read_measures(bytes).map_err(|e| refuse("measures", format!("{name}: {e}")))?,
        ),
        Measures::Given(name, list) => (name, list.to_vec()),
        Measures::InFile => (
            file,
            measures_in(&comments).map_err(|e| refuse("aggregates", format!("{file}: {e}")))?,
        ),
    };
    if infos.is_empty() {
        return Err(refuse(
            "measures",
            format!(
                "{file} does not describe its measures: add measures.json (or measures.csv) from the same `rise analyze` folder"
            ),
        ));
    }
    check_measures(described_in, &infos)?;
    if let Some(r) = rows
        .iter()
        .find(|r| !infos.iter().any(|m| m.id == r.measure))
    {
        return Err(refuse(
            "measures",
            format!(
                "measure '{}' of {file} is not described in {described_in}",
                r.measure
            ),
        ));
    }
    let source = match source.trim() {
        "" => via.source(),
        s => s,
    };
    Ok(Upload::new(
        label,
        source,
        rows,
        infos,
        says_unsuppressed(&comments),
    ))
}

/// Each measure once, with an id, and no control characters (they would reach pages and CSV).
fn check_measures(described_in: &str, infos: &[MeasureInfo]) -> Result<(), UploadError> {
    let mut ids = HashSet::new();
    for m in infos {
        if !ids.insert(m.id.as_str()) {
            return Err(refuse(
                "measures",
                format!(
                    "{described_in}: measure '{}' is described twice; each measure id must be unique",
                    m.id
                ),
            ));
        }
        let texts = [&m.id, &m.title, &m.steward, &m.description];
        if texts
            .iter()
            .any(|t| t.chars().any(|c| c.is_control() && c != '\n'))
        {
            return Err(refuse(
                "measures",
                format!(
                    "{described_in}: measure '{}' holds a control character",
                    m.id.escape_debug()
                ),
            ));
        }
        if m.id.trim().is_empty() {
            return Err(refuse(
                "measures",
                format!("{described_in}: a measure has an empty id"),
            ));
        }
    }
    Ok(())
}

/// The JSON body of `POST /api/v1/org/datasets`, as `rise upload` sends it and the API reads
/// it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UploadBody {
    pub label: String,
    #[serde(default)]
    pub source: String,
    /// `aggregates.csv` as `rise analyze` wrote it.
    pub aggregates_csv: String,
    /// Every measure of the file (`measures.json` of the analysis folder); may be left out when
    /// `measures_csv` is given or the file describes its own measures (older `rise analyze`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measures: Option<Vec<MeasureInfo>>,
    /// `measures.csv` of the analysis folder, instead of `measures`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measures_csv: Option<String>,
}

impl UploadBody {
    /// The upload check, with refusals named by the body's own fields.
    pub fn check(&self) -> Result<Upload, UploadError> {
        let measures = match (&self.measures, &self.measures_csv) {
            (Some(list), _) => Measures::Given("measures", list),
            (None, Some(csv)) => Measures::File("measures_csv", csv.as_bytes()),
            (None, None) => Measures::InFile,
        };
        check(
            Via::Api,
            &self.label,
            &self.source,
            "aggregates.csv",
            self.aggregates_csv.as_bytes(),
            measures,
        )
        .map_err(|e| UploadError {
            field: if e.field == "aggregates" {
                "aggregates_csv"
            } else {
                e.field
            },
            message: e.message,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "measure,dimension,subgroup,period,numerator,denominator,suppressed\n";

    fn screening() -> MeasureInfo {
        MeasureInfo::new("m", "Screening", "CMS130", true)
    }

    fn measure_line() -> String {
        crate::rows::measure_comments(&[screening()]).remove(0)
    }

    fn page(file: &[u8], measures: Measures<'_>) -> Result<Upload, UploadError> {
        check(Via::Page, " B ", "", "agg.csv", file, measures)
    }

    #[test]
    fn a_self_describing_file_needs_nothing_else() {
        let csv = format!(
            "# {}\n{HEADER}m,overall,All,2024,40,100,false\n",
            measure_line()
        );
        let d = page(csv.as_bytes(), Measures::InFile).unwrap();
        assert_eq!(d.measures()[0].title, "Screening");
        assert_eq!(d.rows().len(), 1);
        assert!(!d.unsuppressed());
        assert_eq!((d.label(), d.source()), ("B", "uploaded on the platform"));
    }

    #[test]
    fn a_plain_file_reads_with_measures_csv_or_json() {
        let bare = format!("{HEADER}m,overall,All,2024,40,100,false\n");
        let csv = b"id,title,steward,higher_is_better,description\nm,Screening,CMS130,true,\n";
        let d = page(bare.as_bytes(), Measures::File("measures.csv", csv)).unwrap();
        assert_eq!(d.measures()[0].title, "Screening");
        let bad = b"id,title,steward,higher_is_better,description\nm,Screening,CMS130,often,\n";
        let e = page(bare.as_bytes(), Measures::File("measures.csv", bad)).unwrap_err();
        assert_eq!(
            (e.field, e.message.as_str()),
            (
                "measures",
                "measures.csv: line 2: higher_is_better: 'often' should be true or false"
            )
        );
    }

    #[test]
    fn refusals_name_the_file_line_and_field() {
        let e = page(b"\xff\xfe", Measures::InFile).unwrap_err();
        assert_eq!(e.field, "aggregates");
        assert!(
            e.message.starts_with("agg.csv: is not UTF-8"),
            "{}",
            e.message
        );
        let bad = format!("# {}\n{HEADER}m,sex,F,2024,50,40,false\n", measure_line());
        let e = page(bad.as_bytes(), Measures::InFile).unwrap_err();
        assert!(
            e.message.starts_with("agg.csv: line 3: numerator"),
            "{}",
            e.message
        );
        let bare = format!("{HEADER}m,overall,All,2024,40,100,false\n");
        let e = page(bare.as_bytes(), Measures::InFile).unwrap_err();
        assert_eq!(e.field, "measures");
        let e = page(bare.as_bytes(), Measures::File("measures.json", b"[]x")).unwrap_err();
        assert!(e.message.starts_with("measures.json:"));
        let other = format!(
            "# {}\n{HEADER}z,overall,All,2024,40,100,false\n",
            measure_line()
        );
        let e = page(other.as_bytes(), Measures::InFile).unwrap_err();
        assert!(e.message.contains("measure 'z'"));
        let twice = format!(
            "# {}\n# {}\n{HEADER}m,overall,All,2024,40,100,false\n",
            measure_line(),
            measure_line()
        );
        let e = page(twice.as_bytes(), Measures::InFile).unwrap_err();
        assert_eq!(e.field, "measures");
        assert!(e.message.contains("described twice"), "{}", e.message);
        let nul = br#"[{"id":"m","title":"a\u0000b","steward":"","higher_is_better":true,"description":""}]"#;
        let e = page(bare.as_bytes(), Measures::File("measures.json", nul)).unwrap_err();
        assert!(
            e.message
                .starts_with("measures.json: measure 'm' holds a control"),
            "{}",
            e.message
        );
    }

    #[test]
    fn the_body_names_its_own_fields_and_checks_a_given_list() {
        let body = UploadBody {
            label: "B".into(),
            source: String::new(),
            aggregates_csv: format!("{HEADER}m,overall,All,2024,40,100,maybe\n"),
            measures: Some(vec![screening()]),
            measures_csv: None,
        };
        assert_eq!(body.check().unwrap_err().field, "aggregates_csv");
        let mut twice = body.clone();
        twice.aggregates_csv = format!("{HEADER}m,overall,All,2024,40,100,false\n");
        let ok = twice.check().unwrap();
        assert_eq!(ok.source(), "uploaded through the API");
        twice.measures = Some(vec![screening(), screening()]);
        let e = twice.check().unwrap_err();
        assert_eq!(
            (e.field, e.message.as_str()),
            (
                "measures",
                "measures: measure 'm' is described twice; each measure id must be unique"
            )
        );
        // What `rise upload` sends is what the API reads.
        let json = serde_json::to_string(&body).unwrap();
        let back: UploadBody = serde_json::from_str(&json).unwrap();
        assert_eq!(back.aggregates_csv, body.aggregates_csv);
        assert!(!json.contains("measures_csv"));
    }
}
