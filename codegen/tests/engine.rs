//! The engine on the bundled and the mini catalog: dispatch, every error, privacy, bad input,
//! and the stream's accounting, order and split.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use serde_json::{Value, json};

use eventcat::sample::{InvalidKind, Sampler};
use eventcat::validate::*;

fn codegen() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn catalog(dir: &Path) -> eventcat::ir::Catalog {
    eventcat::ir::lower(&eventcat::load(dir).unwrap()).unwrap()
}

fn bundled() -> &'static (eventcat::ir::Catalog, Arc<Registry>) {
    static BUNDLED: OnceLock<(eventcat::ir::Catalog, Arc<Registry>)> = OnceLock::new();
    BUNDLED.get_or_init(|| {
        let dir = codegen().join("../catalog");
        (catalog(&dir), Arc::new(catalog_registry(&dir).unwrap()))
    })
}

fn mini() -> &'static Registry {
    static MINI: OnceLock<Registry> = OnceLock::new();
    MINI.get_or_init(|| catalog_registry(&codegen().join("tests/fixtures/mini")).unwrap())
}

fn errors(verdict: &Verdict) -> Vec<(String, String)> {
    verdict
        .invalid()
        .map(|i| {
            i.errors
                .iter()
                .map(|e| (e.pointer.clone(), e.rule.to_string()))
                .collect()
        })
        .unwrap_or_default()
}

fn checkout() -> Value {
    json!({
        "event_id": "4f9a2c1e-8b3d-4e5f-9a6b-7c8d9e0f1a2b",
        "event_type": "shop.orders",
        "event_name": "checkout.completed",
        "timestamp": "2024-05-01T12:00:00Z",
        "organization_id": "org-1",
        "version": "1.2.0",
        "source": "web",
        "environment": "production",
        "properties": {
            "order_id": "order-1",
            "amount": 12.5,
            "item_count": 2,
            "client_ip": "203.0.113.0",
            "paid_at": "2024-05-01T12:00:00Z",
            "gift": false
        }
    })
}

fn check(value: &Value) -> Verdict {
    mini().validate(value.to_string().as_bytes())
}

#[test]
fn valid_samples_of_every_bundled_event_are_valid() {
    let (catalog, registry) = bundled();
    let mut sampler = Sampler::new(catalog, 17);
    for _ in 0..3000 {
        let sample = sampler.sample(0.0).unwrap();
        let verdict = registry.validate(sample.line.as_bytes());
        assert!(verdict.is_valid(), "{verdict:?}\n{}", sample.line);
        let Verdict::Valid { schema } = verdict else {
            unreachable!()
        };
        let schema = registry.schema(schema);
        assert_eq!(
            (schema.event.as_str(), schema.version.as_str()),
            (sample.event.as_str(), sample.version.as_str())
        );
    }
}

/// Each way of breaking a payload is caught, with the rule and at the pointer the sampler says.
#[test]
fn every_broken_sample_is_invalid_for_its_stated_reason() {
    let (catalog, registry) = bundled();
    let mut sampler = Sampler::new(catalog, 23);
    let mut seen = BTreeSet::new();
    for _ in 0..3 {
        for event in catalog.events.values() {
            for kind in InvalidKind::ALL {
                let Some(sample) = sampler.invalid(event, *kind) else {
                    continue;
                };
                let broken = sample.broken.as_ref().unwrap();
                let verdict = registry.validate(sample.line.as_bytes());
                let found = errors(&verdict);
                assert!(
                    found.contains(&(broken.pointer.clone(), broken.rule.to_owned())),
                    "{kind:?} on {}: expected {} at {:?}, found {found:?}\n{}",
                    event.name,
                    broken.rule,
                    broken.pointer,
                    sample.line
                );
                seen.insert(*kind);
            }
        }
    }
    assert_eq!(seen.len(), InvalidKind::ALL.len());
}

#[test]
fn dispatch_on_event_name_and_version() {
    let mut payload = checkout();
    assert!(check(&payload).is_valid(), "{:?}", check(&payload));

    payload["event_name"] = json!("checkout.refunded");
    assert_eq!(
        errors(&check(&payload)),
        [("/event_name".into(), rules::UNKNOWN_EVENT.into())]
    );

    let mut payload = checkout();
    payload["version"] = json!("1.1.0");
    let verdict = check(&payload);
    assert_eq!(
        errors(&verdict),
        [("/version".into(), rules::UNKNOWN_VERSION.into())]
    );
    assert!(
        verdict.invalid().unwrap().errors[0]
            .expected
            .contains("\"1.2.0\"")
    );

    let mut payload = checkout();
    payload.as_object_mut().unwrap().remove("event_name");
    payload["version"] = json!(120);
    assert_eq!(
        errors(&check(&payload)),
        [
            ("/event_name".into(), rules::EVENT_NAME.into()),
            ("/version".into(), rules::VERSION.into())
        ]
    );

    for not_object in ["\"checkout.completed\"", "42", "[]", "null"] {
        assert_eq!(
            errors(&mini().validate(not_object.as_bytes())),
            [(String::new(), rules::NOT_OBJECT.into())],
            "{not_object}"
        );
    }
}

#[test]
fn every_error_is_reported_with_pointer_rule_expected_and_actual() {
    let mut payload = checkout();
    let properties = &mut payload["properties"];
    properties["item_count"] = json!(0);
    properties["amount"] = json!("12.50");
    properties.as_object_mut().unwrap().remove("order_id");
    properties["coupon"] = json!("SPRING");
    properties["paid_at"] = json!("yesterday");
    payload["environment"] = json!("prod");
    let verdict = check(&payload);
    let invalid = verdict.invalid().unwrap();
    let found: BTreeSet<(String, String)> = errors(&verdict).into_iter().collect();
    let expected: BTreeSet<(String, String)> = [
        ("/properties/item_count", "minimum"),
        ("/properties/amount", "type"),
        ("/properties/order_id", "required"),
        ("/properties/coupon", "additionalProperties"),
        ("/properties/paid_at", "format"),
        ("/environment", "enum"),
    ]
    .into_iter()
    .map(|(p, r)| (p.to_owned(), r.to_owned()))
    .collect();
    assert_eq!(found, expected);
    assert_eq!(invalid.event.as_deref(), Some("checkout.completed"));
    assert_eq!(invalid.version.as_deref(), Some("1.2.0"));
    let by_rule = |rule: &str| invalid.errors.iter().find(|e| e.rule == rule).unwrap();
    assert_eq!(by_rule("minimum").expected, ">= 1");
    assert_eq!(by_rule("minimum").actual, "0");
    assert_eq!(by_rule("type").expected, "type number");
    assert_eq!(by_rule("type").actual, "string \"12.50\"");
    assert_eq!(by_rule("required").actual, "absent");
    assert_eq!(by_rule("additionalProperties").actual, "\"SPRING\"");
    assert_eq!(by_rule("format").expected, "a valid date-time (format)");
    assert!(by_rule("enum").expected.contains("\"production\""));
}

#[test]
fn anonymized_ips_ipv4_by_the_schema_ipv6_by_the_validator() {
    let with_ip = |ip: &str| {
        let mut payload = checkout();
        payload["properties"]["client_ip"] = json!(ip);
        check(&payload)
    };
    for ok in [
        "203.0.113.0",
        "2001:db8:1::",
        "2001:db8::",
        "2001:0db8:0001:0:0:0:0:0",
    ] {
        assert!(with_ip(ok).is_valid(), "{ok}: {:?}", with_ip(ok));
    }
    for bad in [
        "203.0.113.7",
        "2001:db8:1:2::",
        "2001:db8:85a3:8d3:1319:8a2e:370:7348",
        "not an ip",
    ] {
        let verdict = with_ip(bad);
        // One error, not the schema's `anyOf` and ours both.
        assert_eq!(
            errors(&verdict),
            [(
                "/properties/client_ip".into(),
                rules::RULE_ANONYMIZED_IP.into()
            )],
            "{bad}"
        );
        let error = &verdict.invalid().unwrap().errors[0];
        assert!(error.actual.contains(bad), "{error:?}");
        assert!(error.expected.contains("/48"), "{error:?}");
    }
    // A number is a type error, not a privacy one.
    let mut payload = checkout();
    payload["properties"]["client_ip"] = json!(203);
    assert_eq!(
        errors(&check(&payload)),
        [("/properties/client_ip".into(), "type".into())]
    );
}

#[test]
fn hashed_values_and_restricted_fields() {
    let (catalog, registry) = bundled();
    let mut sampler = Sampler::new(catalog, 5);
    let event = &catalog.events["security.login_attempt"];
    let mut payload = sampler.valid(event);
    payload["properties"]["device_fingerprint"] = json!("ABCDEF".repeat(10) + "ABCD");
    assert_eq!(
        errors(&registry.validate_value(&payload)),
        [(
            "/properties/device_fingerprint".into(),
            rules::RULE_HASHED.into()
        )]
    );

    let event = &catalog.events["system.error_occurred"];
    let mut payload = sampler.valid(event);
    payload["environment"] = json!("development");
    payload["properties"]["stack_trace"] = json!("at main.rs:1");
    assert!(registry.validate_value(&payload).is_valid());
    for environment in ["production", "staging"] {
        payload["environment"] = json!(environment);
        let verdict = registry.validate_value(&payload);
        assert_eq!(
            errors(&verdict),
            [(
                "/properties/stack_trace".into(),
                rules::RULE_ENVIRONMENT.into()
            )]
        );
        assert!(
            verdict.invalid().unwrap().errors[0]
                .expected
                .contains("development")
        );
    }
}

#[test]
fn bad_input_is_invalid_with_its_own_reason() {
    let registry = mini();
    let rule = |bytes: &[u8]| errors(&registry.validate(bytes))[0].1.clone();
    assert_eq!(rule(b"{\"event_name\": "), rules::SYNTAX);
    assert_eq!(rule(b"not json"), rules::SYNTAX);
    assert_eq!(rule(b"{\"a\": \"\xff\"}"), rules::INVALID_UTF8);
    assert_eq!(rule("[".repeat(100_000).as_bytes()), rules::TOO_DEEP);
    let duplicate = checkout()
        .to_string()
        .replacen("{", "{\"source\":\"web\",", 1);
    let verdict = registry.validate(duplicate.as_bytes());
    assert_eq!(
        errors(&verdict),
        [("/source".into(), rules::DUPLICATE_KEY.into())]
    );
    // The same object once is fine.
    assert!(
        registry
            .validate(checkout().to_string().as_bytes())
            .is_valid()
    );
}

fn run_text(
    input: &[u8],
    threads: usize,
    chunk: usize,
    format: ReportFormat,
) -> (Summary, String, String, String) {
    let registry = Arc::new(catalog_registry(&codegen().join("tests/fixtures/mini")).unwrap());
    let mut report = Vec::new();
    let mut good = Vec::new();
    let mut bad = Vec::new();
    let options = Options {
        threads,
        chunk_bytes: chunk,
        format,
        ..Options::default()
    };
    let summary = run(
        registry,
        vec![Input::reader(
            "input.ndjson",
            std::io::Cursor::new(input.to_vec()),
        )],
        &options,
        Outputs {
            report: &mut report,
            sink: Some(&mut NdjsonSink::new(Some(&mut good), Some(&mut bad))),
        },
    )
    .unwrap();
    (
        summary,
        String::from_utf8(report).unwrap(),
        String::from_utf8(good).unwrap(),
        String::from_utf8(bad).unwrap(),
    )
}

/// A corpus with one of each bad input, numbered so the order can be checked.
fn mixed_corpus(copies: usize) -> (Vec<u8>, usize, usize) {
    let valid = checkout().to_string();
    let mut invalid_payload = checkout();
    invalid_payload["properties"]["item_count"] = json!(0);
    let invalid_payload = invalid_payload.to_string();
    let mut text = Vec::new();
    let (mut valid_count, mut lines) = (0, 0);
    for i in 0..copies {
        let lines_of: Vec<Vec<u8>> = vec![
            valid.replace("order-1", &format!("order-{i}")).into_bytes(),
            invalid_payload.clone().into_bytes(),
            Vec::new(),
            b"   ".to_vec(),
            b"{not json".to_vec(),
            b"{\"a\": \"\xff\xfe\"}".to_vec(),
            format!(
                "\u{feff}{}",
                valid.replace("order-1", &format!("order-{i}"))
            )
            .into_bytes(),
            format!("{}\r", valid.replace("order-1", &format!("order-{i}"))).into_bytes(),
            "[".repeat(100_000).into_bytes(),
            b"\"just a string\"".to_vec(),
            b"42".to_vec(),
            valid.replacen("{", "{\"source\":\"web\",", 1).into_bytes(),
        ];
        for line in lines_of {
            text.extend_from_slice(&line);
            text.push(b'\n');
            lines += 1;
        }
        valid_count += 3;
    }
    (text, lines, valid_count)
}

#[test]
fn every_line_is_accounted_for_in_order_with_any_threads_and_chunks() {
    let (text, lines, valid) = mixed_corpus(40);
    let mut reference = None;
    for (threads, chunk) in [(1, 1 << 20), (1, 200), (4, 1), (4, 300), (3, 4096)] {
        let (summary, report, good, bad) = run_text(&text, threads, chunk, ReportFormat::Ndjson);
        assert_eq!(summary.lines, lines as u64, "{threads} {chunk}");
        assert_eq!(summary.payloads, lines as u64);
        assert_eq!(summary.valid, valid as u64);
        assert_eq!(summary.valid + summary.invalid, summary.payloads);
        assert_eq!(summary.bom.count, 40);
        assert_eq!(summary.crlf.count, 40);
        assert_eq!(summary.bom.first.as_ref().unwrap().line, 7);
        assert_eq!(good.lines().count() + bad.lines().count(), lines);
        // Good rows in input order (order-0, order-0, order-0, order-1, ...).
        let orders: Vec<usize> = good
            .lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).unwrap();
                v["properties"]["order_id"].as_str().unwrap()[6..]
                    .parse()
                    .unwrap()
            })
            .collect();
        assert!(orders.windows(2).all(|w| w[0] <= w[1]), "{orders:?}");
        // Bad rows and report entries in line order.
        let bad_lines: Vec<u64> = bad
            .lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["line"]
                    .as_u64()
                    .unwrap()
            })
            .collect();
        assert!(bad_lines.windows(2).all(|w| w[0] < w[1]));
        let rules: BTreeSet<String> = bad
            .lines()
            .flat_map(|l| {
                let v: Value = serde_json::from_str(l).unwrap();
                v["errors"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e["rule"].as_str().unwrap().to_owned())
                    .collect::<Vec<_>>()
            })
            .collect();
        for rule in [
            "minimum",
            rules::BLANK,
            rules::SYNTAX,
            rules::INVALID_UTF8,
            rules::TOO_DEEP,
            rules::NOT_OBJECT,
            rules::DUPLICATE_KEY,
        ] {
            assert!(rules.contains(rule), "{rule} in {rules:?}");
        }
        match &reference {
            None => reference = Some((report, good, bad)),
            Some(expected) => {
                assert_eq!(
                    &(report, good, bad),
                    expected,
                    "{threads} threads, chunk {chunk}"
                );
            }
        }
    }
}

#[test]
fn json_arrays_and_documents() {
    let valid = checkout();
    let mut broken = checkout();
    broken["properties"]["gift"] = json!("yes");
    let array = serde_json::to_string_pretty(&json!([valid, broken, "x", valid])).unwrap();
    let (summary, report, good, bad) = run_text(array.as_bytes(), 2, 64, ReportFormat::Json);
    assert_eq!(summary.payloads, 4);
    assert_eq!(summary.valid, 2);
    assert_eq!(summary.lines, array.lines().count() as u64);
    assert_eq!(good.lines().count() + bad.lines().count(), 4);
    let report: Value = serde_json::from_str(&report).unwrap();
    let invalid = report["invalid"].as_array().unwrap();
    assert_eq!(invalid.len(), 2);
    // Each payload is reported at the line it starts on.
    let second = array.lines().position(|l| l == "  {").unwrap();
    assert!(invalid[0]["line"].as_u64().unwrap() > second as u64);

    let documents = format!(
        "{}\n{}\n",
        serde_json::to_string_pretty(&valid).unwrap(),
        serde_json::to_string_pretty(&broken).unwrap()
    );
    let (summary, ..) = run_text(documents.as_bytes(), 1, 1 << 20, ReportFormat::Human);
    assert_eq!((summary.payloads, summary.valid), (2, 1));
}

#[test]
fn the_registry_reads_a_schemas_folder_with_several_versions() {
    let dir = tempfile::tempdir().unwrap();
    let mut catalog = catalog(&codegen().join("tests/fixtures/mini"));
    let write = |catalog: &eventcat::ir::Catalog| {
        for source in catalog_sources(catalog, "test") {
            let path = dir
                .path()
                .join(&source.event)
                .join(format!("{}.json", source.version));
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, source.schema).unwrap();
        }
    };
    write(&catalog);
    let event = catalog.events.get_mut("checkout.completed").unwrap();
    event.version = semver::Version::new(1, 3, 0);
    event.properties.retain(|f| f.name != "gift");
    write(&catalog);
    std::fs::write(dir.path().join("index.json"), "{}").unwrap();

    let registry = Registry::from_dir(dir.path()).unwrap();
    assert_eq!(registry.len(), 3);
    let old = checkout();
    let mut new = checkout();
    new["version"] = json!("1.3.0");
    new["properties"].as_object_mut().unwrap().remove("gift");
    assert!(registry.validate_value(&old).is_valid());
    assert!(registry.validate_value(&new).is_valid());
    // Each version is held to its own schema.
    let mut old_without_gift = old.clone();
    old_without_gift["properties"]
        .as_object_mut()
        .unwrap()
        .remove("gift");
    assert_eq!(
        errors(&registry.validate_value(&old_without_gift)),
        [("/properties/gift".into(), "required".into())]
    );
    let mut new_with_gift = new.clone();
    new_with_gift["properties"]["gift"] = json!(true);
    assert_eq!(
        errors(&registry.validate_value(&new_with_gift)),
        [("/properties/gift".into(), "additionalProperties".into())]
    );
    new["version"] = json!("1.4.0");
    let verdict = registry.validate_value(&new);
    assert!(
        verdict.invalid().unwrap().errors[0]
            .expected
            .contains("\"1.2.0\", \"1.3.0\""),
        "{verdict:?}"
    );
}

#[test]
fn a_schema_that_disagrees_with_its_file_name_is_refused() {
    let source = SchemaSource {
        event: "user.login".into(),
        version: "2.0.0".into(),
        schema: json!({"properties": {"version": {"const": "1.0.0"}}}).to_string(),
        origin: "x".into(),
    };
    assert!(matches!(
        Registry::new([source]),
        Err(RegistryError::Mismatch { .. })
    ));
    assert_eq!(percent_decode("a%2Eb%zz%"), "a.b%zz%");
}

/// Regression: the writer once waited for a result when none was outstanding. It happened when
/// the window of pieces filled up behind one slow piece and the result that drained it came
/// through the blocking wait: the writer then waited again, for nothing, and hung. Here the
/// first piece is slow (a payload with a 50,000-key object) and hundreds of tiny pieces follow.
/// Run with a time limit, so a hang fails.
#[test]
fn the_pipeline_never_waits_for_nothing() {
    /// Hands out at most 500 bytes a read: with a 1-byte piece size, each piece is about a line.
    struct Trickle(std::io::Cursor<String>);
    impl std::io::Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(500);
            self.0.read(&mut buf[..n])
        }
    }

    let mut slow = checkout();
    slow["properties"]["metadata"] =
        Value::Object((0..50_000).map(|i| (format!("k{i}"), json!(i))).collect());
    let mut text = format!("{slow}\n");
    let lines = 400;
    text.push_str(&format!("{}\n", checkout()).repeat(lines - 1));
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let registry = Arc::new(catalog_registry(&codegen().join("tests/fixtures/mini")).unwrap());
        for threads in [2, 3, 4] {
            let options = Options {
                threads,
                chunk_bytes: 1,
                ..Options::default()
            };
            let mut sink = std::io::sink();
            let summary = run(
                Arc::clone(&registry),
                vec![Input::reader(
                    "slow-first",
                    Trickle(std::io::Cursor::new(text.clone())),
                )],
                &options,
                Outputs {
                    report: &mut sink,
                    sink: None,
                },
            )
            .unwrap();
            done_tx.send((summary.lines, summary.valid)).unwrap();
        }
    });
    for threads in [2, 3, 4] {
        let seen = done_rx
            .recv_timeout(std::time::Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("the pipeline hung with {threads} threads"));
        assert_eq!(seen, (lines as u64, lines as u64));
    }
}

#[test]
fn the_batch_api_gives_one_verdict_per_line() {
    let (text, lines, valid) = mixed_corpus(3);
    let mut seen = Vec::new();
    mini().validate_lines(&text, DEFAULT_MAX_LINE_BYTES, |line, verdict| {
        seen.push((line, verdict.verdict.is_valid(), verdict.bom, verdict.crlf));
    });
    assert_eq!(seen.len(), lines);
    assert!(seen.iter().enumerate().all(|(i, s)| s.0 == i as u64 + 1));
    assert_eq!(seen.iter().filter(|s| s.1).count(), valid);
    assert_eq!(seen.iter().filter(|s| s.2).count(), 3);
    assert_eq!(seen.iter().filter(|s| s.3).count(), 3);
    let one = mini().validate_line(b"\xEF\xBB\xBF{}\r", 10);
    assert!(one.bom && one.crlf);
    assert_eq!(one.payload, b"{}");
    assert_eq!(
        errors(&one.verdict),
        [
            ("/event_name".to_owned(), rules::EVENT_NAME.to_owned()),
            ("/version".to_owned(), rules::VERSION.to_owned())
        ]
    );
    assert_eq!(
        errors(&mini().validate_line(b"{\"a\": 12345678901}", 10).verdict),
        [(String::new(), rules::TOO_LONG.to_owned())]
    );
}
