//! Suppressing a whole aggregate data set so that no count of 1–10 can be seen or worked out.
//!
//! For each measure, numerators and denominators are each treated as one table of cells with
//! every additive relation a reader could use: the subgroups of a dimension add up to the
//! overall count (the same total for every dimension), the cells of an intersection add up to
//! the cells of its two dimensions, and sub-periods add up to the whole period. That table goes
//! through `rise_stats::suppression`. A row is suppressed when its numerator or its denominator
//! is hidden, and then both are left empty.

use crate::rows::AggregateRow;
use rise_stats::suppression::{Line, Table, suppress};
use std::collections::HashMap;

/// Suppresses `rows` in place. Rows must carry their counts (unsuppressed input).
/// `whole_period` names the period that the others partition, if any.
pub fn suppress_rows(rows: &mut [AggregateRow], whole_period: Option<&str>) {
    let mut by_measure: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        by_measure.entry(r.measure.clone()).or_default().push(i);
    }
    for idx in by_measure.values() {
        let lines = lines_for(rows, idx, whole_period);
        let mut hide = vec![false; idx.len()];
        for pick in [
            |r: &AggregateRow| r.numerator,
            |r: &AggregateRow| r.denominator,
        ] {
            let cells: Vec<u64> = idx.iter().map(|&i| pick(&rows[i]).unwrap_or(0)).collect();
            let table = Table {
                cells,
                lines: consistent(&lines, idx, rows, pick),
            };
            // Lines are built from the data's own structure; if a relation does not add up
            // (it always should) it is dropped by `consistent`, and suppression cannot fail.
            let hidden = suppress(&table).unwrap_or_else(|_| vec![true; idx.len()]);
            for (h, x) in hide.iter_mut().zip(hidden) {
                *h |= x;
            }
        }
        for (k, &i) in idx.iter().enumerate() {
            if hide[k] {
                rows[i].numerator = None;
                rows[i].denominator = None;
                rows[i].suppressed = true;
            }
        }
    }
}

/// The additive relations among one measure's rows (indices into `idx`).
fn lines_for(rows: &[AggregateRow], idx: &[usize], whole: Option<&str>) -> Vec<Line> {
    let key = |k: usize| {
        let r = &rows[idx[k]];
        (r.dimension.as_str(), r.subgroup.as_str(), r.period.as_str())
    };
    let pos: HashMap<(&str, &str, &str), usize> = (0..idx.len()).map(|k| (key(k), k)).collect();
    let mut groups: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for k in 0..idx.len() {
        let (dim, _, period) = key(k);
        if dim != "overall" {
            groups.entry((dim, period)).or_default().push(k);
        }
    }
    let mut lines = Vec::new();
    for (&(dim, period), members) in &groups {
        let Some(&total) = pos.get(&("overall", "All", period)) else {
            continue;
        };
        lines.push(Line {
            total,
            members: members.clone(),
        });
        // An intersection a*b: each value x of a is the total of the cells x*y.
        let parts: Vec<&str> = dim.split('*').collect();
        if parts.len() == 2 {
            for (side, part) in parts.iter().enumerate() {
                let mut by_value: HashMap<&str, Vec<usize>> = HashMap::new();
                for &k in members {
                    let sub = key(k).1;
                    if let Some(v) = sub.split('*').nth(side) {
                        by_value.entry(v).or_default().push(k);
                    }
                }
                for (v, cells) in by_value {
                    if let Some(&t) = pos.get(&(part, v, period)) {
                        lines.push(Line {
                            total: t,
                            members: cells,
                        });
                    }
                }
            }
        }
    }
    if let Some(w) = whole {
        let mut across: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
        for k in 0..idx.len() {
            let (dim, sub, period) = key(k);
            if period != w {
                across.entry((dim, sub)).or_default().push(k);
            }
        }
        for ((dim, sub), members) in across {
            if let Some(&t) = pos.get(&(dim, sub, w)) {
                lines.push(Line { total: t, members });
            }
        }
    }
    lines
}

/// Keeps the lines whose members add up to their total for this kind of count.
fn consistent(
    lines: &[Line],
    idx: &[usize],
    rows: &[AggregateRow],
    pick: fn(&AggregateRow) -> Option<u64>,
) -> Vec<Line> {
    let v = |k: usize| pick(&rows[idx[k]]).unwrap_or(0);
    lines
        .iter()
        .filter(|l| l.members.iter().map(|&m| v(m)).sum::<u64>() == v(l.total))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(dim: &str, sub: &str, period: &str, n: u64, d: u64) -> AggregateRow {
        AggregateRow {
            measure: "m".into(),
            dimension: dim.into(),
            subgroup: sub.into(),
            period: period.into(),
            numerator: Some(n),
            denominator: Some(d),
            suppressed: false,
        }
    }

    #[test]
    fn small_cells_and_their_complements_are_hidden() {
        let mut rows = vec![
            r("overall", "All", "2024", 125, 400),
            r("sex", "Female", "2024", 60, 200),
            r("sex", "Male", "2024", 65, 200),
            r("race", "A", "2024", 4, 20),
            r("race", "B", "2024", 50, 180),
            r("race", "C", "2024", 71, 200),
        ];
        suppress_rows(&mut rows, None);
        assert!(rows[3].suppressed, "numerator 4");
        assert!(
            rows[4].suppressed,
            "complement: otherwise 125 − 71 − B reveals A"
        );
        assert!(!rows[0].suppressed && !rows[1].suppressed && !rows[5].suppressed);
        assert!(rows[3].numerator.is_none() && rows[3].denominator.is_none());
    }

    #[test]
    fn sub_periods_cannot_reveal_a_hidden_quarter() {
        let mut rows = vec![
            r("overall", "All", "2024", 100, 400),
            r("overall", "All", "2024-H1", 95, 200),
            r("overall", "All", "2024-H2", 5, 200),
        ];
        suppress_rows(&mut rows, Some("2024"));
        assert!(rows[2].suppressed);
        assert!(
            rows[1].suppressed || rows[0].suppressed,
            "a complement in the period line"
        );
    }
}
