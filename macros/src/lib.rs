//! Proc macros for eventcat catalogs.
//!
//! - [`include_catalog!`]: the catalog's types, expanded at compile time by the very emitter
//!   `eventcat generate` uses, so the names and shapes are the same.
//! - [`derive(Event)`](derive@Event): checks a hand-written struct against an event of the catalog
//!   and implements the catalog's `EventProperties` trait for it.
//!
//! Both read the catalog through the `eventcat` library (load → lint → lower), so every catalog
//! error the CLI reports becomes a compile error naming the same file and line. Errors are
//! returned as `compile_error!`, never as a panic.

mod catalog;
mod derive_event;
mod include;

use proc_macro::TokenStream;

/// Expands to the Rust types of a catalog: the same items `eventcat generate` writes to the
/// generated crate's `src/lib.rs`.
///
/// ```ignore
/// eventcat_macros::include_catalog!("../catalog");
/// eventcat_macros::include_catalog!("../catalog", events = ["user.login"], derive = [Eq, Hash]);
/// ```
///
/// The path is resolved against the calling crate's `CARGO_MANIFEST_DIR`. Every catalog file is
/// tracked with `include_str!`, so editing one rebuilds the caller. Options:
/// - `events = ["name", ...]`: only these events (and `categories = ["user", ...]`: only the
///   events of these categories);
/// - `derive = [Path, ...]`: extra derives for every generated struct and enum.
#[proc_macro]
pub fn include_catalog(input: TokenStream) -> TokenStream {
    include::expand(input.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Checks a struct against an event of the catalog and implements `EventProperties` for it.
///
/// ```ignore
/// #[derive(serde::Serialize, serde::Deserialize, eventcat_macros::Event)]
/// #[event(name = "user.logout", version = "1.0.0", catalog = "../catalog")]
/// struct Logout { /* one field per catalog property */ }
/// ```
///
/// Every required property must be a field, no field may be missing from the catalog, and each
/// field's type must fit: the integer type must hold the catalog's range, optional properties are
/// `Option`, date-times are a timestamp type, numbers are floats. Each mismatch is its own
/// compile error on the field. The trait implemented is `EventProperties` as in scope at the
/// struct; `trait_path = "auterity_events::EventProperties"` names another.
#[proc_macro_derive(Event, attributes(event))]
pub fn derive_event(input: TokenStream) -> TokenStream {
    derive_event::expand(input.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
