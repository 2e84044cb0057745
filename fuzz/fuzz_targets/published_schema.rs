//! `cargo +nightly fuzz run published_schema`: see docs/fuzzing.md and `eventcat_fuzz_checks::published_schema`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| eventcat_fuzz_checks::published_schema(data));
