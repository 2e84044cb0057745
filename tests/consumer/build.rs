//! Generates the bundled catalog's types into OUT_DIR, as docs/build-api.md shows.

fn main() {
    let result = eventcat::builder::Builder::new("../../catalog")
        // user.login has no floating-point field, so its types can be Eq and Hash too.
        .extra_derive("Eq")
        .extra_derive("std::hash::Hash")
        .only_events(["user.login"])
        .build();
    // Lint errors and I/O errors end the build with every finding, file and line.
    if let Err(error) = result {
        panic!("{error}");
    }
}
