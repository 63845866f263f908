//! Every table as CSV: a page or an API list answers `?format=csv` (or, for the API,
//! `Accept: text/csv`) with the same rows its HTML or JSON shows, behind the same
//! authorization, so what a viewer may download is exactly what they may see.
//!
//! Rows are the JSON the API returns, flattened: nested objects become dotted columns
//! (`organization.name`), lists a `; `-separated cell. Columns are the union of the rows'
//! keys, `id` first, then in alphabetical order (the JSON maps keep no other order).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::collections::BTreeMap;

/// Whether the caller asked for CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Format {
    pub csv: bool,
    /// Which table of a page with several (`?table=inequities`).
    pub inequities: bool,
}

impl<S: Send + Sync> FromRequestParts<S> for Format {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        let in_query = query
            .split('&')
            .any(|kv| kv.eq_ignore_ascii_case("format=csv"));
        let accepts = parts
            .headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.split(',').any(|t| t.trim().starts_with("text/csv")));
        Ok(Format {
            csv: in_query || accepts,
            inequities: query.split('&').any(|kv| kv == "table=inequities"),
        })
    }
}

fn flatten(prefix: &str, v: &Value, out: &mut BTreeMap<String, String>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        Value::Array(items) => {
            let cells: Vec<String> = items
                .iter()
                .map(|i| match i {
                    Value::String(s) => s.clone(),
                    Value::Object(_) | Value::Array(_) => i.to_string(),
                    other => other.to_string(),
                })
                .collect();
            out.insert(prefix.to_string(), cells.join("; "));
        }
        Value::String(s) => {
            out.insert(prefix.to_string(), s.clone());
        }
        Value::Null => {
            out.insert(prefix.to_string(), String::new());
        }
        other => {
            out.insert(prefix.to_string(), other.to_string());
        }
    }
}

/// The CSV text of a list of JSON rows.
pub fn to_csv(rows: &[Value]) -> Result<Vec<u8>, csv::Error> {
    let flat: Vec<BTreeMap<String, String>> = rows
        .iter()
        .map(|r| {
            let mut m = BTreeMap::new();
            flatten("", r, &mut m);
            m
        })
        .collect();
    let mut columns: Vec<String> = flat
        .iter()
        .flat_map(|m| m.keys().cloned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if let Some(i) = columns.iter().position(|c| c == "id") {
        let id = columns.remove(i);
        columns.insert(0, id);
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    if columns.is_empty() {
        w.write_record(["(no rows)"])?;
    } else {
        w.write_record(&columns)?;
    }
    for m in &flat {
        w.write_record(columns.iter().map(|c| m.get(c).map_or("", String::as_str)))?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// A CSV download named `file`.
pub fn download(file: &str, body: Vec<u8>) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// Records (anything the API returns as a list) as a CSV download.
pub fn records<T: serde::Serialize>(file: &str, items: &[T]) -> Response {
    let rows: Vec<Value> = items
        .iter()
        .map(|i| serde_json::to_value(i).unwrap_or(Value::Null))
        .collect();
    self::rows(file, &rows)
}

/// A list of JSON rows as a CSV download.
pub fn rows(file: &str, rows: &[Value]) -> Response {
    match to_csv(rows) {
        Ok(body) => download(file, body),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_rows_flatten_to_columns() {
        let rows = vec![
            json!({"name": "Alpha, Inc.", "id": 2, "org": {"state": "OH"}, "tags": ["a", "b"], "none": null}),
            json!({"id": 3, "name": "Beta \"B\"", "extra": true}),
        ];
        let text = String::from_utf8(to_csv(&rows).unwrap()).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("id,extra,name,none,org.state,tags"));
        assert_eq!(lines.next(), Some("2,,\"Alpha, Inc.\",,OH,a; b"));
        assert_eq!(lines.next(), Some("3,true,\"Beta \"\"B\"\"\",,,"));
        assert_eq!(
            String::from_utf8(to_csv(&[]).unwrap()).unwrap(),
            "(no rows)\n"
        );
    }
}
