//! `cargo +nightly fuzz run payload_lines`: see docs/fuzzing.md and `eventcat_fuzz_checks::payload_lines`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| eventcat_fuzz_checks::payload_lines(data));
