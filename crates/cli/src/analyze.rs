//! `rise analyze`: patient-level data in, shareable aggregates, ranked inequities and a report
//! out. Runs where the data lives; only aggregates are written.

use crate::cli::{AnalyzeArgs, Split};
use crate::error::input;
use crate::progress::Bar;
use anyhow::Result;
use rise_aggregate::inequity::Inequity;
use rise_aggregate::numbers::{count, thousands};
use rise_engine::dimensions;
use rise_engine::measures;
use rise_engine::output::{self, Analysis, Job, OUTPUTS};
use rise_engine::period;
use rise_engine::pipeline::{Config, Progress};
use rise_engine::{EngineError, ingest};
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
    let job = Job {
        config: Config {
            input: args.data_dir.clone(),
            format,
            measures: library,
            periods,
            groupings,
            area_index: area,
            strict: args.strict,
        },
        out: args.out.clone(),
        suppress: !args.no_suppression,
    };
    let bar = Bar::new(args.quiet);
    let analysis =
        analyze(&job, &|done, total, what| bar.set(done, total, what)).map_err(engine)?;
    bar.finish();
    if !args.quiet {
        summary(args, &analysis);
    }
    Ok(())
}

/// Runs an analysis on a runtime of its own (the engine is async; the CLI is not).
pub fn analyze(job: &Job, progress: Progress<'_>) -> rise_engine::Result<Analysis> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| rise_engine::error::io(&job.out, e))?;
    runtime.block_on(output::analyze(job, progress))
}

fn engine(e: EngineError) -> anyhow::Error {
    if e.is_input() {
        input(e.to_string())
    } else {
        anyhow::Error::new(e)
    }
}

fn summary(args: &AnalyzeArgs, a: &Analysis) {
    let (q, rows, ranked, ing) = (&a.quality, &a.rows, &a.inequities, &a.ingested);
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
            let also = if i.also_in.is_empty() {
                String::new()
            } else {
                format!(" (also seen by {})", i.also_in.join(", "))
            };
            eprintln!(
                "  {}. {} — {} excess events{also}",
                k + 1,
                i.rates_line(),
                count(i.excess)
            );
        }
    }
    eprintln!("Wrote {}/{{{}}}", args.out.display(), OUTPUTS.join(", "));
}
