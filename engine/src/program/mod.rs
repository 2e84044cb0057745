//! Schema-directed validation in one pass: each schema compiled into a program that checks a
//! payload *while* it is read, without building a `serde_json::Value`.
//!
//! Parsing a payload into a tree costs about 8× a syntax-only pass (BENCHMARKS.md), and the
//! tree path can never be faster than building that tree. The schemas our emitter writes use a
//! small set of keywords ([`KEYWORDS`]), so at registry build time each is compiled
//! ([`compile()`]) into one state per place of a payload ([`compile`]); the run ([`run`]) is a
//! JSON reader made for the program, with `serde_json`'s grammar and limits (and `serde_json`
//! itself for escapes and non-integer numbers), duplicate keys and nesting checked as on the
//! tree path.
//!
//! The program decides the verdict. Only a payload it finds invalid (or cannot decide on) is
//! parsed again and checked by the tree path (`jsonschema`'s `iter_errors`), so reports are
//! exactly what they were. A schema with any other keyword is not compiled, and takes the tree
//! path for every payload (`eventcat-validate --list-schemas` says which path each takes).

mod compile;
mod leaf;
mod run;

pub use compile::{KEYWORDS, PrivacyPath, Program, compile};
pub use run::{EnvelopeFinder, Outcome, envelope, guess_envelope};
