//! The runs analysis of a run or control chart: the Anhøj rules, and the experimental best-box
//! and cut-box bounds.
//!
//! Anhøj & Olesen 2014 (*PLoS ONE* 9:e113825) and Anhøj 2015 (*PLoS ONE* 10:e0121349): a shift
//! is signalled when the longest run on one side of the centre line is longer than
//! round(log₂ n) + 3 (Schilling 2012), and too few crossings when the number of crossings is
//! below the 5th percentile of Binomial(n − 1, ½). Points on the centre line and missing values
//! are not useful: they neither break nor extend a run. Too *many* crossings is not a signal.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Which bounds decide the runs signal. qicharts2's `method` argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunsMethod {
    /// The Anhøj rules (the default, and what the published table gives).
    #[default]
    Anhoej,
    /// Anhøj & Wentzel-Larsen 2020's best box (experimental in qicharts2); 10 ≤ n ≤ 100 only,
    /// the Anhøj rules elsewhere.
    BestBox,
    /// The best box with its cut corners (same paper, same range).
    CutBox,
}

impl RunsMethod {
    pub fn name(self) -> &'static str {
        match self {
            RunsMethod::Anhoej => "anhoej",
            RunsMethod::BestBox => "bestbox",
            RunsMethod::CutBox => "cutbox",
        }
    }
}

impl fmt::Display for RunsMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for RunsMethod {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "anhoej" | "anhøj" => Ok(RunsMethod::Anhoej),
            "bestbox" => Ok(RunsMethod::BestBox),
            "cutbox" => Ok(RunsMethod::CutBox),
            _ => Err(format!(
                "unknown runs method {s:?}; expected anhoej, bestbox or cutbox"
            )),
        }
    }
}

/// What the runs analysis found in one phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Runs {
    /// Points neither missing nor on the centre line.
    pub n_useful: usize,
    /// `None` when no point is useful.
    pub longest_run: Option<usize>,
    pub longest_run_max: Option<usize>,
    pub n_crossings: Option<usize>,
    pub n_crossings_min: Option<usize>,
    pub signal: bool,
}

/// The longest run a random process of `n` useful points shows at most, in most cases:
/// round(log₂ n) + 3.
pub fn longest_run_max(n: usize) -> usize {
    // No n has log₂ n at exactly k + ½, so rounding half away from zero (Rust) and half to even
    // (R) agree.
    ((n as f64).log2().round() as usize) + 3
}

/// The fewest crossings a random process of `n` useful points shows in 95 % of cases: the
/// 5th percentile of Binomial(n − 1, ½), that is R's `qbinom(0.05, n − 1, 0.5)`.
pub fn n_crossings_min(n: usize) -> usize {
    if n <= 1 {
        return 0;
    }
    // The CDF is summed term by term (pmf(k+1) = pmf(k)·(m−k)/(k+1)) rather than through
    // statrs's regularised beta: a chart asks this once per phase, and a hundred facets must
    // stay well under a millisecond. Past 1000 trials ½^m underflows, so the terms are carried
    // in log space there. P(X ≤ c) for p = ½ is a dyadic rational, never exactly 0.05, so
    // rounding cannot move the answer (checked against R's qbinom up to n = 5000 in the tests).
    let m = (n - 1) as f64;
    let in_logs = n > 1000;
    let mut term = if in_logs {
        m * 0.5f64.ln()
    } else {
        0.5f64.powf(m)
    };
    let mut cdf = 0.0;
    let mut c = 0usize;
    loop {
        cdf += if in_logs { term.exp() } else { term };
        if cdf >= 0.05 || c + 1 >= n {
            return c;
        }
        let ratio = (m - c as f64) / (c as f64 + 1.0);
        if in_logs {
            term += ratio.ln();
        } else {
            term *= ratio;
        }
        c += 1;
    }
}

/// Best-box and cut-box bounds for n = 10..100 (Anhøj & Wentzel-Larsen 2020, *PLoS ONE*
/// 15:e0233920, as tabulated in qicharts2): (cb, lb, cbord, lbord) — the fewest crossings and
/// the longest run inside the best box, and the cut-box corner where the paper gives one.
const BOXES: [(usize, usize, Option<usize>, Option<usize>); 91] = [
    (2, 6, Some(3), Some(5)),
    (3, 7, Some(4), Some(6)),
    (3, 6, None, None),
    (3, 6, None, None),
    (3, 6, None, None),
    (4, 7, Some(6), Some(6)),
    (5, 8, Some(6), Some(7)),
    (5, 7, None, None),
    (5, 7, Some(6), Some(6)),
    (5, 7, Some(6), Some(5)),
    (6, 7, None, None),
    (7, 8, None, None),
    (6, 7, Some(7), Some(6)),
    (6, 7, Some(7), Some(6)),
    (6, 7, Some(7), Some(6)),
    (6, 7, None, None),
    (9, 9, Some(10), Some(7)),
    (9, 8, Some(10), Some(7)),
    (9, 8, Some(11), Some(7)),
    (10, 8, None, None),
    (11, 10, Some(12), Some(9)),
    (11, 9, Some(14), Some(8)),
    (11, 8, None, None),
    (11, 8, Some(12), Some(7)),
    (11, 8, Some(13), Some(7)),
    (12, 8, None, None),
    (13, 9, Some(15), Some(8)),
    (14, 10, None, None),
    (13, 8, None, None),
    (15, 11, None, None),
    (15, 9, None, None),
    (15, 9, Some(17), Some(8)),
    (14, 8, None, None),
    (14, 8, None, None),
    (17, 10, None, None),
    (17, 9, None, None),
    (17, 9, Some(19), Some(8)),
    (17, 9, Some(20), Some(7)),
    (19, 12, Some(20), Some(11)),
    (19, 10, Some(21), Some(9)),
    (19, 9, None, None),
    (19, 9, Some(21), Some(8)),
    (19, 9, Some(21), Some(7)),
    (21, 11, Some(23), Some(9)),
    (21, 10, Some(23), Some(8)),
    (21, 9, None, None),
    (21, 9, Some(23), Some(8)),
    (23, 12, Some(25), Some(11)),
    (23, 10, Some(24), Some(9)),
    (23, 10, Some(26), Some(8)),
    (23, 9, None, None),
    (23, 9, Some(24), Some(8)),
    (25, 11, Some(27), Some(9)),
    (25, 10, Some(27), Some(9)),
    (26, 11, Some(27), Some(10)),
    (26, 10, Some(27), Some(9)),
    (27, 12, Some(29), Some(10)),
    (27, 10, None, None),
    (27, 10, Some(29), Some(8)),
    (28, 11, Some(29), Some(8)),
    (29, 14, Some(30), Some(13)),
    (29, 11, Some(31), Some(9)),
    (29, 10, Some(30), Some(9)),
    (30, 11, Some(31), Some(10)),
    (30, 10, None, None),
    (31, 12, Some(32), Some(9)),
    (31, 11, Some(34), Some(8)),
    (31, 10, Some(33), Some(9)),
    (32, 11, Some(33), Some(8)),
    (33, 13, Some(37), Some(11)),
    (33, 11, Some(35), Some(9)),
    (33, 10, None, None),
    (34, 11, Some(36), Some(10)),
    (33, 10, Some(36), Some(7)),
    (35, 11, None, None),
    (35, 11, Some(38), Some(8)),
    (35, 10, Some(36), Some(9)),
    (35, 10, Some(38), Some(8)),
    (37, 12, Some(38), Some(10)),
    (37, 11, Some(39), Some(9)),
    (38, 12, None, None),
    (37, 10, Some(39), Some(9)),
    (39, 13, Some(41), Some(12)),
    (39, 11, Some(40), Some(10)),
    (39, 11, Some(42), Some(8)),
    (39, 10, None, None),
    (39, 10, Some(41), Some(8)),
    (41, 12, Some(42), Some(9)),
    (41, 11, Some(44), Some(9)),
    (42, 12, Some(43), Some(10)),
    (41, 10, Some(42), Some(9)),
];

fn box_signal(method: RunsMethod, n: usize, longest: usize, crossings: usize) -> Option<bool> {
    if !(10..=100).contains(&n) {
        return None;
    }
    let (cb, lb, cbord, lbord) = BOXES[n - 10];
    let best = !(crossings >= cb && longest <= lb);
    match (method, cbord, lbord) {
        (RunsMethod::CutBox, Some(cbord), Some(lbord)) => {
            let inside = (crossings > cb && longest < lb)
                || (crossings == cb && longest <= lbord)
                || (crossings >= cbord && longest <= lb);
            Some(!inside)
        }
        _ => Some(best),
    }
}

/// The runs analysis of the values `y` against the centre line `cl` (one per point), missing
/// values being NaN.
pub fn analyse(y: &[f64], cl: &[f64], method: RunsMethod) -> Runs {
    let mut n_useful = 0;
    let mut longest = 0;
    let mut runs = 0;
    let mut current = 0;
    let mut last = 0.0;
    for (v, c) in y.iter().zip(cl) {
        let d = v - c;
        if d.is_nan() || d == 0.0 {
            continue;
        }
        let side = d.signum();
        n_useful += 1;
        if side == last {
            current += 1;
        } else {
            runs += 1;
            current = 1;
            last = side;
        }
        longest = longest.max(current);
    }
    if n_useful == 0 {
        return Runs {
            n_useful,
            longest_run: None,
            longest_run_max: None,
            n_crossings: None,
            n_crossings_min: None,
            signal: false,
        };
    }
    let crossings = runs - 1;
    let max = longest_run_max(n_useful);
    let min = n_crossings_min(n_useful);
    let anhoej = longest > max || crossings < min;
    let signal = match method {
        RunsMethod::Anhoej => anhoej,
        _ => box_signal(method, n_useful, longest, crossings).unwrap_or(anhoej),
    };
    Runs {
        n_useful,
        longest_run: Some(longest),
        longest_run_max: Some(max),
        n_crossings: Some(crossings),
        n_crossings_min: Some(min),
        signal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_on_the_line_neither_break_nor_extend() {
        let cl = [0.0; 7];
        let r = analyse(
            &[1.0, 0.0, 1.0, f64::NAN, -1.0, -1.0, 0.0],
            &cl,
            RunsMethod::Anhoej,
        );
        assert_eq!(r.n_useful, 4);
        assert_eq!((r.longest_run, r.n_crossings), (Some(2), Some(1)));
    }

    #[test]
    fn nothing_useful_is_no_signal() {
        let r = analyse(&[2.0, 2.0], &[2.0, 2.0], RunsMethod::CutBox);
        assert_eq!((r.n_useful, r.longest_run, r.signal), (0, None, false));
    }

    #[test]
    fn published_corners() {
        assert_eq!((longest_run_max(10), n_crossings_min(10)), (6, 2));
        assert_eq!((longest_run_max(100), n_crossings_min(100)), (10, 41));
        assert_eq!(n_crossings_min(1), 0);
    }
}
