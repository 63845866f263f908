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

fn person(rng: &mut ChaCha8Rng, i: u64, end: NaiveDate, sink: &mut dyn Sink) -> Result<()> {
    let y = end.year();
    let start = NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or(end);
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
    sink.patient(&p)?;
    let pid = p.id.clone();
    let adult = age >= 18;
    let mut enc_n = 0;
    let mut next_enc = |rng: &mut ChaCha8Rng| {
        enc_n += 1;
        format!("{pid}-e{enc_n}-{}", rng.random_range(0..1000))
    };
    // A visit last year keeps most patients "active" for look-back denominators.
    if chance(rng, 0.8) {
        let d = day_in(rng, start - Duration::days(365), start - Duration::days(1));
        let e = next_enc(rng);
        sink.encounter(
            &e,
            &pid,
            at(d, 9),
            at(d, 10),
            "wellness",
            "162673000",
            "General examination of patient",
        )?;
    }
    // Ambulatory visits in the year.
    let mut visits = Vec::new();
    if chance(rng, 0.85) {
        let n = 1 + rng.random_range(0..4);
        for k in 0..n {
            let d = day_in(rng, start, end);
            let e = next_enc(rng);
            let class = if k == 0 { "wellness" } else { "ambulatory" };
            sink.encounter(
                &e,
                &pid,
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
    let last_visit = visits.last().cloned();
    // Hypertension and blood pressure control (planted: Black −0.20).
    if adult && chance(rng, 0.30) {
        sink.condition(
            &pid,
            start - Duration::days(rng.random_range(30..3000)),
            "59621000",
            "Essential hypertension (disorder)",
        )?;
        let p_control = 0.65
            + if p.race == "Black or African American" && !hispanic {
                -0.20
            } else {
                0.0
            };
        let controlled = chance(rng, p_control);
        for (k, (e, d)) in visits.iter().enumerate() {
            let last = k + 1 == visits.len();
            let (sys, dia) = if last {
                if controlled {
                    (rng.random_range(110..139), rng.random_range(65..89))
                } else {
                    (rng.random_range(142..175), rng.random_range(80..105))
                }
            } else {
                (rng.random_range(115..165), rng.random_range(70..100))
            };
            sink.observation(
                &pid,
                e,
                at(*d, 9),
                "8480-6",
                "Systolic Blood Pressure",
                f64::from(sys),
                "mm[Hg]",
            )?;
            sink.observation(
                &pid,
                e,
                at(*d, 9),
                "8462-4",
                "Diastolic Blood Pressure",
                f64::from(dia),
                "mm[Hg]",
            )?;
        }
    }
    // Diabetes and HbA1c (planted: Medicaid +0.30 poor control among the tested).
    if adult && chance(rng, 0.10) {
        sink.condition(
            &pid,
            start - Duration::days(rng.random_range(30..4000)),
            "44054006",
            "Diabetes mellitus type 2 (disorder)",
        )?;
        if let Some((e, d)) = &last_visit
            && chance(rng, 0.85)
        {
            let p_poor = 0.25 + if payer == "Medicaid" { 0.30 } else { 0.0 };
            let v = if chance(rng, p_poor) {
                rng.random_range(9.1..12.5)
            } else {
                rng.random_range(5.4..8.9)
            };
            let v = (v * 10.0f64).round() / 10.0;
            sink.observation(
                &pid,
                e,
                at(*d, 9),
                "4548-4",
                "Hemoglobin A1c/Hemoglobin.total in Blood",
                v,
                "%",
            )?;
        }
    }
    // Colorectal screening (planted: not English −0.25).
    if (45..=75).contains(&age) {
        let not_english = !language.is_empty() && language != "English";
        if chance(rng, 0.70 + if not_english { -0.25 } else { 0.0 }) {
            if chance(rng, 0.7) {
                let d = day_in(rng, end - Duration::days(9 * 365), end);
                sink.procedure(&pid, "", at(d, 11), "73761001", "Colonoscopy")?;
            } else {
                let d = day_in(rng, start, end);
                sink.observation(
                    &pid,
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
    if female
        && (52..=74).contains(&age)
        && chance(rng, 0.76 + if income_u < 0.2 { -0.25 } else { 0.0 })
    {
        let d = day_in(rng, end - Duration::days(700), end);
        sink.procedure(&pid, "", at(d, 11), "71651007", "Mammography (procedure)")?;
    }
    // Cervical screening.
    if female && (24..=64).contains(&age) && chance(rng, 0.72) {
        let d = day_in(rng, end - Duration::days(3 * 365 - 2), end);
        sink.procedure(
            &pid,
            "",
            at(d, 11),
            "90226004",
            "Cytopathology procedure, preparation of smear, genital source",
        )?;
    }
    // Childhood MMR by age 2.
    if (age == 2 || age == 1) && chance(rng, 0.90) {
        let d = (birth + Duration::days(395)).min(end);
        sink.immunization(&pid, "", at(d, 10), "03", "MMR")?;
    }
    // Flu vaccine among those seen (planted: Hispanic −0.20).
    if let Some((e, d)) = visits.first()
        && chance(rng, 0.50 + if hispanic { -0.20 } else { 0.0 })
    {
        sink.immunization(
            &pid,
            e,
            at(*d, 10),
            "140",
            "Influenza, seasonal, injectable, preservative free",
        )?;
    }
    // ASCVD and statins.
    if age >= 40 && chance(rng, 0.06) {
        sink.condition(
            &pid,
            start - Duration::days(rng.random_range(30..3000)),
            "53741008",
            "Coronary arteriosclerosis (disorder)",
        )?;
        if chance(rng, 0.68) {
            let s = start - Duration::days(rng.random_range(1..900));
            sink.medication(
                &pid,
                "",
                at(s, 12),
                None,
                "312961",
                "Simvastatin 20 MG Oral Tablet",
            )?;
        }
    }
    // Depression screening among those seen, 12 and older.
    if age >= 12
        && let Some((e, d)) = &last_visit
        && chance(rng, 0.62)
    {
        let score = f64::from(rng.random_range(0..6));
        sink.observation(
            &pid,
            e,
            at(*d, 9),
            "55757-9",
            "Patient Health Questionnaire 2 item (PHQ-2) [Reported]",
            score,
            "{score}",
        )?;
    }
    // Hospital stays and readmissions.
    if adult && chance(rng, 0.07) {
        let d = day_in(rng, start, end - Duration::days(40));
        let len = rng.random_range(2..7);
        let e = next_enc(rng);
        let stop = d + Duration::days(len);
        sink.encounter(
            &e,
            &pid,
            at(d, 8),
            at(stop, 12),
            "inpatient",
            "32485007",
            "Hospital admission (procedure)",
        )?;
        if chance(rng, 0.14) {
            let r = stop + Duration::days(rng.random_range(3..30));
            let e2 = next_enc(rng);
            sink.encounter(
                &e2,
                &pid,
                at(r, 8),
                at(r + Duration::days(3), 12),
                "inpatient",
                "32485007",
                "Hospital admission (procedure)",
            )?;
        }
    }
    // Emergency department.
    if chance(rng, 0.18) {
        let d = day_in(rng, start, end);
        let e = next_enc(rng);
        sink.encounter(
            &e,
            &pid,
            at(d, 20),
            at(d, 23),
            "emergency",
            "50849002",
            "Emergency room admission (procedure)",
        )?;
    }
    // Deliveries and postpartum visits.
    if female && (18..=44).contains(&age) && chance(rng, 0.05) {
        let d = day_in(rng, start, end - Duration::days(45));
        sink.procedure(
            &pid,
            "",
            at(d, 6),
            "236973005",
            "Delivery procedure (procedure)",
        )?;
        if chance(rng, 0.78) {
            let v = d + Duration::days(rng.random_range(7..=40));
            let e = next_enc(rng);
            sink.encounter(
                &e,
                &pid,
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
