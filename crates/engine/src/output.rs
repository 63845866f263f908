//! The product of an analysis: the engine's raw counts suppressed, ranked and written as one
//! set of files (aggregates in CSV and Parquet, inequities, rates, measures, the report),
//! replaced together or not at all. `rise analyze` and `rise demo` call [`analyze`]; the
//! binary only parses arguments and prints.

use crate::error::{EngineError, Result, io};
use crate::ingest::Ingested;
use crate::pipeline::{self, Config, Progress, Quality};
use rise_aggregate::export;
use rise_aggregate::inequity::{self, Inequity};
use rise_aggregate::report::{QualityNote, ReportInput, render};
use rise_aggregate::rows::{AggregateRow, MeasureInfo, write_csv};
use rise_aggregate::suppress::suppress_rows;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// The files an analysis writes, replaced together.
pub const OUTPUTS: [&str; 8] = [
    "aggregates.csv",
    "aggregates.parquet",
    "inequities.csv",
    "inequities.json",
    "measures.csv",
    "measures.json",
    "rates.csv",
    "report.html",
];

/// What to analyse and where the outputs go.
pub struct Job {
    /// What the engine reads and counts; the whole period is `config.periods[0]`.
    pub config: Config,
    /// The folder the outputs are written to (made if missing).
    pub out: PathBuf,
    /// Hide small counts (the default). Off, the aggregate file carries a warning line.
    pub suppress: bool,
}

/// What an analysis found, as written.
pub struct Analysis {
    pub ingested: Ingested,
    pub quality: Quality,
    /// Suppressed unless the job said otherwise.
    pub rows: Vec<AggregateRow>,
    pub measures: Vec<MeasureInfo>,
    pub inequities: Vec<Inequity>,
    /// The whole period's label.
    pub period: String,
}

/// Runs the engine and writes the outputs into `job.out`. Everything is written to a
/// staging folder first and moved into place at the end, so a run that fails leaves the
/// previous outputs as they were. Writes files with blocking I/O: call it where blocking is
/// allowed (the CLI's runtime, or a blocking task).
pub async fn analyze(job: &Job, progress: Progress<'_>) -> Result<Analysis> {
    let out = &job.out;
    let whole = job
        .config
        .periods
        .first()
        .ok_or_else(|| EngineError::Setting("no period to analyse".into()))?
        .label
        .clone();
    std::fs::create_dir_all(out).map_err(|e| io(out, e))?;
    clean_leftovers(out)?;
    let staging = Staging::create(out)?;
    let work = staging.dir.join("work");
    std::fs::create_dir(&work).map_err(|e| io(&work, e))?;
    let counted = pipeline::run(&job.config, &work, progress).await?;

    let mut rows: Vec<AggregateRow> = counted.counts.iter().map(|c| c.to_row()).collect();
    let parts = (job.config.periods.len() > 1).then_some(whole.as_str());
    if job.suppress {
        suppress_rows(&mut rows, parts);
    }
    let measures: Vec<MeasureInfo> = job.config.measures.iter().map(|m| m.info()).collect();
    let inequities = inequity::inequities(&rows, &measures, &whole, inequity::SEED);
    let analysis = Analysis {
        quality: counted.quality,
        ingested: counted.ingested,
        rows,
        measures,
        inequities,
        period: whole,
    };
    write_set(&staging.dir, job, &analysis)?;
    std::fs::remove_dir_all(&work).map_err(|e| io(&work, e))?;
    staging.commit(out)?;
    Ok(analysis)
}

/// Writes every output file into `dir`.
fn write_set(dir: &Path, job: &Job, a: &Analysis) -> Result<()> {
    // The shareable file is plain CSV (header first), so any tool opens it; only a file that
    // must not be shared carries a warning line, which also makes the platform keep its exact
    // counts inside the member. Its measures are in measures.json and measures.csv.
    let comments = if job.suppress {
        vec![]
    } else {
        vec!["WARNING: counts are not suppressed (rise analyze --no-suppression); do not share this file.".to_string()]
    };
    write_file(&dir.join("aggregates.csv"), |w| {
        write_csv(w, &a.rows, &comments)
    })?;
    write_file(&dir.join("aggregates.parquet"), |w| {
        write_parquet(w, &a.rows)
    })?;
    write_file(&dir.join("inequities.csv"), |w| {
        export::inequities_csv(w, &a.inequities)
    })?;
    write_file(&dir.join("rates.csv"), |w| {
        export::rates_csv(w, &a.rows, &a.measures, &a.inequities, &a.period)
    })?;
    write_file(&dir.join("measures.csv"), |w| {
        export::measures_csv(w, &a.measures)
    })?;
    write_file(&dir.join("inequities.json"), |w| json(w, &a.inequities))?;
    // What the measures are, for `rise upload` (the platform ranks with their direction).
    write_file(&dir.join("measures.json"), |w| json(w, &a.measures))?;
    let quality = quality_notes(&a.quality, &a.ingested);
    let source = format!(
        "{} ({})",
        job.config.input.display(),
        a.ingested.format.label()
    );
    let generated = chrono::Local::now().format("%Y-%m-%d").to_string();
    let html = render(&ReportInput {
        title: "Equity analysis",
        source: &source,
        period: &a.period,
        generated: &generated,
        measures: &a.measures,
        rows: &a.rows,
        inequities: &a.inequities,
        quality: &quality,
        suppressed: job.suppress,
    });
    write_file(&dir.join("report.html"), |w| w.write_all(html.as_bytes()))
}

fn json<W: Write>(mut w: W, value: &impl serde::Serialize) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut w, value)?;
    w.write_all(b"\n")
}

/// The aggregate rows as Parquet, for tools that read it faster than CSV.
fn write_parquet(w: &mut BufWriter<File>, rows: &[AggregateRow]) -> std::io::Result<()> {
    use datafusion::arrow::array::{ArrayRef, BooleanArray, StringArray, UInt64Array};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use datafusion::arrow::record_batch::RecordBatch;
    use std::sync::Arc;
    let schema = Arc::new(Schema::new(vec![
        Field::new("measure", DataType::Utf8, false),
        Field::new("dimension", DataType::Utf8, false),
        Field::new("subgroup", DataType::Utf8, false),
        Field::new("period", DataType::Utf8, false),
        Field::new("numerator", DataType::UInt64, true),
        Field::new("denominator", DataType::UInt64, true),
        Field::new("suppressed", DataType::Boolean, false),
    ]));
    let s = |f: fn(&AggregateRow) -> &str| -> ArrayRef {
        Arc::new(StringArray::from(rows.iter().map(f).collect::<Vec<_>>()))
    };
    let arrays: Vec<ArrayRef> = vec![
        s(|r| &r.measure),
        s(|r| &r.dimension),
        s(|r| &r.subgroup),
        s(|r| &r.period),
        Arc::new(UInt64Array::from(
            rows.iter().map(|r| r.numerator).collect::<Vec<_>>(),
        )),
        Arc::new(UInt64Array::from(
            rows.iter().map(|r| r.denominator).collect::<Vec<_>>(),
        )),
        Arc::new(BooleanArray::from(
            rows.iter().map(|r| r.suppressed).collect::<Vec<_>>(),
        )),
    ];
    let encoding = |e: &dyn std::fmt::Display| std::io::Error::other(e.to_string());
    let batch = RecordBatch::try_new(schema.clone(), arrays).map_err(|e| encoding(&e))?;
    let mut pq = parquet::arrow::ArrowWriter::try_new(w, schema, None).map_err(|e| encoding(&e))?;
    pq.write(&batch).map_err(|e| encoding(&e))?;
    pq.close().map_err(|e| encoding(&e))?;
    Ok(())
}

fn pct(n: u64, d: u64) -> String {
    if d == 0 {
        "—".into()
    } else {
        format!("{:.1}%", 100.0 * n as f64 / d as f64)
    }
}

/// The report's data-quality section.
fn quality_notes(q: &Quality, ing: &Ingested) -> Vec<QualityNote> {
    let share = |n: u64| {
        if q.patients == 0 {
            0.0
        } else {
            n as f64 / q.patients as f64
        }
    };
    let note = |label: &str, n: u64, what: &str, warn_at: f64| QualityNote {
        label: label.into(),
        value: pct(n, q.patients),
        detail: format!("{n} of {} patients {what}", q.patients),
        warn: share(n) > warn_at,
    };
    let mut notes = vec![
        QualityNote {
            label: "Patients".into(),
            value: q.patients.to_string(),
            detail: format!("read as {}", ing.format.label()),
            warn: false,
        },
        note(
            "Race unknown or declined",
            q.unknown_race,
            "have no usable race",
            0.10,
        ),
        note(
            "Ethnicity unknown",
            q.unknown_ethnicity,
            "have no usable ethnicity",
            0.10,
        ),
        note(
            "Preferred language missing",
            q.unknown_language,
            "have no preferred language",
            0.10,
        ),
        note("Payer unknown", q.unknown_payer, "have no payer", 0.10),
        note(
            "Income missing",
            q.missing_income,
            "have no income (no income quintile)",
            0.25,
        ),
    ];
    if let Some(m) = q.missing_zip_in_index {
        notes.push(note(
            "ZIP not in area index",
            m,
            "live in a ZIP without a deprivation index",
            0.10,
        ));
    }
    if ing.skipped.files.is_empty() {
        notes.push(QualityNote {
            label: "Records skipped".into(),
            value: "0".into(),
            detail: "no bad records".into(),
            warn: false,
        });
    }
    if ing.repeated.files.is_empty() {
        notes.push(QualityNote {
            label: "Repeated patient ids".into(),
            value: "0".into(),
            detail: "every patient has one record".into(),
            warn: false,
        });
    }
    for s in &ing.repeated.files {
        notes.push(QualityNote {
            label: format!("Repeated patient ids in {}", file_name(&s.file)),
            value: s.count.to_string(),
            detail: format!(
                "each patient's first record is counted, later ones are left out; first: {}",
                s.first
            ),
            warn: true,
        });
    }
    // One note per file with bad records, each with the first reason, so an analyst can find
    // and fix them.
    for s in &ing.skipped.files {
        notes.push(QualityNote {
            label: format!("Records skipped in {}", file_name(&s.file)),
            value: s.count.to_string(),
            detail: format!("first: {}", s.first),
            warn: true,
        });
    }
    notes
}

fn file_name(path: &str) -> String {
    Path::new(path)
        .file_name()
        .map_or(path.to_string(), |n| n.to_string_lossy().to_string())
}

/// Name of a run's staging folder in the output folder, before the process id.
const STAGING: &str = ".rise-analyze-";
/// Suffix of a staging folder whose set is complete and being moved into place.
const DONE: &str = ".done";

/// Writes a file of the staging folder, flushed to disk: the set is moved into place only
/// once every file of it is complete.
fn write_file(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> Result<()> {
    let file = File::create(path).map_err(|e| io(path, e))?;
    let mut w = BufWriter::new(file);
    write(&mut w).map_err(|e| io(path, e))?;
    let file = w.into_inner().map_err(|e| io(path, e.into_error()))?;
    file.sync_all().map_err(|e| io(path, e))
}

/// A run's outputs in `OUT/.rise-analyze-PID` until they are complete, then moved into
/// `OUT` together; removed if the run fails first.
struct Staging {
    dir: PathBuf,
    committed: bool,
}

impl Staging {
    fn create(out: &Path) -> Result<Self> {
        let dir = out.join(format!("{STAGING}{}", std::process::id()));
        std::fs::create_dir(&dir).map_err(|e| io(&dir, e))?;
        Ok(Self {
            dir,
            committed: false,
        })
    }

    /// Moves the complete set into `out`. Renaming the folder to `….done` first marks the set
    /// complete: if the moves that follow are interrupted, the next run finishes them
    /// ([`clean_leftovers`]), so the output folder never keeps a mix of two runs.
    fn commit(mut self, out: &Path) -> Result<()> {
        // Refuse before anything moves, rather than half way through.
        for f in OUTPUTS {
            let dest = out.join(f);
            if std::fs::symlink_metadata(&dest).is_ok_and(|m| m.is_dir()) {
                return Err(EngineError::file(
                    dest.display().to_string(),
                    "cannot be written: a folder is in its place (move it away or choose another --out); nothing was replaced",
                ));
            }
        }
        let done = self.dir.with_file_name(format!(
            "{}{DONE}",
            self.dir
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().to_string())
        ));
        std::fs::rename(&self.dir, &done).map_err(|e| io(&self.dir, e))?;
        self.committed = true;
        move_into_place(&done, out)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Moves the outputs of a complete staging folder into `out` (each rename replaces one file
/// at once), then removes the folder.
fn move_into_place(from: &Path, out: &Path) -> Result<()> {
    for f in OUTPUTS {
        let src = from.join(f);
        if src.is_file() {
            let dest = out.join(f);
            std::fs::rename(&src, &dest).map_err(|e| io(&dest, e))?;
        }
    }
    std::fs::remove_dir_all(from).map_err(|e| io(from, e))
}

/// Clears what an interrupted run left in `out`: its staging folder (finishing the move of a
/// complete set, removing an incomplete one), and the `.partial` files and `.rise-work-PID`
/// folders of earlier versions, which wrote one file at a time. Other files are left alone.
fn clean_leftovers(out: &Path) -> Result<()> {
    let entries = std::fs::read_dir(out).map_err(|e| io(out, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| io(out, e))?;
        let name = entry.file_name().to_string_lossy().to_string();
        let path = entry.path();
        let owner = name
            .strip_prefix(STAGING)
            .or_else(|| name.strip_prefix(".rise-work-"));
        if let Some(rest) = owner {
            let (pid, done) = match rest.strip_suffix(DONE) {
                Some(pid) => (pid, true),
                None => (rest, false),
            };
            let Ok(pid) = pid.parse::<u32>() else {
                continue;
            };
            if !path.is_dir() || may_be_running(pid) {
                continue;
            }
            if done {
                move_into_place(&path, out)?;
            } else {
                std::fs::remove_dir_all(&path).map_err(|e| io(&path, e))?;
            }
        } else if is_partial_output(&name) && path.is_file() {
            std::fs::remove_file(&path).map_err(|e| io(&path, e))?;
        }
    }
    Ok(())
}

/// The temporary names earlier versions wrote outputs under: `.report.html.partial`, and
/// `aggregates.parquet.partial`.
fn is_partial_output(name: &str) -> bool {
    name == "aggregates.parquet.partial"
        || OUTPUTS.iter().any(|f| {
            name.strip_prefix('.')
                .and_then(|n| n.strip_suffix(".partial"))
                == Some(f)
        })
}

/// Whether the process that made a leftover may still be running (another `rise analyze`
/// into the same folder): known where `/proc` is; elsewhere a leftover is taken as abandoned.
/// One with this process's id is an earlier process's (this run has not made its own yet).
fn may_be_running(pid: u32) -> bool {
    pid != std::process::id()
        && Path::new("/proc/self").is_dir()
        && Path::new("/proc").join(pid.to_string()).is_dir()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut n: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        n.sort();
        n
    }

    #[test]
    fn a_complete_set_left_half_moved_is_finished_by_the_next_run() {
        let out = tempfile::tempdir().unwrap();
        let o = out.path();
        // Interrupted after moving aggregates.csv: the rest is still in the .done folder.
        let done = o.join(format!("{STAGING}4194999{DONE}"));
        std::fs::create_dir(&done).unwrap();
        std::fs::write(o.join("aggregates.csv"), "new").unwrap();
        for f in &OUTPUTS[1..] {
            std::fs::write(o.join(f), "old").unwrap();
            std::fs::write(done.join(f), "new").unwrap();
        }
        clean_leftovers(o).unwrap();
        for f in OUTPUTS {
            assert_eq!(std::fs::read_to_string(o.join(f)).unwrap(), "new", "{f}");
        }
        assert_eq!(names(o), {
            let mut v: Vec<String> = OUTPUTS.iter().map(|s| s.to_string()).collect();
            v.sort();
            v
        });
    }

    #[test]
    fn an_incomplete_set_is_removed_unless_its_run_is_alive() {
        let out = tempfile::tempdir().unwrap();
        let o = out.path();
        std::fs::write(o.join("report.html"), "old").unwrap();
        let dead = o.join(format!("{STAGING}4194999"));
        std::fs::create_dir(&dead).unwrap();
        std::fs::write(dead.join("report.html"), "half").unwrap();
        // Process 1 (init) stands for another run still writing.
        let alive = o.join(format!("{STAGING}1"));
        std::fs::create_dir(&alive).unwrap();
        clean_leftovers(o).unwrap();
        assert_eq!(
            std::fs::read_to_string(o.join("report.html")).unwrap(),
            "old"
        );
        assert!(!dead.exists());
        if Path::new("/proc/1").is_dir() {
            assert!(alive.exists(), "a running process's folder is left alone");
        }
    }

    #[test]
    fn only_the_outputs_partial_names_are_taken_for_leftovers() {
        assert!(is_partial_output(".aggregates.csv.partial"));
        assert!(is_partial_output(".report.html.partial"));
        assert!(is_partial_output("aggregates.parquet.partial"));
        assert!(!is_partial_output("notes.partial"));
        assert!(!is_partial_output(".notes.partial"));
        assert!(!is_partial_output("report.html"));
    }
}
