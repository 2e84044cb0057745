//! The emitted JSON Schemas load in Ajv, the validator most JavaScript consumers use, in strict
//! mode with no option relaxed (`tools/ajv-compile.mjs`). A second, independent implementation
//! catches what the Rust validator tolerates: unknown keywords, unknown formats, type-specific
//! keywords without a type, `required` of undeclared properties.
//!
//! Needs Node.js and `npm ci --prefix tools`. Without them the tests fail (they do not skip):
//! a skipped check is one CI would silently stop running.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace folder")
        .to_path_buf()
}

/// Writes the JSON Schema emitter's files for the catalog at `catalog` under `out`; returns the
/// schema folder and the number of events.
fn emit(catalog: &Path, out: &Path) -> (PathBuf, usize) {
    let loaded = eventcat::load(catalog)
        .unwrap_or_else(|e| panic!("cannot load {}: {e}", catalog.display()));
    let catalog = eventcat::ir::lower(&loaded)
        .unwrap_or_else(|e| panic!("cannot lower {}: {e}", catalog.display()));
    for file in eventcat::emit::json_schema::files(&catalog) {
        let path = out.join(&file.path);
        std::fs::create_dir_all(path.parent().expect("a parent folder")).expect("create folder");
        std::fs::write(&path, &file.contents).expect("write schema");
    }
    (out.join("schemas"), catalog.events.len())
}

fn ajv(schemas: &Path, payloads: &[PathBuf]) -> Output {
    let tools = workspace().join("tools");
    for package in ["ajv", "ajv-formats"] {
        let manifest = tools
            .join("node_modules")
            .join(package)
            .join("package.json");
        assert!(
            manifest.is_file(),
            "{} is missing: run `npm ci --prefix tools` (needs Node.js) before the tests",
            manifest.display()
        );
    }
    Command::new("node")
        .arg(tools.join("ajv-compile.mjs"))
        .arg(schemas)
        .args(payloads)
        .current_dir(workspace())
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run `node` ({e}): install Node.js, then run `npm ci --prefix tools`")
        })
}

fn describe(output: &Output) -> String {
    format!(
        "exit status {}\n--- stdout\n{}--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn assert_compiles(catalog: &Path) {
    let out = tempfile::tempdir().expect("temp folder");
    let (schemas, events) = emit(catalog, out.path());
    let output = ajv(&schemas, &[]);
    assert!(
        output.status.success(),
        "Ajv strict rejects the schemas of {}:\n{}",
        catalog.display(),
        describe(&output)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let compiled = stdout.lines().filter(|l| l.starts_with("ok ")).count();
    assert_eq!(
        compiled,
        events + 1,
        "one line per event schema plus the union:\n{}",
        describe(&output)
    );
    assert!(
        stdout.contains("ok analytics_event.json"),
        "{}",
        describe(&output)
    );
    assert!(stdout.contains("skip index.json"), "{}", describe(&output));
}

#[test]
fn ajv_strict_compiles_the_mini_schemas() {
    assert_compiles(&workspace().join("codegen/tests/fixtures/mini"));
}

#[test]
fn ajv_strict_compiles_the_hostile_schemas() {
    assert_compiles(&workspace().join("codegen/tests/fixtures/hostile"));
}

#[test]
fn ajv_strict_compiles_the_bundled_schemas() {
    assert_compiles(&workspace().join("catalog"));
}

/// What is checked in, every published version included, not only what the emitter gives today:
/// each file passes the 2020-12 meta-schema and compiles in Ajv strict mode.
#[test]
fn the_checked_in_schemas_pass_the_meta_schema_and_ajv_strict() {
    let schemas = workspace().join("generated/schemas");
    let mut count = 0;
    for entry in std::fs::read_dir(&schemas).expect("generated/schemas exists") {
        let dir = entry.expect("readable").path();
        if !dir.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&dir).expect("readable") {
            let path = file.expect("readable").path();
            let text = std::fs::read_to_string(&path).expect("readable");
            let schema: serde_json::Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            if let Err(error) = jsonschema::meta::validate(&schema) {
                panic!("{} fails the meta-schema: {error}", path.display());
            }
            count += 1;
        }
    }
    assert!(count >= 30, "expected a schema per event, found {count}");
    let output = ajv(&schemas, &[]);
    assert!(
        output.status.success(),
        "Ajv strict rejects generated/schemas:\n{}",
        describe(&output)
    );
}

/// The script must be able to fail: a schema that only non-strict Ajv accepts (a string keyword
/// with no type) is reported, and the exit code says so.
#[test]
fn ajv_compile_rejects_a_schema_strict_mode_forbids() {
    let out = tempfile::tempdir().expect("temp folder");
    std::fs::write(
        out.path().join("loose.json"),
        r#"{"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "urn:test:loose", "minLength": 1}"#,
    )
    .expect("write schema");
    let output = ajv(out.path(), &[]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("FAIL loose.json"),
        "{}",
        describe(&output)
    );
}

const CHECKOUT: &str = r#"{
  "event_id": "4f9a2c1e-8b3d-4e5f-9a6b-7c8d9e0f1a2b",
  "event_type": "shop.orders",
  "event_name": "checkout.completed",
  "timestamp": "2024-05-01T12:00:00Z",
  "organization_id": "org-1",
  "version": "1.2.0",
  "source": "web",
  "environment": "ENVIRONMENT",
  "properties": {
    "order_id": "order-1",
    "amount": 12.5,
    "item_count": 2,
    "client_ip": "203.0.113.0",
    "paid_at": "2024-05-01T12:00:00Z",
    "gift": false,
    "debug_trace": "at checkout.rs:12"
  }
}"#;

/// Ajv agrees with the Rust validator on the cases that matter most: the privacy rule in both
/// directions, and the union's rejection of an unknown event.
#[test]
fn ajv_validates_payloads_through_the_union() {
    let out = tempfile::tempdir().expect("temp folder");
    let (schemas, _) = emit(&workspace().join("codegen/tests/fixtures/mini"), out.path());
    let payload = |name: &str, text: String| {
        let path = out.path().join(name);
        std::fs::write(&path, text).expect("write payload");
        path
    };
    let development = payload(
        "development.json",
        CHECKOUT.replace("ENVIRONMENT", "development"),
    );
    let production = payload(
        "production.json",
        CHECKOUT.replace("ENVIRONMENT", "production"),
    );
    let unknown = payload(
        "unknown.json",
        CHECKOUT
            .replace("ENVIRONMENT", "development")
            .replace("checkout.completed", "checkout.refunded"),
    );

    let output = ajv(&schemas, std::slice::from_ref(&development));
    assert!(output.status.success(), "{}", describe(&output));

    for (path, at) in [(production, "debug_trace"), (unknown, "event_name")] {
        let output = ajv(&schemas, std::slice::from_ref(&path));
        assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            stdout.contains("invalid ") && stdout.contains(at),
            "expected an error about {at}:\n{}",
            describe(&output)
        );
    }
}

const WEIRD: &str = r#"{
  "event_id": "4f9a2c1e-8b3d-4e5f-9a6b-7c8d9e0f1a2b",
  "event_type": "weird.oddities",
  "event_name": "weird.keywords",
  "timestamp": "2024-05-01T12:00:00Z",
  "organization_id": "org-1",
  "version": "1.0.0",
  "source": "web",
  "environment": "production",
  "properties": {
    "type": "t",
    "self": "*/",
    "enum": 300,
    "fn": ["null"],
    CONSTRUCTOR
    "prototype": "p"
  }
}"#;

/// Property names that JavaScript objects inherit (`constructor`) must be checked as the
/// payload's own keys: absent means absent, not `Object.prototype.constructor`.
#[test]
fn ajv_treats_hostile_property_names_as_data() {
    let out = tempfile::tempdir().expect("temp folder");
    let (schemas, _) = emit(
        &workspace().join("codegen/tests/fixtures/hostile"),
        out.path(),
    );
    let valid = out.path().join("valid.json");
    std::fs::write(
        &valid,
        WEIRD.replace("CONSTRUCTOR", r#""constructor": null,"#),
    )
    .expect("write payload");
    let output = ajv(&schemas, std::slice::from_ref(&valid));
    assert!(output.status.success(), "{}", describe(&output));

    let missing = out.path().join("missing.json");
    std::fs::write(&missing, WEIRD.replace("CONSTRUCTOR", "")).expect("write payload");
    let output = ajv(&schemas, std::slice::from_ref(&missing));
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("required property 'constructor'"),
        "{}",
        describe(&output)
    );
}

/// The Node tools register exactly the annotation keywords the emitter writes: a keyword added on
/// one side only would make Ajv strict reject every schema, or register a name nobody emits.
#[test]
fn the_tools_register_exactly_the_emitted_annotations() {
    let setup = std::fs::read_to_string(workspace().join("tools/ajv-setup.mjs")).unwrap();
    let start = setup
        .find("ANNOTATIONS = [")
        .expect("the list in ajv-setup.mjs");
    let list = &setup[start..start + setup[start..].find(']').unwrap()];
    let registered: Vec<&str> = list.split('"').skip(1).step_by(2).collect();
    assert_eq!(registered, eventcat::emit::json_schema::ANNOTATION_KEYWORDS);
}
