//! A table's statements: CREATE TABLE with its constraints, comments and grants, its row in
//! `eventcat.event_tables`, and its loader function.

use std::fmt::Write as _;

use super::quote::{self, MAX_IDENTIFIER_BYTES, dollar_tag, ident, literal, qualified};
use super::table::{Column, META_SCHEMA, READER_ROLE, SqlType, Table, WRITER_ROLE};
use crate::model::Period;

/// Everything that creates `table` in an empty database (after the base).
pub fn create_table(table: &Table) -> String {
    let mut out = String::new();
    let mut lines: Vec<String> = table
        .columns
        .iter()
        .map(|column| format!("    {}", column_definition(column)))
        .collect();
    let key: Vec<String> = ["event_id", "timestamp"]
        .iter()
        .filter_map(|key| table.column(false, key))
        .map(|c| ident(&c.name))
        .collect();
    lines.push(format!(
        "    CONSTRAINT {} PRIMARY KEY ({})",
        ident(&quote::short_name(
            &format!("{}_pkey", table.name),
            MAX_IDENTIFIER_BYTES
        )),
        key.join(", ")
    ));
    for column in &table.columns {
        if let Some(check) = &column.check {
            lines.push(format!(
                "    CONSTRAINT {} CHECK ({check})",
                ident(&table.check_name(column))
            ));
        }
    }
    let _ = writeln!(out, "CREATE TABLE {} (", table.qualified());
    let _ = writeln!(out, "{}", lines.join(",\n"));
    let partition_key = table
        .column(false, "timestamp")
        .map_or_else(|| ident("timestamp"), |c| ident(&c.name));
    let _ = writeln!(out, ") PARTITION BY RANGE ({partition_key});");
    let _ = writeln!(out, "{}", table_comment(table));
    for column in &table.columns {
        let _ = writeln!(out, "{}", column_comment(table, column));
    }
    let _ = writeln!(
        out,
        "GRANT SELECT ON {} TO {};",
        table.qualified(),
        ident(READER_ROLE)
    );
    let _ = writeln!(
        out,
        "GRANT SELECT, INSERT ON {} TO {};",
        table.qualified(),
        ident(WRITER_ROLE)
    );
    out.push_str(&register(table));
    out.push_str(&loader_function(table));
    out
}

/// `"name" type NOT NULL`
pub fn column_definition(column: &Column) -> String {
    let mut out = format!("{} {}", ident(&column.name), column.ty.sql());
    if column.not_null {
        out.push_str(" NOT NULL");
    }
    out
}

pub fn table_comment(table: &Table) -> String {
    format!(
        "COMMENT ON TABLE {} IS {};",
        table.qualified(),
        literal(&format!(
            "{} {}: {}",
            table.event,
            table.version,
            table.description.trim()
        ))
    )
}

pub fn column_comment(table: &Table, column: &Column) -> String {
    format!(
        "COMMENT ON COLUMN {}.{} IS {};",
        table.qualified(),
        ident(&column.name),
        literal(&column.comment)
    )
}

/// Inserts or updates the table's row in `eventcat.event_tables`.
pub fn register(table: &Table) -> String {
    let interval = |period: &Option<Period>| match period {
        Some(period) => format!(
            "{}::interval",
            literal(&period.to_string().replace('_', " "))
        ),
        None => "NULL".into(),
    };
    format!(
        "INSERT INTO {} (\"table_name\", \"event_name\", \"major\", \"version\", \"partition_width\", \
         \"retention_period\", \"archive_after\", \"loader\")\n\
         VALUES ({}, {}, {}, {}, {}, {}, {}, {})\n\
         ON CONFLICT (\"table_name\") DO UPDATE SET \"version\" = EXCLUDED.\"version\", \
         \"retention_period\" = EXCLUDED.\"retention_period\", \"archive_after\" = EXCLUDED.\"archive_after\", \
         \"loader\" = EXCLUDED.\"loader\";\n",
        qualified(META_SCHEMA, "event_tables"),
        literal(&table.name),
        literal(&table.event),
        table.major,
        literal(&table.version.to_string()),
        literal(table.partition.as_str()),
        interval(&table.retention_period),
        interval(&table.archive_after),
        literal(&table.loader()),
    )
}

/// Records that the event's version is applied (a migration applied twice fails here).
pub fn record_migration(event: &str, version: &semver::Version) -> String {
    format!(
        "INSERT INTO {} (\"event_name\", \"version\") VALUES ({}, {});\n",
        qualified(META_SCHEMA, "migrations"),
        literal(event),
        literal(&version.to_string())
    )
}

/// The loader function: creates the partitions the staged rows need, then inserts them, typed,
/// skipping rows already stored (same `event_id` and `timestamp`).
pub fn loader_function(table: &Table) -> String {
    let staged = "pg_temp.eventcat_staging";
    let name = literal(&table.name);
    let timestamp_key = table
        .column(false, "timestamp")
        .map_or_else(|| literal("timestamp"), |c| literal(&c.key));
    let columns: Vec<String> = table.columns.iter().map(|c| ident(&c.name)).collect();
    let values: Vec<String> = table
        .columns
        .iter()
        .map(|c| format!("        {}", extract(c)))
        .collect();
    let body = format!(
        "\nDECLARE\n    inserted bigint;\nBEGIN\n    \
         PERFORM {ensure}({name}, days.day)\n    \
         FROM (SELECT DISTINCT date_trunc('day', (s.payload ->> {timestamp_key})::timestamptz, 'UTC') AS day\n          \
         FROM {staged} AS s WHERE s.table_name = {name}) AS days;\n    \
         INSERT INTO {target} ({columns})\n    SELECT\n{values}\n    \
         FROM {staged} AS s WHERE s.table_name = {name}\n    ON CONFLICT DO NOTHING;\n    \
         GET DIAGNOSTICS inserted = ROW_COUNT;\n    RETURN inserted;\nEND\n",
        ensure = qualified(META_SCHEMA, "ensure_partition"),
        target = table.qualified(),
        columns = columns.join(", "),
        values = values.join(",\n"),
    );
    let tag = dollar_tag(&body);
    format!(
        "CREATE OR REPLACE FUNCTION {loader}() RETURNS bigint LANGUAGE plpgsql AS {tag}{body}{tag};\n\
         REVOKE ALL ON FUNCTION {loader}() FROM PUBLIC;\n\
         GRANT EXECUTE ON FUNCTION {loader}() TO {writer};\n",
        loader = table.loader(),
        writer = ident(WRITER_ROLE),
    )
}

/// The SQL expression that reads a column's value from the staged payload `s.payload`.
fn extract(column: &Column) -> String {
    let json = if column.in_properties {
        format!("s.payload -> 'properties' -> {}", literal(&column.key))
    } else {
        format!("s.payload -> {}", literal(&column.key))
    };
    let text = format!("({json}) #>> '{{}}'");
    match &column.ty {
        SqlType::Text => text,
        SqlType::Jsonb => format!("NULLIF({json}, 'null'::jsonb)"),
        // JSON Schema's integers include `5.0`, which integer input does not accept.
        SqlType::Smallint | SqlType::Integer | SqlType::Bigint => {
            format!("({text})::numeric::{}", column.ty.sql())
        }
        SqlType::Array(item) => {
            let element = match item.as_ref() {
                SqlType::Smallint | SqlType::Integer | SqlType::Bigint => {
                    format!("e::numeric::{}", item.sql())
                }
                other => format!("e::{}", other.sql()),
            };
            format!(
                "CASE WHEN jsonb_typeof({json}) = 'array' THEN ARRAY(SELECT {element} FROM jsonb_array_elements_text({json}) AS e) END"
            )
        }
        other => format!("({text})::{}", other.sql()),
    }
}
