//! The validation engine (`eventcat-engine`), re-exported, and what only the codegen can add to
//! it: registries compiled from a catalog's YAML (load, lint, lower, emit the schemas in memory).

pub use eventcat_engine::*;

use std::path::Path;

/// The current schema of every event of a catalog, as registry sources.
pub fn catalog_sources(catalog: &crate::ir::Catalog, origin: &str) -> Vec<SchemaSource> {
    catalog
        .events
        .values()
        .map(|event| SchemaSource {
            event: event.name.clone(),
            version: event.version.to_string(),
            schema: crate::emit::json_schema::event_schema(catalog, event).to_string(),
            origin: format!("{origin} ({} {})", event.name, event.version),
        })
        .collect()
}

/// The schemas of the catalog in `dir`, compiled in memory (load, lint, lower, emit), plus
/// every published version in `generated/schemas` beside the catalog folder (the folder
/// `eventcat generate` writes by default, and where `eventcat compat` looks too), so that
/// payloads of an older version stay valid after a bump. No such folder: the current versions
/// only.
pub fn catalog_registry(dir: &Path) -> Result<Registry, RegistryError> {
    let published = crate::compat::default_schemas_dir(dir);
    catalog_registry_with(dir, published.is_dir().then_some(published.as_path()))
}

/// Like [`catalog_registry`], with the published versions read from `published` (a folder of
/// `<event>/<version>.json`, which must exist) or none. A version both published and current is
/// taken from the catalog: that is what the user pointed at (and `eventcat generate` refuses a
/// current version that differs from its published file).
pub fn catalog_registry_with(
    dir: &Path,
    published: Option<&Path>,
) -> Result<Registry, RegistryError> {
    let sources = current_sources(dir)?;
    Registry::new(match published {
        Some(published) => with_published(sources, published)?,
        None => sources,
    })
}

/// The catalog's current `sources` plus every published version in `published` (a folder of
/// `<event>/<version>.json`) that they do not hold: the set [`catalog_registry_with`] compiles,
/// for a front-end that keeps the schema texts too (`serve --catalog`). A version both
/// published and current is taken from `sources`.
pub fn with_published(
    mut sources: Vec<SchemaSource>,
    published: &Path,
) -> Result<Vec<SchemaSource>, RegistryError> {
    let current: std::collections::BTreeSet<(String, String)> = sources
        .iter()
        .map(|s| (s.event.clone(), s.version.clone()))
        .collect();
    sources.extend(
        read_dir_sources(published)?
            .into_iter()
            .filter(|s| !current.contains(&(s.event.clone(), s.version.clone()))),
    );
    Ok(sources)
}

fn current_sources(dir: &Path) -> Result<Vec<SchemaSource>, RegistryError> {
    let loaded = crate::load(dir).map_err(|e| RegistryError::Catalog(e.to_string()))?;
    let catalog = crate::ir::lower(&loaded).map_err(|e| {
        RegistryError::Catalog(format!(
            "{}: {e} (run `eventcat lint --catalog {}`)",
            dir.display(),
            dir.display()
        ))
    })?;
    Ok(catalog_sources(&catalog, &dir.display().to_string()))
}
