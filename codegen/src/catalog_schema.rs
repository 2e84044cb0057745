//! The JSON Schemas of the catalog format, derived from the model types with `schemars`.
//!
//! They are written to `catalog/schema/` and named by the `yaml-language-server` modeline of every
//! catalog file, so editors validate and complete the YAML with the same rules serde applies.

use crate::model::{CatalogDef, EventDef};

/// File name of the schema of `catalog.yaml`.
pub const CATALOG_SCHEMA_FILE: &str = "catalog.schema.json";
/// File name of the schema of an event file.
pub const EVENT_SCHEMA_FILE: &str = "event.schema.json";

/// The schema of `catalog.yaml`, pretty-printed with a trailing newline.
pub fn catalog_schema() -> String {
    render(schemars::schema_for!(CatalogDef))
}

/// The schema of an event file, pretty-printed with a trailing newline.
pub fn event_schema() -> String {
    render(schemars::schema_for!(EventDef))
}

/// Both schemas, as (file name, contents) pairs.
pub fn files() -> Vec<(&'static str, String)> {
    vec![
        (CATALOG_SCHEMA_FILE, catalog_schema()),
        (EVENT_SCHEMA_FILE, event_schema()),
    ]
}

fn render(schema: schemars::Schema) -> String {
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema serializes");
    text.push('\n');
    text
}
