//! Loading a catalog at compile time, with errors as located compile errors.

use std::path::{Path, PathBuf};

use eventcat::ir::{Catalog, LowerError};
use proc_macro2::{Span, TokenStream};
use quote::quote;

/// A catalog loaded for a macro, with the files it was read from.
pub struct Loaded {
    pub catalog: Catalog,
    pub files: Vec<PathBuf>,
}

/// Resolves `relative` against the calling crate's manifest folder and loads the catalog there.
/// Errors are reported on `span` (the path literal).
pub fn load(relative: &str, span: Span) -> syn::Result<Loaded> {
    let root = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .ok_or_else(|| syn::Error::new(span, "CARGO_MANIFEST_DIR is not set: build with cargo"))?;
    let dir = root.join(relative);
    if !dir.is_dir() {
        return Err(syn::Error::new(
            span,
            format!(
                "catalog folder `{relative}` not found (resolved against CARGO_MANIFEST_DIR to `{}`)",
                dir.display()
            ),
        ));
    }
    let loaded = eventcat::load(&dir).map_err(|error| syn::Error::new(span, error.to_string()))?;
    let files: Vec<PathBuf> = loaded.files().collect();
    let catalog = eventcat::ir::lower(&loaded).map_err(|LowerError::Invalid(findings)| {
        // Paths in findings are absolute here (the catalog was joined to the manifest folder);
        // show them relative to the calling crate, as the user wrote the path.
        let lines: Vec<String> = findings
            .iter()
            .map(|finding| {
                let mut finding = finding.clone();
                finding.file = relative_to(&finding.file, &root);
                finding.to_string()
            })
            .collect();
        syn::Error::new(
            span,
            format!("the catalog `{relative}` has errors:\n{}", lines.join("\n")),
        )
    })?;
    Ok(Loaded { catalog, files })
}

fn relative_to(file: &str, root: &Path) -> String {
    Path::new(file)
        .strip_prefix(root)
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .unwrap_or_else(|_| file.to_owned())
}

/// `const _: &str = include_str!(...)` for each file: cargo then rebuilds the caller whenever one
/// of them changes (the approach typify's macro takes).
pub fn track(files: &[PathBuf]) -> TokenStream {
    let paths = files.iter().map(|p| p.to_string_lossy().into_owned());
    quote! {
        #(const _: &str = ::core::include_str!(#paths);)*
    }
}
