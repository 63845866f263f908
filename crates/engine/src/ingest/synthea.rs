//! Synthea's CSV output folder (Synthea ≥ 3.0: `patients.csv`, `encounters.csv`, …) into the
//! canonical tables. Race and ethnicity come from `RACE`/`ETHNICITY`; the payer is the most
//! recent `payer_transitions.csv` entry named through `payers.csv`. Synthea has no language
//! column; Rise's own generator adds an optional `LANGUAGE` column, which is read when present.

use super::source::{Columns, CsvTable, SkipLog};
use super::writer::{Cell, TableWriter};
use super::{Format, Ingested, Options};
use crate::demographics as demo;
use crate::error::{EngineError, Result};
use crate::schema::Table;
use std::collections::HashMap;
use std::path::Path;

/// Converts a Synthea folder.
pub fn convert(dir: &Path, work: &Path, opts: Options) -> Result<Ingested> {
    let mut skipped = SkipLog::default();
    let mut repeated = SkipLog::default();
    let payers = payer_of_patient(dir, opts, &mut skipped)?;
    let mut rows = Vec::new();
    for table in Table::ALL {
        let mut out = TableWriter::for_input(work, table, opts)?;
        let path = dir.join(format!("{}.csv", table.name()));
        if path.is_file() {
            read_table(&path, table, &mut out, &payers, opts, &mut skipped)?;
        } else if table == Table::Patients {
            return Err(EngineError::file(path.display().to_string(), "is missing"));
        }
        repeated.files.extend(out.take_repeated().files);
        rows.push(Some(out.finish()?));
    }
    Ok(Ingested {
        dir: work.to_path_buf(),
        format: Format::Synthea,
        rows,
        skipped,
        repeated,
        patients: None,
    })
}

/// Patient id → canonical payer type, from the latest payer transition.
fn payer_of_patient(
    dir: &Path,
    opts: Options,
    skipped: &mut SkipLog,
) -> Result<HashMap<String, &'static str>> {
    let mut names: HashMap<String, String> = HashMap::new();
    let payers = dir.join("payers.csv");
    if payers.is_file() {
        let t = CsvTable::open(&payers)?;
        let (id, name) = (
            Some(t.columns.required("id")?),
            Some(t.columns.required("name")?),
        );
        t.each(opts.strict, skipped, |row| {
            names.insert(row.get(id).to_string(), row.get(name).to_string());
            Ok(())
        })?;
    }
    let mut latest: HashMap<String, (String, &'static str)> = HashMap::new();
    let transitions = dir.join("payer_transitions.csv");
    if transitions.is_file() {
        let t = CsvTable::open(&transitions)?;
        let patient = Some(t.columns.required("patient")?);
        let payer = Some(t.columns.required("payer")?);
        let end = Some(t.columns.one_of(&["end_date", "end_year"])?);
        t.each(opts.strict, skipped, |row| {
            let pid = row.get(patient).to_string();
            let when = row.get(end).to_string();
            let payer_id = row.get(payer);
            let label = demo::payer(names.get(payer_id).map_or(payer_id, String::as_str));
            match latest.get(&pid) {
                Some((w, _)) if *w >= when => {}
                _ => {
                    latest.insert(pid, (when, label));
                }
            }
            Ok(())
        })?;
    }
    Ok(latest.into_iter().map(|(k, (_, v))| (k, v)).collect())
}

fn read_table(
    path: &Path,
    table: Table,
    out: &mut TableWriter,
    payers: &HashMap<String, &'static str>,
    opts: Options,
    skipped: &mut SkipLog,
) -> Result<()> {
    let t = CsvTable::open(path)?;
    let map = Mapping::new(table, &t.columns)?;
    t.each(opts.strict, skipped, |row| {
        let get = |i: Option<usize>| row.get(i);
        let bad = |field: &str, msg: String| row.bad(field, msg);
        let date = |i: Option<usize>, field: &str, required: bool| row.date(i, field, required);
        let ts = |i: Option<usize>, field: &str, required: bool| row.timestamp(i, field, required);
        let id = |i: Option<usize>, field: &str| row.id(i, field);
        match table {
            Table::Patients => {
                let pid = id(map.id, "Id")?;
                let birth = date(map.start, "BIRTHDATE", true)?;
                let death = date(map.stop, "DEATHDATE", false)?;
                let race_src = get(map.race);
                let eth_src = get(map.ethnicity);
                let race = demo::race(race_src);
                let eth = demo::ethnicity(eth_src);
                let income = match get(map.value) {
                    "" => None,
                    t => Some(
                        t.parse::<f64>()
                            .map_err(|_| bad("INCOME", format!("'{t}' is not a number")))?,
                    ),
                };
                let re = demo::race_ethnicity(race, eth);
                out.push_patient(
                    &[
                        Cell::Str(Some(pid)),
                        Cell::Date(birth),
                        Cell::Date(death),
                        Cell::Str(Some(demo::sex(get(map.sex)))),
                        Cell::Str(Some(race)),
                        Cell::Str(Some(eth)),
                        Cell::Str(Some(&re)),
                        Cell::Str(Some(demo::language(get(map.language)))),
                        Cell::Str(Some(get(map.zip)).filter(|z| !z.is_empty())),
                        Cell::Str(Some(payers.get(pid).copied().unwrap_or("Unknown"))),
                        Cell::Num(income),
                        Cell::Str(Some(race_src)),
                        Cell::Str(Some(eth_src)),
                    ],
                    row.file,
                    row.line,
                    "Id",
                )
            }
            Table::Encounters => out.push(&[
                Cell::Str(Some(id(map.id, "Id")?)),
                Cell::Str(Some(id(map.patient, "PATIENT")?)),
                Cell::Ts(ts(map.start, "START", true)?),
                Cell::Ts(ts(map.stop, "STOP", false)?),
                Cell::Str(Some(get(map.class))),
                Cell::Str(Some(get(map.code))),
                Cell::Str(Some("SNOMED")),
                Cell::Str(Some(get(map.description))),
            ]),
            Table::Conditions => out.push(&[
                Cell::Str(Some(id(map.patient, "PATIENT")?)),
                Cell::Str(Some(get(map.encounter))),
                Cell::Date(date(map.start, "START", true)?),
                Cell::Date(date(map.stop, "STOP", false)?),
                Cell::Str(Some(id(map.code, "CODE")?)),
                Cell::Str(Some(system(get(map.system), "SNOMED"))),
                Cell::Str(Some(get(map.description))),
            ]),
            Table::Observations => {
                let raw = get(map.value);
                let numeric = raw.parse::<f64>().ok().filter(|v| v.is_finite());
                out.push(&[
                    Cell::Str(Some(id(map.patient, "PATIENT")?)),
                    Cell::Str(Some(get(map.encounter))),
                    Cell::Ts(ts(map.start, "DATE", true)?),
                    Cell::Str(Some(id(map.code, "CODE")?)),
                    Cell::Str(Some("LOINC")),
                    Cell::Str(Some(get(map.description))),
                    Cell::Num(numeric),
                    Cell::Str(if numeric.is_none() && !raw.is_empty() {
                        Some(raw)
                    } else {
                        None
                    }),
                    Cell::Str(Some(get(map.unit)).filter(|u| !u.is_empty())),
                ])
            }
            Table::Procedures | Table::Immunizations => {
                let default = if table == Table::Procedures {
                    "SNOMED"
                } else {
                    "CVX"
                };
                out.push(&[
                    Cell::Str(Some(id(map.patient, "PATIENT")?)),
                    Cell::Str(Some(get(map.encounter))),
                    Cell::Ts(ts(map.start, "DATE", true)?),
                    Cell::Str(Some(id(map.code, "CODE")?)),
                    Cell::Str(Some(system(get(map.system), default))),
                    Cell::Str(Some(get(map.description))),
                ])
            }
            Table::Medications => out.push(&[
                Cell::Str(Some(id(map.patient, "PATIENT")?)),
                Cell::Str(Some(get(map.encounter))),
                Cell::Ts(ts(map.start, "START", true)?),
                Cell::Ts(ts(map.stop, "STOP", false)?),
                Cell::Str(Some(id(map.code, "CODE")?)),
                Cell::Str(Some("RxNorm")),
                Cell::Str(Some(get(map.description))),
            ]),
        }
    })
}

fn system<'a>(given: &'a str, default: &'a str) -> &'a str {
    match given.to_ascii_lowercase().as_str() {
        "" => default,
        s if s.contains("snomed") => "SNOMED",
        s if s.contains("loinc") => "LOINC",
        s if s.contains("icd") => "ICD10",
        s if s.contains("rxnorm") => "RxNorm",
        s if s.contains("cvx") => "CVX",
        _ => given,
    }
}

/// Positions of the Synthea columns a table needs.
#[derive(Default)]
struct Mapping {
    id: Option<usize>,
    patient: Option<usize>,
    encounter: Option<usize>,
    start: Option<usize>,
    stop: Option<usize>,
    code: Option<usize>,
    system: Option<usize>,
    description: Option<usize>,
    value: Option<usize>,
    unit: Option<usize>,
    class: Option<usize>,
    sex: Option<usize>,
    race: Option<usize>,
    ethnicity: Option<usize>,
    zip: Option<usize>,
    language: Option<usize>,
}

impl Mapping {
    fn new(table: Table, c: &Columns) -> Result<Self> {
        let mut m = Mapping {
            description: c.optional("description"),
            system: c.optional("system"),
            ..Mapping::default()
        };
        match table {
            Table::Patients => {
                m.id = Some(c.required("id")?);
                m.start = Some(c.required("birthdate")?);
                m.stop = c.optional("deathdate");
                m.sex = Some(c.required("gender")?);
                m.race = Some(c.required("race")?);
                m.ethnicity = Some(c.required("ethnicity")?);
                m.zip = c.optional("zip");
                m.value = c.optional("income");
                m.language = c.optional("language");
            }
            Table::Encounters => {
                m.id = Some(c.required("id")?);
                m.patient = Some(c.required("patient")?);
                m.start = Some(c.required("start")?);
                m.stop = c.optional("stop");
                m.class = Some(c.required("encounterclass")?);
                m.code = Some(c.required("code")?);
            }
            Table::Conditions => {
                m.patient = Some(c.required("patient")?);
                m.encounter = c.optional("encounter");
                m.start = Some(c.required("start")?);
                m.stop = c.optional("stop");
                m.code = Some(c.required("code")?);
            }
            Table::Observations => {
                m.patient = Some(c.required("patient")?);
                m.encounter = c.optional("encounter");
                m.start = Some(c.required("date")?);
                m.code = Some(c.required("code")?);
                m.value = Some(c.required("value")?);
                m.unit = c.optional("units");
            }
            Table::Procedures | Table::Immunizations => {
                m.patient = Some(c.required("patient")?);
                m.encounter = c.optional("encounter");
                m.start = Some(c.one_of(&["date", "start"])?);
                m.code = Some(c.required("code")?);
            }
            Table::Medications => {
                m.patient = Some(c.required("patient")?);
                m.encounter = c.optional("encounter");
                m.start = Some(c.required("start")?);
                m.stop = c.optional("stop");
                m.code = Some(c.required("code")?);
            }
        }
        Ok(m)
    }
}
