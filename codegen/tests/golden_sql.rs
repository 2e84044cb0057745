//! The PostgreSQL emitter's output: golden files for the mini and hostile fixtures (review a
//! change of output as a diff; `EXPECTORATE=overwrite cargo test -p eventcat --test golden_sql`
//! rewrites them). That the SQL runs, and that hostile text stays text, is checked on a real
//! PostgreSQL in `tests/tests/postgres_*.rs`.

use std::path::{Path, PathBuf};

use eventcat::emit::sql;
use eventcat::ir::Catalog;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn lower(fixture: &str) -> Catalog {
    let root = manifest_dir().join("tests/fixtures").join(fixture);
    let loaded = eventcat::load(&root).expect("the fixture loads");
    eventcat::ir::lower(&loaded).expect("the fixture lints clean")
}

fn files_under(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|entry| entry.expect("the golden folder is readable"))
        .filter(|entry| entry.file_type().is_file())
        .map(|entry| {
            let relative = entry.path().strip_prefix(dir).unwrap();
            relative.to_string_lossy().replace('\\', "/")
        })
        .collect();
    files.sort();
    files
}

fn check_golden(fixture: &str) {
    let files = sql::files(&lower(fixture), &[]);
    let golden = manifest_dir().join("tests/golden/sql").join(fixture);
    for file in &files {
        expectorate::assert_contents(golden.join(&file.path), &file.contents);
    }
    let written: Vec<String> = files.iter().map(|file| file.path.clone()).collect();
    assert_eq!(
        files_under(&golden),
        written,
        "golden files vs emitted files"
    );
}

#[test]
fn mini_matches_the_golden_files() {
    check_golden("mini");
}

#[test]
fn hostile_matches_the_golden_files() {
    check_golden("hostile");
}

#[test]
fn hostile_text_only_appears_escaped() {
    let files = sql::files(&lower("hostile"), &[]);
    let schema = &files
        .iter()
        .find(|f| f.path == "sql/schema.sql")
        .unwrap()
        .contents;
    // The description's quote and backslash are escaped in an E'' literal.
    assert!(schema.contains(r#"\"quotes\", `backticks`"#) || schema.contains("\"quotes\""));
    assert!(schema.contains(r"a \\ backslash"));
    // Multi-line text never reaches a `--` comment unescaped: every line that is not SQL
    // starts a comment or is inside a statement.
    assert!(!schema.contains("\nSecond line"));
    // Property names that are SQL keywords are quoted identifiers.
    for name in ["\"type\"", "\"enum\"", "\"default\"", "\"constructor\""] {
        assert!(schema.contains(name), "{name}");
    }
    let sources = &files
        .iter()
        .find(|f| f.path == "dbt/sources.yml")
        .unwrap()
        .contents;
    assert!(
        sources.contains(r#"\n"#),
        "newlines escaped in YAML strings"
    );
}
