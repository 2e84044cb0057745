//! `eventcat-validate [FILES...]`: checks event payloads against the catalog's versioned JSON
//! Schemas. Parses arguments, calls `eventcat::validate`, maps the result to an exit code:
//! 0 every payload valid, 1 any invalid, 2 usage or I/O error; a stdout closed by its reader
//! (`| head -1`) ends the run quietly with 0, as in ripgrep.
//!
//! Front-ends over the same engine are subcommands (`eventcat-validate serve ...`), each in a
//! module of its own; checking files stays the command without a subcommand.

mod outputs;
mod serve;

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};
use eventcat_engine::{
    self as validate, Input, InputFormat, NdjsonSink, Options, Outputs, Registry, ReportFormat,
};
use eventcat_validate::postgres::{DEFAULT_BATCH_ROWS, Loader, PostgresSink};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Validate analytics event payloads against the catalog's versioned JSON Schemas.
///
/// Reads NDJSON (one payload a line), a JSON array of payloads, or JSON documents, from files
/// or stdin (none or `-`), gzip-compressed or not. Each payload is checked against the schema of
/// its `event_name` and `version`, plus the catalog's privacy rules. Every input line is
/// accounted for. Exit status: 0 all valid, 1 any invalid, 2 usage or I/O error.
#[derive(Debug, Parser)]
#[command(
    name = "eventcat-validate",
    version,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    check: Args,
}

/// The front-ends other than checking files. Each is a module; adding one is a variant here
/// and an arm in `main`.
#[derive(Debug, Subcommand)]
enum Command {
    /// Run an HTTP collector: validate events posted to /v1/events, keep them for a test API
    /// (/micro/*) and a page (/), write good events and bad rows to outputs.
    Serve(Box<serve::Args>),
    /// Validate the raw events of a JetStream stream: each message comes out on the good
    /// subject, or as a bad row on the bad subject (a durable pull consumer that any number of
    /// validators share). Prints its statistics as JSON when it stops (SIGTERM, or
    /// --stop-when-idle).
    Consume(Box<eventcat_validate::nats::ConsumeArgs>),
    /// Publish NDJSON lines to a JetStream subject, one message a line, each acknowledged.
    Publish(Box<eventcat_validate::nats::PublishArgs>),
    /// Validate the inputs and store them in PostgreSQL: valid payloads in the catalog's tables
    /// (generated/sql/schema.sql), bad rows in eventcat.bad_events. Loading the same input
    /// again adds nothing.
    Load(Box<LoadArgs>),
}

/// `load`: where to store, and the same inputs and options as checking files.
#[derive(Debug, clap::Args)]
struct LoadArgs {
    /// The database: `postgres://user@host:port/db` (or `host=... dbname=...`).
    #[arg(long, value_name = "URL")]
    postgres: String,
    /// Rows per batch (one transaction each).
    #[arg(long, default_value_t = eventcat_validate::postgres::DEFAULT_BATCH_ROWS, value_name = "N")]
    batch_rows: usize,
    /// How valid payloads reach their tables: `copy` types them here and copies them straight
    /// into their tables (a batch holding a row stored already is redone the `staged` way;
    /// the generated loader functions only for what the column map does not cover); `staged`
    /// and `functions`, the earlier ways (typed rows through a staging table and `ON
    /// CONFLICT`; every payload through the loader functions), for comparison.
    #[arg(long, value_enum, default_value_t = Loader::Copy)]
    loader: Loader,
    #[command(flatten)]
    args: Args,
}

/// Checking files (or stdin): the command without a subcommand.
#[derive(Debug, clap::Args)]
struct Args {
    /// Input files (`-` for stdin; stdin when none). `.gz` files and gzip data are decompressed.
    files: Vec<String>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Write every valid payload here, in input order. A `postgres://` URL stores them in the
    /// catalog's tables instead, and the bad rows in eventcat.bad_events (as `load`).
    #[arg(long, value_name = "FILE")]
    good: Option<PathBuf>,
    /// Write a JSON row for every other line here (reasons and the original line), in order.
    #[arg(long, value_name = "FILE")]
    bad: Option<PathBuf>,
    /// Use the schemas in DIR (`<event>/<version>.json`, like generated/schemas) instead of the
    /// embedded ones. With --catalog: the published versions to add to the catalog's.
    #[arg(long, value_name = "DIR")]
    schemas: Option<PathBuf>,
    /// Compile the schemas of the catalog in DIR in memory instead of using the embedded ones,
    /// plus every published version in `generated/schemas` beside it (DIR/../generated/schemas,
    /// or --schemas), so older versions stay valid after a bump.
    #[arg(long, value_name = "DIR")]
    catalog: Option<PathBuf>,
    /// Worker threads (0: every core).
    #[arg(long, default_value_t = 0, value_name = "N")]
    threads: usize,
    /// Input layout: `auto` sees a JSON array by its `[`, pretty-printed JSON by a lone `{` on
    /// the first line, NDJSON otherwise.
    #[arg(long, value_enum, default_value_t = Layout::Auto)]
    input_format: Layout,
    /// Lines (or payloads) longer than this are skipped unread and reported as
    /// `input:too_long`.
    #[arg(long, default_value_t = validate::DEFAULT_MAX_LINE_BYTES, value_name = "BYTES")]
    max_line_bytes: usize,
    /// Rows of "most frequent errors" in the summary.
    #[arg(long, default_value_t = 10, value_name = "N")]
    top: usize,
    /// Never show the progress bar (it shows on stderr only when stderr is a terminal).
    #[arg(long)]
    no_progress: bool,
    /// Print the event versions the registry holds, each with the path its payloads take
    /// (`one-pass`, or `tree` and the keyword that needs it), and exit.
    #[arg(long)]
    list_schemas: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    /// `file:line: event version: N errors` and one line per error; a summary table.
    Human,
    /// One JSON document: {"invalid": [...], "summary": {...}}.
    Json,
    /// One JSON object a line ("type": "invalid"), then the summary ("type": "summary").
    Ndjson,
    /// GitHub Actions annotations (::error file=...,line=...::), then the summary.
    Github,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Layout {
    Auto,
    Ndjson,
    Json,
}

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A machine asking for JSON gets one document on stdout even when nothing could be checked.
    let json = cli.command.is_none() && matches!(cli.check.format, Format::Json);
    let result = match cli.command {
        Some(Command::Serve(args)) => serve::run(*args),
        Some(Command::Consume(args)) => {
            eventcat_validate::nats::run_consume(*args).map(|()| ExitCode::SUCCESS)
        }
        Some(Command::Publish(args)) => {
            eventcat_validate::nats::run_publish(*args).map(|()| ExitCode::SUCCESS)
        }
        Some(Command::Load(load)) => {
            let LoadArgs {
                postgres,
                batch_rows,
                loader,
                args,
            } = *load;
            run(args, Some((postgres, batch_rows, loader)))
        }
        None => {
            let url = cli
                .check
                .good
                .as_deref()
                .and_then(|p| p.to_str())
                .filter(|p| p.starts_with("postgres://") || p.starts_with("postgresql://"))
                .map(str::to_owned);
            let mut args = cli.check;
            if url.is_some() {
                args.good = None;
            }
            run(args, url.map(|url| (url, DEFAULT_BATCH_ROWS, Loader::Copy)))
        }
    };
    match result {
        Ok(code) => code,
        // The reader of stdout has gone (`eventcat-validate --list-schemas | head -1`): exit 0
        // without a word, as ripgrep does. (A run with other outputs says what it left undone:
        // see `run`.)
        Err(error) if is_broken_pipe(error.as_ref()) => ExitCode::SUCCESS,
        Err(error) => {
            if json {
                let document = serde_json::json!({
                    "ok": false,
                    "error": {"kind": "error", "message": error.to_string()},
                });
                let _ = writeln!(io::stdout().lock(), "{document}");
            }
            eprintln!("error: {error}");
            ExitCode::from(2)
        }
    }
}

fn run(
    args: Args,
    postgres: Option<(String, usize, Loader)>,
) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let registry = Arc::new(match (&args.schemas, &args.catalog) {
        (Some(published), Some(dir)) => {
            eventcat::validate::catalog_registry_with(dir, Some(published))?
        }
        (Some(dir), None) => Registry::from_dir(dir)?,
        (None, Some(dir)) => eventcat::validate::catalog_registry(dir)?,
        (None, None) => eventcat_validate::embedded_registry()?,
    });
    if args.list_schemas {
        let mut out = io::stdout().lock();
        // Which engine checks each schema: the one-pass program, or the tree (and why).
        let path = |schema: &validate::CompiledSchema| match schema.engine() {
            Ok(()) => "one-pass".to_owned(),
            Err(reason) => format!("tree ({reason})"),
        };
        match args.format {
            Format::Json | Format::Ndjson => {
                let schemas: Vec<serde_json::Value> = registry
                    .schemas()
                    .map(|(_, schema)| {
                        serde_json::json!({
                            "event": schema.event,
                            "version": schema.version,
                            "origin": schema.origin,
                            "engine": path(schema),
                        })
                    })
                    .collect();
                if matches!(args.format, Format::Json) {
                    writeln!(out, "{}", serde_json::Value::Array(schemas))?;
                } else {
                    for schema in schemas {
                        writeln!(out, "{schema}")?;
                    }
                }
            }
            Format::Human | Format::Github => {
                for (_, schema) in registry.schemas() {
                    writeln!(out, "{} {} {}", schema.event, schema.version, path(schema))?;
                }
            }
        }
        return Ok(ExitCode::SUCCESS);
    }

    let inputs: Vec<Input> = if args.files.is_empty() {
        vec![Input::stdin()]
    } else {
        args.files.iter().map(|f| Input::from_arg(f)).collect()
    };
    let reads_stdin = args.files.is_empty() || args.files.iter().any(|f| f == "-");
    if reads_stdin && io::stdin().is_terminal() {
        // Waiting silently on a terminal looks like a hang.
        eprintln!(
            "eventcat-validate: reading payloads from stdin (end with Ctrl-D, or pass files as arguments)"
        );
    }
    let good = args.good.as_deref().map(create).transpose()?;
    let bad = args.bad.as_deref().map(create).transpose()?;

    let bar = progress_bar(&args, &inputs);
    let stdout = io::stdout().lock();
    let mut report = BufWriter::with_capacity(
        1 << 20,
        Suspending {
            bar: bar.clone(),
            inner: stdout,
        },
    );
    let options = Options {
        threads: args.threads,
        max_line_bytes: args.max_line_bytes,
        input_format: match args.input_format {
            Layout::Auto => InputFormat::Auto,
            Layout::Ndjson => InputFormat::Ndjson,
            Layout::Json => InputFormat::Json,
        },
        format: match args.format {
            Format::Human => ReportFormat::Human,
            Format::Json => ReportFormat::Json,
            Format::Ndjson => ReportFormat::Ndjson,
            Format::Github => ReportFormat::Github,
        },
        top_errors: args.top,
        progress: bar.clone().map(|bar| {
            Box::new(move |p: &validate::Progress| {
                bar.set_position(p.bytes_read);
                bar.set_message(format!("{} payloads, {} invalid", p.payloads, p.invalid));
            }) as validate::ProgressFn
        }),
        ..Options::default()
    };
    let mut sink = (good.is_some() || bad.is_some()).then(|| NdjsonSink::new(good, bad));
    let mut database = match &postgres {
        Some((url, batch_rows, loader)) => {
            let sink = PostgresSink::connect_with(url, *loader)?.with_batch_rows(*batch_rows);
            // Files are read to their end: commit full batches, not every piece read.
            Some(if inputs.iter().all(|input| input.size().is_some()) {
                sink.commit_full_batches()
            } else {
                sink
            })
        }
        None => None,
    };
    let outputs = Outputs {
        report: &mut report,
        sink: match (&mut database, &mut sink) {
            (Some(database), _) => Some(database as &mut dyn validate::Sink),
            (None, sink) => sink.as_mut().map(|s| s as &mut dyn validate::Sink),
        },
    };
    let mut result = validate::run(registry, inputs, &options, outputs);
    drop(report);
    if let (Ok(_), Some(database)) = (&result, &mut database)
        && let Err(error) = database.finish()
    {
        result = Err(validate::RunError::Output(error));
    }
    if let Some(database) = &database {
        // After the report, on stderr: stdout stays the report's (JSON stays one document).
        eprintln!("{}", database.stats());
    }
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let summary = match result {
        Ok(summary) => summary,
        Err(validate::RunError::Output(error)) if error.kind() == io::ErrorKind::BrokenPipe => {
            // The report's reader closed stdout (`| head -1`): the run stops there, as ripgrep
            // does. With only the report to write, that is a quiet exit 0. With --good, --bad
            // or a database, those outputs now end where the run stopped: say so and exit 2,
            // or a partial load would pass for a complete one.
            if sink.is_some() || database.is_some() {
                eprintln!(
                    "error: stdout was closed before the end of the report; the run stopped there, \
                     so --good/--bad/--postgres hold only the payloads checked before it"
                );
                return Ok(ExitCode::from(2));
            }
            return Ok(ExitCode::SUCCESS);
        }
        Err(error) => return Err(error.into()),
    };
    for file in &summary.files {
        if let Some(failure) = &file.failure {
            eprintln!("error: {}: {failure}", file.file);
        } else if file.lines == 0 && file.payloads == 0 {
            // An empty input is valid (nothing is invalid) but rarely what was meant.
            eprintln!(
                "warning: {}: the input is empty: no payload was checked",
                file.file
            );
        }
    }
    Ok(if summary.has_failures() {
        ExitCode::from(2)
    } else if summary.invalid > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Whether the error, or any error under it, is a write to a pipe whose reader has gone. The
/// Rust runtime ignores SIGPIPE, so a closed stdout comes back as this error instead of the
/// signal a C program would die of.
fn is_broken_pipe(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(error) = next {
        if error
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
        {
            return true;
        }
        next = error.source();
    }
    false
}

fn create(path: &Path) -> Result<BufWriter<File>, String> {
    File::create(path)
        .map(|f| BufWriter::with_capacity(1 << 20, f))
        .map_err(|e| format!("cannot create {}: {e}", path.display()))
}

/// A bar over the input bytes, on stderr, only when stderr is a terminal.
fn progress_bar(args: &Args, inputs: &[Input]) -> Option<ProgressBar> {
    if args.no_progress || !io::stderr().is_terminal() {
        return None;
    }
    let total: Option<u64> = inputs.iter().map(Input::size).sum();
    let bar = match total {
        Some(total) => ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
            .with_style(
                ProgressStyle::with_template(
                    "{elapsed_precise} [{wide_bar}] {bytes}/{total_bytes} {bytes_per_sec} {msg}",
                )
                .ok()?
                .progress_chars("=> "),
            ),
        None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(
            ProgressStyle::with_template(
                "{spinner} {elapsed_precise} {bytes} {bytes_per_sec} {wide_msg}",
            )
            .ok()?,
        ),
    };
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    Some(bar)
}

/// Writes with the progress bar out of the way, so reports and the bar do not mix on a
/// terminal.
struct Suspending<W> {
    bar: Option<ProgressBar>,
    inner: W,
}

impl<W: Write> Write for Suspending<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &self.bar {
            Some(bar) => bar.suspend(|| self.inner.write(buf)),
            None => self.inner.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
