//! `eventcat fmt`: rewrite every catalog file in the canonical layout ([`eventcat::fmt`]).

use std::path::PathBuf;

use eventcat::fmt::{self as layout, Kind};

use super::output::{Output, outln, plural, print_json};
use super::{Format, paths};

/// Arguments of `eventcat fmt`.
#[derive(Debug, clap::Args)]
pub struct FmtArgs {
    /// The catalog folder.
    #[arg(long, default_value = "catalog")]
    pub catalog: PathBuf,
    /// Write nothing; list every file that is not in the canonical layout and exit 1 if any.
    #[arg(long)]
    pub check: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

pub fn run(args: &FmtArgs, output: &Output) -> super::Outcome {
    paths::catalog(&args.catalog)?;
    let loaded = eventcat::load(&args.catalog)?;
    let mut changed = Vec::new();
    let mut refused = Vec::new();
    for source in &loaded.sources {
        let kind = if source.relative == eventcat::load::CATALOG_FILE {
            Kind::Catalog
        } else {
            Kind::Event
        };
        match layout::format(&source.text, kind) {
            Ok(formatted) if formatted == source.text => {}
            Ok(formatted) => {
                if !args.check {
                    let path = args.catalog.join(&source.relative);
                    eventcat::generate::write_atomically(&path, formatted.as_bytes())?;
                }
                changed.push(source.display.clone());
            }
            Err(error) => refused.push((source.display.clone(), error.to_string())),
        }
    }
    let ok = refused.is_empty() && (changed.is_empty() || !args.check);
    match args.format {
        Format::Json => print_json(&serde_json::json!({
            "ok": ok,
            "check": args.check,
            "files": loaded.sources.len(),
            "changed": changed,
            "refused": refused.iter().map(|(file, reason)| serde_json::json!({"file": file, "reason": reason})).collect::<Vec<_>>(),
        }))?,
        Format::Human | Format::Github => {
            let verb = if args.check {
                "would reformat"
            } else {
                "reformatted"
            };
            for file in &changed {
                if args.format == Format::Github {
                    outln!(
                        "::error file={file},title=eventcat fmt::not in the canonical layout: run `eventcat fmt`"
                    )?;
                } else if args.check || !output.quiet {
                    outln!("{verb} {file}")?;
                }
            }
            for (file, reason) in &refused {
                outln!("{}: {file}: {reason}", output.red("error"))?;
            }
            if !(output.quiet && ok) {
                outln!(
                    "{}: {} {verb}, {} left alone",
                    plural(loaded.sources.len(), "file"),
                    changed.len(),
                    refused.len()
                )?;
            }
        }
    }
    Ok(ok)
}
