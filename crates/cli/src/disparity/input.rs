//! Reading the subgroups CSV of `rise disparity`, with errors that name the file, the line
//! and the column.

use crate::error::input;
use anyhow::Result;
use rise_stats::Estimate;
use rise_stats::inequality::Subgroup;
use rise_stats::{poisson, proportion};
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

/// How the indicator was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// estimate, se, population.
    Heat,
    /// events ≤ denominator in every row: a proportion.
    CountsProportion,
    /// events > denominator somewhere: a rate.
    CountsRate,
}

/// One parsed row with its subgroup interval.
#[derive(Debug, Clone)]
pub struct Row {
    pub subgroup: Subgroup,
    pub interval: Estimate,
}

/// The parsed file.
#[derive(Debug)]
pub struct Parsed {
    pub rows: Vec<Row>,
    pub style: Style,
}

/// Options that affect parsing.
pub struct ReadOptions<'a> {
    pub scale: f64,
    pub confidence: f64,
    pub z: f64,
    pub reference: Option<&'a str>,
}

/// Reads `path` (or standard input for `-`).
pub fn read(path: &Path, opts: &ReadOptions<'_>) -> Result<Parsed> {
    let (name, bytes) = read_input(path)?;
    parse(&name, &bytes, opts)
}

/// The bytes of `path` (standard input for `-`) and the name messages use for it.
pub(crate) fn read_input(path: &Path) -> Result<(String, Vec<u8>)> {
    let stdin = path.as_os_str() == "-";
    let name = if stdin {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    };
    let mut bytes = Vec::new();
    let read = if stdin {
        std::io::stdin().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::read(path).map(|b| bytes = b)
    };
    read.map_err(|e| input(format!("{name}: cannot read: {e}")))?;
    Ok((name, bytes))
}

/// A row the CSV reader could not split, as a message with its line.
pub(crate) fn malformed(name: &str, e: &csv::Error) -> anyhow::Error {
    let line = e.position().map_or(0, |p| p.line());
    input(format!(
        "{name}:{line}: malformed CSV row: {}",
        csv_reason(e)
    ))
}

/// Parses CSV bytes; `name` is used in messages.
pub fn parse(name: &str, bytes: &[u8], opts: &ReadOptions<'_>) -> Result<Parsed> {
    let bytes = utf8(name, bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let h = header(name, &mut reader)?;
    let mut raw = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| malformed(name, &e))?;
        if let Some(r) = row(name, &record, &h, opts)? {
            raw.push(r);
        }
    }
    if raw.is_empty() {
        return Err(input(format!("{name}: no data rows after the header")));
    }
    check_rows(name, &raw, h.order.is_some())?;
    if let Some(r) = opts.reference {
        use_reference(name, &mut raw, r)?;
    }
    build(name, raw, opts)
}

/// The bytes without a byte-order mark, if they are UTF-8 text.
pub(crate) fn utf8<'b>(name: &str, bytes: &'b [u8]) -> Result<&'b [u8]> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Err(e) = std::str::from_utf8(bytes) {
        let line = 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        return Err(input(format!(
            "{name}:{line}: the file is not UTF-8 text (save it as CSV UTF-8)"
        )));
    }
    Ok(bytes)
}

/// Where the columns are: `subgroup`, one style's value columns, and the optional `order`
/// and `reference`.
struct Header {
    subgroup: usize,
    columns: Columns,
    order: Option<usize>,
    reference: Option<usize>,
}

/// Reads and checks the header row.
fn header(name: &str, reader: &mut csv::Reader<&[u8]>) -> Result<Header> {
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| input(format!("{name}:1: cannot read the header row: {e}")))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let col: HashMap<&str, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (h.as_str(), i))
        .collect();
    for (i, h) in headers.iter().enumerate() {
        if headers[..i].contains(h) {
            return Err(input(format!(
                "{name}:1: column '{h}' appears twice in the header"
            )));
        }
    }
    let need = |c: &str, why: &str| -> Result<usize> {
        col.get(c).copied().ok_or_else(|| {
            input(format!(
                "{name}:1: missing column '{c}' ({why}); the header has: {}",
                headers.join(", ")
            ))
        })
    };
    let subgroup_col = need("subgroup", "every input needs one")?;
    let heat = ["estimate", "se", "population"]
        .iter()
        .any(|c| col.contains_key(c));
    let counts = ["events", "denominator"]
        .iter()
        .any(|c| col.contains_key(c));
    if heat && counts {
        return Err(input(format!(
            "{name}:1: the header mixes HEAT-style columns (estimate, se, population) with count columns (events, denominator); use one style"
        )));
    }
    let columns = if counts {
        let why = "count-style input needs subgroup, events, denominator";
        Columns::Counts {
            events: need("events", why)?,
            denominator: need("denominator", why)?,
        }
    } else {
        let why = "HEAT-style input needs subgroup, estimate, se, population (or use events, denominator)";
        Columns::Heat {
            estimate: need("estimate", why)?,
            se: need("se", why)?,
            population: need("population", why)?,
        }
    };
    Ok(Header {
        subgroup: subgroup_col,
        columns,
        order: col.get("order").copied(),
        reference: col.get("reference").copied(),
    })
}

/// One data row checked, or `None` for a blank one.
fn row(
    name: &str,
    record: &csv::StringRecord,
    h: &Header,
    opts: &ReadOptions<'_>,
) -> Result<Option<RawRow>> {
    let line = record.position().map_or(0, |p| p.line());
    if record.iter().all(str::is_empty) {
        return Ok(None);
    }
    let cell = |i: usize| record.get(i).unwrap_or("");
    let at = |column: &str, msg: String| input(format!("{name}:{line}: column '{column}': {msg}"));
    let number = |i: usize, column: &str| -> Result<f64> {
        let text = cell(i);
        if text.is_empty() {
            return Err(at(column, "is empty".into()));
        }
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(at(column, format!("'{text}' is not a number"))),
        }
    };
    let subgroup = cell(h.subgroup).to_string();
    if subgroup.is_empty() {
        return Err(at("subgroup", "is empty".into()));
    }
    let values = match h.columns {
        Columns::Heat {
            estimate,
            se,
            population,
        } => {
            let e = number(estimate, "estimate")?;
            let s = number(se, "se")?;
            let p = number(population, "population")?;
            if e < 0.0 {
                return Err(at("estimate", format!("{e} is negative")));
            }
            if opts.scale == 100.0 && e > 100.0 {
                return Err(at(
                    "estimate",
                    format!("{e} is above 100 for a percentage (set --scale for rates)"),
                ));
            }
            if s < 0.0 {
                return Err(at("se", format!("{s} is negative")));
            }
            if p < 0.0 {
                return Err(at("population", format!("{p} is negative")));
            }
            Values::Heat {
                estimate: e,
                se: s,
                population: p,
            }
        }
        Columns::Counts {
            events,
            denominator,
        } => {
            let x = number(events, "events")?;
            let n = number(denominator, "denominator")?;
            if x < 0.0 {
                return Err(at("events", format!("{x} is negative")));
            }
            if n <= 0.0 {
                return Err(at("denominator", format!("{n} must be more than 0")));
            }
            Values::Counts {
                events: x,
                denominator: n,
            }
        }
    };
    let order = match h.order.map(cell) {
        None | Some("") => None,
        Some(text) => match text.parse::<i64>() {
            Ok(o) if o >= 1 => Some(o),
            _ => {
                return Err(at(
                    "order",
                    format!("'{text}' is not a whole number of 1 or more"),
                ));
            }
        },
    };
    let reference = match h.reference.map(|i| cell(i).to_ascii_lowercase()) {
        None => false,
        Some(t) => match t.as_str() {
            "" | "0" | "false" | "no" => false,
            "1" | "true" | "yes" => true,
            _ => {
                return Err(at(
                    "reference",
                    format!("'{t}' should be 1 (reference) or 0"),
                ));
            }
        },
    };
    Ok(Some(RawRow {
        line,
        subgroup,
        values,
        order,
        reference,
    }))
}

/// `--reference NAME`: that subgroup is the reference, whatever the file's column says.
fn use_reference(name: &str, raw: &mut [RawRow], r: &str) -> Result<()> {
    if !raw.iter().any(|row| row.subgroup == r) {
        let names: Vec<&str> = raw.iter().map(|row| row.subgroup.as_str()).collect();
        return Err(input(format!(
            "--reference '{r}' names no subgroup in {name} (subgroups: {})",
            names.join(", ")
        )));
    }
    for row in raw {
        row.reference = row.subgroup == r;
    }
    Ok(())
}

pub(crate) fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("it has {len} fields but the header has {expected_len}")
        }
        _ => e.to_string(),
    }
}

#[derive(Clone, Copy)]
enum Columns {
    Heat {
        estimate: usize,
        se: usize,
        population: usize,
    },
    Counts {
        events: usize,
        denominator: usize,
    },
}

#[derive(Clone, Copy)]
enum Values {
    Heat {
        estimate: f64,
        se: f64,
        population: f64,
    },
    Counts {
        events: f64,
        denominator: f64,
    },
}

struct RawRow {
    line: u64,
    subgroup: String,
    values: Values,
    order: Option<i64>,
    reference: bool,
}

fn check_rows(name: &str, raw: &[RawRow], has_order: bool) -> Result<()> {
    for (i, row) in raw.iter().enumerate() {
        if let Some(first) = raw[..i].iter().find(|r| r.subgroup == row.subgroup) {
            return Err(input(format!(
                "{name}:{}: column 'subgroup': '{}' already appears on line {}",
                row.line, row.subgroup, first.line
            )));
        }
        if let Some(o) = row.order
            && let Some(first) = raw[..i].iter().find(|r| r.order == Some(o))
        {
            return Err(input(format!(
                "{name}:{}: column 'order': {o} is already used on line {}",
                row.line, first.line
            )));
        }
    }
    if has_order {
        let with = raw.iter().filter(|r| r.order.is_some()).count();
        if with != 0 && with != raw.len() {
            let missing = raw.iter().find(|r| r.order.is_none()).map_or(0, |r| r.line);
            return Err(input(format!(
                "{name}:{missing}: column 'order': empty, but other rows have an order (give every row an order, or none)"
            )));
        }
    }
    let refs: Vec<&RawRow> = raw.iter().filter(|r| r.reference).collect();
    if refs.len() > 1 {
        return Err(input(format!(
            "{name}:{}: column 'reference': a second reference subgroup (the first is on line {})",
            refs[1].line, refs[0].line
        )));
    }
    if raw.iter().all(|r| match r.values {
        Values::Heat { population, .. } => population == 0.0,
        Values::Counts { .. } => false,
    }) {
        return Err(input(format!(
            "{name}: column 'population': every subgroup has a population of 0"
        )));
    }
    Ok(())
}

fn build(name: &str, raw: Vec<RawRow>, opts: &ReadOptions<'_>) -> Result<Parsed> {
    let rate = raw.iter().any(
        |r| matches!(r.values, Values::Counts { events, denominator } if events > denominator),
    );
    let style = match raw[0].values {
        Values::Heat { .. } => Style::Heat,
        Values::Counts { .. } if rate => Style::CountsRate,
        Values::Counts { .. } => Style::CountsProportion,
    };
    let mut rows = Vec::with_capacity(raw.len());
    for r in raw {
        let ctx = |e: rise_stats::StatsError| input(format!("{name}:{}: {e}", r.line));
        let (estimate, se, population, interval) = match r.values {
            Values::Heat {
                estimate,
                se,
                population,
            } => {
                let iv = Estimate::new(estimate, estimate - opts.z * se, estimate + opts.z * se);
                (estimate, se, population, iv)
            }
            Values::Counts {
                events,
                denominator,
            } => {
                let p = events / denominator;
                if rate {
                    let iv = poisson::rate(events, denominator, opts.confidence, opts.scale)
                        .map_err(ctx)?;
                    (
                        p * opts.scale,
                        events.sqrt() / denominator * opts.scale,
                        denominator,
                        iv,
                    )
                } else {
                    let iv =
                        proportion::proportion(events, denominator, opts.confidence, opts.scale)
                            .map_err(ctx)?;
                    let se = (p * (1.0 - p) / denominator).sqrt() * opts.scale;
                    (p * opts.scale, se, denominator, iv)
                }
            }
        };
        rows.push(Row {
            subgroup: Subgroup {
                name: r.subgroup,
                estimate,
                se: Some(se),
                population,
                order: r.order,
                reference: r.reference,
            },
            interval,
        });
    }
    Ok(Parsed { rows, style })
}
