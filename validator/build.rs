//! Embeds every event schema of `../generated/schemas` (`<event>/<version>.json`) in the binary:
//! writes `$OUT_DIR/schemas.rs`, a list of (event, version, schema text) with `include_str!`, so
//! `eventcat-validate` works with no configuration. `eventcat` itself never reads `generated/`
//! (a broken `generated/` must stay regenerable); only this package does.
//!
//! A missing folder is not a build error: the binary then holds no schema and asks for
//! `--schemas` or `--catalog` (a warning says so at build time).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let dir = manifest.join("../generated/schemas");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed={}", dir.display());

    let mut entries = Vec::new();
    match list(&dir) {
        Ok(found) => entries = found,
        Err(error) => println!(
            "cargo:warning=no schemas embedded: cannot read {}: {error} (run `cargo run -p eventcat -- generate`)",
            dir.display()
        ),
    }
    let mut code = String::from(
        "/// (event, version, schema text) of every embedded schema, sorted by path.\n\
         pub static SCHEMAS: &[(&str, &str, &str)] = &[\n",
    );
    for (event, version, path) in &entries {
        println!("cargo:rerun-if-changed={}", path.display());
        let absolute = path.canonicalize().unwrap_or_else(|_| path.clone());
        let _ = writeln!(
            code,
            "    ({event:?}, {version:?}, include_str!({:?})),",
            absolute.display().to_string()
        );
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo")).join("schemas.rs");
    if std::fs::read_to_string(&out).ok().as_deref() != Some(code.as_str()) {
        std::fs::write(&out, code).expect("write $OUT_DIR/schemas.rs");
    }
}

/// (event, version, path) of each `<event>/<version>.json`, names percent-decoded as
/// `eventcat::validate::percent_decode` does.
fn list(dir: &Path) -> std::io::Result<Vec<(String, String, PathBuf)>> {
    let mut entries = Vec::new();
    let mut events: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    events.sort_by_key(|e| e.file_name());
    for event in events {
        if !event.path().is_dir() {
            continue;
        }
        println!("cargo:rerun-if-changed={}", event.path().display());
        let mut files: Vec<_> = std::fs::read_dir(event.path())?.collect::<Result<_, _>>()?;
        files.sort_by_key(|e| e.file_name());
        for file in files {
            let name = file.file_name().to_string_lossy().into_owned();
            let Some(version) = name.strip_suffix(".json") else {
                continue;
            };
            entries.push((
                percent_decode(&event.file_name().to_string_lossy()),
                percent_decode(version),
                file.path(),
            ));
        }
    }
    Ok(entries)
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(high), Some(low)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((high * 16 + low) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
