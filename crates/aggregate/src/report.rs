//! The offline HTML report: one self-contained file (inline CSS and SVG, no network) that a
//! board member can read.

use crate::chart::{Bar, esc, rate_chart};
use crate::inequity::{Inequity, dimension_label, label};
use crate::numbers::{count, measure, thousands};
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
    let top: Vec<&Inequity> = r
        .inequities
        .iter()
        .filter(|q| q.period == r.period && q.headline)
        .take(8)
        .collect();
    if top.is_empty() {
        h.push_str("<p>No measure shows a gap between groups that is distinguishable from chance in this period.</p>");
        return;
    }
    let _ = write!(
        h,
        "<p class=\"muted\">{}</p><ol class=\"top\">",
        COMPARISON_EXPLAINED
    );
    for q in top {
        let _ = write!(
            h,
            "<li>{} <span class=\"tag\">{}</span>{}</li>",
            esc(&q.sentence()),
            esc(&dimension_label(&q.dimension)),
            also_seen(q)
        );
    }
    h.push_str("</ol>");
}

/// How the ranking and its comparison group are defined, where findings are listed.
pub const COMPARISON_EXPLAINED: &str = "Each gap is measured against the <em>comparison group</em>: the best-performing group among those holding at least 10 % of the eligible people (never Unknown). Findings are ranked by <em>excess events</em>, how many more people would have met the measure (or how many fewer events there would have been) if every group did as well as the comparison group. Where several ways of grouping people show the same gap (race, ethnicity, and race and ethnicity), it is listed once, under the most specific. Ranges are 95 % confidence intervals.";

/// "Also seen by race, ethnicity", for a headline shown under others.
pub fn also_seen(q: &Inequity) -> String {
    if q.also_in.is_empty() {
        return String::new();
    }
    let names: Vec<String> = q.also_in.iter().map(|d| dimension_label(d)).collect();
    format!(
        " <span class=\"muted\">The same gap shows by {}.</span>",
        esc(&names.join(", "))
    )
}

/// What a summary measure says, in a phrase, for the table beside it.
fn explain(code: &str) -> &'static str {
    match code {
        "D" => "difference between the two groups compared, in points",
        "R" => "ratio of the two groups compared",
        "PAF" => "share of the average that would be gained if all did as well as the best, %",
        "PAR" => "points the average would gain if all did as well as the best",
        "ACI" => "how concentrated the measure is among the advantaged (0 = not at all)",
        "RCI" => "the concentration index relative to the average",
        "SII" => "fitted gap between the most and least advantaged ends, in points",
        "RII" => "fitted ratio between the most and least advantaged ends",
        "BGV" => "population-weighted variance of the groups around the average",
        "BGSD" => "square root of BGV, in points",
        "COV" => "BGSD as a percentage of the average",
        "MDMU" | "MDMW" => "mean difference of the groups from the average, in points",
        "MDBU" | "MDBW" => "mean difference of the groups from the best group, in points",
        "MDRU" | "MDRW" => "mean difference of the groups from the reference group, in points",
        "IDISU" | "IDISW" => "mean difference from the average, as a % of the average",
        "TI" => "Theil index (×1000): 0 when every group has the same rate",
        "MLD" => "mean log deviation (×1000): 0 when every group has the same rate",
        _ => "",
    }
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
                let _ = write!(
                    h,
                    " Overall: <strong>{pct:.1}%</strong> ({} of {}).</p>",
                    thousands(n),
                    thousands(d)
                );
            }
            None => h.push_str(" No eligible patients in this period.</p>"),
        }
        if let Some(q) = chart_for(r.inequities, &m.id, r.period) {
            measure_detail(h, &format!("c{i}"), m, q, rate.map(|(_, _, p)| p));
        }
        h.push_str("</section>");
    }
}

/// The inequity a measure's chart shows: its first headline (the largest gap distinguishable
/// from chance), else race and ethnicity, else the first single dimension.
pub fn chart_for<'a>(list: &'a [Inequity], measure: &str, period: &str) -> Option<&'a Inequity> {
    let of: Vec<&Inequity> = list
        .iter()
        .filter(|q| q.measure == measure && q.period == period)
        .collect();
    of.iter()
        .find(|q| q.headline)
        .or_else(|| of.iter().find(|q| q.dimension == "race_ethnicity"))
        .or_else(|| of.iter().find(|q| !q.dimension.contains('*')))
        .copied()
}

/// An inequity's groups as chart rows: `highlight` (the comparison group, or a plan's
/// reference) in the accent colour, `warn` (the group furthest behind) in the warning one.
pub fn group_bars(q: &Inequity, highlight: &str, warn: Option<&str>) -> Vec<Bar> {
    q.groups
        .iter()
        .map(|g| Bar {
            label: label(&q.dimension, &g.subgroup),
            value: g.rate,
            lower: g.lower,
            upper: g.upper,
            highlight: g.subgroup == highlight,
            warn: Some(g.subgroup.as_str()) == warn,
        })
        .collect()
}

/// One measure × dimension: its chart, the sentence, and the table of groups and summary
/// measures.
pub fn measure_detail(
    h: &mut String,
    id: &str,
    m: &MeasureInfo,
    q: &Inequity,
    overall: Option<f64>,
) {
    let worst = q.headline.then_some(q.worst.as_str());
    let bars = group_bars(q, &q.best, worst);
    let title = format!("{} by {}", m.title, dimension_label(&q.dimension));
    h.push_str(&rate_chart(
        id,
        &title,
        &bars,
        overall.map(|p| (p, "overall")),
    ));
    let _ = write!(h, "<p>{}{}</p>", esc(&q.sentence()), also_seen(q));
    if !q.suppressed_groups.is_empty() {
        let _ = write!(
            h,
            "<p class=\"muted\">Not shown (fewer than 11 people or events): {}.</p>",
            esc(&q.suppressed_groups.join(", "))
        );
    }
    let _ = write!(
        h,
        "<details><summary>Table and summary measures</summary><table><caption>{} by {}</caption><thead><tr><th>Group</th><th>Met</th><th>Eligible</th><th>Rate</th><th>95% CI</th><th>Excess events</th></tr></thead><tbody>",
        esc(&m.title),
        esc(&dimension_label(&q.dimension))
    );
    for g in &q.groups {
        let role = if g.subgroup == q.best {
            " <span class=\"tag\">comparison group</span>"
        } else {
            ""
        };
        let _ = write!(
            h,
            "<tr><td>{}{role}</td><td>{}</td><td>{}</td><td>{:.1}%</td><td>{:.1}–{:.1}</td><td>{}</td></tr>",
            esc(&label(&q.dimension, &g.subgroup)),
            thousands(g.numerator),
            thousands(g.denominator),
            g.rate,
            g.lower,
            g.upper,
            count(g.excess)
        );
    }
    h.push_str("</tbody></table>");
    if let Some(d) = q.difference_explained() {
        let _ = write!(h, "<p class=\"muted\">{}</p>", esc(&d));
    }
    h.push_str("<table><thead><tr><th>Summary measure</th><th>Estimate</th><th>95% CI</th><th>What it says</th></tr></thead><tbody>");
    for s in &q.measures {
        let ci = match (s.lower, s.upper) {
            (Some(l), Some(u)) => format!("{} to {}", measure(l), measure(u)),
            _ => String::new(),
        };
        let _ = write!(
            h,
            "<tr><td>{} — {}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            s.measure.code(),
            esc(s.measure.name()),
            measure(s.estimate),
            ci,
            explain(s.measure.code())
        );
    }
    h.push_str("</tbody></table></details>");
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
<p>Every gap is measured against the <em>comparison group</em>: the best-performing group among those holding at least {share}% of the eligible people and at least {min} of them (never the Unknown group). The <em>excess events</em> of a group are its shortfall against it; the interval is by the delta method. A finding is listed when the groups' rates differ by a chi-square test, controlling the false-discovery rate at 5 % across every measure and dimension (Benjamini–Hochberg), and the worst group's gap to the comparison group has a 95 % interval (Newcombe's hybrid score) above zero. Where several dimensions describe the same people (race and ethnicity, race, ethnicity; an intersection and its parts), a gap is listed once, under the most specific single dimension that shows it. HEAT's D and R use the comparison group as their reference group. The summary measures of inequality (difference, ratio, PAF, BGV, Theil, concentration and slope indices…) are computed as WHO's HEAT does.</p><p>{suppression}</p>\
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
        let info = MeasureInfo::new("m", "Screening", "CMS130", true).described("d");
        let rows = vec![AggregateRow::counted(
            "m", "overall", "All", "2024", 50, 100,
        )];
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

    #[test]
    fn a_measures_chart_shows_the_dimension_of_its_top_finding() {
        // A gap by payer and none by race and ethnicity: the chart is by payer.
        let row = |dim: &str, sub: &str, n: u64, d: u64| {
            AggregateRow::counted("m", dim, sub, "2024", n, d)
        };
        let rows = vec![
            row("overall", "All", 1450, 3000),
            row("race_ethnicity", "White", 700, 1500),
            row("race_ethnicity", "Black or African American", 750, 1500),
            row("payer", "Medicaid", 300, 1000),
            row("payer", "Commercial", 1150, 2000),
        ];
        let info = MeasureInfo::new("m", "Screening", "CMS", true);
        let list = crate::inequity::inequities(&rows, std::slice::from_ref(&info), "2024", 1);
        let top = chart_for(&list, "m", "2024").unwrap();
        assert_eq!(top.dimension, "payer");
        let html = findings(&Findings {
            period: "2024",
            measures: &[info],
            rows: &rows,
            inequities: &list,
            top_list: true,
        });
        assert!(
            html.contains("<title id=\"c0-t\">Screening by payer</title>"),
            "{html}"
        );
        assert!(html.contains("Overall: <strong>48.3%</strong> (1,450 of 3,000)"));
    }
}
