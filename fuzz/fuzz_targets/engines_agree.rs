//! `cargo +nightly fuzz run engines_agree`: see docs/fuzzing.md and `eventcat_fuzz_checks::engines_agree`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| eventcat_fuzz_checks::engines_agree(data));
