//! The TypeScript package's runtime under real Node.js:
//! - its validator agrees with `eventcat-validate`'s engine, pointer for pointer and rule for
//!   rule, on `eventcat sample` corpora (several seeds, valid payloads and every invalid kind);
//! - the payloads its tracking functions build are valid for `eventcat-validate`;
//! - its unit tests (`tests/typescript/runtime/*.test.mjs`, Node's test runner) pass.
//!
//! Node.js comes from the system (20 or newer); without it these tests fail with a message
//! saying how to install it, rather than skip.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use eventcat::ir::Catalog;
use eventcat::sample::{InvalidKind, Sampler};
use eventcat::validate::{Registry, catalog_sources};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate is in the workspace")
        .to_path_buf()
}

fn lower(dir: &Path) -> Catalog {
    let loaded = eventcat::load(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    eventcat::ir::lower(&loaded).unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
}

fn fixture(name: &str) -> PathBuf {
    workspace().join("codegen/tests/fixtures").join(name)
}

/// Runs `node` with `args`, failing with an install hint when there is no Node.js.
fn node(args: &[&std::ffi::OsStr]) -> Output {
    Command::new("node")
        .args(args)
        .current_dir(workspace())
        .output()
        .unwrap_or_else(|error| {
            panic!(
                "cannot run `node` ({error}): these tests need Node.js 20 or newer \
                 (https://nodejs.org, or Debian's `nodejs` and `npm` packages), then \
                 `npm ci --prefix tools`"
            )
        })
}

fn assert_success(what: &str, output: &Output) {
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The TypeScript package of `catalog`, as `eventcat generate` writes it, in `dir`.
fn write_package(catalog: &Catalog, dir: &Path) -> PathBuf {
    for file in eventcat::emit::typescript::files(catalog) {
        let path = dir.join(&file.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &file.contents).unwrap();
    }
    dir.join("typescript")
}

/// The Rust engine's (pointer, rule) pairs for one payload; empty when it is valid.
fn rust_errors(registry: &Registry, line: &str) -> Vec<(String, String)> {
    registry
        .validate(line.as_bytes())
        .invalid()
        .map(|invalid| {
            invalid
                .errors
                .iter()
                .map(|e| (e.pointer.clone(), e.rule.to_string()))
                .collect()
        })
        .unwrap_or_default()
}

struct Agreement {
    compared: u64,
    valid: u64,
    invalid: u64,
    json_level: u64,
    kinds: BTreeMap<&'static str, u64>,
}

/// Samples `count` payloads per seed, judges each with the Rust engine, and has the package's
/// validator judge them too, which fails on any difference.
fn agree(catalog: &Catalog, registry: &Registry, seeds: &[u64], count: usize) -> Agreement {
    let mut lines = Vec::new();
    let mut kinds = BTreeMap::new();
    for &seed in seeds {
        let mut sampler = Sampler::new(catalog, seed);
        for _ in 0..count {
            let sample = sampler.sample(0.5).expect("the catalog has events");
            let kind = sample.broken.as_ref().map_or("valid", |b| b.kind.name());
            *kinds.entry(kind).or_default() += 1;
            lines.push(sample.line);
        }
    }
    let mut agreement = judge(catalog, registry, &lines);
    agreement.kinds = kinds;
    agreement
}

/// Judges `lines` with the Rust engine and with the package's validator
/// (`tests/typescript/agreement.mjs`), which fails on any difference.
fn judge(catalog: &Catalog, registry: &Registry, lines: &[String]) -> Agreement {
    let dir = tempfile::tempdir().unwrap();
    let package = write_package(catalog, dir.path());
    let mut corpus = String::new();
    let mut verdicts = String::new();
    for line in lines {
        let errors = rust_errors(registry, line);
        corpus.push_str(line);
        corpus.push('\n');
        verdicts.push_str(&serde_json::json!({ "errors": errors }).to_string());
        verdicts.push('\n');
    }
    let corpus_path = dir.path().join("corpus.ndjson");
    let verdicts_path = dir.path().join("verdicts.ndjson");
    std::fs::write(&corpus_path, corpus).unwrap();
    std::fs::write(&verdicts_path, verdicts).unwrap();
    let script = workspace().join("tests/typescript/agreement.mjs");
    let output = node(&[
        script.as_os_str(),
        package.as_os_str(),
        corpus_path.as_os_str(),
        verdicts_path.as_os_str(),
    ]);
    assert_success(
        &format!(
            "the `{}` validator's agreement with eventcat-validate",
            catalog.name
        ),
        &output,
    );
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    eprintln!(
        "{}: {} payloads, {}",
        catalog.name,
        lines.len(),
        serde_json::json!({
            "compared": summary["compared"], "valid": summary["valid"],
            "invalid": summary["invalid"], "jsonLevel": summary["jsonLevel"],
            "disagreements": summary["disagreements"], "rules": summary["rules"],
        })
    );
    let number = |key: &str| summary[key].as_u64().unwrap();
    assert_eq!(number("disagreements"), 0);
    assert_eq!(number("agreed"), number("compared"));
    Agreement {
        compared: number("compared"),
        valid: number("valid"),
        invalid: number("invalid"),
        json_level: number("jsonLevel"),
        kinds: BTreeMap::new(),
    }
}

/// Values at the edges of the rules, where two implementations part ways first: JSON types a
/// field does not expect, numbers on and past bounds, non-integers, empty and long and
/// non-ASCII strings, date-times at leap days and leap seconds and in odd cases, UUIDs, IPv4
/// and IPv6 in every form (anonymized or not), digests in the wrong case or length.
const EDGE_VALUES: &str = r#"[
  null, true, false, 0, -1, 1, 1.5, -0.25, 5, 6, 100, 101, 300, 301, 1000, 1001, 1e300, -1e300,
  "", " ", "x", "é", "日本語🎉", "not_in_the_set", "password", "production", "development",
  [], [1], ["a"], ["crate", "async"], ["crate", 1], [null], {}, {"a": 1},
  "2025-01-31T09:30:00Z", "2024-02-29T00:00:00Z", "2023-02-29T00:00:00Z", "2025-01-31t09:30:00z",
  "2016-12-31T23:59:60Z", "2016-12-31T23:59:60+01:00", "2016-12-31T22:59:60-01:00",
  "2025-01-31T09:30:00.123456+05:30", "2025-01-31T09:30:00.Z", "2025-01-31 09:30:00Z",
  "2025-01-31T09:30:00+24:00", "2025-13-01T00:00:00Z", "2025-01-31T09:30Z", "1714560000",
  "123e4567-e89b-12d3-a456-426614174000", "123E4567-E89B-12D3-A456-426614174000",
  "123e4567e89b12d3a456426614174000", "{123e4567-e89b-12d3-a456-426614174000}",
  "203.0.113.0", "203.0.113.7", "0.0.0.0", "255.255.255.0", "256.1.1.0", "203.0.113.00",
  "203.000.113.0", "1.2.3", "1.2.3.0.0", "2001:db8:1::", "2001:db8::", "::", "::1",
  "2001:db8:1:2::", "2001:0db8:0001:0000:0000:0000:0000:0000", "2001:DB8:1::",
  "2001:db8:1:0:0:0:0:0", "2001:db8:1::0.0.0.0", "::ffff:203.0.113.0", "2001:db8:1::/48",
  "[2001:db8:1::]", "fe80::%eth0", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1::2::3",
  "1:2:3:4:5:6:7:8:9", "12345::", "1.2.3.4::", "::1.2.3.4",
  "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
  "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08",
  "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b", "2025-01", "2025-13", "key_live_1234",
  "user.login", "1.0.0", "2.0.0", "user.authentication"
]"#;

/// For one valid payload of each event: every field (of the envelope and of the properties) set
/// to each edge value and removed; every environment with every field; unknown keys.
fn edge_corpus(catalog: &Catalog) -> Vec<String> {
    let edges: Vec<serde_json::Value> = serde_json::from_str(EDGE_VALUES).unwrap();
    let mut sampler = Sampler::new(catalog, 99);
    let mut lines = Vec::new();
    for event in catalog.events.values() {
        let base = sampler.valid(event);
        let envelope_keys: Vec<String> = catalog
            .envelope
            .fields
            .iter()
            .map(|f| f.field.name.clone())
            .collect();
        let property_keys: Vec<String> = event.properties.iter().map(|f| f.name.clone()).collect();
        let mut variants: Vec<serde_json::Value> = vec![base.clone()];
        for environment in &catalog.envelope.environments {
            let mut payload = base.clone();
            payload["environment"] = environment.as_str().into();
            // Every optional property present, from a payload of another sample.
            let full = sampler.valid(event);
            for key in &property_keys {
                if let Some(value) = full["properties"].get(key) {
                    payload["properties"][key] = value.clone();
                }
            }
            variants.push(payload.clone());
            payload.as_object_mut().unwrap().remove("environment");
            variants.push(payload);
        }
        for key in envelope_keys
            .iter()
            .chain(std::iter::once(&"properties".to_owned()))
        {
            let mut removed = base.clone();
            removed.as_object_mut().unwrap().remove(key);
            variants.push(removed);
            for edge in &edges {
                let mut payload = base.clone();
                payload[key.as_str()] = edge.clone();
                variants.push(payload);
            }
        }
        for key in property_keys
            .iter()
            .chain(std::iter::once(&"unexpected".to_owned()))
        {
            let mut removed = base.clone();
            removed["properties"].as_object_mut().unwrap().remove(key);
            variants.push(removed);
            for edge in &edges {
                for environment in ["production", "development"] {
                    let mut payload = base.clone();
                    payload["environment"] = environment.into();
                    payload["properties"][key.as_str()] = edge.clone();
                    variants.push(payload);
                }
            }
        }
        lines.extend(variants.iter().map(ToString::to_string));
    }
    lines
}

#[test]
fn validator_agrees_with_eventcat_validate_on_the_bundled_catalog() {
    let catalog = lower(&workspace().join("catalog"));
    // The schemas eventcat-validate embeds.
    let registry = Registry::from_dir(&workspace().join("generated/schemas")).unwrap();
    let agreement = agree(&catalog, &registry, &[1, 2, 3, 4, 5, 6], 10_000);
    assert!(
        agreement.compared >= 50_000,
        "only {} payloads compared",
        agreement.compared
    );
    assert!(agreement.valid >= 20_000, "{} valid", agreement.valid);
    for kind in InvalidKind::ALL {
        assert!(
            agreement.kinds.get(kind.name()).copied().unwrap_or(0) >= 50,
            "the corpus has too few {} payloads: {:?}",
            kind.name(),
            agreement.kinds
        );
    }
    // Only duplicate keys are out of the parsed value's sight, and they are counted.
    assert_eq!(agreement.json_level, agreement.kinds["duplicate_key"]);
}

#[test]
fn validator_agrees_with_eventcat_validate_on_the_fixtures() {
    for name in ["mini", "hostile"] {
        let catalog = lower(&fixture(name));
        let registry = Registry::new(catalog_sources(&catalog, name)).unwrap();
        let agreement = agree(&catalog, &registry, &[7, 8], 3_000);
        assert!(
            agreement.compared >= 5_000,
            "{name}: {}",
            agreement.compared
        );
    }
}

/// Payloads at the edges of every rule, for every field of every event.
#[test]
fn validator_agrees_with_eventcat_validate_at_the_edges() {
    let bundled = (
        lower(&workspace().join("catalog")),
        Registry::from_dir(&workspace().join("generated/schemas")).unwrap(),
    );
    let mut compared = 0;
    for (catalog, registry) in [bundled].into_iter().chain(["mini", "hostile"].map(|name| {
        let catalog = lower(&fixture(name));
        let registry = Registry::new(catalog_sources(&catalog, name)).unwrap();
        (catalog, registry)
    })) {
        let lines = edge_corpus(&catalog);
        let agreement = judge(&catalog, &registry, &lines);
        assert_eq!(agreement.json_level, 0);
        assert!(agreement.valid > 0 && agreement.invalid > agreement.valid);
        compared += agreement.compared;
    }
    assert!(compared >= 50_000, "{compared} edge payloads");
}

/// Every valid payload of a corpus, tracked again through the package's tracking functions
/// (`tests/typescript/track_samples.mjs`), comes out valid for eventcat-validate, with the
/// `event_id` and `timestamp` the tracker filled.
#[test]
fn tracked_payloads_are_valid_for_eventcat_validate() {
    for (dir, registry) in [
        (
            workspace().join("catalog"),
            Registry::from_dir(&workspace().join("generated/schemas")).unwrap(),
        ),
        (
            fixture("hostile"),
            Registry::new(catalog_sources(&lower(&fixture("hostile")), "hostile")).unwrap(),
        ),
    ] {
        let catalog = lower(&dir);
        let temp = tempfile::tempdir().unwrap();
        let package = write_package(&catalog, temp.path());
        let mut sampler = Sampler::new(&catalog, 42);
        let mut corpus = String::new();
        let count = catalog.events.len() * 40;
        for _ in 0..count {
            corpus.push_str(&sampler.valid_any().to_string());
            corpus.push('\n');
        }
        let corpus_path = temp.path().join("valid.ndjson");
        std::fs::write(&corpus_path, corpus).unwrap();
        let script = workspace().join("tests/typescript/track_samples.mjs");
        let output = node(&[
            script.as_os_str(),
            package.as_os_str(),
            corpus_path.as_os_str(),
        ]);
        assert_success("tracking the sample payloads", &output);
        let tracked = String::from_utf8(output.stdout).unwrap();
        let mut events = std::collections::BTreeSet::new();
        let mut lines = 0;
        for line in tracked.lines() {
            lines += 1;
            let errors = rust_errors(&registry, line);
            assert!(errors.is_empty(), "{line}\n{errors:?}");
            let payload: serde_json::Value = serde_json::from_str(line).unwrap();
            events.insert(payload["event_name"].as_str().unwrap().to_owned());
        }
        assert_eq!(
            lines, count,
            "{}: one payload out per payload in",
            catalog.name
        );
        assert_eq!(events.len(), catalog.events.len(), "every event tracked");
    }
}

/// The package's unit tests, with Node's own test runner.
#[test]
fn node_unit_tests_pass() {
    let dir = workspace().join("tests/typescript/runtime");
    let mut tests: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.to_string_lossy().ends_with(".test.mjs"))
        .collect();
    tests.sort();
    assert!(tests.len() >= 3, "unit test files in {}", dir.display());
    let mut args: Vec<&std::ffi::OsStr> = vec!["--test".as_ref()];
    args.extend(tests.iter().map(|path| path.as_os_str()));
    let output = node(&args);
    assert_success("node --test tests/typescript/runtime", &output);
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(report.contains("# fail 0"), "{report}");
}

/// The README's TypeScript example runs as written: its `app.mjs`, with the package installed
/// as `node_modules/auterity-events` (what its `npm install` line does: a link to the folder).
#[test]
fn the_readme_example_runs() {
    let readme = std::fs::read_to_string(workspace().join("README.md")).unwrap();
    let section = readme
        .split("<!-- readme-example: typescript -->")
        .nth(1)
        .expect("the README marks its TypeScript example");
    let script = section
        .split("<<'JS'\n")
        .nth(1)
        .and_then(|rest| rest.split("\nJS\n").next())
        .expect("the example writes app.mjs with a <<'JS' heredoc");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("node_modules")).unwrap();
    std::os::unix::fs::symlink(
        workspace().join("generated/typescript"),
        dir.path().join("node_modules/auterity-events"),
    )
    .unwrap();
    let app = dir.path().join("app.mjs");
    std::fs::write(&app, script).unwrap();
    let output = node(&[app.as_os_str()]);
    assert_success("the README's TypeScript example", &output);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(lines[0].starts_with("1 user.login "), "{stdout}");
    assert_eq!(
        lines[1],
        "false /properties/ip_address privacy:anonymized_ip"
    );
}
