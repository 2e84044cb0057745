//! `dbt/sources.yml`: the event tables and their columns as dbt sources, with the catalog's
//! descriptions, so analysts' models start from documented sources.
//!
//! Every scalar is written as a double-quoted YAML string: `serde_json`'s escaping (which YAML's
//! double-quoted style reads the same way) plus `\u` escapes for what JSON leaves raw but YAML
//! does not allow or reads differently (DEL and the C1 controls are not printable in YAML; YAML
//! 1.1 parsers such as dbt's PyYAML take U+2028 and U+2029 as line breaks; a BOM), so no
//! description can break the document.

use std::fmt::Write as _;

use super::table::{EVENTS_SCHEMA, Table};
use crate::ir::Catalog;

fn quoted(text: &str) -> String {
    let json = serde_json::Value::from(text).to_string();
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
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

#[cfg(test)]
mod tests {
    use super::quoted;

    #[test]
    fn what_yaml_does_not_print_is_escaped() {
        assert_eq!(quoted("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(quoted("nul\0 esc\u{1b}"), r#""nul\u0000 esc\u001b""#);
        assert_eq!(
            quoted("del\u{7f} nel\u{85} csi\u{9b} ls\u{2028} ps\u{2029} bom\u{feff}"),
            r#""del\u007f nel\u0085 csi\u009b ls\u2028 ps\u2029 bom\ufeff""#
        );
        assert_eq!(quoted("é ✓"), "\"é ✓\"");
    }
}
