//! Running the measures: canonical tables registered in DataFusion, one grouped query per
//! measure and period, giving numerator and denominator for every subgroup of every grouping.

use crate::dimensions::{Grouping, pdim_sql};
use crate::error::{EngineError, Result};
use crate::measures::Measure;
use crate::period::Period;
use crate::schema::Table;
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::dataframe::DataFrameWriteOptions;
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};
use serde::Serialize;
use std::path::Path;

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
}

impl Session {
    /// Registers the canonical Parquet tables of `dir` (missing tables are empty), the income
    /// quintiles, and the optional ZIP → deprivation index CSV (`zip,index`).
    pub async fn open(dir: &Path, area_index: Option<&Path>) -> Result<Self> {
        // Parquet column statistics are not collected: DataFusion 55's filter-selectivity
        // estimate from them can exceed 1 on timestamp ranges (an internal assertion then fails
        // the query) when records lie just past the period. Every table is scanned in full
        // anyway, so the statistics bought nothing here.
        let config = SessionConfig::new()
            .with_information_schema(false)
            .set_bool("datafusion.sql_parser.enable_ident_normalization", true)
            .set_bool("datafusion.execution.collect_statistics", false);
        let ctx = SessionContext::new_with_config(config);
        for table in Table::ALL {
            let path = dir.join(format!("{}.parquet", table.name()));
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
        Ok(Self { ctx, has_area })
    }

    /// Whether an area index was registered.
    pub fn has_area(&self) -> bool {
        self.has_area
    }

    /// Runs SQL and collects the result.
    pub async fn query(&self, sql: &str) -> Result<Vec<RecordBatch>> {
        Ok(self.ctx.sql(sql).await?.collect().await?)
    }

    /// Points the `population` view and the `pdim` table at one period. `pdim` (every
    /// patient's dimension labels, with the quintiles' window functions) is computed once per
    /// period into a Parquet file in `scratch`, instead of once per measure.
    pub async fn set_period(&self, period: &Period, scratch: &Path) -> Result<()> {
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
        let _ = self.ctx.deregister_table("pdim")?;
        let path = scratch.join(format!("pdim-{}.parquet", sanitize(&period.label)));
        let file = path.to_string_lossy().to_string();
        self.ctx
            .sql(&pdim_sql(self.has_area))
            .await?
            .write_parquet(
                &file,
                DataFrameWriteOptions::new().with_single_file_output(true),
                None,
            )
            .await?;
        self.ctx
            .register_parquet("pdim", &file, ParquetReadOptions::default())
            .await?;
        Ok(())
    }

    /// Counts of one measure in the current period for every grouping (plus `overall`).
    pub async fn measure_counts(
        &self,
        m: &Measure,
        period: &Period,
        groupings: &[Grouping],
    ) -> Result<Vec<Count>> {
        let (start, end) = (period.start_iso(), period.end_iso());
        let mut cols: Vec<&str> = Vec::new();
        for g in groupings {
            for d in &g.parts {
                if !cols.contains(&d.name) {
                    cols.push(d.name);
                }
            }
        }
        let mut sets: Vec<String> = groupings
            .iter()
            .map(|g| {
                format!(
                    "({})",
                    g.parts
                        .iter()
                        .map(|d| d.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
            .collect();
        sets.push("()".into());
        let sql = format!(
            "WITH den AS (SELECT DISTINCT patient_id FROM ({den}) d),
                  num AS (SELECT DISTINCT patient_id FROM ({num}) n),
                  flag AS (SELECT den.patient_id, CASE WHEN num.patient_id IS NULL THEN 0 ELSE 1 END AS hit
                           FROM den LEFT JOIN num ON den.patient_id = num.patient_id)
             SELECT {cols}, CAST(count(*) AS BIGINT) AS denominator, CAST(sum(hit) AS BIGINT) AS numerator
             FROM flag JOIN pdim ON flag.patient_id = pdim.patient_id
             GROUP BY GROUPING SETS ({sets})",
            den = m.denominator_sql(&start, &end),
            num = m.numerator_sql(&start, &end),
            cols = cols.join(", "),
            sets = sets.join(", "),
        );
        let batches = self
            .ctx
            .sql(&sql)
            .await
            .map_err(|e| measure_error(m, e))?
            .collect()
            .await
            .map_err(|e| measure_error(m, e))?;
        let mut out = Vec::new();
        let mut saw_overall = false;
        for batch in &batches {
            let labels = cols
                .iter()
                .map(|c| strings(batch, c))
                .collect::<Result<Vec<_>>>()?;
            let den = batch
                .column_by_name("denominator")
                .ok_or_else(|| EngineError::Arrow("no denominator column".into()))?;
            let num = batch
                .column_by_name("numerator")
                .ok_or_else(|| EngineError::Arrow("no numerator column".into()))?;
            let den = den.as_primitive::<Int64Type>();
            let num = num.as_primitive::<Int64Type>();
            let label = |i: usize, row: usize| labels[i][row].as_deref();
            for row in 0..batch.num_rows() {
                let present: Vec<usize> = (0..cols.len())
                    .filter(|&i| label(i, row).is_some())
                    .collect();
                let (dimension, subgroup) = if present.is_empty() {
                    saw_overall = true;
                    ("overall".to_string(), "All".to_string())
                } else {
                    let Some(g) = groupings.iter().find(|g| {
                        g.parts.len() == present.len()
                            && g.parts
                                .iter()
                                .all(|d| present.iter().any(|&i| cols[i] == d.name))
                    }) else {
                        continue;
                    };
                    let sub = g
                        .parts
                        .iter()
                        .map(|d| {
                            let i = cols.iter().position(|c| *c == d.name).unwrap_or(0);
                            label(i, row).unwrap_or_default().to_string()
                        })
                        .collect::<Vec<_>>()
                        .join("*");
                    (g.name(), sub)
                };
                out.push(Count {
                    measure: m.id.clone(),
                    dimension,
                    subgroup,
                    period: period.label.clone(),
                    numerator: if num.is_null(row) {
                        0
                    } else {
                        num.value(row).max(0) as u64
                    },
                    denominator: den.value(row).max(0) as u64,
                });
            }
        }
        if !saw_overall {
            // An empty denominator: say so explicitly rather than leave the measure out.
            out.push(Count {
                measure: m.id.clone(),
                dimension: "overall".into(),
                subgroup: "All".into(),
                period: period.label.clone(),
                numerator: 0,
                denominator: 0,
            });
        }
        out.sort_by(|a, b| (&a.dimension, &a.subgroup).cmp(&(&b.dimension, &b.subgroup)));
        Ok(out)
    }
}

impl Count {
    /// The aggregate row of this count, before suppression.
    pub fn to_row(&self) -> rise_aggregate::AggregateRow {
        rise_aggregate::AggregateRow {
            measure: self.measure.clone(),
            dimension: self.dimension.clone(),
            subgroup: self.subgroup.clone(),
            period: self.period.clone(),
            numerator: Some(self.numerator),
            denominator: Some(self.denominator),
            suppressed: false,
        }
    }
}

fn measure_error(m: &Measure, e: datafusion::error::DataFusionError) -> EngineError {
    EngineError::Measure {
        id: m.id.clone(),
        message: format!("its SQL failed: {e}"),
    }
}

/// A string column as owned optional strings (whatever string type DataFusion chose).
fn strings(batch: &RecordBatch, name: &str) -> Result<Vec<Option<String>>> {
    let col = batch
        .column_by_name(name)
        .ok_or_else(|| EngineError::Arrow(format!("no column {name}")))?;
    let col = cast(col, &DataType::Utf8)?;
    let arr = col.as_string::<i32>();
    Ok((0..arr.len())
        .map(|i| (!arr.is_null(i)).then(|| arr.value(i).to_string()))
        .collect())
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

/// A period label as a file-name part.
fn sanitize(label: &str) -> String {
    label
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
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
