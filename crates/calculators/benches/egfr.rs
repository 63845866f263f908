//! Recomputes one million creatinine results both ways (CKD-EPI 2009 with race and CKD-EPI
//! 2021), as `rise audit` does for every result in a member's data.

use criterion::{Criterion, criterion_group, criterion_main};
use rise_calculators::egfr::{ckd_epi_2009_cr, ckd_epi_2021_cr};
use rise_calculators::{Decision, Stage};
use std::hint::black_box;

fn million() -> Vec<(f64, f64, bool, bool)> {
    // A fixed spread of creatinine, age, sex and race, no RNG needed.
    (0..1_000_000u32)
        .map(|i| {
            let scr = 0.4 + f64::from(i % 997) * 0.006;
            let age = 18.0 + f64::from(i % 71);
            (scr, age, i % 2 == 0, i % 7 == 0)
        })
        .collect()
}

fn both_ways(c: &mut Criterion) {
    let data = million();
    c.bench_function("egfr_1m_both_ways", |b| {
        b.iter(|| {
            let mut moved = 0u32;
            for &(scr, age, female, black) in black_box(&data) {
                let old = ckd_epi_2009_cr(scr, age, female, black);
                let new = ckd_epi_2021_cr(scr, age, female);
                moved += u32::from(Stage::of(old) != Stage::of(new))
                    + u32::from(
                        Decision::TransplantListing.applies(old)
                            != Decision::TransplantListing.applies(new),
                    );
            }
            moved
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = both_ways
}
criterion_main!(benches);
