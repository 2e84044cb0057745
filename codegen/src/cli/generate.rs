//! `eventcat generate`: lint, lower, write (or `--check`) every output, and report.

use std::path::{Path, PathBuf};

use eventcat::compat::report::{escape_data, escape_property};
use eventcat::generate::{GenerateError, Mode, Report};

use super::output::{Output, outln, plural, print_json};
use super::{Format, findings, paths};

/// Arguments of `eventcat generate`.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// The catalog folder (holds catalog.yaml and events/).
    #[arg(long, default_value = "catalog")]
    pub catalog: PathBuf,
    /// The output folder (the generated crate's root).
    #[arg(long, default_value = "generated")]
    pub out: PathBuf,
    /// Write nothing; list every stale or missing file and exit 1 if there is any.
    #[arg(long)]
    pub check: bool,
    /// Output format of the report (`github`: a workflow annotation per stale or missing file).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

impl GenerateArgs {
    /// The command that writes what `--check` found stale, with the folders the user passed.
    fn fix_command(&self) -> String {
        let mut command = "eventcat generate".to_owned();
        if self.catalog != Path::new("catalog") {
            command.push_str(&format!(" --catalog {}", self.catalog.display()));
        }
        if self.out != Path::new("generated") {
            command.push_str(&format!(" --out {}", self.out.display()));
        }
        command
    }
}

pub fn run(args: &GenerateArgs, output: &Output) -> super::Outcome {
    paths::catalog(&args.catalog)?;
    if args.check {
        // Writing creates the output folder; checking one that is not there is a wrong path.
        paths::folder(
            "output folder",
            &args.out,
            "--out",
            args.out == Path::new("generated"),
        )?;
    }
    let mode = if args.check { Mode::Check } else { Mode::Write };
    match eventcat::generate::generate(&args.catalog, &args.out, mode) {
        Ok(report) => {
            print_report(args, &report, mode, output)?;
            Ok(report.is_current() || mode == Mode::Write)
        }
        Err(GenerateError::Lower(eventcat::ir::LowerError::Invalid(found))) => {
            // The catalog has lint errors: show them as `lint` would, and fail with findings.
            let loaded = eventcat::load(&args.catalog)?;
            findings::print_findings(&loaded, &found, args.format, output)?;
            if args.format != Format::Json {
                eprintln!(
                    "error: fix the findings above before generating (`eventcat lint --catalog {}`)",
                    args.catalog.display()
                );
            }
            Ok(false)
        }
        // A change to a published version is a finding about the catalog, not a usage error.
        Err(error @ GenerateError::Immutable(_)) => {
            match args.format {
                Format::Json => print_json(&super::output::error_document("immutable", &error))?,
                Format::Github => outln!(
                    "::error title=eventcat generate: published schema changed::{}",
                    escape_data(&error.to_string())
                )?,
                Format::Human => eprintln!("error: {error}"),
            }
            Ok(false)
        }
        Err(error) => Err(error.into()),
    }
}

fn print_report(
    args: &GenerateArgs,
    report: &Report,
    mode: Mode,
    output: &Output,
) -> std::io::Result<()> {
    let out = args.out.display();
    let stale_count = report.stale.len() + report.missing.len();
    match args.format {
        Format::Json => print_json(&serde_json::json!({
            "ok": report.is_current() || mode == Mode::Write,
            "out": args.out.to_string_lossy(),
            "check": mode == Mode::Check,
            "current": report.is_current(),
            "written": report.written,
            "unchanged": report.unchanged.len(),
            "stale": report.stale,
            "missing": report.missing,
        }))?,
        Format::Github => {
            for (kind, paths) in [("stale", &report.stale), ("missing", &report.missing)] {
                for path in paths {
                    outln!(
                        "::error file={},title={}::{}",
                        escape_property(&format!("{out}/{path}")),
                        escape_property(&format!("eventcat generate: {kind} file")),
                        escape_data(&format!(
                            "{out}/{path} is {kind}: run `{}` and commit the result",
                            args.fix_command()
                        ))
                    )?;
                }
            }
            if !(output.quiet && stale_count == 0) {
                outln!("{}", summary(args, report, mode))?;
            }
        }
        Format::Human => {
            if !output.quiet {
                for path in &report.written {
                    outln!("wrote {out}/{path}")?;
                }
            }
            for path in &report.stale {
                outln!("stale: {out}/{path}")?;
            }
            for path in &report.missing {
                outln!("missing: {out}/{path}")?;
            }
            if !(output.quiet && stale_count == 0) {
                let line = summary(args, report, mode);
                let line = if stale_count > 0 && mode == Mode::Check {
                    output.red(&line)
                } else {
                    line
                };
                outln!("{line}")?;
            }
        }
    }
    Ok(())
}

fn summary(args: &GenerateArgs, report: &Report, mode: Mode) -> String {
    let out = args.out.display();
    let unchanged = report.unchanged.len();
    if mode == Mode::Write {
        return format!(
            "{out}: {} written, {unchanged} unchanged",
            report.written.len()
        );
    }
    if report.is_current() {
        return format!("{out}: all {} are current", plural(unchanged, "file"));
    }
    format!(
        "{out}: {} stale, {} missing; run `{}` and commit the result",
        report.stale.len(),
        report.missing.len(),
        args.fix_command()
    )
}
