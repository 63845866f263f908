//! Readers: Synthea CSV and canonical Parquet of the same generated population give the same
//! counts; bad records are skipped and counted, or stop the run with --strict.

use crate::support::{analyse, find, singles};
use rise_engine::generate::{Config, OutFormat, generate};
use rise_engine::ingest::{self, Format};

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
fn synthea_and_parquet_give_identical_counts() {
    let pq = make(OutFormat::Parquet, 1500);
    let sy = make(OutFormat::Synthea, 1500);
    assert_eq!(ingest::detect(pq.path()).unwrap(), Format::CanonicalParquet);
    assert_eq!(ingest::detect(sy.path()).unwrap(), Format::Synthea);
    let dims = "race_ethnicity,sex,language,payer,income_quintile";
    let a = analyse(pq.path(), None, 2024, singles(dims), None).unwrap();
    let b = analyse(sy.path(), None, 2024, singles(dims), None).unwrap();
    assert!(a.counts.len() > 100);
    assert_eq!(a.counts, b.counts);
    assert_eq!(b.ingested.skipped.total(), 0);
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
            .contains("found no patients.parquet or patients.csv")
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
