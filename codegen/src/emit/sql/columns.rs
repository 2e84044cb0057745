//! `sql/columns.json`: the mapping of payload fields to table columns, machine-readable, for
//! loaders that type the rows themselves (`eventcat-validate load` `COPY`s typed rows straight
//! into the event tables) instead of going through the generated loader functions.
//!
//! It is the same mapping the loader functions realise ([`super::table`]): per table, in column
//! order, the column's name, where its value is in a payload (an envelope field, or a key under
//! `properties`) and its SQL type as the DDL spells it. A loader must check it against the
//! database it writes to (same table version, same columns and types) and use the table's
//! loader function where they differ. Written with `serde_json` (every name escaped).

use serde::Serialize;

use super::table::Table;

#[derive(Serialize)]
struct ColumnMap<'a> {
    generated: &'a str,
    about: &'static str,
    tables: Vec<TableMap<'a>>,
}

#[derive(Serialize)]
struct TableMap<'a> {
    table: &'a str,
    event: &'a str,
    major: u64,
    version: String,
    columns: Vec<ColumnEntry<'a>>,
}

#[derive(Serialize)]
struct ColumnEntry<'a> {
    column: &'a str,
    key: &'a str,
    in_properties: bool,
    #[serde(rename = "type")]
    ty: String,
}

const ABOUT: &str = "Where each column's value is in a payload: `key` at the top level, or under \
`properties` when `in_properties`. The loader functions in the migrations apply the same mapping.";

pub fn columns_json(tables: &[Table], notice: &str) -> String {
    let map = ColumnMap {
        generated: notice,
        about: ABOUT,
        tables: tables
            .iter()
            .map(|table| TableMap {
                table: &table.name,
                event: &table.event,
                major: table.major,
                version: table.version.to_string(),
                columns: table
                    .columns
                    .iter()
                    .map(|column| ColumnEntry {
                        column: &column.name,
                        key: &column.key,
                        in_properties: column.in_properties,
                        ty: column.ty.sql(),
                    })
                    .collect(),
            })
            .collect(),
    };
    // Plain structs of strings and numbers always serialize.
    let mut out = serde_json::to_string_pretty(&map).unwrap_or_default();
    out.push('\n');
    out
}
