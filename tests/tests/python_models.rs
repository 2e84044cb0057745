//! The Python package (`generated/python`, and the same emitter on the mini and hostile
//! fixtures) under the real tools: pytest runs `tests/python/` (the models' behaviour, the tracker,
//! and agreement with the validation engine on corpora this test writes), and `mypy --strict`
//! checks the packages and a usage file.
//!
//! Agreement: each corpus line gets its verdict from `eventcat::validate::Registry`, the engine
//! of `eventcat-validate`, and the pytest suite asserts that `parse_event` accepts exactly the
//! lines the engine accepts. The corpora are `eventcat sample` output (several seeds, valid and
//! every invalid kind) and edge cases this file derives from valid payloads: JSON-level rules,
//! strictness, formats, privacy forms.
//!
//! Python comes from the virtual environment `tools/.venv` that `scripts/test` creates from
//! `tools/requirements.txt`. Without it these tests fail, saying so: a skipped check reads as a
//! passed one.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use eventcat::emit::python;
use eventcat::ir::{Catalog, EnvelopeRole, Field, FieldType};
use eventcat::model::{Pii, StringFormat};
use eventcat::sample::{InvalidKind, Sampler};
use eventcat::validate::Registry;
use serde_json::{Value, json};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate is in the workspace")
        .to_path_buf()
}

fn python() -> PathBuf {
    let python = workspace().join("tools/.venv/bin/python");
    assert!(
        python.is_file(),
        "the Python tools are missing ({}): run `scripts/test`, which creates the virtual \
         environment tools/.venv and installs tools/requirements.txt into it (pytest, mypy, \
         pydantic; it needs python3 with venv), then run the tests again",
        python.display()
    );
    python
}

fn lower(dir: &Path) -> Catalog {
    let loaded = eventcat::load(dir).expect("the catalog loads");
    eventcat::ir::lower(&loaded).expect("the catalog lints clean")
}

/// Writes the emitter's package for `catalog` below `out` (`out/python/...`); returns the
/// folder holding `pyproject.toml` and the import name.
fn write_package(catalog: &Catalog, out: &Path) -> (PathBuf, String) {
    for file in python::files(catalog) {
        let path = out.join(&file.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &file.contents).unwrap();
    }
    (out.join("python"), python::package_name(catalog))
}

/// The corpora of one catalog and the engine's verdict for each line.
struct Corpus {
    lines: Vec<String>,
    valid: Vec<bool>,
}

impl Corpus {
    fn push(&mut self, registry: &Registry, line: String) {
        self.valid
            .push(registry.validate(line.as_bytes()).is_valid());
        self.lines.push(line);
    }

    fn write(&self, dir: &Path, name: &str) -> Value {
        let corpus = dir.join(format!("{name}.ndjson"));
        let verdicts = dir.join(format!("{name}.verdicts"));
        let mut text = String::new();
        for line in &self.lines {
            // One payload a line: a payload's own line breaks would split it.
            assert!(!line.contains('\n'), "a corpus line holds a line break");
            text.push_str(line);
            text.push('\n');
        }
        std::fs::write(&corpus, text).unwrap();
        let marks: String = self
            .valid
            .iter()
            .map(|v| if *v { '1' } else { '0' })
            .collect();
        std::fs::write(&verdicts, marks).unwrap();
        json!({
            "name": name,
            "corpus": corpus,
            "verdicts": verdicts,
            "valid": self.valid.iter().filter(|v| **v).count(),
            "invalid": self.valid.iter().filter(|v| !**v).count(),
        })
    }
}

/// `eventcat sample` output: `count` lines a seed, half of them broken, plus one payload per
/// event and invalid kind, so every kind is there whatever the seeds pick.
fn sample_corpus(catalog: &Catalog, registry: &Registry, seeds: &[u64], count: usize) -> Corpus {
    let mut corpus = Corpus {
        lines: Vec::new(),
        valid: Vec::new(),
    };
    for &seed in seeds {
        let mut sampler = Sampler::new(catalog, seed);
        for _ in 0..count {
            let sample = sampler.sample(0.5).expect("the catalog has events");
            corpus.push(registry, sample.line);
        }
        for event in catalog.events.values() {
            for kind in InvalidKind::ALL {
                if let Some(sample) = sampler.invalid(event, *kind) {
                    corpus.push(registry, sample.line);
                }
            }
        }
    }
    corpus
}

/// Raw JSON texts for a value of a field of this type: valid ones, near misses, and what JSON
/// allows that a loose parser would coerce.
fn edge_values(field: &Field) -> Vec<String> {
    let strings = |values: &[&str]| -> Vec<String> {
        values.iter().map(|v| Value::from(*v).to_string()).collect()
    };
    let mut values = vec![
        "null".to_owned(),
        "true".to_owned(),
        "[]".to_owned(),
        "{}".to_owned(),
    ];
    match &field.ty {
        FieldType::Integer(rules) => {
            values.extend(
                [
                    "0",
                    "1",
                    "-1",
                    "1.0",
                    "1.5",
                    "1e2",
                    "1E2",
                    "-0",
                    "-0.0",
                    "2.0e0",
                    "\"1\"",
                    "false",
                    "9007199254740993",
                    "18446744073709551615",
                    "18446744073709551616",
                    "-9223372036854775809",
                    "1e400",
                    "1e-400",
                    "123456789012345678901234567890",
                ]
                .map(str::to_owned),
            );
            for bound in [rules.minimum, rules.maximum].into_iter().flatten() {
                for delta in [-1, 0, 1] {
                    values.push((i128::from(bound) + delta).to_string());
                    values.push(format!("{}.0", i128::from(bound) + delta));
                }
            }
        }
        FieldType::Number(rules) => {
            values.extend(
                [
                    "0",
                    "0.5",
                    "-0.0",
                    "1e2",
                    "1e400",
                    "-1e400",
                    "1e-400",
                    "\"1.5\"",
                    "NaN",
                    "Infinity",
                    "-Infinity",
                    "18446744073709551616",
                    "1.7976931348623157e308",
                ]
                .map(str::to_owned),
            );
            for bound in [rules.minimum, rules.maximum].into_iter().flatten() {
                for delta in [-0.5, 0.0, 0.5] {
                    values.push(format!("{:?}", bound + delta));
                }
            }
        }
        FieldType::Boolean => values.extend(["false", "0", "1", "\"true\""].map(str::to_owned)),
        FieldType::DateTime => values.extend(strings(&[
            "2025-01-31T09:30:00Z",
            "2025-01-31t09:30:00z",
            "2025-01-31T09:30:00.123456789+05:30",
            "2025-01-31T09:30:00-00:00",
            "2025-01-31 09:30:00Z",
            "2025-01-31T09:30:00",
            "2025-01-31T09:30Z",
            "2025-02-29T00:00:00Z",
            "2024-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2000-02-29T00:00:00Z",
            "2025-13-01T00:00:00Z",
            "2025-04-31T00:00:00Z",
            "2025-01-31T24:00:00Z",
            "2025-01-31T23:59:60Z",
            "2025-01-31T23:58:60Z",
            "2025-01-31T15:59:60-08:00",
            "2025-01-31T23:59:60+00:30",
            "2025-01-31T09:30:00.Z",
            "2025-01-31T09:30:00+5:30",
            "2025-01-31T09:30:00+05:60",
            "2025-01-31T09:30:00+24:00",
            "0000-01-01T00:00:00Z",
            "+2025-01-31T09:30:00Z",
            "2025-1-31T09:30:00Z",
            "２025-01-31T09:30:00Z",
            "2025-01-31T09:30:00Z\n",
            " 2025-01-31T09:30:00Z",
            "",
        ])),
        FieldType::Object => {
            values.extend(
                ["{\"a\":1}", "{\"a\":{\"b\":[1,2,{}]}}", "[1]", "\"{}\""].map(str::to_owned),
            );
            // The payload sits two levels deep (envelope, properties): these land around 127.
            for depth in [120, 124, 125, 126, 130, 300] {
                values.push(format!(
                    "{}{}",
                    "{\"a\":".repeat(depth),
                    "1".to_owned() + &"}".repeat(depth)
                ));
                values.push(format!(
                    "{{\"a\":{}{}}}",
                    "[".repeat(depth),
                    "]".repeat(depth)
                ));
            }
        }
        FieldType::Array(_) => values.extend(
            [
                "[\"a\"]",
                "[1]",
                "[null]",
                "[[]]",
                "[\"203.0.113.0\"]",
                "[\"2001:db8:1::\"]",
            ]
            .map(str::to_owned),
        ),
        FieldType::Enum(enum_type) => {
            for variant in &enum_type.variants {
                values.push(Value::from(variant.value.as_str()).to_string());
                values.push(Value::from(variant.value.to_uppercase()).to_string());
                values.push(Value::from(format!("{} ", variant.value)).to_string());
            }
        }
        FieldType::String(rules) => {
            values.extend(strings(&[
                "",
                "a",
                "ab",
                "😀",
                "é",
                "e\u{301}",
                "\u{0}",
                "line\nbreak",
                "tab\t",
            ]));
            values.extend(
                [
                    "\"\\ud800\"",
                    "\"\\udc00x\"",
                    "\"\\ud83d\\ude00\"",
                    "\"\\u0000\"",
                    "1",
                ]
                .map(str::to_owned),
            );
            if let Some(max) = rules.max_length {
                let max = usize::try_from(max).unwrap_or(usize::MAX).min(10_000);
                for n in [max.saturating_sub(1), max, max + 1] {
                    values.push(Value::from("😀".repeat(n)).to_string());
                }
            }
            if rules.pattern.is_some() {
                values.extend(strings(&[
                    "2026-11",
                    "2026-13",
                    "2026-11\n",
                    "\n2026-11",
                    "٢٠٢٦-11",
                    "2026-1",
                    "x2026-11",
                ]));
            }
            if let Some(format) = rules.format {
                values.extend(strings(format_edges(format)));
            }
            if matches!(field.pii, Some(Pii::AnonymizedIp)) {
                values.extend(strings(ip_edges()));
            }
            if matches!(field.pii, Some(Pii::Hashed)) {
                let digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
                let upper = digest.to_uppercase();
                let short = &digest[..63];
                let long = format!("{digest}0");
                let newline = format!("{digest}\n");
                values.extend(strings(&[
                    digest, &upper, short, &long, &newline, "key_1234",
                ]));
            }
        }
    }
    values
}

fn ip_edges() -> &'static [&'static str] {
    &[
        "203.0.113.0",
        "203.0.113.7",
        "203.0.113.00",
        "203.000.113.0",
        "256.0.113.0",
        "203.0.113",
        "203.0.113.0/24",
        "0.0.0.0",
        "2001:db8:1::",
        "2001:db8::",
        "::",
        "2001:DB8:1::",
        "2001:0db8:0001:0000:0000:0000:0000:0000",
        "2001:db8:1:0:0:0:0:0",
        "2001:db8:1::0.0.0.0",
        "2001:db8:1::1",
        "2001:db8:1:2::",
        "::ffff:203.0.113.0",
        "::203.0.113.0",
        "2001:db8:1::/48",
        "[2001:db8:1::]",
        "fe80::%eth0",
        "2001:db8:1:::",
        "2001:db8:1::0:0:0:0:0",
        "1:2:3:4:5:6:7::",
        "::1:2:3:4:5:6:7",
        "1:2:3:4:5:6:7:8:9",
        "2001:00db8:1::",
        "2001:db8:1::00000",
        "2001:db8:1::0.0.0.00",
        "１.2.3.0",
    ]
}

fn format_edges(format: StringFormat) -> &'static [&'static str] {
    match format {
        StringFormat::Uuid => &[
            "123e4567-e89b-12d3-a456-426614174000",
            "123E4567-E89B-12D3-A456-426614174000",
            "123e4567e89b12d3a456426614174000",
            "{123e4567-e89b-12d3-a456-426614174000}",
            "urn:uuid:123e4567-e89b-12d3-a456-426614174000",
            "123e4567-e89b-12d3-a456-42661417400",
            "123e4567-e89b-12d3-a456-4266141740000",
            "123e4567-e89b-12d3-a456_426614174000",
            "g23e4567-e89b-12d3-a456-426614174000",
            "00000000-0000-0000-0000-000000000000",
        ],
        StringFormat::Ipv4 | StringFormat::Ipv6 | StringFormat::Ip => ip_edges(),
        StringFormat::Uri
        | StringFormat::UriReference
        | StringFormat::Email
        | StringFormat::Hostname => &[],
    }
}

/// Payload lines derived from valid ones: each field of each event set to each edge value, and
/// JSON-level variations of whole payloads.
fn edge_corpus(catalog: &Catalog, registry: &Registry) -> Corpus {
    let mut corpus = Corpus {
        lines: Vec::new(),
        valid: Vec::new(),
    };
    const HOLE: &str = "\"@@hole@@\"";
    let mut sampler = Sampler::new(catalog, 7);
    for event in catalog.events.values() {
        let base = sampler.valid(event);
        let with = |pointer: (bool, &str), text: &str| -> String {
            let mut payload = base.clone();
            let target = if pointer.0 {
                payload.as_object_mut().unwrap()
            } else {
                payload["properties"].as_object_mut().unwrap()
            };
            target.insert(pointer.1.to_owned(), Value::from("@@hole@@"));
            payload.to_string().replace(HOLE, text)
        };
        for envelope_field in &catalog.envelope.fields {
            if envelope_field.role != EnvelopeRole::Plain
                && envelope_field.role != EnvelopeRole::Environment
            {
                continue;
            }
            for value in edge_values(&envelope_field.field) {
                corpus.push(registry, with((true, &envelope_field.field.name), &value));
            }
        }
        for field in &event.properties {
            for value in edge_values(field) {
                corpus.push(registry, with((false, &field.name), &value));
            }
        }
        // Every environment with every restricted field present, and absent environments.
        for field in event.properties.iter().filter(|f| f.environments.is_some()) {
            for environment in catalog
                .envelope
                .environments
                .iter()
                .map(|e| Value::from(e.as_str()).to_string())
                .chain(["null".to_owned(), "\"other\"".to_owned()])
            {
                let mut payload = base.clone();
                payload["properties"][&field.name] = json!("trace");
                payload["environment"] = json!("@@hole@@");
                corpus.push(registry, payload.to_string().replace(HOLE, &environment));
                let mut absent = payload.clone();
                absent.as_object_mut().unwrap().remove("environment");
                corpus.push(registry, absent.to_string());
            }
        }
        let text = base.to_string();
        let mut object = base.as_object().unwrap().clone();
        object.remove("event_type");
        let missing_type = Value::Object(object).to_string();
        let mut wrong = base.clone();
        wrong["event_type"] = json!("other.type");
        let key = catalog
            .envelope
            .fields
            .first()
            .map(|f| f.field.name.clone())
            .unwrap_or_default();
        for line in [
            text.clone(),
            format!("\u{feff}{text}"),
            format!(" \t{text}\r"),
            format!("{text} x"),
            format!("{text}{text}"),
            format!("[{text}]"),
            text.replacen('{', &format!("{{\"{key}\":1,"), 1),
            text.replacen("\"properties\":{", "\"properties\":{\"x\":1,\"x\":2,", 1),
            text.replacen("\"properties\":{", "\"properties\":{\"extra\":1,", 1),
            text.replacen('{', "{\"extra\":1,", 1),
            text.replace("\"version\":\"", "\"version\":\"9"),
            text.replace("\"event_name\":\"", "\"event_name\":\"x"),
            missing_type,
            wrong.to_string(),
            "null".to_owned(),
            "\"text\"".to_owned(),
            "[]".to_owned(),
            "{}".to_owned(),
            String::new(),
            "{\"event_name\":1,\"version\":\"1.0.0\"}".to_owned(),
        ] {
            corpus.push(registry, line);
        }
    }
    corpus
}

struct Prepared {
    _dir: tempfile::TempDir,
    manifest: PathBuf,
    packages: Vec<(PathBuf, String)>,
}

/// Packages and corpora for the bundled catalog and both fixtures, and a manifest naming them.
fn prepare(sample_count: usize) -> Prepared {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let root = workspace();
    let mut entries = Vec::new();
    let mut packages = Vec::new();
    for (name, catalog_dir, registry) in [
        (
            "auterity",
            root.join("catalog"),
            Registry::from_dir(&root.join("generated/schemas"))
                .expect("the published schemas compile"),
        ),
        (
            "mini",
            root.join("codegen/tests/fixtures/mini"),
            eventcat::validate::catalog_registry(&root.join("codegen/tests/fixtures/mini"))
                .unwrap(),
        ),
        (
            "hostile",
            root.join("codegen/tests/fixtures/hostile"),
            eventcat::validate::catalog_registry(&root.join("codegen/tests/fixtures/hostile"))
                .unwrap(),
        ),
    ] {
        let catalog = lower(&catalog_dir);
        let (package_dir, package) = if name == "auterity" {
            (
                root.join("generated/python"),
                python::package_name(&catalog),
            )
        } else {
            write_package(&catalog, &dir.path().join(name))
        };
        let samples = sample_corpus(&catalog, &registry, &[1, 2, 3, 4, 5], sample_count);
        let edges = edge_corpus(&catalog, &registry);
        let corpora = vec![
            samples.write(dir.path(), &format!("{name}-samples")),
            edges.write(dir.path(), &format!("{name}-edges")),
        ];
        entries.push(json!({
            "catalog": name,
            "package_dir": package_dir,
            "package": package,
            "corpora": corpora,
        }));
        packages.push((package_dir, package));
    }
    for entry in &entries {
        for corpus in entry["corpora"].as_array().unwrap() {
            println!(
                "{}: {} valid, {} invalid",
                corpus["name"], corpus["valid"], corpus["invalid"]
            );
        }
    }
    let manifest = dir.path().join("manifest.json");
    std::fs::write(&manifest, serde_json::to_string_pretty(&entries).unwrap()).unwrap();
    Prepared {
        _dir: dir,
        manifest,
        packages,
    }
}

fn run(command: &mut Command, what: &str) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    let mut report = String::new();
    let _ = write!(
        report,
        "{what} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{report}");
}

/// pytest on `tests/python`: models, tracker, and agreement with the engine on the corpora
/// (12,000 sampled lines a seed × 5 seeds for the bundled catalog, plus every kind per event
/// and the edge cases).
#[test]
fn pytest_suite_passes() {
    let prepared = prepare(12_000);
    let python_path = std::env::join_paths(prepared.packages.iter().map(|(dir, _)| dir.clone()))
        .expect("package folders join into PYTHONPATH");
    run(
        Command::new(python())
            .args([
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "tests/python",
            ])
            .current_dir(workspace())
            .env("PYTHONPATH", python_path)
            .env("EVENTCAT_PY_MANIFEST", &prepared.manifest),
        "pytest",
    );
}

/// `mypy --strict` on each package and on the usage file that builds, parses and tracks events.
#[test]
fn mypy_strict_passes_on_every_package() {
    let dir = tempfile::tempdir().unwrap();
    let root = workspace();
    let mut targets = vec![(root.join("generated/python"), "auterity_events".to_owned())];
    for fixture in ["mini", "hostile"] {
        let catalog = lower(&root.join("codegen/tests/fixtures").join(fixture));
        targets.push(write_package(&catalog, &dir.path().join(fixture)));
    }
    for (package_dir, package) in &targets {
        run(
            Command::new(python())
                .args([
                    "-m",
                    "mypy",
                    "--strict",
                    "--no-incremental",
                    "--cache-dir",
                    "/dev/null",
                    "-p",
                ])
                .arg(package)
                .current_dir(package_dir),
            &format!("mypy --strict -p {package}"),
        );
    }
    run(
        Command::new(python())
            .args([
                "-m",
                "mypy",
                "--strict",
                "--no-incremental",
                "--cache-dir",
                "/dev/null",
            ])
            .arg(root.join("tests/python/typing_usage.py"))
            .env("MYPYPATH", root.join("generated/python")),
        "mypy --strict tests/python/typing_usage.py",
    );
}

/// Every file below `dir` that git would track (no `__pycache__`, build output or egg-info).
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name == "__pycache__" || name == "build" || name.ends_with(".egg-info") {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}

/// `pip install` builds the package from its `pyproject.toml`, with `py.typed` in it.
#[test]
fn the_package_installs_with_pip() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("site");
    // A copy: building writes `build/` and `*.egg-info` beside `pyproject.toml`.
    let source = dir.path().join("source");
    for file in walk(&workspace().join("generated/python")) {
        let relative = file
            .strip_prefix(workspace().join("generated/python"))
            .unwrap();
        let to = source.join(relative);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&file, &to).unwrap();
    }
    run(
        Command::new(python())
            .args([
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                "--no-build-isolation",
                "--no-deps",
                "--no-index",
                "--target",
            ])
            .arg(&target)
            .arg(&source),
        "pip install ./generated/python",
    );
    assert!(
        target.join("auterity_events/py.typed").is_file(),
        "py.typed is installed"
    );
    run(
        Command::new(python())
            .args([
                "-c",
                "import auterity_events as a, sys; assert a.__file__.startswith(sys.argv[1]), a.__file__; \
                 from auterity_events import parse_event, Tracker; print(len(a.EVENTS))",
            ])
            .arg(&target)
            .env("PYTHONPATH", &target)
            .current_dir(dir.path()),
        "import of the installed package",
    );
}
