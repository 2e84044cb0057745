//! Embeds every event schema of `../generated/schemas` (`<event>/<version>.json`) in the binary:
//! writes `$OUT_DIR/schemas.rs`, a list of (event, version, schema text) with `include_str!`, so
//! `eventcat-validate` works with no configuration; and `../generated/sql/columns.json` (how
//! payload fields map to table columns, for the PostgreSQL loader's typed `COPY`) as
//! `$OUT_DIR/columns.rs`. `eventcat` itself never reads `generated/` (a broken `generated/` must
//! stay regenerable); only this package does.
//!
//! A missing folder is not a build error: the binary then holds no schema and asks for
//! `--schemas` or `--catalog` (a warning says so at build time).

use std::fmt::Write as _;
use std::path::PathBuf;

/// The folder walk `eventcat-validate --schemas DIR` does at run time, the same file.
#[path = "../engine/src/schema_files.rs"]
mod schema_files;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let dir = manifest.join("../generated/schemas");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed={}", dir.display());

    let mut entries = Vec::new();
    match schema_files::list(&dir) {
        Ok(found) => entries = found,
        Err((path, error)) => println!(
            "cargo:warning=no schemas embedded: cannot read {}: {error} (run `cargo run -p eventcat -- generate`)",
            path.display()
        ),
    }
    let mut code = String::from(
        "/// (event, version, schema text) of every embedded schema, sorted by path.\n\
         pub static SCHEMAS: &[(&str, &str, &str)] = &[\n",
    );
    for schema_files::SchemaFile {
        event,
        version,
        path,
    } in &entries
    {
        // The file, and its event's folder (a version added to it).
        println!("cargo:rerun-if-changed={}", path.display());
        if let Some(folder) = path.parent() {
            println!("cargo:rerun-if-changed={}", folder.display());
        }
        let absolute = path.canonicalize().unwrap_or_else(|_| path.clone());
        let _ = writeln!(
            code,
            "    ({event:?}, {version:?}, include_str!({:?})),",
            absolute.display().to_string()
        );
    }
    code.push_str("];\n");
    write_if_changed("schemas.rs", &code);

    // Without the map the loader still works, through the loader functions only.
    let columns = manifest.join("../generated/sql/columns.json");
    println!("cargo:rerun-if-changed={}", columns.display());
    let code = match columns.canonicalize() {
        Ok(absolute) => format!(
            "/// `generated/sql/columns.json`.\npub static COLUMNS: Option<&str> = Some(include_str!({:?}));\n",
            absolute.display().to_string()
        ),
        Err(_) => "/// `generated/sql/columns.json` was missing.\npub static COLUMNS: Option<&str> = None;\n".to_owned(),
    };
    write_if_changed("columns.rs", &code);
}

fn write_if_changed(name: &str, code: &str) {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo")).join(name);
    if std::fs::read_to_string(&out).ok().as_deref() != Some(code) {
        std::fs::write(&out, code).unwrap_or_else(|e| panic!("write $OUT_DIR/{name}: {e}"));
    }
}
