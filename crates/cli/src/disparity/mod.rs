//! `rise disparity`: the summary measures of inequality for one dimension.

pub(crate) mod input;
mod render;

use crate::cli::{DisparityArgs, Format, SiiModelArg};
use crate::error::input as input_error;
use anyhow::Result;
use rise_stats::dist::z_value;
use rise_stats::inequality::{Dimension, Settings, SiiModel, summary_measures};
use std::io::Write;

pub use input::Style;

/// Everything the renderers need.
pub struct Analysis {
    pub rows: Vec<input::Row>,
    pub style: Style,
    pub dimension: Dimension,
    pub settings: Settings,
    pub summary: rise_stats::inequality::Summary,
}

pub fn run(args: &DisparityArgs) -> Result<()> {
    let analysis = analyse(args)?;
    let text = match args.format {
        Format::Json => render::json(&analysis)?,
        Format::Csv => render::csv(&analysis)?,
        Format::Table => render::table(&analysis),
    };
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        // A closed pipe (`rise disparity … | head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

fn analyse(args: &DisparityArgs) -> Result<Analysis> {
    let z = z_value(args.confidence).map_err(|_| {
        input_error(format!(
            "--confidence must be between 0 and 1 (e.g. 0.95), got {}",
            args.confidence
        ))
    })?;
    if !(args.scale.is_finite() && args.scale > 0.0) {
        return Err(input_error(format!(
            "--scale must be a positive number, got {}",
            args.scale
        )));
    }
    if args.draws < 100 {
        return Err(input_error(format!(
            "--draws must be at least 100, got {}",
            args.draws
        )));
    }
    let opts = input::ReadOptions {
        scale: args.scale,
        confidence: args.confidence,
        z,
        reference: args.reference.as_deref(),
    };
    let parsed = input::read(&args.input, &opts)?;
    let name = args.input.display().to_string();
    let dimension = Dimension::new(parsed.rows.iter().map(|r| r.subgroup.clone()).collect())
        .map_err(|e| input_error(format!("{name}: {e}")))?;
    let settings = Settings {
        favourable: !args.adverse,
        scale: args.scale,
        confidence: args.confidence,
        sii_model: match args.sii_model {
            SiiModelArg::Logistic => SiiModel::Logistic,
            SiiModelArg::Linear => SiiModel::Linear,
        },
        draws: args.draws,
        seed: args.seed,
        // HEAT keeps simulated percentages within 0–100; a proportion from counts is bounded
        // by its scale; a rate is not bounded above.
        bounded: match parsed.style {
            Style::Heat => args.scale == 100.0,
            Style::CountsProportion => true,
            Style::CountsRate => false,
        },
    };
    let summary =
        summary_measures(&dimension, &settings).map_err(|e| input_error(format!("{name}: {e}")))?;
    Ok(Analysis {
        rows: parsed.rows,
        style: parsed.style,
        dimension,
        settings,
        summary,
    })
}
