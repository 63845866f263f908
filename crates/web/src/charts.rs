//! The platform's own SVG charts (the measure charts come from `rise_aggregate::chart`).
//! Hand-written for the same reason: a few lines of accessible SVG, testable as text.

use rise_aggregate::chart::{esc, nice_scale};
use std::fmt::Write;

/// A step chart of a cumulative count by month (`YYYY-MM`, ascending), e.g. adopters.
pub fn cumulative(id: &str, title: &str, points: &[(String, i64)]) -> String {
    let (w, h, left, bottom, top, right) = (640.0, 220.0, 44.0, 30.0, 16.0, 16.0);
    let (step, max) = nice_scale(
        points.iter().map(|p| p.1).max().unwrap_or(0).max(1) as f64,
        true,
    );
    let n = points.len().max(2) as f64 - 1.0;
    let x = |i: usize| left + (w - left - right) * i as f64 / n;
    let y = |v: i64| top + (h - top - bottom) * (1.0 - v as f64 / max);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-t {id}-d" xmlns="http://www.w3.org/2000/svg"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        esc(title),
        esc(&points
            .last()
            .map_or("No data yet.".to_string(), |p| format!(
                "{} by {}",
                p.1, p.0
            )))
    );
    let ticks = (max / step).round() as i64;
    for k in 0..=ticks {
        let v = (step * k as f64).round() as i64;
        let yy = y(v);
        let _ = write!(
            s,
            r##"<line x1="{left}" x2="{}" y1="{yy:.1}" y2="{yy:.1}" stroke="#e3e7ee"/><text x="{}" y="{:.1}" text-anchor="end" font-size="13" fill="#5b6575">{v}</text>"##,
            w - right,
            left - 6.0,
            yy + 4.0
        );
    }
    if !points.is_empty() {
        let mut d = format!("M{:.1},{:.1}", x(0), y(points[0].1));
        for (i, p) in points.iter().enumerate().skip(1) {
            let _ = write!(d, " H{:.1} V{:.1}", x(i), y(p.1));
        }
        let _ = write!(
            s,
            r##"<path d="{d}" fill="none" stroke="#1f6f8b" stroke-width="2.5"/>"##
        );
        // The latest count as a dot with its value, so a single month still shows.
        if let Some((i, p)) = points.iter().enumerate().next_back() {
            let _ = write!(
                s,
                r##"<circle cx="{:.1}" cy="{:.1}" r="4" fill="#1f6f8b"/><text x="{:.1}" y="{:.1}" text-anchor="{}" font-size="13" fill="#1d2733">{}</text>"##,
                x(i),
                y(p.1),
                if i > 0 { x(i) - 8.0 } else { x(i) + 8.0 },
                y(p.1) + 16.0,
                if i > 0 { "end" } else { "start" },
                p.1
            );
        }
        let step = (points.len() / 6).max(1);
        for (i, p) in points.iter().enumerate().step_by(step) {
            let _ = write!(
                s,
                r##"<text x="{:.1}" y="{}" text-anchor="middle" font-size="13" fill="#5b6575">{}</text>"##,
                x(i),
                h - 10.0,
                esc(&p.0)
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// Months from the first to the last of `dates` (ISO 8601), with how many dates fall on or
/// before the end of each: a cumulative count.
pub fn by_month(dates: &[String]) -> Vec<(String, i64)> {
    let mut months: Vec<&str> = dates.iter().filter_map(|d| d.get(..7)).collect();
    months.sort_unstable();
    let (Some(first), Some(last)) = (months.first(), months.last()) else {
        return Vec::new();
    };
    let parse = |m: &str| -> Option<(i32, u32)> {
        Some((m.get(..4)?.parse().ok()?, m.get(5..7)?.parse().ok()?))
    };
    let (Some((mut y, mut m)), Some(end)) = (parse(first), parse(last)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    loop {
        let label = format!("{y:04}-{m:02}");
        let count = months.iter().filter(|d| **d <= label.as_str()).count() as i64;
        out.push((label, count));
        if (y, m) >= end || out.len() > 600 {
            break;
        }
        m += 1;
        if m > 12 {
            m = 1;
            y += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_accumulate() {
        let d = vec![
            "2025-01-10T00:00:00Z".to_string(),
            "2025-03-02T00:00:00Z".into(),
            "2025-03-09T00:00:00Z".into(),
        ];
        assert_eq!(
            by_month(&d),
            vec![
                ("2025-01".to_string(), 1),
                ("2025-02".into(), 1),
                ("2025-03".into(), 3)
            ]
        );
        assert!(by_month(&[]).is_empty());
        let svg = cumulative("a", "Adopters <over> time", &by_month(&d));
        assert!(svg.contains("Adopters &lt;over&gt; time") && svg.contains("3 by 2025-03"));
    }
}
