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

/// A horizontal dot-and-interval chart of rates (percent) by group, with an optional
/// reference line (e.g. the overall rate).
/// `id` must be unique on the page (it names the title and description for screen readers).
pub fn rate_chart(id: &str, title: &str, bars: &[Bar], reference: Option<(f64, &str)>) -> String {
    let row_h = 26.0;
    // Wide enough for the longest label at 13 px (about 7 px a character), so a long group
    // name is never cut at the left edge when the chart is scaled down.
    let longest = bars
        .iter()
        .map(|b| truncate(&b.label, 34).chars().count())
        .max()
        .unwrap_or(0);
    let label_w = (longest as f64 * 7.2 + 18.0).clamp(90.0, 260.0);
    let plot_w = 420.0;
    let top = 28.0;
    let height = top + row_h * bars.len() as f64 + 34.0;
    let width = label_w + plot_w + 70.0;
    let max = bars
        .iter()
        .map(|b| b.upper)
        .chain(reference.map(|r| r.0))
        .fold(0.0_f64, f64::max);
    let axis_max = nice_ceiling(max.max(1.0));
    let x = |v: f64| label_w + plot_w * (v / axis_max).clamp(0.0, 1.0);
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
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-labelledby="{id}-t {id}-d" class="chart" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" font-size="13" fill="#1f2933"><title id="{id}-t">{t}</title><desc id="{id}-d">{d}</desc>"##,
        t = esc(title),
        d = esc(&desc.join("; "))
    );
    // Presentation attributes, not a <style> element: the platform's content-security policy
    // allows no inline style, and the chart must look the same there and in the report.
    // Grid and axis ticks.
    for i in 0..=4 {
        let v = axis_max * f64::from(i) / 4.0;
        let gx = x(v);
        let _ = write!(
            s,
            r##"<line x1="{gx:.1}" y1="{top}" x2="{gx:.1}" y2="{y2:.1}" stroke="#e4e7eb"/><text class="tick" x="{gx:.1}" y="{ty:.1}" text-anchor="middle" font-size="11" fill="#52606d">{v}%</text>"##,
            y2 = height - 28.0,
            ty = height - 12.0,
            v = fmt_tick(v)
        );
    }
    if let Some((r, label)) = reference {
        let rx = x(r);
        let _ = write!(
            s,
            r##"<line x1="{rx:.1}" y1="{y1}" x2="{rx:.1}" y2="{y2:.1}" stroke="#7b8794" stroke-dasharray="4 3"/><text class="tick" x="{rx:.1}" y="{ty}" text-anchor="middle" font-size="11" fill="#52606d">{l} {r:.1}%</text>"##,
            y1 = top - 4.0,
            y2 = height - 28.0,
            ty = top - 10.0,
            l = esc(label)
        );
    }
    for (i, b) in bars.iter().enumerate() {
        let cy = top + row_h * (i as f64 + 0.5);
        let colour = if b.warn {
            "#c2410c"
        } else if b.highlight {
            "#0f766e"
        } else {
            "#334e68"
        };
        let _ = write!(
            s,
            r##"<text x="{lx}" y="{ty:.1}" text-anchor="end">{label}</text><line x1="{x1:.1}" y1="{cy:.1}" x2="{x2:.1}" y2="{cy:.1}" stroke="{colour}" stroke-width="2.5" stroke-linecap="round"/><circle cx="{cx:.1}" cy="{cy:.1}" r="5.5" fill="{colour}"/><text class="tick" x="{vx:.1}" y="{ty:.1}" font-size="11" fill="#52606d">{v:.1}%</text>"##,
            lx = label_w - 10.0,
            ty = cy + 4.5,
            label = esc(&truncate(&b.label, 34)),
            x1 = x(b.lower),
            x2 = x(b.upper),
            cx = x(b.value),
            vx = x(b.upper) + 8.0,
            v = b.value
        );
    }
    s.push_str("</svg>");
    s
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

fn nice_ceiling(v: f64) -> f64 {
    for step in [1.0, 2.0, 5.0, 10.0, 20.0, 25.0, 50.0, 100.0] {
        if v <= step {
            return step;
        }
    }
    (v / 100.0).ceil() * 100.0
}

fn fmt_tick(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(!svg.contains("NaN"));
        assert!(
            !svg.contains("<style"),
            "no inline style: the platform's CSP forbids it"
        );
        // The label column grows with the longest label.
        let long = vec![Bar {
            label: "American Indian or Alaska Native".into(),
            ..bars[0].clone()
        }];
        let width = |svg: &str| -> f64 {
            svg.split("viewBox=\"0 0 ")
                .nth(1)
                .and_then(|r| r.split(' ').next())
                .and_then(|w| w.parse().ok())
                .unwrap()
        };
        assert!(width(&rate_chart("c2", "t", &long, None)) > width(&svg) + 100.0);
    }
}
