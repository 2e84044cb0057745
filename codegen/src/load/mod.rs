//! Reading a catalog folder into the model, keeping every source text for diagnostics.
//!
//! The loader never stops at the first broken file: a YAML error in one event becomes a finding
//! and the other files are still read, so `eventcat lint` reports every problem in one run. Only a
//! missing or unreadable folder is an error (`LoadError`), because then there is nothing to lint.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::diagnostics::{Finding, Rule};
use crate::model::{CatalogDef, EventDef};
use crate::span::Pos;

pub(crate) mod node;
pub(crate) mod shape;

use shape::{FileKind, Shape};

/// The name of the catalog-wide file at the root of a catalog folder.
pub const CATALOG_FILE: &str = "catalog.yaml";
/// The folder holding one subfolder per category.
pub const EVENTS_DIR: &str = "events";

/// I/O problems that make a catalog unreadable as a whole.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("catalog folder `{}` does not exist or is not a folder", .0.display())]
    NotADirectory(PathBuf),
    #[error("cannot read `{}`: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// A file of the catalog and its full text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the catalog root, with `/` separators (stable across machines).
    pub relative: String,
    /// The path as shown to the user: the catalog folder as given, joined with `relative`.
    pub display: String,
    pub text: String,
}

/// An event file that parsed.
#[derive(Debug, Clone)]
pub struct LoadedEvent {
    /// Index into [`LoadedCatalog::sources`].
    pub source: usize,
    /// The category folder the file is in (`events/<category>/...`).
    pub category_dir: String,
    /// The file name without `.yaml`.
    pub file_stem: String,
    pub def: EventDef,
}

/// An event file whose shape is wrong (it did not deserialize): its problems are findings, and
/// rules about other files treat it as present, so that it causes no follow-on findings (an
/// `order` entry naming it is not "an event that does not exist").
#[derive(Debug, Clone)]
pub struct BrokenEvent {
    /// Index into [`LoadedCatalog::sources`].
    pub source: usize,
    /// The category folder the file is in.
    pub category_dir: String,
    /// The file name without `.yaml`.
    pub file_stem: String,
    /// Its `name`, when that much could be read.
    pub name: Option<String>,
    /// Its `group`, when that much could be read.
    pub group: Option<String>,
}

impl BrokenEvent {
    /// The name the event most likely has: its `name`, else its file's stem.
    pub fn likely_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.file_stem)
    }
}

/// Everything read from a catalog folder, parsed or not.
#[derive(Debug, Clone)]
pub struct LoadedCatalog {
    pub root: PathBuf,
    pub sources: Vec<SourceFile>,
    /// `catalog.yaml` and its index in `sources`, when it exists and parsed.
    pub catalog: Option<(usize, CatalogDef)>,
    pub events: Vec<LoadedEvent>,
    /// Event files that did not parse (their findings are in `findings`).
    pub broken_events: Vec<BrokenEvent>,
    /// Problems found while reading: syntax errors, unknown keys, misplaced files.
    pub findings: Vec<Finding>,
}

impl LoadedCatalog {
    pub fn source(&self, index: usize) -> &SourceFile {
        &self.sources[index]
    }

    /// Every file the catalog is made of, as paths on disk (for `rerun-if-changed` and macros).
    pub fn files(&self) -> impl Iterator<Item = PathBuf> + '_ {
        self.sources
            .iter()
            .map(|source| self.root.join(&source.relative))
    }
}

/// Reads every YAML file of the catalog in `root`, in a stable (sorted) order.
pub fn load(root: &Path) -> Result<LoadedCatalog, LoadError> {
    if !root.is_dir() {
        return Err(LoadError::NotADirectory(root.to_path_buf()));
    }
    let mut loaded = LoadedCatalog {
        root: root.to_path_buf(),
        sources: Vec::new(),
        catalog: None,
        events: Vec::new(),
        broken_events: Vec::new(),
        findings: Vec::new(),
    };

    let catalog_path = root.join(CATALOG_FILE);
    if catalog_path.is_file() {
        let index = loaded.add_source(root, CATALOG_FILE)?;
        if let Ok(def) = loaded.parse::<CatalogDef>(index, FileKind::Catalog) {
            loaded.catalog = Some((index, def));
        }
    } else {
        loaded.findings.push(
            Finding::new(
                Rule::MissingCatalogFile,
                &display_path(root, CATALOG_FILE),
                Pos::new(1, 1),
                format!("the catalog folder has no `{CATALOG_FILE}`"),
            )
            .with_help("create it with the catalog's name, version, envelope, retention policies and categories"),
        );
    }

    for relative in yaml_files(root)? {
        let index = loaded.add_source(root, &relative)?;
        let parts: Vec<&str> = relative.split('/').collect();
        let [EVENTS_DIR, category, file] = parts.as_slice() else {
            let display = loaded.sources[index].display.clone();
            loaded.findings.push(
                Finding::new(
                    Rule::MisplacedFile,
                    &display,
                    Pos::new(1, 1),
                    format!("`{relative}` is not an event file: event files live in `{EVENTS_DIR}/<category>/<event name>.yaml`"),
                )
                .with_help("move it into its category's folder, or delete it"),
            );
            continue;
        };
        let category_dir = (*category).to_owned();
        let file_stem = file
            .strip_suffix(".yaml")
            .or_else(|| file.strip_suffix(".yml"))
            .unwrap_or(file)
            .to_owned();
        match loaded.parse::<EventDef>(index, FileKind::Event) {
            Ok(def) => loaded.events.push(LoadedEvent {
                source: index,
                category_dir,
                file_stem,
                def,
            }),
            Err(shape) => loaded.broken_events.push(BrokenEvent {
                source: index,
                category_dir,
                file_stem,
                name: shape.name,
                group: shape.group,
            }),
        }
    }
    Ok(loaded)
}

impl LoadedCatalog {
    fn add_source(&mut self, root: &Path, relative: &str) -> Result<usize, LoadError> {
        let path = root.join(relative);
        let bytes = std::fs::read(&path).map_err(|source| LoadError::Io {
            path: path.clone(),
            source,
        })?;
        let display = display_path(root, relative);
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(error) => {
                let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
                let valid = String::from_utf8_lossy(valid);
                let line = valid.matches('\n').count() as u32 + 1;
                let column = valid.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u32 + 1;
                self.findings.push(Finding::new(
                    Rule::YamlSyntax,
                    &display,
                    Pos::new(line, column),
                    "the file is not valid UTF-8",
                ));
                String::from_utf8_lossy(error.as_bytes()).into_owned()
            }
        };
        self.sources.push(SourceFile {
            relative: relative.to_owned(),
            display,
            text,
        });
        Ok(self.sources.len() - 1)
    }

    /// Deserializes a source. On failure, every shape problem of the file becomes a located
    /// finding (serde's own error, which is only the first, when the walk finds none or the
    /// YAML does not parse), and the error is what the walk could still read of the file.
    fn parse<T: DeserializeOwned>(&mut self, index: usize, kind: FileKind) -> Result<T, Shape> {
        let source = &self.sources[index];
        match serde_saphyr::from_str::<T>(&source.text) {
            Ok(value) => Ok(value),
            Err(error) => {
                let mut shape = shape::check(&source.text, &source.display, kind);
                if shape.findings.is_empty() {
                    self.findings.push(yaml_finding(&source.display, &error));
                } else {
                    self.findings.append(&mut shape.findings);
                }
                Err(shape)
            }
        }
    }
}

/// Classifies a YAML or serde error into a rule and strips the location the message repeats.
fn yaml_finding(file: &str, error: &serde_saphyr::Error) -> Finding {
    let pos = error
        .location()
        .map(|loc| Pos::new(loc.line() as u32, loc.column() as u32))
        .filter(|pos| pos.is_known())
        .unwrap_or(Pos::new(1, 1));
    let options = serde_saphyr::render_options! {
        snippets: serde_saphyr::SnippetMode::Off,
    };
    let rendered = error.without_snippet().render_with_options(options);
    let message = strip_location_suffix(rendered.trim());
    let lower = message.to_lowercase();
    let rule = if lower.contains("unknown field") {
        Rule::UnknownKey
    } else if lower.contains("duplicate") && lower.contains("key") {
        Rule::DuplicateKey
    } else if lower.contains("unknown variant") {
        Rule::UnknownType
    } else if is_syntax_error(error) {
        Rule::YamlSyntax
    } else {
        Rule::InvalidValue
    };
    let mut finding = Finding::new(rule, file, pos, message);
    if rule == Rule::UnknownKey {
        finding = finding.with_help("check the spelling; the keys the format allows are listed in docs/catalog-format.md and in the JSON Schema the modeline names");
    }
    finding
}

/// Whether the YAML parser itself (not serde's shape checks) rejected the text.
fn is_syntax_error(error: &serde_saphyr::Error) -> bool {
    matches!(
        error.without_snippet(),
        serde_saphyr::Error::ExternalMessage { source, .. }
            if matches!(**source, serde_saphyr::ExternalMessageSource::Parser(_))
    )
}

/// Removes a trailing " at line N column M" that the renderer appends: the finding has its own.
fn strip_location_suffix(message: &str) -> String {
    if let Some(index) = message.rfind(" at line ") {
        let tail = &message[index + " at line ".len()..];
        if tail
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_whitespace() || "column,".contains(c))
        {
            return message[..index].to_owned();
        }
    }
    message.to_owned()
}

fn display_path(root: &Path, relative: &str) -> String {
    let joined = root.join(relative);
    joined.to_string_lossy().replace('\\', "/")
}

/// All `.yaml`/`.yml` files below `root`, except `catalog.yaml` and `schema/`, sorted.
fn yaml_files(root: &Path) -> Result<Vec<String>, LoadError> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
        let entry = entry.map_err(|error| LoadError::Io {
            path: error.path().unwrap_or(root).to_path_buf(),
            source: error
                .into_io_error()
                .unwrap_or_else(|| std::io::Error::other("file system loop")),
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let path = entry.path();
        let is_yaml = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        );
        if !is_yaml {
            continue;
        }
        let relative = path
            .strip_prefix(root)
            .expect("walkdir yields paths below its root")
            .to_string_lossy()
            .replace('\\', "/");
        if relative == CATALOG_FILE {
            continue;
        }
        files.push(relative);
    }
    Ok(files)
}
