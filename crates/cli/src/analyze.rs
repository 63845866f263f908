//! `rise analyze`: patient-level data in, shareable aggregates, ranked inequities and a report
//! out. Runs where the data lives; only aggregates are written.

use crate::cli::{AnalyzeArgs, Split};
use crate::error::input;
use crate::progress::Bar;
use anyhow::{Context, Result};
use rise_aggregate::export;
use rise_aggregate::inequity::{self, Inequity};
use rise_aggregate::inequity::{dimension_label, label};
use rise_aggregate::numbers::{count, digits_for, thousands};
use rise_aggregate::report::{QualityNote, ReportInput, render};
use rise_aggregate::rows::{AggregateRow, MeasureInfo, write_csv};
use rise_aggregate::suppress::suppress_rows;
use rise_engine::dimensions;
use rise_engine::measures;
use rise_engine::period;
use rise_engine::pipeline::{self, Config, Quality};
use rise_engine::{EngineError, ingest};
use std::io::Write;
use std::path::{Path, PathBuf};

pub fn run(args: &AnalyzeArgs) -> Result<()> {
    let extra: Vec<&Path> = args.measures.iter().map(PathBuf::as_path).collect();
    let library = measures::library(&extra).map_err(engine)?;
    let whole = match (&args.period, &args.from, &args.to) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            return Err(input("give either --period or --from/--to, not both"));
        }
        (Some(p), None, None) => {
            let y: i32 = p
                .trim()
                .parse()
                .map_err(|_| input(format!("--period takes a year such as 2024, got '{p}'")))?;
            period::year(y).map_err(engine)?
        }
        (None, Some(f), Some(t)) => {
            let d = |s: &str, flag: &str| {
                rise_engine::dates::parse_date(s)
                    .ok_or_else(|| input(format!("{flag} takes a date as YYYY-MM-DD, got '{s}'")))
            };
            period::whole(d(f, "--from")?, d(t, "--to")?).map_err(engine)?
        }
        (None, Some(_), None) | (None, None, Some(_)) => {
            return Err(input("--from and --to go together"));
        }
        (None, None, None) => {
            use chrono::Datelike;
            period::year(chrono::Local::now().year() - 1).map_err(engine)?
        }
    };
    let mut periods = vec![whole.clone()];
    if let Some(by) = args.by {
        let parts = period::split(
            &whole,
            match by {
                Split::Month => period::Split::Month,
                Split::Quarter => period::Split::Quarter,
                Split::Year => period::Split::Year,
            },
        );
        if parts.len() > 1 || parts.first().is_some_and(|p| p.label != whole.label) {
            periods.extend(parts);
        }
    }
    let area = match &args.area_index {
        Some(p) => Some(p.clone()),
        None => Some(args.data_dir.join("area_index.csv")).filter(|p| p.is_file()),
    };
    let groupings = match &args.dimensions {
        Some(list) => dimensions::parse_list(list, area.is_some()).map_err(engine)?,
        None => dimensions::default_list(area.is_some()),
    };
    let format = args
        .format
        .as_deref()
        .map(ingest::Format::parse)
        .transpose()
        .map_err(engine)?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    clean_leftovers(&args.out)?;
    // Everything is written here first and moved into place at the end, so a run that fails
    // leaves the previous outputs as they were.
    let staging = Staging::create(&args.out)?;
    let work = staging.dir.join("work");
    std::fs::create_dir(&work).with_context(|| format!("cannot create {}", work.display()))?;
    let cfg = Config {
        input: args.data_dir.clone(),
        format,
        work: work.clone(),
        measures: library.clone(),
        periods: periods.clone(),
        groupings,
        area_index: area,
        strict: args.strict,
    };
    let bar = Bar::new(args.quiet);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let out = runtime
        .block_on(pipeline::run(&cfg, &|done, total, what| {
            bar.set(done, total, what)
        }))
        .map_err(engine)?;
    bar.finish();

    let mut rows: Vec<AggregateRow> = out.counts.iter().map(|c| c.to_row()).collect();
    let whole_label = (periods.len() > 1).then(|| whole.label.clone());
    if !args.no_suppression {
        suppress_rows(&mut rows, whole_label.as_deref());
    }
    let infos: Vec<MeasureInfo> = library.iter().map(|m| m.info()).collect();
    // The shareable file is plain CSV (header first), so any tool opens it; only a file that
    // must not be shared carries a warning line, which also makes the platform keep its exact
    // counts inside the member. Its measures are in measures.json and measures.csv.
    let comments = if args.no_suppression {
        vec!["WARNING: counts are not suppressed (rise analyze --no-suppression); do not share this file.".to_string()]
    } else {
        vec![]
    };
    let ranked = inequity::inequities(&rows, &infos, &whole.label, 123_456);

    let dir = &staging.dir;
    write_file(&dir.join("aggregates.csv"), |w| {
        Ok(write_csv(w, &rows, &comments)?)
    })?;
    let pq = dir.join("aggregates.parquet");
    pipeline::write_aggregates_parquet(&pq, &rows).map_err(engine)?;
    sync(&pq)?;
    write_file(&dir.join("inequities.csv"), |w| {
        Ok(export::inequities_csv(w, &ranked)?)
    })?;
    write_file(&dir.join("rates.csv"), |w| {
        Ok(export::rates_csv(w, &rows, &infos, &ranked, &whole.label)?)
    })?;
    write_file(&dir.join("measures.csv"), |w| {
        Ok(export::measures_csv(w, &infos)?)
    })?;
    write_file(&dir.join("inequities.json"), |w| {
        serde_json::to_writer_pretty(&mut *w, &ranked)?;
        w.write_all(b"\n")?;
        Ok(())
    })?;
    // What the measures are, for `rise upload` (the platform ranks with their direction).
    write_file(&dir.join("measures.json"), |w| {
        serde_json::to_writer_pretty(&mut *w, &infos)?;
        w.write_all(b"\n")?;
        Ok(())
    })?;
    let quality = quality_notes(&out.quality, &out.ingested);
    let source = format!(
        "{} ({})",
        args.data_dir.display(),
        out.ingested.format.label()
    );
    let generated = chrono::Local::now().format("%Y-%m-%d").to_string();
    let html = render(&ReportInput {
        title: "Equity analysis",
        source: &source,
        period: &whole.label,
        generated: &generated,
        measures: &infos,
        rows: &rows,
        inequities: &ranked,
        quality: &quality,
        suppressed: !args.no_suppression,
    });
    write_file(&dir.join("report.html"), |w| {
        Ok(w.write_all(html.as_bytes())?)
    })?;
    std::fs::remove_dir_all(&work).with_context(|| format!("cannot remove {}", work.display()))?;
    staging.commit(&args.out)?;

    if !args.quiet {
        summary(args, &out.quality, &rows, &ranked, &out.ingested);
    }
    Ok(())
}

fn engine(e: EngineError) -> anyhow::Error {
    if e.is_input() {
        input(e.to_string())
    } else {
        anyhow::Error::new(e)
    }
}

fn pct(n: u64, d: u64) -> String {
    if d == 0 {
        "—".into()
    } else {
        format!("{:.1}%", 100.0 * n as f64 / d as f64)
    }
}

fn quality_notes(q: &Quality, ing: &ingest::Ingested) -> Vec<QualityNote> {
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

fn summary(
    args: &AnalyzeArgs,
    q: &Quality,
    rows: &[AggregateRow],
    ranked: &[Inequity],
    ing: &ingest::Ingested,
) {
    let suppressed = rows.iter().filter(|r| r.suppressed).count();
    eprintln!(
        "Analysed {} patients ({}); {} aggregate rows, {} suppressed{}.",
        thousands(q.patients),
        ing.format.label(),
        thousands(rows.len() as u64),
        thousands(suppressed as u64),
        if args.no_suppression {
            " (suppression OFF)"
        } else {
            ""
        }
    );
    if ing.skipped.total() > 0 {
        eprintln!(
            "Skipped {} bad records (see the report's data-quality section); --strict stops at the first.",
            ing.skipped.total()
        );
    }
    let repeated = ing.repeated.total();
    if repeated > 0 {
        let first = ing.repeated.files.first().map_or("", |s| s.first.as_str());
        eprintln!(
            "Left out {repeated} repeated patient id{} (each patient's first record is counted; first: {first}); --strict stops at the first.",
            if repeated == 1 { "" } else { "s" }
        );
    }
    let top: Vec<&Inequity> = ranked.iter().filter(|i| i.headline).take(3).collect();
    if top.is_empty() {
        eprintln!("No gap between groups is distinguishable from chance.");
    } else {
        eprintln!(
            "Largest inequities (against the comparison group: the best of the groups with at least 10% of the people):"
        );
        for (k, i) in top.iter().enumerate() {
            let d = digits_for(i.worst_rate, i.best_rate);
            let also = if i.also_in.is_empty() {
                String::new()
            } else {
                format!(" (also seen by {})", i.also_in.join(", "))
            };
            eprintln!(
                "  {}. {} by {}: {} {:.d$}% vs {} {:.d$}% — {} excess events{also}",
                k + 1,
                i.title,
                dimension_label(&i.dimension),
                label(&i.dimension, &i.worst),
                i.worst_rate,
                label(&i.dimension, &i.best),
                i.best_rate,
                count(i.excess)
            );
        }
    }
    eprintln!("Wrote {}/{{{}}}", args.out.display(), OUTPUTS.join(", "));
}

/// The files `rise analyze` writes, replaced together.
const OUTPUTS: [&str; 8] = [
    "aggregates.csv",
    "aggregates.parquet",
    "inequities.csv",
    "inequities.json",
    "measures.csv",
    "measures.json",
    "rates.csv",
    "report.html",
];

/// Name of a run's staging folder in OUT_DIR, before the process id.
const STAGING: &str = ".rise-analyze-";
/// Suffix of a staging folder whose set is complete and being moved into place.
const DONE: &str = ".done";

/// Writes a file of the staging folder (flushed to disk: the set is moved into place only
/// once every file of it is complete).
fn write_file(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> Result<()>,
) -> Result<()> {
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
    let mut w = std::io::BufWriter::new(file);
    write(&mut w)?;
    let file = w
        .into_inner()
        .map_err(|e| e.into_error())
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.sync_all()
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn sync(path: &Path) -> Result<()> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// A run's outputs in `OUT_DIR/.rise-analyze-PID` until they are complete, then moved into
/// `OUT_DIR` together; removed if the run fails first.
struct Staging {
    dir: PathBuf,
    committed: bool,
}

impl Staging {
    fn create(out: &Path) -> Result<Self> {
        let dir = out.join(format!("{STAGING}{}", std::process::id()));
        std::fs::create_dir(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(Self {
            dir,
            committed: false,
        })
    }

    /// Moves the complete set into `out`. Renaming the folder to `….done` first marks the set
    /// complete: if the moves that follow are interrupted, the next run finishes them
    /// ([`clean_leftovers`]), so OUT_DIR never keeps a mix of two runs.
    fn commit(mut self, out: &Path) -> Result<()> {
        // Refuse before anything moves, rather than half way through.
        for f in OUTPUTS {
            let dest = out.join(f);
            if std::fs::symlink_metadata(&dest).is_ok_and(|m| m.is_dir()) {
                return Err(input(format!(
                    "cannot write {}: a folder is in its place (move it away or choose another --out); nothing was replaced",
                    dest.display()
                )));
            }
        }
        let done = self.dir.with_file_name(format!(
            "{}{DONE}",
            self.dir
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().to_string())
        ));
        std::fs::rename(&self.dir, &done)
            .with_context(|| format!("cannot rename {}", self.dir.display()))?;
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
            std::fs::rename(&src, &dest)
                .with_context(|| format!("cannot write {}", dest.display()))?;
        }
    }
    std::fs::remove_dir_all(from).with_context(|| format!("cannot remove {}", from.display()))
}

/// Clears what an interrupted run left in `out`: its staging folder (finishing the move of a
/// complete set, removing an incomplete one), and the `.partial` files and `.rise-work-PID`
/// folders of earlier versions, which wrote one file at a time. Other files are left alone.
fn clean_leftovers(out: &Path) -> Result<()> {
    let entries =
        std::fs::read_dir(out).with_context(|| format!("cannot read {}", out.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read {}", out.display()))?;
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
                std::fs::remove_dir_all(&path)
                    .with_context(|| format!("cannot remove {}", path.display()))?;
            }
        } else if is_partial_output(&name) && path.is_file() {
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot remove {}", path.display()))?;
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
