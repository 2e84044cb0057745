//! Subcommands whose argument handling is big enough for a file of its own.

pub mod compat;
pub mod sample;
