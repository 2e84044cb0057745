//! Validates every line of a file against a schema folder and prints the counts: the engine
//! alone, without the CLI's reading, threads and reports, for instruction counts
//! (`valgrind --tool=callgrind`, BENCHMARKS.md) of just what a payload costs.
//!
//! `cargo run --release -p eventcat-engine --example validate_lines -- generated/schemas FILE`

use std::process::ExitCode;

use eventcat_engine::{Registry, Verdict};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [schemas, file] = args.as_slice() else {
        eprintln!("usage: validate_lines SCHEMA_DIR FILE");
        return ExitCode::from(2);
    };
    let registry = match Registry::from_dir(std::path::Path::new(schemas)) {
        Ok(registry) => registry,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("error: {file}: {error}");
            return ExitCode::from(2);
        }
    };
    let (mut valid, mut invalid) = (0usize, 0usize);
    for line in text.lines() {
        match registry.validate_str(line) {
            Verdict::Valid { .. } => valid += 1,
            _ => invalid += 1,
        }
    }
    println!("{valid} valid, {invalid} invalid");
    ExitCode::SUCCESS
}
