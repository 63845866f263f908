//! Readers: Synthea CSV and canonical Parquet of the same generated population give the same
//! counts; bad records are skipped and counted, or stop the run with --strict.

use crate::support::{analyse, find, singles};
use rise_engine::generate::{Config, OutFormat, generate};
use rise_engine::ingest::{self, Format, SkipLog};

/// The first skipped record of each file, as its message says it.
fn first_skipped(log: &SkipLog) -> Vec<&str> {
    log.files.iter().map(|s| s.first.as_str()).collect()
}

fn make(format: OutFormat, n: u64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let cfg = Config {
        patients: n,
        seed: 7,
        out: dir.path().to_path_buf(),
        format,
        year: 2024,
    };
    generate(&cfg, &|_| {}).unwrap();
    dir
}

#[test]
fn every_input_format_gives_identical_counts() {
    let pq = make(OutFormat::Parquet, 1500);
    assert_eq!(ingest::detect(pq.path()).unwrap(), Format::CanonicalParquet);
    let dims = "race_ethnicity,race,ethnicity,sex,age_band,language,payer,income_quintile";
    let a = analyse(pq.path(), None, 2024, singles(dims), None).unwrap();
    assert!(a.counts.len() > 100);
    for (format, detected) in [
        (OutFormat::Synthea, Format::Synthea),
        (OutFormat::Fhir, Format::Fhir),
        (OutFormat::Omop, Format::Omop),
    ] {
        let dir = make(format, 1500);
        assert_eq!(ingest::detect(dir.path()).unwrap(), detected);
        let b = analyse(dir.path(), None, 2024, singles(dims), None).unwrap();
        assert_eq!(b.ingested.format, detected);
        assert_eq!(
            b.ingested.skipped.total(),
            0,
            "{detected:?}: {:?}",
            b.ingested.skipped
        );
        for (x, y) in a.counts.iter().zip(&b.counts) {
            assert_eq!(x, y, "{detected:?} differs from Parquet");
        }
        assert_eq!(a.counts.len(), b.counts.len(), "{detected:?}");
    }
    // Every built-in measure has eligible patients in a generated population.
    for m in rise_engine::measures::builtin() {
        let o = find(&a.counts, &m.id, "overall", "All").unwrap();
        assert!(o.denominator > 0, "{} has an empty denominator", m.id);
        assert!(
            o.numerator > 0 && o.numerator <= o.denominator,
            "{}: {}/{}",
            m.id,
            o.numerator,
            o.denominator
        );
    }
}

/// Appends a line to a file of a generated folder.
fn append(dir: &std::path::Path, name: &str, line: &str) {
    let path = dir.join(name);
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(line);
    std::fs::write(&path, text).unwrap();
}

fn strict_error(dir: &std::path::Path, format: Format) -> String {
    let work = tempfile::tempdir().unwrap();
    let err =
        ingest::ingest(dir, format, work.path(), ingest::Options { strict: true }).unwrap_err();
    assert!(err.is_input(), "{err}");
    err.to_string()
}

#[test]
fn bad_fhir_resources_are_named_by_file_line_and_id() {
    let dir = make(OutFormat::Fhir, 40);
    append(dir.path(), "Observation.ndjson", "{not json\n");
    append(
        dir.path(),
        "Procedure.ndjson",
        r#"{"resourceType":"Procedure","id":"pr-bad","status":"completed","subject":{"reference":"Patient/p000000001"},"performedDateTime":"last tuesday","code":{"coding":[{"system":"http://snomed.info/sct","code":"73761001"}]}}"#,
    );
    append(dir.path(), "Procedure.ndjson", "\n");
    append(
        dir.path(),
        "Condition.ndjson",
        r#"{"resourceType":"Condition","id":"c-local","subject":{"reference":"Patient/p000000001"},"onsetDateTime":"2024-02-01","code":{"coding":[{"system":"http://example.org/our-codes","code":"X1"}]}}"#,
    );
    append(dir.path(), "Condition.ndjson", "\n");
    let out = analyse(dir.path(), None, 2024, singles("sex"), None).unwrap();
    assert_eq!(
        out.ingested.skipped.total(),
        3,
        "{:?}",
        out.ingested.skipped
    );
    let firsts = first_skipped(&out.ingested.skipped);
    let has = |needle: &[&str]| firsts.iter().any(|f| needle.iter().all(|n| f.contains(n)));
    assert!(
        has(&["Observation.ndjson:", "not a FHIR resource"]),
        "{firsts:?}"
    );
    assert!(
        has(&[
            "Procedure.ndjson:",
            "Procedure/pr-bad",
            "performedDateTime",
            "'last tuesday'"
        ]),
        "{firsts:?}"
    );
    assert!(
        has(&[
            "Condition.ndjson:",
            "Condition/c-local",
            "code",
            "http://example.org/our-codes"
        ]),
        "{firsts:?}"
    );
    let msg = strict_error(dir.path(), Format::Fhir);
    assert!(msg.contains("Condition.ndjson:"), "{msg}");
}

#[test]
fn fhir_bundles_are_read_like_bulk_exports() {
    // The same population as one Bundle per patient must give the same counts.
    let bulk = make(OutFormat::Fhir, 60);
    let bundles = tempfile::tempdir().unwrap();
    let mut by_patient: std::collections::BTreeMap<String, Vec<serde_json::Value>> =
        Default::default();
    for entry in std::fs::read_dir(bulk.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "ndjson") {
            for line in std::fs::read_to_string(&path).unwrap().lines() {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                let subject = ["subject", "patient", "beneficiary"]
                    .iter()
                    .find_map(|k| v[k]["reference"].as_str())
                    .map(|r| r.trim_start_matches("Patient/").to_string())
                    .or_else(|| v["id"].as_str().map(str::to_string))
                    .unwrap();
                by_patient.entry(subject).or_default().push(v);
            }
        }
    }
    for (pid, resources) in &by_patient {
        let bundle = serde_json::json!({
            "resourceType": "Bundle", "type": "transaction",
            "entry": resources.iter().map(|r| serde_json::json!({"resource": r})).collect::<Vec<_>>()
        });
        std::fs::write(
            bundles.path().join(format!("{pid}.json")),
            bundle.to_string(),
        )
        .unwrap();
    }
    std::fs::write(bundles.path().join("truth.json"), "{\"not\": \"fhir\"}").unwrap();
    assert_eq!(ingest::detect(bundles.path()).unwrap(), Format::Fhir);
    let dims = "race_ethnicity,sex,language,payer,income_quintile";
    let a = analyse(bulk.path(), None, 2024, singles(dims), None).unwrap();
    let b = analyse(bundles.path(), None, 2024, singles(dims), None).unwrap();
    assert_eq!(b.ingested.skipped.total(), 0, "{:?}", b.ingested.skipped);
    assert_eq!(a.counts, b.counts);
}

#[test]
fn bad_omop_rows_are_named_by_file_line_and_field() {
    let dir = make(OutFormat::Omop, 40);
    append(
        dir.path(),
        "measurement.csv",
        "999999,1,2000000001,2024-13-45,,32817,120,,8480-6,mm[Hg]\n",
    );
    append(
        dir.path(),
        "person.csv",
        "77777,8532,19x5,1,1,,8527,38003564,90001,x,F,white,nonhispanic\n",
    );
    let out = analyse(dir.path(), None, 2024, singles("sex"), None).unwrap();
    assert_eq!(
        out.ingested.skipped.total(),
        2,
        "{:?}",
        out.ingested.skipped
    );
    let firsts = first_skipped(&out.ingested.skipped);
    assert!(
        firsts
            .iter()
            .any(|f| f.contains("measurement.csv:") && f.contains("measurement_date")),
        "{firsts:?}"
    );
    assert!(
        firsts.iter().any(|f| f.contains("person.csv:")
            && f.contains("year_of_birth")
            && f.contains("19x5")),
        "{firsts:?}"
    );
    let msg = strict_error(dir.path(), Format::Omop);
    assert!(
        msg.contains("measurement.csv:") && msg.contains("2024-13-45"),
        "{msg}"
    );
}

#[test]
fn bad_records_are_skipped_and_counted_or_stop_the_run() {
    let sy = make(OutFormat::Synthea, 50);
    let path = sy.path().join("observations.csv");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("not-a-date,p000000001,,vital-signs,8480-6,Systolic,120,mm[Hg],numeric\n");
    std::fs::write(&path, text).unwrap();
    let out = analyse(sy.path(), None, 2024, singles("sex"), None).unwrap();
    assert_eq!(out.ingested.skipped.total(), 1);
    let first = &out.ingested.skipped.files[0].first;
    assert!(
        first.contains("observations.csv:")
            && first.contains("DATE")
            && first.contains("not-a-date"),
        "{first}"
    );

    let work = tempfile::tempdir().unwrap();
    let err = ingest::ingest(
        sy.path(),
        Format::Synthea,
        work.path(),
        ingest::Options { strict: true },
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("observations.csv:") && msg.contains("'not-a-date' is not a date-time"),
        "{msg}"
    );
    assert!(err.is_input());
}

#[test]
fn missing_columns_and_folders_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        ingest::detect(dir.path())
            .unwrap_err()
            .to_string()
            .contains("found no patients.parquet, patients.csv")
    );
    std::fs::write(dir.path().join("patients.csv"), "patient_id,sex\np1,F\n").unwrap();
    let work = tempfile::tempdir().unwrap();
    let err = ingest::ingest(
        dir.path(),
        Format::CanonicalCsv,
        work.path(),
        ingest::Options::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("birth_date"), "{err}");
    // Nothing half-written is left behind in the working folder.
    let leftovers: Vec<_> = std::fs::read_dir(work.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".parquet"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn records_just_after_the_period_are_fine() {
    // DataFusion 55's filter-selectivity estimate, from Parquet column statistics, overshot 1
    // and failed an internal assertion when the latest observation lay just past the period.
    let sy = make(OutFormat::Synthea, 300);
    append(
        sy.path(),
        "observations.csv",
        "2025-01-01T00:00:00Z,p000000001,,vital-signs,8480-6,Systolic,120,mm[Hg],numeric\n",
    );
    let out = analyse(sy.path(), None, 2024, singles("sex"), None).unwrap();
    assert_eq!(out.ingested.skipped.total(), 0);
    assert!(find(&out.counts, "bp_control", "overall", "All").is_some());
}

/// The first data line of a file (its second line).
fn first_record(dir: &std::path::Path, name: &str) -> String {
    let text = std::fs::read_to_string(dir.join(name)).unwrap();
    let skip = usize::from(!name.ends_with(".ndjson"));
    format!("{}\n", text.lines().nth(skip).unwrap())
}

/// Writes `patients.parquet` of a generated folder again with its first row repeated at the end.
fn repeat_first_parquet_patient(dir: &std::path::Path) {
    use datafusion::arrow::compute::concat_batches;
    let path = dir.join("patients.parquet");
    let file = std::fs::File::open(&path).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let batches: Vec<_> = reader.map(Result::unwrap).collect();
    let schema = batches[0].schema();
    let mut all = batches.clone();
    all.push(batches[0].slice(0, 1));
    let batch = concat_batches(&schema, &all).unwrap();
    let file = std::fs::File::create(&path).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, schema, None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

#[test]
fn repeated_patient_ids_are_counted_once_in_every_format() {
    let n = 40;
    // (format, folder, its patients file, where the repeated record is, the repeated id)
    let mut cases = Vec::new();
    let pq = make(OutFormat::Parquet, n);
    repeat_first_parquet_patient(pq.path());
    // The generator's first patient.
    let first = "p000000000".to_string();
    cases.push((
        Format::CanonicalParquet,
        pq,
        "patients.parquet",
        "row 41",
        first,
    ));
    for (format, out, file, line) in [
        (Format::Synthea, OutFormat::Synthea, "patients.csv", "42"),
        (Format::Fhir, OutFormat::Fhir, "Patient.ndjson", "41"),
        (Format::Omop, OutFormat::Omop, "person.csv", "42"),
    ] {
        let dir = make(out, n);
        let record = first_record(dir.path(), file);
        append(dir.path(), file, &record);
        let id = match format {
            Format::Fhir => {
                let v: serde_json::Value = serde_json::from_str(&record).unwrap();
                v["id"].as_str().unwrap().to_string()
            }
            _ => record.split(',').next().unwrap().to_string(),
        };
        cases.push((format, dir, file, line, id));
    }
    let clean = analyse(
        make(OutFormat::Parquet, n).path(),
        None,
        2024,
        singles("sex"),
        None,
    )
    .unwrap();
    for (format, dir, file, line, id) in &cases {
        let out = analyse(dir.path(), None, 2024, singles("sex"), None).unwrap();
        assert_eq!(out.ingested.format, *format);
        assert_eq!(
            out.quality.patients, n,
            "{format:?}: the repeated patient counts once"
        );
        assert_eq!(out.counts, clean.counts, "{format:?}");
        // Counted apart from bad records, with where and which.
        assert_eq!(out.ingested.skipped.total(), 0, "{format:?}");
        assert_eq!(out.ingested.repeated.total(), 1, "{format:?}");
        let first = &out.ingested.repeated.files[0].first;
        assert!(
            first.contains(&format!("{file}:{line}")) && first.contains(&format!("'{id}'")),
            "{format:?}: {first}"
        );
        let msg = strict_error(dir.path(), *format);
        assert!(
            msg.contains(&format!("{file}:{line}")) && msg.contains(&format!("'{id}'")),
            "{format:?}: {msg}"
        );
    }
}

/// Puts a UTF-8 byte order mark at the start of a file, as Windows tools often write one.
fn add_bom(dir: &std::path::Path, name: &str) {
    let path = dir.join(name);
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(std::fs::read(&path).unwrap());
    std::fs::write(&path, bytes).unwrap();
}

#[test]
fn a_byte_order_mark_does_not_spoil_the_first_line() {
    let n = 30;
    let clean = analyse(
        make(OutFormat::Parquet, n).path(),
        None,
        2024,
        singles("sex"),
        None,
    )
    .unwrap();
    for (format, files) in [
        (
            OutFormat::Fhir,
            &["Patient.ndjson", "Observation.ndjson"][..],
        ),
        (
            OutFormat::Synthea,
            &["patients.csv", "observations.csv"][..],
        ),
        (OutFormat::Omop, &["person.csv", "measurement.csv"][..]),
    ] {
        let dir = make(format, n);
        for f in files {
            add_bom(dir.path(), f);
        }
        let out = analyse(dir.path(), None, 2024, singles("sex"), None).unwrap();
        assert_eq!(
            out.ingested.skipped.total(),
            0,
            "{format:?}: {:?}",
            out.ingested.skipped
        );
        assert_eq!(out.quality.patients, n, "{format:?}");
        assert_eq!(out.counts, clean.counts, "{format:?}");
    }
    // A Bundle file too.
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        crate::support::fixture("fhir_bundle").join("afhir.json"),
        dir.path().join("afhir.json"),
    )
    .unwrap();
    add_bom(dir.path(), "afhir.json");
    let work = tempfile::tempdir().unwrap();
    let ing = ingest::ingest(
        dir.path(),
        Format::Fhir,
        work.path(),
        ingest::Options { strict: true },
    )
    .unwrap();
    assert_eq!(ing.rows[0], Some(1), "one patient read from the Bundle");
}

#[test]
fn a_resource_in_the_wrong_bulk_file_is_a_bad_record() {
    let dir = make(OutFormat::Fhir, 30);
    append(
        dir.path(),
        "Patient.ndjson",
        "{\"resourceType\":\"Observation\",\"id\":\"o-lost\",\"status\":\"final\",\"subject\":{\"reference\":\"Patient/p000000001\"},\"effectiveDateTime\":\"2024-05-01\",\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8480-6\"}]},\"valueQuantity\":{\"value\":120}}\n",
    );
    append(
        dir.path(),
        "Encounter.ndjson",
        "{\"resourceType\":\"Organization\",\"id\":\"org-1\",\"name\":\"Clinic\"}\n",
    );
    // A file not named after a resource type may hold any (the bulk-data manifest says which).
    std::fs::write(
        dir.path().join("extra.ndjson"),
        "{\"resourceType\":\"Organization\",\"id\":\"org-2\"}\n",
    )
    .unwrap();
    let out = analyse(dir.path(), None, 2024, singles("sex"), None).unwrap();
    assert_eq!(
        out.ingested.skipped.total(),
        2,
        "{:?}",
        out.ingested.skipped
    );
    let firsts = first_skipped(&out.ingested.skipped);
    let has = |needle: &[&str]| firsts.iter().any(|f| needle.iter().all(|n| f.contains(n)));
    assert!(
        has(&[
            "Patient.ndjson:31",
            "Observation/o-lost",
            "resourceType",
            "'Observation'",
            "Patient"
        ]),
        "{firsts:?}"
    );
    assert!(
        has(&[
            "Encounter.ndjson:",
            "resourceType",
            "'Organization'",
            "Encounter"
        ]),
        "{firsts:?}"
    );
    let msg = strict_error(dir.path(), Format::Fhir);
    assert!(
        msg.contains("resourceType") && msg.contains("'Organization'"),
        "{msg}"
    );
}

#[test]
fn a_folder_with_two_formats_asks_for_format() {
    let fhir = make(OutFormat::Fhir, 10);
    let omop = make(OutFormat::Omop, 10);
    std::fs::copy(
        omop.path().join("person.csv"),
        fhir.path().join("person.csv"),
    )
    .unwrap();
    let msg = ingest::detect(fhir.path()).unwrap_err().to_string();
    for needle in ["person.csv", "Patient.ndjson", "OMOP", "FHIR", "--format"] {
        assert!(msg.contains(needle), "{needle}: {msg}");
    }
    // Named, the format is read.
    let out = analyse(fhir.path(), Some(Format::Fhir), 2024, singles("sex"), None).unwrap();
    assert_eq!(out.quality.patients, 10);

    let pq = make(OutFormat::Parquet, 10);
    std::fs::copy(
        fhir.path().join("Patient.ndjson"),
        pq.path().join("Patient.ndjson"),
    )
    .unwrap();
    let err = ingest::detect(pq.path()).unwrap_err();
    assert!(err.is_input());
    let msg = err.to_string();
    assert!(
        msg.contains("patients.parquet")
            && msg.contains("Patient.ndjson")
            && msg.contains("--format"),
        "{msg}"
    );
}
