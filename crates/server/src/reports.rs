//! `centralino sla` and `centralino cdr …`: reports and exports from the
//! database or from an exported CDR file.

use std::process::ExitCode;

/// Arguments of `centralino sla`.
#[derive(clap::Args, Debug)]
pub struct SlaArgs {}

/// `centralino cdr …`.
#[derive(clap::Subcommand, Debug)]
pub enum CdrCmd {}

/// Run `centralino sla`.
pub fn sla(_args: SlaArgs) -> ExitCode {
    eprintln!("not yet");
    ExitCode::from(2)
}

/// Run `centralino cdr …`.
pub fn cdr(cmd: CdrCmd) -> ExitCode {
    match cmd {}
}
