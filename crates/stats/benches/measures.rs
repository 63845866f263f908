//! How long the summary measures take for one dimension with 100 subgroups.
//!
//! `cargo bench -p rise-stats` prints the figures; nothing here asserts a time.

use criterion::{Criterion, criterion_group, criterion_main};
use rise_stats::inequality::{Dimension, Measure, Settings, Subgroup, summary_of};
use std::hint::black_box;

fn dimension(ordered: bool) -> Dimension {
    let groups = (0..100)
        .map(|i| {
            let x = f64::from(i);
            Subgroup {
                name: format!("g{i}"),
                estimate: 40.0 + 30.0 * (x / 99.0) + 5.0 * (x * 0.7).sin(),
                se: Some(1.0 + (x * 0.3).cos().abs()),
                population: 500.0 + 40.0 * x,
                order: ordered.then_some(i64::from(i) + 1),
                reference: !ordered && i == 50,
            }
        })
        .collect();
    Dimension::new(groups).expect("valid benchmark dimension")
}

fn bench(c: &mut Criterion) {
    let analytic: Vec<Measure> = Measure::ALL
        .into_iter()
        .filter(|m| !m.monte_carlo())
        .collect();
    let mc: Vec<Measure> = Measure::ALL
        .into_iter()
        .filter(|m| m.monte_carlo())
        .collect();
    let settings = Settings {
        draws: 1000,
        ..Settings::default()
    };
    let ordered = dimension(true);
    let nonordered = dimension(false);
    c.bench_function(
        "analytic measures, 100 ordered groups (D R PAF PAR ACI RCI SII RII)",
        |b| b.iter(|| summary_of(black_box(&ordered), &settings, &analytic)),
    );
    c.bench_function(
        "analytic measures, 100 non-ordered groups (D R PAF PAR BGV MLD TI)",
        |b| b.iter(|| summary_of(black_box(&nonordered), &settings, &analytic)),
    );
    c.bench_function(
        "Monte-Carlo measures, 100 groups, 1000 draws (10 measures)",
        |b| b.iter(|| summary_of(black_box(&nonordered), &settings, &mc)),
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
