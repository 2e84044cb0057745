//! The TypeScript package compiles under the real compiler, in its strictest settings (its
//! JavaScript checked against its JSDoc with `--checkJs`), with usage files
//! (`tests/typescript/*.ts`, `*.mts`) that build events, call the tracker, narrow the union on
//! `event_name`, and hold `// @ts-expect-error` lines: tsc fails on such a line when it is not an
//! error, so these prove the types reject what they must, and are not `any`.
//!
//! tsc comes from `tools/node_modules` (`npm ci --prefix tools`, which CI runs first). Without it
//! these tests fail rather than skip: a skipped check reads as a passed one.

use std::path::{Path, PathBuf};
use std::process::Command;

use eventcat::emit::typescript;
use eventcat::ir::{Catalog, EnumType, EnumVariant, EnvelopeRole, FieldType};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate is in the workspace")
        .to_path_buf()
}

fn lower(catalog: &Path) -> Catalog {
    let loaded = eventcat::load(catalog).expect("the catalog loads");
    match eventcat::ir::lower(&loaded) {
        Ok(catalog) => catalog,
        Err(eventcat::ir::LowerError::Invalid(findings)) => {
            let findings: Vec<String> = findings.iter().map(ToString::to_string).collect();
            panic!(
                "{} does not lint clean:\n{}",
                catalog.display(),
                findings.join("\n")
            )
        }
    }
}

fn fixture(name: &str) -> Catalog {
    lower(&workspace().join("codegen/tests/fixtures").join(name))
}

fn tsc() -> PathBuf {
    let tsc = workspace().join("tools/node_modules/.bin/tsc");
    assert!(
        tsc.is_file(),
        "the TypeScript compiler is missing ({}): run `npm ci --prefix tools` in the workspace \
         (it needs Node.js), then run the tests again",
        tsc.display()
    );
    tsc
}

/// Writes the package of `catalog` to `<tmp>/generated/typescript/` (the repository's layout, so
/// the usage files' import of `../../generated/typescript` resolves through `package.json`'s
/// `types`) and installs it as `<tmp>/node_modules/<name>` (so an import of the package's name and
/// of `<name>/validate` resolves through its `exports`, as in an app), writes `usage` to
/// `<tmp>/tests/typescript/<usage_name>`, then runs tsc on every file of the package (its
/// JavaScript too, with `--checkJs`) and the usage file, in its strictest settings.
fn assert_compiles(catalog: &Catalog, usage_name: &str, usage: &str) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut package_files = Vec::new();
    let package_name = format!("{}-events", catalog.name);
    for file in typescript::files(catalog) {
        let path = dir.path().join("generated").join(&file.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &file.contents).unwrap();
        let installed = dir
            .path()
            .join("node_modules")
            .join(&package_name)
            .join(file.path.strip_prefix("typescript/").unwrap());
        std::fs::create_dir_all(installed.parent().unwrap()).unwrap();
        std::fs::write(&installed, &file.contents).unwrap();
        if file.path.ends_with(".js") || file.path.ends_with(".d.ts") {
            package_files.push(path);
        }
    }
    assert!(
        package_files.len() >= 10,
        "the emitter writes the package's modules"
    );
    let usage_path = dir.path().join("tests/typescript").join(usage_name);
    std::fs::create_dir_all(usage_path.parent().unwrap()).unwrap();
    std::fs::write(&usage_path, usage).unwrap();

    let output = Command::new(tsc())
        .args([
            "--strict",
            "--noEmit",
            "--noUnusedLocals",
            "--noUnusedParameters",
            "--exactOptionalPropertyTypes",
            "--noImplicitOverride",
            "--noPropertyAccessFromIndexSignature",
            "--allowJs",
            "--checkJs",
            "--target",
            "es2022",
            "--lib",
            "es2022,dom",
            "--module",
            "nodenext",
            "--moduleResolution",
            "nodenext",
        ])
        .args(&package_files)
        .arg(&usage_path)
        .current_dir(dir.path())
        .output()
        .unwrap_or_else(|error| {
            panic!("cannot run tsc ({error}): is Node.js installed? run `npm ci --prefix tools`")
        });
    if !output.status.success() {
        let kept = dir.keep();
        panic!(
            "tsc rejected the `{}` package or its usage ({}); the files are kept in {}\n{}{}",
            catalog.name,
            output.status,
            kept.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
        );
    }
}

/// Compiles the declarations of `catalog` with the usage file `tests/typescript/<name>`.
fn assert_usage_compiles(catalog: &Catalog, name: &str) {
    let path = workspace().join("tests/typescript").join(name);
    let usage = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    assert_compiles(catalog, name, &usage);
}

#[test]
fn bundled_catalog_declarations_compile_and_type_its_events() {
    let catalog = lower(&workspace().join("catalog"));
    assert_usage_compiles(&catalog, "bundled_usage.ts");
}

/// The tracker's functions, transports and validator, imported by the package's name (through
/// `exports`), in an ES module as an app writes it.
#[test]
fn bundled_tracker_is_typed_per_event() {
    let catalog = lower(&workspace().join("catalog"));
    assert_usage_compiles(&catalog, "tracker_usage.mts");
}

#[test]
fn hostile_tracker_compiles() {
    assert_usage_compiles(&fixture("hostile"), "hostile_tracker_usage.mts");
}

#[test]
fn mini_declarations_compile_and_are_strict() {
    assert_usage_compiles(&fixture("mini"), "mini_usage.ts");
}

#[test]
fn hostile_declarations_compile() {
    assert_usage_compiles(&fixture("hostile"), "hostile_usage.ts");
}

/// Shapes lint lets through that no fixture has: an envelope enum named like a type parameter
/// (`N`) or like the `Record` the declarations use, keys that are not identifiers, nested arrays,
/// and text with every kind of line break.
#[test]
fn unusual_ir_still_gives_declarations_that_compile() {
    let mut catalog = fixture("mini");
    let environment = catalog
        .envelope
        .fields
        .iter()
        .find(|field| field.role == EnvelopeRole::Environment)
        .expect("mini has an environment field")
        .clone();
    for (name, type_name) in [("n", "N"), ("record", "Record")] {
        let mut field = environment.clone();
        field.role = EnvelopeRole::Plain;
        field.field.name = name.into();
        field.field.description = "Line\r\nbreaks\u{2028}of */ every\u{2029}kind\rhere.".into();
        field.field.ty = enum_type(type_name, &["one"]);
        catalog.envelope.fields.push(field);
    }
    let event = catalog.events.get_mut("checkout.completed").unwrap();
    let template = event.properties[0].clone();
    let odd = [
        ("a-b", FieldType::Object),
        ("3d", FieldType::Array(Box::new(FieldType::Object))),
        ("", FieldType::Boolean),
        ("with space", FieldType::DateTime),
        ("ünïcode", FieldType::Boolean),
        ("new", FieldType::Boolean),
        ("readonly", FieldType::Boolean),
        (
            "nested",
            FieldType::Array(Box::new(FieldType::Array(Box::new(enum_type(
                "CheckoutCompletedNestedItem",
                &["\u{2028}", "\"", "\\", "${x}", "", "\n", "*/"],
            ))))),
        ),
    ];
    for (name, ty) in odd {
        let mut field = template.clone();
        field.name = name.into();
        field.ty = ty;
        field.nullable = true;
        // An example is any JSON value; this one holds what could end a comment or a line.
        field.examples = vec!["*/ \n \u{2028} /*".into(), 1.5.into()];
        event.properties.push(field);
    }
    assert_compiles(
        &catalog,
        "unusual_usage.ts",
        r#"import type { CheckoutCompletedProperties, EventEnvelope, N, Record } from "../../generated/typescript";
export const n: N = "one";
export const record: Record = "one";
// The envelope's `n` field is the enum `N`, not the type parameter of the same name.
export type Envelope = EventEnvelope<"a", "b", "c", {}>;
// @ts-expect-error: not a value of the enum N.
export const notN: Envelope["n"] = "two";
export const object: CheckoutCompletedProperties["a-b"] = { any: ["json"] };
export const nested: CheckoutCompletedProperties["nested"] = [["\u2028", "\"", "\\", "${x}", "", "\n", "*/"]];
"#,
    );

    catalog.events.clear();
    assert_compiles(
        &catalog,
        "no_events_usage.ts",
        r#"import type { AnalyticsEvent, EventName } from "../../generated/typescript";
export function none(event: AnalyticsEvent, name: EventName): never {
  return name ?? event;
}
"#,
    );
}

fn enum_type(type_name: &str, values: &[&str]) -> FieldType {
    FieldType::Enum(EnumType {
        type_name: type_name.into(),
        variants: values
            .iter()
            .map(|value| EnumVariant {
                value: (*value).into(),
                rust_name: "V".into(),
            })
            .collect(),
    })
}
