//! The old catalog: read from a git revision (through the `git` command, no checkout) or from a
//! folder.
//!
//! For a revision, the repository is found from the catalog folder (`git rev-parse
//! --show-toplevel`), the folder's path inside it is mapped, and the YAML files of that path at
//! the revision (`git ls-tree`) are read with `git cat-file` into a temporary folder, which is
//! then loaded like any catalog. Nothing in the working tree is touched.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::ir::{self, Catalog};
use crate::load::{self, CATALOG_FILE, LoadError, LoadedCatalog};

/// What `--against` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Against {
    /// A git revision (`HEAD`, `HEAD~1`, `origin/main`, a commit id).
    Git(String),
    /// A catalog folder.
    Dir(PathBuf),
}

impl Against {
    /// An existing folder is a folder; anything else is a revision.
    pub fn parse(text: &str) -> Against {
        let path = Path::new(text);
        if path.is_dir() {
            Against::Dir(path.to_path_buf())
        } else {
            Against::Git(text.to_owned())
        }
    }

    pub fn label(&self) -> String {
        match self {
            Against::Git(rev) => rev.clone(),
            Against::Dir(dir) => dir.display().to_string(),
        }
    }
}

/// The old catalog, loaded and lowered.
#[derive(Debug)]
pub struct OldCatalog {
    /// `HEAD`, or the folder.
    pub label: String,
    pub loaded: LoadedCatalog,
    pub catalog: Catalog,
    /// Prefix naming an old file in messages: `HEAD:catalog/` or `../old/`.
    pub file_prefix: String,
}

impl OldCatalog {
    /// How to name a file of the old catalog (relative to its root) in a message.
    pub fn file(&self, relative: &str) -> String {
        format!("{}{relative}", self.file_prefix)
    }
}

/// Where a folder is inside its git repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoPath {
    pub toplevel: PathBuf,
    /// The folder relative to the top level, `/`-separated; empty for the top level itself.
    pub relative: String,
}

impl RepoPath {
    /// A path below the folder, relative to the top level.
    pub fn join(&self, below: &str) -> String {
        if self.relative.is_empty() {
            below.to_owned()
        } else {
            format!("{}/{below}", self.relative)
        }
    }
}

/// Why the old catalog cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("cannot run git ({command}): {source}")]
    GitMissing {
        command: String,
        #[source]
        source: std::io::Error,
    },
    #[error("`{command}` failed: {message}")]
    Git { command: String, message: String },
    #[error("`{}` is not inside a git repository, so `--against {rev}` cannot be read; pass a catalog folder instead", dir.display())]
    NotInRepository { dir: PathBuf, rev: String },
    #[error("unknown git revision `{0}` (and no folder of that name exists here)")]
    UnknownRevision(String),
    #[error("`{}` is not a folder (looked in {}) and not a git revision either; pass an existing catalog folder or a revision such as HEAD~1", path.display(), cwd.display())]
    NoSuchFolder { path: PathBuf, cwd: PathBuf },
    #[error("cannot read `{}`: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(
        "the old catalog ({label}) has {count} lint error(s), so it cannot be compared; the first: {first}"
    )]
    Invalid {
        label: String,
        count: usize,
        first: String,
    },
}

/// Reads the catalog `against` names. `catalog_dir` is the current catalog folder: for a
/// revision, the same path is read at that revision. `Ok(None)` when the revision has no catalog
/// there (the commit that introduces it).
pub fn read_old(against: &Against, catalog_dir: &Path) -> Result<Option<OldCatalog>, SourceError> {
    match against {
        Against::Dir(dir) => {
            let loaded = load::load(dir)?;
            let label = dir.display().to_string();
            let catalog = lower(&loaded, &label)?;
            let mut file_prefix = dir.to_string_lossy().replace('\\', "/");
            if !file_prefix.ends_with('/') {
                file_prefix.push('/');
            }
            Ok(Some(OldCatalog {
                label,
                loaded,
                catalog,
                file_prefix,
            }))
        }
        Against::Git(rev) => match read_revision(rev, catalog_dir) {
            Err(SourceError::UnknownRevision(rev)) if looks_like_path(&rev) => {
                Err(SourceError::NoSuchFolder {
                    path: PathBuf::from(rev),
                    cwd: std::env::current_dir().unwrap_or_default(),
                })
            }
            other => other,
        },
    }
}

/// Whether an `--against` value that is no revision was meant as a folder: it is absolute,
/// starts with `.` or `~`, or ends with a path separator. (`origin/main` has a `/` too, so a
/// separator inside is not enough.)
fn looks_like_path(text: &str) -> bool {
    let path = Path::new(text);
    path.is_absolute()
        || text.starts_with('.')
        || text.starts_with('~')
        || text.ends_with('/')
        || text.ends_with('\\')
        || path.exists()
}

fn read_revision(rev: &str, catalog_dir: &Path) -> Result<Option<OldCatalog>, SourceError> {
    let repo = repo_path(catalog_dir)?.ok_or_else(|| SourceError::NotInRepository {
        dir: catalog_dir.to_path_buf(),
        rev: rev.to_owned(),
    })?;
    let top = &repo.toplevel;
    // A revision that looks like an option would be read as one by git.
    if rev.starts_with('-') || rev.is_empty() {
        return Err(SourceError::UnknownRevision(rev.to_owned()));
    }
    let commit = format!("{rev}^{{commit}}");
    if git(top, &["rev-parse", "--verify", "--quiet", &commit]).is_err() {
        return Err(SourceError::UnknownRevision(rev.to_owned()));
    }
    let (prefix, listed) = ls_tree(&repo, rev)?;
    let files: Vec<(String, String)> = listed
        .into_iter()
        .filter(|(_, relative)| relative.ends_with(".yaml") || relative.ends_with(".yml"))
        .collect();
    if !files.iter().any(|(_, relative)| relative == CATALOG_FILE) {
        return Ok(None);
    }

    let temp = tempfile::tempdir().map_err(|source| SourceError::Io {
        path: std::env::temp_dir(),
        source,
    })?;
    for (path, relative) in &files {
        let contents = git(top, &["cat-file", "blob", &format!("{rev}:{path}")])?;
        let target = temp.path().join(relative);
        let io = |source| SourceError::Io {
            path: target.clone(),
            source,
        };
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        std::fs::write(&target, contents).map_err(io)?;
    }
    let loaded = load::load(temp.path())?;
    let label = rev.to_owned();
    let catalog = lower(&loaded, &label)?;
    Ok(Some(OldCatalog {
        label,
        loaded,
        catalog,
        file_prefix: format!("{rev}:{prefix}"),
    }))
}

fn lower(loaded: &LoadedCatalog, label: &str) -> Result<Catalog, SourceError> {
    ir::lower(loaded).map_err(|ir::LowerError::Invalid(findings)| SourceError::Invalid {
        label: label.to_owned(),
        count: findings.len(),
        first: findings
            .first()
            .map(|f| format!("{}: {}", f.rule, f.message))
            .unwrap_or_default(),
    })
}

/// The repository `dir` is in and its path there; `Ok(None)` when it is in none.
pub fn repo_path(dir: &Path) -> Result<Option<RepoPath>, SourceError> {
    let Ok(output) = git(dir, &["rev-parse", "--show-toplevel"]) else {
        return Ok(None);
    };
    let toplevel = PathBuf::from(String::from_utf8_lossy(&output).trim());
    let canonical = |path: &Path| {
        std::fs::canonicalize(path).map_err(|source| SourceError::Io {
            path: path.to_path_buf(),
            source,
        })
    };
    let top = canonical(&toplevel)?;
    let here = canonical(dir)?;
    let relative = here
        .strip_prefix(&top)
        .map(|r| r.to_string_lossy().replace('\\', "/"))
        .unwrap_or_default();
    Ok(Some(RepoPath {
        toplevel: top,
        relative,
    }))
}

/// Runs `git -C dir args...`, returning its standard output.
fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, SourceError> {
    let command = format!("git {}", args.join(" "));
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|source| SourceError::GitMissing {
            command: command.clone(),
            source,
        })?;
    if output.status.success() {
        Ok(output.stdout)
    } else {
        Err(SourceError::Git {
            command,
            message: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        })
    }
}

/// The files below the repository folder `repo` at `rev`, as (path in the repository, path
/// relative to the folder), with the folder's prefix in the repository (`catalog/`, or empty).
fn ls_tree(repo: &RepoPath, rev: &str) -> Result<(String, Vec<(String, String)>), SourceError> {
    let mut args = vec!["ls-tree", "-r", "-z", "--name-only", rev];
    if !repo.relative.is_empty() {
        args.push("--");
        args.push(&repo.relative);
    }
    let listing = git(&repo.toplevel, &args)?;
    let prefix = if repo.relative.is_empty() {
        String::new()
    } else {
        format!("{}/", repo.relative)
    };
    let files = String::from_utf8_lossy(&listing)
        .split('\0')
        .filter_map(|path| {
            path.strip_prefix(&prefix)
                .filter(|relative| !relative.is_empty())
                .map(|relative| (path.to_owned(), relative.to_owned()))
        })
        .collect();
    Ok((prefix, files))
}

/// Files as (path relative to a folder, contents).
pub type SchemaFiles = Vec<(String, Vec<u8>)>;

/// The published version files (`<event>/<version>.json`) below `schemas_dir` at `rev`, as
/// (path relative to `schemas_dir`, contents). `Ok(None)` when `schemas_dir` is not in a
/// repository or does not exist (nothing to compare with).
pub fn published_at(rev: &str, schemas_dir: &Path) -> Result<Option<SchemaFiles>, SourceError> {
    if !schemas_dir.is_dir() || rev.starts_with('-') {
        return Ok(None);
    }
    let Some(repo) = repo_path(schemas_dir)? else {
        return Ok(None);
    };
    let top = &repo.toplevel;
    let (_, listed) = ls_tree(&repo, rev)?;
    let mut files = Vec::new();
    for (path, relative) in listed {
        let is_version = match relative.split('/').collect::<Vec<_>>().as_slice() {
            [_, file] => file
                .strip_suffix(".json")
                .is_some_and(|stem| semver::Version::parse(stem).is_ok()),
            _ => false,
        };
        if is_version {
            let contents = git(top, &["cat-file", "blob", &format!("{rev}:{path}")])?;
            files.push((relative, contents));
        }
    }
    Ok(Some(files))
}
