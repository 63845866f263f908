//! The pictures of a [`Trend`]: one p-chart per group on one shared scale (small multiples),
//! and the gap between two groups per period with its 95 % interval and the run chart's
//! median. Suppressed periods are breaks in every line.

use crate::chart::{esc, nice_scale};
use crate::control_chart::{
    BOTTOM, HEIGHT, INK, LEFT, LINE, MUTED, RIGHT, TOP, WARN, WIDTH, control_chart_on, label_step,
    tick,
};
use crate::trend::{Gap, Series, Trend};
use rise_spc::Analysis;
use std::fmt::Write;

/// The y range every group's chart shares.
fn shared_range(charted: &[(&Series, &Analysis)]) -> Option<(f64, f64)> {
    let values = charted
        .iter()
        .flat_map(|(_, a)| a.points.iter())
        .flat_map(|p| [p.y, p.cl, p.lcl, p.ucl])
        .flatten();
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    (lo.is_finite() && hi.is_finite()).then_some((lo, hi))
}

fn charted(trend: &Trend) -> Vec<(&Series, &Analysis)> {
    trend
        .series
        .iter()
        .filter_map(|s| s.analysis.as_ref().map(|a| (s, a)))
        .collect()
}

fn group_title(series: &Series) -> String {
    let hidden = series.counts.iter().filter(|c| c.is_none()).count();
    if hidden == 0 {
        series.group.clone()
    } else {
        format!(
            "{} ({hidden} suppressed period(s) left blank)",
            series.group
        )
    }
}

/// Each charted group's p-chart as its own SVG, all on one y range, for a page to lay out
/// (the platform puts them in a grid that reflows with the screen).
pub fn group_charts(id: &str, trend: &Trend) -> Vec<String> {
    let charted = charted(trend);
    let range = shared_range(&charted);
    charted
        .iter()
        .enumerate()
        .map(|(i, (series, a))| {
            control_chart_on(
                &format!("{id}-{i}"),
                &group_title(series),
                &trend.periods,
                a,
                range,
            )
        })
        .collect()
}

/// Every group's p-chart, two to a row, all on the y range of the widest.
pub fn small_multiples(id: &str, trend: &Trend) -> String {
    let charted = charted(trend);
    let range = shared_range(&charted);
    let cols = if charted.len() > 1 { 2 } else { 1 };
    let rows = charted.len().div_ceil(cols).max(1);
    let (w, h) = (WIDTH * cols as f64, HEIGHT * rows as f64 + 36.0);
    let mut s = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{title}" font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif"><rect width="100%" height="100%" fill="#fff"/><text x="{LEFT}" y="24" font-size="16" font-weight="600" fill="{INK}">{title}</text>"##,
        title = esc(&format!(
            "{} by {}: one p-chart per group, one scale",
            trend.measure, trend.dimension
        )),
    );
    for (i, (series, a)) in charted.iter().enumerate() {
        let chart = control_chart_on(
            &format!("{id}-{i}"),
            &group_title(series),
            &trend.periods,
            a,
            range,
        );
        let (x, y) = (WIDTH * (i % cols) as f64, 36.0 + HEIGHT * (i / cols) as f64);
        s.push_str(&chart.replacen("<svg ", &format!(r#"<svg x="{x}" y="{y}" "#), 1));
    }
    let missing: Vec<&str> = trend
        .series
        .iter()
        .filter(|s| s.analysis.is_none())
        .map(|s| s.group.as_str())
        .collect();
    if !missing.is_empty() {
        let _ = write!(
            s,
            r#"<text x="{}" y="24" font-size="11" fill="{MUTED}" text-anchor="end">not charted (too few shown periods): {}</text>"#,
            w - RIGHT,
            esc(&missing.join(", "))
        );
    }
    s.push_str("</svg>");
    s
}

/// The gap per period with its interval, zero marked, and the run chart's median.
pub fn gap_chart(id: &str, trend: &Trend, gap: &Gap) -> String {
    let pts = &gap.points;
    let k = pts.len().max(1);
    let unit = if (trend.multiply - 100.0).abs() < 1e-9 {
        "percentage points"
    } else {
        "difference in rate"
    };
    let mut vals: Vec<f64> = vec![0.0];
    for p in pts.iter().filter_map(|p| p.gap.as_ref()) {
        vals.extend([Some(p.value), p.lower, p.upper].into_iter().flatten());
    }
    let (mut lo, mut hi) = vals
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(*v), b.max(*v))
        });
    if hi - lo < 1e-12 {
        hi = lo + 1.0;
    }
    let (step, _) = nice_scale((hi - lo) * 1.1, false);
    lo = ((lo - 0.05 * (hi - lo)) / step).floor() * step;
    hi = ((hi + 0.05 * (hi - lo)) / step).ceil() * step;
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let sx = |i: usize| LEFT + plot_w * (i as f64 + 0.5) / k as f64;
    let sy = |v: f64| TOP + plot_h * (1.0 - (v - lo) / (hi - lo));
    let run = gap.run.as_ref();
    let runs_signal = run.is_some_and(|a| a.parts.iter().any(|p| p.runs_signal));
    let median = run.and_then(|a| a.points.iter().find_map(|p| p.cl));
    let title = format!("Gap: {} − {}", gap.group, gap.reference);
    let subtitle = format!(
        "{unit}, 95 % interval per period · run chart: {}",
        match (median, runs_signal) {
            (None, _) => "too few periods".to_string(),
            (Some(m), true) => format!("median {m:.2}, runs signal (the gap moved)"),
            (Some(m), false) => format!("median {m:.2}, no runs signal"),
        }
    );
    let mut s = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" aria-labelledby="{id}-t" font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif"><title id="{id}-t">{t}</title><rect width="100%" height="100%" fill="#fff"/><text x="{LEFT}" y="22" font-size="15" font-weight="600" fill="{INK}">{t}</text><text x="{LEFT}" y="40" font-size="11" fill="{MUTED}">{st}</text>"##,
        t = esc(&title),
        st = esc(&subtitle),
    );
    let mut v = lo;
    while v <= hi + step * 1e-6 {
        let y = sy(v);
        let zero = v.abs() < step * 1e-6;
        let _ = write!(
            s,
            r##"<line x1="{LEFT}" x2="{x2}" y1="{y:.1}" y2="{y:.1}" stroke="{c}" stroke-width="{sw}"/><text x="{tx}" y="{ty:.1}" font-size="10" fill="{MUTED}" text-anchor="end">{label}</text>"##,
            x2 = WIDTH - RIGHT,
            c = if zero { "#52606d" } else { "#e4e7eb" },
            sw = if zero { 1.2 } else { 1.0 },
            tx = LEFT - 6.0,
            ty = y + 3.5,
            label = tick(v, step)
        );
        v += step;
    }
    if let Some(m) = median {
        let _ = write!(
            s,
            r#"<line x1="{LEFT}" x2="{x2}" y1="{y:.1}" y2="{y:.1}" stroke="{c}" stroke-width="1.5"/>"#,
            x2 = WIDTH - RIGHT,
            y = sy(m),
            c = if runs_signal { WARN } else { INK }
        );
    }
    // Intervals first, so that the line and dots sit on top.
    for (i, p) in pts.iter().enumerate() {
        let Some(e) = &p.gap else { continue };
        if let (Some(l), Some(u)) = (e.lower, e.upper) {
            let x = sx(i);
            let _ = write!(
                s,
                r##"<path d="M{x:.1},{a:.1}V{b:.1}M{x0:.1},{a:.1}H{x1:.1}M{x0:.1},{b:.1}H{x1:.1}" stroke="#9fb3c8" stroke-width="1.4" fill="none"/>"##,
                a = sy(l),
                b = sy(u),
                x0 = x - 4.0,
                x1 = x + 4.0
            );
        }
    }
    let mut d = String::new();
    let mut pen = false;
    for (i, p) in pts.iter().enumerate() {
        match &p.gap {
            Some(e) => {
                let _ = write!(
                    d,
                    "{}{:.1},{:.1}",
                    if pen { 'L' } else { 'M' },
                    sx(i),
                    sy(e.value)
                );
                pen = true;
            }
            None => pen = false,
        }
    }
    let _ = write!(
        s,
        r#"<path d="{d}" fill="none" stroke="{LINE}" stroke-width="1.8"/>"#
    );
    for (i, p) in pts.iter().enumerate() {
        let x = sx(i);
        match &p.gap {
            Some(e) => {
                let signal = run
                    .and_then(|a| a.points.get(i))
                    .is_some_and(|q| q.runs_signal);
                let _ = write!(
                    s,
                    r#"<circle cx="{x:.1}" cy="{:.1}" r="3.2" fill="{c}"><title>{}: {:.2} ({} to {})</title></circle>"#,
                    sy(e.value),
                    esc(&p.period),
                    e.value,
                    e.lower.map_or("–".into(), |v| format!("{v:.2}")),
                    e.upper.map_or("–".into(), |v| format!("{v:.2}")),
                    c = if signal { WARN } else { LINE }
                );
            }
            None => {
                let _ = write!(
                    s,
                    r#"<text x="{x:.1}" y="{:.1}" font-size="9" fill="{MUTED}" text-anchor="middle">suppressed</text>"#,
                    TOP + plot_h - 4.0
                );
            }
        }
    }
    for i in (0..pts.len()).step_by(label_step(&trend.periods, k, plot_w)) {
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{}" font-size="10" fill="{MUTED}" text-anchor="middle">{}</text>"#,
            sx(i),
            HEIGHT - BOTTOM + 16.0,
            esc(&pts[i].period)
        );
    }
    // Legend entries are laid out from their text widths so that long group names never
    // overlap the next entry.
    let y = HEIGHT - 16.0;
    let mut x = LEFT;
    let entries: [(&str, &str); 4] = [
        (LINE, "gap per period"),
        ("#9fb3c8", "95 % interval"),
        (INK, "median of the gap"),
        ("#52606d", "no gap"),
    ];
    for (i, (colour, text)) in entries.iter().enumerate() {
        let mark = if i == 1 {
            format!(
                r#"<path d="M{:.1},{:.1}V{:.1}" stroke="{colour}" stroke-width="1.4"/>"#,
                x + 8.0,
                y - 6.0,
                y + 6.0
            )
        } else {
            format!(
                r#"<line x1="{x:.1}" x2="{:.1}" y1="{y}" y2="{y}" stroke="{colour}" stroke-width="1.6"/>"#,
                x + 16.0
            )
        };
        let _ = write!(
            s,
            r#"{mark}<text x="{:.1}" y="{:.1}" font-size="11" fill="{INK}">{}</text>"#,
            x + 22.0,
            y + 4.0,
            esc(text)
        );
        x += 34.0 + 6.2 * text.chars().count() as f64;
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AggregateRow;
    use crate::trend::{TrendSpec, trend};

    #[test]
    fn draws_one_chart_per_group_and_the_gap_with_blanks_for_suppressed_cells() {
        let mut rows = Vec::new();
        for q in 1..=8 {
            let p = format!("202{}-Q{}", 4 + (q - 1) / 4, (q - 1) % 4 + 1);
            rows.push(AggregateRow::counted("m", "race", "A", &p, 20 + q, 200));
            if q == 3 {
                rows.push(AggregateRow {
                    numerator: None,
                    denominator: None,
                    suppressed: true,
                    ..AggregateRow::counted("m", "race", "B", &p, 0, 0)
                });
            } else {
                rows.push(AggregateRow::counted("m", "race", "B", &p, 40, 200));
            }
        }
        let t = trend(
            &rows,
            &TrendSpec {
                measure: "m",
                dimension: "race",
                gap: Some(("B", "A")),
                multiply: 100.0,
                freeze: None,
            },
        )
        .unwrap();
        let sm = small_multiples("sm", &t);
        assert_eq!(sm.matches("<svg ").count(), 3, "outer + one per group");
        assert!(sm.contains("B (1 suppressed period(s) left blank)"));
        let g = gap_chart("g", &t, t.gap.as_ref().unwrap());
        assert!(g.contains("Gap: B − A"));
        assert!(g.contains("percentage points"));
        assert_eq!(g.matches(">suppressed</text>").count(), 1);
        // One path break: the gap line restarts after the suppressed quarter.
        let line = g
            .split("stroke=\"#3b6ea5\" stroke-width=\"1.8\"")
            .next()
            .and_then(|s| s.rsplit("<path d=\"").next())
            .unwrap();
        assert_eq!(line.matches('M').count(), 2, "{line}");
    }
}
