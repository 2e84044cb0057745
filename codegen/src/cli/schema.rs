//! `eventcat schema`: write (or `--check`) the JSON Schemas of the catalog format.

use std::path::PathBuf;

use super::output::{Output, outln, print_json};
use super::{Format, paths};

/// Arguments of `eventcat schema`.
#[derive(Debug, clap::Args)]
pub struct SchemaArgs {
    /// The catalog folder; the schemas go to its `schema/` folder.
    #[arg(long, default_value = "catalog")]
    pub catalog: PathBuf,
    /// Write nothing; exit 1 when a schema file is missing or out of date.
    #[arg(long)]
    pub check: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

pub fn run(args: &SchemaArgs, output: &Output) -> super::Outcome {
    // The catalog must exist: writing its schema/ folder into a typo'd path helps no one.
    paths::catalog(&args.catalog)?;
    let dir = args.catalog.join("schema");
    let mut stale = Vec::new();
    let mut written = Vec::new();
    for (name, contents) in eventcat::catalog_schema::files() {
        let path = dir.join(name);
        let on_disk = std::fs::read_to_string(&path).ok();
        if on_disk.as_deref() == Some(contents.as_str()) {
            continue;
        }
        if args.check {
            stale.push(path.display().to_string());
        } else {
            std::fs::create_dir_all(&dir)?;
            std::fs::write(&path, contents)?;
            written.push(path.display().to_string());
        }
    }
    match args.format {
        Format::Json => print_json(&serde_json::json!({
            "ok": stale.is_empty(),
            "check": args.check,
            "stale": stale,
            "written": written,
        }))?,
        Format::Human | Format::Github => {
            for path in &stale {
                outln!(
                    "stale: {path}; run `eventcat schema --catalog {}`",
                    args.catalog.display()
                )?;
            }
            if !output.quiet {
                for path in &written {
                    outln!("wrote {path}")?;
                }
            }
        }
    }
    Ok(stale.is_empty())
}
