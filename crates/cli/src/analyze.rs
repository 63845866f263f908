//! `rise analyze`: patient-level data in, shareable aggregates, ranked inequities and a report
//! out. Runs where the data lives; only aggregates are written.

use crate::cli::{AnalyzeArgs, Split};
use crate::error::input;
use crate::progress::Bar;
use anyhow::{Context, Result};
use rise_aggregate::inequity::{self, Inequity};
use rise_aggregate::report::{QualityNote, ReportInput, render};
use rise_aggregate::rows::{AggregateRow, MeasureInfo, measure_comments, write_csv};
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
    let work = tempdir_in(&args.out)?;
    let cfg = Config {
        input: args.data_dir.clone(),
        format,
        work: work.path.clone(),
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
    let mut comments = if args.no_suppression {
        vec!["WARNING: counts are not suppressed (rise analyze --no-suppression); do not share this file.".to_string()]
    } else {
        vec![]
    };
    // The file describes its own measures, so it can be uploaded on its own.
    comments.extend(measure_comments(&infos));
    let ranked = inequity::inequities(&rows, &infos, &whole.label, 123_456);

    let csv_path = args.out.join("aggregates.csv");
    atomic_write(&csv_path, |w| Ok(write_csv(w, &rows, &comments)?))?;
    let pq = args.out.join("aggregates.parquet");
    pipeline::write_aggregates_parquet(&pq, &rows).map_err(engine)?;
    atomic_write(&args.out.join("inequities.csv"), |w| {
        Ok(inequity::write_csv(w, &ranked)?)
    })?;
    atomic_write(&args.out.join("inequities.json"), |w| {
        serde_json::to_writer_pretty(&mut *w, &ranked)?;
        w.write_all(b"\n")?;
        Ok(())
    })?;
    // What the measures are, for `rise upload` (the platform ranks with their direction).
    atomic_write(&args.out.join("measures.json"), |w| {
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
    atomic_write(&args.out.join("report.html"), |w| {
        Ok(w.write_all(html.as_bytes())?)
    })?;
    drop(work);

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
        q.patients,
        ing.format.label(),
        rows.len(),
        suppressed,
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
    let top: Vec<&Inequity> = ranked
        .iter()
        .filter(|i| i.significant() && !i.dimension.contains('*'))
        .take(3)
        .collect();
    if !top.is_empty() {
        eprintln!("Largest inequities:");
        for (k, i) in top.iter().enumerate() {
            eprintln!(
                "  {}. {} by {}: {} {:.1}% vs {} {:.1}% — {:.0} excess events",
                k + 1,
                i.title,
                i.dimension,
                i.worst,
                i.worst_rate,
                i.best,
                i.best_rate,
                i.excess
            );
        }
    }
    eprintln!(
        "Wrote {}/{{aggregates.csv, aggregates.parquet, inequities.csv, inequities.json, measures.json, report.html}}",
        args.out.display()
    );
}

/// Writes a file under a temporary name and renames it into place, so that a failure never
/// leaves a half-written output.
fn atomic_write(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> Result<()>,
) -> Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.partial"));
    let file =
        std::fs::File::create(&tmp).with_context(|| format!("cannot write {}", tmp.display()))?;
    let mut w = std::io::BufWriter::new(file);
    let result = write(&mut w).and_then(|()| Ok(w.flush()?));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    drop(w);
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// A working folder removed when dropped.
struct TempDir {
    path: PathBuf,
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

fn tempdir_in(parent: &Path) -> Result<TempDir> {
    let path = parent.join(format!(".rise-work-{}", std::process::id()));
    std::fs::create_dir_all(&path).with_context(|| format!("cannot create {}", path.display()))?;
    Ok(TempDir { path })
}
