//! OMOP CDM v5.4 tables as CSV (comma- or tab-separated, file names in any case) into the
//! canonical tables.
//!
//! | OMOP table | canonical |
//! |---|---|
//! | `person` (+ `location`, `death`, `payer_plan_period`) | `patients` |
//! | `visit_occurrence` | `encounters` |
//! | `condition_occurrence` | `conditions` |
//! | `measurement`, `observation` | `observations` |
//! | `procedure_occurrence` | `procedures` |
//! | `drug_exposure` | `medications`, or `immunizations` for CVX vaccines |
//!
//! Codes: a concept's own code and vocabulary from `concept.csv` when it is there and knows the
//! concept; otherwise the record's `*_source_value` (Synthea-derived OMOP keeps the SNOMED,
//! LOINC, RxNorm and CVX codes there), with system `source`. Without `concept.csv` a drug whose
//! source value is a 1–3 digit number is taken for a CVX vaccine (RxNorm clinical drugs have
//! longer codes). Race, ethnicity and sex come from their standard concept ids (8527, 8516,
//! 38003563, 8532, …), else from the source values. `person` is read last so that payer,
//! income (LOINC 63586-2) and preferred language (LOINC 54899-0) found in the other tables
//! can be written with it.

use super::facts::Facts;
use super::source::{CsvTable, Row, SkipLog};
use super::writer::{CanonicalWriter, Cell};
use super::{Format, Ingested, Options};
use crate::dates::days;
use crate::demographics as demo;
use crate::error::{EngineError, Result, io};
use crate::vocab;
use chrono::NaiveDate;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The OMOP table files of a folder, by lower-case table name.
fn tables(dir: &Path) -> Result<HashMap<String, PathBuf>> {
    let mut out = HashMap::new();
    for entry in std::fs::read_dir(dir).map_err(|e| io(dir, e))? {
        let path = entry.map_err(|e| io(dir, e))?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if let Some(table) = name.strip_suffix(".csv")
            && path.is_file()
        {
            out.insert(table.to_string(), path);
        }
    }
    Ok(out)
}

/// The file name of a folder's OMOP `person` table, if it has one.
pub fn person_file(dir: &Path) -> Option<String> {
    let tables = tables(dir).ok()?;
    let path = tables.get("person")?;
    Some(path.file_name()?.to_string_lossy().to_string())
}

/// A concept from `concept.csv`.
struct Concept {
    code: String,
    system: &'static str,
    name: String,
}

/// Converts an OMOP folder.
pub fn convert(dir: &Path, work: &Path, opts: Options) -> Result<Ingested> {
    let files = tables(dir)?;
    let person = files.get("person").cloned().ok_or_else(|| {
        EngineError::file(
            dir.join("person.csv").display().to_string(),
            "is missing (an OMOP folder needs at least the person table)",
        )
    })?;
    let mut r = Reader {
        out: CanonicalWriter::for_input(work, opts)?,
        facts: Facts::default(),
        skipped: SkipLog::default(),
        strict: opts.strict,
        concepts: HashMap::new(),
        names: HashMap::new(),
        zips: HashMap::new(),
        deaths: HashMap::new(),
        have_concepts: files.contains_key("concept"),
    };
    let step = |r: &mut Reader, name: &str, f: fn(&mut Reader, CsvTable) -> Result<()>| match files
        .get(name)
    {
        Some(path) => f(r, CsvTable::open(path)?),
        None => Ok(()),
    };
    step(&mut r, "concept", Reader::concept)?;
    step(&mut r, "location", Reader::location)?;
    step(&mut r, "death", Reader::death)?;
    step(&mut r, "payer_plan_period", Reader::payer_plan_period)?;
    step(&mut r, "visit_occurrence", Reader::visit)?;
    step(&mut r, "condition_occurrence", Reader::condition)?;
    step(&mut r, "measurement", Reader::measurement)?;
    step(&mut r, "observation", Reader::observation)?;
    step(&mut r, "procedure_occurrence", Reader::procedure)?;
    step(&mut r, "drug_exposure", Reader::drug)?;
    r.person(CsvTable::open(&person)?)?;
    let skipped = std::mem::take(&mut r.skipped);
    let repeated = r.out.patients.take_repeated();
    let rows = r.out.finish()?;
    Ok(Ingested {
        dir: work.to_path_buf(),
        format: Format::Omop,
        rows: rows.into_iter().map(Some).collect(),
        skipped,
        repeated,
        patients: None,
    })
}

struct Reader {
    out: CanonicalWriter,
    facts: Facts,
    skipped: SkipLog,
    strict: bool,
    /// Concepts of the vocabularies measures use, by id.
    concepts: HashMap<i64, Concept>,
    /// Names of other concepts (payers, visits), by id.
    names: HashMap<i64, String>,
    zips: HashMap<String, String>,
    deaths: HashMap<String, i32>,
    have_concepts: bool,
}

/// A code resolved for a record.
struct Code<'a> {
    code: &'a str,
    system: &'static str,
    name: Option<&'a str>,
}

impl Reader {
    fn concept(&mut self, t: CsvTable) -> Result<()> {
        let c = &t.columns;
        let id = Some(c.required("concept_id")?);
        let code = Some(c.required("concept_code")?);
        let vocab_col = Some(c.required("vocabulary_id")?);
        let name = c.optional("concept_name");
        let (concepts, names) = (&mut self.concepts, &mut self.names);
        t.each(self.strict, &mut self.skipped, |row| {
            let Ok(cid) = row.id(id, "concept_id")?.parse::<i64>() else {
                return Err(row.bad("concept_id", "is not a whole number"));
            };
            let name = row.get(name).to_string();
            match vocab::omop_vocabulary(row.get(vocab_col)) {
                Some(system) => {
                    concepts.insert(
                        cid,
                        Concept {
                            code: row.get(code).to_string(),
                            system,
                            name,
                        },
                    );
                }
                None => {
                    names.insert(cid, name);
                }
            }
            Ok(())
        })
    }

    fn location(&mut self, t: CsvTable) -> Result<()> {
        let id = Some(t.columns.required("location_id")?);
        let zip = t.columns.optional("zip");
        let zips = &mut self.zips;
        t.each(self.strict, &mut self.skipped, |row| {
            let z = row.get(zip);
            if !z.is_empty() {
                zips.insert(row.get(id).to_string(), z.to_string());
            }
            Ok(())
        })
    }

    fn death(&mut self, t: CsvTable) -> Result<()> {
        let pid = Some(t.columns.required("person_id")?);
        let date = Some(t.columns.required("death_date")?);
        let deaths = &mut self.deaths;
        t.each(self.strict, &mut self.skipped, |row| {
            let p = row.id(pid, "person_id")?;
            if let Some(d) = row.date(date, "death_date", true)? {
                deaths.insert(p.to_string(), d);
            }
            Ok(())
        })
    }

    fn payer_plan_period(&mut self, t: CsvTable) -> Result<()> {
        let c = &t.columns;
        let pid = Some(c.required("person_id")?);
        let start = Some(c.required("payer_plan_period_start_date")?);
        let concept = c.optional("payer_concept_id");
        let source = c.optional("payer_source_value");
        let plan = c.optional("plan_source_value");
        let (facts, names) = (&mut self.facts, &self.names);
        t.each(self.strict, &mut self.skipped, |row| {
            let p = row.id(pid, "person_id")?;
            let when = row
                .date(start, "payer_plan_period_start_date", true)?
                .map_or(i64::MIN, |d| i64::from(d) * 86_400_000_000);
            let named = row
                .get(concept)
                .parse::<i64>()
                .ok()
                .and_then(|id| names.get(&id))
                .map(String::as_str)
                .filter(|n| !n.is_empty());
            let text = named
                .or(Some(row.get(source)).filter(|s| !s.is_empty()))
                .unwrap_or(row.get(plan));
            facts.payer(p, when, text);
            Ok(())
        })
    }

    fn visit(&mut self, t: CsvTable) -> Result<()> {
        let c = &t.columns;
        let id = Some(c.required("visit_occurrence_id")?);
        let pid = Some(c.required("person_id")?);
        let concept = Some(c.required("visit_concept_id")?);
        let start = c.one_of(&["visit_start_datetime", "visit_start_date"])?;
        let start_date = c.optional("visit_start_date");
        let stop = c.optional("visit_end_datetime");
        let stop_date = c.optional("visit_end_date");
        let source = c.optional("visit_source_value");
        let (out, concepts, names) = (&mut self.out, &self.concepts, &self.names);
        let have = self.have_concepts;
        t.each(self.strict, &mut self.skipped, |row| {
            let cid = row.get(concept);
            let class = vocab::omop_visit_class(cid)
                .or_else(|| vocab::text_encounter_class(row.get(source)))
                .or_else(|| {
                    let id = cid.parse::<i64>().ok()?;
                    vocab::text_encounter_class(names.get(&id)?)
                });
            let code = resolve(row, concepts, have, cid, source)?;
            out.encounters.push(&[
                Cell::Str(Some(row.id(id, "visit_occurrence_id")?)),
                Cell::Str(Some(row.id(pid, "person_id")?)),
                Cell::Ts(either_ts(
                    row,
                    Some(start),
                    start_date,
                    "visit_start_date",
                    true,
                )?),
                Cell::Ts(either_ts(row, stop, stop_date, "visit_end_date", false)?),
                Cell::Str(class),
                Cell::Str(code.as_ref().map(|c| c.code)),
                Cell::Str(code.as_ref().map(|c| c.system)),
                Cell::Str(code.as_ref().and_then(|c| c.name)),
            ])
        })
    }

    fn condition(&mut self, t: CsvTable) -> Result<()> {
        let c = &t.columns;
        let pid = Some(c.required("person_id")?);
        let concept = Some(c.required("condition_concept_id")?);
        let start = Some(c.required("condition_start_date")?);
        let stop = c.optional("condition_end_date");
        let visit = c.optional("visit_occurrence_id");
        let source = c.optional("condition_source_value");
        let (out, concepts, have) = (&mut self.out, &self.concepts, self.have_concepts);
        t.each(self.strict, &mut self.skipped, |row| {
            let code = needed(row, resolve(row, concepts, have, row.get(concept), source)?)?;
            out.conditions.push(&[
                Cell::Str(Some(row.id(pid, "person_id")?)),
                Cell::Str(Some(row.get(visit)).filter(|v| !v.is_empty())),
                Cell::Date(row.date(start, "condition_start_date", true)?),
                Cell::Date(row.date(stop, "condition_end_date", false)?),
                Cell::Str(Some(code.code)),
                Cell::Str(Some(code.system)),
                Cell::Str(code.name),
            ])
        })
    }

    fn measurement(&mut self, t: CsvTable) -> Result<()> {
        let c = &t.columns;
        let cols = ObsColumns {
            pid: c.required("person_id")?,
            concept: c.required("measurement_concept_id")?,
            date: c.required("measurement_date")?,
            datetime: c.optional("measurement_datetime"),
            number: c.optional("value_as_number"),
            text: c.optional("value_source_value"),
            unit: c.optional("unit_source_value"),
            visit: c.optional("visit_occurrence_id"),
            source: c.optional("measurement_source_value"),
            date_field: "measurement_date",
        };
        self.observations(t, cols)
    }

    fn observation(&mut self, t: CsvTable) -> Result<()> {
        let c = &t.columns;
        let cols = ObsColumns {
            pid: c.required("person_id")?,
            concept: c.required("observation_concept_id")?,
            date: c.required("observation_date")?,
            datetime: c.optional("observation_datetime"),
            number: c.optional("value_as_number"),
            text: c
                .optional("value_as_string")
                .or(c.optional("value_source_value")),
            unit: c.optional("unit_source_value"),
            visit: c.optional("visit_occurrence_id"),
            source: c.optional("observation_source_value"),
            date_field: "observation_date",
        };
        self.observations(t, cols)
    }

    fn observations(&mut self, t: CsvTable, k: ObsColumns) -> Result<()> {
        let (out, facts, concepts) = (&mut self.out, &mut self.facts, &self.concepts);
        let have = self.have_concepts;
        t.each(self.strict, &mut self.skipped, |row| {
            let pid = row.id(Some(k.pid), "person_id")?;
            let code = needed(
                row,
                resolve(row, concepts, have, row.get(Some(k.concept)), k.source)?,
            )?;
            let time = either_ts(row, k.datetime, Some(k.date), k.date_field, true)?;
            let value = row.number(k.number, "value_as_number")?;
            let text = Some(row.get(k.text)).filter(|s| !s.is_empty());
            facts.observation(pid, code.code, time.unwrap_or(i64::MIN), value, text);
            out.observations.push(&[
                Cell::Str(Some(pid)),
                Cell::Str(Some(row.get(k.visit)).filter(|v| !v.is_empty())),
                Cell::Ts(time),
                Cell::Str(Some(code.code)),
                Cell::Str(Some(code.system)),
                Cell::Str(code.name),
                Cell::Num(value),
                Cell::Str(if value.is_none() { text } else { None }),
                Cell::Str(Some(row.get(k.unit)).filter(|u| !u.is_empty())),
            ])
        })
    }

    fn procedure(&mut self, t: CsvTable) -> Result<()> {
        let c = &t.columns;
        let pid = Some(c.required("person_id")?);
        let concept = Some(c.required("procedure_concept_id")?);
        let date = Some(c.required("procedure_date")?);
        let datetime = c.optional("procedure_datetime");
        let visit = c.optional("visit_occurrence_id");
        let source = c.optional("procedure_source_value");
        let (out, concepts, have) = (&mut self.out, &self.concepts, self.have_concepts);
        t.each(self.strict, &mut self.skipped, |row| {
            let code = needed(row, resolve(row, concepts, have, row.get(concept), source)?)?;
            out.procedures.push(&[
                Cell::Str(Some(row.id(pid, "person_id")?)),
                Cell::Str(Some(row.get(visit)).filter(|v| !v.is_empty())),
                Cell::Ts(either_ts(row, datetime, date, "procedure_date", true)?),
                Cell::Str(Some(code.code)),
                Cell::Str(Some(code.system)),
                Cell::Str(code.name),
            ])
        })
    }

    fn drug(&mut self, t: CsvTable) -> Result<()> {
        let c = &t.columns;
        let pid = Some(c.required("person_id")?);
        let concept = Some(c.required("drug_concept_id")?);
        let start = Some(c.required("drug_exposure_start_date")?);
        let start_dt = c.optional("drug_exposure_start_datetime");
        let stop = c.optional("drug_exposure_end_date");
        let stop_dt = c.optional("drug_exposure_end_datetime");
        let visit = c.optional("visit_occurrence_id");
        let source = c.optional("drug_source_value");
        let (out, concepts, have) = (&mut self.out, &self.concepts, self.have_concepts);
        t.each(self.strict, &mut self.skipped, |row| {
            let code = needed(row, resolve(row, concepts, have, row.get(concept), source)?)?;
            let pid = row.id(pid, "person_id")?;
            let visit = Some(row.get(visit)).filter(|v| !v.is_empty());
            let time = either_ts(row, start_dt, start, "drug_exposure_start_date", true)?;
            let vaccine = code.system == "CVX"
                || (code.system == "source"
                    && (1..=3).contains(&code.code.len())
                    && code.code.bytes().all(|b| b.is_ascii_digit()));
            if vaccine {
                out.immunizations.push(&[
                    Cell::Str(Some(pid)),
                    Cell::Str(visit),
                    Cell::Ts(time),
                    Cell::Str(Some(code.code)),
                    Cell::Str(Some("CVX")),
                    Cell::Str(code.name),
                ])
            } else {
                out.medications.push(&[
                    Cell::Str(Some(pid)),
                    Cell::Str(visit),
                    Cell::Ts(time),
                    Cell::Ts(either_ts(
                        row,
                        stop_dt,
                        stop,
                        "drug_exposure_end_date",
                        false,
                    )?),
                    Cell::Str(Some(code.code)),
                    Cell::Str(Some(code.system)),
                    Cell::Str(code.name),
                ])
            }
        })
    }

    fn person(&mut self, t: CsvTable) -> Result<()> {
        let c = &t.columns;
        let pid = Some(c.required("person_id")?);
        let year = Some(c.required("year_of_birth")?);
        let month = c.optional("month_of_birth");
        let day = c.optional("day_of_birth");
        let birth_dt = c.optional("birth_datetime");
        let gender = Some(c.required("gender_concept_id")?);
        let race = Some(c.required("race_concept_id")?);
        let eth = Some(c.required("ethnicity_concept_id")?);
        let location = c.optional("location_id");
        let gender_src = c.optional("gender_source_value");
        let race_src = c.optional("race_source_value");
        let eth_src = c.optional("ethnicity_source_value");
        let (out, facts, zips, deaths) = (&mut self.out, &self.facts, &self.zips, &self.deaths);
        let mut people = 0u64;
        let file = t.file.clone();
        t.each(self.strict, &mut self.skipped, |row| {
            let p = row.id(pid, "person_id")?;
            let birth = match row.date(birth_dt, "birth_datetime", false)? {
                Some(d) => d,
                None => birth_from_parts(row, year, month, day)?,
            };
            let race_label = match demo::race(row.get(race)) {
                "Unknown" | "Other" => demo::race(row.get(race_src)),
                known => known,
            };
            let eth_label = match demo::ethnicity(row.get(eth)) {
                "Unknown" => demo::ethnicity(row.get(eth_src)),
                known => known,
            };
            let sex = match demo::sex(row.get(gender)) {
                "Unknown" | "Other" => demo::sex(row.get(gender_src)),
                known => known,
            };
            let race_source = first_non_empty(row.get(race_src), row.get(race));
            let eth_source = first_non_empty(row.get(eth_src), row.get(eth));
            let re = demo::race_ethnicity(race_label, eth_label);
            people += 1;
            out.patients.push_patient(
                &[
                    Cell::Str(Some(p)),
                    Cell::Date(Some(birth)),
                    Cell::Date(deaths.get(p).copied()),
                    Cell::Str(Some(sex)),
                    Cell::Str(Some(race_label)),
                    Cell::Str(Some(eth_label)),
                    Cell::Str(Some(&re)),
                    Cell::Str(Some(facts.language_of(p).unwrap_or("Unknown"))),
                    Cell::Str(zips.get(row.get(location)).map(String::as_str)),
                    Cell::Str(Some(facts.payer_of(p).unwrap_or("Unknown"))),
                    Cell::Num(facts.income_of(p)),
                    Cell::Str(Some(race_source)),
                    Cell::Str(Some(eth_source)),
                ],
                row.file,
                row.line,
                "person_id",
            )
        })?;
        if people == 0 {
            return Err(EngineError::file(
                file,
                "the person table has no readable rows",
            ));
        }
        Ok(())
    }
}

/// Columns of a measurement or observation table.
struct ObsColumns {
    pid: usize,
    concept: usize,
    date: usize,
    datetime: Option<usize>,
    number: Option<usize>,
    text: Option<usize>,
    unit: Option<usize>,
    visit: Option<usize>,
    source: Option<usize>,
    date_field: &'static str,
}

fn first_non_empty<'a>(a: &'a str, b: &'a str) -> &'a str {
    if a.is_empty() { b } else { a }
}

/// The code of a record: the concept's own code when `concept.csv` knows it, else the source
/// value. `None` when there is neither.
fn resolve<'a>(
    row: &'a Row<'_>,
    concepts: &'a HashMap<i64, Concept>,
    have_concepts: bool,
    concept_id: &str,
    source: Option<usize>,
) -> Result<Option<Code<'a>>> {
    let id = match concept_id {
        "" => 0,
        t => t
            .parse::<i64>()
            .map_err(|_| row.bad("concept_id", format!("'{t}' is not a concept id")))?,
    };
    if have_concepts && let Some(c) = concepts.get(&id) {
        return Ok(Some(Code {
            code: &c.code,
            system: c.system,
            name: Some(c.name.as_str()).filter(|n| !n.is_empty()),
        }));
    }
    let src = row.get(source);
    Ok((!src.is_empty()).then_some(Code {
        code: src,
        system: "source",
        name: None,
    }))
}

fn needed<'a>(row: &Row<'_>, code: Option<Code<'a>>) -> Result<Code<'a>> {
    code.ok_or_else(|| {
        row.bad(
            "concept_id",
            "has no code: the concept is not in concept.csv (or in a vocabulary Rise reads) and the source value is empty",
        )
    })
}

/// A date-time column, or else the date column at midnight.
fn either_ts(
    row: &Row<'_>,
    datetime: Option<usize>,
    date: Option<usize>,
    field: &str,
    required: bool,
) -> Result<Option<i64>> {
    if let Some(t) = row.timestamp(datetime, field, false)? {
        return Ok(Some(t));
    }
    Ok(row
        .date(date, field, required)?
        .map(|d| i64::from(d) * 86_400_000_000))
}

/// A birth date from `year_of_birth` and the optional month and day (1 when missing, the
/// OHDSI convention).
fn birth_from_parts(
    row: &Row<'_>,
    year: Option<usize>,
    month: Option<usize>,
    day: Option<usize>,
) -> Result<i32> {
    let part = |i: Option<usize>, field: &str, default: u32| -> Result<u32> {
        match row.get(i) {
            "" => Ok(default),
            t => t
                .parse::<u32>()
                .map_err(|_| row.bad(field, format!("'{t}' is not a whole number"))),
        }
    };
    let y = row.id(year, "year_of_birth")?;
    let y = y
        .parse::<i32>()
        .ok()
        .filter(|y| (1850..=2200).contains(y))
        .ok_or_else(|| row.bad("year_of_birth", format!("'{y}' is not a plausible year")))?;
    let m = part(month, "month_of_birth", 1)?;
    let d = part(day, "day_of_birth", 1)?;
    NaiveDate::from_ymd_opt(y, m, d)
        .map(days)
        .ok_or_else(|| row.bad("day_of_birth", format!("{y}-{m}-{d} is not a date")))
}
