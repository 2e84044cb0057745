//! The build.rs API: generate a catalog's Rust types into `OUT_DIR`, in the style of prost-build.
//!
//! ```no_run
//! // In `fn main` of build.rs of a consumer crate, with
//! // `eventcat = { version = "…", default-features = false }` under [build-dependencies]
//! // (no clap, no miette):
//! if let Err(error) = eventcat::builder::Builder::new("../catalog").build() {
//!     panic!("{error}");
//! }
//! ```
//!
//! ```ignore
//! // src/lib.rs of the consumer crate (it needs serde, serde_json and time as dependencies)
//! include!(concat!(env!("OUT_DIR"), "/events.rs"));
//! ```
//!
//! The builder prints `cargo:rerun-if-changed` for the catalog folder and every file in it. As
//! prost-build warns, any such line replaces cargo's default scan of the whole package, so the
//! builder names every input, and a build script with other inputs must name those too.

use std::path::{Path, PathBuf};

use crate::diagnostics::Finding;
use crate::emit::rust::{self, RustOptions};
use crate::generate::{self, GenerateError};
use crate::ir::{self, LowerError};
use crate::load::{self, LoadError};

/// Configures and runs code generation from a build script.
#[derive(Debug, Clone)]
pub struct Builder {
    catalog: PathBuf,
    out_dir: Option<PathBuf>,
    file_name: String,
    extra_derives: Vec<String>,
    only_events: Option<Vec<String>>,
    cargo_directives: bool,
}

/// Why a build could not generate the catalog's types.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("the catalog `{}` has errors:\n{}", catalog.display(), render(findings))]
    Invalid {
        catalog: PathBuf,
        findings: Vec<Finding>,
    },
    #[error("`{0}` is not a derivable path, e.g. `Eq` or `schemars::JsonSchema`")]
    InvalidDerive(String),
    #[error("the catalog has no event named `{0}`")]
    UnknownEvent(String),
    #[error("OUT_DIR is not set: call `out_dir` when not running in a build script")]
    NoOutDir,
    #[error(transparent)]
    Write(#[from] GenerateError),
}

fn render(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| format!("  {f}"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl Builder {
    /// A builder for the catalog folder at `catalog` (relative paths are relative to the build
    /// script's package, where cargo runs it).
    pub fn new(catalog: impl AsRef<Path>) -> Self {
        Builder {
            catalog: catalog.as_ref().to_path_buf(),
            out_dir: None,
            file_name: "events.rs".to_owned(),
            extra_derives: Vec::new(),
            only_events: None,
            cargo_directives: true,
        }
    }

    /// Where to write; defaults to the `OUT_DIR` cargo gives build scripts.
    pub fn out_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.out_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// The generated file's name; defaults to `events.rs`.
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = name.into();
        self
    }

    /// Adds a derive to every generated struct and enum, e.g. `"Eq"` is not possible for structs
    /// with numbers, but `"schemars::JsonSchema"` is.
    pub fn extra_derive(mut self, path: impl Into<String>) -> Self {
        self.extra_derives.push(path.into());
        self
    }

    /// Generates only these events (by name).
    pub fn only_events<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.only_events = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// Whether to print `cargo:rerun-if-changed` lines (default true; turn off outside cargo).
    pub fn cargo_directives(mut self, enabled: bool) -> Self {
        self.cargo_directives = enabled;
        self
    }

    /// Generates the file and returns its path. Writes only when the contents changed.
    ///
    /// # Errors
    /// When the catalog cannot be read or has lint errors (each finding is in the message, with
    /// its file and line), when an option is invalid, or when the file cannot be written.
    pub fn build(self) -> Result<PathBuf, BuildError> {
        let loaded = load::load(&self.catalog)?;
        if self.cargo_directives {
            println!("cargo:rerun-if-changed={}", self.catalog.display());
            for file in loaded.files() {
                println!("cargo:rerun-if-changed={}", file.display());
            }
        }
        let catalog =
            ir::lower(&loaded).map_err(|LowerError::Invalid(findings)| BuildError::Invalid {
                catalog: self.catalog.clone(),
                findings,
            })?;
        if let Some(only) = &self.only_events
            && let Some(unknown) = only.iter().find(|n| !catalog.events.contains_key(*n))
        {
            return Err(BuildError::UnknownEvent(unknown.clone()));
        }
        let extra_derives = self
            .extra_derives
            .iter()
            .map(|text| {
                syn::parse_str::<syn::Path>(text)
                    .map_err(|_| BuildError::InvalidDerive(text.clone()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let options = RustOptions {
            extra_derives,
            only_events: self.only_events.clone(),
        };
        let out_dir = match self.out_dir {
            Some(dir) => dir,
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or(BuildError::NoOutDir)?,
        };
        let contents = rust::events_source(&catalog, &options);
        let path = out_dir.join(&self.file_name);
        if std::fs::read(&path).ok().as_deref() != Some(contents.as_bytes()) {
            generate::write_atomically(&path, contents.as_bytes())?;
        }
        Ok(path)
    }
}
