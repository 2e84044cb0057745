//! `eventcat-validate` as a user runs it: bad input of every kind counted line by line, each
//! report format, the good/bad split, the privacy rules, several schema versions, stdin, gzip,
//! JSON arrays, and the exit codes.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use eventcat::ir::Catalog;
use eventcat::sample::Sampler;
use serde_json::{Value, json};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn catalog() -> Catalog {
    eventcat::ir::lower(&eventcat::load(&workspace().join("catalog")).unwrap()).unwrap()
}

fn validate(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_eventcat-validate"))
        .args(args)
        .arg("--no-progress")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let input = stdin.map(<[u8]>::to_vec);
    let mut pipe = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        if let Some(input) = input {
            let _ = pipe.write_all(&input);
        }
    });
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    output
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn describe(output: &Output) -> String {
    format!(
        "status {}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout)
            .chars()
            .take(4000)
            .collect::<String>(),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The summary line of `--format ndjson`.
fn summary(output: &Output) -> Value {
    let text = stdout(output);
    let last = text.lines().last().expect("a summary");
    let summary: Value = serde_json::from_str(last).unwrap();
    assert_eq!(summary["type"], "summary", "{}", describe(output));
    summary
}

/// The invalid entries of `--format ndjson`: (line, rules).
fn invalid(output: &Output) -> Vec<(u64, Vec<String>)> {
    stdout(output)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["type"] == "invalid")
        .map(|v| {
            (
                v["line"].as_u64().unwrap(),
                v["errors"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e["rule"].as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect()
}

fn valid_payload(sampler: &mut Sampler<'_>, catalog: &Catalog, event: &str) -> Value {
    sampler.valid(&catalog.events[event])
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.display().to_string()
}

/// Each kind of bad input, one a line, with its expected rule (`None`: valid).
fn bad_inputs(catalog: &Catalog) -> Vec<(Vec<u8>, Option<&'static str>)> {
    let mut sampler = Sampler::new(catalog, 99);
    let mut valid = || valid_payload(&mut sampler, catalog, "user.login");
    let mut huge = valid();
    huge["properties"]["browser"] = json!("x".repeat(10 << 20));
    let duplicate = {
        let text = valid().to_string();
        text.replacen('{', "{\"source\":\"api\",", 1)
    };
    vec![
        (format!("\u{feff}{}", valid()).into_bytes(), None),
        (format!("{}\r", valid()).into_bytes(), None),
        (Vec::new(), Some("input:blank")),
        (b" \t ".to_vec(), Some("input:blank")),
        (b"{not json".to_vec(), Some("json:syntax")),
        (
            b"{\"event_name\": \"user.login\", \"x\": \"\xff\xfe\"}".to_vec(),
            Some("input:invalid_utf8"),
        ),
        (huge.to_string().into_bytes(), None),
        (
            format!("{{\"blob\": \"{}", "y".repeat(10 << 20)).into_bytes(),
            Some("json:syntax"),
        ),
        ("[".repeat(100_000).into_bytes(), Some("json:too_deep")),
        (
            format!("{}1{}", "{\"a\":".repeat(100_000), "}".repeat(100_000)).into_bytes(),
            Some("json:too_deep"),
        ),
        (b"\"just a string\"".to_vec(), Some("envelope:not_object")),
        (b"3.14".to_vec(), Some("envelope:not_object")),
        (duplicate.into_bytes(), Some("json:duplicate_key")),
        (valid().to_string().into_bytes(), None),
    ]
}

fn join_lines(lines: &[(Vec<u8>, Option<&str>)], final_newline: bool) -> Vec<u8> {
    let mut text = Vec::new();
    for (i, (line, _)) in lines.iter().enumerate() {
        text.extend_from_slice(line);
        if final_newline || i + 1 < lines.len() {
            text.push(b'\n');
        }
    }
    text
}

#[test]
fn bad_input_is_reported_line_by_line_and_counted() {
    let catalog = catalog();
    let lines = bad_inputs(&catalog);
    let dir = tempfile::tempdir().unwrap();
    // The last line has no newline: it still counts.
    let file = write(dir.path(), "bad.ndjson", &join_lines(&lines, false));
    let mut outputs = Vec::new();
    for threads in ["1", "2", "4"] {
        let output = validate(&["--format", "ndjson", "--threads", threads, &file], None);
        assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
        let summary = summary(&output);
        let expected_invalid = lines.iter().filter(|(_, r)| r.is_some()).count() as u64;
        assert_eq!(summary["lines"], lines.len() as u64);
        assert_eq!(summary["payloads"], lines.len() as u64);
        assert_eq!(summary["invalid"], expected_invalid);
        assert_eq!(summary["valid"], lines.len() as u64 - expected_invalid);
        assert_eq!(summary["bom"]["count"], 1);
        assert_eq!(summary["bom"]["first"]["line"], 1);
        assert_eq!(summary["crlf"]["count"], 1);
        assert_eq!(summary["crlf"]["first"]["line"], 2);
        let reported = invalid(&output);
        let expected: Vec<(u64, Vec<String>)> = lines
            .iter()
            .enumerate()
            .filter_map(|(i, (_, rule))| rule.map(|r| (i as u64 + 1, vec![r.to_owned()])))
            .collect();
        assert_eq!(reported, expected, "{}", describe(&output));
        let mut by_rule = std::collections::BTreeMap::new();
        for (_, rule) in &lines {
            if let Some(rule) = rule {
                *by_rule.entry(rule.to_string()).or_insert(0u64) += 1;
            }
        }
        assert_eq!(summary["by_rule"], json!(by_rule));
        outputs.push(output.stdout);
    }
    assert!(
        outputs.windows(2).all(|w| w[0] == w[1]),
        "same report with any thread count"
    );
}

#[test]
fn a_line_over_the_limit_is_skipped_and_reported() {
    let catalog = catalog();
    let lines = bad_inputs(&catalog);
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "bad.ndjson", &join_lines(&lines, true));
    let bad = dir.path().join("bad-rows.ndjson");
    let output = validate(
        &[
            "--format",
            "ndjson",
            "--max-line-bytes",
            "1048576",
            "--bad",
            bad.to_str().unwrap(),
            &file,
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert_eq!(summary(&output)["lines"], lines.len() as u64);
    let reported = invalid(&output);
    // Lines 7 and 8 are over 10 MiB.
    for line in [7, 8] {
        assert!(
            reported.contains(&(line, vec!["input:too_long".to_owned()])),
            "{reported:?}"
        );
    }
    let rows: Vec<Value> = std::fs::read_to_string(&bad)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let long = rows.iter().find(|r| r["line"] == 7).unwrap();
    assert_eq!(long["payload"], Value::Null);
    assert!(long["payload_bytes"].as_u64().unwrap() > 10 << 20);
}

/// A small corpus: lines 1-3 valid, 4 invalid twice over, 5 not JSON.
fn small_corpus(dir: &Path) -> String {
    let catalog = catalog();
    let mut sampler = Sampler::new(&catalog, 7);
    let mut text = String::new();
    for event in ["user.logout", "workflow.created", "api.request_received"] {
        text.push_str(&format!(
            "{}\n",
            valid_payload(&mut sampler, &catalog, event)
        ));
    }
    let mut broken = valid_payload(&mut sampler, &catalog, "user.login");
    broken["properties"]["login_method"] = json!("fingerprint");
    broken["properties"]["ip_address"] = json!("203.0.113.7");
    text.push_str(&format!("{broken}\n{{\"event_name\": \n"));
    write(dir, "corpus.ndjson", text.as_bytes())
}

#[test]
fn human_format() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_corpus(dir.path());
    let output = validate(&[&file], None);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let text = stdout(&output);
    assert!(
        text.contains(&format!("{file}:4: user.login 1.0.0: 2 errors\n")),
        "{text}"
    );
    assert!(text.contains(
        "  /properties/login_method [enum] expected one of \"password\", \"sso\", \"mfa\"; got \"fingerprint\"\n"
    ), "{text}");
    assert!(
        text.contains("  /properties/ip_address [privacy:anonymized_ip] expected an anonymized IP"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "{file}:5: invalid payload: 1 error\n  (payload) [json:syntax]"
        )),
        "{text}"
    );
    assert!(
        text.contains("summary: 5 lines, 5 payloads: 3 valid, 2 invalid (3 errors)"),
        "{text}"
    );
    assert!(text.contains("most frequent errors:"), "{text}");
    assert!(text.contains("(no schema)"), "{text}");
}

#[test]
fn json_format() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_corpus(dir.path());
    let output = validate(&["--format", "json", &file], None);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let report: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let invalid = report["invalid"].as_array().unwrap();
    assert_eq!(invalid.len(), 2);
    assert_eq!(invalid[0]["file"], file.as_str());
    assert_eq!(invalid[0]["line"], 4);
    assert_eq!(invalid[0]["event"], "user.login");
    assert_eq!(invalid[0]["version"], "1.0.0");
    let error = &invalid[0]["errors"][0];
    for key in ["pointer", "rule", "expected", "actual"] {
        assert!(error[key].is_string(), "{key} in {error}");
    }
    assert_eq!(invalid[1]["event"], Value::Null);
    assert_eq!(report["summary"]["valid"], 3);
    assert_eq!(report["summary"]["invalid"], 2);
    assert_eq!(report["summary"]["errors"], 3);

    // With nothing invalid the document is still whole.
    let valid = write(
        dir.path(),
        "valid.ndjson",
        &std::fs::read(&file).unwrap()[..],
    );
    let head: String = std::fs::read_to_string(&valid)
        .unwrap()
        .lines()
        .take(3)
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&valid, head).unwrap();
    let output = validate(&["--format", "json", &valid], None);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let report: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(report["invalid"], json!([]));
}

#[test]
fn ndjson_format() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_corpus(dir.path());
    let output = validate(&["--format", "ndjson", &file], None);
    let lines: Vec<Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["type"], "invalid");
    assert_eq!(lines[0]["line"], 4);
    assert_eq!(lines[1]["errors"][0]["rule"], "json:syntax");
    assert_eq!(lines[2]["type"], "summary");
    assert_eq!(lines[2]["top_errors"].as_array().unwrap().len(), 3);
}

#[test]
fn github_format() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_corpus(dir.path());
    let output = validate(&["--format", "github", &file], None);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    let annotations: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("::error file="))
        .collect();
    assert_eq!(annotations.len(), 2, "{text}");
    assert!(
        annotations[0].starts_with(&format!(
            "::error file={},line=4,title=user.login 1.0.0%3A 2 errors::",
            file.replace(':', "%3A").replace(',', "%2C")
        )),
        "{text}"
    );
    // Both errors in one annotation, one per line.
    assert!(annotations[0].contains("%0A"), "{text}");
    assert!(
        text.contains("::error title=eventcat-validate::5 lines, 5 payloads: 3 valid, 2 invalid"),
        "{text}"
    );
}

#[test]
fn good_and_bad_hold_every_line_exactly_once_in_order() {
    let catalog = catalog();
    let mut sampler = Sampler::new(&catalog, 31);
    let mut lines: Vec<Vec<u8>> = (0..3000)
        .map(|_| sampler.sample(0.3).unwrap().line.into_bytes())
        .collect();
    lines.insert(10, Vec::new());
    lines.insert(20, b"{\"a\": \"\xff\"}".to_vec());
    lines.insert(30, "[".repeat(100_000).into_bytes());
    let dir = tempfile::tempdir().unwrap();
    let mut text = Vec::new();
    for line in &lines {
        text.extend_from_slice(line);
        text.push(b'\n');
    }
    let file = write(dir.path(), "mixed.ndjson", &text);
    let good = dir.path().join("good.ndjson");
    let bad = dir.path().join("bad.ndjson");
    let output = validate(
        &[
            "--format",
            "ndjson",
            "--good",
            good.to_str().unwrap(),
            "--bad",
            bad.to_str().unwrap(),
            "--threads",
            "3",
            &file,
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let summary = summary(&output);
    let good = std::fs::read(&good).unwrap();
    let good_lines: Vec<&[u8]> = good
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let bad_rows: Vec<Value> = std::fs::read_to_string(&bad)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(good_lines.len() as u64, summary["valid"]);
    assert_eq!(bad_rows.len() as u64, summary["invalid"]);
    assert_eq!(good_lines.len() + bad_rows.len(), lines.len());

    // Rebuild the input from the two files: the bad rows say their line numbers, the good lines
    // fill the gaps in order.
    let mut rebuilt: Vec<Option<Vec<u8>>> = vec![None; lines.len()];
    for row in &bad_rows {
        let at = row["line"].as_u64().unwrap() as usize - 1;
        assert!(rebuilt[at].is_none(), "line {} twice", at + 1);
        assert!(!row["errors"].as_array().unwrap().is_empty());
        let bytes = match row.get("payload_base64") {
            Some(b64) => decode_base64(b64.as_str().unwrap()),
            None => row["payload"].as_str().unwrap().as_bytes().to_vec(),
        };
        rebuilt[at] = Some(bytes);
    }
    let mut good_iter = good_lines.iter();
    for slot in rebuilt.iter_mut().filter(|s| s.is_none()) {
        *slot = Some(good_iter.next().expect("a good line for each gap").to_vec());
    }
    assert!(good_iter.next().is_none());
    let rebuilt: Vec<Vec<u8>> = rebuilt.into_iter().map(Option::unwrap).collect();
    assert!(
        rebuilt == lines,
        "the good and bad files rebuild the input, in order"
    );
}

fn decode_base64(text: &str) -> Vec<u8> {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.bytes().filter(|c| *c != b'=') {
        bits = (bits << 6) | alphabet.iter().position(|a| *a == c).unwrap() as u32;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    out
}

#[test]
fn privacy_rules_are_enforced() {
    let catalog = catalog();
    let mut sampler = Sampler::new(&catalog, 3);
    let mut lines = Vec::new();
    let mut expect = Vec::new();
    let mut case = |payload: Value, rule: Option<&str>| {
        lines.push(payload.to_string());
        expect.push(rule.map(str::to_owned));
    };
    for (ip, rule) in [
        ("203.0.113.0", None),
        ("2001:db8:1::", None),
        ("2001:db8:1:0:0:0:0:0", None),
        ("203.0.113.7", Some("privacy:anonymized_ip")),
        ("2001:db8:1:2::", Some("privacy:anonymized_ip")),
        (
            "2001:db8:85a3::8a2e:370:7334",
            Some("privacy:anonymized_ip"),
        ),
        ("::ffff:203.0.113.7", Some("privacy:anonymized_ip")),
        ("unknown", Some("privacy:anonymized_ip")),
    ] {
        let mut payload = valid_payload(&mut sampler, &catalog, "user.login");
        payload["properties"]["ip_address"] = json!(ip);
        case(payload, rule);
    }
    let digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    for (value, rule) in [
        (digest.to_owned(), None),
        (digest.to_uppercase(), Some("privacy:hashed")),
        (digest[..40].to_owned(), Some("privacy:hashed")),
        ("fp-1234".to_owned(), Some("privacy:hashed")),
    ] {
        let mut payload = valid_payload(&mut sampler, &catalog, "security.login_attempt");
        payload["properties"]["device_fingerprint"] = json!(value);
        case(payload, rule);
    }
    for (environment, rule) in [
        ("development", None),
        ("staging", Some("privacy:environment")),
        ("production", Some("privacy:environment")),
    ] {
        let mut payload = valid_payload(&mut sampler, &catalog, "system.error_occurred");
        payload["environment"] = json!(environment);
        payload["properties"]["stack_trace"] = json!("at main.rs:12");
        case(payload, rule);
    }
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "privacy.ndjson",
        (lines.join("\n") + "\n").as_bytes(),
    );
    let output = validate(&["--format", "ndjson", &file], None);
    let reported = invalid(&output);
    let expected: Vec<(u64, Vec<String>)> = expect
        .iter()
        .enumerate()
        .filter_map(|(i, rule)| rule.clone().map(|r| (i as u64 + 1, vec![r])))
        .collect();
    assert_eq!(reported, expected, "{}", describe(&output));
}

#[test]
fn old_and_new_versions_of_an_event_are_both_accepted() {
    let mut catalog = catalog();
    let dir = tempfile::tempdir().unwrap();
    let schemas = dir.path().join("schemas");
    let write_schemas = |catalog: &Catalog| {
        for source in eventcat::validate::catalog_sources(catalog, "test") {
            let path = schemas
                .join(&source.event)
                .join(format!("{}.json", source.version));
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, source.schema).unwrap();
        }
    };
    write_schemas(&catalog);
    let mut sampler = Sampler::new(&catalog, 8);
    let old = valid_payload(&mut sampler, &catalog, "user.login");
    // 1.1.0 adds an optional property.
    let login = catalog.events.get_mut("user.login").unwrap();
    login.version = "1.1.0".parse().unwrap();
    let mut added = login.properties[4].clone();
    added.name = "login_country".into();
    added.rust_name = "login_country".into();
    added.optional = true;
    added.pii = None;
    login.properties.push(added);
    write_schemas(&catalog);

    let mut new = old.clone();
    new["version"] = json!("1.1.0");
    new["properties"]["login_country"] = json!("NL");
    let mut old_with_new_field = old.clone();
    old_with_new_field["properties"]["login_country"] = json!("NL");
    let mut unknown = old.clone();
    unknown["version"] = json!("2.0.0");
    let text = format!("{old}\n{new}\n{old_with_new_field}\n{unknown}\n");
    let file = write(dir.path(), "versions.ndjson", text.as_bytes());
    let output = validate(
        &[
            "--schemas",
            schemas.to_str().unwrap(),
            "--format",
            "json",
            &file,
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let report: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let invalid = report["invalid"].as_array().unwrap();
    assert_eq!(invalid.len(), 2, "{report:#}");
    assert_eq!(invalid[0]["line"], 3);
    assert_eq!(invalid[0]["errors"][0]["rule"], "additionalProperties");
    assert_eq!(
        invalid[0]["errors"][0]["pointer"],
        "/properties/login_country"
    );
    assert_eq!(invalid[1]["line"], 4);
    assert_eq!(invalid[1]["errors"][0]["rule"], "envelope:unknown_version");
    assert!(
        invalid[1]["errors"][0]["expected"]
            .as_str()
            .unwrap()
            .contains("\"1.0.0\", \"1.1.0\"")
    );
    let by_event = report["summary"]["by_event"].as_array().unwrap();
    let login: Vec<&Value> = by_event
        .iter()
        .filter(|e| e["event"] == "user.login")
        .collect();
    assert_eq!(login.len(), 2);
    assert_eq!(
        (login[0]["version"].as_str(), login[0]["valid"].as_u64()),
        (Some("1.0.0"), Some(1))
    );
    assert_eq!(
        (login[1]["version"].as_str(), login[1]["valid"].as_u64()),
        (Some("1.1.0"), Some(1))
    );
}

#[test]
fn stdin_dash_gzip_and_json_arrays() {
    let catalog = catalog();
    let mut sampler = Sampler::new(&catalog, 12);
    let payloads: Vec<Value> = (0..50).map(|_| sampler.valid_any()).collect();
    let ndjson: String = payloads.iter().map(|p| format!("{p}\n")).collect();

    let output = validate(&[], Some(ndjson.as_bytes()));
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(stdout(&output).contains("summary: 50 lines, 50 payloads: 50 valid, 0 invalid"));
    let output = validate(&["--format", "ndjson", "-"], Some(ndjson.as_bytes()));
    assert_eq!(summary(&output)["files"][0]["file"], "<stdin>");

    let dir = tempfile::tempdir().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(ndjson.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    let by_extension = write(dir.path(), "events.ndjson.gz", &gz);
    let by_magic = write(dir.path(), "events.bin", &gz);
    let array = write(
        dir.path(),
        "events.json",
        serde_json::to_string_pretty(&payloads).unwrap().as_bytes(),
    );
    let output = validate(
        &["--format", "ndjson", &by_extension, &by_magic, &array],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let summary_value = summary(&output);
    assert_eq!(summary_value["payloads"], 150);
    let files = summary_value["files"].as_array().unwrap();
    assert_eq!(files[0]["lines"], 50);
    assert_eq!(files[1]["lines"], 50);
    assert_eq!(files[2]["payloads"], 50);
    assert!(files[2]["lines"].as_u64().unwrap() > 50);
    let output = validate(&["--format", "ndjson"], Some(&gz));
    assert_eq!(summary(&output)["valid"], 50, "gzip on stdin");
}

#[test]
fn exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_corpus(dir.path());
    let valid = write(
        dir.path(),
        "valid.ndjson",
        std::fs::read_to_string(&file)
            .unwrap()
            .lines()
            .take(3)
            .map(|l| format!("{l}\n"))
            .collect::<String>()
            .as_bytes(),
    );
    assert_eq!(validate(&[&valid], None).status.code(), Some(0));
    assert_eq!(validate(&[&file], None).status.code(), Some(1));
    let empty = write(dir.path(), "empty.ndjson", b"");
    assert_eq!(validate(&[&empty], None).status.code(), Some(0));

    // A missing file: exit 2, and the other files are still checked.
    let missing = dir.path().join("missing.ndjson");
    let output = validate(
        &["--format", "ndjson", missing.to_str().unwrap(), &valid],
        None,
    );
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    assert_eq!(summary(&output)["valid"], 3);
    assert!(String::from_utf8_lossy(&output.stderr).contains("missing.ndjson"));

    assert_eq!(
        validate(&["--threads", "many", &valid], None).status.code(),
        Some(2)
    );
    assert_eq!(
        validate(&["--format", "xml", &valid], None).status.code(),
        Some(2)
    );
    let output = validate(&["--schemas", missing.to_str().unwrap(), &valid], None);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    let output = validate(&["--catalog", missing.to_str().unwrap(), &valid], None);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
}

#[test]
fn a_catalog_compiled_in_memory_and_the_embedded_list() {
    let mini = workspace().join("codegen/tests/fixtures/mini");
    let catalog = eventcat::ir::lower(&eventcat::load(&mini).unwrap()).unwrap();
    let mut sampler = Sampler::new(&catalog, 1);
    let payload = sampler.valid_any();
    let output = validate(
        &["--catalog", mini.to_str().unwrap()],
        Some(format!("{payload}\n").as_bytes()),
    );
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    // The embedded registry does not know the mini catalog's events.
    let output = validate(
        &["--format", "ndjson"],
        Some(format!("{payload}\n").as_bytes()),
    );
    assert_eq!(invalid(&output)[0].1, ["envelope:unknown_event"]);

    let output = validate(&["--list-schemas"], None);
    let listed: Vec<String> = stdout(&output).lines().map(str::to_owned).collect();
    assert_eq!(listed.len(), eventcat_validate::embedded().len());
    assert!(
        listed.contains(&"user.login 1.0.0 one-pass".to_owned()),
        "{listed:?}"
    );
    // Every generated schema is compiled into a one-pass program.
    assert!(
        listed.iter().all(|l| l.ends_with(" one-pass")),
        "{listed:?}"
    );
}

/// The embedded schemas are the checked-in ones, byte for byte.
#[test]
fn the_embedded_schemas_are_generated_schemas() {
    let embedded = eventcat_validate::embedded();
    let on_disk =
        eventcat::validate::read_dir_sources(&workspace().join("generated/schemas")).unwrap();
    assert_eq!(embedded.len(), on_disk.len());
    assert!(!embedded.is_empty());
    for ((event, version, text), source) in embedded.iter().zip(&on_disk) {
        assert_eq!(
            (*event, *version),
            (source.event.as_str(), source.version.as_str())
        );
        assert_eq!(*text, source.schema);
    }
}

/// Fed through a pipe a line at a time (`tail -f | eventcat-validate`), each report comes out
/// while the input is still open, in NDJSON and in JSON mode, with one thread or several.
#[test]
fn reports_stream_while_the_input_is_still_open() {
    use std::io::{BufRead, BufReader};
    for (threads, first, second) in [
        ("1", "{\"bad\": 1}\n", "{\"bad\": 2}\n"),
        ("2", "{\"bad\": 1}\n", "{\"bad\": 2}\n"),
        ("2", "{\n  \"bad\": 1\n}\n", "{\n  \"bad\": 2\n}\n"),
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_eventcat-validate"))
            .args(["--format", "ndjson", "--no-progress", "--threads", threads])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut input = child.stdin.take().unwrap();
        let (lines_tx, lines_rx) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let _ = lines_tx.send(line.unwrap());
            }
        });
        let timeout = std::time::Duration::from_secs(20);
        input.write_all(first.as_bytes()).unwrap();
        input.flush().unwrap();
        let report = lines_rx
            .recv_timeout(timeout)
            .expect("the first report, input still open");
        assert!(report.contains("\"line\":1"), "{report}");
        input.write_all(second.as_bytes()).unwrap();
        input.flush().unwrap();
        let report = lines_rx.recv_timeout(timeout).expect("the second report");
        assert!(report.contains("\"type\":\"invalid\""), "{report}");
        drop(input);
        let summary = lines_rx
            .recv_timeout(timeout)
            .expect("the summary at the end");
        assert!(summary.contains("\"type\":\"summary\""), "{summary}");
        assert_eq!(child.wait().unwrap().code(), Some(1));
    }
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(target).unwrap();
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// `--catalog DIR` after a bump: the catalog's new version and every published one in
/// `generated/schemas` beside it are accepted, as with `--schemas`.
#[test]
fn catalog_keeps_every_published_version_after_a_bump() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&workspace().join("catalog"), &dir.path().join("catalog"));
    copy_tree(
        &workspace().join("generated/schemas"),
        &dir.path().join("generated/schemas"),
    );
    let login = dir.path().join("catalog/events/user/user.login.yaml");
    let text = std::fs::read_to_string(&login).unwrap();
    let bumped = text.replacen("version: 1.0.0", "version: 1.1.0", 1).replacen(
        "properties:\n",
        "properties:\n  login_country:\n    type: string\n    description: Country of the login.\n    optional: true\n",
        1,
    );
    std::fs::write(&login, bumped).unwrap();

    let catalog = catalog();
    let mut sampler = Sampler::new(&catalog, 8);
    let old = valid_payload(&mut sampler, &catalog, "user.login");
    let mut new = old.clone();
    new["version"] = json!("1.1.0");
    new["properties"]["login_country"] = json!("NL");
    let mut unknown = old.clone();
    unknown["version"] = json!("2.0.0");
    let file = write(
        dir.path(),
        "versions.ndjson",
        format!("{old}\n{new}\n{unknown}\n").as_bytes(),
    );
    let catalog_dir = dir.path().join("catalog");
    let catalog_dir = catalog_dir.to_str().unwrap();
    let output = validate(&["--catalog", catalog_dir, "--format", "json", &file], None);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let report: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let invalid = report["invalid"].as_array().unwrap();
    assert_eq!(invalid.len(), 1, "only 2.0.0 is unknown: {report:#}");
    assert_eq!(invalid[0]["line"], 3);
    assert_eq!(invalid[0]["errors"][0]["rule"], "envelope:unknown_version");
    assert!(
        invalid[0]["errors"][0]["expected"]
            .as_str()
            .unwrap()
            .contains("\"1.0.0\", \"1.1.0\""),
        "{report:#}"
    );
    let listed = validate(&["--catalog", catalog_dir, "--list-schemas"], None);
    let listed = stdout(&listed);
    // Each line is `<event> <version> <engine>`.
    let has = |version: &str| {
        listed
            .lines()
            .any(|line| line.split_whitespace().take(2).eq(["user.login", version]))
    };
    assert!(has("1.0.0") && has("1.1.0"), "{listed}");

    // With --schemas beside --catalog, the published versions come from there instead.
    let elsewhere = dir.path().join("published");
    std::fs::rename(dir.path().join("generated/schemas"), &elsewhere).unwrap();
    let alone = validate(&["--catalog", catalog_dir, "--format", "json", &file], None);
    let report: Value = serde_json::from_str(&stdout(&alone)).unwrap();
    assert_eq!(
        report["invalid"].as_array().unwrap().len(),
        2,
        "no published folder: 1.0.0 is unknown"
    );
    let output = validate(
        &[
            "--catalog",
            catalog_dir,
            "--schemas",
            elsewhere.to_str().unwrap(),
            "--format",
            "json",
            &file,
        ],
        None,
    );
    let report: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(report["invalid"].as_array().unwrap().len(), 1, "{report:#}");
}

/// Empty input is reported, not taken for a clean run in silence; stdin on a terminal says it
/// is reading stdin (under a real pseudo-terminal, `script` from util-linux).
#[test]
fn empty_input_is_reported_and_a_terminal_is_told_stdin_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let empty = write(dir.path(), "empty.ndjson", b"");
    let output = validate(&[&empty], None);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "warning: {empty}: the input is empty: no payload was checked"
        )),
        "{stderr}"
    );
    let output = validate(&[], Some(b""));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("warning: <stdin>: the input is empty"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("reading payloads from stdin"),
        "stdin is a pipe here: {stderr}"
    );
    // A file with payloads gets no warning.
    let catalog = catalog();
    let mut sampler = Sampler::new(&catalog, 3);
    let one = write(
        dir.path(),
        "one.ndjson",
        format!("{}\n", sampler.valid_any()).as_bytes(),
    );
    let output = validate(&[&one], None);
    assert!(
        !String::from_utf8_lossy(&output.stderr).contains("warning"),
        "{}",
        describe(&output)
    );

    let script = Command::new("script").arg("--version").output();
    assert!(
        script.is_ok_and(|o| o.status.success()),
        "this test needs `script` (util-linux): sudo apt-get install bsdutils"
    );
    // The terminal's end-of-file (Ctrl-D) is sent once the notice is out.
    let command_line = format!("{} --no-progress", env!("CARGO_BIN_EXE_eventcat-validate"));
    let mut child = Command::new("script")
        .args(["-qec", &command_line, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    stdin.write_all(b"\x04").unwrap();
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("reading payloads from stdin"), "{text}");
    assert!(text.contains("the input is empty"), "{text}");
}

/// `--format json` is one JSON document on stdout, for the schema list and for a failure.
#[test]
fn json_for_the_schema_list_and_for_failures() {
    let output = validate(&["--list-schemas", "--format", "json"], None);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let list: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let list = list.as_array().unwrap();
    assert!(
        list.iter()
            .any(|s| s["event"] == "user.login" && s["version"] == "1.0.0"),
        "{list:?}"
    );

    for args in [
        &["--schemas", "/no/such/dir", "--format", "json"][..],
        &["--catalog", "/no/such/dir", "--format", "json"][..],
    ] {
        let output = validate(args, Some(b""));
        assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
        let document: Value = serde_json::from_str(&stdout(&output)).unwrap_or_else(|e| {
            panic!(
                "{args:?}: not one JSON document ({e}): {}",
                describe(&output)
            )
        });
        assert_eq!(document["ok"], false);
        assert!(
            document["error"]["message"]
                .as_str()
                .unwrap()
                .contains("/no/such/dir"),
            "{document}"
        );
    }
}

/// How the reader of the validator's stdout goes away.
#[derive(Clone, Copy, Debug)]
enum Closed {
    /// Before the validator starts: its first write to stdout meets a pipe with no reader.
    BeforeStart,
    /// After the first line, as `| head -1` does (the report is larger than the 64 KiB a pipe
    /// holds, so a later write meets the closed pipe).
    AfterFirstLine,
}

/// Runs the validator with stdout a real pipe closed early: exit code, first line, stderr.
fn validate_into_closed_pipe(args: &[&str], closed: Closed) -> (i32, String, String) {
    use std::io::{BufRead, Read};
    let mut command = Command::new(env!("CARGO_BIN_EXE_eventcat-validate"));
    command
        .args(args)
        .arg("--no-progress")
        .stdin(Stdio::null())
        .stderr(Stdio::piped());
    let mut first = String::new();
    let mut child = match closed {
        Closed::BeforeStart => {
            let (reader, writer) = rustix::pipe::pipe().unwrap();
            drop(reader);
            command.stdout(Stdio::from(writer)).spawn().unwrap()
        }
        Closed::AfterFirstLine => {
            let mut child = command.stdout(Stdio::piped()).spawn().unwrap();
            let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
            stdout.read_line(&mut first).unwrap();
            child
        }
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    (status.code().unwrap_or(-1), first, stderr)
}

/// `eventcat-validate ... | head -1` stops quietly with 0, as ripgrep does, whatever the report
/// format; with --bad (or --good, or a database) the run also stops, and since those outputs
/// then end early it says so and exits 2 rather than pass a partial split for a complete one.
#[test]
fn a_closed_stdout_ends_the_run_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog();
    let mut sampler = Sampler::new(&catalog, 5);
    let corpus: String = (0..4000)
        .map(|_| sampler.sample(0.5).unwrap().line + "\n")
        .collect();
    let corpus = write(dir.path(), "events.ndjson", corpus.as_bytes());
    let bad = dir.path().join("bad.ndjson");
    let bad = bad.to_str().unwrap();
    let cases: &[(&[&str], Closed)] = &[
        (&["--list-schemas"], Closed::BeforeStart),
        (&["--list-schemas", "--format", "json"], Closed::BeforeStart),
        (&[&corpus], Closed::BeforeStart),
        (&[&corpus], Closed::AfterFirstLine),
        (&["--format", "json", &corpus], Closed::AfterFirstLine),
        (&["--format", "ndjson", &corpus], Closed::AfterFirstLine),
        (&["--format", "github", &corpus], Closed::AfterFirstLine),
    ];
    for (args, closed) in cases {
        let (code, first, stderr) = validate_into_closed_pipe(args, *closed);
        assert_eq!(
            (code, stderr.as_str()),
            (0, ""),
            "eventcat-validate {args:?} into a pipe closed {closed:?}"
        );
        if let Closed::AfterFirstLine = closed {
            assert!(!first.is_empty(), "{args:?}: the first line was written");
        }
    }
    let (code, _, stderr) =
        validate_into_closed_pipe(&["--bad", bad, &corpus], Closed::AfterFirstLine);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("stdout was closed") && stderr.contains("--good/--bad/--postgres"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}
