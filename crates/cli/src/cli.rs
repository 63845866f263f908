//! Command-line interface definition.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Rise: measure health inequities, act on them, and show that they shrank.
#[derive(Debug, Parser)]
#[command(name = "rise", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Summary measures of inequality (WHO HEAT) for one indicator across subgroups.
    #[command(long_about = DISPARITY_ABOUT, after_long_help = DISPARITY_EXAMPLES)]
    Disparity(DisparityArgs),
}

const DISPARITY_ABOUT: &str = "\
Summary measures of inequality for one indicator across the subgroups of one dimension
(e.g. screening coverage by race and ethnicity, or mortality by income quintile): the 21
measures of WHO's Health Equity Assessment Toolkit (HEAT), with confidence intervals,
computed as WHO's healthequal R package does.

INPUT is a CSV file with a header row (or - for standard input). It needs a `subgroup`
column and either
  estimate,se,population   HEAT style: the indicator's value in each subgroup, its
                           standard error, and the subgroup's population, or
  events,denominator       counts: estimates, standard errors and Wilson (or, when events
                           exceed the denominator, exact/Byar Poisson) intervals are derived.
Optional columns:
  order       integers, 1 = most disadvantaged; when every row has one the dimension is
              ordered (income quintiles, deprivation deciles) and ACI, RCI, SII and RII apply;
              otherwise BGV, BGSD, COV, IDIS*, MD*, MLD and TI apply.
  reference   1 marks the reference subgroup (or use --reference NAME).

Measures that do not apply to the dimension are left out; the table format says why.";

const DISPARITY_EXAMPLES: &str = "\
Examples:
  rise disparity quintiles.csv
  rise disparity screening_by_race.csv --reference White --format json
  rise disparity mortality.csv --adverse --scale 1000 --format csv > measures.csv";

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned tables for people, with a plain-English reading of the largest gap.
    Table,
    /// The machine-readable result: dimension, subgroups and measures.
    Json,
    /// One row per measure.
    Csv,
}

/// Model of the slope and relative indices of inequality.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SiiModelArg {
    /// HEAT's logistic regression with delta-method intervals.
    Logistic,
    /// PHE's weighted least squares with Monte-Carlo intervals.
    Linear,
}

#[derive(Debug, Args)]
pub struct DisparityArgs {
    /// CSV file of subgroups (- reads standard input).
    #[arg(value_name = "INPUT.csv")]
    pub input: PathBuf,

    /// The indicator is adverse: higher values are worse (e.g. mortality, readmissions).
    #[arg(long)]
    pub adverse: bool,

    /// Indicator scale: 100 for a percentage, 1000 for a rate per 1 000, 1 for a proportion.
    #[arg(long, default_value_t = 100.0, value_name = "N")]
    pub scale: f64,

    /// Name of the reference subgroup (overrides a `reference` column).
    #[arg(long, value_name = "NAME")]
    pub reference: Option<String>,

    /// Model of SII and RII.
    #[arg(long, value_enum, default_value_t = SiiModelArg::Logistic)]
    pub sii_model: SiiModelArg,

    /// Confidence level of every interval, between 0 and 1.
    #[arg(long, default_value_t = 0.95, value_name = "LEVEL")]
    pub confidence: f64,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Seed of the Monte-Carlo simulation: the same seed gives the same intervals.
    #[arg(long, default_value_t = 123_456, value_name = "N")]
    pub seed: u64,

    /// Number of simulated data sets for Monte-Carlo intervals.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub draws: usize,
}
