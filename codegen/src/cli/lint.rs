//! `eventcat lint`: load the catalog, report every finding.

use std::path::PathBuf;

use super::output::Output;
use super::{Format, findings, paths};

/// Arguments of `eventcat lint`.
#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// The catalog folder (holds catalog.yaml and events/).
    #[arg(long, default_value = "catalog")]
    pub catalog: PathBuf,
    /// Output format (`github`: a workflow annotation per finding).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Print the lint rules and exit.
    #[arg(long)]
    pub list_rules: bool,
}

/// Ok(true) when the catalog has no errors.
pub fn run(args: &LintArgs, output: &Output) -> super::Outcome {
    if args.list_rules {
        findings::print_rules(args.format)?;
        return Ok(true);
    }
    paths::catalog(&args.catalog)?;
    let loaded = eventcat::load(&args.catalog)?;
    let found = eventcat::lint::lint(&loaded);
    findings::print_findings(&loaded, &found, args.format, output)?;
    Ok(!eventcat::diagnostics::has_errors(&found))
}
