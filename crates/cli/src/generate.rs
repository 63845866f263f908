//! `rise generate` and `rise measures`.

use crate::cli::{GenerateArgs, GenerateFormat, MeasuresArgs};
use crate::error::input;
use crate::progress::Bar;
use anyhow::Result;
use rise_engine::generate::{Config, OutFormat, generate};
use rise_engine::measures::{self, Direction};
use std::path::{Path, PathBuf};

pub fn run(args: &GenerateArgs) -> Result<()> {
    if args.patients == 0 {
        return Err(input("--patients must be at least 1"));
    }
    let year = args.year.unwrap_or_else(|| {
        use chrono::Datelike;
        chrono::Local::now().year() - 1
    });
    let cfg = Config {
        patients: args.patients,
        seed: args.seed,
        out: args.out.clone(),
        format: match args.format {
            GenerateFormat::Parquet => OutFormat::Parquet,
            GenerateFormat::Synthea => OutFormat::Synthea,
            GenerateFormat::Fhir => OutFormat::Fhir,
            GenerateFormat::Omop => OutFormat::Omop,
        },
        year,
    };
    let bar = Bar::new(args.quiet);
    let truth = generate(&cfg, &|done| bar.set(done, args.patients, "patients")).map_err(|e| {
        if e.is_input() {
            input(e.to_string())
        } else {
            anyhow::Error::new(e)
        }
    })?;
    bar.finish();
    if !args.quiet {
        eprintln!(
            "Wrote {} patients for {} to {} (seed {}).",
            args.patients,
            year,
            args.out.display(),
            args.seed
        );
        eprintln!("Planted disparities (see truth.json):");
        for p in &truth.planted {
            eprintln!(
                "  {} by {}: {} ({:+.0} points)",
                p.measure,
                p.dimension,
                p.group,
                p.effect * 100.0
            );
        }
    }
    Ok(())
}

pub fn list_measures(args: &MeasuresArgs) -> Result<()> {
    let extra: Vec<&Path> = args.measures.iter().map(PathBuf::as_path).collect();
    let all = measures::library(&extra).map_err(|e| {
        if e.is_input() {
            input(e.to_string())
        } else {
            anyhow::Error::new(e)
        }
    })?;
    let width = all.iter().map(|m| m.id.len()).max().unwrap_or(0);
    for m in &all {
        let dir = match m.direction {
            Direction::HigherIsBetter => "higher is better",
            Direction::LowerIsBetter => "lower is better",
        };
        println!("{:<width$}  {}  [{}; {}]", m.id, m.title, m.steward, dir);
        if args.full {
            println!(
                "    {}\n    denominator:{}\n    numerator:{}",
                m.description,
                indent(&m.denominator),
                indent(&m.numerator)
            );
        }
    }
    Ok(())
}

fn indent(sql: &str) -> String {
    sql.lines().map(|l| format!("\n      {l}")).collect()
}
