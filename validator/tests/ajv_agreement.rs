//! Agreement with Ajv: on sample corpora (valid and deliberately invalid payloads), the verdict
//! of `eventcat-validate` for every payload equals Ajv's (`tools/ajv-validate.mjs`, strict mode,
//! same schemas, same dispatch on `event_name` and `version`).
//!
//! Two kinds of payloads are invalid for us and valid for Ajv, on purpose, and only those:
//! duplicate keys (`JSON.parse` keeps the last one silently; we refuse the payload) and IPv6
//! addresses not truncated to /48 in `anonymized_ip` fields (no pattern in the schema says it;
//! our own privacy check does). Any other disagreement fails the test with the payload.
//!
//! Needs Node.js and `npm ci --prefix tools`; without them the test fails, it does not skip.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use eventcat::sample::{InvalidKind, Sampler};
use serde_json::Value;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace folder")
        .to_path_buf()
}

fn require_ajv() {
    for package in ["ajv", "ajv-formats"] {
        let manifest = workspace()
            .join("tools/node_modules")
            .join(package)
            .join("package.json");
        assert!(
            manifest.is_file(),
            "{} is missing: run `npm ci --prefix tools` (needs Node.js) before the tests",
            manifest.display()
        );
    }
}

/// Ajv's verdict per line: `None` valid, `Some(reason)` invalid.
fn ajv(schemas: &Path, corpus: &Path) -> Vec<Option<String>> {
    require_ajv();
    let output = Command::new("node")
        .arg(workspace().join("tools/ajv-validate.mjs"))
        .arg(schemas)
        .arg(corpus)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run `node` ({e}): install Node.js, then run `npm ci --prefix tools`")
        });
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "ajv-validate failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| match line {
            "valid" => None,
            other => Some(other.trim_start_matches("invalid\t").to_owned()),
        })
        .collect()
}

/// Our verdict per line: the rules broken (empty when valid).
fn ours(schemas: &Path, corpus: &Path, lines: usize) -> Vec<Vec<String>> {
    let output = Command::new(env!("CARGO_BIN_EXE_eventcat-validate"))
        .arg("--schemas")
        .arg(schemas)
        .args(["--format", "ndjson", "--no-progress"])
        .arg(corpus)
        .output()
        .unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "eventcat-validate failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let mut verdicts = vec![Vec::new(); lines];
    let mut summary = None;
    for line in String::from_utf8(output.stdout).unwrap().lines() {
        let item: Value = serde_json::from_str(line).unwrap();
        match item["type"].as_str() {
            Some("invalid") => {
                let at = item["line"].as_u64().unwrap() as usize - 1;
                verdicts[at] = item["errors"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e["rule"].as_str().unwrap().to_owned())
                    .collect();
                assert!(!verdicts[at].is_empty());
            }
            Some("summary") => summary = Some(item),
            other => panic!("unexpected item {other:?}"),
        }
    }
    let summary = summary.expect("a summary line");
    assert_eq!(summary["lines"].as_u64(), Some(lines as u64));
    verdicts
}

/// Writes the JSON Schema emitter's schemas of a catalog under `out`; returns the folder.
fn emit(catalog: &Path, out: &Path) -> PathBuf {
    let loaded = eventcat::load(catalog).unwrap();
    let catalog = eventcat::ir::lower(&loaded).unwrap();
    for file in eventcat::emit::json_schema::files(&catalog) {
        let path = out.join(&file.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &file.contents).unwrap();
    }
    out.join("schemas")
}

/// Compares both verdicts on `count` samples of `catalog`; returns the disagreements by kind.
fn agree(
    catalog: &Path,
    schemas: &Path,
    seed: u64,
    count: usize,
    ratio: f64,
) -> BTreeMap<String, usize> {
    compare(catalog, schemas, schemas, seed, count, ratio)
}

/// Ajv with `ajv_schemas`, us with `our_schemas` (the same folder but in the test that shows the
/// comparison can fail).
fn compare(
    catalog: &Path,
    ajv_schemas: &Path,
    our_schemas: &Path,
    seed: u64,
    count: usize,
    ratio: f64,
) -> BTreeMap<String, usize> {
    let loaded = eventcat::load(catalog).unwrap();
    let ir = eventcat::ir::lower(&loaded).unwrap();
    let mut sampler = Sampler::new(&ir, seed);
    let samples: Vec<_> = (0..count).map(|_| sampler.sample(ratio).unwrap()).collect();
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus.ndjson");
    let mut text = String::new();
    for sample in &samples {
        text.push_str(&sample.line);
        text.push('\n');
    }
    std::fs::write(&corpus, text).unwrap();

    let theirs = ajv(ajv_schemas, &corpus);
    let ours = ours(our_schemas, &corpus, samples.len());
    assert_eq!(theirs.len(), samples.len(), "one Ajv verdict per line");

    let mut beyond_schema = BTreeMap::new();
    let mut invalid = 0;
    for (i, sample) in samples.iter().enumerate() {
        let ajv_valid = theirs[i].is_none();
        let our_valid = ours[i].is_empty();
        invalid += usize::from(!our_valid);
        // Every broken sample is invalid for us, for the reason it was broken for.
        if let Some(broken) = &sample.broken {
            assert!(
                ours[i].iter().any(|r| r == broken.rule),
                "line {}: {:?} should break {}, we report {:?}\n{}",
                i + 1,
                broken.kind,
                broken.rule,
                ours[i],
                sample.line
            );
        } else {
            assert!(
                our_valid,
                "line {}: a valid sample is invalid for us: {:?}\n{}",
                i + 1,
                ours[i],
                sample.line
            );
        }
        if ajv_valid == our_valid {
            continue;
        }
        let kind = sample.broken.as_ref().map(|b| b.kind);
        let expected_gap = match kind {
            Some(InvalidKind::DuplicateKey) => ours[i] == ["json:duplicate_key"],
            Some(InvalidKind::NonAnonymizedIpv6) => ours[i] == ["privacy:anonymized_ip"],
            _ => false,
        };
        assert!(
            expected_gap && ajv_valid,
            "line {}: Ajv says {}, eventcat-validate says {}\n{}",
            i + 1,
            theirs[i]
                .as_deref()
                .map_or("valid".to_owned(), |r| format!("invalid: {r}")),
            if our_valid {
                "valid".to_owned()
            } else {
                format!("invalid: {:?}", ours[i])
            },
            sample.line
        );
        *beyond_schema
            .entry(kind.unwrap().name().to_owned())
            .or_default() += 1;
    }
    if ratio > 0.0 {
        assert!(invalid > 0);
    }
    beyond_schema
}

#[test]
fn ajv_and_we_agree_on_the_bundled_catalog() {
    let catalog = workspace().join("catalog");
    let schemas = workspace().join("generated/schemas");
    let gaps = agree(&catalog, &schemas, 1, 4000, 0.5);
    // The deliberate gaps occurred, so the comparison above exercised them.
    assert!(
        gaps.get("duplicate_key").copied().unwrap_or(0) > 0,
        "{gaps:?}"
    );
    assert!(
        gaps.get("non_anonymized_ipv6").copied().unwrap_or(0) > 0,
        "{gaps:?}"
    );
    let gaps = agree(&catalog, &schemas, 2, 3000, 0.1);
    assert!(gaps.values().sum::<usize>() < 300, "{gaps:?}");
    let gaps = agree(&catalog, &schemas, 3, 2000, 0.0);
    assert!(gaps.is_empty(), "{gaps:?}");
}

#[test]
fn ajv_and_we_agree_on_the_test_catalogs() {
    for name in ["mini", "hostile"] {
        let catalog = workspace().join("codegen/tests/fixtures").join(name);
        let out = tempfile::tempdir().unwrap();
        let schemas = emit(&catalog, out.path());
        agree(&catalog, &schemas, 4, 2000, 0.5);
    }
}

/// The comparison can fail: with a schema folder for Ajv that differs from ours (an enum value
/// removed), the first payload using that value is reported as a disagreement.
#[test]
#[should_panic(expected = "Ajv says invalid")]
fn a_disagreement_fails_the_test() {
    let catalog = workspace().join("codegen/tests/fixtures/mini");
    let ours = tempfile::tempdir().unwrap();
    let our_schemas = emit(&catalog, ours.path());
    let theirs = tempfile::tempdir().unwrap();
    let their_schemas = emit(&catalog, theirs.path());
    let path = their_schemas.join("shop.item_viewed/1.0.0.json");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("\"search\","));
    std::fs::write(&path, text.replacen("\"search\",", "", 1)).unwrap();
    compare(&catalog, &their_schemas, &our_schemas, 5, 200, 0.0);
}

/// Where the two validators' `format` checks differ, on inputs the sampler never makes: Ajv
/// (ajv-formats, "full" mode) accepts a `urn:uuid:` prefix on a `uuid` and a space between date
/// and time in a `date-time`; `jsonschema` follows RFC 4122 and RFC 3339 (`T`) and rejects both.
/// Pinned here so a change on either side is noticed; everything else in these payloads agrees.
#[test]
fn known_format_differences_are_pinned() {
    let catalog =
        eventcat::ir::lower(&eventcat::load(&workspace().join("catalog")).unwrap()).unwrap();
    let mut sampler = Sampler::new(&catalog, 1);
    let base = sampler.valid(&catalog.events["user.logout"]);
    let with = |key: &str, value: &str| {
        let mut payload = base.clone();
        payload[key] = value.into();
        payload.to_string()
    };
    let lines = [
        with("event_id", "urn:uuid:4f9a2c1e-8b3d-4e5f-9a6b-7c8d9e0f1a2b"),
        with("timestamp", "2026-05-01 10:00:00Z"),
        with("timestamp", "2026-02-30T10:00:00Z"),
        with("event_id", "4F9A2C1E-8B3D-4E5F-9A6B-7C8D9E0F1A2B"),
    ];
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("formats.ndjson");
    std::fs::write(&corpus, lines.join("\n") + "\n").unwrap();
    let schemas = workspace().join("generated/schemas");
    let theirs: Vec<bool> = ajv(&schemas, &corpus).iter().map(Option::is_none).collect();
    let ours: Vec<bool> = ours(&schemas, &corpus, lines.len())
        .iter()
        .map(Vec::is_empty)
        .collect();
    assert_eq!(theirs, [true, true, false, true], "Ajv");
    assert_eq!(ours, [false, false, false, true], "eventcat-validate");
}
