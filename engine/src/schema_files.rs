//! The layout of a published schema folder: `<event>/<version>.json`, names percent-encoded by
//! the JSON Schema emitter (`path_segment`).
//!
//! Standard library only, on purpose: besides the validator's registry (`--schemas DIR`), the
//! `eventcat-validate` package's build script includes this file with `#[path]` to embed the
//! same files, and a build script cannot use this crate without compiling it twice.

use std::path::{Path, PathBuf};

/// One schema file of the folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaFile {
    /// The event name (the folder's name, decoded).
    pub event: String,
    /// The version (the file's stem, decoded).
    pub version: String,
    pub path: PathBuf,
}

/// Every `<event>/<version>.json` below `dir`, sorted by path. An error carries the path that
/// could not be read.
pub fn list(dir: &Path) -> Result<Vec<SchemaFile>, (PathBuf, std::io::Error)> {
    let sorted = |dir: &Path| -> Result<Vec<std::fs::DirEntry>, (PathBuf, std::io::Error)> {
        let at = |error| (dir.to_path_buf(), error);
        let mut entries = std::fs::read_dir(dir)
            .map_err(at)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(at)?;
        entries.sort_by_key(std::fs::DirEntry::file_name);
        Ok(entries)
    };
    let mut files = Vec::new();
    for event in sorted(dir)? {
        let event_dir = event.path();
        if !event_dir.is_dir() {
            continue;
        }
        for file in sorted(&event_dir)? {
            let name = file.file_name().to_string_lossy().into_owned();
            let Some(version) = name.strip_suffix(".json") else {
                continue;
            };
            files.push(SchemaFile {
                event: percent_decode(&event.file_name().to_string_lossy()),
                version: percent_decode(version),
                path: file.path(),
            });
        }
    }
    Ok(files)
}

/// Undoes the emitter's percent-encoding of path segments (`%2E` and the like).
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(high), Some(low)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((high * 16 + low) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
