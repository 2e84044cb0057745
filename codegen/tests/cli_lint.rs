//! The `eventcat lint` and `eventcat schema` commands as a user runs them: exit codes and output.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn eventcat(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_eventcat"))
        .args(args)
        .current_dir(workspace())
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

fn copy_catalog() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in walkdir::WalkDir::new(workspace().join("catalog")) {
        let entry = entry.unwrap();
        let relative = entry
            .path()
            .strip_prefix(workspace().join("catalog"))
            .unwrap();
        let target = dir.path().join(relative);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(target).unwrap();
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
    dir
}

#[test]
fn the_bundled_catalog_is_clean() {
    let (code, stdout, _) = eventcat(&["lint"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("30 events: no findings"), "{stdout}");
}

/// The "done when": a YAML syntax error, a duplicated event file and an unknown type each
/// make lint exit 1 and name their file and line, all in one run.
#[test]
fn a_broken_copy_reports_every_problem_with_its_place() {
    let dir = copy_catalog();
    let events = dir.path().join("events/user");
    std::fs::write(
        events.join("user.page_view.yaml"),
        "name: user.page_view\n  broken: [\n",
    )
    .unwrap();
    std::fs::copy(
        events.join("user.login.yaml"),
        events.join("user.login_copy.yaml"),
    )
    .unwrap();
    let logout = std::fs::read_to_string(events.join("user.logout.yaml")).unwrap();
    std::fs::write(
        events.join("user.logout.yaml"),
        logout.replace("type: date-time", "type: datetime"),
    )
    .unwrap();

    let catalog = dir.path().to_str().unwrap();
    let (code, stdout, _) = eventcat(&["lint", "--catalog", catalog]);
    assert_eq!(code, 1, "{stdout}");
    for expected in [
        "user.page_view.yaml:2:9: error[yaml-syntax]",
        "user.login_copy.yaml:2:7: error[duplicate-event]: event `user.login` is already defined in",
        "user.logout.yaml:",
        "error[unknown-type]: unknown type `datetime`; did you mean `date-time`?",
    ] {
        assert!(
            stdout.contains(expected),
            "missing `{expected}` in:\n{stdout}"
        );
    }

    let (code, json, _) = eventcat(&["lint", "--catalog", catalog, "--format", "json"]);
    assert_eq!(code, 1);
    let document: serde_json::Value = serde_json::from_str(&json).unwrap();
    let rules: Vec<&str> = document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"yaml-syntax"), "{rules:?}");
    assert!(rules.contains(&"duplicate-event"), "{rules:?}");
    assert!(rules.contains(&"unknown-type"), "{rules:?}");
    assert!(document["errors"].as_u64().unwrap() >= 3);
}

#[test]
fn a_missing_catalog_is_a_usage_error() {
    let (code, _, stderr) = eventcat(&["lint", "--catalog", "no/such/folder"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no/such/folder"), "{stderr}");
    let (code, _, _) = eventcat(&["lint", "--no-such-flag"]);
    assert_eq!(code, 2);
}

#[test]
fn the_checked_in_format_schemas_are_current() {
    let (code, stdout, _) = eventcat(&["schema", "--check"]);
    assert_eq!(code, 0, "run `cargo run -p eventcat -- schema`:\n{stdout}");
}

#[test]
fn the_format_schema_accepts_every_catalog_file_shape() {
    let schema: serde_json::Value =
        serde_json::from_str(&eventcat::catalog_schema::event_schema()).unwrap();
    let properties = schema["properties"].as_object().unwrap();
    for key in [
        "name",
        "version",
        "group",
        "description",
        "trigger",
        "properties",
        "usage",
    ] {
        assert!(properties.contains_key(key), "event schema lacks `{key}`");
    }
    assert_eq!(
        schema["additionalProperties"],
        serde_json::Value::Bool(false)
    );
}

#[test]
fn the_lint_page_documents_every_rule() {
    let page = std::fs::read_to_string(workspace().join("docs/lint.md")).unwrap();
    for rule in eventcat::Rule::ALL {
        let severity = serde_json::to_value(rule.severity()).unwrap();
        let row = format!("| `{}` | {} | ", rule.id(), severity.as_str().unwrap());
        assert!(
            page.contains(&row),
            "docs/lint.md has no row for rule `{rule}` with its severity"
        );
    }
}

/// The example: three typos in one event file give three located findings, each with its
/// "did you mean", and nothing else (no missing `description`/`type`, no false `order-entry` in
/// catalog.yaml for the event that did not parse).
#[test]
fn three_typos_in_one_file_give_three_findings_and_no_false_one() {
    let dir = copy_catalog();
    let path = dir.path().join("events/user/user.logout.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let broken = text
        .replacen("description: User logs out", "descripton: User logs out", 1)
        .replacen(
            "    type: string\n    description: Session identifier.",
            "    typ: string\n    description: Session identifier.",
            1,
        )
        .replacen("    pii: identifier", "    pi: identifier", 1);
    assert_ne!(broken, text);
    std::fs::write(&path, broken).unwrap();

    let catalog = dir.path().to_str().unwrap();
    let (code, json, _) = eventcat(&["lint", "--catalog", catalog, "--format", "json"]);
    assert_eq!(code, 1, "{json}");
    let document: serde_json::Value = serde_json::from_str(&json).unwrap();
    let found: Vec<String> = document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let file = f["file"].as_str().unwrap();
            let file = file.rsplit('/').next().unwrap();
            format!(
                "{file}:{}:{} {} {}",
                f["line"],
                f["column"],
                f["rule"].as_str().unwrap(),
                f["message"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            "user.logout.yaml:5:1 unknown-key unknown key `descripton` in the event file; did you mean `description`?",
            "user.logout.yaml:12:5 unknown-key unknown key `pi` in property `user_id`; did you mean `pii`?",
            "user.logout.yaml:18:5 unknown-key unknown key `typ` in property `session_id`; did you mean `type`?",
        ],
        "{json}"
    );
}
