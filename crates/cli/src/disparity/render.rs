//! The three output formats of `rise disparity`.

use super::{Analysis, Style};
use anyhow::Result;
use rise_stats::inequality::{CiMethod, Measure, MeasureResult, comparison_pair};
use serde::Serialize;
use std::fmt::Write;

#[derive(Serialize)]
struct JsonOut<'a> {
    dimension: JsonDimension,
    subgroups: Vec<JsonSubgroup<'a>>,
    measures: Vec<JsonMeasure>,
}

#[derive(Serialize)]
struct JsonDimension {
    ordered: bool,
    favourable: bool,
    scale: serde_json::Number,
    subgroups: usize,
}

#[derive(Serialize)]
struct JsonSubgroup<'a> {
    subgroup: &'a str,
    estimate: f64,
    se: Option<f64>,
    lower: Option<f64>,
    upper: Option<f64>,
    population: f64,
}

#[derive(Serialize)]
struct JsonMeasure {
    measure: &'static str,
    estimate: f64,
    se: Option<f64>,
    lower: Option<f64>,
    upper: Option<f64>,
    ci_method: CiMethod,
}

fn measure_out(r: &MeasureResult) -> JsonMeasure {
    JsonMeasure {
        measure: r.measure.code(),
        estimate: r.estimate,
        se: r.se,
        lower: r.lower,
        upper: r.upper,
        ci_method: r.ci_method,
    }
}

/// `{"dimension": …, "subgroups": […], "measures": […]}`.
pub fn json(a: &Analysis) -> Result<String> {
    let out = JsonOut {
        dimension: JsonDimension {
            ordered: a.dimension.ordered(),
            favourable: a.settings.favourable,
            scale: whole_if_integral(a.settings.scale),
            subgroups: a.dimension.len(),
        },
        subgroups: a
            .rows
            .iter()
            .map(|r| JsonSubgroup {
                subgroup: &r.subgroup.name,
                estimate: r.subgroup.estimate,
                se: r.subgroup.se,
                lower: r.interval.lower,
                upper: r.interval.upper,
                population: r.subgroup.population,
            })
            .collect(),
        measures: a.summary.computed.iter().map(measure_out).collect(),
    };
    let mut s = serde_json::to_string_pretty(&out)?;
    s.push('\n');
    Ok(s)
}

/// `100` rather than `100.0` for a whole-number scale, as people write it.
fn whole_if_integral(v: f64) -> serde_json::Number {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        serde_json::Number::from(v as i64)
    } else {
        serde_json::Number::from_f64(v).unwrap_or_else(|| serde_json::Number::from(0))
    }
}

/// One row per computed measure.
pub fn csv(a: &Analysis) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "measure",
        "name",
        "estimate",
        "se",
        "lower",
        "upper",
        "ci_method",
    ])?;
    let opt = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    for r in &a.summary.computed {
        let method = serde_json::to_value(r.ci_method)?;
        w.write_record([
            r.measure.code().to_string(),
            r.measure.name().to_string(),
            r.estimate.to_string(),
            opt(r.se),
            opt(r.lower),
            opt(r.upper),
            method.as_str().unwrap_or_default().to_string(),
        ])?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

/// Aligned tables for people.
pub fn table(a: &Analysis) -> String {
    let s = &a.settings;
    let pct = (s.confidence * 100.0 * 1000.0).round() / 1000.0;
    let mut out = String::new();
    let kind = if a.dimension.ordered() {
        "ordered"
    } else {
        "non-ordered"
    };
    let direction = if s.favourable {
        "favourable (higher is better)"
    } else {
        "adverse (higher is worse)"
    };
    let source = match a.style {
        Style::Heat => "estimates as given",
        Style::CountsProportion => "proportions from counts, Wilson intervals",
        Style::CountsRate => "rates from counts, exact/Byar Poisson intervals",
    };
    let _ = writeln!(
        out,
        "{} subgroups, {kind} dimension · indicator {direction}, scale {} · {source}\n",
        a.dimension.len(),
        fmt_count(s.scale)
    );

    let ci = format!("{pct}% CI");
    let mut rows = vec![vec![
        "Subgroup".to_string(),
        "Order".into(),
        "Estimate".into(),
        "SE".into(),
        ci.clone(),
        "Population".into(),
    ]];
    for r in &a.rows {
        let g = &r.subgroup;
        let mut name = g.name.clone();
        if g.reference {
            name.push_str(" (ref)");
        }
        rows.push(vec![
            name,
            g.order.map(|o| o.to_string()).unwrap_or_default(),
            fmt_num(g.estimate),
            g.se.map(fmt_num).unwrap_or_default(),
            interval(r.interval.lower, r.interval.upper),
            fmt_count(g.population),
        ]);
    }
    if !a.dimension.ordered() {
        for row in &mut rows {
            row.remove(1);
        }
    }
    out.push_str(&aligned(&rows));
    out.push('\n');

    let mut rows = vec![vec![
        "Measure".to_string(),
        "Estimate".into(),
        "SE".into(),
        ci,
        "Method".into(),
        "Name".into(),
    ]];
    for r in &a.summary.computed {
        rows.push(vec![
            r.measure.code().to_string(),
            fmt_num(r.estimate),
            r.se.map(fmt_num).unwrap_or_default(),
            interval(r.lower, r.upper),
            match r.ci_method {
                CiMethod::Analytic => "analytic",
                CiMethod::MonteCarlo => "simulated",
                CiMethod::None => "none",
            }
            .into(),
            r.measure.name().into(),
        ]);
    }
    out.push_str(&aligned(&rows));
    if !a.summary.not_computed.is_empty() {
        out.push_str("\nNot computed:\n");
        for n in &a.summary.not_computed {
            let _ = writeln!(out, "  {:<6} {}", n.measure.code(), n.reason);
        }
    }
    if let Some(line) = reading(a) {
        let _ = writeln!(out, "\n{line}");
    }
    out
}

/// One plain-English sentence about the gap D measures.
fn reading(a: &Analysis) -> Option<String> {
    let (i1, i2) = comparison_pair(&a.dimension, &a.settings)?;
    let d = a.summary.get(Measure::D)?;
    let g = a.dimension.subgroups();
    let what = if a.dimension.ordered() {
        "Gap between the extremes"
    } else if a.dimension.reference().is_some() {
        "Gap to the reference"
    } else {
        "Largest gap"
    };
    // D = y1 − y2; name the groups by who is worse off, whatever the sign.
    let (high, low) = if g[i1].estimate >= g[i2].estimate {
        (i1, i2)
    } else {
        (i2, i1)
    };
    let (worse, better) = if a.settings.favourable {
        (low, high)
    } else {
        (high, low)
    };
    let (w, b) = (&g[worse], &g[better]);
    if d.estimate == 0.0 {
        return Some(format!(
            "{what}: none — {} and {} have the same value ({}).",
            w.name,
            b.name,
            fmt_num(w.estimate)
        ));
    }
    let flip = d.estimate < 0.0;
    let ci = match (d.lower, d.upper) {
        (Some(l), Some(u)) => {
            let (l, u) = if flip { (-u, -l) } else { (l, u) };
            let pct = (a.settings.confidence * 100.0 * 1000.0).round() / 1000.0;
            let unsure = if l > 0.0 {
                ""
            } else {
                "; the interval includes no gap"
            };
            format!(" ({pct}% CI {} to {}{unsure})", fmt_num(l), fmt_num(u))
        }
        _ => String::new(),
    };
    let verb = if a.settings.favourable {
        "is below"
    } else {
        "is above"
    };
    let times = if g[low].estimate > 0.0 {
        format!(
            "; {} is {:.2} times {}",
            g[high].name,
            g[high].estimate / g[low].estimate,
            g[low].name
        )
    } else {
        String::new()
    };
    Some(format!(
        "{what}: {} ({}) {verb} {} ({}) by {}{ci}{times}.",
        w.name,
        fmt_num(w.estimate),
        b.name,
        fmt_num(b.estimate),
        fmt_num(d.estimate.abs()),
    ))
}

fn interval(l: Option<f64>, u: Option<f64>) -> String {
    match (l, u) {
        (Some(l), Some(u)) => format!("{} to {}", fmt_num(l), fmt_num(u)),
        (None, Some(u)) => format!("— to {}", fmt_num(u)),
        _ => String::new(),
    }
}

/// Four significant digits, at most four decimals, no exponent for everyday sizes.
fn fmt_num(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let mag = v.abs().log10().floor() as i32;
    let decimals = (3 - mag).clamp(0, 4) as usize;
    format!("{v:.decimals$}")
}

/// Whole numbers without decimals (populations, scales), others as [`fmt_num`].
fn fmt_count(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        fmt_num(v)
    }
}

fn aligned(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            let pad = widths[c].saturating_sub(cell.chars().count());
            // Text columns (the first and the last) align left, numbers right.
            if c == 0 || c + 1 == cols {
                line.push_str(cell);
                line.push_str(&" ".repeat(pad));
            } else {
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            }
            line.push_str("  ");
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
