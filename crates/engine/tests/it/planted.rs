//! The disparities `rise generate` plants are the ones the ranking puts first.

use crate::support::analyse;
use rise_aggregate::inequity::inequities;
use rise_aggregate::rows::{AggregateRow, MeasureInfo};
use rise_aggregate::suppress::suppress_rows;
use rise_engine::dimensions;
use rise_engine::generate::{Config, OutFormat, generate, planted};
use rise_engine::measures::builtin;
use std::collections::HashSet;

#[test]
fn planted_disparities_top_the_ranking() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = Config {
        patients: 60_000,
        seed: 2024,
        out: dir.path().to_path_buf(),
        format: OutFormat::Parquet,
        year: 2024,
    };
    let truth = generate(&cfg, &|_| {}).unwrap();
    let area = dir.path().join("area_index.csv");
    let out = analyse(
        dir.path(),
        None,
        2024,
        dimensions::default_list(true),
        Some(area),
    )
    .unwrap();
    let mut rows: Vec<AggregateRow> = out.counts.iter().map(|c| c.to_row()).collect();
    suppress_rows(&mut rows, None);
    let infos: Vec<MeasureInfo> = builtin().iter().map(|m| m.info()).collect();
    let ranked = inequities(&rows, &infos, "2024", 1);
    let planted_keys: HashSet<(String, String)> = truth
        .planted
        .iter()
        .map(|p| (p.measure.clone(), p.dimension.clone()))
        .collect();
    let echoes: HashSet<(String, String)> = truth
        .planted
        .iter()
        .flat_map(|p| {
            p.also_visible_in
                .iter()
                .map(|d| (p.measure.clone(), d.clone()))
        })
        .collect();
    // Every planted disparity is significant, its worst group is the planted one.
    for p in planted() {
        let q = ranked
            .iter()
            .find(|q| q.measure == p.measure && q.dimension == p.dimension)
            .unwrap();
        assert!(
            q.significant(),
            "{} by {} not significant: {:?}",
            p.measure,
            p.dimension,
            (q.excess_lower, q.excess)
        );
        assert_eq!(q.worst, p.group, "{} by {}", p.measure, p.dimension);
    }
    // The top of the ranking is the planted disparities (and their echoes in derived dimensions).
    let top: Vec<(String, String)> = ranked
        .iter()
        .take(planted_keys.len() + echoes.len())
        .map(|q| (q.measure.clone(), q.dimension.clone()))
        .collect();
    for key in &top {
        assert!(
            planted_keys.contains(key) || echoes.contains(key),
            "{key:?} ranks at the top but was not planted; top = {top:?}"
        );
    }
    for key in &planted_keys {
        assert!(
            top.contains(key),
            "planted {key:?} is not at the top: {top:?}"
        );
    }
}
