//! Data sets as the pages and the API both handle them: an upload checked all-or-nothing before
//! anything is stored, and a stored data set as one viewer may see it.

use crate::Shared;
use rise_aggregate::export::read_measures;
use rise_aggregate::inequity::{Inequity, inequities};
use rise_aggregate::rows::{AggregateRow, MeasureInfo, measures_in, read_csv, says_unsuppressed};
use rise_aggregate::suppress::suppress_rows;
use rise_store::model::Dataset;
use rise_store::{NewDataset, StoreError};
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// Why an upload was refused: the form field to show it next to, and the message (which names
/// the file, line and column).
#[derive(Debug, Clone, PartialEq)]
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

/// Checks an uploaded aggregate file (`csv`, named `file` in messages) and, when given, the
/// measures of the same analysis (`(name, bytes)` of `measures.json` or `measures.csv`); an
/// aggregate file of an older `rise analyze` describes its own measures in comment lines, so
/// `measures` may then be left out. Nothing is stored here.
pub fn prepare(
    label: &str,
    source: &str,
    file: &str,
    csv: &[u8],
    measures: Option<(&str, &[u8])>,
) -> Result<NewDataset, UploadError> {
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
    let infos: Vec<MeasureInfo> = match measures {
        Some((name, bytes)) => {
            read_measures(bytes).map_err(|e| refuse("measures", format!("{name}: {e}")))?
        }
        None => measures_in(&comments).map_err(|e| refuse("aggregates", format!("{file}: {e}")))?,
    };
    if infos.is_empty() {
        return Err(refuse(
            "measures",
            format!(
                "{file} does not describe its measures: add measures.json (or measures.csv) from the same `rise analyze` folder"
            ),
        ));
    }
    let described_in = match measures {
        Some((name, _)) => name.to_string(),
        None => file.to_string(),
    };
    let mut ids = std::collections::HashSet::new();
    for m in &infos {
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
    Ok(NewDataset {
        label: label.trim().to_string(),
        source: if source.trim().is_empty() {
            "uploaded aggregate file".into()
        } else {
            source.trim().to_string()
        },
        unsuppressed: says_unsuppressed(&comments),
        rows,
        measures: infos,
    })
}

/// `rates.csv` of a data set as this viewer sees it: every group's rate and interval, its
/// difference and ratio to the comparison group.
pub fn rates_csv(view: &DatasetView) -> Vec<u8> {
    let mut out = Vec::new();
    let period = view.period.clone().unwrap_or_default();
    // Writing into a Vec cannot fail.
    let _ = rise_aggregate::export::rates_csv(
        &mut out,
        &view.rows,
        &view.measures,
        &view.inequities,
        &period,
    );
    out
}

/// `inequities.csv` of a data set as this viewer sees it.
pub fn inequities_csv(view: &DatasetView) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = rise_aggregate::export::inequities_csv(&mut out, &view.inequities);
    out
}

/// A stored data set as one viewer sees it.
#[derive(Debug, Serialize)]
pub struct DatasetView {
    pub dataset: Dataset,
    /// Whether counts of 1–10 are hidden in what this viewer sees.
    pub suppressed_view: bool,
    pub measures: Vec<MeasureInfo>,
    pub rows: Vec<AggregateRow>,
    /// The whole period the others partition (what the inequities are ranked for).
    pub period: Option<String>,
    pub inequities: Vec<Inequity>,
}

/// Data set `id` of `org_id`; `suppress` for anyone outside the member, who then sees the
/// counts as the coalition's suppression rule leaves them whatever the file said of itself.
///
/// Data sets never change once stored, so a view is computed once (off the async workers:
/// a million rows take a while to suppress and rank) and kept in [`Views`].
pub async fn load(
    state: &Shared,
    org_id: i64,
    id: i64,
    suppress: bool,
) -> Result<Arc<DatasetView>, StoreError> {
    // Asking the store first keeps the organization check of every query (a cached view of
    // another member's data set is never handed out for a wrong `org_id`).
    let dataset = state.store.dataset(org_id, id).await?;
    let key = (org_id, id, suppress);
    if let Some(v) = state.views.get(key) {
        return Ok(v);
    }
    let records = state.store.aggregates(org_id, id).await?;
    let measures = state.store.dataset_measures(org_id, id).await?;
    let view = tokio::task::spawn_blocking(move || compute(dataset, records, measures, suppress))
        .await
        .map_err(|e| StoreError::Config(format!("a data-set view failed: {e}")))?;
    let view = Arc::new(view);
    state.views.put(key, view.clone());
    Ok(view)
}

fn compute(
    dataset: Dataset,
    records: Vec<rise_store::model::AggregateRecord>,
    measures: Vec<rise_store::model::MeasureRecord>,
    suppress: bool,
) -> DatasetView {
    let mut rows: Vec<AggregateRow> = records
        .into_iter()
        .map(|r| AggregateRow {
            measure: r.measure,
            dimension: r.dimension,
            subgroup: r.subgroup,
            period: r.period,
            numerator: r.numerator.and_then(|n| u64::try_from(n).ok()),
            denominator: r.denominator.and_then(|n| u64::try_from(n).ok()),
            suppressed: r.suppressed,
        })
        .collect();
    let period = whole_period(rows.iter().map(|r| r.period.as_str()));
    if suppress {
        suppress_rows(&mut rows, period.as_deref());
    }
    let measures: Vec<MeasureInfo> = measures
        .into_iter()
        .map(|m| MeasureInfo {
            id: m.measure,
            title: m.title,
            steward: m.steward,
            higher_is_better: m.higher_is_better,
            description: m.description,
        })
        .collect();
    // The same seed as `rise analyze`, so the member sees the intervals of its report.
    let inequities = match &period {
        Some(p) => inequities(&rows, &measures, p, 123_456),
        None => Vec::new(),
    };
    DatasetView {
        suppressed_view: suppress || !dataset.unsuppressed,
        dataset,
        measures,
        rows,
        period,
        inequities,
    }
}

/// Which view: organization, data set, suppressed.
type ViewKey = (i64, i64, bool);

/// Data-set views lately computed, newest last, up to [`Views::ROWS`] rows in all.
#[derive(Default)]
pub struct Views {
    recent: Mutex<VecDeque<(ViewKey, Arc<DatasetView>)>>,
}

impl Views {
    /// Rows kept in all (about 150 bytes each).
    const ROWS: usize = 2_000_000;

    fn get(&self, key: ViewKey) -> Option<Arc<DatasetView>> {
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        let at = recent.iter().position(|(k, _)| *k == key)?;
        let hit = recent.remove(at)?;
        let view = hit.1.clone();
        recent.push_back(hit);
        Some(view)
    }

    fn put(&self, key: ViewKey, view: Arc<DatasetView>) {
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        recent.retain(|(k, _)| *k != key);
        recent.push_back((key, view));
        let mut rows: usize = recent.iter().map(|(_, v)| v.rows.len()).sum();
        while rows > Self::ROWS && recent.len() > 1 {
            if let Some((_, old)) = recent.pop_front() {
                rows -= old.rows.len();
            }
        }
    }
}

/// The period the others partition. `rise analyze` labels a calendar year `2024` and its
/// parts `2024-Q1` or `2024-03`, and any other range `2024-01-01..2024-06-30`: so a range
/// label, else the label every other one extends, else the first.
pub fn whole_period<'a>(periods: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut periods: Vec<&str> = periods.into_iter().collect();
    periods.sort_unstable();
    periods.dedup();
    periods
        .iter()
        .find(|p| p.contains(".."))
        .or_else(|| {
            periods
                .iter()
                .find(|p| periods.iter().all(|q| q == *p || q.starts_with(*p)))
        })
        .or(periods.first())
        .map(|p| p.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "measure,dimension,subgroup,period,numerator,denominator,suppressed\n";

    fn measure_line() -> String {
        rise_aggregate::rows::measure_comments(&[MeasureInfo {
            id: "m".into(),
            title: "Screening".into(),
            steward: "CMS130".into(),
            higher_is_better: true,
            description: String::new(),
        }])
        .remove(0)
    }

    #[test]
    fn a_self_describing_file_needs_nothing_else() {
        let csv = format!(
            "# {}\n{HEADER}m,overall,All,2024,40,100,false\n",
            measure_line()
        );
        let d = prepare("Baseline", "", "aggregates.csv", csv.as_bytes(), None).unwrap();
        assert_eq!(d.measures[0].title, "Screening");
        assert_eq!(d.rows.len(), 1);
        assert!(!d.unsuppressed);
    }

    #[test]
    fn a_plain_file_reads_with_measures_csv_or_json() {
        let bare = format!("{HEADER}m,overall,All,2024,40,100,false\n");
        let csv = b"id,title,steward,higher_is_better,description\nm,Screening,CMS130,true,\n";
        let d = prepare(
            "B",
            "",
            "agg.csv",
            bare.as_bytes(),
            Some(("measures.csv", csv)),
        )
        .unwrap();
        assert_eq!(d.measures[0].title, "Screening");
        let bad = b"id,title,steward,higher_is_better,description\nm,Screening,CMS130,often,\n";
        let e = prepare(
            "B",
            "",
            "agg.csv",
            bare.as_bytes(),
            Some(("measures.csv", bad)),
        )
        .unwrap_err();
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
        let e = prepare("B", "", "agg.csv", b"\xff\xfe", None).unwrap_err();
        assert_eq!(e.field, "aggregates");
        assert!(
            e.message.starts_with("agg.csv: is not UTF-8"),
            "{}",
            e.message
        );
        let bad = format!("# {}\n{HEADER}m,sex,F,2024,50,40,false\n", measure_line());
        let e = prepare("B", "", "agg.csv", bad.as_bytes(), None).unwrap_err();
        assert!(
            e.message.starts_with("agg.csv: line 3: numerator"),
            "{}",
            e.message
        );
        let bare = format!("{HEADER}m,overall,All,2024,40,100,false\n");
        let e = prepare("B", "", "agg.csv", bare.as_bytes(), None).unwrap_err();
        assert_eq!(e.field, "measures");
        let e = prepare(
            "B",
            "",
            "agg.csv",
            bare.as_bytes(),
            Some(("measures.json", b"[]x")),
        )
        .unwrap_err();
        assert!(e.message.starts_with("measures.json:"));
        let other = format!(
            "# {}\n{HEADER}z,overall,All,2024,40,100,false\n",
            measure_line()
        );
        let e = prepare("B", "", "agg.csv", other.as_bytes(), None).unwrap_err();
        assert!(e.message.contains("measure 'z'"));
        let twice = format!(
            "# {}\n# {}\n{HEADER}m,overall,All,2024,40,100,false\n",
            measure_line(),
            measure_line()
        );
        let e = prepare("B", "", "agg.csv", twice.as_bytes(), None).unwrap_err();
        assert_eq!(e.field, "measures");
        assert!(e.message.contains("described twice"), "{}", e.message);
        let nul = br#"[{"id":"m","title":"a\u0000b","steward":"","higher_is_better":true,"description":""}]"#;
        let e = prepare(
            "B",
            "",
            "agg.csv",
            bare.as_bytes(),
            Some(("measures.json", nul)),
        )
        .unwrap_err();
        assert!(
            e.message
                .starts_with("measures.json: measure 'm' holds a control"),
            "{}",
            e.message
        );
    }

    #[test]
    fn the_whole_period_is_the_one_the_others_extend() {
        assert_eq!(
            whole_period(["2024-Q2", "2024", "2024-Q1", "2024"]).as_deref(),
            Some("2024")
        );
        assert_eq!(
            whole_period(["2024-03", "2024-01-01..2024-06-30"]).as_deref(),
            Some("2024-01-01..2024-06-30")
        );
        assert_eq!(whole_period([]), None);
    }
}
