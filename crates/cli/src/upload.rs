//! `rise upload`: send the shareable part of an analysis folder to the coalition platform.
//!
//! Only `aggregates.csv` (counts by subgroup) and what its measures are leave the machine,
//! never patient records. The file is checked here first with the same
//! validator the server uses, so a mistake is reported with its line and field before anything
//! is sent, and a file with counts of 1–10 (`rise analyze --no-suppression`) is refused unless
//! `--allow-unsuppressed` says the member means it (the platform then shows the exact counts
//! inside the member only).

use crate::cli::UploadArgs;
use crate::error::input;
use anyhow::{Context, Result};
use rise_aggregate::upload::{Measures, UploadBody, Via, check};
use std::time::Duration;

pub fn run(args: &UploadArgs) -> Result<()> {
    let csv_path = args.dir.join("aggregates.csv");
    let csv =
        std::fs::read(&csv_path).map_err(|e| input(format!("{}: {e}", csv_path.display())))?;
    // The measures are in measures.json (or measures.csv) beside the file; aggregate files of
    // some earlier versions described them in comment lines instead.
    let mut measures = None;
    for name in ["measures.json", "measures.csv"] {
        let path = args.dir.join(name);
        match std::fs::read(&path) {
            Ok(m) => {
                measures = Some((path.display().to_string(), m));
                break;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(input(format!("{}: {e}", path.display()))),
        }
    }
    let file = csv_path.display().to_string();
    // The server's own check, so a mistake is reported here before anything is sent.
    let checked = check(
        Via::Api,
        args.label.as_deref().unwrap_or_default(),
        "-",
        &file,
        &csv,
        measures
            .as_ref()
            .map_or(Measures::InFile, |(n, b)| Measures::File(n, b)),
    )
    .map_err(|e| input(e.message))?;
    if checked.unsuppressed() && !args.allow_unsuppressed {
        return Err(input(format!(
            "{file}: the counts are not suppressed (rise analyze --no-suppression); re-run the analysis without it, or pass --allow-unsuppressed to share exact counts with the platform (only your organization will see them)"
        )));
    }
    let label = match checked.label() {
        "" => format!(
            "rise analyze {}",
            checked.whole_period().unwrap_or_default()
        ),
        given => given.to_string(),
    };
    let server = args.server.trim_end_matches('/');
    if !(server.starts_with("https://") || server.starts_with("http://")) {
        return Err(input(format!(
            "--server '{server}': give the platform's address, e.g. https://coalition.example.org"
        )));
    }
    let url = format!("{server}/api/v1/org/datasets");
    let body = UploadBody {
        label,
        source: format!(
            "rise upload {} ({})",
            env!("CARGO_PKG_VERSION"),
            args.dir.display()
        ),
        aggregates_csv: String::from_utf8_lossy(&csv).into_owned(),
        measures: Some(checked.measures().to_vec()),
        measures_csv: None,
    };
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
