//! The README's short example of the generated Rust types: `cargo run -p eventcat-e2e --example
//! quick_types`. (`tests/tests/readme_example.rs` checks that the README shows this file's code;
//! the longer example, in docs/rust-types.md, is `rust_types.rs`.)

use auterity_events::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A field with rules has a type that cannot hold a value breaking them.
    let score = BusinessUserAdoptionMilestoneEngagementScore::new(150);
    println!("{}", score.unwrap_err()); // 1 error: (payload) [maximum] expected <= 100; got 150

    // Reading a payload checks every rule of its event's schema, as eventcat-validate does.
    let line = br#"{"event_name": "user.logout", "version": "1.0.0", "event_id": "x"}"#;
    if let Err(eventcat_runtime::Error::Invalid(violations)) = AnyEvent::from_slice(line) {
        for violation in &violations {
            println!("{violation}");
            // /event_id [format] expected a valid uuid (format); got "x"
            // /event_type [required] expected required property "event_type"; got absent ...
        }
    }
    Ok(())
}
