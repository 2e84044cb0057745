//! The Rust examples of the README and of docs/rust-types.md show the files in `tests/examples/`
//! as they are, so what a reader copies compiles (`cargo test` builds every example) and runs
//! (`cargo run -p eventcat-e2e --example quick_types`, `--example rust_types`).

use std::path::Path;

#[test]
fn the_pages_show_the_examples_that_run() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    // (page, example)
    for (page, example) in [
        ("README.md", "tests/examples/quick_types.rs"),
        ("docs/rust-types.md", "tests/examples/rust_types.rs"),
    ] {
        let text = std::fs::read_to_string(root.join(page)).unwrap();
        let source = std::fs::read_to_string(root.join(example)).unwrap();
        let code = source
            .split_once("use auterity_events::*;")
            .map(|(_, rest)| format!("```rust\nuse auterity_events::*;{rest}```"))
            .unwrap();
        assert!(
            text.contains(&code),
            "{page} must show {example} from `use auterity_events::*;` on, in a ```rust block"
        );
    }
}
