//! Who joined, who adopted the framework and who demonstrated impact, counted by a grouping of the organizations:
//! the public home page, the staff dashboard and the API show the same counts.

use crate::Shared;
use rise_store::{AdoptionStatus, StoreError};
use std::collections::BTreeMap;

/// The adoption statuses, or none before the framework is published.
pub(crate) async fn adoption_or_empty(state: &Shared) -> Result<Vec<AdoptionStatus>, StoreError> {
    match state.store.adoption().await {
        Err(StoreError::NotFound) => Ok(Vec::new()),
        other => other,
    }
}

/// One row of the adoption-by-group table.
pub struct GroupRow {
    pub label: String,
    pub members: i64,
    pub adopters: i64,
    /// Members whose evidence that an inequity shrank was approved.
    pub impact: i64,
}

/// Members and adopters by a grouping of the organizations, in the order of the groups'
/// labels.
pub(crate) fn group_counts(
    all: &[AdoptionStatus],
    key: impl Fn(&AdoptionStatus) -> String,
) -> Vec<GroupRow> {
    let mut m: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
    for a in all {
        let e = m.entry(key(a)).or_insert((0, 0, 0));
        e.0 += 1;
        e.1 += i64::from(a.adopted_at.is_some());
        e.2 += i64::from(a.impact_at.is_some());
    }
    m.into_iter()
        .map(|(label, (members, adopters, impact))| GroupRow {
            label,
            members,
            adopters,
            impact,
        })
        .collect()
}

/// [`group_counts`], largest group first, for the pages' tables.
pub(crate) fn groups(
    all: &[AdoptionStatus],
    key: impl Fn(&AdoptionStatus) -> String,
) -> Vec<GroupRow> {
    let mut rows = group_counts(all, key);
    rows.sort_by(|a, b| b.members.cmp(&a.members).then(a.label.cmp(&b.label)));
    rows
}
