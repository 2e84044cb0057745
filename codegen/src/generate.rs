//! `eventcat generate`: every emitter's output, written atomically, or checked for staleness.
//!
//! A file is only rewritten when its bytes change (so build systems and editors see no churn), and
//! always through a temporary file in the same folder renamed into place, so a crash never leaves
//! a half-written file behind.
//!
//! Published versions are immutable: `schemas/<event>/<version>.json` is written once. What is
//! published is what the checked-in `schemas/index.json` lists plus the version files on disk
//! ([`crate::published`]). A bumped event gets a new file and keeps every older one; the
//! index and the union schema cover them all. Before anything is written (or checked), a
//! published version whose schema the catalog would change, a listed file that was deleted, or an
//! event whose version went below a published one stops `generate` with
//! [`GenerateError::Immutable`], naming the event. A published file of the current version that
//! differs only in its generated-by notice (which names the catalog version it was first written
//! from) is left as it is.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::emit::{self, OutputFile, json_schema};
use crate::ir::{self, LowerError};
use crate::load::{self, LoadError};
use crate::published::{self, Published, PublishedError, Violation};

/// What `generate` is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Write every file whose contents changed.
    Write,
    /// Write nothing; report every file that is missing or differs.
    Check,
}

/// What `generate` did (or, with [`Mode::Check`], would do), by output path.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Written because they were missing or different ([`Mode::Write`]).
    pub written: Vec<String>,
    /// Already current.
    pub unchanged: Vec<String>,
    /// Different from what the catalog gives ([`Mode::Check`]).
    pub stale: Vec<String>,
    /// Not there at all ([`Mode::Check`]).
    pub missing: Vec<String>,
}

impl Report {
    /// True when the output folder is current.
    pub fn is_current(&self) -> bool {
        self.stale.is_empty() && self.missing.is_empty()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Lower(#[from] LowerError),
    #[error("cannot write `{}`: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Published(#[from] PublishedError),
    /// The catalog would break published versions; nothing was written.
    #[error("published schema versions are immutable; nothing was written:\n{}", list(.0))]
    Immutable(Vec<Violation>),
}

fn list(violations: &[Violation]) -> String {
    violations
        .iter()
        .map(|v| format!("  - {v}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Loads, lints and lowers the catalog in `catalog_dir`, and writes or checks every generated
/// file below `out_dir`, keeping every published schema version.
pub fn generate(catalog_dir: &Path, out_dir: &Path, mode: Mode) -> Result<Report, GenerateError> {
    let loaded = load::load(catalog_dir)?;
    let catalog = ir::lower(&loaded)?;
    let published = Published::read(&out_dir.join(SCHEMAS_DIR))?;
    let violations = published::violations(&published, &catalog)?;
    if !violations.is_empty() {
        return Err(GenerateError::Immutable(violations));
    }
    let history = published.history(&catalog)?;

    // Every emitter's files, with the schemas' index and union (and the SQL migrations) covering
    // the history too; each schema rendered once.
    let mut files: Vec<OutputFile> = emit::all_with_history(&catalog, &history);
    files.extend(emit::sql::files(&catalog, &history));
    files.sort_by(|a, b| a.path.cmp(&b.path));

    // A published current version stays byte for byte as first written (the checks above proved
    // it has the same contract; only its generated-by notice may differ).
    let published_current: BTreeSet<String> = catalog
        .events
        .values()
        .filter(|event| published.path(&event.name, &event.version).is_some())
        .map(|event| {
            format!(
                "{SCHEMAS_DIR}/{}",
                json_schema::schema_path(&event.name, &event.version)
            )
        })
        .collect();
    let (kept, files): (Vec<OutputFile>, Vec<OutputFile>) = files
        .into_iter()
        .partition(|file| published_current.contains(&file.path));
    let mut report = sync(out_dir, &files, mode)?;
    report
        .unchanged
        .extend(kept.into_iter().map(|file| file.path));
    report.unchanged.sort();
    Ok(report)
}

/// The folder of the JSON Schemas below the output folder.
pub const SCHEMAS_DIR: &str = "schemas";

/// Brings `out_dir` in line with `files` (or reports how it differs).
pub fn sync(out_dir: &Path, files: &[OutputFile], mode: Mode) -> Result<Report, GenerateError> {
    let mut report = Report::default();
    for file in files {
        let path = out_dir.join(&file.path);
        let current = std::fs::read(&path).ok();
        match (current, mode) {
            (Some(bytes), _) if bytes == file.contents.as_bytes() => {
                report.unchanged.push(file.path.clone());
            }
            (None, Mode::Check) => report.missing.push(file.path.clone()),
            (Some(_), Mode::Check) => report.stale.push(file.path.clone()),
            (_, Mode::Write) => {
                write_atomically(&path, file.contents.as_bytes())?;
                report.written.push(file.path.clone());
            }
        }
    }
    Ok(report)
}

/// Writes `contents` to a temporary file beside `path`, then renames it over `path`.
pub fn write_atomically(path: &Path, contents: &[u8]) -> Result<(), GenerateError> {
    let io = |source| GenerateError::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    std::io::Write::write_all(&mut temp, contents).map_err(io)?;
    temp.as_file().sync_all().map_err(io)?;
    temp.persist(path).map_err(|error| io(error.error))?;
    Ok(())
}
