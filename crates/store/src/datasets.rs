//! Uploaded aggregate data sets: the counts `rise analyze` wrote, never patient records. A
//! data set is stored whole or not at all.

use crate::audit::{self, NONE};
use crate::model::{Actor, Dataset, OrgStatus};
use crate::{Result, Store, StoreError, from_row, now};
use rise_aggregate::rows::{AggregateRow, MeasureInfo};
use rise_aggregate::upload::Upload;
use sqlx::Row;
use sqlx::any::AnyRow;
use std::fmt::Write;

const COLUMNS: &str =
    "id, organization_id, label, source, rows, suppressed_rows, unsuppressed, uploaded_at";

// Written out, unlike the other records' derived ones: the flag is an integer column (the Any
// driver cannot decode SQLite's integers as booleans) and `bool` has no `TryFrom<i64>` for
// `#[sqlx(try_from)]`.
impl<'r> sqlx::FromRow<'r, AnyRow> for Dataset {
    fn from_row(r: &'r AnyRow) -> std::result::Result<Self, sqlx::Error> {
        let flag: i64 = r.try_get("unsuppressed")?;
        Ok(Dataset {
            id: r.try_get("id")?,
            organization_id: r.try_get("organization_id")?,
            label: r.try_get("label")?,
            source: r.try_get("source")?,
            rows: r.try_get("rows")?,
            suppressed_rows: r.try_get("suppressed_rows")?,
            unsuppressed: flag != 0,
            uploaded_at: r.try_get("uploaded_at")?,
        })
    }
}

/// The most rows one data set may have (documented in docs/platform.md).
pub const MAX_DATASET_ROWS: usize = rise_aggregate::rows::MAX_ROWS;

/// Rows per INSERT (8 values each). Binding costs more than linearly in the number of values
/// of one statement: 100,000 rows took 16.7 s at 2,000 rows a statement, 4.9 s at 400, 2.7 s
/// at 100 and 2.1 s at 25 (debug build, SQLite). 50 keeps most of the gain with a tenth of
/// the statements of single-row inserts.
const ROWS_PER_INSERT: usize = 50;

/// `INSERT INTO aggregates … VALUES (…), (…)` for `n` rows.
fn insert_rows(n: usize) -> String {
    let mut sql = String::from(
        "INSERT INTO aggregates (dataset_id, measure, dimension, subgroup, period, numerator, denominator, suppressed) VALUES ",
    );
    for i in 0..n {
        let b = i * 8;
        if i > 0 {
            sql.push(',');
        }
        let _ = write!(
            sql,
            "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
            b + 1,
            b + 2,
            b + 3,
            b + 4,
            b + 5,
            b + 6,
            b + 7,
            b + 8
        );
    }
    sql
}

fn count(v: Option<u64>) -> Option<i64> {
    v.map(|n| i64::try_from(n).unwrap_or(i64::MAX))
}

impl Store {
    /// Stores a checked data set for a member organization, in one transaction.
    pub async fn add_dataset(
        &self,
        organization_id: i64,
        d: &Upload,
        actor: &Actor,
    ) -> Result<Dataset> {
        let org = self.organization(organization_id).await?;
        if org.status != OrgStatus::Approved {
            return Err(StoreError::Conflict(
                "Only approved members can upload data sets.".into(),
            ));
        }
        let label = d.label();
        if label.is_empty() || label.chars().count() > 200 {
            return Err(StoreError::invalid(
                "label",
                "Name the data set (at most 200 characters), e.g. 'Ambulatory EHR 2024'.",
            ));
        }
        if d.rows().is_empty() {
            return Err(StoreError::invalid(
                "file",
                "The file holds no aggregate rows.",
            ));
        }
        if d.rows().len() > MAX_DATASET_ROWS {
            return Err(StoreError::invalid(
                "file",
                format!(
                    "The file holds {} rows; a data set may have at most {MAX_DATASET_ROWS}.",
                    d.rows().len()
                ),
            ));
        }
        let suppressed = d.rows().iter().filter(|r| r.suppressed).count() as i64;
        let (_turn, mut tx) = self.begin_write().await?;
        let row = sqlx::query(&format!(
            "INSERT INTO datasets (organization_id, label, source, rows, suppressed_rows, unsuppressed, uploaded_by, uploaded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {COLUMNS}"))
            .bind(organization_id)
            .bind(label)
            .bind(d.source())
            .bind(d.rows().len() as i64)
            .bind(suppressed)
            .bind(i64::from(d.unsuppressed()))
            .bind(actor.user_id)
            .bind(now())
            .fetch_one(&mut *tx)
            .await?;
        let ds: Dataset = from_row(&row)?;
        for m in d.measures() {
            sqlx::query("INSERT INTO dataset_measures (dataset_id, measure, title, steward, higher_is_better, description)
                         VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(ds.id)
                .bind(&m.id)
                .bind(&m.title)
                .bind(&m.steward)
                .bind(i64::from(m.higher_is_better))
                .bind(&m.description)
                .execute(&mut *tx)
                .await?;
        }
        // Many rows to a statement: one INSERT a row made a million-row upload hold the
        // write lock for half a minute.
        let full = insert_rows(ROWS_PER_INSERT);
        for chunk in d.rows().chunks(ROWS_PER_INSERT) {
            // Only the full-size statement is worth keeping prepared.
            let short;
            let mut q = if chunk.len() == ROWS_PER_INSERT {
                sqlx::query(&full)
            } else {
                short = insert_rows(chunk.len());
                sqlx::query(&short).persistent(false)
            };
            for r in chunk {
                q = q
                    .bind(ds.id)
                    .bind(&r.measure)
                    .bind(&r.dimension)
                    .bind(&r.subgroup)
                    .bind(&r.period)
                    .bind(count(r.numerator))
                    .bind(count(r.denominator))
                    .bind(i64::from(r.suppressed));
            }
            q.execute(&mut *tx).await?;
        }
        audit::record(&mut tx, actor, "upload", "dataset", ds.id, NONE, Some(&ds)).await?;
        tx.commit().await?;
        Ok(ds)
    }

    /// One data set of an organization.
    pub async fn dataset(&self, organization_id: i64, id: i64) -> Result<Dataset> {
        self.owned("datasets", COLUMNS, organization_id, id).await
    }

    /// An organization's data sets, newest first.
    pub async fn datasets(&self, organization_id: i64) -> Result<Vec<Dataset>> {
        self.all_owned("datasets", COLUMNS, organization_id, "id DESC")
            .await
    }

    /// The rows of a data set (of `organization_id`).
    pub async fn aggregates(
        &self,
        organization_id: i64,
        dataset_id: i64,
    ) -> Result<Vec<AggregateRow>> {
        self.dataset(organization_id, dataset_id).await?;
        sqlx::query("SELECT measure, dimension, subgroup, period, numerator, denominator, suppressed
                     FROM aggregates WHERE dataset_id = $1 ORDER BY measure, dimension, period, subgroup")
            .bind(dataset_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                let s: i64 = r.try_get("suppressed")?;
                let n: Option<i64> = r.try_get("numerator")?;
                let d: Option<i64> = r.try_get("denominator")?;
                Ok(AggregateRow {
                    measure: r.try_get("measure")?,
                    dimension: r.try_get("dimension")?,
                    subgroup: r.try_get("subgroup")?,
                    period: r.try_get("period")?,
                    numerator: n.and_then(|n| u64::try_from(n).ok()),
                    denominator: d.and_then(|d| u64::try_from(d).ok()),
                    suppressed: s != 0,
                })
            })
            .collect()
    }

    /// The measures of a data set (of `organization_id`).
    pub async fn dataset_measures(
        &self,
        organization_id: i64,
        dataset_id: i64,
    ) -> Result<Vec<MeasureInfo>> {
        self.dataset(organization_id, dataset_id).await?;
        sqlx::query(
            "SELECT measure, title, steward, higher_is_better, description
                     FROM dataset_measures WHERE dataset_id = $1 ORDER BY measure",
        )
        .bind(dataset_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            let h: i64 = r.try_get("higher_is_better")?;
            Ok(MeasureInfo {
                id: r.try_get("measure")?,
                title: r.try_get("title")?,
                steward: r.try_get("steward")?,
                higher_is_better: h != 0,
                description: r.try_get("description")?,
            })
        })
        .collect()
    }
}
