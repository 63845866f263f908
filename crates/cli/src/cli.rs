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
    /// Every quality measure by every equity dimension, from patient-level data.
    #[command(long_about = ANALYZE_ABOUT, after_long_help = ANALYZE_EXAMPLES)]
    Analyze(AnalyzeArgs),
    /// A synthetic population with planted disparities (demo, test and benchmark data).
    #[command(long_about = GENERATE_ABOUT)]
    Generate(GenerateArgs),
    /// List the quality measures (built in, plus any --measures files).
    Measures(MeasuresArgs),
    /// Run the coalition platform (web pages and JSON API).
    #[command(long_about = SERVE_ABOUT)]
    Serve(ServeArgs),
    /// Run the platform on a fresh SQLite file holding a realistic demo coalition.
    #[command(long_about = DEMO_ABOUT)]
    Demo(DemoArgs),
    /// Control and run charts of a measure over time (qicharts2's rules), per facet.
    #[command(long_about = SPC_ABOUT, after_long_help = SPC_EXAMPLES)]
    Spc(SpcArgs),
    /// Send an analysis's aggregates (never patient records) to the coalition platform.
    #[command(long_about = UPLOAD_ABOUT)]
    Upload(UploadArgs),
    /// One patient through a clinical calculator, race-free and race-based side by side.
    #[command(long_about = CALC_ABOUT, after_long_help = CALC_EXAMPLES)]
    Calc(CalcArgs),
}

const CALC_ABOUT: &str = "\
Computes one patient's result with a clinical equation and, when the equation has a twin
that uses race, with that twin too, so the difference race makes is on one screen: eGFR
(CKD-EPI 2021 against CKD-EPI 2009 with its race coefficient, and the cystatin C equations),
the 2013 Pooled Cohort Equations against the race-free AHA PREVENT, and the MFMU VBAC
calculator of 2021 against that of 2007.

Every value is checked: a creatinine of 88 \"mg/dL\" is refused with the hint that it is
µmol/L, an age outside the range an equation was derived on is refused, and so is PREVENT's
30-year horizon after 59. Boolean flags (--smoker, --diabetes, --bp-treated…) mean yes when
present. Units: creatinine mg/dL or µmol/L (--unit), cystatin C mg/L, cholesterol mg/dL,
blood pressure mmHg, BMI kg/m². `--format json` prints the unrounded numbers for scripts.

`rise calc --list` lists the equations, their inputs and publications.";

const CALC_EXAMPLES: &str = "\
Examples:
  rise calc --list
  rise calc egfr --creatinine 1.4 --unit mg/dL --age 60 --sex male --race black
  rise calc egfr --creatinine 124 --unit umol/L --cystatin 1.1 --age 71 --sex female --format json
  rise calc pce --age 55 --sex female --race black --total-cholesterol 213 --hdl 50 --sbp 120
  rise calc prevent --horizon 30 --age 50 --sex female --total-cholesterol 200 --hdl 45 \\
      --sbp 160 --bp-treated --diabetes --egfr 90 --bmi 35
  rise calc vbac --age 30 --height-cm 165 --weight-kg 70 --race black";

/// `rise calc`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct CalcArgs {
    /// List the equations, their inputs and publications.
    #[arg(long)]
    pub list: bool,
    /// table (for people) or json (unrounded, for scripts).
    #[arg(long, value_enum, default_value_t = CalcFormat::Table, global = true)]
    pub format: CalcFormat,
    #[command(subcommand)]
    pub equation: Option<CalcEquation>,
}

/// Output of `rise calc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CalcFormat {
    Table,
    Json,
}

/// The calculators.
#[derive(Debug, Subcommand)]
pub enum CalcEquation {
    /// Estimated GFR (CKD-EPI 2021, 2012, 2009; MDRD), its KDIGO stage and thresholds.
    Egfr(EgfrArgs),
    /// 2013 Pooled Cohort Equations: 10-year hard ASCVD risk (race-specific).
    Pce(PceArgs),
    /// AHA PREVENT (2023): 10- or 30-year total CVD, ASCVD and heart failure (race-free).
    Prevent(PreventArgs),
    /// MFMU vaginal birth after cesarean: 2021 (race-free) or 2007 (race terms).
    // `--version` here is the model's, so the crate version flag gives way.
    #[command(disable_version_flag = true)]
    Vbac(VbacArgs),
}

/// Sex as the equations were fitted on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SexArg {
    Male,
    Female,
}

/// Race as the race-based equations ask it: only Black changes the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RaceArg {
    Black,
    /// Any race but Black (the PCE call it white).
    #[value(alias = "white")]
    Other,
}

/// `rise calc egfr`.
#[derive(Debug, Args)]
pub struct EgfrArgs {
    /// ckd-epi-2021-cr (default with creatinine), ckd-epi-2021-cr-cys (default with both),
    /// ckd-epi-2012-cys (default with cystatin C only), ckd-epi-2009-cr, ckd-epi-2012-cr-cys,
    /// mdrd-175, mdrd-186.
    #[arg(long)]
    pub equation: Option<String>,
    /// Serum creatinine, in --unit.
    #[arg(long)]
    pub creatinine: Option<f64>,
    /// Unit of --creatinine: mg/dL or umol/L.
    #[arg(long, default_value = "mg/dL")]
    pub unit: String,
    /// Serum cystatin C, mg/L.
    #[arg(long)]
    pub cystatin: Option<f64>,
    /// Age in years (18 or older).
    #[arg(long)]
    pub age: f64,
    #[arg(long, value_enum)]
    pub sex: SexArg,
    /// Needed by the race-based equations; with a race-free one, adds its race-based twin.
    #[arg(long, value_enum)]
    pub race: Option<RaceArg>,
}

/// `rise calc pce`.
#[derive(Debug, Args)]
pub struct PceArgs {
    /// Age in years (40–79).
    #[arg(long)]
    pub age: f64,
    #[arg(long, value_enum)]
    pub sex: SexArg,
    /// black takes the African-American equations; white (or other) the white ones.
    #[arg(long, value_enum)]
    pub race: RaceArg,
    /// Total cholesterol, mg/dL.
    #[arg(long)]
    pub total_cholesterol: f64,
    /// HDL cholesterol, mg/dL.
    #[arg(long)]
    pub hdl: f64,
    /// Systolic blood pressure, mmHg.
    #[arg(long)]
    pub sbp: f64,
    /// Taking blood-pressure medication.
    #[arg(long)]
    pub bp_treated: bool,
    #[arg(long)]
    pub smoker: bool,
    #[arg(long)]
    pub diabetes: bool,
    /// With --bmi: also PREVENT's race-free 10-year ASCVD risk for the same patient.
    #[arg(long)]
    pub egfr: Option<f64>,
    #[arg(long)]
    pub bmi: Option<f64>,
}

/// `rise calc prevent`.
#[derive(Debug, Args)]
pub struct PreventArgs {
    /// 10 or 30 (30 only for ages 30–59).
    #[arg(long, default_value_t = 10, value_parser = clap::builder::ValueParser::new(horizon))]
    pub horizon: u8,
    /// Age in years (30–79).
    #[arg(long)]
    pub age: f64,
    #[arg(long, value_enum)]
    pub sex: SexArg,
    /// Total cholesterol, mg/dL.
    #[arg(long)]
    pub total_cholesterol: f64,
    /// HDL cholesterol, mg/dL.
    #[arg(long)]
    pub hdl: f64,
    /// Systolic blood pressure, mmHg.
    #[arg(long)]
    pub sbp: f64,
    /// eGFR, mL/min/1.73 m² — the race-free CKD-EPI 2021 value.
    #[arg(long)]
    pub egfr: f64,
    /// Body-mass index, kg/m².
    #[arg(long)]
    pub bmi: f64,
    #[arg(long)]
    pub bp_treated: bool,
    #[arg(long)]
    pub statin: bool,
    #[arg(long)]
    pub smoker: bool,
    #[arg(long)]
    pub diabetes: bool,
}

/// `--horizon`: PREVENT has 10- and 30-year equations only.
fn horizon(text: &str) -> Result<u8, String> {
    match text {
        "10" => Ok(10),
        "30" => Ok(30),
        _ => Err("PREVENT has 10- and 30-year equations: give 10 or 30".into()),
    }
}

/// Obstetric history for the VBAC models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HistoryArg {
    /// No vaginal birth.
    None,
    /// A vaginal birth only before the cesarean.
    BeforeCesarean,
    /// A vaginal birth after the cesarean.
    Vbac,
}

/// `rise calc vbac`.
#[derive(Debug, Args)]
pub struct VbacArgs {
    /// 2021 (race-free; default) or 2007 (race and ethnicity terms).
    #[arg(long, default_value = "2021", value_parser = ["2007", "2021"])]
    pub version: String,
    /// Age in years.
    #[arg(long)]
    pub age: f64,
    /// Pre-pregnancy height, cm.
    #[arg(long)]
    pub height_cm: f64,
    /// Pre-pregnancy weight, kg.
    #[arg(long)]
    pub weight_kg: f64,
    #[arg(long, value_enum, default_value_t = HistoryArg::None)]
    pub history: HistoryArg,
    /// The prior cesarean was for arrest of dilation or descent.
    #[arg(long)]
    pub arrest: bool,
    /// Treated chronic hypertension (2021 model).
    #[arg(long)]
    pub treated_hypertension: bool,
    /// 2007 model: black answers its "African American?" question yes. With 2021, adds the
    /// 2007 result for comparison.
    #[arg(long, value_enum)]
    pub race: Option<RaceArg>,
    /// 2007 model: its "Hispanic?" question (both penalties apply to a Black Hispanic woman).
    #[arg(long)]
    pub hispanic: bool,
}

const SPC_ABOUT: &str = "\
Draws a statistical process control chart the way qicharts2 (R) does, with its limits and
signals: the centre line, 3-sigma limits (stepped where the denominator varies), a sigma
signal for each point outside them, and the Anhøj runs rules (an unusually long run on one
side of the centre line, or unusually few crossings of it) for each phase.

INPUT.csv has a column `y` (a count or a value), optionally `x` (the period: a number or a
date YYYY-MM-DD or YYYY-MM; without it rows are numbered 1, 2, …) and `n` (the denominator or
exposure, needed by p, pp, u and up charts); headers are case-insensitive. Rows sharing an x
(within a facet) form one subgroup: counts and denominators are summed; x̄ and s charts take
the rows' mean and SD. Points are ordered by x; facets keep the order they first appear in.

Charts: run (median), i (individuals), mr (moving ranges), xbar, s, t (time between events),
p (proportions), pp (Laney p′), c (counts), u (rates), up (Laney u′), g (cases between events).

--freeze, --part and --exclude count points from 1 within each facet, as qicharts2 does.

The equity view: with --aggregates (the aggregates.csv of `rise analyze --by month` or
`--by quarter`) instead of INPUT.csv, Rise draws one p-chart per group of --dimension for
--measure, all on one scale, and with --group and --reference the gap between the two per
period (group rate − reference rate, Newcombe 95 % interval) with a run chart of the gap.
Suppressed cells (counts 1–10) are blanks in the lines, never zeros.";

const SPC_EXAMPLES: &str = "\
Examples:
  rise spc falls.csv --chart u --multiply 1000           rate per 1 000 bed-days
  rise spc a1c.csv --chart p --freeze 12 --format json    baseline = first 12 months
  rise spc a1c.csv --chart p --part 12 --facet race       a phase per PDSA cycle, per group
  rise spc a1c.csv --chart p --format png --out a1c.png   a picture for the board pack
  rise spc --aggregates out/aggregates.csv --measure bp_control --dimension race \
      --group Black --reference White --multiply 100 --format svg --out bp.svg";

/// Output format of `rise spc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SpcFormat {
    /// One aligned table per facet, with a plain reading of the signals.
    Table,
    /// The contract scripts rely on: {"chart", "points": […], "parts": […]}.
    Json,
    /// One row per point.
    Csv,
    /// The chart as SVG: centre line, stepped limits, signals, phases, baseline marked.
    Svg,
    /// The same picture as PNG (rendered by resvg with the system's fonts).
    Png,
}

#[derive(Debug, Args)]
pub struct SpcArgs {
    /// CSV file with columns y and optionally x, n and the facet (- reads standard input).
    #[arg(
        value_name = "INPUT.csv",
        required_unless_present = "aggregates",
        conflicts_with = "aggregates"
    )]
    pub input: Option<PathBuf>,
    /// Chart type: run, i, mr, xbar, s, t, p, pp, c, u, up, g (the equity view draws p).
    #[arg(long, value_name = "CHART", required_unless_present = "aggregates")]
    pub chart: Option<rise_spc::Chart>,
    /// The equity view: an aggregates.csv written by `rise analyze --by month|quarter`.
    #[arg(long, value_name = "FILE", requires_all = ["measure", "dimension"], help_heading = "Equity view")]
    pub aggregates: Option<PathBuf>,
    /// The measure to chart (an id in aggregates.csv).
    #[arg(
        long,
        value_name = "M",
        requires = "aggregates",
        help_heading = "Equity view"
    )]
    pub measure: Option<String>,
    /// The dimension whose groups get a chart each (race, ethnicity, sex, …).
    #[arg(
        long,
        value_name = "D",
        requires = "aggregates",
        help_heading = "Equity view"
    )]
    pub dimension: Option<String>,
    /// The group whose gap to the reference is charted.
    #[arg(long, value_name = "G", requires_all = ["aggregates", "reference"], help_heading = "Equity view")]
    pub group: Option<String>,
    /// The reference group of the gap.
    #[arg(long, value_name = "R", requires_all = ["aggregates", "group"], help_heading = "Equity view")]
    pub reference: Option<String>,
    /// Multiply y, the centre line and the limits (100 for percent, 1000 for per 1 000).
    #[arg(long, default_value_t = 1.0, value_name = "K")]
    pub multiply: f64,
    /// Estimate the centre line and limits from points 1..N only (the baseline); the runs
    /// rules then test every later point against it. Ignored with --part.
    #[arg(long, value_name = "N")]
    pub freeze: Option<usize>,
    /// Start a new phase after point N (several: N,M); each phase gets its own centre line,
    /// limits and runs analysis.
    #[arg(long, value_name = "N[,M…]", value_delimiter = ',')]
    pub part: Vec<usize>,
    /// Leave points out of the centre line, limits and runs analysis (still drawn).
    #[arg(long, value_name = "N[,M…]", value_delimiter = ',')]
    pub exclude: Vec<usize>,
    /// A column whose values each get their own chart (e.g. race or site).
    #[arg(long, value_name = "COLUMN")]
    pub facet: Option<String>,
    /// Runs rules: anhoej (default), or the experimental bestbox / cutbox.
    #[arg(long, default_value = "anhoej", value_name = "METHOD")]
    pub method: rise_spc::RunsMethod,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SpcFormat::Table)]
    pub format: SpcFormat,
    /// Write to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

const UPLOAD_ABOUT: &str = "\
Sends the shareable part of a `rise analyze` output folder — aggregates.csv (counts by
subgroup, small cells suppressed) and measures.json (or measures.csv) — to the coalition platform as a new data
set of your organization. Nothing else leaves the machine.

The file is checked here first, with the same rules the platform applies; a problem is
reported with its line and field and nothing is sent. Make a token on your organization's
'API tokens' page of the platform.

  rise analyze extract/ --out results/ --period 2024
  rise upload results/ --server https://coalition.example.org --token $RISE_TOKEN";

#[derive(Debug, Args)]
pub struct UploadArgs {
    /// The folder `rise analyze --out` wrote.
    #[arg(value_name = "OUT_DIR")]
    pub dir: std::path::PathBuf,
    /// The platform's address.
    #[arg(long, value_name = "URL", env = "RISE_SERVER")]
    pub server: String,
    /// An API token of your organization.
    #[arg(long, value_name = "TOKEN", env = "RISE_TOKEN", hide_env_values = true)]
    pub token: String,
    /// The data set's name on the platform (default: "rise analyze PERIOD").
    #[arg(long, value_name = "TEXT")]
    pub label: Option<String>,
    /// Upload exact counts of 1–10 (from --no-suppression); only your organization sees them.
    #[arg(long)]
    pub allow_unsuppressed: bool,
}

const SERVE_ABOUT: &str = "\
Runs the coalition platform: the public pages (headline numbers, the framework, the
application form), members' pages and coalition staff's dashboard.

The database is SQLite by default (one file, created if needed) or PostgreSQL:
  rise serve --database-url sqlite://rise.db
  rise serve --database-url postgres://rise:secret@db.internal/rise --secure-cookies

An empty database gets the seed framework. To create the first coalition admin, set
RISE_ADMIN_EMAIL and RISE_ADMIN_PASSWORD (12+ characters) when you start it.";

const DEMO_ABOUT: &str = "\
Creates a fresh SQLite database in DIR (default ./rise-demo) with a demo coalition — three
dozen organizations of every type in many states, commitments at different stages, data sets
made with `rise generate` and `rise analyze`, action plans — prints the sign-in accounts and
serves it. Everything in it is synthetic.";

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub bind: String,
    /// sqlite://PATH or postgres://USER:PASSWORD@HOST/DB.
    #[arg(
        long,
        default_value = "sqlite://rise.db",
        value_name = "URL",
        env = "RISE_DATABASE_URL"
    )]
    pub database_url: String,
    /// Mark cookies Secure (set this when the platform is served over HTTPS).
    #[arg(long)]
    pub secure_cookies: bool,
    /// Take each client's address from the last X-Forwarded-For entry (only behind a reverse
    /// proxy that sets it: otherwise any client can pick its address and evade the limits).
    #[arg(long)]
    pub trust_forwarded_for: bool,
    /// Sign-in attempts allowed per client address and minute.
    #[arg(long, default_value_t = rise_web::SIGN_INS_PER_MINUTE, value_name = "N")]
    pub sign_ins_per_minute: u32,
    /// Send mail (decisions, invitations, password resets) through this SMTP server:
    /// smtp://HOST:PORT (plain, e.g. a local relay), smtp://USER:PASSWORD@HOST:587?tls=required
    /// (STARTTLS), smtps://USER:PASSWORD@HOST:465 (TLS). Without it or --mail-dir, mail waits,
    /// queued, in the outbox.
    #[arg(
        long,
        value_name = "URL",
        env = "RISE_SMTP_URL",
        conflicts_with = "mail_dir"
    )]
    pub smtp_url: Option<String>,
    /// Deliver mail instead as .eml files into DIR, a pickup folder for a mail relay.
    #[arg(long, value_name = "DIR", env = "RISE_MAIL_DIR")]
    pub mail_dir: Option<std::path::PathBuf>,
    /// The sender of that mail.
    #[arg(
        long,
        default_value = "Rise <no-reply@rise.invalid>",
        value_name = "ADDRESS",
        env = "RISE_MAIL_FROM"
    )]
    pub mail_from: String,
    /// The platform's address as people reach it (links in mail start with it); default: the
    /// --bind address over http.
    #[arg(long, value_name = "URL", env = "RISE_PUBLIC_URL")]
    pub public_url: Option<String>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub bind: String,
    /// Folder for the demo database and the generated data (recreated each time).
    #[arg(long, default_value = "rise-demo", value_name = "DIR")]
    pub dir: std::path::PathBuf,
}

const ANALYZE_ABOUT: &str = "\
Every quality measure stratified by every equity dimension, from the data a member's systems
already export, and the inequities ranked by how many people they affect.

DATA_DIR is a folder of one of:
  canonical Parquet   patients.parquet, encounters.parquet, … (see docs/canonical-schema.md)
  canonical CSV       patients.csv with a patient_id column, encounters.csv, …
  Synthea CSV         Synthea's csv output (patients.csv with Id,BIRTHDATE,…)
  FHIR R4             a bulk-data export (Patient.ndjson, Encounter.ndjson, …) and/or
                      Bundles (*.json, as Synthea writes them); US Core race and ethnicity
  OMOP CDM v5.4       person.csv, visit_occurrence.csv, condition_occurrence.csv,
                      measurement.csv, observation.csv, procedure_occurrence.csv,
                      drug_exposure.csv (+ concept.csv, location.csv, death.csv, …)
The format is recognised from the files, or named with --format (needed when a folder holds
the files of two formats).

Writes to OUT_DIR (every CSV plain: a header line, then rows, so Excel, Tableau, R and pandas
open it without options):
  aggregates.csv / .parquet   measure,dimension,subgroup,period,numerator,denominator,suppressed
                              (counts of 1-10 hidden, with complementary suppression) — the file
                              that is safe to share with the coalition
  measures.csv / .json        what each measure is: id, title, steward, direction
  rates.csv                   every group: rate with its 95% interval, and its difference and
                              ratio to the comparison group with their intervals
  inequities.csv / .json      per measure x dimension, ranked: the comparison group (the best of
                              the groups holding at least 10% of the people) and the group
                              furthest behind, the gap with its interval, excess events, the
                              p-value, the HEAT summary measures; `headline` marks one finding
                              per inequity (a gap seen by race, ethnicity and race and
                              ethnicity is listed once, under the most specific)
  report.html                 one self-contained page for a board
The files are replaced together at the end: a run that fails leaves the previous ones as they
were.

Patient-level data never leaves this machine: only the counts above are written.";

const ANALYZE_EXAMPLES: &str = "\
Examples:
  rise analyze ./export --out ./equity-2024 --period 2024
  rise analyze ./synthea/csv --out ./q --period 2024 --by quarter
  rise analyze ./export --out ./r --dimensions race_ethnicity,language,race_ethnicity*sex
  rise analyze ./export --out ./r --measures our_measures.toml --area-index adi_by_zip.csv";

const GENERATE_ABOUT: &str = "\
A deterministic synthetic population (same seed, same data) with realistic demographics and
planted disparities, written with the truth (which measure, dimension and group) to
DIR/truth.json, and a ZIP deprivation table to DIR/area_index.csv. Streams to any size.";

/// How `rise analyze` splits the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Split {
    Month,
    Quarter,
    Year,
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Folder of patient-level tables.
    #[arg(value_name = "DATA_DIR")]
    pub data_dir: PathBuf,

    /// Folder to write the results to (created if needed).
    #[arg(long, value_name = "OUT_DIR")]
    pub out: PathBuf,

    /// Measurement year (default: last calendar year).
    #[arg(long, value_name = "YEAR")]
    pub period: Option<String>,

    /// First day of the measurement period (YYYY-MM-DD), with --to.
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,

    /// Last day of the measurement period (YYYY-MM-DD), with --from.
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,

    /// Also report each month, quarter or year of the period.
    #[arg(long, value_enum)]
    pub by: Option<Split>,

    /// Extra measure definitions (TOML); may be repeated.
    #[arg(long, value_name = "FILE")]
    pub measures: Vec<PathBuf>,

    /// Dimensions and intersections, comma-separated (e.g. race_ethnicity,sex,race_ethnicity*sex).
    #[arg(long, value_name = "LIST")]
    pub dimensions: Option<String>,

    /// ZIP → deprivation index CSV (`zip,index`) for area_quintile (default: DATA_DIR/area_index.csv if present).
    #[arg(long, value_name = "FILE")]
    pub area_index: Option<PathBuf>,

    /// Input format: parquet, csv, synthea, fhir or omop (default: recognised from the files).
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,

    /// Stop at the first bad record (or repeated patient id) instead of skipping and counting it.
    #[arg(long)]
    pub strict: bool,

    /// Write exact counts, small cells included. The files then must not be shared.
    #[arg(long)]
    pub no_suppression: bool,

    /// No progress bar or summary.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Output format of `rise generate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GenerateFormat {
    /// Canonical Parquet tables (fastest; what the benchmarks use).
    Parquet,
    /// Synthea-style CSV files.
    Synthea,
    /// A FHIR R4 bulk-data export (NDJSON, one file per resource type).
    Fhir,
    /// OMOP CDM v5.4 tables as CSV, with a concept table for the codes used.
    Omop,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Number of patients.
    #[arg(long, default_value_t = 10_000)]
    pub patients: u64,

    /// Seed: the same seed gives the same population.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,

    /// Folder to write to.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    /// Output format.
    #[arg(long, value_enum, default_value_t = GenerateFormat::Parquet)]
    pub format: GenerateFormat,

    /// Measurement year the clinical events are built around (default: last calendar year).
    #[arg(long)]
    pub year: Option<i32>,

    /// No progress bar or summary.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct MeasuresArgs {
    /// Extra measure definitions (TOML); may be repeated.
    #[arg(long, value_name = "FILE")]
    pub measures: Vec<PathBuf>,

    /// Print the full definitions (SQL included) as TOML-like text.
    #[arg(long)]
    pub full: bool,
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
