//! `rise upload`: send the shareable part of an analysis folder to the coalition platform.
//!
//! Only `aggregates.csv` (counts by subgroup) and `measures.json` (what the measures are)
//! leave the machine, never patient records. The file is checked here first with the same
//! validator the server uses, so a mistake is reported with its line and field before anything
//! is sent, and a file with counts of 1–10 (`rise analyze --no-suppression`) is refused unless
//! `--allow-unsuppressed` says the member means it (the platform then shows the exact counts
//! inside the member only).

use crate::cli::UploadArgs;
use crate::error::input;
use anyhow::{Context, Result};
use rise_aggregate::rows::{MeasureInfo, read_csv};
use std::time::Duration;

pub fn run(args: &UploadArgs) -> Result<()> {
    let csv_path = args.dir.join("aggregates.csv");
    let text =
        std::fs::read(&csv_path).map_err(|e| input(format!("{}: {e}", csv_path.display())))?;
    let text = String::from_utf8(text)
        .map_err(|_| input(format!("{}: is not UTF-8 text", csv_path.display())))?;
    let (rows, comments) =
        read_csv(&text).map_err(|e| input(format!("{}:{e}", csv_path.display())))?;
    let unsuppressed = comments
        .iter()
        .any(|c| c.to_ascii_lowercase().contains("not suppressed"));
    if unsuppressed && !args.allow_unsuppressed {
        return Err(input(format!(
            "{}: the counts are not suppressed (rise analyze --no-suppression); re-run the analysis without it, or pass --allow-unsuppressed to share exact counts with the platform (only your organization will see them)",
            csv_path.display()
        )));
    }
    let measures_path = args.dir.join("measures.json");
    let measures: Vec<MeasureInfo> = {
        let m = std::fs::read_to_string(&measures_path).map_err(|e| {
            input(format!(
                "{}: {e} (run rise analyze again to write it)",
                measures_path.display()
            ))
        })?;
        serde_json::from_str(&m).map_err(|e| {
            input(format!(
                "{}: line {}: {e}",
                measures_path.display(),
                e.line()
            ))
        })?
    };
    if let Some(r) = rows
        .iter()
        .find(|r| !measures.iter().any(|m| m.id == r.measure))
    {
        return Err(input(format!(
            "{}: measure '{}' of aggregates.csv is not described",
            measures_path.display(),
            r.measure
        )));
    }
    let label = args.label.clone().unwrap_or_else(|| {
        let periods: std::collections::BTreeSet<&str> =
            rows.iter().map(|r| r.period.as_str()).collect();
        format!(
            "rise analyze {}",
            periods.into_iter().next().unwrap_or_default()
        )
    });
    let server = args.server.trim_end_matches('/');
    if !(server.starts_with("https://") || server.starts_with("http://")) {
        return Err(input(format!(
            "--server '{server}': give the platform's address, e.g. https://coalition.example.org"
        )));
    }
    let url = format!("{server}/api/v1/org/datasets");
    let body = serde_json::json!({
        "label": label,
        "source": format!("rise upload {} ({})", env!("CARGO_PKG_VERSION"), args.dir.display()),
        "aggregates_csv": text,
        "measures": measures,
    });
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .context("cannot start an HTTP client")?;
    let res = client
        .post(&url)
        .bearer_auth(args.token.trim())
        .json(&body)
        .send()
        .with_context(|| format!("cannot reach {url}"))?;
    let status = res.status();
    let reply: serde_json::Value = res.json().with_context(|| {
        format!("{url} answered {status} without JSON: is --server the Rise platform?")
    })?;
    if !status.is_success() {
        let message = reply["error"]["message"]
            .as_str()
            .unwrap_or("no message")
            .to_string();
        let msg = format!("the platform refused the upload ({status}): {message}");
        // 4xx: something the user can fix (token, file, membership).
        return Err(if status.is_client_error() {
            input(msg)
        } else {
            anyhow::anyhow!(msg)
        });
    }
    println!(
        "Uploaded data set {} '{}' ({} rows, {} suppressed) to {server}",
        reply["id"],
        reply["label"].as_str().unwrap_or_default(),
        reply["rows"],
        reply["suppressed_rows"]
    );
    Ok(())
}
