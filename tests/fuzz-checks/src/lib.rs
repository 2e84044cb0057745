//! What each fuzz target checks, as plain functions: the cargo-fuzz targets in `fuzz/` (nightly,
//! libFuzzer) call them on generated inputs, and `tests/replay.rs` calls them on every input
//! kept in `fuzz/corpus/<target>/` and `fuzz/regressions/<target>/` with the stable toolchain,
//! so a bug found once stays found. Each function panics when its property does not hold.
//!
//! - [`catalog_yaml`]: any bytes as a catalog file: loading never fails but for I/O, lint turns
//!   every problem into a finding, and a catalog lint passes lowers, generates, and compiles
//!   into a registry whose every schema has a one-pass program;
//! - [`payload_lines`]: any bytes as validator input: no panic, every line counted, every payload
//!   valid or invalid, in the stream and in the batch API;
//! - [`engines_agree`]: any bytes as one payload: the one-pass engine and the tree path
//!   (jsonschema) give the same verdict;
//! - [`published_schema`]: any bytes as a published schema file or as the schemas index:
//!   `eventcat compat` reads them with an error or a report, never a panic.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use eventcat_engine::{
    Input, InputFormat, Options, Outputs, Quick, Registry, ReportFormat, Verdict,
};

/// A target's property: panics when `data` breaks it.
pub type Check = fn(&[u8]);

/// The fuzz targets, by the name of their corpus folder.
pub const TARGETS: &[(&str, Check)] = &[
    ("catalog_yaml", catalog_yaml),
    ("payload_lines", payload_lines),
    ("engines_agree", engines_agree),
    ("published_schema", published_schema),
];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn registry() -> &'static Arc<Registry> {
    static REGISTRY: OnceLock<Arc<Registry>> = OnceLock::new();
    REGISTRY.get_or_init(|| Arc::new(eventcat_validate::embedded_registry().expect("schemas")))
}

/// Copies a folder tree (small: the catalog, the schemas).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("a temporary folder");
    for entry in std::fs::read_dir(from).expect("a readable folder") {
        let entry = entry.expect("a folder entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("a copy");
        }
    }
}

/// A temporary copy of the bundled catalog and its published schemas, made once per process;
/// each input rewrites one file of it (hence the lock).
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn catalog(&self) -> PathBuf {
        self.dir.path().join("catalog")
    }

    fn schemas(&self) -> PathBuf {
        self.dir.path().join("generated/schemas")
    }
}

fn scratch() -> &'static Mutex<Scratch> {
    static SCRATCH: OnceLock<Mutex<Scratch>> = OnceLock::new();
    SCRATCH.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary folder");
        copy_tree(&workspace().join("catalog"), &dir.path().join("catalog"));
        copy_tree(
            &workspace().join("generated/schemas"),
            &dir.path().join("generated/schemas"),
        );
        Mutex::new(Scratch { dir })
    })
}

/// The first byte picks the file the rest replaces: the catalog's `catalog.yaml` (even) or a
/// new event file (odd).
pub fn catalog_yaml(data: &[u8]) {
    let Some((&selector, text)) = data.split_first() else {
        return;
    };
    let scratch = scratch().lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().expect("a temporary folder");
    let root = dir.path();
    let original = scratch.catalog();
    std::fs::copy(original.join("catalog.yaml"), root.join("catalog.yaml")).expect("a copy");
    let events = root.join("events/user");
    std::fs::create_dir_all(&events).expect("a folder");
    std::fs::copy(
        original.join("events/user/user.login.yaml"),
        events.join("user.login.yaml"),
    )
    .expect("a copy");
    if selector % 2 == 0 {
        std::fs::write(root.join("catalog.yaml"), text).expect("a write");
    } else {
        std::fs::write(events.join("user.fuzzed.yaml"), text).expect("a write");
    }
    drop(scratch);

    let loaded = eventcat::load(root).expect("only I/O errors stop the loader");
    let findings = eventcat::lint::lint(&loaded);
    let errors = findings
        .iter()
        .filter(|f| f.severity == eventcat::Severity::Error)
        .count();
    match eventcat::ir::lower(&loaded) {
        Ok(catalog) => {
            assert_eq!(errors, 0, "lowered a catalog lint refuses: {findings:?}");
            let files = eventcat::emit::all(&catalog);
            assert!(!files.is_empty());
            let registry = Registry::new(eventcat::validate::catalog_sources(&catalog, "fuzz"))
                .expect("every generated schema compiles");
            for (_, schema) in registry.schemas() {
                assert_eq!(
                    schema.engine(),
                    Ok(()),
                    "a generated schema without a program"
                );
            }
        }
        Err(eventcat::ir::LowerError::Invalid(refused)) => {
            assert!(!refused.is_empty(), "refused without a finding");
        }
    }
}

/// The bytes as NDJSON (and as auto-detected input), in small pieces.
pub fn payload_lines(data: &[u8]) {
    let registry = registry();
    let expected_lines = memchr_count(data) + u64::from(data.last().is_some_and(|&b| b != b'\n'));
    for (format, chunk) in [
        (InputFormat::Ndjson, 64),
        (InputFormat::Ndjson, 1 << 20),
        (InputFormat::Auto, 100),
    ] {
        let options = Options {
            threads: 1,
            chunk_bytes: chunk,
            max_line_bytes: 4096,
            input_format: format,
            format: ReportFormat::Json,
            ..Options::default()
        };
        let mut report = Vec::new();
        let summary = eventcat_engine::run(
            Arc::clone(registry),
            vec![Input::reader("fuzz", Cursor::new(data.to_vec()))],
            &options,
            Outputs {
                report: &mut report,
                sink: None,
            },
        )
        .expect("a run over memory");
        assert_eq!(summary.valid + summary.invalid, summary.payloads);
        if matches!(format, InputFormat::Ndjson) {
            assert_eq!(summary.lines, expected_lines, "lines");
            assert_eq!(summary.payloads, expected_lines, "payloads");
        }
    }
    let mut seen = 0;
    registry.validate_lines(data, 4096, |line, _| {
        seen += 1;
        assert_eq!(line, seen);
    });
    assert_eq!(seen, expected_lines);
}

fn memchr_count(data: &[u8]) -> u64 {
    data.iter().filter(|&&b| b == b'\n').count() as u64
}

/// The bytes as one payload: both engines, the same verdict.
pub fn engines_agree(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        assert!(!registry().validate(data).is_valid());
        return;
    };
    agree(registry(), text);
}

/// The one-pass verdict equals the tree path's, and the combined one is the tree's.
pub fn agree(registry: &Registry, text: &str) -> Quick {
    let tree = registry.validate_tree(text);
    let quick = registry.quick(text);
    match quick {
        Quick::Valid(id) => assert_eq!(tree, Verdict::Valid { schema: id }, "{text}"),
        Quick::Invalid => assert!(!tree.is_valid(), "{text}"),
        Quick::Undecided | Quick::NoProgram => {}
    }
    assert_eq!(registry.validate_str(text), tree, "{text}");
    quick
}

/// The first byte picks the file the rest replaces: the schemas index (even) or a published
/// version file (odd: a new `user.login` version, below the current one).
pub fn published_schema(data: &[u8]) {
    let Some((&selector, text)) = data.split_first() else {
        return;
    };
    let scratch = scratch().lock().unwrap_or_else(|e| e.into_inner());
    let schemas = scratch.schemas();
    let (path, original) = if selector % 2 == 0 {
        let path = schemas.join("index.json");
        let original = std::fs::read(&path).ok();
        (path, original)
    } else {
        (schemas.join("user.login/0.9.0.json"), None)
    };
    std::fs::write(&path, text).expect("a write");
    let request = eventcat::compat::Request {
        catalog: scratch.catalog(),
        against: scratch.catalog().display().to_string(),
        schemas: Some(schemas.clone()),
        options: eventcat::compat::Options::default(),
    };
    let outcome = std::panic::catch_unwind(|| eventcat::compat::compat(&request));
    match original {
        Some(original) => std::fs::write(&path, original).expect("a restore"),
        None => std::fs::remove_file(&path).expect("a clean-up"),
    }
    drop(scratch);
    match outcome {
        Ok(_) => {}
        Err(panic) => std::panic::resume_unwind(panic),
    }
}
