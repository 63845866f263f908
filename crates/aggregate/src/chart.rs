//! Small, accessible SVG charts made on the server side, so the same chart appears in the
//! offline report, the web pages and exports. Hand-written: a few dozen lines of SVG are
//! simpler to test and to keep consistent than a plotting library (see ARCHITECTURE.md).

use std::fmt::Write;

/// Escapes text for XML/HTML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One row of a rate chart.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    /// Percent.
    pub value: f64,
    pub lower: f64,
    pub upper: f64,
    /// Drawn in the accent colour (e.g. the benchmark group).
    pub highlight: bool,
    /// Drawn in the warning colour (e.g. the worst-off group).
    pub warn: bool,
}

/// Width of every rate chart. All are drawn at one width, so their text is one size across
/// cards, and narrow enough (with each label above its row) to stay legible when a phone
/// scales it to a 390 px screen.
pub const WIDTH: f64 = 400.0;

/// A horizontal dot-and-interval chart of rates (percent) by group, with an optional
/// reference line (e.g. the overall rate). Each group's label sits above its interval. A
/// legend says what the colours mean: the comparison group (`highlight`) and the group
/// furthest behind (`warn`).
/// `id` must be unique on the page (it names the title and description for screen readers).
pub fn rate_chart(id: &str, title: &str, bars: &[Bar], reference: Option<(f64, &str)>) -> String {
    let (left, right) = (14.0, 52.0);
    let plot_w = WIDTH - left - right;
    let row_h = 40.0;
    let legend = bars.iter().any(|b| b.highlight) || bars.iter().any(|b| b.warn);
    // A long title takes two lines rather than being cut.
    let lines = wrap(title, 46);
    let title_h = 18.0 * lines.len() as f64;
    let top = title_h + if legend { 32.0 } else { 12.0 };
    let height = top + row_h * bars.len() as f64 + 30.0;
    let max = bars
        .iter()
        .map(|b| b.upper)
        .chain(reference.map(|r| r.0))
        .fold(0.0_f64, f64::max);
    let (step, axis_max) = nice_scale(max.max(1.0), false);
    let axis_max = if max <= 100.0 {
        axis_max.min(100.0)
    } else {
        axis_max
    };
    let x = |v: f64| left + plot_w * (v / axis_max).clamp(0.0, 1.0);
    let mut s = String::new();
    let desc: Vec<String> = bars
        .iter()
        .map(|b| {
            format!(
                "{} {:.1}% ({:.1}–{:.1})",
                b.label, b.value, b.lower, b.upper
            )
        })
        .collect();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" aria-labelledby="{id}-t {id}-d" class="chart rates" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" font-size="14" fill="#1f2933"><title id="{id}-t">{t}</title><desc id="{id}-d">{d}</desc>"##,
        t = esc(title),
        d = esc(&desc.join("; "))
    );
    // Presentation attributes, not a <style> element: the platform's content-security policy
    // allows no inline style, and the chart must look the same there and in the report.
    for (i, line) in lines.iter().enumerate() {
        let _ = write!(
            s,
            r##"<text x="{x}" y="{y}" font-size="14" font-weight="600">{t}</text>"##,
            x = left - 6.0,
            y = 15.0 + 18.0 * i as f64,
            t = esc(line)
        );
    }
    let legend_y = title_h + 12.0;
    if legend {
        let mut lx = left - 6.0;
        for (shown, colour, text) in [
            (
                bars.iter().any(|b| b.highlight),
                "#0f766e",
                "comparison group",
            ),
            (bars.iter().any(|b| b.warn), "#c2410c", "furthest behind"),
        ] {
            if shown {
                let _ = write!(
                    s,
                    r##"<circle cx="{cx}" cy="{legend_y}" r="5" fill="{colour}"/><text x="{tx}" y="{ty}" font-size="13" fill="#52606d">{text}</text>"##,
                    cx = lx + 5.0,
                    tx = lx + 14.0,
                    ty = legend_y + 4.5
                );
                lx += 14.0 + text.len() as f64 * 7.0 + 18.0;
            }
        }
    }
    let mut v = 0.0;
    while v <= axis_max + 1e-9 {
        let gx = x(v);
        let _ = write!(
            s,
            r##"<line x1="{gx:.1}" y1="{top}" x2="{gx:.1}" y2="{y2:.1}" stroke="#e4e7eb"/><text x="{gx:.1}" y="{ty:.1}" text-anchor="middle" font-size="13" fill="#52606d">{v}%</text>"##,
            y2 = height - 26.0,
            ty = height - 8.0,
            v = fmt_tick(v)
        );
        v += step;
    }
    if let Some((r, label)) = reference {
        let rx = x(r);
        let _ = write!(
            s,
            r##"<line x1="{rx:.1}" y1="{top}" x2="{rx:.1}" y2="{y2:.1}" stroke="#7b8794" stroke-dasharray="4 3"><title>{l} {r:.1}%</title></line>"##,
            y2 = height - 26.0,
            l = esc(label)
        );
    }
    for (i, b) in bars.iter().enumerate() {
        let row = top + row_h * i as f64;
        let cy = row + 27.0;
        let colour = if b.warn {
            "#c2410c"
        } else if b.highlight {
            "#0f766e"
        } else {
            "#334e68"
        };
        let _ = write!(
            s,
            r##"<text x="{left}" y="{ly:.1}" font-size="13">{label}</text><line x1="{x1:.1}" y1="{cy:.1}" x2="{x2:.1}" y2="{cy:.1}" stroke="{colour}" stroke-width="2.5" stroke-linecap="round"/><circle cx="{cx:.1}" cy="{cy:.1}" r="5.5" fill="{colour}"/><text x="{vx:.1}" y="{vy:.1}" font-size="13" fill="#52606d">{v:.1}%</text>"##,
            ly = row + 13.0,
            label = esc(&truncate(&b.label, 44)),
            x1 = x(b.lower),
            x2 = x(b.upper),
            cx = x(b.value),
            vx = x(b.upper) + 7.0,
            vy = cy + 4.5,
            v = b.value
        );
    }
    if let Some((r, label)) = reference {
        let _ = write!(
            s,
            r##"<text x="{tx:.1}" y="{ty}" text-anchor="end" font-size="13" fill="#52606d">┆ {l} {r:.1}%</text>"##,
            tx = WIDTH - 4.0,
            ty = if legend {
                legend_y + 4.5
            } else {
                title_h + 4.0
            },
            l = esc(label)
        );
    }
    s.push_str("</svg>");
    s
}

/// Splits `s` into lines of at most about `n` characters at spaces (two lines at most; the
/// rest is cut with an ellipsis).
fn wrap(s: &str, n: usize) -> Vec<String> {
    let mut lines: Vec<String> = vec![String::new()];
    for word in s.split_whitespace() {
        let last = lines.last_mut().map_or(0, |l| l.chars().count());
        if last > 0 && last + 1 + word.chars().count() > n {
            lines.push(String::new());
        }
        if let Some(l) = lines.last_mut() {
            if !l.is_empty() {
                l.push(' ');
            }
            l.push_str(word);
        }
    }
    if lines.len() > 2 {
        let rest = lines[1..].join(" ");
        lines.truncate(1);
        lines.push(truncate(&rest, n));
    }
    lines
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

/// An axis for values up to `max`: `(step, top)` with at most five steps of 1, 2, 2.5 or 5
/// times a power of ten (0/5/10/15/20, 0/25/50/75/100). `whole` keeps steps whole numbers
/// (counts of people).
pub fn nice_scale(max: f64, whole: bool) -> (f64, f64) {
    let max = if max.is_finite() && max > 0.0 {
        max
    } else {
        1.0
    };
    let mut power = 10f64.powi(max.log10().floor() as i32 - 1);
    loop {
        for m in [1.0, 2.0, 2.5, 5.0] {
            let step = m * power;
            if whole && (step < 1.0 || step.fract() != 0.0) {
                continue;
            }
            let n = (max / step - 1e-9).ceil().max(1.0);
            if n <= 5.0 {
                return (step, n * step);
            }
        }
        power *= 10.0;
    }
}

fn fmt_tick(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_end_on_round_values() {
        assert_eq!(nice_scale(18.2, false), (5.0, 20.0));
        assert_eq!(nice_scale(97.0, false), (20.0, 100.0));
        assert_eq!(nice_scale(83.0, false), (20.0, 100.0));
        assert_eq!(nice_scale(4.2, false), (1.0, 5.0));
        assert_eq!(nice_scale(0.7, false), (0.2, 0.8));
        assert_eq!(nice_scale(3.0, true), (1.0, 3.0));
        assert_eq!(nice_scale(7.0, true), (2.0, 8.0));
        assert_eq!(nice_scale(480.0, true), (100.0, 500.0));
        assert_eq!(nice_scale(0.0, true), (1.0, 1.0));
    }

    #[test]
    fn chart_is_accessible_svg_with_every_group() {
        let bars = vec![
            Bar {
                label: "A & B".into(),
                value: 40.0,
                lower: 35.0,
                upper: 45.0,
                highlight: true,
                warn: false,
            },
            Bar {
                label: "C".into(),
                value: 20.0,
                lower: 15.0,
                upper: 25.0,
                highlight: false,
                warn: true,
            },
        ];
        let svg = rate_chart("c1", "Screening <by group>", &bars, Some((30.0, "overall")));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains(r#"role="img""#));
        assert!(svg.contains("<title id=\"c1-t\">Screening &lt;by group&gt;</title>"));
        assert!(svg.contains("A &amp; B 40.0% (35.0–45.0)"));
        assert_eq!(svg.matches("r=\"5.5\"").count(), 2, "one dot per group");
        assert!(!svg.contains("NaN"));
        assert!(
            !svg.contains("<style"),
            "no inline style: the platform's CSP forbids it"
        );
        // Every chart has one width, so text is one size across cards.
        let long = vec![Bar {
            label: "American Indian or Alaska Native".into(),
            ..bars[0].clone()
        }];
        assert!(rate_chart("c2", "t", &long, None).contains("viewBox=\"0 0 400 "));
        // A long title wraps instead of being cut.
        let t = "Blood pressure controlled (<140/90) by race and ethnicity";
        let svg2 = rate_chart("c3", t, &bars, None);
        assert!(
            svg2.contains(">Blood pressure controlled (&lt;140/90) by race</text>"),
            "{svg2}"
        );
        assert!(svg2.contains(">and ethnicity</text>"));
        assert!(svg.contains("comparison group") && svg.contains("furthest behind"));
        // Round ticks: 0/10/20/30/40/50 for an upper limit of 45 %.
        for t in ["0%", "10%", "20%", "30%", "40%", "50%"] {
            assert!(svg.contains(&format!(">{t}</text>")), "{t}");
        }
    }
}
