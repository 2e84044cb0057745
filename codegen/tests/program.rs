//! The one-pass engine against the tree path (`serde_json::Value` + jsonschema): the same
//! verdict on every input. Sample corpora of three catalogs (several seeds, every invalid kind),
//! every leaf of every event's payload replaced by edge values (1.0 as an integer, -0, huge
//! numbers, escapes, unicode, deep nesting, duplicate keys in nested objects), keys escaped and
//! doubled, and hand-written schemas with the keywords our emitter does not use.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::{Value, json};

use eventcat::sample::{InvalidKind, Sampler};
use eventcat::validate::*;

fn codegen() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn catalog(dir: &Path) -> eventcat::ir::Catalog {
    eventcat::ir::lower(&eventcat::load(dir).unwrap()).unwrap()
}

struct Subject {
    catalog: eventcat::ir::Catalog,
    registry: Registry,
}

fn subjects() -> &'static [Subject] {
    static SUBJECTS: OnceLock<Vec<Subject>> = OnceLock::new();
    SUBJECTS.get_or_init(|| {
        [
            "../catalog",
            "tests/fixtures/mini",
            "tests/fixtures/hostile",
        ]
        .iter()
        .map(|dir| {
            let dir = codegen().join(dir);
            Subject {
                catalog: catalog(&dir),
                registry: catalog_registry(&dir).unwrap(),
            }
        })
        .collect()
    })
}

/// Asserts the engines agree on `text`, and that the combined verdict is the tree's, report
/// and all. Returns what the one-pass engine said.
fn agree(registry: &Registry, text: &str) -> Quick {
    let tree = registry.validate_tree(text);
    let quick = registry.quick(text);
    match quick {
        Quick::Valid(id) => assert_eq!(
            tree,
            Verdict::Valid { schema: id },
            "one-pass says valid, the tree path does not: {text}"
        ),
        Quick::Invalid => assert!(
            !tree.is_valid(),
            "one-pass says invalid, the tree path says valid: {text}"
        ),
        Quick::Undecided | Quick::NoProgram => {}
    }
    assert_eq!(registry.validate_str(text), tree, "{text}");
    quick
}

#[test]
fn every_generated_schema_has_a_program() {
    for subject in subjects() {
        for (_, schema) in subject.registry.schemas() {
            assert_eq!(
                schema.engine(),
                Ok(()),
                "{} {}",
                schema.event,
                schema.version
            );
        }
    }
}

#[test]
fn sample_corpora_agree_with_several_seeds() {
    for subject in subjects() {
        for seed in [1, 7, 42, 1234] {
            let mut sampler = Sampler::new(&subject.catalog, seed);
            let (mut valid, mut invalid, mut undecided) = (0, 0, 0);
            for _ in 0..500 {
                let sample = sampler.sample(0.4).unwrap();
                match agree(&subject.registry, &sample.line) {
                    Quick::Valid(_) => valid += 1,
                    Quick::Invalid => invalid += 1,
                    Quick::Undecided => {
                        // Only payloads that name no schema of the registry.
                        let verdict = subject.registry.validate_tree(&sample.line);
                        assert!(
                            verdict.invalid().is_some_and(|i| i.schema.is_none()),
                            "{}",
                            sample.line
                        );
                        undecided += 1;
                    }
                    Quick::NoProgram => panic!("no program"),
                }
                assert_eq!(
                    sample.broken.is_none(),
                    subject.registry.validate_str(&sample.line).is_valid(),
                    "{}",
                    sample.line
                );
            }
            assert!(valid > 0 && invalid > 0, "{valid} {invalid} {undecided}");
        }
    }
}

#[test]
fn every_invalid_kind_of_every_event_agrees() {
    for subject in subjects() {
        let mut sampler = Sampler::new(&subject.catalog, 3);
        for event in subject.catalog.events.values() {
            let valid = sampler.valid(event).to_string();
            assert!(
                matches!(agree(&subject.registry, &valid), Quick::Valid(_)),
                "{valid}"
            );
            for kind in InvalidKind::ALL {
                for _ in 0..3 {
                    if let Some(sample) = sampler.invalid(event, *kind) {
                        let quick = agree(&subject.registry, &sample.line);
                        assert_ne!(quick, Quick::NoProgram);
                        assert!(!matches!(quick, Quick::Valid(_)), "{}", sample.line);
                    }
                }
            }
        }
    }
}

/// JSON texts put in place of a value: numbers at the edges of every representation, strings
/// with escapes and unicode, every type, deep and duplicate-keyed structures.
const EDGE_VALUES: &[&str] = &[
    "0",
    "-0",
    "-0.0",
    "0.0",
    "1",
    "1.0",
    "1e0",
    "1E2",
    "1.5",
    "-1",
    "-1.0",
    "99",
    "100",
    "100.0",
    "99.99999999999999",
    "599",
    "599.0000000001",
    "600",
    "1e308",
    "-1e308",
    "5e-324",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
    "-9223372036854775809",
    "123456789012345678901234567890",
    "true",
    "false",
    "null",
    "\"\"",
    "\" \"",
    "\"x\"",
    "\"\\u0000\"",
    "\"é\"",
    "\"\\u00e9\"",
    "\"\\ud83d\\ude00\"",
    "\"a\\\"b\\\\c\"",
    "\"production\"",
    "\"development\"",
    "\"pro\\u0064uction\"",
    "\"GET\"",
    "\"2026-01-01T00:00:00Z\"",
    "\"2026-01-01T00:00:00.123456789+01:00\"",
    "\"2026-02-30T00:00:00Z\"",
    "\"2026-12-31T23:59:60Z\"",
    "\"2026-01-01t00:00:00z\"",
    "\"2026-01-01 00:00:00Z\"",
    "\"2026-01-01T00:00:00\"",
    "\"00000000-0000-4000-8000-000000000000\"",
    "\"00000000-0000-4000-8000-00000000000g\"",
    "\"{00000000-0000-4000-8000-000000000000}\"",
    "\"00000000000040008000000000000000\"",
    "\"203.0.113.0\"",
    "\"203.0.113.7\"",
    "\"2001:db8:1::\"",
    "\"2001:db8:1::1\"",
    "\"::ffff:203.0.113.0\"",
    "\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"",
    "\"0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef\"",
    "\"2026-13\"",
    "\"2026-01\"",
    "[]",
    "[1]",
    "[\"nodes_added\"]",
    "[\"nodes_added\", \"nope\"]",
    "[\"nodes_added\", 1]",
    "[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]",
    "{}",
    "{\"a\": 1}",
    "{\"a\": 1, \"a\": 2}",
    "{\"a\": {\"b\": 1, \"b\": 1}}",
    "{\"a\": 1, \"\\u0061\": 2}",
    "{\"k1\":1,\"k2\":2,\"k3\":3,\"k4\":4,\"k5\":5,\"k6\":6,\"k7\":7,\"k8\":8,\"k9\":9,\"k10\":10,\"k1\":0}",
    "{\"a\": [{\"x\": 1, \"x\": 2}]}",
];

/// Every path to a leaf (and to every object and array) of a payload.
fn paths(value: &Value, at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    if !at.is_empty() {
        out.push(at.clone());
    }
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                at.push(key.clone());
                paths(child, at, out);
                at.pop();
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                at.push(index.to_string());
                paths(child, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

/// The payload's text with the value at `path` replaced by `replacement` (a JSON text).
fn replaced(payload: &Value, path: &[String], replacement: &str) -> String {
    const MARK: &str = "\u{1}REPLACED\u{1}";
    let mut copy = payload.clone();
    let mut at = &mut copy;
    for segment in path {
        at = match at {
            Value::Object(map) => map.get_mut(segment).unwrap(),
            Value::Array(items) => &mut items[segment.parse::<usize>().unwrap()],
            _ => unreachable!(),
        };
    }
    *at = Value::String(MARK.to_owned());
    copy.to_string()
        .replace(&Value::String(MARK.to_owned()).to_string(), replacement)
}

#[test]
fn every_leaf_replaced_by_edge_values_agrees() {
    let mut checked = 0;
    let mut valid = 0;
    for subject in subjects() {
        let mut sampler = Sampler::new(&subject.catalog, 11);
        for event in subject.catalog.events.values() {
            let payload = sampler.valid(event);
            let mut all = Vec::new();
            paths(&payload, &mut Vec::new(), &mut all);
            for path in &all {
                for edge in EDGE_VALUES {
                    let text = replaced(&payload, path, edge);
                    if matches!(agree(&subject.registry, &text), Quick::Valid(_)) {
                        valid += 1;
                    }
                    checked += 1;
                }
            }
        }
    }
    // Enough of them valid that the comparison covers the valid side, not just refusals.
    assert!(checked > 10_000 && valid > 1_000, "{checked} {valid}");
}

#[test]
fn escaped_doubled_and_unknown_keys_agree() {
    for subject in subjects() {
        let mut sampler = Sampler::new(&subject.catalog, 5);
        for event in subject.catalog.events.values() {
            let payload = sampler.valid(event);
            let text = payload.to_string();
            let mut all = Vec::new();
            paths(&payload, &mut Vec::new(), &mut all);
            for path in &all {
                let Some(key) = path.last() else { continue };
                if key.parse::<usize>().is_ok() || key.is_empty() {
                    continue;
                }
                let quoted = Value::String(key.clone()).to_string();
                // The key's first character as a \u escape: the same key to every JSON reader.
                let first = key.chars().next().unwrap();
                let escaped = format!(
                    "\"\\u{:04x}{}",
                    u32::from(first),
                    &quoted[1 + first.len_utf8()..]
                );
                if first.len_utf8() == 1 {
                    let text = text.replacen(&format!("{quoted}:"), &format!("{escaped}:"), 1);
                    agree(&subject.registry, &text);
                }
                // The key twice: its value again, right after it.
                let value = path_value(&payload, path).to_string();
                let pair = format!("{quoted}:{value}");
                let doubled = text.replacen(&pair, &format!("{pair},{pair}"), 1);
                let quick = agree(&subject.registry, &doubled);
                if doubled != text {
                    assert!(!matches!(quick, Quick::Valid(_)), "{doubled}");
                }
                let mixed = text.replacen(&pair, &format!("{pair},{escaped}:{value}"), 1);
                agree(&subject.registry, &mixed);
                let unknown = text.replacen(&pair, &format!("{pair},\"zz_unknown\":1"), 1);
                agree(&subject.registry, &unknown);
            }
        }
    }
}

fn path_value<'v>(value: &'v Value, path: &[String]) -> &'v Value {
    path.iter().fold(value, |v, s| match v {
        Value::Array(items) => &items[s.parse::<usize>().unwrap()],
        _ => &v[s.as_str()],
    })
}

#[test]
fn deep_nesting_agrees_at_and_past_the_limit() {
    let subject = &subjects()[0];
    let mut sampler = Sampler::new(&subject.catalog, 2);
    for event in subject.catalog.events.values() {
        let payload = sampler.valid(event);
        for depth in [1, 126, 127, 128, 100_000] {
            let deep = "[".repeat(depth) + &"]".repeat(depth);
            let objects = "{\"a\":".repeat(depth) + "1" + &"}".repeat(depth);
            let mut all = Vec::new();
            paths(&payload, &mut Vec::new(), &mut all);
            for path in all.iter().filter(|p| p.len() <= 1) {
                agree(&subject.registry, &replaced(&payload, path, &deep));
                agree(&subject.registry, &replaced(&payload, path, &objects));
            }
        }
    }
}

/// Schemas with keywords and shapes the emitter does not write, one instance list each.
#[test]
fn hand_written_schemas_agree() {
    let envelope = json!({
        "event_name": { "const": "t" },
        "version": { "const": "1" },
    });
    let cases: &[(Value, &[&str])] = &[
        (
            json!({ "oneOf": [{ "type": "integer" }, { "minimum": 5 }] }),
            &["1", "7", "7.5", "3.5", "\"x\"", "null"],
        ),
        (
            json!({ "not": { "type": "string" }, "exclusiveMinimum": 0, "exclusiveMaximum": 10.5 }),
            &["0", "0.0001", "10.5", "10.4", "-0", "\"5\"", "true", "1e1"],
        ),
        (
            json!({ "type": ["string", "null"], "minLength": 2, "maxLength": 3 }),
            &[
                "\"ab\"",
                "\"a\"",
                "\"abcd\"",
                "\"éé\"",
                "\"😀😀\"",
                "\"\\ud83d\\ude00\"",
                "null",
                "1",
            ],
        ),
        (
            json!({ "if": { "minimum": 10 }, "then": { "multipleOf": 2 }, "else": { "type": "integer" } }),
            &["12", "11", "3", "3.5", "\"x\""],
        ),
        (
            json!({ "if": { "type": "string" }, "then": { "format": "email" }, "else": { "maximum": 3 } }),
            &["\"a@b.co\"", "\"nope\"", "2", "4", "[]"],
        ),
        (
            json!({ "type": "array", "items": { "anyOf": [{ "type": "boolean" }, { "enum": ["a", "b"] }] } }),
            &["[]", "[true, \"a\"]", "[\"c\"]", "[null]", "{}", "[[true]]"],
        ),
        (json!({ "items": false }), &["[]", "[1]", "1", "{}"]),
        (
            json!({ "type": "object", "properties": { "a": true, "b": false }, "required": ["a"] }),
            &[
                "{\"a\": 1}",
                "{\"a\": 1, \"b\": 1}",
                "{}",
                "{\"c\": 1}",
                "[]",
            ],
        ),
        (
            json!({ "type": "object", "required": ["x"], "additionalProperties": false }),
            &["{\"x\": 1}", "{}", "{\"y\": 1}"],
        ),
        (
            json!({ "pattern": "^\\p{L}+$" }),
            &["\"abc\"", "\"é\"", "\"1\"", "\"\"", "3"],
        ),
        (
            json!({ "pattern": "^\\d+$" }),
            &["\"123\"", "\"١٢٣\"", "\"12a\""],
        ),
        (json!({ "pattern": "a" }), &["\"xax\"", "\"xyz\""]),
        (
            json!({ "format": "date" }),
            &["\"2024-02-29\"", "\"2023-02-29\"", "\"2024-2-29\"", "5"],
        ),
        (
            json!({ "format": "date-time" }),
            &[
                "\"2026-12-01T20:25:51Z\"",
                "\"2026-12-01T20:25:51.123456Z\"",
                "\"2024-02-29T00:00:00Z\"",
                "\"2023-02-29T00:00:00Z\"",
                "\"2026-04-31T00:00:00Z\"",
                "\"2026-12-31T23:59:60Z\"",
                "\"2026-12-31T22:59:60Z\"",
                "\"2026-12-01t20:25:51z\"",
                "\"2026-12-01T20:25:51+01:00\"",
                "\"2026-12-01T24:00:00Z\"",
                "\"2026-12-01T20:25:51.Z\"",
                "\"2026-12-01T20:25:51\\u005a\"",
                "\"2026-12-01 20:25:51Z\"",
                "5",
            ],
        ),
        (
            json!({ "format": "uuid" }),
            &[
                "\"67e55044-10b1-426f-9247-bb680e5fe0c8\"",
                "\"67E55044-10B1-426F-9247-BB680E5FE0C8\"",
                "\"67e5504410b1426f9247bb680e5fe0c8\"",
                "\"{67e55044-10b1-426f-9247-bb680e5fe0c8}\"",
                "\"urn:uuid:67e55044-10b1-426f-9247-bb680e5fe0c8\"",
                "\"67e55044-10b1-426f-9247-bb680e5fe0c\"",
                "\"67e55044-10b1-426f-9247-bb680e5fe0g8\"",
                "null",
            ],
        ),
        (
            json!({ "format": "uuid", "pattern": "^6" }),
            &[
                "\"67e55044-10b1-426f-9247-bb680e5fe0c8\"",
                "\"77e55044-10b1-426f-9247-bb680e5fe0c8\"",
                "\"6\"",
            ],
        ),
        (
            json!({ "format": "ipv4" }),
            &["\"1.2.3.4\"", "\"01.2.3.4\"", "\"1.2.3\"", "\"256.1.1.1\""],
        ),
        (
            json!({ "format": "uri" }),
            &[
                "\"https://example.com/a?b#c\"",
                "\"not a uri\"",
                "\"x:\"",
                "\"//host\"",
            ],
        ),
        (
            json!({ "format": "hostname" }),
            &["\"example.com\"", "\"-bad.com\"", "\"a..b\"", "\"\""],
        ),
        (
            json!({ "type": "integer", "minimum": 18446744073709551615u64 }),
            &[
                "18446744073709551615",
                "18446744073709551614",
                "18446744073709551616",
                "1.8446744073709552e19",
            ],
        ),
        (
            json!({ "type": "number", "maximum": -9223372036854775808i64 }),
            &[
                "-9223372036854775808",
                "-9223372036854775807",
                "-9223372036854775809",
                "-9.3e18",
            ],
        ),
        (
            json!({ "const": "é" }),
            &["\"é\"", "\"\\u00e9\"", "\"e\\u0301\"", "1"],
        ),
    ];
    for (index, (value_schema, instances)) in cases.iter().enumerate() {
        let schema = json!({
            "type": "object",
            "properties": {
                "event_name": envelope["event_name"],
                "version": envelope["version"],
                "v": value_schema,
            },
            "required": ["event_name", "version"],
        });
        let registry = Registry::new([SchemaSource {
            event: "t".into(),
            version: "1".into(),
            schema: schema.to_string(),
            origin: format!("case {index}"),
        }])
        .unwrap();
        let program = registry.schemas().next().unwrap().1.engine().is_ok();
        let uses_multiple_of = value_schema.to_string().contains("multipleOf");
        assert_eq!(program, !uses_multiple_of, "case {index}: {value_schema}");
        for instance in *instances {
            let text = format!("{{\"event_name\":\"t\",\"version\":\"1\",\"v\":{instance}}}");
            let quick = agree(&registry, &text);
            if program {
                assert!(matches!(quick, Quick::Valid(_) | Quick::Invalid), "{text}");
            }
        }
    }
}

#[test]
fn schemas_with_other_keywords_take_the_tree_path() {
    for (schema, keyword) in [
        (
            json!({ "$ref": "#/$defs/a", "$defs": { "a": true } }),
            "$ref",
        ),
        (
            json!({ "properties": { "a": { "uniqueItems": true } } }),
            "uniqueItems",
        ),
        (
            json!({ "additionalProperties": { "type": "string" } }),
            "additionalProperties",
        ),
        (json!({ "properties": { "a": { "enum": [1, 2] } } }), "enum"),
    ] {
        let registry = Registry::new([SchemaSource {
            event: "t".into(),
            version: "1".into(),
            schema: schema.to_string(),
            origin: "test".into(),
        }])
        .unwrap();
        let (_, compiled) = registry.schemas().next().unwrap();
        let reason = compiled.engine().unwrap_err();
        assert!(reason.contains(keyword), "{reason}");
        let text = r#"{"event_name":"t","version":"1","a":[1,1]}"#;
        assert_eq!(registry.quick(text), Quick::NoProgram);
        assert_eq!(registry.validate_str(text), registry.validate_tree(text));
    }
}

/// The engine guesses a payload's schema from the first `"event_name":"…"` and `"version":"…"`
/// in its text and confirms the guess while it runs. Payloads built to mislead the guess (the
/// keys nested before the envelope's, escaped, spaced, out of order, twice, of another type)
/// still get the tree path's verdict.
#[test]
fn misleading_envelopes_agree() {
    let subject = &subjects()[0];
    let mut sampler = Sampler::new(&subject.catalog, 5);
    let mut checked = 0;
    let mut valid = 0;
    for _ in 0..60 {
        let sample = sampler.sample(0.0).unwrap();
        let payload: Value = serde_json::from_str(&sample.line).unwrap();
        let Value::Object(envelope) = &payload else {
            panic!("{}", sample.line)
        };
        let other = json!("user.login");
        let mut variants: Vec<String> = Vec::new();
        // The keys first inside a nested object, with another event's values.
        let mut nested = serde_json::Map::new();
        nested.insert(
            "properties".into(),
            json!({ "event_name": other, "version": "9.9.9" }),
        );
        for (k, v) in envelope {
            if k != "properties" {
                nested.insert(k.clone(), v.clone());
            }
        }
        variants.push(Value::Object(nested).to_string());
        // Reordered: properties (with the misleading keys in it) first.
        let mut reordered = serde_json::Map::new();
        let mut properties = envelope["properties"].clone();
        if let Value::Object(p) = &mut properties {
            p.insert("event_name".into(), other.clone());
        }
        reordered.insert("properties".into(), properties);
        for (k, v) in envelope {
            if k != "properties" {
                reordered.insert(k.clone(), v.clone());
            }
        }
        variants.push(Value::Object(reordered).to_string());
        let text = payload.to_string();
        let name = envelope["event_name"].as_str().unwrap();
        // Escaped, spaced, doubled, of another type, missing.
        variants.push(text.replacen("\"event_name\":", "\"event\\u005fname\":", 1));
        variants.push(text.replacen(
            &format!("\"event_name\":\"{name}\""),
            &format!("\"event_name\":\"{}\"", name.replacen('.', "\\u002e", 1)),
            1,
        ));
        variants.push(text.replacen("\"version\":", "\"version\" : ", 1));
        variants.push(text.replacen("\"version\":", "\"version\":\"1.0.0\",\"version\":", 1));
        variants.push(text.replacen(
            &format!("\"event_name\":\"{name}\""),
            "\"event_name\":[\"user.login\"]",
            1,
        ));
        variants.push(text.replacen("\"version\":", "\"versions\":", 1));
        variants.push(format!("[{text}]"));
        variants.push(format!("{text} {text}"));
        for variant in &variants {
            if matches!(agree(&subject.registry, variant), Quick::Valid(_)) {
                valid += 1;
            }
            checked += 1;
        }
    }
    assert!(checked >= 600 && valid > 60, "{checked} {valid}");
}
