//! Numbers as people read them: thousands separators, as many decimals as a difference needs
//! to agree with the two rates beside it, p-values in words a reader expects.

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A count that may be fractional (excess events), rounded to a whole number; negative values
/// are shown as 0 (an interval's lower limit below zero).
pub fn count(x: f64) -> String {
    if x.is_finite() && x > 0.0 {
        thousands(x.round() as u64)
    } else {
        "0".into()
    }
}

fn round_to(x: f64, digits: usize) -> f64 {
    let f = 10f64.powi(digits as i32);
    (x * f).round() / f
}

/// The fewest decimals (1 to 3) at which two rates and their difference, each rounded, still
/// agree — `1.66 %` against `1.54 %` is `0.12` points, not "1.7 % against 1.5 % (0.1 points)"
/// — and two different rates do not print alike.
pub fn digits_for(a: f64, b: f64) -> usize {
    for d in 1..=3 {
        let (ra, rb) = (round_to(a, d), round_to(b, d));
        let shown = round_to((a - b).abs(), d);
        let agrees = (round_to((ra - rb).abs(), d) - shown).abs() < 0.5 / 10f64.powi(d as i32);
        let distinct = a == b || ra != rb;
        if agrees && distinct {
            return d;
        }
    }
    3
}

/// A p-value for a table: `< 0.001` below a thousandth, else three decimals.
pub fn p_value(p: f64) -> String {
    if p < 0.001 {
        "< 0.001".into()
    } else {
        format!("{p:.3}")
    }
}

/// A summary measure at a precision its size warrants: two decimals below 10, one below 100,
/// none above.
pub fn measure(v: f64) -> String {
    let a = v.abs();
    if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(thousands(12_345_678), "12,345,678");
        assert_eq!(count(1234.6), "1,235");
        assert_eq!(count(-3.0), "0");
    }

    #[test]
    fn a_difference_never_contradicts_its_rates() {
        // The mortality case of issue 13: 1.66 % against 1.54 % read "1.7 against 1.5 (0.1)".
        assert_eq!(digits_for(1.66, 1.54), 2);
        assert_eq!(digits_for(66.3, 46.2), 1);
        // Two different rates never print alike.
        assert_eq!(digits_for(82.91, 82.94), 2);
        for (a, b) in [
            (1.66, 1.54),
            (12.349, 12.251),
            (45.55, 48.04),
            (0.1234, 0.1199),
        ] {
            let d = digits_for(a, b);
            let shown = |x: f64| format!("{x:.d$}").parse::<f64>().unwrap();
            let diff = format!("{:.d$}", (a - b).abs()).parse::<f64>().unwrap();
            assert!(
                ((shown(a) - shown(b)).abs() - diff).abs() < 1e-9,
                "{a} vs {b} at {d}"
            );
        }
    }

    #[test]
    fn p_values_read_as_people_expect() {
        assert_eq!(p_value(2e-6), "< 0.001");
        assert_eq!(p_value(0.0123), "0.012");
        assert_eq!(p_value(0.5), "0.500");
        assert_eq!(measure(16.976), "17.0");
        assert_eq!(measure(1.3456), "1.35");
        assert_eq!(measure(-0.0312), "-0.03");
        assert_eq!(measure(123.4), "123");
    }
}
