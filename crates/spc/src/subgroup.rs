//! A subgroup: the rows of one chart that share an `x`.

/// What qicharts2 keeps of the rows that share an `x` (its `qic.agg`): the sum, count, mean and
/// sample SD of y, the sum of n, and the plotted value y = Σy/Σn when there is a denominator
/// (else the mean). Missing values are NaN, as R's NA: a subgroup of only missing rows has
/// `y_length` 0 and a NaN `y`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Subgroup {
    pub y_sum: f64,
    pub y_length: usize,
    pub y_mean: f64,
    pub y_sd: f64,
    /// Σn; NaN when the chart has no denominator.
    pub n: f64,
    /// The plotted value before any chart-specific transformation.
    pub y: f64,
}

impl Subgroup {
    /// Summarises the `(y, n)` rows of one subgroup. With a denominator (`has_n`), a row missing
    /// either value counts as missing both (R's `complete.cases`).
    pub fn of(rows: impl IntoIterator<Item = (Option<f64>, Option<f64>)>, has_n: bool) -> Self {
        let mut ys = Vec::new();
        let mut n_sum = 0.0;
        for (y, n) in rows {
            match (y, n) {
                (Some(y), Some(n)) if has_n && y.is_finite() && n.is_finite() => {
                    ys.push(y);
                    n_sum += n;
                }
                (Some(y), _) if !has_n && y.is_finite() => ys.push(y),
                _ => {}
            }
        }
        let y_length = ys.len();
        let y_sum: f64 = ys.iter().sum();
        let y_mean = if y_length == 0 {
            f64::NAN
        } else {
            y_sum / y_length as f64
        };
        // Two passes, as R's sd does, so that near-equal values keep their digits.
        let y_sd = if y_length < 2 {
            f64::NAN
        } else {
            let ss: f64 = ys.iter().map(|v| (v - y_mean).powi(2)).sum();
            (ss / (y_length - 1) as f64).sqrt()
        };
        let (n, y) = if has_n {
            (n_sum, y_sum / n_sum)
        } else {
            (f64::NAN, y_mean)
        };
        Subgroup {
            y_sum,
            y_length,
            y_mean,
            y_sd,
            n,
            y,
        }
    }

    /// One observation with no denominator (an I, run, t or g chart point).
    pub fn value(y: f64) -> Self {
        Self::of([(Some(y), None)], false)
    }

    /// A count over a denominator (a p or u chart point).
    pub fn ratio(y: f64, n: f64) -> Self {
        Self::of([(Some(y), Some(n))], true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_and_summarises() {
        let s = Subgroup::of([(Some(1.0), Some(10.0)), (Some(3.0), Some(30.0))], true);
        assert_eq!((s.y_sum, s.y_length, s.n), (4.0, 2, 40.0));
        assert!((s.y - 0.1).abs() < 1e-15);
        assert!((s.y_sd - 2f64.sqrt()).abs() < 1e-15);
    }

    #[test]
    fn a_row_missing_n_is_missing() {
        let s = Subgroup::of([(Some(1.0), None), (Some(3.0), Some(30.0))], true);
        assert_eq!((s.y_sum, s.y_length, s.n), (3.0, 1, 30.0));
        let empty = Subgroup::of([(None, None)], false);
        assert_eq!(empty.y_length, 0);
        assert!(empty.y.is_nan() && empty.y_sd.is_nan());
    }
}
