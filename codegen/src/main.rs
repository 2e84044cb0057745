//! The `eventcat` command line: parse arguments, call the library, map the outcome to an exit code.
//!
//! Exit codes: 0 ok, 1 findings (lint errors, stale files), 2 usage or I/O errors.

mod cli;
mod report;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Analytics event catalogs as YAML: lint them, generate typed code and versioned JSON Schemas.
#[derive(Debug, Parser)]
#[command(name = "eventcat", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Load the catalog and report every finding with its file, line and column.
    Lint {
        /// The catalog folder (holds catalog.yaml and events/).
        #[arg(long, default_value = "catalog")]
        catalog: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Print the lint rules and exit.
        #[arg(long)]
        list_rules: bool,
    },
    /// Generate Rust, JSON Schema, TypeScript and Markdown from the catalog into <out>.
    Generate {
        #[arg(long, default_value = "catalog")]
        catalog: PathBuf,
        /// The output folder (the generated crate's root).
        #[arg(long, default_value = "generated")]
        out: PathBuf,
        /// Write nothing; list every stale or missing file and exit 1 if there is any.
        #[arg(long)]
        check: bool,
        /// Output format of the report.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Write realistic sample payloads (valid, and invalid with known reasons) as NDJSON.
    Sample(cli::sample::SampleArgs),
    /// Classify every change between two catalogs and check the version bumps.
    Compat(cli::compat::CompatArgs),
    /// Write the JSON Schemas of the catalog format (for editors) into <catalog>/schema/.
    Schema {
        #[arg(long, default_value = "catalog")]
        catalog: PathBuf,
        /// Write nothing; exit 1 when a schema file is missing or out of date.
        #[arg(long)]
        check: bool,
    },
}

/// How findings are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Diagnostics with source snippets, for people.
    Human,
    /// One JSON document, for machines.
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Lint {
            catalog,
            format,
            list_rules,
        } => {
            if list_rules {
                report::print_rules(format);
                Ok(true)
            } else {
                lint(&catalog, format)
            }
        }
        Command::Schema { catalog, check } => schema(&catalog, check),
        Command::Sample(args) => cli::sample::run(&args),
        Command::Compat(args) => cli::compat::run(&args),
        Command::Generate {
            catalog,
            out,
            check,
            format,
        } => generate(&catalog, &out, check, format),
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(error) => {
            eprintln!("error: {error}");
            let mut source = std::error::Error::source(error.as_ref());
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            ExitCode::from(2)
        }
    }
}

/// Ok(true): success (exit 0); Ok(false): findings (exit 1); Err: usage or I/O error (exit 2).
pub type Outcome = Result<bool, Box<dyn std::error::Error>>;

/// Returns Ok(true) when the catalog has no errors.
fn lint(catalog: &std::path::Path, format: Format) -> Outcome {
    let loaded = eventcat::load(catalog)?;
    let findings = eventcat::lint::lint(&loaded);
    report::print_findings(&loaded, &findings, format);
    Ok(!eventcat::diagnostics::has_errors(&findings))
}

fn generate(
    catalog: &std::path::Path,
    out: &std::path::Path,
    check: bool,
    format: Format,
) -> Outcome {
    use eventcat::generate::{GenerateError, Mode};
    let mode = if check { Mode::Check } else { Mode::Write };
    match eventcat::generate::generate(catalog, out, mode) {
        Ok(outcome) => {
            report::print_generate(out, &outcome, mode, format);
            Ok(outcome.is_current() || mode == Mode::Write)
        }
        Err(GenerateError::Lower(eventcat::ir::LowerError::Invalid(findings))) => {
            // The catalog has lint errors: show them as `lint` would, and fail with findings.
            let loaded = eventcat::load(catalog)?;
            report::print_findings(&loaded, &findings, format);
            eprintln!("error: fix the findings above before generating");
            Ok(false)
        }
        // A change to a published version is a finding about the catalog, not a usage error.
        Err(error @ GenerateError::Immutable(_)) => {
            eprintln!("error: {error}");
            Ok(false)
        }
        Err(error) => Err(error.into()),
    }
}

fn schema(catalog: &std::path::Path, check: bool) -> Outcome {
    let dir = catalog.join("schema");
    let mut current = true;
    for (name, contents) in eventcat::catalog_schema::files() {
        let path = dir.join(name);
        let on_disk = std::fs::read_to_string(&path).ok();
        if on_disk.as_deref() == Some(contents.as_str()) {
            continue;
        }
        if check {
            println!("stale: {}", path.display());
            current = false;
        } else {
            std::fs::create_dir_all(&dir)?;
            std::fs::write(&path, contents)?;
            println!("wrote {}", path.display());
        }
    }
    Ok(current)
}
