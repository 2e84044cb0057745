//! Compatibility between two versions of a catalog: `eventcat compat`.
//!
//! Analytics events outlive the code that sends them: the warehouse holds years of old payloads
//! and old app builds keep sending old versions. `compat` classifies every change between the
//! current catalog and an old one (a git revision or a folder), judges it under a compatibility
//! mode and policy (Confluent Schema Registry's), checks that each event's semantic version was
//! bumped enough, and that the catalog's version follows its events.
//!
//! | module | job |
//! |---|---|
//! | [`kind`] | the change kinds and their verdicts ([`crate::change_kind`], beside the model that names them) |
//! | [`shape`] | an event's normalized shape, read from its JSON Schema (ours or a published one) |
//! | [`diff`] | the rules: every change between two shapes, located |
//! | [`mode`] | modes and policies, and a change's verdict under them |
//! | [`bump`] | semantic version bumps: the one made and the one required |
//! | [`published`] | published versions ([`crate::published`], shared with `generate`) |
//! | [`source`] | the old catalog: from a git revision (through `git`) or a folder |
//! | [`check`] | the comparison: events, envelope, catalog version, accepted changes, transitive |
//! | [`report`] | human, JSON and GitHub renderings |

pub mod bump;
pub mod check;
pub mod diff;
pub use crate::change_kind as kind;
pub mod mode;
pub use crate::published;
pub mod report;
pub mod shape;
pub mod source;

#[cfg(test)]
mod rules_tests;

use std::path::{Path, PathBuf};

pub use bump::Bump;
pub use check::{Options, Report, Severity};
pub use diff::{Change, Scope};
pub use kind::ChangeKind;
pub use mode::{Direction, Mode, Policy, Verdict};

use crate::diagnostics::Finding as LintFinding;
use crate::load::{self, LoadError, LoadedCatalog};

/// What to compare.
#[derive(Debug, Clone)]
pub struct Request {
    /// The current catalog folder.
    pub catalog: PathBuf,
    /// A git revision or a catalog folder.
    pub against: String,
    /// The published schemas; `None`: `generated/schemas` beside the catalog folder.
    pub schemas: Option<PathBuf>,
    pub options: Options,
}

impl Request {
    /// The published schemas folder: as given, or `<catalog>/../generated/schemas`.
    pub fn schemas_dir(&self) -> PathBuf {
        match &self.schemas {
            Some(dir) => dir.clone(),
            None => default_schemas_dir(&self.catalog),
        }
    }
}

/// `generated/schemas` beside the catalog folder (`catalog` → `generated/schemas`).
pub fn default_schemas_dir(catalog: &Path) -> PathBuf {
    catalog
        .parent()
        .unwrap_or(Path::new(""))
        .join("generated")
        .join("schemas")
}

/// What a comparison gave.
#[derive(Debug)]
pub enum Outcome {
    /// The comparison's report.
    Report(Box<Report>),
    /// The current catalog has lint errors: nothing can be compared until they are fixed.
    Invalid(Box<LoadedCatalog>, Vec<LintFinding>),
}

/// Why a comparison could not run (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum CompatError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Source(#[from] source::SourceError),
    #[error(transparent)]
    Published(#[from] published::PublishedError),
}

/// Loads the current catalog, reads the old one and the published schemas, and compares.
pub fn compat(request: &Request) -> Result<Outcome, CompatError> {
    let loaded = load::load(&request.catalog)?;
    let catalog = match crate::ir::lower(&loaded) {
        Ok(catalog) => catalog,
        Err(crate::ir::LowerError::Invalid(findings)) => {
            return Ok(Outcome::Invalid(Box::new(loaded), findings));
        }
    };
    let against = source::Against::parse(&request.against);
    let old = source::read_old(&against, &request.catalog)?;
    let published = published::Published::read(&request.schemas_dir())?;
    let current = check::Current {
        loaded: &loaded,
        catalog: &catalog,
    };
    let mut report = check::check(
        current,
        old.as_ref(),
        &against.label(),
        &published,
        request.options,
    )?;
    // Against a revision, the published files themselves must not have changed since.
    if let source::Against::Git(rev) = &against
        && let Some(at_rev) = source::published_at(rev, &published.dir)?
    {
        let notes = check::published_changes(&at_rev, &published, rev);
        if !notes.is_empty() {
            report.ok = false;
            report.notes.extend(notes);
        }
    }
    Ok(Outcome::Report(Box::new(report)))
}
