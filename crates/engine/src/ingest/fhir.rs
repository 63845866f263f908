//! FHIR R4 into the canonical tables: a bulk-data export (`Patient.ndjson`, `Encounter.ndjson`,
//! … one resource per line) or Bundles (`*.json`, one Bundle or resource per file, as Synthea
//! writes them), or both in one folder.
//!
//! NDJSON streams line by line; a Bundle file is parsed whole (Synthea writes one per
//! patient). A bulk-data file holds one resource type, so in a file named after one
//! (`Patient.ndjson`, `Patient.000.ndjson`) a resource of another type is a bad record.
//!
//! Facts kept outside the Patient resource (payer from Coverage or ExplanationOfBenefit,
//! income and language observations) are gathered first: in a bulk export the `Patient*`
//! files are read last, in a Bundle the patients are written after a first look at the other
//! entries.

use super::facts::Facts;
use super::source::SkipLog;
use super::writer::{CanonicalWriter, Cell};
use super::{Format, Ingested, Options};
use crate::dates::{days, parse_date, parse_timestamp};
use crate::demographics as demo;
use crate::error::{EngineError, Result, io};
use crate::fhir::{self, CodeableConcept, ObservationValue, Reference, Resource};
use crate::vocab;
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// The FHIR files of a folder: NDJSON (patients last) and JSON.
fn files(dir: &Path) -> Result<(Vec<PathBuf>, Vec<PathBuf>)> {
    let mut ndjson = Vec::new();
    let mut json = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| io(dir, e))? {
        let path = entry.map_err(|e| io(dir, e))?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        if name.starts_with('.') || !path.is_file() {
            continue;
        }
        if name.ends_with(".ndjson") {
            ndjson.push(path);
        } else if name.ends_with(".json") && is_fhir_json(&path) {
            json.push(path);
        }
    }
    let is_patient = |p: &PathBuf| {
        p.file_name()
            .is_some_and(|n| n.to_string_lossy().contains("Patient"))
    };
    ndjson.sort_by_key(|p| (is_patient(p), p.clone()));
    json.sort();
    Ok((ndjson, json))
}

/// Whether a `.json` file looks like FHIR (a `resourceType` in its first 64 KiB); other JSON files
/// (such as Rise's own `truth.json`) are left alone.
pub fn is_fhir_json(path: &Path) -> bool {
    use std::io::Read;
    let Ok(f) = std::fs::File::open(path) else {
        return false;
    };
    // Writers order keys freely, so look further than the first object's opening.
    let mut head = Vec::new();
    let _ = f.take(64 * 1024).read_to_end(&mut head);
    String::from_utf8_lossy(&head).contains("\"resourceType\"")
}

/// The names of a folder's FHIR files (any `.ndjson` file, and `.json` files holding FHIR),
/// patient files first.
pub fn file_names(dir: &Path) -> Vec<String> {
    let Ok((ndjson, json)) = files(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = ndjson
        .iter()
        .chain(&json)
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().to_string()))
        .collect();
    names.sort_by_key(|n| (!n.contains("Patient"), n.clone()));
    names
}

/// Converts a FHIR folder.
pub fn convert(dir: &Path, work: &Path, opts: Options) -> Result<Ingested> {
    let (ndjson, json) = files(dir)?;
    if ndjson.is_empty() && json.is_empty() {
        return Err(EngineError::file(
            dir.display().to_string(),
            "holds no FHIR files (*.ndjson or *.json Bundles)",
        ));
    }
    let mut r = Reader {
        out: CanonicalWriter::for_input(work, opts)?,
        facts: Facts::default(),
        skipped: SkipLog::default(),
        strict: opts.strict,
        patients: 0,
    };
    for path in &ndjson {
        r.ndjson(path)?;
    }
    for path in &json {
        r.bundle_file(path)?;
    }
    if r.patients == 0 {
        return Err(EngineError::file(
            dir.display().to_string(),
            "holds no Patient resources",
        ));
    }
    let skipped = std::mem::take(&mut r.skipped);
    let repeated = r.out.patients.take_repeated();
    let rows = r.out.finish()?;
    Ok(Ingested {
        dir: work.to_path_buf(),
        format: Format::Fhir,
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
    patients: u64,
}

/// Where a resource sits, for messages: `Observation.ndjson:12 (Observation/abc)`.
struct At<'a> {
    file: &'a str,
    place: String,
}

impl At<'_> {
    fn bad(&self, field: &str, message: impl Into<String>) -> EngineError {
        EngineError::record(self.file, &self.place, field, message)
    }
}

impl Reader {
    fn skip(&mut self, e: EngineError) -> Result<()> {
        if matches!(e, EngineError::Record { .. }) {
            self.skipped.skip(self.strict, e)
        } else {
            Err(e)
        }
    }

    fn ndjson(&mut self, path: &Path) -> Result<()> {
        let file = path.display().to_string();
        let named = named_type(path);
        let f = std::fs::File::open(path).map_err(|e| io(path, e))?;
        let mut reader = std::io::BufReader::with_capacity(1 << 20, f);
        let mut buf = Vec::new();
        let mut line = 0u64;
        loop {
            buf.clear();
            let n = reader
                .read_until(b'\n', &mut buf)
                .map_err(|e| io(path, e))?;
            if n == 0 {
                break;
            }
            line += 1;
            // Windows tools often start a UTF-8 file with a byte order mark.
            let bytes = match buf.strip_prefix(BOM) {
                Some(rest) if line == 1 => rest,
                _ => &buf[..],
            };
            let text = match std::str::from_utf8(bytes) {
                Ok(t) => t.trim(),
                Err(_) => {
                    let e = EngineError::record(&file, line, "line", "is not UTF-8 text");
                    self.skip(e)?;
                    continue;
                }
            };
            if text.is_empty() {
                continue;
            }
            let resource: Resource = match serde_json::from_str(text) {
                Ok(r) => r,
                Err(e) => {
                    let e = EngineError::record(
                        &file,
                        line,
                        "resource",
                        format!("not a FHIR resource: {e}"),
                    );
                    self.skip(e)?;
                    continue;
                }
            };
            let at = At {
                file: &file,
                place: format!("{line} ({})", resource.label()),
            };
            if let Some(want) = named {
                let got = match resource.kind() {
                    Some(kind) => kind.to_string(),
                    None => type_of(text),
                };
                if got != want {
                    let e = at.bad(
                        "resourceType",
                        format!(
                            "'{got}' in a file of {want} resources (a bulk-data file holds one resource type)"
                        ),
                    );
                    self.skip(e)?;
                    continue;
                }
            }
            self.gather(&resource);
            if let Err(e) = self.write(&resource, &at) {
                self.skip(e)?;
            }
        }
        Ok(())
    }

    fn bundle_file(&mut self, path: &Path) -> Result<()> {
        let file = path.display().to_string();
        let f = std::fs::File::open(path).map_err(|e| io(path, e))?;
        let mut reader = std::io::BufReader::with_capacity(1 << 20, f);
        if reader.fill_buf().map_err(|e| io(path, e))?.starts_with(BOM) {
            reader.consume(BOM.len());
        }
        let resource: Resource = match serde_json::from_reader(reader) {
            Ok(r) => r,
            Err(e) => {
                let e = EngineError::record(
                    &file,
                    e.line(),
                    "resource",
                    format!("not a FHIR resource or Bundle: {e}"),
                );
                return self.skip(e);
            }
        };
        let mut all = Vec::new();
        flatten(&resource, "", &mut all);
        for (_, r) in &all {
            self.gather(r);
        }
        for (place, r) in &all {
            let at = At {
                file: &file,
                place: format!("{place} ({})", r.label()),
            };
            if let Err(e) = self.write(r, &at) {
                self.skip(e)?;
            }
        }
        Ok(())
    }

    /// Gathers facts about patients kept in other resources.
    fn gather(&mut self, r: &Resource) {
        match r {
            Resource::Coverage(c) => {
                if let (Some(pid), Some(text)) = (
                    c.beneficiary.as_ref().and_then(Reference::id),
                    c.payer_text(),
                ) {
                    let when = c
                        .period
                        .as_ref()
                        .and_then(|p| p.start.as_deref())
                        .and_then(parse_timestamp)
                        .unwrap_or(i64::MIN);
                    self.facts.payer(pid, when, text);
                }
            }
            Resource::ExplanationOfBenefit(e) => {
                let Some(pid) = e.patient.as_ref().and_then(Reference::id) else {
                    return;
                };
                let text = e.insurance.iter().find_map(|i| {
                    i.coverage.display.as_deref().or_else(|| {
                        let id = i.coverage.id()?;
                        e.contained.iter().find_map(|c| match c {
                            Resource::Coverage(c) if c.id.as_deref() == Some(id) => c.payer_text(),
                            _ => None,
                        })
                    })
                });
                if let Some(text) = text {
                    let when = e
                        .billable_period
                        .as_ref()
                        .and_then(|p| p.start.as_deref())
                        .or(e.created.as_deref())
                        .and_then(parse_timestamp)
                        .unwrap_or(i64::MIN);
                    self.facts.payer(pid, when, text);
                }
            }
            Resource::Observation(o) => {
                let Some(pid) = o.subject.as_ref().and_then(Reference::id) else {
                    return;
                };
                let when = observed(o).and_then(parse_timestamp).unwrap_or(i64::MIN);
                let codes = o.code.iter().flat_map(|c| &c.coding);
                for code in codes.filter_map(|c| c.code.as_deref()) {
                    let (value, text) = value_of(&o.value);
                    self.facts
                        .observation(pid, code, when, value, text.as_deref());
                }
            }
            _ => {}
        }
    }

    fn write(&mut self, r: &Resource, at: &At<'_>) -> Result<()> {
        match r {
            Resource::Patient(p) => self.patient(p, at),
            Resource::Encounter(e) => {
                let id = required(e.id.as_deref(), at, "id")?;
                let pid = subject(e.subject.as_ref(), at, "subject")?;
                let period = e.period.clone().unwrap_or_default();
                let start = timestamp(period.start.as_deref(), at, "period.start", true)?;
                let stop = timestamp(period.end.as_deref(), at, "period.end", false)?;
                let class = e.class.as_ref().and_then(|c| c.code.as_deref()).map(|c| {
                    vocab::fhir_encounter_class(c).map_or(c.to_ascii_lowercase(), str::to_string)
                });
                let kind = match e.kind.first() {
                    Some(k) => Some(coding(Some(k), at, "type")?),
                    None => None,
                };
                self.out.encounters.push(&[
                    Cell::Str(Some(id)),
                    Cell::Str(Some(pid)),
                    Cell::Ts(start),
                    Cell::Ts(stop),
                    Cell::Str(class.as_deref()),
                    Cell::Str(kind.as_ref().map(|k| k.code)),
                    Cell::Str(kind.as_ref().map(|k| k.system)),
                    Cell::Str(kind.as_ref().and_then(|k| k.display)),
                ])
            }
            Resource::Condition(c) => {
                let pid = subject(c.subject.as_ref(), at, "subject")?;
                let code = coding(c.code.as_ref(), at, "code")?;
                let (field, start) = if c.onset_date_time.is_some() {
                    ("onsetDateTime", c.onset_date_time.as_deref())
                } else if let Some(p) = &c.onset_period {
                    ("onsetPeriod.start", p.start.as_deref())
                } else {
                    ("recordedDate", c.recorded_date.as_deref())
                };
                let start = date(start, at, field, true)?;
                let stop = date(
                    c.abatement_date_time.as_deref(),
                    at,
                    "abatementDateTime",
                    false,
                )?;
                self.out.conditions.push(&[
                    Cell::Str(Some(pid)),
                    Cell::Str(encounter(c.encounter.as_ref())),
                    Cell::Date(start),
                    Cell::Date(stop),
                    Cell::Str(Some(code.code)),
                    Cell::Str(Some(code.system)),
                    Cell::Str(code.display),
                ])
            }
            Resource::Observation(o) => {
                if cancelled(o.status.as_deref()) {
                    return Ok(());
                }
                let pid = subject(o.subject.as_ref(), at, "subject")?;
                let time = timestamp(observed(o), at, "effectiveDateTime", true)?;
                let enc = encounter(o.encounter.as_ref());
                let code = coding(o.code.as_ref(), at, "code")?;
                self.observation(pid, enc, time, &code, &o.value)?;
                for (i, comp) in o.component.iter().enumerate() {
                    let code = coding(Some(&comp.code), at, &format!("component[{i}].code"))?;
                    self.observation(pid, enc, time, &code, &comp.value)?;
                }
                Ok(())
            }
            Resource::Procedure(p) => {
                if cancelled(p.status.as_deref()) {
                    return Ok(());
                }
                let pid = subject(p.subject.as_ref(), at, "subject")?;
                let (field, when) = if p.performed_date_time.is_some() {
                    ("performedDateTime", p.performed_date_time.as_deref())
                } else {
                    (
                        "performedPeriod.start",
                        p.performed_period.as_ref().and_then(|x| x.start.as_deref()),
                    )
                };
                let time = timestamp(when, at, field, true)?;
                let code = coding(p.code.as_ref(), at, "code")?;
                self.out.procedures.push(&[
                    Cell::Str(Some(pid)),
                    Cell::Str(encounter(p.encounter.as_ref())),
                    Cell::Ts(time),
                    Cell::Str(Some(code.code)),
                    Cell::Str(Some(code.system)),
                    Cell::Str(code.display),
                ])
            }
            Resource::MedicationRequest(m) => {
                if cancelled(m.status.as_deref()) {
                    return Ok(());
                }
                let pid = subject(m.subject.as_ref(), at, "subject")?;
                if m.medication_codeable_concept.is_none() && m.medication_reference.is_some() {
                    return Err(at.bad(
                        "medicationReference",
                        "medications given by reference are not read; Rise needs medicationCodeableConcept",
                    ));
                }
                let code = coding(
                    m.medication_codeable_concept.as_ref(),
                    at,
                    "medicationCodeableConcept",
                )?;
                let start = timestamp(m.authored_on.as_deref(), at, "authoredOn", true)?;
                let end = m
                    .dispense_request
                    .as_ref()
                    .and_then(|d| d.validity_period.as_ref())
                    .and_then(|p| p.end.as_deref());
                let stop = timestamp(end, at, "dispenseRequest.validityPeriod.end", false)?;
                self.out.medications.push(&[
                    Cell::Str(Some(pid)),
                    Cell::Str(encounter(m.encounter.as_ref())),
                    Cell::Ts(start),
                    Cell::Ts(stop),
                    Cell::Str(Some(code.code)),
                    Cell::Str(Some(code.system)),
                    Cell::Str(code.display),
                ])
            }
            Resource::Immunization(i) => {
                if cancelled(i.status.as_deref()) {
                    return Ok(());
                }
                let pid = subject(i.patient.as_ref(), at, "patient")?;
                let time = timestamp(
                    i.occurrence_date_time.as_deref(),
                    at,
                    "occurrenceDateTime",
                    true,
                )?;
                let code = coding(i.vaccine_code.as_ref(), at, "vaccineCode")?;
                self.out.immunizations.push(&[
                    Cell::Str(Some(pid)),
                    Cell::Str(encounter(i.encounter.as_ref())),
                    Cell::Ts(time),
                    Cell::Str(Some(code.code)),
                    Cell::Str(Some(code.system)),
                    Cell::Str(code.display),
                ])
            }
            Resource::Coverage(_)
            | Resource::ExplanationOfBenefit(_)
            | Resource::Bundle(_)
            | Resource::Other => Ok(()),
        }
    }

    fn observation(
        &mut self,
        pid: &str,
        enc: Option<&str>,
        time: Option<i64>,
        code: &Coded<'_>,
        value: &ObservationValue,
    ) -> Result<()> {
        let (number, text) = value_of(value);
        let unit = value
            .value_quantity
            .as_ref()
            .and_then(|q| q.unit.as_deref().or(q.code.as_deref()));
        self.out.observations.push(&[
            Cell::Str(Some(pid)),
            Cell::Str(enc),
            Cell::Ts(time),
            Cell::Str(Some(code.code)),
            Cell::Str(Some(code.system)),
            Cell::Str(code.display),
            Cell::Num(number),
            Cell::Str(text.as_deref()),
            Cell::Str(unit),
        ])
    }

    fn patient(&mut self, p: &fhir::Patient, at: &At<'_>) -> Result<()> {
        let pid = required(p.id.as_deref(), at, "id")?;
        let birth = date(p.birth_date.as_deref(), at, "birthDate", false)?;
        let death = date(
            p.deceased_date_time.as_deref(),
            at,
            "deceasedDateTime",
            false,
        )?;
        let (race_codes, race_text) = fhir::us_core_category(p, fhir::US_CORE_RACE);
        let (eth_codes, eth_text) = fhir::us_core_category(p, fhir::US_CORE_ETHNICITY);
        let race_source = source_text(&race_codes, race_text.as_deref());
        let eth_source = source_text(&eth_codes, eth_text.as_deref());
        let race = {
            let mut labels: Vec<&str> = race_codes.iter().map(|c| demo::race(c)).collect();
            labels.retain(|l| *l != "Unknown");
            labels.dedup();
            match labels.as_slice() {
                [] if race_codes.is_empty() => demo::race(race_text.as_deref().unwrap_or("")),
                [] => "Unknown",
                [one] => one,
                _ => "Multiracial",
            }
        };
        let ethnicity = demo::ethnicity(
            eth_codes
                .first()
                .map(String::as_str)
                .or(eth_text.as_deref())
                .unwrap_or(""),
        );
        let preferred = p
            .communication
            .iter()
            .find(|c| c.preferred == Some(true))
            .or_else(|| p.communication.first());
        let language = match preferred {
            Some(c) => demo::language(
                c.language
                    .coding
                    .iter()
                    .find_map(|k| k.code.as_deref())
                    .or(c.language.text.as_deref())
                    .unwrap_or(""),
            ),
            None => self.facts.language_of(pid).unwrap_or("Unknown"),
        };
        let zip = p.address.iter().find_map(|a| a.postal_code.as_deref());
        let race_ethnicity = demo::race_ethnicity(race, ethnicity);
        self.patients += 1;
        self.out.patients.push_patient(
            &[
                Cell::Str(Some(pid)),
                Cell::Date(birth),
                Cell::Date(death),
                Cell::Str(Some(demo::sex(p.gender.as_deref().unwrap_or("")))),
                Cell::Str(Some(race)),
                Cell::Str(Some(ethnicity)),
                Cell::Str(Some(&race_ethnicity)),
                Cell::Str(Some(language)),
                Cell::Str(zip),
                Cell::Str(Some(self.facts.payer_of(pid).unwrap_or("Unknown"))),
                Cell::Num(self.facts.income_of(pid)),
                Cell::Str(Some(&race_source)),
                Cell::Str(Some(&eth_source)),
            ],
            at.file,
            &at.place,
            "id",
        )
    }
}

/// The UTF-8 byte order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The resource type a bulk-data file is named after: the name's leading letters, when they
/// are an R4 resource type (`Patient.ndjson`, `Patient.000.ndjson`, `Patient_2.ndjson`). A
/// server may name its files freely (its manifest says the type); other names say nothing.
fn named_type(path: &Path) -> Option<&'static str> {
    let name = path.file_name()?.to_str()?;
    let end = name
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(name.len());
    let lead = &name[..end];
    fhir::RESOURCE_TYPES.iter().copied().find(|t| *t == lead)
}

/// The `resourceType` of a resource Rise does not read ([`Resource::Other`] keeps no name): a
/// second, small parse, only in files named after a type.
fn type_of(text: &str) -> String {
    #[derive(serde::Deserialize)]
    struct Kind {
        #[serde(rename = "resourceType")]
        kind: String,
    }
    serde_json::from_str::<Kind>(text).map_or_else(|_| "?".to_string(), |k| k.kind)
}

/// Every resource of a Bundle (nested Bundles included) with its place, `entry[3]`.
fn flatten<'a>(r: &'a Resource, place: &str, out: &mut Vec<(String, &'a Resource)>) {
    match r {
        Resource::Bundle(b) => {
            for (i, e) in b.entry.iter().enumerate() {
                if let Some(inner) = &e.resource {
                    let here = if place.is_empty() {
                        format!("entry[{i}]")
                    } else {
                        format!("{place}.entry[{i}]")
                    };
                    flatten(inner, &here, out);
                }
            }
        }
        other => out.push((
            if place.is_empty() {
                "1".into()
            } else {
                place.into()
            },
            other,
        )),
    }
}

fn source_text(codes: &[String], text: Option<&str>) -> String {
    if codes.is_empty() {
        text.unwrap_or("").to_string()
    } else {
        codes.join("|")
    }
}

fn cancelled(status: Option<&str>) -> bool {
    matches!(status, Some("entered-in-error" | "cancelled" | "not-done"))
}

fn observed(o: &fhir::Observation) -> Option<&str> {
    o.effective_date_time
        .as_deref()
        .or_else(|| o.effective_period.as_ref().and_then(|p| p.start.as_deref()))
        .or(o.issued.as_deref())
}

fn value_of(v: &ObservationValue) -> (Option<f64>, Option<String>) {
    if let Some(q) = &v.value_quantity {
        return (q.value.filter(|x| x.is_finite()), None);
    }
    if let Some(i) = v.value_integer {
        return (Some(i as f64), None);
    }
    if let Some(c) = &v.value_codeable_concept {
        let code = c.coding.iter().find_map(|k| k.code.as_deref());
        return (None, code.or(fhir::concept_text(c)).map(str::to_string));
    }
    if let Some(s) = &v.value_string {
        return (None, Some(s.clone()));
    }
    (None, v.value_boolean.map(|b| b.to_string()))
}

fn required<'a>(v: Option<&'a str>, at: &At<'_>, field: &str) -> Result<&'a str> {
    v.map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| at.bad(field, "is missing"))
}

fn subject<'a>(r: Option<&'a Reference>, at: &At<'_>, field: &str) -> Result<&'a str> {
    r.and_then(Reference::id)
        .ok_or_else(|| at.bad(field, "has no patient reference"))
}

fn encounter(r: Option<&Reference>) -> Option<&str> {
    r.and_then(Reference::id)
}

fn date(v: Option<&str>, at: &At<'_>, field: &str, needed: bool) -> Result<Option<i32>> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None if needed => Err(at.bad(field, "is missing")),
        None => Ok(None),
        Some(t) => parse_date(t)
            .map(|d| Some(days(d)))
            .ok_or_else(|| at.bad(field, format!("'{t}' is not a date"))),
    }
}

fn timestamp(v: Option<&str>, at: &At<'_>, field: &str, needed: bool) -> Result<Option<i64>> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None if needed => Err(at.bad(field, "is missing")),
        None => Ok(None),
        Some(t) => parse_timestamp(t)
            .map(Some)
            .ok_or_else(|| at.bad(field, format!("'{t}' is not a date-time"))),
    }
}

/// A code in a known system.
struct Coded<'a> {
    code: &'a str,
    system: &'static str,
    display: Option<&'a str>,
}

/// The first coding of a concept in a code system Rise knows.
fn coding<'a>(c: Option<&'a CodeableConcept>, at: &At<'_>, field: &str) -> Result<Coded<'a>> {
    let c = c.ok_or_else(|| at.bad(field, "is missing"))?;
    let mut seen = None;
    for k in &c.coding {
        let Some(code) = k.code.as_deref().filter(|s| !s.trim().is_empty()) else {
            continue;
        };
        match k.system.as_deref().and_then(vocab::fhir_system) {
            Some(system) => {
                return Ok(Coded {
                    code: code.trim(),
                    system,
                    display: k.display.as_deref().or(c.text.as_deref()),
                });
            }
            None => seen = seen.or(k.system.as_deref()),
        }
    }
    Err(match seen {
        Some(system) => at.bad(
            field,
            format!(
                "no coding in a known code system (saw '{system}'); Rise reads {}",
                vocab::SYSTEMS.join(", ")
            ),
        ),
        None => at.bad(field, "has no coding with a system and a code"),
    })
}
