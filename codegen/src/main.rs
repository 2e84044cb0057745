//! The `eventcat` command line: parse arguments, run the command ([`cli`]), map the outcome to
//! an exit code.
//!
//! Exit codes: 0 ok, 1 findings (lint errors, stale files), 2 usage or I/O errors. With
//! `--format json`, stdout always gets one JSON document, failures included. A stdout closed
//! by its reader (`| head -1`) ends the command quietly with 0, as in ripgrep.

mod cli;

use std::process::ExitCode;

use clap::Parser;

use cli::output::{error_document, failure_kind, is_broken_pipe, print_json};

fn main() -> ExitCode {
    let raw: Vec<String> = std::env::args().collect();
    let cli = match cli::Cli::try_parse_from(&raw) {
        Ok(cli) => cli,
        Err(error) => {
            use clap::error::ErrorKind;
            let informational = matches!(
                error.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            );
            if !informational && cli::args_want_json(&raw) {
                let message = error.render().to_string();
                let message = message.lines().next().unwrap_or_default();
                let message = message.strip_prefix("error: ").unwrap_or(message);
                // Best effort: the usage error still goes to stderr below.
                let _ = print_json(&serde_json::json!({
                    "ok": false,
                    "error": {"kind": "usage", "message": message, "causes": []},
                }));
                eprint!("{}", error.render());
                return ExitCode::from(2);
            }
            error.exit();
        }
    };
    let json = cli.command.wants_json();
    match cli::run(cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        // The reader of stdout has gone (`eventcat lint --list-rules | head -1`): nothing more
        // can be said to it, and nothing went wrong. Exit 0 without a word, as ripgrep does.
        Err(error) if is_broken_pipe(error.as_ref()) => ExitCode::SUCCESS,
        Err(error) => {
            if json {
                let _ = print_json(&error_document(
                    failure_kind(error.as_ref()),
                    error.as_ref(),
                ));
            }
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
