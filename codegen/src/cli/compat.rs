//! `eventcat compat`: parse the arguments, run [`eventcat::compat::compat`], print the report.

use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use eventcat::compat::report::{self, Format};
use eventcat::compat::{self, Mode, Options, Outcome, Policy, Request};

use super::output::out;

/// Arguments of `eventcat compat`.
#[derive(Debug, clap::Args)]
pub struct CompatArgs {
    /// The old catalog: a git revision (HEAD, HEAD~1, origin/main; read through git, no checkout)
    /// or a catalog folder.
    #[arg(long)]
    pub against: String,
    /// The current catalog folder.
    #[arg(long, default_value = "catalog")]
    pub catalog: PathBuf,
    /// The published schemas, the history the transitive modes check against
    /// [default: generated/schemas beside the catalog folder]
    #[arg(long)]
    pub schemas: Option<PathBuf>,
    /// The directions every change must be compatible in, and against which versions.
    #[arg(
        long,
        default_value = "backward",
        value_parser = PossibleValuesParser::new(Mode::NAMES)
            .map(|name| name.parse::<Mode>().unwrap_or(Mode::Backward))
    )]
    pub mode: Mode,
    /// strict: a closed schema rejects undeclared properties; lenient: readers ignore them.
    #[arg(
        long,
        default_value = "strict",
        value_parser = PossibleValuesParser::new(Policy::NAMES)
            .map(|name| name.parse::<Policy>().unwrap_or(Policy::Strict))
    )]
    pub policy: Policy,
    /// Output format.
    #[arg(
        long,
        default_value = "human",
        value_parser = PossibleValuesParser::new(Format::NAMES)
            .map(|name| name.parse::<Format>().unwrap_or(Format::Human))
    )]
    pub format: Format,
}

/// Exit 0: compatible and bumped right; 1: a failing change or bump (or lint errors); 2: usage,
/// git or I/O errors.
pub fn run(args: &CompatArgs, output: &super::output::Output) -> super::Outcome {
    super::paths::catalog(&args.catalog)?;
    if let Some(schemas) = &args.schemas {
        super::paths::folder("published schemas folder", schemas, "--schemas", false)?;
    }
    let request = Request {
        catalog: args.catalog.clone(),
        against: args.against.clone(),
        schemas: args.schemas.clone(),
        options: Options {
            mode: args.mode,
            policy: args.policy,
        },
    };
    match compat::compat(&request)? {
        Outcome::Report(report) => {
            // GitHub wants paths relative to the repository; no repository, the paths as given.
            let repo = compat::source::repo_path(&args.catalog).ok().flatten();
            out!("{}", report::render(&report, args.format, repo.as_ref()))?;
            Ok(report.ok)
        }
        Outcome::Invalid(loaded, findings) => {
            let format = match args.format {
                Format::Json => super::Format::Json,
                Format::Github => super::Format::Github,
                Format::Human => super::Format::Human,
            };
            super::findings::print_findings(&loaded, &findings, format, output)?;
            eprintln!("error: fix the catalog's lint errors before checking compatibility");
            Ok(false)
        }
    }
}
