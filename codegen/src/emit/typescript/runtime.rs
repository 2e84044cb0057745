//! The fixed part of the package: the tracker, the transports and the validation checks, the
//! same for every catalog. They are kept as real JavaScript files beside this module (so they
//! read, lint and diff as code) and written with the generated notice in front.

use super::super::OutputFile;
use super::notice_line;
use crate::ir::Catalog;

/// `(file name, contents)` of each runtime module and its declarations.
const FILES: &[(&str, &str)] = &[
    ("checks.d.ts", include_str!("runtime/checks.d.ts")),
    ("checks.js", include_str!("runtime/checks.js")),
    ("tracker.d.ts", include_str!("runtime/tracker.d.ts")),
    ("tracker.js", include_str!("runtime/tracker.js")),
    ("transport.d.ts", include_str!("runtime/transport.d.ts")),
    ("transport.js", include_str!("runtime/transport.js")),
];

pub(super) fn files(catalog: &Catalog) -> Vec<OutputFile> {
    FILES
        .iter()
        .map(|(name, contents)| {
            OutputFile::new(
                format!("typescript/{name}"),
                format!("{}{contents}", notice_line(catalog)),
            )
        })
        .collect()
}
