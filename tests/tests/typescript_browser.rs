//! The TypeScript package in a real browser: headless Chromium (Debian's `chromium`, driven by
//! `playwright-core` from `tools/`) loads a page that imports the generated package under a
//! Content-Security-Policy without `unsafe-eval` or `unsafe-inline`, and tracks events
//! (`tests/typescript/browser/run.mjs` is the harness, `app.js` the page's code).
//!
//! Needs Node.js, `npm ci --prefix tools` and `/usr/bin/chromium` (`.ci/apt-packages`); without
//! them the test fails and says how to install them.

use std::path::{Path, PathBuf};
use std::process::Command;

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
