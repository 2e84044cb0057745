//! One check for every folder a command takes, with an error that says what it looked for,
//! from where, and what to do.

use std::path::{Path, PathBuf};

/// A folder argument that does not name a folder.
#[derive(Debug, thiserror::Error)]
#[error("{what} `{}` {problem} (looked in {}){hint}", path.display(), cwd.display())]
pub struct PathError {
    /// "catalog folder".
    what: &'static str,
    path: PathBuf,
    /// "does not exist", "is a file, not a folder".
    problem: &'static str,
    cwd: PathBuf,
    /// "; run from the repository root or pass --catalog DIR".
    hint: String,
}

/// Checks that `path` is an existing folder. `flag` is the option that sets it (`--catalog`),
/// and `default` whether the user left it at its default (then the hint says to pass it).
pub fn folder(what: &'static str, path: &Path, flag: &str, default: bool) -> Result<(), PathError> {
    let problem = match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => return Ok(()),
        Ok(_) => "is a file, not a folder",
        Err(_) => "does not exist",
    };
    let hint = if default {
        format!("; run from the repository root or pass {flag} DIR")
    } else {
        format!("; check the path given to {flag}")
    };
    Err(PathError {
        what,
        path: path.to_path_buf(),
        problem,
        cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
        hint,
    })
}

/// The catalog folder check every command runs first.
pub fn catalog(path: &Path) -> Result<(), PathError> {
    folder(
        "catalog folder",
        path,
        "--catalog",
        path == Path::new("catalog"),
    )
}
