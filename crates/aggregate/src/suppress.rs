//! Suppressing a whole aggregate data set so that no count of 1–10 can be seen or worked out.
//!
//! For each measure, numerators and denominators are each treated as one table of cells with
//! every additive relation a reader could use: the subgroups of a dimension add up to the
//! overall count (the same total for every dimension), the cells of an intersection add up to
//! the cells of its dimensions, and sub-periods (months, quarters) add up to the quarter, year
//! or range they fall in. That table goes through `rise_stats::suppression::protect`, which
//! also copes with what an uploaded file may hold: cells its owner already hid (kept hidden,
//! protected as if small) and margins that do not add up (an implicit remainder, itself
//! protected). A row is suppressed when its numerator or its denominator is hidden, and then
//! both are left empty. Rows that repeat a (measure, dimension, subgroup, period) are all
//! hidden: which one is right cannot be known (uploads refuse them; this is the last guard).

use crate::rows::AggregateRow;
use rise_stats::suppression::{Cell, Line, protect};
use std::collections::{BTreeMap, HashMap};

/// Suppresses `rows` in place, whatever they hold: exact counts, counts already suppressed
/// by their owner, or both. `whole_period` names the period that the others partition, if
/// any (a range such as `2024-01-01..2024-06-30` needs it; calendar labels are recognised).
pub fn suppress_rows(rows: &mut [AggregateRow], whole_period: Option<&str>) {
    let mut by_measure: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        by_measure.entry(r.measure.as_str()).or_default().push(i);
    }
    let mut hide = vec![false; rows.len()];
    for idx in by_measure.values() {
        let table = MeasureTable::new(rows, idx, whole_period);
        for pick in [
            |r: &AggregateRow| r.numerator,
            |r: &AggregateRow| r.denominator,
        ] {
            let cells: Vec<Cell> = table
                .cells
                .iter()
                .zip(&table.rows_of)
                .map(|(&k, of)| match (pick(&rows[idx[k]]), of.len() > 1) {
                    (Some(v), false) => Cell::Count(v),
                    _ => Cell::Withheld,
                })
                .collect();
            for (c, hidden) in protect(&cells, &table.lines).into_iter().enumerate() {
                if hidden {
                    for &k in &table.rows_of[c] {
                        hide[idx[k]] = true;
                    }
                }
            }
        }
    }
    for (r, h) in rows.iter_mut().zip(hide) {
        if h {
            r.numerator = None;
            r.denominator = None;
            r.suppressed = true;
        }
    }
}

/// One measure's rows as cells (in a fixed order, so the same file is always suppressed alike) (one per distinct key) and the additive lines among them.
struct MeasureTable {
    /// For each cell, its first row (index into the measure's `idx`).
    cells: Vec<usize>,
    /// For each cell, every row with its key (more than one: a repeated key).
    rows_of: Vec<Vec<usize>>,
    lines: Vec<Line>,
}

impl MeasureTable {
    fn new(rows: &[AggregateRow], idx: &[usize], whole: Option<&str>) -> Self {
        let key = |k: usize| {
            let r = &rows[idx[k]];
            (r.dimension.as_str(), r.subgroup.as_str(), r.period.as_str())
        };
        let mut pos: HashMap<(&str, &str, &str), usize> = HashMap::new();
        let mut cells = Vec::new();
        let mut rows_of: Vec<Vec<usize>> = Vec::new();
        for k in 0..idx.len() {
            let c = *pos.entry(key(k)).or_insert_with(|| {
                cells.push(k);
                rows_of.push(Vec::new());
                cells.len() - 1
            });
            rows_of[c].push(k);
        }
        let ckey = |c: usize| key(cells[c]);
        let mut lines = Vec::new();

        // Each dimension's subgroups add up to the overall count of the period.
        let mut groups: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
        for c in 0..cells.len() {
            let (dim, _, period) = ckey(c);
            if dim != "overall" {
                groups.entry((dim, period)).or_default().push(c);
            }
        }
        for (&(dim, period), members) in &groups {
            if let Some(&total) = pos.get(&("overall", "All", period)) {
                lines.push(Line {
                    total,
                    members: members.clone(),
                });
            }
            // An intersection a*b: each value x of a is the total of the cells x*y.
            let parts: Vec<&str> = dim.split('*').collect();
            if parts.len() < 2 {
                continue;
            }
            for (side, part) in parts.iter().enumerate() {
                let mut by_value: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
                for &c in members {
                    let sub = ckey(c).1;
                    let values: Vec<&str> = sub.split('*').collect();
                    if values.len() == parts.len() {
                        by_value.entry(values[side]).or_default().push(c);
                    }
                }
                for (v, members) in by_value {
                    if let Some(&total) = pos.get(&(part, v, period)) {
                        lines.push(Line { total, members });
                    }
                }
            }
        }

        // Sub-periods of one kind add up to each period they fall in.
        let mut periods: Vec<&str> = (0..cells.len()).map(|c| ckey(c).2).collect();
        periods.sort_unstable();
        periods.dedup();
        let mut by_series: BTreeMap<(&str, &str), HashMap<&str, usize>> = BTreeMap::new();
        for c in 0..cells.len() {
            let (dim, sub, period) = ckey(c);
            by_series.entry((dim, sub)).or_default().insert(period, c);
        }
        for container in &periods {
            let mut kinds: BTreeMap<PeriodKind, Vec<&str>> = BTreeMap::new();
            for p in &periods {
                if p != container && within(p, container, whole) {
                    kinds.entry(PeriodKind::of(p)).or_default().push(p);
                }
            }
            for parts in kinds.values() {
                for series in by_series.values() {
                    let Some(&total) = series.get(container) else {
                        continue;
                    };
                    let members: Vec<usize> = parts
                        .iter()
                        .filter_map(|p| series.get(p).copied())
                        .collect();
                    if !members.is_empty() {
                        lines.push(Line { total, members });
                    }
                }
            }
        }
        Self {
            cells,
            rows_of,
            lines,
        }
    }
}

/// The kinds of period label `rise analyze` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum PeriodKind {
    Year,
    Quarter,
    Month,
    Range,
    Other,
}

impl PeriodKind {
    fn of(label: &str) -> Self {
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let b = label.as_bytes();
        if label.len() == 4 && digits(label) {
            PeriodKind::Year
        } else if label.len() == 7 && digits(&label[..4]) && b[4] == b'-' && b[5] == b'Q' {
            PeriodKind::Quarter
        } else if label.len() == 7 && digits(&label[..4]) && b[4] == b'-' && digits(&label[5..]) {
            PeriodKind::Month
        } else if span(label).is_some() && label.contains("..") {
            PeriodKind::Range
        } else {
            PeriodKind::Other
        }
    }
}

/// First and last day of a period label, as ISO text (which orders like the dates).
fn span(label: &str) -> Option<(String, String)> {
    if let Some((a, b)) = label.split_once("..") {
        let iso = |s: &str| s.len() == 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-';
        return (iso(a) && iso(b)).then(|| (a.to_string(), b.to_string()));
    }
    let y = label.get(..4)?;
    match label.get(4..) {
        Some("") => Some((format!("{y}-01-01"), format!("{y}-12-31"))),
        Some(rest) if rest.starts_with("-Q") => {
            let q: u32 = rest[2..].parse().ok().filter(|q| (1..=4).contains(q))?;
            Some((
                format!("{y}-{:02}-01", 3 * q - 2),
                format!("{y}-{:02}-31", 3 * q),
            ))
        }
        Some(rest) => {
            let m: u32 = rest.strip_prefix('-')?.parse().ok()?;
            Some((format!("{y}-{m:02}-01"), format!("{y}-{m:02}-31")))
        }
        None => None,
    }
}

/// Whether period `p` is part of period `container`: inside it, or, for a range (whose edge
/// months are partial but keep their calendar label), overlapping it. Labels that are not
/// dates are parts of the named whole period only.
fn within(p: &str, container: &str, whole: Option<&str>) -> bool {
    let (pk, ck) = (PeriodKind::of(p), PeriodKind::of(container));
    if pk == PeriodKind::Other || ck == PeriodKind::Other {
        return whole == Some(container) && pk != ck;
    }
    let (Some((ps, pe)), Some((cs, ce))) = (span(p), span(container)) else {
        return false;
    };
    match ck {
        PeriodKind::Range => pk != PeriodKind::Range && ps <= ce && pe >= cs,
        _ => ps >= cs && pe <= ce,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(dim: &str, sub: &str, period: &str, n: u64, d: u64) -> AggregateRow {
        AggregateRow::counted("m", dim, sub, period, n, d)
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

    fn row(dim: &str, sub: &str, period: &str, n: Option<u64>, d: Option<u64>) -> AggregateRow {
        AggregateRow {
            measure: "m".into(),
            dimension: dim.into(),
            subgroup: sub.into(),
            period: period.into(),
            numerator: n,
            denominator: d,
            suppressed: n.is_none() || d.is_none(),
        }
    }

    fn shown(rows: &[AggregateRow]) -> Vec<&str> {
        rows.iter()
            .filter(|r| !r.suppressed)
            .map(|r| r.subgroup.as_str())
            .collect()
    }

    #[test]
    fn a_duplicate_row_hides_its_key_and_the_complement() {
        let mut rows = vec![
            row("overall", "All", "2024", Some(100), Some(300)),
            row("sex", "Female", "2024", Some(5), Some(150)),
            row("sex", "Male", "2024", Some(95), Some(150)),
            row("sex", "Female", "2024", Some(50), Some(150)),
        ];
        suppress_rows(&mut rows, None);
        assert_eq!(shown(&rows), ["All"]);
    }

    #[test]
    fn subgroups_that_fall_short_of_the_overall_leave_nothing_to_subtract() {
        let mut rows = vec![
            row("overall", "All", "2024", Some(100), Some(300)),
            row("sex", "Female", "2024", Some(5), Some(149)),
            row("sex", "Male", "2024", Some(94), Some(150)),
        ];
        suppress_rows(&mut rows, None);
        assert_eq!(shown(&rows), ["All"], "Male would put Female at 5 or 6");
    }

    #[test]
    fn a_cell_left_empty_by_its_owner_gets_its_complement() {
        let mut rows = vec![
            row("overall", "All", "2024", Some(100), Some(300)),
            row("sex", "Female", "2024", None, None),
            row("sex", "Male", "2024", Some(95), Some(150)),
        ];
        suppress_rows(&mut rows, None);
        assert_eq!(shown(&rows), ["All"]);
        // Properly complemented files lose nothing more.
        let mut rows = vec![
            row("overall", "All", "2024", Some(100), Some(300)),
            row("race", "A", "2024", None, None),
            row("race", "B", "2024", None, None),
            row("race", "C", "2024", Some(60), Some(200)),
        ];
        suppress_rows(&mut rows, None);
        assert_eq!(shown(&rows), ["All", "C"]);
    }

    #[test]
    fn intersections_are_protected_without_an_overall_row() {
        let mut rows = vec![
            row("sex", "F", "2024", Some(50), Some(100)),
            row("sex*race", "F*A", "2024", Some(4), Some(40)),
            row("sex*race", "F*B", "2024", Some(46), Some(60)),
        ];
        suppress_rows(&mut rows, None);
        assert_eq!(shown(&rows), ["F"]);
    }

    #[test]
    fn months_add_up_to_quarters_and_years_alike() {
        let mut rows = vec![
            row("overall", "All", "2024-Q1", Some(100), Some(300)),
            row("overall", "All", "2024-01", Some(5), Some(100)),
            row("overall", "All", "2024-02", Some(45), Some(100)),
            row("overall", "All", "2024-03", Some(50), Some(100)),
        ];
        suppress_rows(&mut rows, None);
        assert!(rows[1].suppressed);
        assert!(
            rows[0].suppressed || rows[2].suppressed || rows[3].suppressed,
            "a complement among the quarter and its months"
        );
        assert!(within("2023-11", "2023-11-15..2024-02-10", None));
        assert!(!within("2024-03", "2023-11-15..2024-02-10", None));
        assert!(within("2024-05", "2024-Q2", None) && !within("2024-07", "2024-Q2", None));
        assert!(within("2024-Q3", "2024", None) && !within("2025-Q1", "2024", None));
        assert!(within("H1", "2024", Some("2024")) && !within("H1", "2024", None));
    }
}
