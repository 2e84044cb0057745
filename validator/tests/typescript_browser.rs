//! The TypeScript package (`generated/typescript`) in a real browser, tracking to a live
//! `eventcat-validate serve`: headless Chromium (Debian's `chromium`, driven by `playwright-core`
//! from `tools/`) loads a page that imports the package under a Content-Security-Policy without
//! `unsafe-eval` or `unsafe-inline`, and tracks events; they are then found through the server's
//! `/micro/good`. `tests/typescript/browser/run.mjs` is the harness (it serves the page and the
//! package and forwards `/v1/events` to serve from one origin), `app.js` the page's code. It
//! lives in this crate for the server's binary (`CARGO_BIN_EXE_eventcat-validate`).
//!
//! Needs Node.js, `npm ci --prefix tools` and `/usr/bin/chromium` (`.ci/apt-packages`); without
//! them the test fails and says how to install them.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use eventcat::validate::Registry;
use serde_json::Value;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate is in the workspace")
        .to_path_buf()
}

fn require_tools() {
    assert!(
        Path::new("/usr/bin/chromium").is_file(),
        "the browser test needs Chromium at /usr/bin/chromium: `sudo apt-get install chromium` \
         (it is in .ci/apt-packages)"
    );
    assert!(
        workspace()
            .join("tools/node_modules/playwright-core/package.json")
            .is_file(),
        "playwright-core is missing: run `npm ci --prefix tools` (it needs Node.js and npm)"
    );
}

/// `eventcat-validate serve` on a free loopback port, with the embedded schemas; killed when
/// dropped.
struct Serve {
    child: Child,
    url: String,
}

impl Serve {
    fn start() -> Serve {
        let mut child = Command::new(env!("CARGO_BIN_EXE_eventcat-validate"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env_remove("EVENTCAT_WRITE_TOKEN")
            .env_remove("EVENTCAT_READ_TOKEN")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("eventcat-validate runs");
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let (found, address) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut found = Some(found);
            // Read to the end, so the server never blocks on a full pipe.
            for line in stderr.lines() {
                let Ok(line) = line else { break };
                if let Some(at) = line.find("listening on http://") {
                    let rest = &line[at + "listening on ".len()..];
                    if let Some(found) = found.take() {
                        let _ = found.send(rest.split_whitespace().next().unwrap().to_owned());
                    }
                }
            }
        });
        match address.recv_timeout(Duration::from_secs(30)) {
            Ok(url) => Serve { child, url },
            Err(_) => {
                let _ = child.kill();
                panic!("eventcat-validate serve did not start within 30 s");
            }
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the harness with `extra` arguments; returns its JSON report.
fn harness(extra: &[&str]) -> Value {
    require_tools();
    let out = workspace().join("target/browser-artefacts");
    let output = Command::new("node")
        .arg(workspace().join("tests/typescript/browser/run.mjs"))
        .arg("--package")
        .arg(workspace().join("generated/typescript"))
        .arg("--out")
        .arg(&out)
        .args(extra)
        .current_dir(workspace())
        .output()
        .unwrap_or_else(|error| {
            panic!("cannot run `node` ({error}): the browser test needs Node.js 20 or newer")
        });
    assert!(
        output.status.success(),
        "the browser harness failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the harness prints JSON")
}

fn registry() -> Registry {
    Registry::from_dir(&workspace().join("generated/schemas")).expect("the published schemas")
}

fn assert_clean_page(report: &Value) {
    assert_eq!(report["pageErrors"], serde_json::json!([]), "{report:#}");
    let csp = report["csp"].as_str().unwrap();
    assert!(
        !csp.contains("unsafe-eval") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
}

/// The tracker and the validator in the page, with the memory transport: the validator works
/// where `eval` is blocked, reports the broken event, and the tracked payloads are valid for
/// the Rust engine.
#[test]
fn the_tracker_and_validator_run_under_a_strict_csp() {
    let report = harness(&["--scenarios", "memory"]);
    assert_clean_page(&report);
    let memory = &report["scenarios"]["memory"];
    assert_eq!(
        memory["evalBlocked"], true,
        "the policy must block eval: {memory:#}"
    );
    // The only policy violation is the page's own eval probe: the package needs nothing more.
    let violations = memory["violations"].as_array().unwrap();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert_eq!(violations[0]["blocked"], "eval");

    let sent = memory["sent"].as_array().unwrap();
    assert_eq!(sent.len(), 5);
    let registry = registry();
    for payload in &sent[..4] {
        let verdict = registry.validate(payload.to_string().as_bytes());
        assert!(verdict.is_valid(), "{payload:#}: {verdict:?}");
    }
    // The fifth is broken on purpose: both validators say so, with the same pointer and rule.
    let verdict = registry.validate(sent[4].to_string().as_bytes());
    let errors: Vec<(String, String)> = verdict
        .invalid()
        .expect("the broken login is invalid")
        .errors
        .iter()
        .map(|e| (e.pointer.clone(), e.rule.to_string()))
        .collect();
    assert_eq!(
        errors,
        [(
            "/properties/ip_address".to_owned(),
            "privacy:anonymized_ip".to_owned()
        )]
    );
    let reported = &memory["reported"][0][0];
    assert_eq!(reported["pointer"], "/properties/ip_address");
    assert_eq!(reported["rule"], "privacy:anonymized_ip");
    assert!(report["screenshot"].as_str().is_some());
}

/// Events queued in the page (a big batch, a long interval) leave with `navigator.sendBeacon`
/// when the page is left: the browser's beacon reaches the page's origin with every queued
/// event, as one `application/json` array.
#[test]
fn the_page_hide_beacon_carries_the_queue() {
    let report = harness(&["--scenarios", "beacon"]);
    assert_clean_page(&report);
    let beacon = &report["scenarios"]["beacon"];
    let ids = beacon["ids"].as_array().unwrap();
    assert_eq!(ids.len(), 4);
    assert_eq!(
        beacon["stats"]["queued"], 4,
        "queued, not sent, before the page hides"
    );
    let beacons = beacon["beacons"].as_array().unwrap();
    assert_eq!(beacons.len(), 1, "{beacon:#}");
    assert_eq!(beacons[0]["handed"], true);
    assert_eq!(beacons[0]["type"], "application/json");
    let ingests = beacon["ingests"].as_array().unwrap();
    assert_eq!(ingests.len(), 1, "{beacon:#}");
    assert_eq!(ingests[0]["contentType"], "application/json");
    assert_eq!(&ingests[0]["ids"], &beacon["ids"]);
}

/// The event ids the server's `/micro/good` holds among `ids`, as the harness found them.
fn found_ids(scenario: &Value) -> Vec<String> {
    let mut found: Vec<String> = scenario["found"]
        .as_array()
        .expect("the harness lists what it found")
        .iter()
        .map(|payload| payload["event_id"].as_str().unwrap().to_owned())
        .collect();
    found.sort();
    found
}

fn ids(scenario: &Value) -> Vec<String> {
    let mut ids: Vec<String> = scenario["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

/// The page tracks to a live `serve` with `httpTransport`: batches of 5 reach `/v1/events`, every
/// event is found through `/micro/good`; a 503 with `Retry-After: 1` (the harness answers the
/// page's next request so) is retried after a second and the events reach serve; events queued
/// when the page is left go out with `navigator.sendBeacon` and reach serve too.
#[test]
fn the_page_tracks_to_a_live_serve_with_retries_and_the_beacon() {
    let serve = Serve::start();
    let report = harness(&["--serve", &serve.url, "--scenarios", "http,retry,beacon"]);
    assert_clean_page(&report);

    let http = &report["scenarios"]["http"];
    assert_eq!(ids(http).len(), 12);
    assert_eq!(
        found_ids(http),
        ids(http),
        "every event in /micro/good: {http:#}"
    );
    assert_eq!(http["stats"]["sent"], 12);
    assert_eq!(http["stats"]["accepted"], 12, "serve says each is valid");
    assert_eq!(http["stats"]["retries"], 0);
    assert_eq!(http["errors"], serde_json::json!([]));
    let batches: Vec<u64> = report["ingests"]
        .as_array()
        .unwrap()
        .iter()
        .take(3)
        .map(|ingest| ingest["events"].as_u64().unwrap())
        .collect();
    assert_eq!(batches, [5, 5, 2], "batches of batchSize, in order");

    let retry = &report["scenarios"]["retry"];
    assert_eq!(retry["stats"]["retries"], 1, "{retry:#}");
    assert_eq!(
        retry["errors"],
        serde_json::json!([{ "status": 503, "willRetry": true }])
    );
    assert!(
        retry["tookMs"].as_u64().unwrap() >= 1000,
        "Retry-After: 1 is honoured: {retry:#}"
    );
    assert_eq!(
        found_ids(retry),
        ids(retry),
        "the retried batch reached serve"
    );
    let injected: Vec<&Value> = report["ingests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|ingest| ingest["injected"] == true)
        .collect();
    assert_eq!(injected.len(), 1);
    assert_eq!(
        injected[0]["ids"], retry["ids"],
        "the same batch, sent again"
    );

    let beacon = &report["scenarios"]["beacon"];
    assert_eq!(beacon["beacons"].as_array().unwrap().len(), 1, "{beacon:#}");
    assert_eq!(
        found_ids(beacon),
        ids(beacon),
        "the beacon's events reached serve"
    );
    drop(serve);
}
