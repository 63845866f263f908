//! Exact counts on a hand-checked canonical CSV fixture (tests/it/fixtures/canonical).
//!
//! bp_control, 2024 (CMS165: adults 18–85 with hypertension, most recent BP in the period
//! below 140/90):
//! - a1 (F, 64, White): latest 130/80 → met.
//! - a2 (M, 54, Black): latest 145/85 → not met.
//! - a3 (F, 44, Black, ICD-10 I10): 135/85 on 31 Dec (inclusive end) → met.
//! - a4 (M, 69, Hispanic): diagnosed in Nov, no reading in 2024 → not met.
//! - a5 (F, 14): too young → not in the denominator.
//! - a6 (M, 74, race unknown): died in June, alive at the start → in; 125/75 → met.
//!
//! Denominator 5, numerator 3.

use crate::support::{analyse, find, fixture, singles};

#[test]
fn hand_checked_blood_pressure_counts() {
    let out = analyse(
        &fixture("canonical"),
        None,
        2024,
        singles("race_ethnicity,sex,age_band,language,payer"),
        None,
    )
    .unwrap();
    let c = &out.counts;
    let overall = find(c, "bp_control", "overall", "All").unwrap();
    assert_eq!((overall.numerator, overall.denominator), (3, 5));
    let black = find(
        c,
        "bp_control",
        "race_ethnicity",
        "Black or African American",
    )
    .unwrap();
    assert_eq!((black.numerator, black.denominator), (1, 2));
    let hisp = find(c, "bp_control", "race_ethnicity", "Hispanic or Latino").unwrap();
    assert_eq!((hisp.numerator, hisp.denominator), (0, 1));
    let unknown = find(c, "bp_control", "race_ethnicity", "Unknown").unwrap();
    assert_eq!(
        (unknown.numerator, unknown.denominator),
        (1, 1),
        "unknown race is a group of its own"
    );
    let female = find(c, "bp_control", "sex", "Female").unwrap();
    assert_eq!((female.numerator, female.denominator), (2, 2));
    // Ages on 31 Dec 2024: a1 64, a2 54, a3 44, a4 69, a6 74.
    let a = find(c, "bp_control", "age_band", "65+").unwrap();
    assert_eq!((a.numerator, a.denominator), (1, 2));
    let a = find(c, "bp_control", "age_band", "18-44").unwrap();
    assert_eq!((a.numerator, a.denominator), (1, 1));
    // Language: en/English → English; es → Other than English; a4 empty → Unknown.
    assert_eq!(
        find(c, "bp_control", "language", "English")
            .unwrap()
            .denominator,
        3
    );
    assert_eq!(
        find(c, "bp_control", "language", "Other than English")
            .unwrap()
            .denominator,
        1
    );
    assert_eq!(
        find(c, "bp_control", "language", "Unknown")
            .unwrap()
            .denominator,
        1
    );
    assert_eq!(
        find(c, "bp_control", "payer", "Unknown")
            .unwrap()
            .denominator,
        1
    );
    // Groups with nobody eligible do not appear; every dimension adds up to the overall count.
    for dim in ["race_ethnicity", "sex", "age_band", "language", "payer"] {
        let sum: u64 = c
            .iter()
            .filter(|x| x.measure == "bp_control" && x.dimension == dim)
            .map(|x| x.denominator)
            .sum();
        assert_eq!(sum, 5, "{dim}");
    }
    assert_eq!(out.quality.patients, 6);
    assert_eq!(out.quality.unknown_race, 1);
}

#[test]
fn mortality_counts_deaths_in_the_period() {
    let out = analyse(&fixture("canonical"), None, 2024, singles("sex"), None).unwrap();
    // Nobody has an encounter in the fixture, so the mortality denominator is empty.
    let m = find(&out.counts, "mortality", "overall", "All").unwrap();
    assert_eq!((m.numerator, m.denominator), (0, 0));
}
