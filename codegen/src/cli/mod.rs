//! The `eventcat` command line, one file a subcommand; `main` only parses and exits.
//!
//! Every command shares [`output`] (colour, `--quiet`, plurals, the JSON error document) and
//! [`paths`] (one check for folder arguments).

pub mod compat;
pub mod findings;
pub mod fmt;
pub mod generate;
pub mod lint;
pub mod new;
pub mod output;
pub mod paths;
pub mod retention;
pub mod sample;
pub mod schema;

use clap::{Parser, Subcommand, ValueEnum};

use output::{ColorChoice, Output};

/// Analytics event catalogs as YAML: lint them, generate typed code and versioned JSON Schemas.
#[derive(Debug, Parser)]
#[command(name = "eventcat", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// When to colour output: auto (stdout is a terminal and NO_COLOR is unset), always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print only findings and errors: no lists of written files, no summary of a clean run.
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load the catalog and report every finding with its file, line and column.
    Lint(lint::LintArgs),
    /// Generate Rust, JSON Schema, TypeScript and Markdown from the catalog into <out>.
    Generate(generate::GenerateArgs),
    /// Write realistic sample payloads (valid, and invalid with known reasons) as NDJSON.
    Sample(sample::SampleArgs),
    /// Classify every change between two catalogs and check the version bumps.
    Compat(compat::CompatArgs),
    /// Write the JSON Schemas of the catalog format (for editors) into <catalog>/schema/.
    Schema(schema::SchemaArgs),
    /// Start a new event: write its file with placeholders and add it to its group's order.
    New(new::NewArgs),
    /// Rewrite catalog files in one canonical layout (`--check`: only report, for CI).
    Fmt(fmt::FmtArgs),
    /// Enforce the retention policies on the PostgreSQL tables: archive (export, then detach)
    /// and drop the partitions past their policy. Prints the plan; --apply carries it out.
    Retention(retention::RetentionArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) on stdout.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

impl Command {
    /// Whether the user asked for one JSON document (so failures are JSON too).
    pub fn wants_json(&self) -> bool {
        match self {
            Command::Lint(args) => args.format == Format::Json,
            Command::Generate(args) => args.format == Format::Json,
            Command::Schema(args) => args.format == Format::Json,
            Command::Fmt(args) => args.format == Format::Json,
            Command::New(args) => args.format == Format::Json,
            Command::Compat(args) => args.format == eventcat::compat::report::Format::Json,
            Command::Retention(args) => args.format == retention::RetentionFormat::Json,
            Command::Sample(_) | Command::Completions { .. } => false,
        }
    }
}

/// How findings are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Diagnostics with source snippets, for people.
    Human,
    /// One JSON document on stdout, for machines (also when the command fails).
    Json,
    /// GitHub Actions workflow annotations (`::error file=...`), then a summary line.
    Github,
}

/// Ok(true): success (exit 0); Ok(false): findings (exit 1); Err: usage or I/O error (exit 2).
pub type Outcome = Result<bool, Box<dyn std::error::Error>>;

/// Runs the parsed command.
pub fn run(cli: Cli) -> Outcome {
    let output = Output::new(cli.color, cli.quiet);
    match cli.command {
        Command::Lint(args) => lint::run(&args, &output),
        Command::Generate(args) => generate::run(&args, &output),
        Command::Schema(args) => schema::run(&args, &output),
        Command::Sample(args) => sample::run(&args),
        Command::Compat(args) => compat::run(&args, &output),
        Command::New(args) => new::run(&args, &output),
        Command::Fmt(args) => fmt::run(&args, &output),
        Command::Retention(args) => retention::run(&args),
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            // Into memory first: clap_complete panics when a write fails (a closed pipe).
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command, "eventcat", &mut script);
            std::io::Write::write_all(&mut std::io::stdout().lock(), &script)?;
            Ok(true)
        }
    }
}

/// Whether raw arguments ask for `--format json` (for usage errors, before parsing succeeded).
pub fn args_want_json(args: &[String]) -> bool {
    args.windows(2)
        .any(|w| w[0] == "--format" && w[1] == "json")
        || args.iter().any(|a| a == "--format=json")
}
