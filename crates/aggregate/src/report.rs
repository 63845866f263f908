//! The offline HTML report: one self-contained file (inline CSS and SVG, no network) that a
//! board member can read.

use crate::chart::{Bar, esc, rate_chart};
use crate::inequity::Inequity;
use crate::rows::{AggregateRow, MeasureInfo};
use std::fmt::Write;

/// A data-quality finding.
#[derive(Debug, Clone)]
pub struct QualityNote {
    pub label: String,
    pub value: String,
    pub detail: String,
    /// Draws attention (e.g. more than 10 % unknown race).
    pub warn: bool,
}

/// Everything the report shows.
pub struct ReportInput<'a> {
    pub title: &'a str,
    pub source: &'a str,
    pub period: &'a str,
    pub generated: &'a str,
    pub measures: &'a [MeasureInfo],
    pub rows: &'a [AggregateRow],
    pub inequities: &'a [Inequity],
    pub quality: &'a [QualityNote],
    /// Whether small-cell suppression was applied.
    pub suppressed: bool,
}

const CSS: &str = "
:root{--ink:#1f2933;--muted:#52606d;--line:#e4e7eb;--accent:#0f766e;--warn:#c2410c;--bg:#f7f9fb}
*{box-sizing:border-box}body{margin:0;font:15px/1.55 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:var(--ink);background:var(--bg)}
main{max-width:980px;margin:0 auto;padding:32px 24px 64px}
header.top{background:#102a43;color:#fff;padding:28px 24px}header.top div{max-width:980px;margin:0 auto}
header.top h1{margin:0 0 4px;font-size:26px;font-weight:650}header.top p{margin:0;color:#bcccdc}
h2{font-size:20px;margin:40px 0 12px;padding-bottom:6px;border-bottom:2px solid var(--line)}
h3{font-size:17px;margin:0 0 2px}.muted{color:var(--muted)}
.banner{background:#fff4e5;border:1px solid #f5c27a;border-left:6px solid var(--warn);padding:12px 16px;margin:20px 0;border-radius:6px}
.card{background:#fff;border:1px solid var(--line);border-radius:10px;padding:18px 20px;margin:14px 0;box-shadow:0 1px 2px rgba(16,42,67,.05)}
ol.top{padding-left:22px}ol.top li{margin:10px 0}
.tag{display:inline-block;font-size:12px;padding:1px 8px;border-radius:99px;background:#e6f6f4;color:var(--accent);margin-left:6px}
.tag.warn{background:#fdebe3;color:var(--warn)}
table{border-collapse:collapse;width:100%;font-size:13.5px;margin-top:10px}
th,td{padding:5px 8px;border-bottom:1px solid var(--line);text-align:right}th{color:var(--muted);font-weight:600}
th:first-child,td:first-child{text-align:left}
details summary{cursor:pointer;color:var(--accent);margin-top:8px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));gap:12px}
.stat{background:#fff;border:1px solid var(--line);border-radius:10px;padding:12px 14px}.stat b{display:block;font-size:22px}
.stat.warn b{color:var(--warn)}
svg.chart{max-width:100%;height:auto}
footer{margin-top:48px;font-size:13px;color:var(--muted)}
@media print{header.top{background:#fff;color:#000}.card{break-inside:avoid;box-shadow:none}}
";

/// What the report and the platform's data-set page both show: the largest inequities and
/// every measure by group, so a member sees the same numbers and charts in both places.
pub struct Findings<'a> {
    pub period: &'a str,
    pub measures: &'a [MeasureInfo],
    pub rows: &'a [AggregateRow],
    pub inequities: &'a [Inequity],
    /// Whether to open with the list of the largest inequities (a page that lists them itself,
    /// with actions beside them, leaves it out).
    pub top_list: bool,
}

/// The findings as an HTML fragment (headings `h2`, cards, inline SVG charts; no script, no
/// style attributes, so it sits under a strict content-security policy).
pub fn findings(f: &Findings<'_>) -> String {
    let mut h = String::new();
    if f.top_list {
        top_inequities(&mut h, f);
    }
    measures(&mut h, f);
    h
}

/// Renders the report.
pub fn render(r: &ReportInput<'_>) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{t}</title><style>{CSS}</style></head><body>",
        t = esc(r.title)
    );
    let _ = write!(
        h,
        "<header class=\"top\"><div><h1>{t}</h1><p>{src} · period {p} · made {g}</p></div></header><main>",
        t = esc(r.title),
        src = esc(r.source),
        p = esc(r.period),
        g = esc(r.generated)
    );
    if !r.suppressed {
        h.push_str("<div class=\"banner\" role=\"alert\"><strong>Not suppressed.</strong> This report and its aggregate files show counts of 1–10. Keep them inside your organization; do not upload or share them.</div>");
    }
    h.push_str(&findings(&Findings {
        period: r.period,
        measures: r.measures,
        rows: r.rows,
        inequities: r.inequities,
        top_list: true,
    }));
    quality(&mut h, r);
    methods(&mut h, r);
    h.push_str("<footer>Made by Rise. Only aggregate counts are in this file; patient-level data stayed where it was analysed.</footer></main></body></html>\n");
    h
}

fn top_inequities(h: &mut String, r: &Findings<'_>) {
    h.push_str("<h2>The largest inequities</h2>");
    let singles: Vec<&Inequity> = r
        .inequities
        .iter()
        .filter(|q| q.period == r.period && q.significant())
        .take(8)
        .collect();
    if singles.is_empty() {
        h.push_str("<p>No measure shows a gap between groups that is distinguishable from chance in this period.</p>");
        return;
    }
    h.push_str("<p class=\"muted\">Ranked by <em>excess events</em>: how many more people would have met the measure (or how many fewer events there would have been) if every group did as well as the best-performing group. Ranges are 95 % confidence intervals.</p><ol class=\"top\">");
    for q in singles {
        let _ = write!(
            h,
            "<li>{} <span class=\"tag\">{}</span></li>",
            esc(&q.sentence()),
            esc(&q.dimension.replace('_', " "))
        );
    }
    h.push_str("</ol>");
}

fn measures(h: &mut String, r: &Findings<'_>) {
    h.push_str("<h2>Measures by group</h2>");
    for (i, m) in r.measures.iter().enumerate() {
        let overall = r
            .rows
            .iter()
            .find(|x| x.measure == m.id && x.period == r.period && x.dimension == "overall");
        let rate = overall.and_then(|o| match (o.numerator, o.denominator) {
            (Some(n), Some(d)) if d > 0 => Some((n, d, 100.0 * n as f64 / d as f64)),
            _ => None,
        });
        let direction = if m.higher_is_better {
            "higher is better"
        } else {
            "lower is better"
        };
        let _ = write!(
            h,
            "<section class=\"card\"><h3>{}</h3><p class=\"muted\">{} · {} · {}",
            esc(&m.title),
            esc(&m.steward),
            direction,
            esc(&m.description)
        );
        match rate {
            Some((n, d, pct)) => {
                let _ = write!(h, " Overall: <strong>{pct:.1}%</strong> ({n} of {d}).</p>");
            }
            None => h.push_str(" No eligible patients in this period.</p>"),
        }
        // Chart the measure's most important gap: the largest one distinguishable from chance,
        // else the race-and-ethnicity breakdown, else whatever there is.
        let candidates: Vec<&Inequity> = r
            .inequities
            .iter()
            .filter(|q| q.measure == m.id && q.period == r.period && !q.dimension.contains('*'))
            .collect();
        let top = candidates
            .iter()
            .filter(|q| q.significant())
            .max_by(|a, b| a.excess.total_cmp(&b.excess))
            .or_else(|| candidates.iter().find(|q| q.dimension == "race_ethnicity"))
            .or_else(|| candidates.first())
            .copied();
        if let Some(q) = top {
            let bars: Vec<Bar> = q
                .groups
                .iter()
                .map(|g| Bar {
                    label: crate::inequity::label(&q.dimension, &g.subgroup),
                    value: g.rate,
                    lower: g.lower,
                    upper: g.upper,
                    highlight: g.subgroup == q.best,
                    warn: g.subgroup == q.worst && q.significant(),
                })
                .collect();
            let title = format!("{} by {}", m.title, q.dimension.replace('_', " "));
            h.push_str(&rate_chart(
                &format!("c{i}"),
                &title,
                &bars,
                rate.map(|(_, _, p)| (p, "overall")),
            ));
            let _ = write!(h, "<p>{}</p>", esc(&q.sentence()));
            if !q.suppressed_groups.is_empty() {
                let _ = write!(
                    h,
                    "<p class=\"muted\">Not shown (fewer than 11 people or events): {}.</p>",
                    esc(&q.suppressed_groups.join(", "))
                );
            }
            h.push_str("<details><summary>Table and summary measures</summary><table><thead><tr><th>Group</th><th>Met</th><th>Eligible</th><th>Rate</th><th>95% CI</th><th>Excess</th></tr></thead><tbody>");
            for g in &q.groups {
                let _ = write!(
                    h,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.1}%</td><td>{:.1}–{:.1}</td><td>{:.0}</td></tr>",
                    esc(&crate::inequity::label(&q.dimension, &g.subgroup)),
                    g.numerator,
                    g.denominator,
                    g.rate,
                    g.lower,
                    g.upper,
                    g.excess
                );
            }
            h.push_str("</tbody></table><table><thead><tr><th>Summary measure</th><th>Estimate</th><th>95% CI</th></tr></thead><tbody>");
            for s in &q.measures {
                let ci = match (s.lower, s.upper) {
                    (Some(l), Some(u)) => format!("{l:.3} to {u:.3}"),
                    _ => String::new(),
                };
                let _ = write!(
                    h,
                    "<tr><td>{} — {}</td><td>{:.3}</td><td>{}</td></tr>",
                    s.measure.code(),
                    esc(s.measure.name()),
                    s.estimate,
                    ci
                );
            }
            h.push_str("</tbody></table></details>");
        }
        h.push_str("</section>");
    }
}

fn quality(h: &mut String, r: &ReportInput<'_>) {
    h.push_str("<h2>Data quality</h2><div class=\"grid\">");
    for q in r.quality {
        let _ = write!(
            h,
            "<div class=\"stat{}\"><span class=\"muted\">{}</span><b>{}</b><span class=\"muted\">{}</span></div>",
            if q.warn { " warn" } else { "" },
            esc(&q.label),
            esc(&q.value),
            esc(&q.detail)
        );
    }
    h.push_str("</div>");
}

fn methods(h: &mut String, r: &ReportInput<'_>) {
    let suppression = if r.suppressed {
        "Counts of 1–10 are hidden, with further cells hidden where totals would reveal them (CMS cell-size suppression policy); groups so hidden are left out of the rates and rankings."
    } else {
        "Suppression was switched off for this run: the counts are exact and include small cells."
    };
    let _ = write!(
        h,
        "<h2>Methods</h2><div class=\"card\"><p>Each measure counts the patients in its denominator (the eligible population) and, among them, those in its numerator; definitions follow the published measures named above, simplified to what an EHR extract carries. Rates are shown with Wilson 95 % intervals. Race and ethnicity are reported in the OMB SPD 15 (2024) categories; unknown or declined answers form a group of their own.</p>\
<p>The <em>excess events</em> of a group are its shortfall against the best group holding at least {share}% of the eligible people and at least {min} of them (never the Unknown group); the interval is by the delta method. Inequities distinguishable from chance are ranked first: the groups' rates differ by a chi-square test, controlling the false-discovery rate at 5 % across every measure and dimension (Benjamini–Hochberg), and the excess interval excludes zero. The summary measures of inequality (difference, ratio, PAF, BGV, Theil, concentration and slope indices…) are computed as WHO's HEAT does.</p><p>{suppression}</p>\
<p class=\"muted\">References: Schlotheuber &amp; Hosseinpoor, <i>IJERPH</i> 2022;19:3697 (summary measures); WHO, HEAT technical notes; Newcombe, <i>Stat Med</i> 1998;17:857 (Wilson interval); Walter, <i>Int J Epidemiol</i> 1978;7:175 (attributable fraction); CMS, cell-size suppression policy; OMB, SPD 15 (2024).</p></div>",
        min = crate::inequity::MIN_BENCHMARK_DENOMINATOR,
        share = crate::inequity::MIN_BENCHMARK_SHARE * 100.0
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_is_self_contained_and_warns_when_unsuppressed() {
        let info = MeasureInfo {
            id: "m".into(),
            title: "Screening".into(),
            steward: "CMS130".into(),
            higher_is_better: true,
            description: "d".into(),
        };
        let rows = vec![AggregateRow {
            measure: "m".into(),
            dimension: "overall".into(),
            subgroup: "All".into(),
            period: "2024".into(),
            numerator: Some(50),
            denominator: Some(100),
            suppressed: false,
        }];
        let input = ReportInput {
            title: "T",
            source: "s",
            period: "2024",
            generated: "today",
            measures: &[info],
            rows: &rows,
            inequities: &[],
            quality: &[],
            suppressed: false,
        };
        let html = render(&input);
        assert!(html.contains("Not suppressed."));
        assert!(html.contains("Overall: <strong>50.0%</strong>"));
        assert!(
            !html.contains("http://")
                || html.matches("http://").count()
                    == html.matches("http://www.w3.org/2000/svg").count()
        );
        assert!(!html.contains("<script"));
    }
}
