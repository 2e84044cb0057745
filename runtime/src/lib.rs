//! The rules every eventcat catalog shares, in one place for every side that checks them: the
//! JSON Schema emitter (which states them as patterns), the validation engine
//! (`eventcat-engine`) and the code generated for consumers.
//!
//! With no feature it is the standard library only (what the validation engine uses: the privacy
//! forms and the formats). Generated code enables what its catalog needs, and its consumers pay
//! for no more than that:
//!
//! - [`privacy`]: the `pii` forms (anonymized IPs, SHA-256 digests) and their checks;
//! - [`format`]: the string formats, read as the validator reads them;
//! - [`construct`]: values in the privacy forms (an anonymized `IpAddr`, a digest as hex);
//! - feature `types` (serde, serde_json, time): [`check`], one function per schema rule on JSON
//!   values, pushing [`Violation`]s in the validator's words; [`json`], payloads read with
//!   duplicate keys refused; [`Timestamp`]; [`de`], serde helpers;
//! - feature `pattern` (regex): the `pattern` rule; `uuid` (getrandom): fresh event ids;
//!   `sha2`: hashing for `pii: hashed`.

#![warn(missing_docs)]

pub mod construct;
pub mod format;
pub mod privacy;

#[cfg(feature = "types")]
pub mod check;
#[cfg(feature = "types")]
pub mod de;
#[cfg(feature = "types")]
pub mod json;
#[cfg(feature = "types")]
mod timestamp;
#[cfg(feature = "types")]
mod violation;

#[cfg(feature = "types")]
pub use timestamp::{Timestamp, TimestampError};
#[cfg(feature = "types")]
pub use violation::{
    Error, MAX_SHOWN, Violation, Violations, json_type, one_of, shorten, show, typed,
};

/// Re-exported for the generated code, so a consumer's manifest needs no regex of its own.
#[cfg(feature = "pattern")]
#[doc(hidden)]
pub use regex;
