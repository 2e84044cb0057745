//! The rules every eventcat catalog shares, in one place for every side that checks them: the
//! JSON Schema emitter (which states them as patterns), the validation engine
//! (`eventcat-engine`) and the code generated for consumers.
//!
//! Standard library only: generated code depends on this crate, and its consumers must not pay
//! for more than the rules themselves.

#![warn(missing_docs)]

pub mod privacy;
