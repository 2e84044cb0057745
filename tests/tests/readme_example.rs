//! The README's section on the Rust types shows `tests/examples/rust_types.rs` as it is, so its
//! example compiles and runs (`cargo run -p eventcat-e2e --example rust_types`).

use std::path::Path;

#[test]
fn the_readme_shows_the_example_that_runs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let example = std::fs::read_to_string(root.join("tests/examples/rust_types.rs")).unwrap();
    let code = example
        .split_once("use auterity_events::*;")
        .map(|(_, rest)| format!("use auterity_events::*;{rest}"))
        .unwrap();
    assert!(
        readme.contains(&code),
        "README.md must show tests/examples/rust_types.rs from `use auterity_events::*;` on"
    );
}
