//! `cargo +nightly fuzz run catalog_yaml`: see docs/fuzzing.md and `eventcat_fuzz_checks::catalog_yaml`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| eventcat_fuzz_checks::catalog_yaml(data));
