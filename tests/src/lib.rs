//! End-to-end tests live in `tests/`; this library only hosts shared helpers.

pub mod postgres;
