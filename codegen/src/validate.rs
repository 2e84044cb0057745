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

/// The schemas of the catalog in `dir`, compiled in memory (load, lint, lower, emit).
pub fn catalog_registry(dir: &Path) -> Result<Registry, RegistryError> {
    let loaded = crate::load(dir).map_err(|e| RegistryError::Catalog(e.to_string()))?;
    let catalog = crate::ir::lower(&loaded).map_err(|e| {
        RegistryError::Catalog(format!(
            "{}: {e} (run `eventcat lint --catalog {}`)",
            dir.display(),
            dir.display()
        ))
    })?;
    Registry::new(catalog_sources(&catalog, &dir.display().to_string()))
}
