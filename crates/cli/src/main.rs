//! `rise`: the command-line tool of the Rise health-equity platform.

#![cfg_attr(test, allow(clippy::unwrap_used))]

mod analyze;
mod calc;
mod cli;
mod demo_evidence;
mod disparity;
mod error;
mod generate;
mod png;
mod progress;
mod serve;
mod spc;
mod trend;
mod upload;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let result = match cli.command {
        cli::Command::Disparity(args) => disparity::run(&args),
        cli::Command::Analyze(args) => analyze::run(&args),
        cli::Command::Generate(args) => generate::run(&args),
        cli::Command::Measures(args) => generate::list_measures(&args),
        cli::Command::Serve(args) => serve::serve(&args),
        cli::Command::Demo(args) => serve::demo(&args),
        cli::Command::Upload(args) => upload::run(&args),
        cli::Command::Spc(args) => spc::run(&args),
        cli::Command::Calc(args) => calc::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", error::one_line(&err));
            ExitCode::from(error::exit_code(&err))
        }
    }
}
