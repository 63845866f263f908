//! The FHIR and OMOP readers on real third-party data (Synthea FHIR from the fhiry package,
//! OHDSI's Eunomia OMOP set), against counts computed independently with Python and DuckDB
//! (`fixtures/*/expected.json`, `fixtures/SOURCES.md`).

use crate::support::fixture;
use rise_engine::analyze::Session;
use rise_engine::ingest::{self, Format, Ingested};
use rise_engine::schema::Table;
use serde_json::Value;
use std::collections::BTreeMap;

fn expected(name: &str) -> Value {
    let text = std::fs::read_to_string(fixture(name).join("expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Reads a fixture folder and runs `sql` (two columns: a label and a count) on the result.
struct Read {
    ingested: Ingested,
    _work: tempfile::TempDir,
    rt: tokio::runtime::Runtime,
    session: Session,
}

impl Read {
    fn new(name: &str) -> Self {
        let dir = fixture(name);
        let format = ingest::detect(&dir).unwrap();
        let work = tempfile::tempdir().unwrap();
        let ingested =
            ingest::ingest(&dir, format, work.path(), ingest::Options::default()).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let session = rt.block_on(Session::open(&ingested.dir, None)).unwrap();
        Self {
            ingested,
            _work: work,
            rt,
            session,
        }
    }

    fn rows(&self, table: Table) -> u64 {
        let i = Table::ALL.iter().position(|t| *t == table).unwrap();
        self.ingested.rows[i].unwrap()
    }

    fn counts(&self, sql: &str) -> BTreeMap<String, u64> {
        use datafusion::arrow::array::AsArray;
        use datafusion::arrow::compute::cast;
        use datafusion::arrow::datatypes::{DataType, Int64Type};
        let batches = self.rt.block_on(self.session.query(sql)).unwrap();
        let mut out = BTreeMap::new();
        for b in &batches {
            let keys = cast(b.column(0), &DataType::Utf8).unwrap();
            let values = cast(b.column(1), &DataType::Int64).unwrap();
            let (keys, values) = (keys.as_string::<i32>(), values.as_primitive::<Int64Type>());
            for i in 0..b.num_rows() {
                out.insert(keys.value(i).to_string(), values.value(i) as u64);
            }
        }
        out
    }
}

fn map(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

/// Counts of `expected[key]`, relabelled through `label`.
fn relabel(v: &Value, label: impl Fn(&str) -> String) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for (k, n) in v.as_object().unwrap() {
        *out.entry(label(k)).or_insert(0) += n.as_u64().unwrap();
    }
    out
}

/// The CDC race and ethnicity codes of the US Core OMB categories.
fn cdc(code: &str) -> String {
    match code {
        "2106-3" => "White",
        "2054-5" => "Black or African American",
        "2028-9" => "Asian",
        "1002-5" => "American Indian or Alaska Native",
        "2076-8" => "Native Hawaiian or Pacific Islander",
        "2135-2" => "Hispanic or Latino",
        "2186-5" => "Not Hispanic or Latino",
        other => other,
    }
    .to_string()
}

const PROCEDURES_PER_YEAR: &str =
    "SELECT CAST(date_part('year', time) AS VARCHAR), count(*) FROM procedures GROUP BY 1";

#[test]
fn synthea_fhir_bulk_export() {
    let e = expected("fhir_ndjson");
    let r = Read::new("fhir_ndjson");
    assert_eq!(r.ingested.format, Format::Fhir);
    assert_eq!(r.ingested.skipped.total(), 0, "{:?}", r.ingested.skipped);
    assert_eq!(r.rows(Table::Patients), e["patients"].as_u64().unwrap());
    assert_eq!(r.rows(Table::Procedures), 300);
    assert_eq!(
        r.counts("SELECT race, count(*) FROM patients GROUP BY race"),
        relabel(&e["race_omb"], cdc)
    );
    assert_eq!(
        r.counts("SELECT ethnicity, count(*) FROM patients GROUP BY ethnicity"),
        relabel(&e["ethnicity_omb"], cdc)
    );
    assert_eq!(
        r.counts("SELECT lower(sex), count(*) FROM patients GROUP BY sex"),
        relabel(&e["gender"], str::to_string)
    );
    let language = |code: &str| {
        if code.starts_with("en") {
            "English".to_string()
        } else {
            "Other than English".to_string()
        }
    };
    assert_eq!(
        r.counts("SELECT language, count(*) FROM patients GROUP BY language"),
        relabel(&e["communication_language_codes"], language)
    );
    assert_eq!(
        r.counts(PROCEDURES_PER_YEAR),
        relabel(&e["procedures_per_year"], str::to_string)
    );
}

#[test]
fn synthea_fhir_bundle() {
    let e = expected("fhir_bundle");
    let r = Read::new("fhir_bundle");
    assert_eq!(r.ingested.format, Format::Fhir);
    assert_eq!(r.ingested.skipped.total(), 0, "{:?}", r.ingested.skipped);
    let types = &e["resource_types"];
    let n = |k: &str| types[k].as_u64().unwrap();
    assert_eq!(r.rows(Table::Patients), n("Patient"));
    assert_eq!(r.rows(Table::Encounters), n("Encounter"));
    assert_eq!(r.rows(Table::Conditions), n("Condition"));
    assert_eq!(r.rows(Table::Procedures), n("Procedure"));
    assert_eq!(r.rows(Table::Medications), n("MedicationRequest"));
    assert_eq!(r.rows(Table::Immunizations), n("Immunization"));
    // One row per observation plus one per component (blood-pressure panels).
    let obs = &e["observations"];
    assert_eq!(
        r.rows(Table::Observations),
        obs["count"].as_u64().unwrap() + obs["total_components"].as_u64().unwrap()
    );
    assert_eq!(
        r.counts("SELECT code, count(*) FROM observations WHERE code IN ('8480-6', '8462-4') GROUP BY code"),
        map(&[
            ("8480-6", obs["with_component"].as_u64().unwrap()),
            ("8462-4", obs["with_component"].as_u64().unwrap())
        ])
    );
    assert_eq!(
        r.counts(PROCEDURES_PER_YEAR),
        relabel(&e["procedures_per_year"], str::to_string)
    );
    let p = &e["patients_detail"][0];
    let patient = r.counts(
        "SELECT patient_id || '|' || CAST(birth_date AS VARCHAR) || '|' || race || '|' || language || '|' || payer, count(*) FROM patients GROUP BY 1",
    );
    // Payer: the coverage named by the latest ExplanationOfBenefit, found here from the raw JSON.
    let raw: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("fhir_bundle").join("afhir.json")).unwrap(),
    )
    .unwrap();
    let latest = raw["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == "ExplanationOfBenefit")
        .max_by_key(|r| {
            r["billablePeriod"]["start"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .unwrap();
    let payer = latest["insurance"][0]["coverage"]["display"]
        .as_str()
        .unwrap();
    assert_eq!(
        payer, "Medicare",
        "the fixture's latest claim is Medicare's"
    );
    let want = format!(
        "{}|{}|White|English|Medicare",
        p["id"].as_str().unwrap(),
        p["birthDate"].as_str().unwrap()
    );
    assert_eq!(patient, map(&[(want.as_str(), 1)]));
}

#[test]
fn eunomia_omop() {
    let e = expected("omop");
    let r = Read::new("omop");
    assert_eq!(r.ingested.format, Format::Omop);
    assert_eq!(r.ingested.skipped.total(), 0, "{:?}", r.ingested.skipped);
    let rows = &e["rows"];
    let n = |k: &str| rows[k].as_u64().unwrap();
    assert_eq!(r.rows(Table::Patients), n("person"));
    assert_eq!(r.rows(Table::Encounters), n("visit_occurrence"));
    assert_eq!(r.rows(Table::Conditions), n("condition_occurrence"));
    assert_eq!(
        r.rows(Table::Observations),
        n("measurement") + n("observation")
    );
    assert_eq!(r.rows(Table::Procedures), n("procedure_occurrence"));
    let vocab = &e["drug_exposure_by_vocabulary"];
    assert_eq!(r.rows(Table::Immunizations), vocab["CVX"].as_u64().unwrap());
    assert_eq!(
        r.rows(Table::Medications),
        vocab["RxNorm"].as_u64().unwrap()
    );
    assert_eq!(
        r.counts("SELECT sex, count(*) FROM patients GROUP BY sex"),
        relabel(&e["gender_concept_id"], |k| match k {
            "8532" => "Female".into(),
            "8507" => "Male".into(),
            o => o.into(),
        })
    );
    // Standard race concepts where present; race 0 falls back to the source value.
    let races = r.counts("SELECT race, count(*) FROM patients GROUP BY race");
    let by_concept = &e["race_concept_id"];
    let c = |k: &str| by_concept[k].as_u64().unwrap();
    assert_eq!(races["White"], c("8527"));
    assert_eq!(races["Black or African American"], c("8516"));
    assert_eq!(races["Asian"], c("8515"));
    assert_eq!(
        races["American Indian or Alaska Native"],
        e["race_source_value"]["native"].as_u64().unwrap()
    );
    let hispanic = e["ethnicity_concept_id"]["38003563"].as_u64().unwrap();
    assert_eq!(
        r.counts("SELECT race_ethnicity, count(*) FROM patients WHERE race_ethnicity = 'Hispanic or Latino' GROUP BY 1"),
        map(&[("Hispanic or Latino", hispanic)])
    );
    for top in e["top3_condition_source_values"].as_array().unwrap() {
        let code = top["condition_source_value"].as_str().unwrap();
        let people = r.counts(&format!(
            "SELECT code, CAST(count(DISTINCT patient_id) AS BIGINT) FROM conditions WHERE code = '{code}' GROUP BY code"
        ));
        assert_eq!(
            people,
            map(&[(code, top["distinct_persons"].as_u64().unwrap())])
        );
    }
    let vaccines: Vec<String> = r
        .counts("SELECT code, count(*) FROM immunizations GROUP BY code")
        .into_keys()
        .collect();
    let mut want: Vec<String> = e["drug_exposure_cvx_distinct_drug_source_value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    want.sort();
    assert_eq!(vaccines, want);
}
