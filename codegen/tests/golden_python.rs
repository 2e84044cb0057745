//! The Python emitter's output: golden files for the mini and hostile fixtures (review a change
//! of output as a diff; `EXPECTORATE=overwrite cargo test -p eventcat --test golden_python`
//! rewrites them), determinism, and hostile text kept inside string literals. That Python
//! imports the output, pydantic builds the models and `mypy --strict` accepts them is checked in
//! `tests/tests/python_models.rs`.

use std::path::{Path, PathBuf};

use eventcat::emit::python;
use eventcat::ir::Catalog;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn lower(fixture: &str) -> Catalog {
    let root = manifest_dir().join("tests/fixtures").join(fixture);
    let loaded = eventcat::load(&root).expect("the fixture loads");
    eventcat::ir::lower(&loaded).expect("the fixture lints clean")
}

fn files_under(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|entry| entry.expect("the golden folder is readable"))
        .filter(|entry| entry.file_type().is_file())
        .map(|entry| {
            let relative = entry.path().strip_prefix(dir).unwrap();
            relative.to_string_lossy().replace('\\', "/")
        })
        .collect();
    files.sort();
    files
}

fn assert_golden(fixture: &str) {
    let files = python::files(&lower(fixture));
    let golden = manifest_dir().join("tests/golden/python").join(fixture);
    let relative = |path: &str| path.strip_prefix("python/").unwrap_or(path).to_owned();
    for file in &files {
        let path = golden.join(relative(&file.path));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        expectorate::assert_contents(path, &file.contents);
    }
    let written: Vec<String> = files.iter().map(|file| relative(&file.path)).collect();
    assert_eq!(
        files_under(&golden),
        written,
        "golden files vs emitted files"
    );
}

#[test]
fn mini_matches_the_golden_files() {
    assert_golden("mini");
}

#[test]
fn hostile_matches_the_golden_files() {
    assert_golden("hostile");
}

#[test]
fn output_is_deterministic() {
    let catalog = lower("hostile");
    assert_eq!(python::files(&catalog), python::files(&catalog));
    assert_eq!(python::files(&catalog), python::files(&lower("hostile")));
}

#[test]
fn the_package_is_named_after_the_catalog() {
    let files = python::files(&lower("mini"));
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "python/mini_events/__init__.py",
            "python/mini_events/_runtime.py",
            "python/mini_events/_tracker.py",
            "python/mini_events/models.py",
            "python/mini_events/py.typed",
            "python/pyproject.toml",
        ]
    );
    let pyproject = &files
        .iter()
        .find(|f| f.path.ends_with("pyproject.toml"))
        .unwrap()
        .contents;
    assert!(pyproject.contains("name = \"mini-events\"\n"));
    assert!(pyproject.contains("version = \"0.1.0\"\n"));
    assert!(pyproject.contains("dependencies = [\"pydantic>=2.11,<3\"]\n"));
}

/// Every line of hostile text reaches the models as a docstring line, escaped by the literal
/// writer, and outside docstrings and string literals no line holds catalog text: scanning the
/// module with Python's own tokenizer rules in mind, each docstring opens with `"""`, every
/// quote inside is escaped, and it closes on its last line.
#[test]
fn hostile_text_stays_inside_string_literals() {
    let catalog = lower("hostile");
    let models = python::files(&catalog)
        .into_iter()
        .find(|f| f.path.ends_with("models.py"))
        .unwrap()
        .contents;
    let mut texts = vec![
        catalog.description.clone(),
        catalog.envelope.description.clone(),
    ];
    for event in catalog.events.values() {
        texts.push(event.description.clone());
        texts.push(event.trigger.clone());
        texts.extend(event.properties.iter().map(|p| p.description.clone()));
    }
    let mut checked = 0;
    for text in &texts {
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let escaped = python::literal::docstring(line);
            let inner = &escaped[3..escaped.len() - 3];
            assert!(
                models.contains(inner),
                "the line {line:?} is missing, escaped as {inner:?}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 30, "only {checked} lines checked");
    // A docstring can only end at an unescaped `"""`: the escaper leaves none inside.
    let mut in_doc = false;
    for (number, line) in models.lines().enumerate() {
        let unescaped_quotes = line.replace("\\\\", "").replace("\\\"", "");
        let opens = unescaped_quotes.matches("\"\"\"").count();
        if opens % 2 == 1 {
            in_doc = !in_doc;
        }
        if !in_doc && opens == 0 {
            assert!(
                !line.contains('#'),
                "line {}: a comment marker outside a string: {line:?}",
                number + 1
            );
        }
    }
    assert!(!in_doc, "a docstring is not closed");
}
