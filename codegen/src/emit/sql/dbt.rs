//! `dbt/sources.yml`: the event tables and their columns as dbt sources, with the catalog's
//! descriptions, so analysts' models start from documented sources.
//!
//! Every scalar is written as a double-quoted YAML string through `serde_json` (a JSON string
//! is a valid YAML double-quoted scalar), so no description can break the document.

use std::fmt::Write as _;

use super::table::{EVENTS_SCHEMA, Table};
use crate::ir::Catalog;

fn quoted(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

pub fn sources_yml(catalog: &Catalog, tables: &[Table], notice: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}", notice.replace(['\n', '\r'], " "));
    let _ = writeln!(out, "version: 2");
    let _ = writeln!(out, "sources:");
    let _ = writeln!(out, "  - name: {}", quoted(EVENTS_SCHEMA));
    let _ = writeln!(out, "    schema: {}", quoted(EVENTS_SCHEMA));
    let _ = writeln!(
        out,
        "    description: {}",
        quoted(&format!(
            "{}: {}",
            catalog.title.trim(),
            catalog.description.trim()
        ))
    );
    let _ = writeln!(out, "    tables:");
    for table in tables {
        let _ = writeln!(out, "      - name: {}", quoted(&table.name));
        let _ = writeln!(
            out,
            "        description: {}",
            quoted(table.description.trim())
        );
        let _ = writeln!(out, "        meta:");
        let _ = writeln!(out, "          event_name: {}", quoted(&table.event));
        let _ = writeln!(out, "          major_version: {}", table.major);
        let _ = writeln!(
            out,
            "          version: {}",
            quoted(&table.version.to_string())
        );
        let _ = writeln!(out, "        columns:");
        for column in &table.columns {
            let _ = writeln!(out, "          - name: {}", quoted(&column.name));
            let _ = writeln!(out, "            description: {}", quoted(&column.comment));
            let _ = writeln!(out, "            data_type: {}", quoted(&column.ty.sql()));
        }
    }
    out
}
