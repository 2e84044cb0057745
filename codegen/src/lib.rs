//! eventcat: an analytics event catalog kept as YAML, turned into typed code and versioned JSON
//! Schemas.
//!
//! The library is a pipeline, one module a stage:
//!
//! ```text
//! load (YAML → model, with positions) → lint (findings) → …
//! ```
//!
//! The `eventcat` binary (feature `cli`, on by default) is a thin layer over these functions;
//! build scripts depend on the library with `default-features = false`.

pub mod builder;
pub mod catalog_schema;
pub mod change_kind;
pub mod compat;
pub mod diagnostics;
pub mod emit;
pub mod fmt;
pub mod generate;
pub mod ir;
pub mod lint;
pub mod load;
pub mod model;
pub mod names;
pub mod published;
pub mod resolve;
pub mod sample;
pub mod span;
pub mod suggest;
#[cfg(feature = "validate")]
pub mod validate;

pub use diagnostics::{Finding, Rule, Severity};
pub use load::{LoadError, LoadedCatalog, load};
