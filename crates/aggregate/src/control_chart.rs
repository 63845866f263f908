//! A control or run chart as SVG, drawn the way QI teams read them: the series, the centre
//! line and the limits of each phase (stepped where n varies), points outside the limits and
//! phases with a runs signal in the warning colour, phases labelled, the end of a frozen
//! baseline marked. Hand-written for the same reason as [`crate::chart`].

use crate::chart::{esc, nice_scale};
use rise_spc::{Analysis, Chart};
use std::fmt::Write;

pub(crate) const WIDTH: f64 = 760.0;
pub(crate) const HEIGHT: f64 = 340.0;
pub(crate) const LEFT: f64 = 64.0;
pub(crate) const RIGHT: f64 = 24.0;
pub(crate) const TOP: f64 = 58.0;
pub(crate) const BOTTOM: f64 = 62.0;
pub(crate) const INK: &str = "#1f2933";
pub(crate) const LINE: &str = "#3b6ea5";
pub(crate) const WARN: &str = "#c2410c";
pub(crate) const MUTED: &str = "#7b8794";

/// The chart of `analysis`, one label per point in `x`. `id` must be unique on the page.
pub fn control_chart(id: &str, title: &str, x: &[String], analysis: &Analysis) -> String {
    control_chart_on(id, title, x, analysis, None)
}

/// The same on a given y range (small multiples share one scale, so that a higher line means
/// a higher rate from chart to chart).
pub fn control_chart_on(
    id: &str,
    title: &str,
    x: &[String],
    analysis: &Analysis,
    range: Option<(f64, f64)>,
) -> String {
    let pts = &analysis.points;
    let k = pts.len().max(1);
    let values: Vec<f64> = pts
        .iter()
        .flat_map(|p| [p.y, p.cl, p.lcl, p.ucl])
        .flatten()
        .collect();
    let (mut lo, mut hi) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(*v), b.max(*v))
        });
    if let Some((a, b)) = range {
        (lo, hi) = (a.min(lo), b.max(hi));
    }
    if !lo.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    if hi - lo < 1e-12 {
        hi = lo + 1.0;
    }
    let (step, _) = nice_scale((hi - lo) * 1.1, false);
    let padded = ((lo - 0.05 * (hi - lo)) / step).floor() * step;
    // Rates and counts never go below zero: no axis below it.
    let lo = if lo >= 0.0 { padded.max(0.0) } else { padded };
    let hi = ((hi + 0.05 * (hi - lo)) / step).ceil() * step;
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let sx = |i: usize| LEFT + plot_w * (i as f64 + 0.5) / k as f64;
    let sy = |v: f64| TOP + plot_h * (1.0 - (v - lo) / (hi - lo));

    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" aria-labelledby="{id}-t {id}-d" font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif"><title id="{id}-t">{t}</title><desc id="{id}-d">{d}</desc><rect width="100%" height="100%" fill="#fff"/>"##,
        t = esc(title),
        d = esc(&describe(analysis)),
    );
    let _ = write!(
        s,
        r#"<text x="{LEFT}" y="22" font-size="15" font-weight="600" fill="{INK}">{}</text>"#,
        esc(title)
    );
    let _ = write!(
        s,
        r#"<text x="{LEFT}" y="40" font-size="11" fill="{MUTED}">{}</text>"#,
        esc(&subtitle(analysis))
    );
    // Grid and y axis.
    let mut v = lo;
    while v <= hi + step * 1e-6 {
        let y = sy(v);
        let _ = write!(
            s,
            r##"<line x1="{LEFT}" x2="{x2}" y1="{y:.1}" y2="{y:.1}" stroke="#e4e7eb"/><text x="{tx}" y="{ty:.1}" font-size="10" fill="{MUTED}" text-anchor="end">{label}</text>"##,
            x2 = WIDTH - RIGHT,
            tx = LEFT - 6.0,
            ty = y + 3.5,
            label = tick(v, step)
        );
        v += step;
    }
    // Phases: divider, label, centre line and limits as steps.
    for part in &analysis.parts {
        let idx: Vec<usize> = (0..pts.len())
            .filter(|&i| pts[i].part == part.part)
            .collect();
        let (Some(&first), Some(&last)) = (idx.first(), idx.last()) else {
            continue;
        };
        let x0 = sx(first) - plot_w / k as f64 / 2.0;
        let x1 = sx(last) + plot_w / k as f64 / 2.0;
        if first > 0 {
            let _ = write!(
                s,
                r#"<line x1="{x0:.1}" x2="{x0:.1}" y1="{TOP}" y2="{b}" stroke="{MUTED}" stroke-dasharray="2 3"/>"#,
                b = HEIGHT - BOTTOM
            );
        }
        if analysis.parts.len() > 1 {
            let _ = write!(
                s,
                r#"<text x="{:.1}" y="{}" font-size="11" fill="{INK}" text-anchor="middle">Phase {}</text>"#,
                (x0 + x1) / 2.0,
                TOP - 4.0,
                part.part
            );
        }
        let cl_colour = if part.runs_signal { WARN } else { INK };
        let step_line = |get: &dyn Fn(usize) -> Option<f64>| -> String {
            let mut d = String::new();
            let mut pen = false;
            for &i in &idx {
                let half = plot_w / k as f64 / 2.0;
                match get(i) {
                    Some(v) => {
                        let y = sy(v);
                        let cmd = if pen { 'L' } else { 'M' };
                        let _ = write!(
                            d,
                            "{cmd}{:.1},{y:.1}L{:.1},{y:.1}",
                            sx(i) - half,
                            sx(i) + half
                        );
                        pen = true;
                    }
                    None => pen = false,
                }
            }
            d
        };
        let cl = step_line(&|i| pts[i].cl);
        let _ = write!(
            s,
            r#"<path d="{cl}" fill="none" stroke="{cl_colour}" stroke-width="1.5"/>"#
        );
        for get in [
            &(|i: usize| pts[i].ucl) as &dyn Fn(usize) -> Option<f64>,
            &|i: usize| pts[i].lcl,
        ] {
            let d = step_line(get);
            if !d.is_empty() {
                let _ = write!(
                    s,
                    r#"<path d="{d}" fill="none" stroke="{MUTED}" stroke-width="1.2" stroke-dasharray="5 3"/>"#
                );
            }
        }
    }
    // End of a frozen baseline.
    if let Some(last_base) = pts.iter().rposition(|p| p.baseline)
        && last_base + 1 < pts.len()
        && analysis.parts.len() == 1
    {
        let x = sx(last_base) + plot_w / k as f64 / 2.0;
        let _ = write!(
            s,
            r#"<line x1="{x:.1}" x2="{x:.1}" y1="{TOP}" y2="{b}" stroke="{INK}" stroke-dasharray="4 3"/><text x="{tx:.1}" y="{ty}" font-size="11" fill="{INK}">baseline ends · change tested from here</text>"#,
            b = HEIGHT - BOTTOM,
            tx = x + 4.0,
            ty = TOP - 4.0
        );
    }
    // The series, with gaps where a value is missing.
    let mut d = String::new();
    let mut pen = false;
    for (i, p) in pts.iter().enumerate() {
        match p.y {
            Some(v) => {
                let _ = write!(
                    d,
                    "{}{:.1},{:.1}",
                    if pen { 'L' } else { 'M' },
                    sx(i),
                    sy(v)
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
        let Some(v) = p.y else { continue };
        let (fill, r) = if p.sigma_signal {
            (WARN, 4.5)
        } else if p.runs_signal {
            (WARN, 3.0)
        } else {
            (LINE, 3.0)
        };
        let fill = if p.include { fill } else { "#fff" };
        let label = x.get(i).cloned().unwrap_or_else(|| p.position.to_string());
        let _ = write!(
            s,
            r#"<circle cx="{:.1}" cy="{:.1}" r="{r}" fill="{fill}" stroke="{stroke}" stroke-width="1.2"><title>{}: {}</title></circle>"#,
            sx(i),
            sy(v),
            esc(&label),
            tick(v, step / 100.0),
            stroke = if p.sigma_signal || p.runs_signal {
                WARN
            } else {
                LINE
            },
        );
    }
    for i in (0..pts.len()).step_by(label_step(x, k, plot_w)) {
        let label = x.get(i).cloned().unwrap_or_else(|| (i + 1).to_string());
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{}" font-size="10" fill="{MUTED}" text-anchor="middle">{}</text>"#,
            sx(i),
            HEIGHT - BOTTOM + 16.0,
            esc(&label)
        );
    }
    legend(&mut s, analysis.chart);
    s.push_str("</svg>");
    s
}

fn legend(s: &mut String, chart: Chart) {
    let y = HEIGHT - 16.0;
    let centre = if matches!(chart, Chart::Run | Chart::G) {
        "median"
    } else {
        "centre line"
    };
    let mut items: Vec<(&str, &str)> = vec![("line-ink", centre)];
    if chart != Chart::Run {
        items.push(("line-dash", "3-sigma limits"));
        items.push(("dot", "outside the limits"));
    }
    items.push(("line-warn", "runs signal (shift or trend)"));
    let mut x = LEFT;
    for (kind, text) in items {
        let x2 = x + 16.0;
        let mark = match kind {
            "line-ink" => format!(
                r#"<line x1="{x}" x2="{x2}" y1="{y}" y2="{y}" stroke="{INK}" stroke-width="1.5"/>"#
            ),
            "line-dash" => format!(
                r#"<line x1="{x}" x2="{x2}" y1="{y}" y2="{y}" stroke="{MUTED}" stroke-dasharray="5 3"/>"#
            ),
            "dot" => format!(
                r#"<circle cx="{}" cy="{y}" r="4.5" fill="{WARN}"/>"#,
                x + 8.0
            ),
            _ => format!(
                r#"<line x1="{x}" x2="{x2}" y1="{y}" y2="{y}" stroke="{WARN}" stroke-width="1.5"/>"#
            ),
        };
        let _ = write!(
            s,
            r#"{mark}<text x="{tx}" y="{ty}" font-size="11" fill="{INK}">{}</text>"#,
            esc(text),
            tx = x + 22.0,
            ty = y + 4.0
        );
        x += 30.0 + 6.0 * text.chars().count() as f64;
    }
}

/// Every how many of `k` points an x label goes, so that labels as wide as the widest of
/// `labels` fit across `plot_w` without touching.
pub(crate) fn label_step(labels: &[String], k: usize, plot_w: f64) -> usize {
    let widest = labels
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(2)
        .max(2) as f64;
    let fit = (plot_w / (widest * 6.2 + 10.0)).floor().max(1.0) as usize;
    k.div_ceil(fit).max(1)
}

pub(crate) fn tick(v: f64, step: f64) -> String {
    // A step of 0.025 needs three decimals, not two: count the digits the step itself has.
    let decimals = (0..6)
        .find(|&d| {
            let scaled = step * 10f64.powi(d);
            (scaled - scaled.round()).abs() < 1e-6 * scaled.max(1.0)
        })
        .unwrap_or(6) as usize;
    // Limits computed as sums land on -0.0000001 rather than 0; never print "-0.000".
    let v = if v.abs() < step * 1e-6 { 0.0 } else { v };
    format!("{v:.decimals$}")
}

fn subtitle(a: &Analysis) -> String {
    let outside = a.points.iter().filter(|p| p.sigma_signal).count();
    let runs: Vec<String> = a
        .parts
        .iter()
        .filter(|p| p.runs_signal)
        .map(|p| p.part.to_string())
        .collect();
    let mut parts = vec![a.chart.description().to_string()];
    if a.chart != Chart::Run {
        parts.push(format!("{outside} point(s) outside the limits"));
    }
    parts.push(if runs.is_empty() {
        "no runs signal".into()
    } else if a.parts.len() == 1 {
        "runs signal: non-random variation".into()
    } else {
        format!("runs signal in phase {}", runs.join(", "))
    });
    parts.join(" · ")
}

fn describe(a: &Analysis) -> String {
    format!("{} points. {}", a.points.len(), subtitle(a))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rise_spc::{Settings, Subgroup, analyse};

    #[test]
    fn draws_signals_phases_and_gaps() {
        let mut groups: Vec<Subgroup> = (0..24)
            .map(|i| Subgroup::ratio(f64::from(10 + i % 3), 100.0))
            .collect();
        groups[5] = Subgroup::ratio(60.0, 100.0);
        groups[8] = Subgroup::of([(None, None)], true);
        let mut s = Settings::new(Chart::P);
        s.part = vec![12];
        let a = analyse(&groups, &s).unwrap();
        let labels: Vec<String> = (1..=24).map(|i| format!("m{i}")).collect();
        let svg = control_chart("c1", "Falls <per> 100", &labels, &a);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("Falls &lt;per&gt; 100"));
        assert!(svg.contains("Phase 2"));
        assert!(
            svg.contains(&format!(r#"r="4.5" fill="{WARN}""#)),
            "the outlier is flagged"
        );
        // The missing month breaks the series: two move-tos in the series path.
        let series = svg
            .split(&format!(r#"stroke="{LINE}" stroke-width="1.8""#))
            .next()
            .and_then(|head| head.rsplit("<path d=\"").next())
            .unwrap();
        assert_eq!(series.matches('M').count(), 2);
    }
}
