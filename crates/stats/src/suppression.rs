//! Small-cell suppression: no count from 1 to 10 may be shown, nor be derivable from what is
//! shown (the CMS cell-size suppression policy), with complementary suppression so that a
//! hidden cell cannot be recovered from the totals.
//!
//! A table is a list of cells (counts, totals included) and a list of *lines*: additive
//! constraints `total = Σ members`. A one-way table (subgroups and their total) has one line; a
//! two-way table with margins has a line per row and per column.
//!
//! Hand-written because no maintained Rust crate does statistical disclosure control. The
//! method is the classic one (primary suppression, then complementary cells chosen smallest
//! first), checked by an *audit* that derives, from the published cells and the line
//! constraints alone, the tightest bounds an attacker can put on every hidden cell by interval
//! propagation; suppression continues until no protected count is pinned to a value or to the
//! range 0–10.

use crate::error::{Result, invalid};

/// The smallest count that must be hidden.
pub const MIN_SHOWN_EXCLUSIVE: u64 = 0;
/// The largest count that must be hidden (CMS: 10).
pub const MAX_HIDDEN: u64 = 10;

/// Whether a count must be hidden on its own (1 ≤ v ≤ 10).
pub fn is_small(v: u64) -> bool {
    v > MIN_SHOWN_EXCLUSIVE && v <= MAX_HIDDEN
}

/// One additive constraint: `cells[total] = Σ cells[members]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Index of the total cell.
    pub total: usize,
    /// Indices of the cells that add up to the total.
    pub members: Vec<usize>,
}

/// Cells and the additive constraints between them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// Every count that would be published, totals included.
    pub cells: Vec<u64>,
    /// The additive constraints.
    pub lines: Vec<Line>,
}

impl Table {
    /// A one-way table: `counts` followed by their total (index `counts.len()`).
    pub fn one_way(counts: &[u64]) -> Self {
        let mut cells = counts.to_vec();
        cells.push(counts.iter().sum());
        let line = Line {
            total: counts.len(),
            members: (0..counts.len()).collect(),
        };
        Self {
            cells,
            lines: vec![line],
        }
    }

    /// A two-way table `rows × cols` with row totals, column totals and a grand total.
    ///
    /// Cell layout: the body row by row (`r·cols + c`), then the row totals, the column
    /// totals, and last the grand total.
    pub fn two_way(body: &[Vec<u64>]) -> Result<Self> {
        let rows = body.len();
        let cols = body.first().map_or(0, Vec::len);
        if rows == 0 || cols == 0 || body.iter().any(|r| r.len() != cols) {
            return Err(invalid(
                "a two-way table needs equal-length, non-empty rows",
            ));
        }
        let mut cells: Vec<u64> = body.iter().flatten().copied().collect();
        let row_total0 = cells.len();
        for r in body {
            cells.push(r.iter().sum());
        }
        let col_total0 = cells.len();
        for c in 0..cols {
            cells.push(body.iter().map(|r| r[c]).sum());
        }
        let grand = cells.len();
        cells.push(body.iter().flatten().sum());
        let mut lines = Vec::new();
        for r in 0..rows {
            lines.push(Line {
                total: row_total0 + r,
                members: (0..cols).map(|c| r * cols + c).collect(),
            });
        }
        for c in 0..cols {
            lines.push(Line {
                total: col_total0 + c,
                members: (0..rows).map(|r| r * cols + c).collect(),
            });
        }
        lines.push(Line {
            total: grand,
            members: (0..rows).map(|r| row_total0 + r).collect(),
        });
        lines.push(Line {
            total: grand,
            members: (0..cols).map(|c| col_total0 + c).collect(),
        });
        Ok(Self { cells, lines })
    }

    fn check(&self) -> Result<()> {
        for l in &self.lines {
            let n = self.cells.len();
            if l.total >= n || l.members.iter().any(|&m| m >= n) {
                return Err(invalid("a line refers to a cell that does not exist"));
            }
            let sum: u64 = l.members.iter().map(|&m| self.cells[m]).sum();
            if sum != self.cells[l.total] {
                return Err(invalid(format!(
                    "cell {} should be the total of its line ({sum}) but is {}",
                    l.total, self.cells[l.total]
                )));
            }
        }
        Ok(())
    }
}

/// Decides which cells to hide. Returns one flag per cell (`true` = hidden).
///
/// Every count of 1–10 is hidden (primary suppression). Then, in every line that has a hidden
/// cell, at least two cells are hidden and — when the line's total is shown — the hidden
/// members add up to more than 10, so that the total minus the visible cells never pins a
/// small count. Complements are the smallest non-zero visible members, then zeros, then the
/// line's total. Finally the [`audit`] must pass; where it does not, more cells are hidden.
pub fn suppress(table: &Table) -> Result<Vec<bool>> {
    table.check()?;
    let mut hidden: Vec<bool> = table.cells.iter().map(|&v| is_small(v)).collect();
    loop {
        while let Some(line) = table.lines.iter().find(|l| !line_safe(table, &hidden, l)) {
            hide_complement(table, &mut hidden, line);
        }
        let exposed = audit(table, &hidden);
        if exposed.is_empty() {
            return Ok(hidden);
        }
        let before = hidden.iter().filter(|h| **h).count();
        for cell in exposed {
            for line in table
                .lines
                .iter()
                .filter(|l| l.total == cell || l.members.contains(&cell))
            {
                hide_complement(table, &mut hidden, line);
            }
        }
        if hidden.iter().filter(|h| **h).count() == before {
            // Nothing left to hide in those lines: hide everything (cannot happen for
            // consistent tables, but never loop forever).
            hidden.iter_mut().for_each(|h| *h = true);
            return Ok(hidden);
        }
    }
}

fn line_safe(table: &Table, hidden: &[bool], line: &Line) -> bool {
    let hidden_members: Vec<usize> = line
        .members
        .iter()
        .copied()
        .filter(|&m| hidden[m])
        .collect();
    let total_hidden = hidden[line.total];
    let count = hidden_members.len() + usize::from(total_hidden);
    if count == 0 {
        return true;
    }
    if count < 2 {
        return false;
    }
    if total_hidden {
        return true;
    }
    let mass: u64 = hidden_members.iter().map(|&m| table.cells[m]).sum();
    mass == 0 || mass > MAX_HIDDEN
}

fn hide_complement(table: &Table, hidden: &mut [bool], line: &Line) {
    let pick = line
        .members
        .iter()
        .copied()
        .filter(|&m| !hidden[m] && table.cells[m] > 0)
        .min_by_key(|&m| table.cells[m])
        .or_else(|| line.members.iter().copied().find(|&m| !hidden[m]));
    match pick {
        Some(m) => hidden[m] = true,
        None => hidden[line.total] = true,
    }
}

/// The cells an attacker could still learn too much about: hidden cells whose bounds, derived
/// from the shown cells and the line constraints by interval propagation, are a single value,
/// or, for a count of 1–10, lie within 0–10.
pub fn audit(table: &Table, hidden: &[bool]) -> Vec<usize> {
    let n = table.cells.len();
    let mut lo: Vec<f64> = (0..n)
        .map(|i| {
            if hidden[i] {
                0.0
            } else {
                table.cells[i] as f64
            }
        })
        .collect();
    let mut hi: Vec<f64> = (0..n)
        .map(|i| {
            if hidden[i] {
                f64::INFINITY
            } else {
                table.cells[i] as f64
            }
        })
        .collect();
    for _ in 0..(4 * n + 8) {
        let mut changed = false;
        for line in &table.lines {
            let sum_lo: f64 = line.members.iter().map(|&m| lo[m]).sum();
            let sum_hi: f64 = line.members.iter().map(|&m| hi[m]).sum();
            let t = line.total;
            changed |= tighten(&mut lo[t], &mut hi[t], sum_lo, sum_hi);
            for &m in &line.members {
                let others_lo = sum_lo - lo[m];
                let others_hi = sum_hi - hi[m];
                let new_lo = lo[t] - others_hi;
                let new_hi = hi[t] - others_lo;
                changed |= tighten(&mut lo[m], &mut hi[m], new_lo, new_hi);
            }
        }
        if !changed {
            break;
        }
    }
    (0..n)
        .filter(|&i| hidden[i])
        .filter(|&i| lo[i] == hi[i] || (is_small(table.cells[i]) && hi[i] <= MAX_HIDDEN as f64))
        .collect()
}

fn tighten(lo: &mut f64, hi: &mut f64, new_lo: f64, new_hi: f64) -> bool {
    let mut changed = false;
    if new_lo.is_finite() && new_lo > *lo {
        *lo = new_lo;
        changed = true;
    }
    if new_hi < *hi {
        *hi = new_hi;
        changed = true;
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_small_cell_gets_a_complement() {
        let t = Table::one_way(&[5, 40, 60, 100]);
        let h = suppress(&t).unwrap();
        assert!(h[0], "the 5 is hidden");
        assert!(h[1], "the smallest other cell is hidden with it");
        assert!(!h[2] && !h[3] && !h[4]);
    }

    #[test]
    fn complements_add_mass_above_ten() {
        // 3 and 4 are both small; hiding only them leaves total − visible = 7 ≤ 10.
        let t = Table::one_way(&[3, 4, 50, 60]);
        let h = suppress(&t).unwrap();
        assert!(h[0] && h[1] && h[2]);
        assert!(audit(&t, &h).is_empty());
    }

    #[test]
    fn nothing_small_hides_nothing() {
        let t = Table::one_way(&[0, 11, 50]);
        assert_eq!(suppress(&t).unwrap(), vec![false; 4]);
    }

    #[test]
    fn small_total_is_hidden_too() {
        let t = Table::one_way(&[2, 3]);
        let h = suppress(&t).unwrap();
        assert!(h.iter().all(|x| *x));
    }

    #[test]
    fn two_way_table_is_protected() {
        let t = Table::two_way(&[vec![5, 30, 40], vec![25, 35, 45], vec![50, 60, 70]]).unwrap();
        let h = suppress(&t).unwrap();
        assert!(h[0]);
        assert!(audit(&t, &h).is_empty());
        let hidden_in_row0 = (0..3).filter(|&c| h[c]).count();
        assert!(hidden_in_row0 >= 2);
    }

    #[test]
    fn inconsistent_totals_are_rejected() {
        let mut t = Table::one_way(&[1, 2]);
        t.cells[2] = 4;
        assert!(suppress(&t).is_err());
    }
}
