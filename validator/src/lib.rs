//! `eventcat-validate`: the catalog's schemas, embedded at build time, and a thin command line
//! over the engine, [`eventcat_engine`].
//!
//! The library part is what the binary, its tests and its benchmark share: the embedded
//! schemas ([`embedded_sources`], [`embedded_registry`]), and the JetStream stage ([`nats`]:
//! `consume` and `publish`), the PostgreSQL sink ([`postgres`]) and [`sides`].

use std::sync::{Mutex, MutexGuard, PoisonError};

use eventcat_engine::{Registry, RegistryError, SchemaSource};

pub mod nats;
pub mod postgres;
pub mod sides;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/schemas.rs"));
    include!(concat!(env!("OUT_DIR"), "/columns.rs"));
}

/// `generated/sql/columns.json` as embedded at build time (how payload fields map to table
/// columns), if it was there.
pub fn embedded_columns() -> Option<&'static str> {
    embedded::COLUMNS
}

/// (event, version, schema text) of every schema embedded from `generated/schemas`.
pub fn embedded() -> &'static [(&'static str, &'static str, &'static str)] {
    embedded::SCHEMAS
}

/// The embedded schemas as registry sources.
pub fn embedded_sources() -> Vec<SchemaSource> {
    embedded::SCHEMAS
        .iter()
        .map(|(event, version, schema)| SchemaSource {
            event: (*event).to_owned(),
            version: (*version).to_owned(),
            schema: (*schema).to_owned(),
            origin: format!("embedded generated/schemas/{event}/{version}.json"),
        })
        .collect()
}

/// The registry of the embedded schemas, compiled.
pub fn embedded_registry() -> Result<Registry, RegistryError> {
    if embedded::SCHEMAS.is_empty() {
        return Err(RegistryError::Empty(
            ": none was embedded at build time (generated/schemas was missing); \
             pass --schemas DIR or --catalog DIR"
                .to_owned(),
        ));
    }
    Registry::new(embedded_sources())
}

/// `mutex`'s guard, also after a thread panicked holding it: what the mutexes here guard
/// (counts, the collector's store) stays whole between statements, so a panic elsewhere is
/// not a reason to stop.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
