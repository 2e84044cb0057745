//! Published versions: `generated/schemas/<event>/<version>.json`, written once, never changed.
//!
//! What is published is what the checked-in `schemas/index.json` lists plus every version file
//! on disk. `generate` keeps them all (the index and the union schema go on covering them) and
//! refuses to run when the catalog would change one ([`violations`]); `compat` reads them as the
//! history the transitive modes check against.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::emit::json_schema::{self, PublishedSchema};
use crate::ir::Catalog;

/// The index file below the schemas folder.
pub const INDEX_FILE: &str = "index.json";

/// The published versions found in a schemas folder.
#[derive(Debug, Clone, Default)]
pub struct Published {
    /// The schemas folder (`generated/schemas`).
    pub dir: PathBuf,
    /// What `index.json` lists: event → version → file (relative to `dir`).
    pub listed: BTreeMap<String, BTreeMap<semver::Version, String>>,
    /// The version files on disk: event → version → file (relative to `dir`).
    pub on_disk: BTreeMap<String, BTreeMap<semver::Version, String>>,
}

/// A published schema that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum PublishedError {
    #[error("cannot read `{}`: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{}` is not valid JSON: {source}", path.display())]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
}

/// A way the catalog would break the immutability of published versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    /// `index.json` lists a version whose file is gone.
    Deleted {
        event: String,
        version: semver::Version,
        path: PathBuf,
    },
    /// The catalog's version of an event is published, and its schema would now differ.
    Changed {
        event: String,
        version: semver::Version,
        path: PathBuf,
        /// The event's YAML file, relative to the catalog.
        source_file: String,
    },
    /// A higher version of the event is already published: versions only go up.
    Behind {
        event: String,
        version: semver::Version,
        published: semver::Version,
        source_file: String,
    },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::Deleted {
                event,
                version,
                path,
            } => write!(
                f,
                "{event} {version}: the published schema `{}` was deleted; published versions are \
                 immutable: restore it (e.g. `git restore {}`)",
                path.display(),
                path.display()
            ),
            Violation::Changed {
                event,
                version,
                path,
                source_file,
            } => write!(
                f,
                "{event} {version}: the catalog ({source_file}) would change the published schema \
                 `{}`; published versions are immutable: bump the version of {event} (patch for \
                 documentation, minor for a compatible change, major for a breaking one; \
                 `eventcat compat` tells which), or, if {version} was never released, restore \
                 generated/schemas to its committed state and generate again",
                path.display()
            ),
            Violation::Behind {
                event,
                version,
                published,
                source_file,
            } => write!(
                f,
                "{event}: the catalog ({source_file}) says {version}, but {published} is already \
                 published; versions only go up"
            ),
        }
    }
}

impl Published {
    /// Reads `index.json` (when there is one) and lists the version files of `dir`. A folder that
    /// does not exist publishes nothing.
    pub fn read(dir: &Path) -> Result<Published, PublishedError> {
        let mut published = Published {
            dir: dir.to_path_buf(),
            ..Published::default()
        };
        if !dir.is_dir() {
            return Ok(published);
        }
        let index_path = dir.join(INDEX_FILE);
        if index_path.is_file() {
            let index = read_json(&index_path)?;
            if let Some(events) = index.get("events").and_then(Value::as_object) {
                for (event, entry) in events {
                    let Some(versions) = entry.get("versions").and_then(Value::as_object) else {
                        continue;
                    };
                    for (version, file) in versions {
                        if let (Ok(version), Some(file)) =
                            (semver::Version::parse(version), file.as_str())
                        {
                            published
                                .listed
                                .entry(event.clone())
                                .or_default()
                                .insert(version, file.to_owned());
                        }
                    }
                }
            }
        }
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| PublishedError::Io { path, source }
        };
        for entry in std::fs::read_dir(dir).map_err(io(dir))? {
            let entry = entry.map_err(io(dir))?;
            if !entry.file_type().map_err(io(&entry.path()))?.is_dir() {
                continue;
            }
            let folder = entry.file_name().to_string_lossy().into_owned();
            // The folder is the event's name made a safe path segment; the index says whose it is.
            let event = published
                .listed
                .iter()
                .find(|(_, versions)| {
                    versions
                        .values()
                        .any(|file| file.split('/').next() == Some(folder.as_str()))
                })
                .map_or_else(|| folder.clone(), |(name, _)| name.clone());
            for file in std::fs::read_dir(entry.path()).map_err(io(&entry.path()))? {
                let file = file.map_err(io(&entry.path()))?;
                let name = file.file_name().to_string_lossy().into_owned();
                let Some(stem) = name.strip_suffix(".json") else {
                    continue;
                };
                if let Ok(version) = semver::Version::parse(stem) {
                    published
                        .on_disk
                        .entry(event.clone())
                        .or_default()
                        .insert(version, format!("{folder}/{name}"));
                }
            }
        }
        Ok(published)
    }

    /// Every event with a published version.
    pub fn events(&self) -> BTreeSet<&str> {
        self.listed
            .keys()
            .chain(self.on_disk.keys())
            .map(String::as_str)
            .collect()
    }

    /// The published versions of `event`, ascending.
    pub fn versions(&self, event: &str) -> BTreeSet<semver::Version> {
        self.listed
            .get(event)
            .into_iter()
            .chain(self.on_disk.get(event))
            .flat_map(|versions| versions.keys().cloned())
            .collect()
    }

    /// The file of a published version, when it is on disk.
    pub fn path(&self, event: &str, version: &semver::Version) -> Option<PathBuf> {
        self.on_disk
            .get(event)
            .and_then(|versions| versions.get(version))
            .map(|file| self.dir.join(file))
    }

    /// The schema of a published version, `None` when its file is not on disk.
    pub fn load(
        &self,
        event: &str,
        version: &semver::Version,
    ) -> Result<Option<Value>, PublishedError> {
        match self.path(event, version) {
            Some(path) => read_json(&path).map(Some),
            None => Ok(None),
        }
    }

    /// Every published version on disk except each catalog event's current one (which the
    /// emitter renders itself): what the index and the union must keep covering.
    pub fn history(&self, catalog: &Catalog) -> Result<Vec<PublishedSchema>, PublishedError> {
        let mut history = Vec::new();
        for (event, versions) in &self.on_disk {
            for version in versions.keys() {
                let current = catalog
                    .events
                    .get(event)
                    .is_some_and(|e| &e.version == version);
                if current {
                    continue;
                }
                if let Some(schema) = self.load(event, version)? {
                    history.push(PublishedSchema {
                        event: event.clone(),
                        version: version.clone(),
                        schema,
                    });
                }
            }
        }
        Ok(history)
    }
}

/// Every way the catalog would break a published version: a listed file deleted, a published
/// version whose schema would change, an event whose version went below a published one.
pub fn violations(
    published: &Published,
    catalog: &Catalog,
) -> Result<Vec<Violation>, PublishedError> {
    let mut found = Vec::new();
    for (event, versions) in &published.listed {
        for (version, file) in versions {
            let path = published.dir.join(file);
            if !path.is_file() {
                found.push(Violation::Deleted {
                    event: event.clone(),
                    version: version.clone(),
                    path,
                });
            }
        }
    }
    for event in catalog.events.values() {
        if let Some(highest) = published.versions(&event.name).into_iter().next_back()
            && highest > event.version
        {
            found.push(Violation::Behind {
                event: event.name.clone(),
                version: event.version.clone(),
                published: highest,
                source_file: event.source_file.clone(),
            });
        }
        if let Some(on_disk) = published.load(&event.name, &event.version)? {
            let now = json_schema::event_schema(catalog, event);
            if !same_contract(&on_disk, &now) {
                found.push(Violation::Changed {
                    event: event.name.clone(),
                    version: event.version.clone(),
                    path: published
                        .path(&event.name, &event.version)
                        .unwrap_or_default(),
                    source_file: event.source_file.clone(),
                });
            }
        }
    }
    Ok(found)
}

/// Two renderings of the same event version are the same published schema when they differ at
/// most in the top-level `$comment`: the generated-by notice, which names the catalog version
/// the file was first written from and is no part of the contract.
pub fn same_contract(published: &Value, rendered: &Value) -> bool {
    let strip = |value: &Value| match value {
        Value::Object(map) => {
            let mut map = map.clone();
            map.remove("$comment");
            Value::Object(map)
        }
        other => other.clone(),
    };
    strip(published) == strip(rendered)
}

fn read_json(path: &Path) -> Result<Value, PublishedError> {
    let text = std::fs::read_to_string(path).map_err(|source| PublishedError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| PublishedError::Json {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_the_generated_notice_may_differ() {
        let a = json!({ "$comment": "catalog 1.0.0", "title": "x 1.0.0", "type": "object" });
        let b = json!({ "$comment": "catalog 1.1.0", "title": "x 1.0.0", "type": "object" });
        let c = json!({ "$comment": "catalog 1.0.0", "title": "x 1.0.0", "type": "string" });
        assert!(same_contract(&a, &b));
        assert!(!same_contract(&a, &c));
    }

    #[test]
    fn reads_the_index_and_the_files() {
        let dir = tempfile::tempdir().unwrap();
        let schemas = dir.path();
        std::fs::create_dir_all(schemas.join("a.b")).unwrap();
        std::fs::write(schemas.join("a.b/1.0.0.json"), "{}").unwrap();
        std::fs::write(schemas.join("a.b/1.1.0.json"), "{}").unwrap();
        std::fs::write(schemas.join("a.b/notes.txt"), "").unwrap();
        std::fs::write(
            schemas.join(INDEX_FILE),
            json!({ "events": { "a.b": { "versions": {
                "1.0.0": "a.b/1.0.0.json", "0.9.0": "a.b/0.9.0.json"
            } } } })
            .to_string(),
        )
        .unwrap();
        let published = Published::read(schemas).unwrap();
        let versions: Vec<String> = published
            .versions("a.b")
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(versions, ["0.9.0", "1.0.0", "1.1.0"]);
        assert_eq!(published.events().into_iter().collect::<Vec<_>>(), ["a.b"]);
        let v = semver::Version::parse("0.9.0").unwrap();
        assert!(published.load("a.b", &v).unwrap().is_none());

        let missing = Published::read(&schemas.join("nowhere")).unwrap();
        assert!(missing.events().is_empty());
    }
}
