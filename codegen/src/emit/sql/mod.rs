//! The PostgreSQL emitter: warehouse tables from the catalog, migrations from its published
//! versions, and dbt sources.
//!
//! | file | what it is |
//! |---|---|
//! | `sql/base.sql` | schemas, roles, metadata, `bad_events`, the partition and loading functions (rerunnable) |
//! | `sql/schema.sql` | a new database at the current versions: the base, then every table |
//! | `sql/migrations/<event>/<version>.sql` | the step to each published version from the one before |
//! | `sql/columns.json` | the same payload-to-column mapping, machine-readable, for loaders that type rows themselves |
//! | `dbt/sources.yml` | the tables and columns as dbt sources, with the catalog's descriptions |
//!
//! One table per event and major version (`user_login_v1`), at the shape of that major's latest
//! version; every published major keeps its table, so old senders' events still land. Tables and
//! migrations come from the same mapping ([`table`]), read from the normalized shape of each
//! version, and migrations from the changes `compat` reports between versions ([`migrate`]).

mod columns;
mod dbt;
mod ddl;
mod migrate;
pub mod quote;
pub mod table;

use std::collections::BTreeMap;

use crate::compat::shape::EventShape;
use crate::emit::json_schema::PublishedSchema;
use crate::emit::{OutputFile, generated_notice};
use crate::ir::Catalog;

pub use table::{
    Column, EVENTS_SCHEMA, META_SCHEMA, PartitionWidth, READER_ROLE, SqlType, Table, WRITER_ROLE,
    table_name,
};

/// The base statements (no catalog text in them).
pub const BASE_SQL: &str = include_str!("base.sql");

/// Every version of every event: published ones read back from their schemas, the current ones
/// from the IR; by event, then version.
pub type History = BTreeMap<String, BTreeMap<semver::Version, EventShape>>;

/// The shapes of the catalog's events and of the published `history`.
pub fn history(catalog: &Catalog, published: &[PublishedSchema]) -> History {
    let mut all = History::new();
    for schema in published {
        if let Ok(shape) = EventShape::from_schema(&schema.event, &schema.version, &schema.schema) {
            all.entry(schema.event.clone())
                .or_default()
                .insert(schema.version.clone(), shape);
        }
    }
    for event in catalog.events.values() {
        all.entry(event.name.clone()).or_default().insert(
            event.version.clone(),
            EventShape::from_ir(catalog, event, None),
        );
    }
    all
}

/// The versions of one event's major, ascending.
fn majors(versions: &BTreeMap<semver::Version, EventShape>) -> BTreeMap<u64, Vec<&EventShape>> {
    let mut by_major: BTreeMap<u64, Vec<&EventShape>> = BTreeMap::new();
    for (version, shape) in versions {
        by_major.entry(version.major).or_default().push(shape);
    }
    by_major
}

/// Every table of the current schema: one per event and published major version.
pub fn tables(history: &History) -> Vec<Table> {
    let mut tables = Vec::new();
    for versions in history.values() {
        for shapes in majors(versions).values() {
            let (first, last) = (shapes[0], shapes[shapes.len() - 1]);
            tables.push(Table::from_shape(last, first));
        }
    }
    tables
}

/// The migration to each version, in the order to apply them: by event, then version (events
/// are independent of one another; `base.sql` comes first).
pub fn migrations(history: &History) -> Vec<(String, semver::Version, String)> {
    let mut out = Vec::new();
    for (event, versions) in history {
        for shapes in majors(versions).values() {
            let first = shapes[0];
            let mut previous: Option<(&EventShape, Table)> = None;
            for shape in shapes {
                let table = Table::from_shape(shape, first);
                let body = match &previous {
                    None => ddl::create_table(&table),
                    Some((old_shape, old)) => migrate::alter(old, &table, old_shape, shape),
                };
                out.push((event.clone(), shape.version.clone(), body));
                previous = Some((shape, table));
            }
        }
    }
    out
}

/// The path of a version's migration below the output folder.
pub fn migration_path(event: &str, version: &semver::Version) -> String {
    // The same safe folder name as the event's schemas.
    let schema = crate::emit::json_schema::schema_path(event, version);
    let stem = schema.strip_suffix(".json").unwrap_or(&schema);
    format!("sql/migrations/{stem}.sql")
}

/// Every file of the emitter.
pub fn files(catalog: &Catalog, published: &[PublishedSchema]) -> Vec<OutputFile> {
    let notice = generated_notice(catalog);
    let header = format!("-- {}\n", quote::one_line(&notice));
    let history = history(catalog, published);
    let tables = tables(&history);
    let mut files = vec![OutputFile::new(
        "sql/base.sql",
        format!("{header}\n{BASE_SQL}"),
    )];

    let mut schema = format!(
        "{header}-- A new database at the catalog's current versions.\n\nBEGIN;\n\n{BASE_SQL}"
    );
    for table in &tables {
        schema.push_str(&format!(
            "\n-- {} {}\n",
            quote::one_line(&table.event),
            table.version
        ));
        schema.push_str(&ddl::create_table(table));
    }
    schema.push('\n');
    for (event, versions) in &history {
        for version in versions.keys() {
            schema.push_str(&ddl::record_migration(event, version));
        }
    }
    schema.push_str("\nCOMMIT;\n");
    files.push(OutputFile::new("sql/schema.sql", schema));

    for (event, version, body) in migrations(&history) {
        files.push(OutputFile::new(
            migration_path(&event, &version),
            format!(
                "{header}-- {} {version}: apply after base.sql and the event's earlier versions.\n\nBEGIN;\n{}{body}COMMIT;\n",
                quote::one_line(&event),
                ddl::record_migration(&event, &version)
            ),
        ));
    }
    files.push(OutputFile::new(
        "sql/columns.json",
        columns::columns_json(&tables, &notice),
    ));
    files.push(OutputFile::new(
        "dbt/sources.yml",
        dbt::sources_yml(catalog, &tables, &notice),
    ));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}
