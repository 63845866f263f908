//! What someone who is not the owner sees of an uploaded data set must not pin any count of
//! 1–10, whatever the file held: exact counts, cells its owner hid (with or without their
//! complements), margins that do not add up, sub-periods. The attacker here is written
//! independently of the suppression code: it takes every additive relation of the data set's
//! structure (subgroups to the overall, intersection cells to their margins, quarters to the
//! year), with the true remainder known to be ≥ 0 when a margin falls short and 0 when it adds
//! up, and tightens the bounds of every hidden cell until nothing moves.

use proptest::prelude::*;
use rise_aggregate::rows::{AggregateRow, read_csv, write_csv};
use rise_aggregate::suppress::suppress_rows;
use std::collections::HashMap;

type Key = (String, String, String);
/// What a viewer sees of a row: numerator and denominator.
type Seen = (Option<u64>, Option<u64>);

/// A population: counts by sex × race × quarter, with what happens to each row of its file.
#[derive(Debug, Clone)]
struct Case {
    races: usize,
    quarters: usize,
    intersections: bool,
    /// (denominator, numerator share in 0–100) per sex × race × quarter.
    counts: Vec<(u64, u64)>,
    /// Per row of the file, in order, a number in 0–99: below `drop` the row is left out (its
    /// margins stop adding up), below `drop + withhold` its owner hid it.
    fates: Vec<u8>,
    drop: u8,
    withhold: u8,
}

fn cases() -> impl Strategy<Value = Case> {
    (2usize..=4, 0usize..=3, any::<bool>()).prop_flat_map(|(races, quarters, intersections)| {
        let cells = 2 * races * quarters.max(1);
        (
            prop::collection::vec((0u64..90, 0u64..=100), cells),
            prop::collection::vec(0u8..100, 200),
            prop_oneof![Just(0u8), Just(5), Just(15)],
            prop_oneof![Just(0u8), Just(10), Just(30)],
        )
            .prop_map(move |(counts, fates, drop, withhold)| Case {
                races,
                quarters,
                intersections,
                counts,
                fates,
                drop,
                withhold,
            })
    })
}

/// The true counts of every row of the case's file, before any row is dropped or hidden.
fn truth(case: &Case) -> Vec<(Key, u64, u64)> {
    let sexes = ["Female", "Male"];
    let races: Vec<String> = (0..case.races).map(|r| format!("R{r}")).collect();
    let qs = case.quarters.max(1);
    let cell = |s: usize, r: usize, q: usize| {
        let (d, share) = case.counts[(s * case.races + r) * qs + q];
        (d * share / 100, d)
    };
    let mut periods: Vec<(String, Vec<usize>)> = vec![("2024".into(), (0..qs).collect())];
    if case.quarters > 0 {
        periods.extend((0..qs).map(|q| (format!("2024-Q{}", q + 1), vec![q])));
    }
    let mut out = Vec::new();
    for (label, quarters) in &periods {
        let sum = |f: &dyn Fn(usize, usize) -> bool| {
            let mut n = 0;
            let mut d = 0;
            for s in 0..2 {
                for r in 0..case.races {
                    if f(s, r) {
                        for &q in quarters {
                            let (a, b) = cell(s, r, q);
                            n += a;
                            d += b;
                        }
                    }
                }
            }
            (n, d)
        };
        let mut push = |dim: &str, sub: String, (n, d): (u64, u64)| {
            out.push(((dim.to_string(), sub, label.clone()), n, d));
        };
        push("overall", "All".into(), sum(&|_, _| true));
        for (s, name) in sexes.iter().enumerate() {
            push("sex", name.to_string(), sum(&|a, _| a == s));
        }
        for (r, name) in races.iter().enumerate() {
            push("race", name.clone(), sum(&|_, b| b == r));
        }
        if case.intersections {
            for (s, sn) in sexes.iter().enumerate() {
                for (r, rn) in races.iter().enumerate() {
                    push(
                        "sex*race",
                        format!("{sn}*{rn}"),
                        sum(&|a, b| a == s && b == r),
                    );
                }
            }
        }
    }
    out
}

/// The additive relations of the structure: (total, members) as keys.
fn relations(keys: &[Key]) -> Vec<(Key, Vec<Key>)> {
    let k = |d: &str, s: &str, p: &str| (d.to_string(), s.to_string(), p.to_string());
    let mut by: HashMap<(String, String), Vec<Key>> = HashMap::new();
    for key in keys {
        if key.0 != "overall" {
            by.entry((key.0.clone(), key.2.clone()))
                .or_default()
                .push(key.clone());
        }
    }
    let mut out = Vec::new();
    for ((dim, period), members) in &by {
        out.push((k("overall", "All", period), members.clone()));
        if dim == "sex*race" {
            for side in 0..2 {
                let mut margin: HashMap<String, Vec<Key>> = HashMap::new();
                for m in members {
                    let v = m.1.split('*').nth(side).unwrap().to_string();
                    margin.entry(v).or_default().push(m.clone());
                }
                let part = if side == 0 { "sex" } else { "race" };
                for (v, ms) in margin {
                    out.push((k(part, &v, period), ms));
                }
            }
        }
    }
    let mut series: HashMap<(String, String), Vec<Key>> = HashMap::new();
    for key in keys.iter().filter(|key| key.2 != "2024") {
        series
            .entry((key.0.clone(), key.1.clone()))
            .or_default()
            .push(key.clone());
    }
    for ((dim, sub), quarters) in series {
        out.push((k(&dim, &sub, "2024"), quarters));
    }
    out
}

const INF: i64 = i64::MAX / 4;

/// The attacker: the tightest bounds interval propagation gives every cell of one kind of
/// count (`pick`), from what `seen` shows. Returns the keys (and remainders) of true counts of
/// 1–10 whose upper bound is at most 10.
fn pinned(
    truth: &HashMap<Key, (u64, u64)>,
    seen: &HashMap<Key, Seen>,
    pick: fn((u64, u64)) -> u64,
    pick_seen: fn(Seen) -> Option<u64>,
) -> Vec<String> {
    let keys: Vec<Key> = truth.keys().cloned().collect();
    let index: HashMap<&Key, usize> = keys.iter().enumerate().map(|(i, k)| (k, i)).collect();
    let mut value: Vec<i64> = keys.iter().map(|k| pick(truth[k]) as i64).collect();
    let mut name: Vec<String> = keys.iter().map(|k| format!("{k:?}")).collect();
    let mut lo = vec![0i64; keys.len()];
    let mut hi = vec![INF; keys.len()];
    for (i, k) in keys.iter().enumerate() {
        if let Some(v) = seen.get(k).and_then(|s| pick_seen(*s)) {
            lo[i] = v as i64;
            hi[i] = v as i64;
        }
    }
    let mut lines = Vec::new();
    for (total, members) in relations(&keys) {
        let (Some(&t), Some(ms)) = (
            index.get(&total),
            members
                .iter()
                .map(|m| index.get(m).copied())
                .collect::<Option<Vec<_>>>(),
        ) else {
            continue;
        };
        let rest = value[t] - ms.iter().map(|&m| value[m]).sum::<i64>();
        if rest < 0 {
            continue; // not a sum: no equation to use
        }
        let mut ms = ms;
        if rest > 0 {
            value.push(rest);
            name.push(format!("remainder of {total:?}"));
            lo.push(0);
            hi.push(INF);
            ms.push(value.len() - 1);
        }
        lines.push((t, ms));
    }
    for _round in 0..10_000 {
        let mut changed = false;
        for (t, ms) in &lines {
            let sum_lo: i64 = ms.iter().map(|&m| lo[m]).sum();
            let sum_hi: i64 = ms.iter().map(|&m| hi[m]).fold(0, |a, h| (a + h).min(INF));
            if sum_lo > lo[*t] {
                lo[*t] = sum_lo;
                changed = true;
            }
            if sum_hi < hi[*t] {
                hi[*t] = sum_hi;
                changed = true;
            }
            for &m in ms {
                let others_lo = sum_lo - lo[m];
                let others_hi: i64 = ms
                    .iter()
                    .filter(|&&x| x != m)
                    .map(|&x| hi[x])
                    .fold(0, |a, h| (a + h).min(INF));
                if hi[*t] < INF && hi[*t] - others_lo < hi[m] {
                    hi[m] = hi[*t] - others_lo;
                    changed = true;
                }
                if others_hi < INF && lo[*t] - others_hi > lo[m] {
                    lo[m] = lo[*t] - others_hi;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    (0..value.len())
        .filter(|&i| (1..=10).contains(&value[i]) && hi[i] <= 10)
        .map(|i| format!("{} = {} within [{}, {}]", name[i], value[i], lo[i], hi[i]))
        .collect()
}

fn row(key: &Key, n: Option<u64>, d: Option<u64>) -> AggregateRow {
    AggregateRow {
        measure: "m".into(),
        dimension: key.0.clone(),
        subgroup: key.1.clone(),
        period: key.2.clone(),
        numerator: n,
        denominator: d,
        suppressed: n.is_none(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn no_small_count_can_be_pinned_by_a_non_owner(case in cases()) {
        let all = truth(&case);
        let mut kept = HashMap::new();
        let mut rows = Vec::new();
        for (i, (key, n, d)) in all.iter().enumerate() {
            let fate = case.fates[i % case.fates.len()];
            if fate < case.drop && key.0 != "overall" {
                continue;
            } else if fate < case.drop + case.withhold {
                rows.push(row(key, None, None));
            } else {
                rows.push(row(key, Some(*n), Some(*d)));
            }
            kept.insert(key.clone(), (*n, *d));
        }
        suppress_rows(&mut rows, Some("2024"));
        let seen: HashMap<Key, Seen> = rows
            .iter()
            .map(|r| ((r.dimension.clone(), r.subgroup.clone(), r.period.clone()), (r.numerator, r.denominator)))
            .collect();
        for r in &rows {
            if let (Some(n), Some(d)) = (r.numerator, r.denominator) {
                prop_assert!(!(1..=10).contains(&n) && !(1..=10).contains(&d), "{r:?} shown");
            }
        }
        let numerators = pinned(&kept, &seen, |t| t.0, |s| s.0);
        let denominators = pinned(&kept, &seen, |t| t.1, |s| s.1);
        prop_assert!(numerators.is_empty(), "numerators pinned: {numerators:?}");
        prop_assert!(denominators.is_empty(), "denominators pinned: {denominators:?}");
    }

    #[test]
    fn a_repeated_row_is_refused_naming_both_lines(case in cases(), which in 0usize..50) {
        let all = truth(&case);
        let mut rows: Vec<AggregateRow> = all.iter().map(|(k, n, d)| row(k, Some(*n), Some(*d))).collect();
        let first = which % rows.len();
        rows.push(rows[first].clone());
        let mut csv = Vec::new();
        write_csv(&mut csv, &rows, &["not suppressed".into()]).unwrap();
        let e = read_csv(std::str::from_utf8(&csv).unwrap()).unwrap_err();
        // Line 1 is the comment, line 2 the header.
        prop_assert_eq!(e.line, rows.len() as u64 + 2);
        let expected = format!("line {}", first + 3);
        prop_assert!(e.message.contains(&expected), "{}", e.message);
    }
}
