//! The floor of the validator benchmark: read an NDJSON file the way `eventcat-validate` reads
//! it (1 MiB blocks, lines split with `memchr`, one UTF-8 check per block) and parse every line
//! into a `serde_json::Value` with `serde_json`, nothing else: no schema, no report. Single
//! threaded. `scripts/bench.sh` runs it on the same corpus as the validator and Ajv.
//!
//! Usage: cargo run --release -p eventcat-validate --example parse_floor -- FILE [--ignored]
//! (`--ignored` parses into `serde::de::IgnoredAny` instead: syntax checking alone, no tree.)

use std::io::Read;

/// The same allocator as `eventcat-validate`, so the floor is measured as the binary runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: parse_floor FILE [--ignored]");
        std::process::exit(2);
    };
    let ignored = args.next().as_deref() == Some("--ignored");
    let mut file = std::fs::File::open(&path).unwrap_or_else(|e| {
        eprintln!("error: {path}: {e}");
        std::process::exit(2);
    });
    let (mut lines, mut parsed, mut bytes) = (0u64, 0u64, 0u64);
    let mut block = vec![0u8; 1 << 20];
    let mut carry: Vec<u8> = Vec::new();
    let mut parse = |line: &[u8], text: Option<&str>| {
        lines += 1;
        let ok = match (text, ignored) {
            (Some(text), false) => serde_json::from_str::<serde_json::Value>(text).is_ok(),
            (Some(text), true) => serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok(),
            (None, false) => serde_json::from_slice::<serde_json::Value>(line).is_ok(),
            (None, true) => serde_json::from_slice::<serde::de::IgnoredAny>(line).is_ok(),
        };
        parsed += u64::from(ok);
    };
    loop {
        let n = file.read(&mut block).expect("read");
        if n == 0 {
            break;
        }
        bytes += n as u64;
        carry.extend_from_slice(&block[..n]);
        let Some(end) = memchr::memrchr(b'\n', &carry) else {
            continue;
        };
        // One UTF-8 check per block, as the validator does; per line only if it fails.
        let text = std::str::from_utf8(&carry[..end + 1]).ok();
        let mut start = 0;
        for at in memchr::memchr_iter(b'\n', &carry[..end + 1]) {
            parse(&carry[start..at], text.map(|t| &t[start..at]));
            start = at + 1;
        }
        carry.drain(..start);
    }
    if !carry.is_empty() {
        parse(&carry, None);
    }
    println!("lines {lines} parsed {parsed} bytes {bytes}");
}
