//! `rise generate`: a deterministic synthetic population with *planted* disparities.
//!
//! Every patient is drawn from their own generator seeded by `(seed, index)`, so output is
//! identical for a given seed and streams at any size. Demographics follow rough US shares.
//! Outcomes depend on demographics only where a disparity is planted; demographics are drawn
//! independently of one another, so each planted disparity shows in its own dimension (and in
//! the dimensions derived from it, e.g. `race` from `race_ethnicity`) and nowhere else. The
//! truth is written to `truth.json`.

// A generated row has many fields; wrapping them in a struct per call would only rename them.
#![allow(clippy::too_many_arguments)]

mod fhir;
mod omop;
mod parquet;
mod sink;
mod synthea;

use crate::dates::midnight_micros;
use crate::error::{EngineError, Result, io};
use crate::ingest::writer::CanonicalWriter;
use chrono::{Datelike, Duration, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use sink::{Person, Sink};
use std::path::{Path, PathBuf};

/// Output format of the generator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutFormat {
    /// Canonical Parquet tables.
    Parquet,
    /// A Synthea-style CSV folder (plus Rise's optional `LANGUAGE` column).
    Synthea,
    /// A FHIR R4 bulk-data export (NDJSON), US Core race and ethnicity, Coverage for the payer.
    Fhir,
    /// OMOP CDM v5.4 CSV tables with a concept table of local concepts for the codes used.
    Omop,
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct Config {
    pub patients: u64,
    pub seed: u64,
    pub out: PathBuf,
    pub format: OutFormat,
    /// The measurement year the clinical events are built around.
    pub year: i32,
}

/// One planted disparity.
#[derive(Debug, Clone, Serialize)]
pub struct Planted {
    pub measure: String,
    pub dimension: String,
    /// The disadvantaged group.
    pub group: String,
    /// Change in the probability of meeting the measure (negative: fewer meet it); for
    /// lower-is-better measures a positive effect is the harm.
    pub effect: f64,
    /// Other dimensions where the gap also shows: those in which the same people form a
    /// group (`race` beside `race_ethnicity`), and those the group is concentrated in
    /// (Medicaid among the young, since payer is drawn by age).
    pub also_visible_in: Vec<String>,
}

/// `truth.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Truth {
    pub generator: String,
    pub seed: u64,
    pub patients: u64,
    pub year: i32,
    pub planted: Vec<Planted>,
    pub note: String,
}

/// The disparities every generated population carries.
pub fn planted() -> Vec<Planted> {
    let p = |m: &str, d: &str, g: &str, e: f64, also: &[&str]| Planted {
        measure: m.into(),
        dimension: d.into(),
        group: g.into(),
        effect: e,
        also_visible_in: also.iter().map(|s| s.to_string()).collect(),
    };
    vec![
        p(
            "bp_control",
            "race_ethnicity",
            "Black or African American",
            -0.20,
            &["race"],
        ),
        p(
            "colorectal_screening",
            "language",
            "Other than English",
            -0.25,
            &[],
        ),
        p("breast_screening", "income_quintile", "1", -0.25, &[]),
        // Payer is drawn by age (Medicare from 65), so the Medicaid gap also shows by age band.
        p(
            "hba1c_poor_control",
            "payer",
            "Medicaid",
            0.30,
            &["age_band"],
        ),
        p(
            "flu_immunization",
            "race_ethnicity",
            "Hispanic or Latino",
            -0.20,
            &["ethnicity", "race"],
        ),
    ]
}

/// Generates the population; `progress(done)` is called every few thousand patients.
pub fn generate(cfg: &Config, progress: &dyn Fn(u64)) -> Result<Truth> {
    if cfg.patients == 0 {
        return Err(EngineError::Setting("--patients must be at least 1".into()));
    }
    std::fs::create_dir_all(&cfg.out).map_err(|e| io(&cfg.out, e))?;
    let mut sink: Box<dyn Sink> = match cfg.format {
        OutFormat::Parquet => Box::new(parquet::ParquetSink(CanonicalWriter::create(&cfg.out)?)),
        OutFormat::Synthea => Box::new(synthea::SyntheaSink::create(&cfg.out)?),
        OutFormat::Fhir => Box::new(fhir::FhirSink::create(&cfg.out, cfg.year)?),
        OutFormat::Omop => Box::new(omop::OmopSink::create(&cfg.out, cfg.year)?),
    };
    let year_end = NaiveDate::from_ymd_opt(cfg.year, 12, 31)
        .ok_or_else(|| EngineError::Setting(format!("no year {}", cfg.year)))?;
    for i in 0..cfg.patients {
        let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ i);
        person(&mut rng, i, year_end, sink.as_mut())?;
        if i % 4096 == 4095 {
            progress(i + 1);
        }
    }
    progress(cfg.patients);
    sink.finish()?;
    write_area_index(&cfg.out)?;
    let truth = Truth {
        generator: format!("rise {}", env!("CARGO_PKG_VERSION")),
        seed: cfg.seed,
        patients: cfg.patients,
        year: cfg.year,
        planted: planted(),
        note: "Outside the planted disparities, outcomes do not depend on demographics, and demographics are drawn independently of one another.".into(),
    };
    let path = cfg.out.join("truth.json");
    let text =
        serde_json::to_string_pretty(&truth).map_err(|e| EngineError::Arrow(e.to_string()))?;
    std::fs::write(&path, text + "\n").map_err(|e| io(&path, e))?;
    Ok(truth)
}

/// `area_index.csv`: a deprivation index per generated ZIP code (higher = more deprived).
fn write_area_index(dir: &Path) -> Result<()> {
    let path = dir.join("area_index.csv");
    let mut text = String::from("zip,index\n");
    for z in 0..100u32 {
        text.push_str(&format!("{},{}\n", 90001 + z, 100 - z));
    }
    std::fs::write(&path, text).map_err(|e| io(&path, e))
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [(T, f64)]) -> &'a T {
    let total: f64 = items.iter().map(|x| x.1).sum();
    let mut r = rng.random::<f64>() * total;
    for (item, w) in items {
        if r < *w {
            return item;
        }
        r -= w;
    }
    &items[items.len() - 1].0
}

fn chance(rng: &mut ChaCha8Rng, p: f64) -> bool {
    rng.random::<f64>() < p.clamp(0.0, 1.0)
}

fn day_in(rng: &mut ChaCha8Rng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span = (to - from).num_days().max(0);
    from + Duration::days(rng.random_range(0..=span))
}

fn at(d: NaiveDate, hour: i64) -> i64 {
    midnight_micros(d) + hour * 3_600_000_000
}

/// What the generator knows about a person beyond their record: facts the measures' planted
/// gaps and eligibility depend on.
struct Traits {
    age: i64,
    adult: bool,
    /// The income draw in [0, 1) (the lowest quintile is below 0.2).
    income_u: f64,
}

/// One patient's records being written: whose, the year, and the encounter counter.
struct Chart<'a> {
    rng: &'a mut ChaCha8Rng,
    sink: &'a mut dyn Sink,
    pid: String,
    start: NaiveDate,
    end: NaiveDate,
    encounters: u32,
}

impl Chart<'_> {
    /// A new encounter id of this patient.
    fn next_encounter(&mut self) -> String {
        self.encounters += 1;
        format!(
            "{}-e{}-{}",
            self.pid,
            self.encounters,
            self.rng.random_range(0..1000)
        )
    }
}

/// A visit (encounter id and day).
type Visit = (String, NaiveDate);

/// One synthetic patient and their year of care, in named steps. The steps draw from `rng`
/// in a fixed order, so a seed always gives the same population.
fn person(rng: &mut ChaCha8Rng, i: u64, end: NaiveDate, sink: &mut dyn Sink) -> Result<()> {
    let start = NaiveDate::from_ymd_opt(end.year(), 1, 1).unwrap_or(end);
    let (p, t) = draw(rng, i, start, end);
    sink.patient(&p)?;
    let mut c = Chart {
        rng,
        sink,
        pid: p.id.clone(),
        start,
        end,
        encounters: 0,
    };
    let visits = visits(&mut c)?;
    let last_visit = visits.last().cloned();
    hypertension(&mut c, &p, &t, &visits)?;
    diabetes(&mut c, &p, &t, last_visit.as_ref())?;
    screenings(&mut c, &p, &t)?;
    immunizations(&mut c, &p, &t, &visits)?;
    ascvd(&mut c, &t)?;
    depression(&mut c, &t, last_visit.as_ref())?;
    hospital(&mut c, &t)?;
    deliveries(&mut c, &p, &t)
}

/// Who the person is: demographics in roughly US proportions.
fn draw(rng: &mut ChaCha8Rng, i: u64, start: NaiveDate, end: NaiveDate) -> (Person, Traits) {
    // race_ethnicity shares (roughly US Census 2020), then race for Hispanic people.
    let re = *pick(
        rng,
        &[
            ("White", 58.0),
            ("Hispanic or Latino", 19.0),
            ("Black or African American", 12.5),
            ("Asian", 6.0),
            ("American Indian or Alaska Native", 0.9),
            ("Native Hawaiian or Pacific Islander", 0.3),
            ("Multiracial", 2.5),
            ("Unknown", 0.8),
        ],
    );
    let hispanic = re == "Hispanic or Latino";
    let race = if hispanic {
        *pick(
            rng,
            &[("White", 60.0), ("Other", 30.0), ("Multiracial", 10.0)],
        )
    } else {
        re
    };
    let race_source = match race {
        "White" => "white",
        "Black or African American" => "black",
        "Asian" => "asian",
        "American Indian or Alaska Native" => "native",
        "Native Hawaiian or Pacific Islander" => "hawaiian",
        "Unknown" => "",
        _ => "other",
    };
    let race = if race == "Multiracial" {
        "Multiracial"
    } else {
        race
    };
    let female = chance(rng, 0.51);
    // Age bands in roughly US proportions, uniform within each band.
    let (lo, hi) = *pick(
        rng,
        &[
            ((0i64, 17i64), 22.0),
            ((18, 44), 36.0),
            ((45, 64), 25.0),
            ((65, 89), 17.0),
        ],
    );
    let age: i64 = rng.random_range(lo..=hi);
    // A birthday that makes the patient exactly `age` on the period's last day, in calendar
    // years: `age × 365` days drifted by the leap days, so a patient drawn at 65 (Medicare,
    // no cervical screening) could be 64 when measured, and planted a gap that was not there.
    let latest = end
        .checked_sub_months(chrono::Months::new(12 * age as u32))
        .unwrap_or(end);
    let earliest = end
        .checked_sub_months(chrono::Months::new(12 * (age as u32 + 1)))
        .map_or(latest, |d| d + Duration::days(1));
    let span = (latest - earliest).num_days().max(0);
    let birth = earliest + Duration::days(rng.random_range(0..=span));
    let language = *pick(
        rng,
        &[
            ("English", 88.0),
            ("Spanish", 6.0),
            ("Chinese", 1.5),
            ("Vietnamese", 1.0),
            ("Arabic", 1.5),
            ("", 2.0),
        ],
    );
    let payer = if age >= 65 {
        *pick(rng, &[("Medicare", 92.0), ("Medicaid", 6.0), ("", 2.0)])
    } else {
        *pick(
            rng,
            &[
                ("Commercial", 60.0),
                ("Medicaid", 22.0),
                ("NO_INSURANCE", 9.0),
                ("Other", 4.0),
                ("", 5.0),
            ],
        )
    };
    let income_u: f64 = rng.random();
    let income = (12_000.0 + 160_000.0 * income_u.powf(1.7)).round();
    let zip = 90001 + rng.random_range(0..100u32);
    let death = chance(rng, 0.012).then(|| day_in(rng, start, end));
    let p = Person {
        id: format!("p{i:09}"),
        birth,
        death,
        female,
        race,
        race_source,
        hispanic,
        language,
        payer,
        zip,
        income,
    };
    let traits = Traits {
        age,
        adult: age >= 18,
        income_u,
    };
    (p, traits)
}

/// A visit last year for most, and the year's ambulatory visits, in date order.
fn visits(c: &mut Chart<'_>) -> Result<Vec<Visit>> {
    // A visit last year keeps most patients "active" for look-back denominators.
    if chance(c.rng, 0.8) {
        let d = day_in(
            c.rng,
            c.start - Duration::days(365),
            c.start - Duration::days(1),
        );
        let e = c.next_encounter();
        c.sink.encounter(
            &e,
            &c.pid,
            at(d, 9),
            at(d, 10),
            "wellness",
            "162673000",
            "General examination of patient",
        )?;
    }
    // Ambulatory visits in the year.
    let mut visits = Vec::new();
    if chance(c.rng, 0.85) {
        let n = 1 + c.rng.random_range(0..4);
        for k in 0..n {
            let d = day_in(c.rng, c.start, c.end);
            let e = c.next_encounter();
            let class = if k == 0 { "wellness" } else { "ambulatory" };
            c.sink.encounter(
                &e,
                &c.pid,
                at(d, 9),
                at(d, 10),
                class,
                "185349003",
                "Encounter for check up",
            )?;
            visits.push((e, d));
        }
        visits.sort_by_key(|v| v.1);
    }
    Ok(visits)
}

/// Hypertension and blood pressure at each visit (planted: Black −0.20 control).
fn hypertension(c: &mut Chart<'_>, p: &Person, t: &Traits, visits: &[Visit]) -> Result<()> {
    // Hypertension and blood pressure control (planted: Black −0.20).
    if t.adult && chance(c.rng, 0.30) {
        c.sink.condition(
            &c.pid,
            c.start - Duration::days(c.rng.random_range(30..3000)),
            "59621000",
            "Essential hypertension (disorder)",
        )?;
        let p_control = 0.65
            + if p.race == "Black or African American" && !p.hispanic {
                -0.20
            } else {
                0.0
            };
        let controlled = chance(c.rng, p_control);
        for (k, (e, d)) in visits.iter().enumerate() {
            let last = k + 1 == visits.len();
            let (sys, dia) = if last {
                if controlled {
                    (c.rng.random_range(110..139), c.rng.random_range(65..89))
                } else {
                    (c.rng.random_range(142..175), c.rng.random_range(80..105))
                }
            } else {
                (c.rng.random_range(115..165), c.rng.random_range(70..100))
            };
            c.sink.observation(
                &c.pid,
                e,
                at(*d, 9),
                "8480-6",
                "Systolic Blood Pressure",
                f64::from(sys),
                "mm[Hg]",
            )?;
            c.sink.observation(
                &c.pid,
                e,
                at(*d, 9),
                "8462-4",
                "Diastolic Blood Pressure",
                f64::from(dia),
                "mm[Hg]",
            )?;
        }
    }
    Ok(())
}

/// Diabetes and its HbA1c at the last visit (planted: Medicaid +0.30 poor control).
fn diabetes(c: &mut Chart<'_>, p: &Person, t: &Traits, last_visit: Option<&Visit>) -> Result<()> {
    // Diabetes and HbA1c (planted: Medicaid +0.30 poor control among the tested).
    if t.adult && chance(c.rng, 0.10) {
        c.sink.condition(
            &c.pid,
            c.start - Duration::days(c.rng.random_range(30..4000)),
            "44054006",
            "Diabetes mellitus type 2 (disorder)",
        )?;
        if let Some((e, d)) = &last_visit
            && chance(c.rng, 0.85)
        {
            let p_poor = 0.25 + if p.payer == "Medicaid" { 0.30 } else { 0.0 };
            let v = if chance(c.rng, p_poor) {
                c.rng.random_range(9.1..12.5)
            } else {
                c.rng.random_range(5.4..8.9)
            };
            let v = (v * 10.0f64).round() / 10.0;
            c.sink.observation(
                &c.pid,
                e,
                at(*d, 9),
                "4548-4",
                "Hemoglobin A1c/Hemoglobin.total in Blood",
                v,
                "%",
            )?;
        }
    }
    Ok(())
}

/// Colorectal, breast and cervical cancer screening.
fn screenings(c: &mut Chart<'_>, p: &Person, t: &Traits) -> Result<()> {
    // Colorectal screening (planted: not English −0.25).
    if (45..=75).contains(&t.age) {
        let not_english = !p.language.is_empty() && p.language != "English";
        if chance(c.rng, 0.70 + if not_english { -0.25 } else { 0.0 }) {
            if chance(c.rng, 0.7) {
                let d = day_in(c.rng, c.end - Duration::days(9 * 365), c.end);
                c.sink
                    .procedure(&c.pid, "", at(d, 11), "73761001", "Colonoscopy")?;
            } else {
                let d = day_in(c.rng, c.start, c.end);
                c.sink.observation(
                    &c.pid,
                    "",
                    at(d, 11),
                    "57905-2",
                    "Hemoglobin.gastrointestinal.lower [Presence] in Stool by Immunoassay",
                    0.0,
                    "",
                )?;
            }
        }
    }
    // Breast screening (planted: lowest income quintile −0.25).
    if p.female
        && (52..=74).contains(&t.age)
        && chance(c.rng, 0.76 + if t.income_u < 0.2 { -0.25 } else { 0.0 })
    {
        let d = day_in(c.rng, c.end - Duration::days(700), c.end);
        c.sink
            .procedure(&c.pid, "", at(d, 11), "71651007", "Mammography (procedure)")?;
    }
    // Cervical screening.
    if p.female && (24..=64).contains(&t.age) && chance(c.rng, 0.72) {
        let d = day_in(c.rng, c.end - Duration::days(3 * 365 - 2), c.end);
        c.sink.procedure(
            &c.pid,
            "",
            at(d, 11),
            "90226004",
            "Cytopathology procedure, preparation of smear, genital source",
        )?;
    }
    Ok(())
}

/// MMR by age 2 and the flu vaccine among those seen.
fn immunizations(c: &mut Chart<'_>, p: &Person, t: &Traits, visits: &[Visit]) -> Result<()> {
    // Childhood MMR by age 2.
    if (t.age == 2 || t.age == 1) && chance(c.rng, 0.90) {
        let d = (p.birth + Duration::days(395)).min(c.end);
        c.sink.immunization(&c.pid, "", at(d, 10), "03", "MMR")?;
    }
    // Flu vaccine among those seen (planted: Hispanic −0.20).
    if let Some((e, d)) = visits.first()
        && chance(c.rng, 0.50 + if p.hispanic { -0.20 } else { 0.0 })
    {
        c.sink.immunization(
            &c.pid,
            e,
            at(*d, 10),
            "140",
            "Influenza, seasonal, injectable, preservative free",
        )?;
    }
    Ok(())
}

/// Coronary disease and statins.
fn ascvd(c: &mut Chart<'_>, t: &Traits) -> Result<()> {
    // ASCVD and statins.
    if t.age >= 40 && chance(c.rng, 0.06) {
        c.sink.condition(
            &c.pid,
            c.start - Duration::days(c.rng.random_range(30..3000)),
            "53741008",
            "Coronary arteriosclerosis (disorder)",
        )?;
        if chance(c.rng, 0.68) {
            let s = c.start - Duration::days(c.rng.random_range(1..900));
            c.sink.medication(
                &c.pid,
                "",
                at(s, 12),
                None,
                "312961",
                "Simvastatin 20 MG Oral Tablet",
            )?;
        }
    }
    Ok(())
}

/// Depression screening at the last visit, 12 and older.
fn depression(c: &mut Chart<'_>, t: &Traits, last_visit: Option<&Visit>) -> Result<()> {
    // Depression screening among those seen, 12 and older.
    if t.age >= 12
        && let Some((e, d)) = &last_visit
        && chance(c.rng, 0.62)
    {
        let score = f64::from(c.rng.random_range(0..6));
        c.sink.observation(
            &c.pid,
            e,
            at(*d, 9),
            "55757-9",
            "Patient Health Questionnaire 2 item (PHQ-2) [Reported]",
            score,
            "{score}",
        )?;
    }
    Ok(())
}

/// Hospital stays with their readmissions, and emergency visits.
fn hospital(c: &mut Chart<'_>, t: &Traits) -> Result<()> {
    // Hospital stays and readmissions.
    if t.adult && chance(c.rng, 0.07) {
        let d = day_in(c.rng, c.start, c.end - Duration::days(40));
        let len = c.rng.random_range(2..7);
        let e = c.next_encounter();
        let stop = d + Duration::days(len);
        c.sink.encounter(
            &e,
            &c.pid,
            at(d, 8),
            at(stop, 12),
            "inpatient",
            "32485007",
            "Hospital admission (procedure)",
        )?;
        if chance(c.rng, 0.14) {
            let r = stop + Duration::days(c.rng.random_range(3..30));
            let e2 = c.next_encounter();
            c.sink.encounter(
                &e2,
                &c.pid,
                at(r, 8),
                at(r + Duration::days(3), 12),
                "inpatient",
                "32485007",
                "Hospital admission (procedure)",
            )?;
        }
    }
    // Emergency department.
    if chance(c.rng, 0.18) {
        let d = day_in(c.rng, c.start, c.end);
        let e = c.next_encounter();
        c.sink.encounter(
            &e,
            &c.pid,
            at(d, 20),
            at(d, 23),
            "emergency",
            "50849002",
            "Emergency room admission (procedure)",
        )?;
    }
    Ok(())
}

/// Deliveries and postpartum visits.
fn deliveries(c: &mut Chart<'_>, p: &Person, t: &Traits) -> Result<()> {
    // Deliveries and postpartum visits.
    if p.female && (18..=44).contains(&t.age) && chance(c.rng, 0.05) {
        let d = day_in(c.rng, c.start, c.end - Duration::days(45));
        c.sink.procedure(
            &c.pid,
            "",
            at(d, 6),
            "236973005",
            "Delivery procedure (procedure)",
        )?;
        if chance(c.rng, 0.78) {
            let v = d + Duration::days(c.rng.random_range(7..=40));
            let e = c.next_encounter();
            c.sink.encounter(
                &e,
                &c.pid,
                at(v, 9),
                at(v, 10),
                "ambulatory",
                "169762003",
                "Postnatal visit (regime/therapy)",
            )?;
        }
    }
    Ok(())
}

/// An ISO 8601 UTC date-time of a microsecond count.
pub(crate) fn iso(micros: i64) -> String {
    chrono::DateTime::from_timestamp_micros(micros)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}
