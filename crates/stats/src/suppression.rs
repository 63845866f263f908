//! Small-cell suppression: no count from 1 to 10 may be shown, nor be derivable from what is
//! shown (the CMS cell-size suppression policy), with complementary suppression so that a
//! hidden cell cannot be recovered from the totals.
//!
//! A table is a list of cells (counts, totals included) and a list of *lines*: additive
//! relations `total = Σ members`. A one-way table (subgroups and their total) has one line; a
//! two-way table with margins has a line per row and per column.
//!
//! Tables that reach a server are not always tidy, so [`protect`] also takes
//! - cells whose owner already hid them ([`Cell::Withheld`]): their value is unknown, they stay
//!   hidden and are protected as if small;
//! - lines whose members do not add up to the total: when they fall short, the difference is
//!   an *implicit remainder* cell (never shown, protected when it is 1–10); when they exceed
//!   it, the line is not a sum and is dropped; a line with a withheld cell has an unknown
//!   remainder, which is taken as 0 for every bound (the attacker who knows the margin is
//!   complete learns the most) and is itself checked not to be pinned to 0–10. When that
//!   makes the bounds contradict each other, no bound can be trusted and the whole table is
//!   hidden.
//!
//! Hand-written because no maintained Rust crate does statistical disclosure control. The
//! method is the classic one (primary suppression, then complementary cells chosen smallest
//! first), checked by an *audit* that derives, from the shown cells and the lines alone, the
//! tightest bounds an attacker can put on every hidden cell by interval propagation;
//! suppression continues until no protected count is pinned to a value or to the range 0–10.

use crate::error::{Result, invalid};
use std::collections::VecDeque;

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

/// What is known of one cell of a table given to [`protect`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    /// A count that may be shown.
    Count(u64),
    /// A count its owner already hid: unknown here, always hidden, protected as if small.
    Withheld,
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

    fn as_cells(&self) -> Vec<Cell> {
        self.cells.iter().map(|&v| Cell::Count(v)).collect()
    }
}

/// Decides which cells of a consistent table to hide. Returns one flag per cell (`true` =
/// hidden). Every count of 1–10 is hidden, then complements until the [`audit`] passes; see
/// [`protect`]. Fails when a line does not add up.
pub fn suppress(table: &Table) -> Result<Vec<bool>> {
    table.check()?;
    Ok(protect(&table.as_cells(), &table.lines))
}

/// The cells of a consistent table an attacker could still learn too much about, with
/// `hidden` hidden: hidden cells whose bounds are a single value or, for a count of 1–10, lie
/// within 0–10.
pub fn audit(table: &Table, hidden: &[bool]) -> Vec<usize> {
    let mut w = Work::new(&table.as_cells(), &table.lines);
    for (h, &x) in w.hidden.iter_mut().zip(hidden) {
        *h = x;
    }
    match w.exposed() {
        Some(e) => e.cells,
        None => (0..table.cells.len()).filter(|&i| hidden[i]).collect(),
    }
}

/// Decides which cells to hide, whatever the table is like: cells may be withheld already and
/// lines may not add up (see the module's notes). Returns one flag per cell of `cells`.
///
/// Every count of 1–10 and every withheld cell is hidden (primary suppression). Then, in every
/// line that has a hidden cell, at least two cells are hidden and — when the line's total is
/// shown — what the hidden members add up to (the total less the shown members) is 0 or more
/// than 10, so that no small count can be pinned by subtraction. Complements are the smallest
/// non-zero shown members, then zeros, then the line's total. Last, the audit (interval
/// propagation over every line) must find nothing exposed; where it does, more cells are
/// hidden. Lines referring to cells that do not exist are ignored.
pub fn protect(cells: &[Cell], lines: &[Line]) -> Vec<bool> {
    let mut w = Work::new(cells, lines);
    w.run();
    w.hidden.truncate(cells.len());
    w.hidden
}

/// A cell as the algorithm sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A count that may be shown.
    Shown(u64),
    /// A line's remainder: never shown.
    Implicit(u64),
    Withheld,
}

impl Kind {
    /// Whether bounds on the cell must not pin it to 0–10.
    fn protected(self) -> bool {
        match self {
            Kind::Shown(v) | Kind::Implicit(v) => is_small(v),
            Kind::Withheld => true,
        }
    }
}

#[derive(Debug, Clone)]
struct WLine {
    total: usize,
    members: Vec<usize>,
    /// Has a withheld cell, so an unknown remainder (taken as 0 in bounds).
    open: bool,
}

/// "No upper bound" in the audit's integer arithmetic (counts are below 2^64).
const INF: i128 = 1 << 100;
/// How many times, on average, each line may be revisited by the audit's propagation before
/// it gives up; giving up hides the whole table, which is safe.
const PROPAGATION_VISITS: usize = 64;

struct Work {
    kinds: Vec<Kind>,
    lines: Vec<WLine>,
    /// For each cell, the lines it is in (as total or member).
    lines_of: Vec<Vec<usize>>,
    hidden: Vec<bool>,
}

/// What the audit found.
struct Exposed {
    cells: Vec<usize>,
    /// Open lines whose unknown remainder is pinned to 0–10.
    remainders: Vec<usize>,
}

impl Work {
    fn new(cells: &[Cell], lines: &[Line]) -> Self {
        let mut kinds: Vec<Kind> = cells
            .iter()
            .map(|c| match *c {
                Cell::Count(v) => Kind::Shown(v),
                Cell::Withheld => Kind::Withheld,
            })
            .collect();
        let n = cells.len();
        let mut wlines = Vec::new();
        for l in lines {
            if l.total >= n || l.members.iter().any(|&m| m >= n || m == l.total) {
                continue;
            }
            let value = |i: usize| match kinds[i] {
                Kind::Shown(v) | Kind::Implicit(v) => Some(v),
                Kind::Withheld => None,
            };
            let known: u128 = l
                .members
                .iter()
                .filter_map(|&m| value(m))
                .map(u128::from)
                .sum();
            let open = l.members.iter().any(|&m| value(m).is_none());
            let total = value(l.total);
            let mut members = l.members.clone();
            match total {
                Some(t) if known > u128::from(t) => continue, // not a sum
                Some(t) if !open && known < u128::from(t) => {
                    kinds.push(Kind::Implicit(t - known as u64));
                    members.push(kinds.len() - 1);
                }
                _ => {}
            }
            wlines.push(WLine {
                total: l.total,
                members,
                open: open || total.is_none(),
            });
        }
        let mut lines_of = vec![Vec::new(); kinds.len()];
        for (li, l) in wlines.iter().enumerate() {
            lines_of[l.total].push(li);
            for &m in &l.members {
                lines_of[m].push(li);
            }
        }
        let hidden = kinds
            .iter()
            .map(|&k| match k {
                Kind::Shown(v) => is_small(v),
                Kind::Implicit(_) | Kind::Withheld => true,
            })
            .collect();
        Self {
            kinds,
            lines: wlines,
            lines_of,
            hidden,
        }
    }

    fn value(&self, i: usize) -> Option<u64> {
        match self.kinds[i] {
            Kind::Shown(v) | Kind::Implicit(v) => Some(v),
            Kind::Withheld => None,
        }
    }

    fn run(&mut self) {
        loop {
            self.make_lines_safe();
            let Some(exposed) = self.exposed() else {
                self.hide_all();
                return;
            };
            if exposed.cells.is_empty() && exposed.remainders.is_empty() {
                return;
            }
            let mut changed = false;
            for cell in exposed.cells {
                for li in self.lines_of[cell].clone() {
                    changed |= self.hide_complement(li).is_some();
                }
            }
            for li in exposed.remainders {
                if self.hide_complement(li).is_some() {
                    changed = true;
                } else {
                    for lj in self.lines_of[self.lines[li].total].clone() {
                        changed |= self.hide_complement(lj).is_some();
                    }
                }
            }
            if !changed {
                // Nothing left to hide where the exposure is: hide everything rather than
                // publish a derivable count.
                self.hide_all();
                return;
            }
        }
    }

    fn hide_all(&mut self) {
        self.hidden.iter_mut().for_each(|h| *h = true);
    }

    /// Fixes unsafe lines until none is left, revisiting only the lines a new complement is in.
    fn make_lines_safe(&mut self) {
        let mut queued = vec![true; self.lines.len()];
        let mut queue: VecDeque<usize> = (0..self.lines.len()).collect();
        while let Some(li) = queue.pop_front() {
            queued[li] = false;
            if self.line_safe(li) {
                continue;
            }
            let Some(c) = self.hide_complement(li) else {
                continue; // everything in it is hidden already
            };
            for &lj in &self.lines_of[c] {
                if !queued[lj] {
                    queued[lj] = true;
                    queue.push_back(lj);
                }
            }
        }
    }

    fn line_safe(&self, li: usize) -> bool {
        let l = &self.lines[li];
        let hidden: Vec<usize> = std::iter::once(l.total)
            .chain(l.members.iter().copied())
            .filter(|&c| self.hidden[c])
            .collect();
        // A remainder that is not small may be pinned: it is no one's count.
        let matters = |c: usize| !matches!(self.kinds[c], Kind::Implicit(v) if !is_small(v));
        if !hidden.iter().any(|&c| matters(c)) {
            return true;
        }
        if hidden.len() < 2 {
            return false;
        }
        if self.hidden[l.total] {
            return true;
        }
        let Some(total) = self.value(l.total) else {
            return true;
        };
        let shown: u128 = l
            .members
            .iter()
            .filter(|&&m| !self.hidden[m])
            .filter_map(|&m| self.value(m))
            .map(u128::from)
            .sum();
        let mass = u128::from(total).saturating_sub(shown);
        mass == 0 || mass > u128::from(MAX_HIDDEN)
    }

    /// Hides one more cell of line `li` and says which; `None` when all are hidden already.
    fn hide_complement(&mut self, li: usize) -> Option<usize> {
        let l = &self.lines[li];
        let shown_value = |c: usize| match self.kinds[c] {
            Kind::Shown(v) if !self.hidden[c] => Some(v),
            _ => None,
        };
        let pick = l
            .members
            .iter()
            .copied()
            .filter_map(|m| shown_value(m).filter(|&v| v > 0).map(|v| (v, m)))
            .min()
            .map(|(_, m)| m)
            .or_else(|| {
                l.members
                    .iter()
                    .copied()
                    .find(|&m| shown_value(m).is_some())
            })
            .or_else(|| shown_value(l.total).map(|_| l.total));
        if let Some(c) = pick {
            self.hidden[c] = true;
        }
        pick
    }

    /// Interval propagation from the shown cells over every line. `None` when it contradicts
    /// itself or does not settle within its budget.
    ///
    /// The unknown remainder of a line with a withheld cell is taken as 0: an attacker who
    /// knows a margin is complete learns the most, and one who does not learns less than these
    /// bounds. If that makes the bounds contradict each other, some such margin does not add
    /// up, which margin cannot be known here, and so no bound can be trusted: the caller then
    /// hides the whole table.
    fn exposed(&self) -> Option<Exposed> {
        let n = self.kinds.len();
        let mut lo = vec![0i128; n];
        let mut hi = vec![INF; n];
        for i in 0..n {
            if let (false, Some(v)) = (self.hidden[i], self.value(i)) {
                lo[i] = i128::from(v);
                hi[i] = i128::from(v);
            }
        }
        let mut queued = vec![true; self.lines.len()];
        let mut queue: VecDeque<usize> = (0..self.lines.len()).collect();
        let mut budget = PROPAGATION_VISITS * self.lines.len().max(1) + 16;
        while let Some(li) = queue.pop_front() {
            queued[li] = false;
            budget = budget.checked_sub(1)?;
            let l = &self.lines[li];
            let sum_lo: i128 = l.members.iter().map(|&m| lo[m]).sum();
            // Upper bounds: the sum of the bounded ones and how many are unbounded.
            let unbounded = l.members.iter().filter(|&&m| hi[m] >= INF).count();
            let bounded_hi: i128 = l.members.iter().map(|&m| hi[m]).filter(|&h| h < INF).sum();
            let sum_hi = if unbounded > 0 { INF } else { bounded_hi };
            let mut changed = Vec::new();
            if tighten(&mut lo[l.total], &mut hi[l.total], sum_lo, sum_hi) {
                changed.push(l.total);
            }
            let (t_lo, t_hi) = (lo[l.total], hi[l.total]);
            if t_lo > t_hi {
                return None;
            }
            for &m in &l.members {
                let others_lo = sum_lo - lo[m];
                let others_hi = if hi[m] >= INF {
                    (unbounded == 1).then_some(bounded_hi)
                } else {
                    (unbounded == 0).then(|| bounded_hi - hi[m])
                };
                let new_lo = others_hi.map_or(0, |o| t_lo - o);
                let new_hi = if t_hi >= INF { INF } else { t_hi - others_lo };
                if tighten(&mut lo[m], &mut hi[m], new_lo, new_hi) {
                    if lo[m] > hi[m] {
                        return None;
                    }
                    changed.push(m);
                }
            }
            for c in changed {
                for &lj in &self.lines_of[c] {
                    if !queued[lj] {
                        queued[lj] = true;
                        queue.push_back(lj);
                    }
                }
            }
        }
        let small = i128::from(MAX_HIDDEN);
        let cells = (0..n)
            .filter(|&i| self.hidden[i])
            .filter(|&i| match self.kinds[i] {
                Kind::Shown(_) => lo[i] == hi[i] || (self.kinds[i].protected() && hi[i] <= small),
                Kind::Implicit(_) | Kind::Withheld => self.kinds[i].protected() && hi[i] <= small,
            })
            .collect();
        let remainders = (0..self.lines.len())
            .filter(|&li| {
                let l = &self.lines[li];
                l.open && hi[l.total] < INF && {
                    let members_lo: i128 = l.members.iter().map(|&m| lo[m]).sum();
                    hi[l.total] - members_lo <= small
                }
            })
            .collect();
        Some(Exposed { cells, remainders })
    }
}

fn tighten(lo: &mut i128, hi: &mut i128, new_lo: i128, new_hi: i128) -> bool {
    let mut changed = false;
    if new_lo > *lo {
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

    fn line(total: usize, members: &[usize]) -> Line {
        Line {
            total,
            members: members.to_vec(),
        }
    }

    #[test]
    fn a_shortfall_is_a_remainder_cell_with_the_same_protection() {
        // Female 5/149 and Male 94/150 of 100/300: showing Male leaves Female at 5 or 6.
        let cells = [Cell::Count(100), Cell::Count(5), Cell::Count(94)];
        let h = protect(&cells, &[line(0, &[1, 2])]);
        assert_eq!(h, [false, true, true]);
        // A remainder too large to matter does not hide more than the small cell's complement.
        let cells = [Cell::Count(100), Cell::Count(5), Cell::Count(70)];
        let h = protect(&cells, &[line(0, &[1, 2])]);
        assert_eq!(h, [false, true, false], "Female is anywhere in 0–30");
        // Nothing small, a remainder of 3: it is never shown, and Male is not hidden for it…
        let cells = [Cell::Count(100), Cell::Count(50), Cell::Count(47)];
        let h = protect(&cells, &[line(0, &[1, 2])]);
        assert_eq!(h, [false, false, true], "…but 100 − 50 − 47 would pin it");
    }

    #[test]
    fn a_withheld_cell_is_never_left_derivable() {
        // The owner left Female empty without a complement: Female = 100 − 95.
        let cells = [Cell::Count(100), Cell::Withheld, Cell::Count(95)];
        let h = protect(&cells, &[line(0, &[1, 2])]);
        assert_eq!(h, [false, true, true]);
        // Properly complemented by its owner: nothing more is hidden.
        let cells = [
            Cell::Count(100),
            Cell::Withheld,
            Cell::Withheld,
            Cell::Count(60),
        ];
        let h = protect(&cells, &[line(0, &[1, 2, 3])]);
        assert_eq!(h, [false, true, true, false]);
    }

    #[test]
    fn a_line_that_overflows_is_not_a_sum() {
        let cells = [Cell::Count(100), Cell::Count(60), Cell::Count(60)];
        assert_eq!(protect(&cells, &[line(0, &[1, 2])]), [false; 3]);
    }

    #[test]
    fn bad_lines_are_ignored() {
        let cells = [Cell::Count(100), Cell::Count(60)];
        assert_eq!(protect(&cells, &[line(0, &[1, 7])]), [false; 2]);
    }
}
