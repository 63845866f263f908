//! How long a p-chart with the Anhøj rules takes for 100 groups × 36 monthly periods — the
//! equity view of one measure over three years.
//!
//! `cargo bench -p rise-spc` prints the figure; nothing here asserts a time.

use criterion::{Criterion, criterion_group, criterion_main};
use rise_spc::{Chart, Settings, Subgroup, analyse};
use std::hint::black_box;

fn groups() -> Vec<Vec<Subgroup>> {
    (0..100u32)
        .map(|g| {
            (0..36u32)
                .map(|t| {
                    let n = 80.0 + f64::from((g * 7 + t * 13) % 60);
                    let rate =
                        0.15 + 0.1 * (f64::from(g) / 99.0) + 0.03 * (f64::from(t) * 0.9).sin();
                    Subgroup::ratio((rate * n).round(), n)
                })
                .collect()
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let data = groups();
    let settings = Settings::new(Chart::P);
    c.bench_function("p-chart + Anhøj rules, 100 groups × 36 periods", |b| {
        b.iter(|| {
            for g in black_box(&data) {
                black_box(analyse(g, &settings).expect("valid benchmark data"));
            }
        })
    });
    let mut frozen = Settings::new(Chart::P);
    frozen.freeze = Some(18);
    c.bench_function(
        "p-chart, baseline frozen at 18, 100 groups × 36 periods",
        |b| {
            b.iter(|| {
                for g in black_box(&data) {
                    black_box(analyse(g, &frozen).expect("valid benchmark data"));
                }
            })
        },
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
