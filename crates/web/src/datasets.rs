//! A stored data set as one viewer may see it, for the pages and the API alike (the upload
//! check is `rise_aggregate::upload`).

use crate::Shared;
use rise_aggregate::inequity::{Inequity, SEED, inequities};
use rise_aggregate::rows::{AggregateRow, MeasureInfo, whole_period};
use rise_aggregate::suppress::suppress_rows;
use rise_store::StoreError;
use rise_store::model::Dataset;
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

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
    let rows = state.store.aggregates(org_id, id).await?;
    let measures = state.store.dataset_measures(org_id, id).await?;
    let view = tokio::task::spawn_blocking(move || compute(dataset, rows, measures, suppress))
        .await
        .map_err(|e| StoreError::Config(format!("a data-set view failed: {e}")))?;
    let view = Arc::new(view);
    state.views.put(key, view.clone());
    Ok(view)
}

fn compute(
    dataset: Dataset,
    mut rows: Vec<AggregateRow>,
    measures: Vec<MeasureInfo>,
    suppress: bool,
) -> DatasetView {
    let period = whole_period(rows.iter().map(|r| r.period.as_str()));
    if suppress {
        suppress_rows(&mut rows, period.as_deref());
    }
    let inequities = match &period {
        Some(p) => inequities(&rows, &measures, p, SEED),
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

/// How a form names an inequity: `measure|dimension|group|reference`.
pub(crate) fn inequity_key(q: &Inequity) -> String {
    format!("{}|{}|{}|{}", q.measure, q.dimension, q.worst, q.best)
}
