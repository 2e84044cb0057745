//! The Rust emitter's output for the mini fixture, as golden files (review a change of output as a
//! diff; `EXPECTORATE=overwrite cargo test -p eventcat --test golden_rust` rewrites them). That
//! the output compiles, for mini and for the hostile fixture, is checked by the macros' trybuild
//! cases (`macros/tests/ui/pass/`), which expand the same tokens.

use std::path::PathBuf;

use eventcat::emit::rust;
use eventcat::ir::Catalog;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn lower(fixture: &str) -> Catalog {
    let root = manifest_dir().join("tests/fixtures").join(fixture);
    let loaded = eventcat::load(&root).expect("the fixture loads");
    eventcat::ir::lower(&loaded).expect("the fixture lints clean")
}

#[test]
fn mini_matches_the_golden_files() {
    let golden = manifest_dir().join("tests/golden/rust");
    for file in rust::files(&lower("mini")) {
        expectorate::assert_contents(golden.join(&file.path), &file.contents);
    }
}

#[test]
fn the_output_is_deterministic() {
    let once = rust::files(&lower("hostile"));
    let twice = rust::files(&lower("hostile"));
    assert_eq!(once, twice);
}

/// Keyword names become valid identifiers with a serde rename to the catalog's name, and hostile
/// text stays inside doc strings.
#[test]
fn hostile_names_are_renamed_and_text_is_contained() {
    let source = rust::events_source(&lower("hostile"), &rust::RustOptions::default());
    for (field, name) in [
        ("type_", "type"),
        ("self_", "self"),
        ("enum_", "enum"),
        ("fn_", "fn"),
    ] {
        assert!(
            source.contains(&format!("#[serde(rename = \"{name}\")]")),
            "no rename to `{name}`"
        );
        assert!(
            source.contains(&format!("pub {field}:")),
            "no field `{field}`"
        );
    }
    // `default` is not a keyword: it keeps its name.
    assert!(source.contains("pub default:"));
    let file: syn::File = syn::parse_file(&source).expect("the output parses");
    let text = quote::ToTokens::to_token_stream(&file).to_string();
    assert!(
        text.contains("</script><script>alert(1)</script>"),
        "the description survives as data"
    );
    for line in source.lines() {
        let code = line.trim_start();
        assert!(
            code.starts_with("//") || !code.contains("alert(1)"),
            "hostile text outside a comment: {line}"
        );
    }
}
