//! `rise spc`: a run or control chart of a CSV file, per facet, through `rise-spc`.

use crate::cli::{SpcArgs, SpcFormat};
use crate::disparity::input::{csv_reason, malformed, read_input, utf8};
use crate::error::input;
use anyhow::{Context, Result};
use chrono::NaiveDate;
use rise_spc::{Analysis, Chart, Settings, SpcError, Subgroup, analyse};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::fmt::Write as _;

/// One data row, with the line it came from.
struct Row {
    line: u64,
    facet: Option<String>,
    x: String,
    y: Option<f64>,
    n: Option<f64>,
}

/// The x of a subgroup and how it sorts.
#[derive(Clone, PartialEq, PartialOrd)]
enum Key {
    Number(f64),
    Date(NaiveDate),
    Position(usize),
}

/// One facet's chart: its x labels, the lines of each subgroup, and the result.
struct Facet {
    name: Option<String>,
    x: Vec<(Key, String)>,
    analysis: Analysis,
}

pub fn run(args: &SpcArgs) -> Result<()> {
    if let Some(path) = &args.aggregates {
        return crate::trend::run(path, args);
    }
    let (Some(file), Some(chart)) = (&args.input, args.chart) else {
        return Err(input(
            "give INPUT.csv and --chart, or --aggregates FILE --measure M --dimension D",
        ));
    };
    let (name, bytes) = read_input(file)?;
    let facets = self::chart(&name, &bytes, chart, args)?;
    let text = match args.format {
        SpcFormat::Json => {
            let mut s = serde_json::to_string_pretty(&to_json(chart, &facets))?;
            s.push('\n');
            s
        }
        SpcFormat::Csv => to_csv(&facets)?,
        SpcFormat::Table => to_table(chart, &facets),
        SpcFormat::Svg | SpcFormat::Png => to_svg(&name, chart, &facets),
    };
    write_out(args, text)
}

/// Writes the text (or, for `--format png`, the SVG rendered to PNG) to --out or stdout.
pub fn write_out(args: &SpcArgs, text: String) -> Result<()> {
    let bytes = if args.format == SpcFormat::Png {
        crate::png::render(&text)?
    } else {
        text.into_bytes()
    };
    match &args.out {
        Some(path) => std::fs::write(path, bytes)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => {
            use std::io::Write as _;
            if args.format == SpcFormat::Png && std::io::IsTerminal::is_terminal(&std::io::stdout())
            {
                return Err(input("a PNG is not for a terminal: give --out FILE.png"));
            }
            std::io::stdout().write_all(&bytes)?;
        }
    }
    Ok(())
}

/// Parses the file and draws one chart per facet.
fn chart(name: &str, bytes: &[u8], chart: Chart, args: &SpcArgs) -> Result<Vec<Facet>> {
    let rows = read(name, bytes, chart, args)?;
    let mut order: Vec<Option<String>> = Vec::new();
    let mut by_facet: HashMap<Option<String>, Vec<Row>> = HashMap::new();
    for row in rows {
        if !by_facet.contains_key(&row.facet) {
            order.push(row.facet.clone());
        }
        by_facet.entry(row.facet.clone()).or_default().push(row);
    }
    let settings = Settings {
        freeze: args.freeze,
        part: args.part.clone(),
        exclude: args.exclude.clone(),
        multiply: args.multiply,
        method: args.method,
        ..Settings::new(chart)
    };
    let mut out = Vec::with_capacity(order.len());
    for facet in order {
        let rows = by_facet.remove(&facet).unwrap_or_default();
        out.push(one_facet(name, facet, rows, chart, &settings)?);
    }
    Ok(out)
}

fn one_facet(
    name: &str,
    facet: Option<String>,
    rows: Vec<Row>,
    chart: Chart,
    settings: &Settings,
) -> Result<Facet> {
    let label = facet
        .as_ref()
        .map(|f| format!(" (facet {f})"))
        .unwrap_or_default();
    let numbered = rows.iter().all(|r| r.x.is_empty());
    let mut keyed: Vec<(Key, Row)> = Vec::with_capacity(rows.len());
    for (i, row) in rows.into_iter().enumerate() {
        let key = if numbered {
            Key::Position(i + 1)
        } else {
            x_key(&row.x).ok_or_else(|| {
                input(format!(
                    "{name}:{}: column x: {:?} is not a number or a date (YYYY-MM-DD or YYYY-MM)",
                    row.line, row.x
                ))
            })?
        };
        keyed.push((key, row));
    }
    if !numbered {
        let kinds = |want: fn(&Key) -> bool| keyed.iter().filter(|(k, _)| want(k)).count();
        let dates = kinds(|k| matches!(k, Key::Date(_)));
        if dates != 0 && dates != keyed.len() {
            let odd = keyed
                .iter()
                .find(|(k, _)| !matches!(k, Key::Date(_)))
                .map_or(0, |(_, r)| r.line);
            return Err(input(format!(
                "{name}:{odd}: column x: mixes dates and numbers; use one or the other"
            )));
        }
    }
    // Stable sort: rows sharing an x stay in file order.
    keyed.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal));
    let one_value = matches!(
        chart,
        Chart::Run | Chart::I | Chart::Mr | Chart::T | Chart::G
    );
    let mut x: Vec<(Key, String)> = Vec::new();
    let mut lines: Vec<Vec<u64>> = Vec::new();
    let mut groups_rows: Vec<Vec<(Option<f64>, Option<f64>)>> = Vec::new();
    for (key, row) in keyed {
        if x.last().is_some_and(|(k, _)| *k == key) {
            if one_value && row.n.is_none() {
                let first = lines.last().and_then(|l| l.first()).copied().unwrap_or(0);
                return Err(input(format!(
                    "{name}:{}: column x{label}: {} appears again (first on line {first}); a {} chart takes one value per period — sum or average them first",
                    row.line,
                    row.x,
                    chart.name()
                )));
            }
        } else {
            x.push((key, row.x.clone()));
            lines.push(Vec::new());
            groups_rows.push(Vec::new());
        }
        if let Some(l) = lines.last_mut() {
            l.push(row.line);
        }
        if let Some(g) = groups_rows.last_mut() {
            g.push((row.y, row.n));
        }
    }
    let has_n = chart.needs_n() || groups_rows.iter().flatten().any(|(_, n)| n.is_some());
    let groups: Vec<Subgroup> = groups_rows
        .into_iter()
        .map(|rows| Subgroup::of(rows, has_n))
        .collect();
    let analysis = analyse(&groups, settings).map_err(|e| match e {
        SpcError::BadValue { position, reason } => {
            let line = lines
                .get(position.saturating_sub(1))
                .and_then(|l| l.first())
                .copied()
                .unwrap_or(0);
            input(format!("{name}:{line}: column y{label}: {reason}"))
        }
        other => input(format!("{name}{label}: {other}")),
    })?;
    Ok(Facet {
        name: facet,
        x,
        analysis,
    })
}

fn x_key(s: &str) -> Option<Key> {
    if let Ok(v) = s.parse::<f64>() {
        return v.is_finite().then_some(Key::Number(v));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d"))
        .ok()
        .map(Key::Date)
}

/// Reads the rows, checking every value against what the chart allows.
fn read(name: &str, bytes: &[u8], chart: Chart, args: &SpcArgs) -> Result<Vec<Row>> {
    let bytes = utf8(name, bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| {
            input(format!(
                "{name}:1: cannot read the header: {}",
                csv_reason(&e)
            ))
        })?
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    let find = |c: &str| headers.iter().position(|h| h == &c.to_ascii_lowercase());
    let y_col = find("y").ok_or_else(|| {
        input(format!(
            "{name}:1: no column y (the count or value); the header has: {}",
            headers.join(", ")
        ))
    })?;
    let x_col = find("x");
    let n_col = find("n");
    if chart.needs_n() && n_col.is_none() {
        return Err(input(format!(
            "{name}:1: a {} chart needs a column n (the denominator)",
            chart.name()
        )));
    }
    let facet_col = match &args.facet {
        Some(f) => Some(find(f).ok_or_else(|| {
            input(format!(
                "{name}:1: no column {f:?} for --facet; the header has: {}",
                headers.join(", ")
            ))
        })?),
        None => None,
    };
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| malformed(name, &e))?;
        let line = record.position().map_or(0, |p| p.line());
        let field = |i: usize| record.get(i).unwrap_or("");
        let number = |col: &str, i: usize| -> Result<Option<f64>> {
            let s = field(i);
            if s.is_empty() || s.eq_ignore_ascii_case("na") {
                return Ok(None);
            }
            match s.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(Some(v)),
                _ => Err(input(format!(
                    "{name}:{line}: column {col}: {s:?} is not a number"
                ))),
            }
        };
        let y = number("y", y_col)?;
        let n = match n_col {
            Some(i) => number("n", i)?,
            None => None,
        };
        if let Some(n) = n
            && n <= 0.0
        {
            return Err(input(format!(
                "{name}:{line}: column n: the denominator must be greater than zero, not {n}"
            )));
        }
        if let Some(y) = y {
            if chart.counts() && y < 0.0 {
                return Err(input(format!(
                    "{name}:{line}: column y: a count cannot be negative ({y})"
                )));
            }
            if chart == Chart::T && y <= 0.0 {
                return Err(input(format!(
                    "{name}:{line}: column y: a time between events must be greater than zero ({y})"
                )));
            }
            if chart.proportion()
                && let Some(n) = n
                && y > n
            {
                return Err(input(format!(
                    "{name}:{line}: column y: {y} is more than its denominator n = {n}"
                )));
            }
        }
        rows.push(Row {
            line,
            facet: facet_col.map(|i| field(i).to_string()),
            x: x_col.map(|i| field(i).to_string()).unwrap_or_default(),
            y,
            n,
        });
    }
    if rows.is_empty() {
        return Err(input(format!("{name}: no data rows after the header")));
    }
    Ok(rows)
}

fn x_value(key: &Key, label: &str) -> Value {
    match key {
        Key::Number(v) => json!(v),
        Key::Position(p) => json!(p),
        Key::Date(_) => json!(label),
    }
}

/// A count prints as 52, not 52.0.
fn whole(v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() < 9e15 {
        json!(v as i64)
    } else {
        json!(v)
    }
}

fn to_json(chart: Chart, facets: &[Facet]) -> Value {
    let mut points = Vec::new();
    let mut parts = Vec::new();
    for f in facets {
        for (p, (key, label)) in f.analysis.points.iter().zip(&f.x) {
            points.push(json!({
                "facet": f.name, "x": x_value(key, label), "y": p.y, "n": p.n.map(whole),
                "part": p.part, "baseline": p.baseline, "include": p.include,
                "cl": p.cl, "lcl": p.lcl, "ucl": p.ucl,
                "sigma_signal": p.sigma_signal, "runs_signal": p.runs_signal,
            }));
        }
        for s in &f.analysis.parts {
            parts.push(json!({
                "facet": f.name, "part": s.part, "n_obs": s.n_obs, "n_useful": s.n_useful,
                "longest_run": s.longest_run, "longest_run_max": s.longest_run_max,
                "n_crossings": s.n_crossings, "n_crossings_min": s.n_crossings_min,
                "runs_signal": s.runs_signal,
            }));
        }
    }
    json!({"chart": chart.name(), "points": points, "parts": parts})
}

/// One chart per facet, stacked, in one SVG document.
fn to_svg(name: &str, chart: Chart, facets: &[Facet]) -> String {
    let charts: Vec<String> = facets
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let title = match &f.name {
                Some(n) => format!("{name} — {n}"),
                None => name.to_string(),
            };
            let labels: Vec<String> = f.x.iter().map(|(_, l)| l.clone()).collect();
            let labels = if labels.iter().all(String::is_empty) {
                Vec::new()
            } else {
                labels
            };
            rise_aggregate::control_chart::control_chart(
                &format!("spc{i}"),
                &title,
                &labels,
                &f.analysis,
            )
        })
        .collect();
    if let [one] = charts.as_slice() {
        return format!("{one}\n");
    }
    // Several facets: nest each chart at its offset (the charts are 340 high).
    let mut out = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="760" height="{h}" viewBox="0 0 760 {h}"><title>{chart} chart per facet</title>"#,
        h = 340 * charts.len(),
        chart = chart.name()
    );
    for (i, c) in charts.iter().enumerate() {
        out.push_str(&c.replacen("<svg ", &format!(r#"<svg y="{}" "#, 340 * i), 1));
    }
    out.push_str("</svg>\n");
    out
}

fn cell(v: Option<f64>) -> String {
    v.map(|v| format!("{v}")).unwrap_or_default()
}

fn to_csv(facets: &[Facet]) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "facet",
        "x",
        "y",
        "n",
        "part",
        "baseline",
        "include",
        "cl",
        "lcl",
        "ucl",
        "sigma_signal",
        "runs_signal",
    ])?;
    for f in facets {
        for (p, (_, label)) in f.analysis.points.iter().zip(&f.x) {
            let x = if label.is_empty() {
                p.position.to_string()
            } else {
                label.clone()
            };
            w.write_record([
                f.name.clone().unwrap_or_default(),
                x,
                cell(p.y),
                cell(p.n),
                p.part.to_string(),
                p.baseline.to_string(),
                p.include.to_string(),
                cell(p.cl),
                cell(p.lcl),
                cell(p.ucl),
                p.sigma_signal.to_string(),
                p.runs_signal.to_string(),
            ])?;
        }
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

/// A number to four significant figures for a table.
fn short(v: Option<f64>) -> String {
    match v {
        None => "–".into(),
        Some(0.0) => "0".into(),
        Some(v) => {
            let digits = (3 - v.abs().log10().floor() as i32).clamp(0, 8) as usize;
            format!("{v:.digits$}")
        }
    }
}

fn to_table(chart: Chart, facets: &[Facet]) -> String {
    let mut out = String::new();
    for f in facets {
        let title = match &f.name {
            Some(n) => format!("{} — {n}", chart.description()),
            None => chart.description().to_string(),
        };
        let _ = writeln!(out, "{title}\n");
        let _ = writeln!(
            out,
            "{:>12} {:>10} {:>8} {:>4} {:>10} {:>10} {:>10}  signal",
            "x", "y", "n", "part", "cl", "lcl", "ucl"
        );
        for (p, (_, label)) in f.analysis.points.iter().zip(&f.x) {
            let x = if label.is_empty() {
                p.position.to_string()
            } else {
                label.clone()
            };
            let mut mark = String::new();
            if p.sigma_signal {
                mark.push_str("outside limits ");
            }
            if !p.include {
                mark.push_str("(excluded) ");
            }
            if !p.baseline {
                mark.push_str("· after baseline");
            }
            let _ = writeln!(
                out,
                "{x:>12} {:>10} {:>8} {:>4} {:>10} {:>10} {:>10}  {}",
                short(p.y),
                p.n.map(|n| format!("{n}")).unwrap_or_else(|| "–".into()),
                p.part,
                short(p.cl),
                short(p.lcl),
                short(p.ucl),
                mark.trim_end()
            );
        }
        out.push('\n');
        for s in &f.analysis.parts {
            let opt = |v: Option<usize>| v.map_or("–".to_string(), |v| v.to_string());
            let verdict = if s.runs_signal {
                "non-random variation (a shift or trend): look for the special cause"
            } else if chart == Chart::Mr {
                "runs rules are not applied to moving ranges"
            } else {
                "no runs signal"
            };
            let _ = writeln!(
                out,
                "phase {}: {} useful of {} points; longest run {} (limit {}), crossings {} (at least {}): {verdict}",
                s.part,
                s.n_useful,
                s.n_obs,
                opt(s.longest_run),
                opt(s.longest_run_max),
                opt(s.n_crossings),
                opt(s.n_crossings_min),
            );
        }
        let outside = f.analysis.points.iter().filter(|p| p.sigma_signal).count();
        let _ = writeln!(out, "{outside} point(s) outside the 3-sigma limits\n");
    }
    out
}
