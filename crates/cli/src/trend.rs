//! `rise spc --aggregates`: the equity view of a measure over time from an aggregates.csv —
//! one p-chart per group on one scale, and the gap between a group and the reference.

use crate::cli::{SpcArgs, SpcFormat};
use crate::disparity::input::read_input;
use crate::error::input;
use crate::spc::write_out;
use anyhow::Result;
use rise_aggregate::rows::read_csv;
use rise_aggregate::trend::{Trend, TrendSpec, trend};
use rise_aggregate::trend_chart::{gap_chart, small_multiples};
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::path::Path;

pub fn run(path: &Path, args: &SpcArgs) -> Result<()> {
    if args.chart.is_some_and(|c| c != rise_spc::Chart::P) {
        return Err(input(
            "the equity view draws p-charts of rates; leave out --chart (or give --chart p)",
        ));
    }
    let (name, bytes) = read_input(path)?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|e| input(format!("{name}: not UTF-8 text (byte {})", e.valid_up_to())))?;
    let (rows, _) = read_csv(text).map_err(|e| {
        input(format!(
            "{name}:{}: column {}: {}",
            e.line, e.field, e.message
        ))
    })?;
    let measure = args.measure.as_deref().unwrap_or_default();
    let dimension = args.dimension.as_deref().unwrap_or_default();
    let spec = TrendSpec {
        measure,
        dimension,
        gap: args.group.as_deref().zip(args.reference.as_deref()),
        multiply: args.multiply,
        freeze: args.freeze,
    };
    let t = trend(&rows, &spec).map_err(|e| input(format!("{name}: {e}")))?;
    if let Some(f) = args.freeze
        && f > t.periods.len()
    {
        return Err(input(format!(
            "{name}: --freeze {f} is beyond the {} periods of {measure}",
            t.periods.len()
        )));
    }
    let out = match args.format {
        SpcFormat::Json => {
            let mut s = serde_json::to_string_pretty(&to_json(&t))?;
            s.push('\n');
            s
        }
        SpcFormat::Csv => to_csv(&t)?,
        SpcFormat::Table => to_table(&t),
        SpcFormat::Svg | SpcFormat::Png => to_svg(&t),
    };
    write_out(args, out)
}

fn to_json(t: &Trend) -> Value {
    let groups: Vec<Value> = t
        .series
        .iter()
        .map(|s| {
            let points: Vec<Value> = t
                .periods
                .iter()
                .enumerate()
                .map(|(i, x)| {
                    let c = s.counts[i];
                    let p = s.analysis.as_ref().and_then(|a| a.points.get(i));
                    json!({
                        "x": x,
                        "numerator": c.map(|c| c.0),
                        "denominator": c.map(|c| c.1),
                        "suppressed": c.is_none(),
                        "y": p.and_then(|p| p.y),
                        "cl": p.and_then(|p| p.cl),
                        "lcl": p.and_then(|p| p.lcl),
                        "ucl": p.and_then(|p| p.ucl),
                        "sigma_signal": p.is_some_and(|p| p.sigma_signal),
                        "runs_signal": p.is_some_and(|p| p.runs_signal),
                    })
                })
                .collect();
            json!({
                "group": s.group,
                "points": points,
                "parts": s.analysis.as_ref().map(|a| &a.parts),
            })
        })
        .collect();
    let gap = t.gap.as_ref().map(|g| {
        let run = g.run.as_ref();
        json!({
            "group": g.group,
            "reference": g.reference,
            "points": g.points.iter().map(|p| json!({
                "x": p.period,
                "group_rate": p.group_rate,
                "reference_rate": p.reference_rate,
                "gap": p.gap.map(|e| e.value),
                "lower": p.gap.and_then(|e| e.lower),
                "upper": p.gap.and_then(|e| e.upper),
            })).collect::<Vec<_>>(),
            "median": run.and_then(|a| a.points.iter().find_map(|p| p.cl)),
            "parts": run.map(|a| &a.parts),
        })
    });
    json!({
        "measure": t.measure,
        "dimension": t.dimension,
        "multiply": t.multiply,
        "periods": t.periods,
        "suppressed_cells": t.suppressed,
        "groups": groups,
        "gap": gap,
    })
}

fn num(v: Option<f64>) -> String {
    v.map(|v| format!("{v}")).unwrap_or_default()
}

fn to_csv(t: &Trend) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "series",
        "x",
        "numerator",
        "denominator",
        "y",
        "cl",
        "lcl",
        "ucl",
        "lower",
        "upper",
        "sigma_signal",
        "runs_signal",
    ])?;
    for s in &t.series {
        for (i, x) in t.periods.iter().enumerate() {
            let c = s.counts[i];
            let p = s.analysis.as_ref().and_then(|a| a.points.get(i));
            w.write_record([
                s.group.clone(),
                x.clone(),
                c.map(|c| c.0.to_string()).unwrap_or_default(),
                c.map(|c| c.1.to_string()).unwrap_or_default(),
                num(p.and_then(|p| p.y)),
                num(p.and_then(|p| p.cl)),
                num(p.and_then(|p| p.lcl)),
                num(p.and_then(|p| p.ucl)),
                String::new(),
                String::new(),
                p.is_some_and(|p| p.sigma_signal).to_string(),
                p.is_some_and(|p| p.runs_signal).to_string(),
            ])?;
        }
    }
    if let Some(g) = &t.gap {
        for (i, p) in g.points.iter().enumerate() {
            let r = g.run.as_ref().and_then(|a| a.points.get(i));
            w.write_record([
                format!("gap: {} - {}", g.group, g.reference),
                p.period.clone(),
                String::new(),
                String::new(),
                num(p.gap.map(|e| e.value)),
                num(r.and_then(|r| r.cl)),
                String::new(),
                String::new(),
                num(p.gap.and_then(|e| e.lower)),
                num(p.gap.and_then(|e| e.upper)),
                "false".into(),
                r.is_some_and(|r| r.runs_signal).to_string(),
            ])?;
        }
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

fn to_table(t: &Trend) -> String {
    let mut s = String::new();
    let f = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{v:.3}"));
    let _ = writeln!(
        s,
        "{} by {}: {} periods, {} suppressed cell(s) left blank\n",
        t.measure,
        t.dimension,
        t.periods.len(),
        t.suppressed
    );
    for series in &t.series {
        let _ = writeln!(s, "{}", series.group);
        let Some(a) = &series.analysis else {
            let _ = writeln!(s, "  too few shown periods for a chart\n");
            continue;
        };
        let _ = writeln!(
            s,
            "  {:<24} {:>8} {:>10} {:>10} {:>10} {:>10}  signal",
            "period", "n", "y", "cl", "lcl", "ucl"
        );
        for (i, x) in t.periods.iter().enumerate() {
            let p = &a.points[i];
            let n = series.counts[i].map_or("supp.".to_string(), |c| c.1.to_string());
            let signal = match (p.sigma_signal, p.runs_signal) {
                (true, _) => "outside limits",
                (false, true) => "runs",
                _ => "",
            };
            let _ = writeln!(
                s,
                "  {x:<24} {n:>8} {:>10} {:>10} {:>10} {:>10}  {signal}",
                f(p.y),
                f(p.cl),
                f(p.lcl),
                f(p.ucl)
            );
        }
        let runs = a.parts.iter().any(|p| p.runs_signal);
        let _ = writeln!(
            s,
            "  {}\n",
            if runs {
                "runs signal: non-random variation"
            } else {
                "no runs signal"
            }
        );
    }
    if let Some(g) = &t.gap {
        let _ = writeln!(s, "Gap: {} − {} (95 % interval)", g.group, g.reference);
        for p in &g.points {
            match &p.gap {
                Some(e) => {
                    let _ = writeln!(
                        s,
                        "  {:<24} {:>10} ({} to {})",
                        p.period,
                        f(Some(e.value)),
                        f(e.lower),
                        f(e.upper)
                    );
                }
                None => {
                    let _ = writeln!(s, "  {:<24} {:>10}", p.period, "suppressed");
                }
            }
        }
        match &g.run {
            Some(a) => {
                let runs = a.parts.iter().any(|p| p.runs_signal);
                let median = a.points.iter().find_map(|p| p.cl);
                let _ = writeln!(
                    s,
                    "  run chart: median {}, {}",
                    f(median),
                    if runs {
                        "runs signal (the gap moved)"
                    } else {
                        "no runs signal"
                    }
                );
            }
            None => {
                let _ = writeln!(s, "  run chart: too few periods");
            }
        }
    }
    s
}

/// The small multiples with the gap chart under them, in one SVG document.
fn to_svg(t: &Trend) -> String {
    let grid = small_multiples("trend", t);
    let Some(g) = &t.gap else {
        return format!("{grid}\n");
    };
    let gap = gap_chart("gap", t, g);
    let dims = |svg: &str, attr: &str| -> f64 {
        svg.split(&format!(" {attr}=\""))
            .nth(1)
            .and_then(|r| r.split('"').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0)
    };
    let (w, h1, h2) = (
        dims(&grid, "width"),
        dims(&grid, "height"),
        dims(&gap, "height"),
    );
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}">{grid}{gap}</svg>
"#,
        h = h1 + h2,
        gap = gap.replacen("<svg ", &format!(r#"<svg y="{h1}" "#), 1)
    )
}
