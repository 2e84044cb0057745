//! The registry the server validates with, the schema texts `/micro/schemas` shows, and
//! `--watch`: a catalog compiled again when its YAML changes.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use eventcat_engine::{Registry, SchemaId, SchemaSource};

/// Where the schemas come from.
#[derive(Debug, Clone)]
pub enum Origin {
    Embedded,
    Dir(PathBuf),
    /// A catalog's YAML, compiled, plus the published versions in `published` (the catalog's
    /// `../generated/schemas` by default, as the CLI's `--catalog`), so that events of an older
    /// published version stay valid after a bump.
    Catalog {
        dir: PathBuf,
        published: Option<PathBuf>,
    },
}

impl Origin {
    /// `--catalog DIR` with the published versions of `--schemas`, or else of
    /// `DIR/../generated/schemas` when that folder exists.
    pub fn catalog(dir: PathBuf, published: Option<PathBuf>) -> Origin {
        let published = published.or_else(|| {
            let default = eventcat::compat::default_schemas_dir(&dir);
            default.is_dir().then_some(default)
        });
        Origin::Catalog { dir, published }
    }
}

/// A compiled registry and the JSON text of each of its schemas, by [`SchemaId`].
#[derive(Debug)]
pub struct Loaded {
    pub registry: Registry,
    texts: Vec<Arc<str>>,
    /// Each schema's event name and version, shared by the stored events valid against it
    /// (instead of two `String`s copied per event).
    names: Vec<(Arc<str>, Arc<str>)>,
}

impl Loaded {
    pub fn new(sources: Vec<SchemaSource>) -> Result<Self, String> {
        let texts = sources
            .iter()
            .map(|s| Arc::from(s.schema.as_str()))
            .collect();
        let registry = Registry::new(sources).map_err(|e| e.to_string())?;
        let names = registry
            .schemas()
            .map(|(_, s)| (Arc::from(s.event.as_str()), Arc::from(s.version.as_str())))
            .collect();
        Ok(Loaded {
            registry,
            texts,
            names,
        })
    }

    /// The event name and version of a schema.
    pub fn names(&self, id: SchemaId) -> &(Arc<str>, Arc<str>) {
        &self.names[id.0 as usize]
    }

    /// The schema text of an event version.
    pub fn text(&self, id: SchemaId) -> &Arc<str> {
        &self.texts[id.0 as usize]
    }
}

/// Compiles the schemas of `origin`. A catalog with lint errors gives every finding, one a
/// line (`file:line:col: error[rule]: message`).
pub fn load(origin: &Origin) -> Result<Loaded, String> {
    let sources = match origin {
        Origin::Embedded => {
            if eventcat_validate::embedded().is_empty() {
                return Err(
                    "no schema was embedded at build time; pass --schemas or --catalog".to_owned(),
                );
            }
            eventcat_validate::embedded_sources()
        }
        Origin::Dir(dir) => eventcat_engine::read_dir_sources(dir).map_err(|e| e.to_string())?,
        Origin::Catalog { dir, published } => {
            let current = catalog_sources(dir)?;
            match published {
                Some(published) => eventcat::validate::with_published(current, published)
                    .map_err(|e| e.to_string())?,
                None => current,
            }
        }
    };
    Loaded::new(sources)
}

fn catalog_sources(dir: &Path) -> Result<Vec<SchemaSource>, String> {
    let loaded = eventcat::load(dir).map_err(|e| e.to_string())?;
    let catalog = eventcat::ir::lower(&loaded).map_err(|error| {
        let eventcat::ir::LowerError::Invalid(findings) = &error;
        let mut text = format!("{}: {error}", dir.display());
        for finding in findings {
            text.push('\n');
            text.push_str(&finding.to_string());
        }
        text
    })?;
    Ok(eventcat::validate::catalog_sources(
        &catalog,
        &dir.display().to_string(),
    ))
}

/// The registry in use, replaced whole when the catalog is reloaded; requests take an
/// `Arc` of it, so one request is validated with one registry.
#[derive(Debug)]
pub struct Current(RwLock<Arc<Loaded>>);

impl Current {
    pub fn new(loaded: Loaded) -> Self {
        Current(RwLock::new(Arc::new(loaded)))
    }

    pub fn get(&self) -> Arc<Loaded> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn set(&self, loaded: Loaded) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(loaded);
    }
}

/// How long the catalog must be quiet after a change before it is compiled again (an editor's
/// save is several file events).
const DEBOUNCE: Duration = Duration::from_millis(300);

/// Watches the catalog folder: after YAML changes (debounced), compiles it again and swaps
/// the registry in; when it does not compile, keeps the old one and logs why. The watcher
/// lives as long as the value returned.
pub fn watch(origin: Origin, current: Arc<Current>) -> Result<notify::RecommendedWatcher, String> {
    let Origin::Catalog { dir, .. } = &origin else {
        return Err("only a catalog is watched".to_owned());
    };
    let dir = dir.clone();
    use notify::Watcher;
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let yaml = event.is_ok_and(|event| {
            event.paths.iter().any(|path| {
                path.extension()
                    .is_some_and(|ext| ext == "yaml" || ext == "yml")
            })
        });
        if yaml {
            let _ = tx.send(());
        }
    })
    .map_err(|e| format!("cannot watch {}: {e}", dir.display()))?;
    watcher
        .watch(&dir, notify::RecursiveMode::Recursive)
        .map_err(|e| format!("cannot watch {}: {e}", dir.display()))?;
    std::thread::Builder::new()
        .name("catalog-watch".into())
        .spawn(move || {
            while rx.recv().is_ok() {
                while rx.recv_timeout(DEBOUNCE).is_ok() {}
                match load(&origin) {
                    Ok(loaded) => {
                        let schemas = loaded.registry.len();
                        current.set(loaded);
                        tracing::info!(catalog = %dir.display(), schemas, "catalog reloaded");
                    }
                    Err(findings) => tracing::warn!(
                        catalog = %dir.display(),
                        "catalog not reloaded, the schemas in use stay:\n{findings}"
                    ),
                }
            }
        })
        .map_err(|e| format!("cannot start the catalog watcher: {e}"))?;
    Ok(watcher)
}
