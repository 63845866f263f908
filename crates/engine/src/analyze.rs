//! Running the measures: canonical tables registered in DataFusion; per measure and period its
//! denominator and numerator SQL mark patients, counted for every subgroup against a roster.

use crate::dimensions::{Grouping, pdim_sql};
use crate::error::{EngineError, Result};
use crate::ingest::Ingested;
use crate::measures::Measure;
use crate::period::Period;
use crate::schema::Table;
use crate::tally::{Marks, PatientIndex, Roster};
use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};
use futures::StreamExt;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The environment variable of DataFusion's `parquet.schema_force_view_types` setting.
const FORCE_VIEW_TYPES: &str = "DATAFUSION_EXECUTION_PARQUET_SCHEMA_FORCE_VIEW_TYPES";

/// Numerator and denominator of one subgroup (unsuppressed: stays where the data lives).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    pub measure: String,
    /// `race_ethnicity`, `race_ethnicity*sex`, or `overall`.
    pub dimension: String,
    /// `White`, `White*Female`, or `All`.
    pub subgroup: String,
    pub period: String,
    pub numerator: u64,
    pub denominator: u64,
}

/// A DataFusion session with the canonical tables registered.
pub struct Session {
    ctx: SessionContext,
    has_area: bool,
    /// The current period's patients and labels (see [`Session::set_period`]).
    roster: Option<Roster>,
}

impl Session {
    /// Registers the canonical Parquet tables of `dir` (missing tables are empty), the income
    /// quintiles, and the optional ZIP → deprivation index CSV (`zip,index`).
    pub async fn open(dir: &Path, area_index: Option<&Path>) -> Result<Self> {
        let paths = Table::ALL
            .iter()
            .map(|t| dir.join(format!("{}.parquet", t.name())))
            .collect();
        Self::open_tables(paths, area_index).await
    }

    /// [`Session::open`] on what ingestion produced.
    pub async fn open_ingested(ingested: &Ingested, area_index: Option<&Path>) -> Result<Self> {
        let paths = Table::ALL.iter().map(|&t| ingested.table_path(t)).collect();
        Self::open_tables(paths, area_index).await
    }

    /// `paths`: the Parquet file of each table, in [`Table::ALL`] order.
    async fn open_tables(paths: Vec<PathBuf>, area_index: Option<&Path>) -> Result<Self> {
        // Parquet column statistics are not collected: DataFusion 55's filter-selectivity
        // estimate from them can exceed 1 on timestamp ranges (an internal assertion then fails
        // the query) when records lie just past the period. Every table is scanned in full
        // anyway, so the statistics bought nothing here.
        // DataFusion's own settings can be tuned from the environment
        // (`DATAFUSION_EXECUTION_TARGET_PARTITIONS=4`, …); the ones below are Rise's.
        let mut config = SessionConfig::from_env()?
            .with_information_schema(false)
            .set_bool("datafusion.sql_parser.enable_ident_normalization", true)
            .set_bool("datafusion.execution.collect_statistics", false);
        // Strings are read from Parquet as plain Utf8, not Utf8View: a join's output views keep
        // every buffer of its build side, and each cast or size estimate of such a batch walks
        // them all. At 10 M patients that made `rise analyze` take over 8 minutes and 5 GiB;
        // with Utf8 it takes about a minute and under 4 GiB (bench/README.md). Still
        // overridable from the environment.
        if std::env::var_os(FORCE_VIEW_TYPES).is_none() {
            config = config.set_bool(
                "datafusion.execution.parquet.schema_force_view_types",
                false,
            );
        }
        let ctx = SessionContext::new_with_config(config);
        for (table, path) in Table::ALL.into_iter().zip(paths) {
            if path.is_file() {
                let p = path.to_string_lossy().to_string();
                ctx.register_parquet(table.name(), &p, ParquetReadOptions::default())
                    .await?;
            } else {
                ctx.register_batch(table.name(), RecordBatch::new_empty(table.schema()))?;
            }
        }
        ctx.sql(&format!(
            "CREATE VIEW income_q AS SELECT patient_id, {} AS q
                 FROM patients WHERE income IS NOT NULL",
            quintile_sql("income ASC")
        ))
        .await?;
        let has_area = if let Some(path) = area_index {
            register_area(&ctx, path).await?;
            true
        } else {
            false
        };
        Ok(Self {
            ctx,
            has_area,
            roster: None,
        })
    }

    /// Whether an area index was registered.
    pub fn has_area(&self) -> bool {
        self.has_area
    }

    /// Runs SQL and collects the result.
    pub async fn query(&self, sql: &str) -> Result<Vec<RecordBatch>> {
        Ok(self.ctx.sql(sql).await?.collect().await?)
    }

    /// Points the `population` view at one period and reads every patient's dimension labels
    /// (the `pdim` query, with the quintiles' window functions) once, into a [`Roster`] that
    /// every measure of the period is then counted against.
    pub async fn set_period(&mut self, period: &Period) -> Result<()> {
        let (start, end) = (period.start_iso(), period.end_iso());
        let md = {
            use chrono::Datelike;
            period.end.month() * 100 + period.end.day()
        };
        let year = {
            use chrono::Datelike;
            period.end.year()
        };
        self.ctx
            .sql(&format!(
                "CREATE OR REPLACE VIEW population AS
                 SELECT *,
                   CAST({year} - date_part('year', birth_date)
                        - CASE WHEN date_part('month', birth_date) * 100 + date_part('day', birth_date) > {md}
                               THEN 1 ELSE 0 END AS BIGINT) AS age,
                   (death_date IS NULL OR death_date >= DATE '{start}') AS alive_at_start
                 FROM patients
                 WHERE birth_date <= DATE '{end}'"
            ))
            .await?;
        self.roster = None;
        let names: Vec<&str> = crate::dimensions::ALL.iter().map(|d| d.name).collect();
        let mut roster = Roster::new(&names);
        let mut stream = self
            .ctx
            .sql(&pdim_sql(self.has_area))
            .await?
            .execute_stream()
            .await?;
        while let Some(batch) = stream.next().await {
            let batch = batch?;
            let ids = strings_of(batch.column(0))?;
            let labels = names
                .iter()
                .map(|n| {
                    batch
                        .column_by_name(n)
                        .ok_or_else(|| EngineError::Arrow(format!("no column {n}")))
                        .and_then(strings_of)
                })
                .collect::<Result<Vec<_>>>()?;
            let mut row: Vec<&str> = Vec::with_capacity(names.len());
            for i in 0..batch.num_rows() {
                if ids.is_null(i) {
                    continue;
                }
                row.clear();
                row.extend(labels.iter().map(|l| l.value(i)));
                roster.push(ids.value(i), &row)?;
            }
        }
        self.roster = Some(roster);
        Ok(())
    }

    /// Counts of one measure in the current period for every grouping (plus `overall`).
    pub async fn measure_counts(
        &self,
        m: &Measure,
        period: &Period,
        groupings: &[Grouping],
    ) -> Result<Vec<Count>> {
        let roster = self
            .roster
            .as_ref()
            .ok_or_else(|| EngineError::Setting("no period set".into()))?;
        let (start, end) = (period.start_iso(), period.end_iso());
        let den_sql = format!(
            "SELECT patient_id FROM ({}) d",
            m.denominator_sql(&start, &end)
        );
        let num_sql = format!(
            "SELECT patient_id FROM ({}) n",
            m.numerator_sql(&start, &end)
        );
        let mut marks = Marks::new(roster.len());
        let (den, num) = marks.both();
        // Both queries at once: while one waits on a pipeline breaker the other has the core.
        futures::try_join!(
            self.mark(&den_sql, &roster.index, den),
            self.mark(&num_sql, &roster.index, num)
        )
        .map_err(|e| match e {
            EngineError::Query(e) => measure_error(m, e),
            other => other,
        })?;
        let parts: Vec<Vec<&str>> = groupings
            .iter()
            .map(|g| g.parts.iter().map(|d| d.name).collect())
            .collect();
        let cells = roster.count(&marks, &parts)?;
        let mut out: Vec<Count> = cells
            .into_iter()
            .map(|c| Count {
                measure: m.id.clone(),
                dimension: c.dimension,
                subgroup: c.subgroup,
                period: period.label.clone(),
                numerator: c.numerator,
                denominator: c.denominator,
            })
            .collect();
        out.sort_by(|a, b| (&a.dimension, &a.subgroup).cmp(&(&b.dimension, &b.subgroup)));
        Ok(out)
    }

    /// Runs a query returning `patient_id` and marks the roster's patients it lists (ids not
    /// in the period's population are ignored, as a join with it would).
    async fn mark(&self, sql: &str, index: &PatientIndex, marks: &mut [bool]) -> Result<()> {
        let mut stream = self.ctx.sql(sql).await?.execute_stream().await?;
        while let Some(batch) = stream.next().await {
            let batch = batch?;
            let ids = strings_of(batch.column(0))?;
            for i in 0..batch.num_rows() {
                if !ids.is_null(i)
                    && let Some(row) = index.get(ids.value(i))
                {
                    marks[row as usize] = true;
                }
            }
        }
        Ok(())
    }
}

/// A column as UTF-8 strings, whatever string (or other) type DataFusion chose.
fn strings_of(col: &ArrayRef) -> Result<StringArray> {
    let col = cast(col, &DataType::Utf8)?;
    Ok(col.as_string::<i32>().clone())
}

impl Count {
    /// The aggregate row of this count, before suppression.
    pub fn to_row(&self) -> rise_aggregate::AggregateRow {
        rise_aggregate::AggregateRow::counted(
            &self.measure,
            &self.dimension,
            &self.subgroup,
            &self.period,
            self.numerator,
            self.denominator,
        )
    }
}

fn measure_error(m: &Measure, e: datafusion::error::DataFusionError) -> EngineError {
    EngineError::Measure {
        id: m.id.clone(),
        message: format!("its SQL failed: {e}"),
    }
}

async fn register_area(ctx: &SessionContext, path: &Path) -> Result<()> {
    let file = path.display().to_string();
    let mut reader = crate::ingest::open_area(path)?;
    let mut zips = Vec::new();
    let mut index = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for rec in reader.records() {
        let rec = rec.map_err(|e| crate::ingest::record_error_pub(&file, &e))?;
        let line = rec.position().map_or(0, |p| p.line());
        let zip = rec.get(0).unwrap_or("").trim().to_string();
        let text = rec.get(1).unwrap_or("").trim();
        let v: f64 = text
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| {
                EngineError::record(&file, line, "index", format!("'{text}' is not a number"))
            })?;
        if zip.is_empty() {
            return Err(EngineError::record(&file, line, "zip", "is empty"));
        }
        if let Some(first) = seen.insert(zip.clone(), line) {
            return Err(EngineError::record(
                &file,
                line,
                "zip",
                format!(
                    "'{zip}' is listed twice (first on line {first}); each ZIP needs one index"
                ),
            ));
        }
        zips.push(zip);
        index.push(v);
    }
    use datafusion::arrow::array::{Float64Array, StringArray};
    use datafusion::arrow::datatypes::{Field, Schema};
    use std::sync::Arc;
    let schema = Arc::new(Schema::new(vec![
        Field::new("zip", DataType::Utf8, false),
        Field::new("deprivation", DataType::Float64, false),
    ]));
    let batch = RecordBatch::try_new(
        schema,
        vec![
            Arc::new(StringArray::from(zips)),
            Arc::new(Float64Array::from(index)),
        ],
    )?;
    ctx.register_batch("area_index", batch)?;
    // Quintile 1 = most deprived (highest index), population-weighted over the patients; a
    // ZIP's patients always share a quintile.
    ctx.sql(&format!(
        "CREATE VIEW area_q AS SELECT p.patient_id, {} AS q
         FROM patients p JOIN area_index a ON a.zip = p.zip",
        quintile_sql("a.deprivation DESC")
    ))
    .await?;
    Ok(())
}

/// Quintile (1–5) of each row by `order`, population-weighted: the quintile holding the
/// row's cumulative share. Tied values share a quintile (so the quintiles need not be of equal
/// size), which makes the result independent of row order and of the number of cores; a plain
/// `ntile` would split ties arbitrarily. The small subtraction keeps exact boundaries (a share
/// of exactly 2/5) in the lower quintile despite floating-point rounding.
fn quintile_sql(order: &str) -> String {
    format!(
        "CAST(GREATEST(1, LEAST(5, CEIL(cume_dist() OVER (ORDER BY {order}) * 5 - 1e-9))) AS BIGINT)"
    )
}
