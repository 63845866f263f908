use rise_engine::analyze::Count;
use rise_engine::dimensions::{self, Grouping};
use rise_engine::ingest::Format;
use rise_engine::measures;
use rise_engine::period;
use rise_engine::pipeline::{Config, Output, run};
use std::path::{Path, PathBuf};

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/it/fixtures")
        .join(name)
}

pub fn analyse(
    input: &Path,
    format: Option<Format>,
    year: i32,
    groupings: Vec<Grouping>,
    area: Option<PathBuf>,
) -> rise_engine::Result<Output> {
    let work = tempfile::tempdir().unwrap();
    let cfg = Config {
        input: input.to_path_buf(),
        format,
        measures: measures::builtin(),
        periods: vec![period::year(year).unwrap()],
        groupings,
        area_index: area,
        strict: false,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let out = rt.block_on(run(&cfg, work.path(), &|_, _, _| {}));
    drop(work);
    out
}

pub fn singles(names: &str) -> Vec<Grouping> {
    dimensions::parse_list(names, false).unwrap()
}

pub fn find<'a>(
    counts: &'a [Count],
    measure: &str,
    dimension: &str,
    subgroup: &str,
) -> Option<&'a Count> {
    counts
        .iter()
        .find(|c| c.measure == measure && c.dimension == dimension && c.subgroup == subgroup)
}
