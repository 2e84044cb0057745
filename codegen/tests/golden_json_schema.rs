//! The JSON Schema emitter: golden files for the mini catalog, meta-schema validity and strict
//! compilation for every catalog we ship or test with, and what the schemas accept and reject,
//! checked with a real validator (the `jsonschema` crate) on real payloads.
//!
//! Regenerate the golden files with `EXPECTORATE=overwrite cargo test -p eventcat --test
//! golden_json_schema`, then review the diff.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use eventcat::emit::OutputFile;
use eventcat::emit::json_schema;
use eventcat::ir::{Catalog, EnumType, Field, FieldType, IntegerRules, NumberRules, StringRules};
use eventcat::model::{Pii, StringFormat, Unit};
use jsonschema::Validator;
use serde_json::{Value, json};

fn codegen_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn lowered(dir: &Path) -> Catalog {
    let loaded =
        eventcat::load(dir).unwrap_or_else(|e| panic!("cannot load {}: {e}", dir.display()));
    eventcat::ir::lower(&loaded).unwrap_or_else(|e| panic!("cannot lower {}: {e}", dir.display()))
}

fn mini() -> Catalog {
    lowered(&codegen_dir().join("tests/fixtures/mini"))
}

fn hostile() -> Catalog {
    lowered(&codegen_dir().join("tests/fixtures/hostile"))
}

fn bundled() -> Catalog {
    lowered(&codegen_dir().join("../catalog"))
}

fn all_catalogs() -> Vec<(&'static str, Catalog)> {
    vec![
        ("mini", mini()),
        ("hostile", hostile()),
        ("bundled", bundled()),
    ]
}

fn parse(file: &OutputFile) -> Value {
    serde_json::from_str(&file.contents)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", file.path))
}

/// Every emitted file that is a schema (all but the index), parsed.
fn schemas(catalog: &Catalog) -> Vec<(String, Value)> {
    json_schema::files(catalog)
        .iter()
        .filter(|f| f.path != "schemas/index.json")
        .map(|f| (f.path.clone(), parse(f)))
        .collect()
}

fn compile(schema: &Value) -> Result<Validator, String> {
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .should_ignore_unknown_formats(false)
        .build(schema)
        .map_err(|e| e.to_string())
}

fn validator(schema: &Value) -> Validator {
    compile(schema).unwrap_or_else(|e| panic!("schema does not compile: {e}\n{schema:#}"))
}

fn event_validator(catalog: &Catalog, name: &str) -> Validator {
    let event = &catalog.events[name];
    validator(&json_schema::event_schema(catalog, event))
}

// ---------------------------------------------------------------------------------------------
// Golden files and file-level properties

#[test]
fn mini_matches_the_golden_files() {
    let golden = codegen_dir().join("tests/golden/json_schema");
    let files = json_schema::files(&mini());
    let overwrite = std::env::var_os("EXPECTORATE").is_some_and(|v| v == "overwrite");
    for file in &files {
        let path = golden.join(&file.path);
        if overwrite {
            // expectorate writes files, not folders: a new event needs its folder first.
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("create folder");
        }
        expectorate::assert_contents(path, &file.contents);
    }
    // A file the emitter stopped writing must not linger as a golden file nobody checks.
    let emitted: BTreeSet<PathBuf> = files.iter().map(|f| PathBuf::from(&f.path)).collect();
    let on_disk: BTreeSet<PathBuf> = walkdir::WalkDir::new(&golden)
        .into_iter()
        .map(|entry| entry.expect("readable golden folder"))
        .filter(|entry| entry.file_type().is_file())
        .map(|entry| {
            entry
                .path()
                .strip_prefix(&golden)
                .expect("under the golden folder")
                .to_path_buf()
        })
        .collect();
    assert_eq!(on_disk, emitted, "golden files without an emitted file");
}

#[test]
fn files_are_the_expected_set_sorted_and_deterministic() {
    let catalog = mini();
    let files = json_schema::files(&catalog);
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "schemas/analytics_event.json",
            "schemas/checkout.completed/1.2.0.json",
            "schemas/index.json",
            "schemas/shop.item_viewed/1.0.0.json",
        ]
    );
    assert_eq!(files, json_schema::files(&catalog));
    for file in &files {
        let value = parse(file);
        let expected = format!("{}\n", serde_json::to_string_pretty(&value).unwrap());
        assert_eq!(
            file.contents, expected,
            "{} is not pretty JSON + newline",
            file.path
        );
    }
    // The bundled catalog: one schema per event, plus the index and the union.
    let bundled = bundled();
    assert_eq!(json_schema::files(&bundled).len(), bundled.events.len() + 2);
}

#[test]
fn the_index_points_at_every_emitted_schema() {
    for (label, catalog) in all_catalogs() {
        let files = json_schema::files(&catalog);
        let paths: BTreeSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
        let index = json_schema::index(&catalog);
        assert_eq!(index["catalog"], json!(catalog.name));
        assert_eq!(index["version"], json!(catalog.version.to_string()));
        let events = index["events"].as_object().expect("events object");
        let names: Vec<&String> = events.keys().collect();
        let expected: Vec<&String> = catalog.events.keys().collect();
        assert_eq!(
            names, expected,
            "{label}: index lists every event, in name order"
        );
        for (name, entry) in events {
            let event = &catalog.events[name];
            assert_eq!(entry["event_type"], json!(event.event_type));
            assert_eq!(entry["category"], json!(event.category));
            assert_eq!(entry["group"], json!(event.group));
            let latest = entry["latest"].as_str().expect("latest");
            let versions = entry["versions"].as_object().expect("versions");
            assert!(versions.contains_key(latest), "{label}: {name} latest");
            for file in versions.values() {
                let path = format!("schemas/{}", file.as_str().expect("path"));
                assert!(paths.contains(path.as_str()), "{label}: {path} not emitted");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Validity: the meta-schema, and compilation with formats asserted

#[test]
fn every_schema_is_valid_against_the_2020_12_meta_schema() {
    for (label, catalog) in all_catalogs() {
        for (path, schema) in schemas(&catalog) {
            assert_eq!(
                schema["$schema"],
                json!(json_schema::DIALECT),
                "{label}: {path}"
            );
            if let Err(error) = jsonschema::draft202012::meta::validate(&schema) {
                panic!(
                    "{label}: {path} violates the meta-schema at {}: {error}",
                    error.instance_path()
                );
            }
        }
    }
}

#[test]
fn every_schema_compiles() {
    for (label, catalog) in all_catalogs() {
        for (path, schema) in schemas(&catalog) {
            if let Err(error) = compile(&schema) {
                panic!("{label}: {path} does not compile: {error}");
            }
        }
    }
}

/// Strict validators need every annotation keyword registered; the published list must hold
/// every `x-` keyword the emitter writes (and nothing it never writes).
#[test]
fn annotation_keywords_are_the_published_list() {
    fn collect(value: &Value, found: &mut BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                for (key, value) in map {
                    if key.starts_with("x-") {
                        found.insert(key.clone());
                    } else {
                        collect(value, found);
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| collect(v, found)),
            _ => {}
        }
    }
    let mut found = BTreeSet::new();
    for (_, catalog) in all_catalogs() {
        for (_, schema) in schemas(&catalog) {
            collect(&schema, &mut found);
        }
    }
    let published: BTreeSet<String> = json_schema::ANNOTATION_KEYWORDS
        .iter()
        .map(|k| (*k).to_owned())
        .collect();
    assert_eq!(found, published);
}

#[test]
fn ids_are_unique_and_the_union_holds_every_event() {
    for (label, catalog) in all_catalogs() {
        let mut ids = BTreeSet::new();
        for (path, schema) in schemas(&catalog) {
            let id = schema["$id"].as_str().expect("$id").to_owned();
            assert!(id.starts_with("urn:eventcat:"), "{label}: {path}: {id}");
            assert!(ids.insert(id), "{label}: {path}: duplicate $id");
        }
        let union = json_schema::union(&catalog);
        let defs = union["$defs"].as_object().expect("$defs");
        for event in catalog.events.values() {
            let def = &defs[&format!("{}@{}", event.name, event.version)];
            let mut standalone = json_schema::event_schema(&catalog, event);
            let standalone = standalone.as_object_mut().unwrap();
            for key in ["$schema", "$id", "$comment"] {
                assert!(standalone.remove(key).is_some(), "{label}: {key}");
            }
            assert_eq!(
                def,
                &Value::Object(standalone.clone()),
                "{label}: the union's copy of {} differs from its schema",
                event.name
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Behaviour on the mini catalog

fn checkout() -> Value {
    json!({
        "event_id": "4f9a2c1e-8b3d-4e5f-9a6b-7c8d9e0f1a2b",
        "event_type": "shop.orders",
        "event_name": "checkout.completed",
        "timestamp": "2024-05-01T12:00:00Z",
        "organization_id": "org-1",
        "user_id": "user-1",
        "version": "1.2.0",
        "source": "web",
        "environment": "production",
        "properties": {
            "order_id": "order-1",
            "amount": 12.5,
            "item_count": 2,
            "rating": 5,
            "client_ip": "203.0.113.0",
            "paid_at": "2024-05-01T11:59:58.250+02:00",
            "gift": false,
            "metadata": { "coupon": "SPRING" }
        }
    })
}

fn item_viewed() -> Value {
    json!({
        "event_id": "0b6c0b9e-1d2f-4a3b-8c4d-5e6f7a8b9c0d",
        "event_type": "shop.browsing",
        "event_name": "shop.item_viewed",
        "timestamp": "2024-05-01T12:00:00Z",
        "organization_id": "org-1",
        "version": "1.0.0",
        "source": "web",
        "environment": "staging",
        "properties": {
            "item_id": "sku-1",
            "view_source": "search",
            "dwell_time": 0,
            "tags": ["sale"],
            "referrer": "https://shop.example/home"
        }
    })
}

/// `payload` with the value at `pointer` replaced (`Some`) or removed (`None`).
fn with(mut payload: Value, pointer: &str, value: Option<Value>) -> Value {
    let (parent, key) = pointer.rsplit_once('/').expect("a pointer");
    let key = key.replace("~1", "/").replace("~0", "~");
    let object = payload
        .pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .unwrap_or_else(|| panic!("no object at {parent}"));
    match value {
        Some(value) => {
            object.insert(key, value);
        }
        None => {
            assert!(
                object.remove(&key).is_some(),
                "nothing to remove at {pointer}"
            );
        }
    }
    payload
}

fn errors(validator: &Validator, payload: &Value) -> Vec<(String, String)> {
    validator
        .iter_errors(payload)
        .map(|e| (e.instance_path().to_string(), e.to_string()))
        .collect()
}

fn assert_valid(validator: &Validator, payload: &Value, what: &str) {
    let errors = errors(validator, payload);
    assert!(errors.is_empty(), "{what}: expected valid, got {errors:#?}");
}

/// Rejected, and for the right reason: some error is about the value at `at`.
fn assert_rejected(validator: &Validator, payload: &Value, at: &str, what: &str) {
    assert!(!validator.is_valid(payload), "{what}: expected invalid");
    let errors = errors(validator, payload);
    assert!(
        errors.iter().any(|(path, _)| path == at),
        "{what}: no error at {at}: {errors:#?}"
    );
}

#[test]
fn valid_payloads_pass() {
    let catalog = mini();
    let checkout_schema = event_validator(&catalog, "checkout.completed");
    assert_valid(&checkout_schema, &checkout(), "checkout.completed sample");
    let viewed = event_validator(&catalog, "shop.item_viewed");
    assert_valid(&viewed, &item_viewed(), "shop.item_viewed sample");
}

#[test]
fn invalid_payloads_are_rejected_for_the_right_reason() {
    let catalog = mini();
    let v = event_validator(&catalog, "checkout.completed");
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "wrong type",
            with(checkout(), "/properties/amount", Some(json!("12.50"))),
            "/properties/amount",
        ),
        (
            "integer given as a fraction",
            with(checkout(), "/properties/item_count", Some(json!(2.5))),
            "/properties/item_count",
        ),
        (
            "missing required property",
            with(checkout(), "/properties/order_id", None),
            "/properties",
        ),
        (
            "missing required envelope field",
            with(checkout(), "/timestamp", None),
            "",
        ),
        (
            "missing properties object",
            with(checkout(), "/properties", None),
            "",
        ),
        (
            "unknown property",
            with(checkout(), "/properties/email", Some(json!("a@b.example"))),
            "/properties",
        ),
        (
            "unknown envelope field",
            with(checkout(), "/device_id", Some(json!("d-1"))),
            "",
        ),
        (
            "wrong event_name",
            with(checkout(), "/event_name", Some(json!("shop.item_viewed"))),
            "/event_name",
        ),
        (
            "wrong event_type",
            with(checkout(), "/event_type", Some(json!("shop.browsing"))),
            "/event_type",
        ),
        (
            "wrong version",
            with(checkout(), "/version", Some(json!("1.0.0"))),
            "/version",
        ),
        (
            "environment outside the enum",
            with(checkout(), "/environment", Some(json!("qa"))),
            "/environment",
        ),
        (
            "integer below minimum",
            with(checkout(), "/properties/item_count", Some(json!(0))),
            "/properties/item_count",
        ),
        (
            "integer above maximum",
            with(checkout(), "/properties/rating", Some(json!(6))),
            "/properties/rating",
        ),
        (
            "number below minimum",
            with(checkout(), "/properties/amount", Some(json!(-0.01))),
            "/properties/amount",
        ),
        (
            "bad date-time",
            with(
                checkout(),
                "/properties/paid_at",
                Some(json!("2024-05-01 12:00")),
            ),
            "/properties/paid_at",
        ),
        (
            "bad envelope date-time",
            with(checkout(), "/timestamp", Some(json!("yesterday"))),
            "/timestamp",
        ),
        (
            "bad uuid",
            with(checkout(), "/event_id", Some(json!("not-a-uuid"))),
            "/event_id",
        ),
        (
            "string below min_length",
            with(checkout(), "/organization_id", Some(json!(""))),
            "/organization_id",
        ),
        (
            "null where not nullable",
            with(checkout(), "/properties/rating", Some(Value::Null)),
            "/properties/rating",
        ),
        (
            "free-form object given as a string",
            with(checkout(), "/properties/metadata", Some(json!("{}"))),
            "/properties/metadata",
        ),
        ("not an object", json!(["checkout.completed"]), ""),
    ];
    for (what, payload, at) in cases {
        assert_rejected(&v, &payload, at, what);
    }

    let viewed = event_validator(&catalog, "shop.item_viewed");
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "enum value outside the set",
            with(
                item_viewed(),
                "/properties/view_source",
                Some(json!("email")),
            ),
            "/properties/view_source",
        ),
        (
            "array element of the wrong type",
            with(item_viewed(), "/properties/tags", Some(json!(["sale", 3]))),
            "/properties/tags/1",
        ),
        (
            "array given as a string",
            with(item_viewed(), "/properties/tags", Some(json!("sale"))),
            "/properties/tags",
        ),
        (
            "nullable field of the wrong type",
            with(item_viewed(), "/properties/referrer", Some(json!(42))),
            "/properties/referrer",
        ),
    ];
    for (what, payload, at) in cases {
        assert_rejected(&viewed, &payload, at, what);
    }
}

#[test]
fn optional_and_nullable_are_independent() {
    let catalog = mini();
    let v = event_validator(&catalog, "checkout.completed");
    let without_optionals = with(
        with(
            with(checkout(), "/properties/rating", None),
            "/properties/metadata",
            None,
        ),
        "/user_id",
        None,
    );
    assert_valid(&v, &without_optionals, "optional fields absent");

    let viewed = event_validator(&catalog, "shop.item_viewed");
    assert_valid(
        &viewed,
        &with(item_viewed(), "/properties/referrer", Some(Value::Null)),
        "nullable field null",
    );
    assert_valid(
        &viewed,
        &with(item_viewed(), "/properties/referrer", None),
        "optional nullable field absent",
    );
    // Optional does not imply nullable.
    assert_rejected(
        &v,
        &with(checkout(), "/user_id", Some(Value::Null)),
        "/user_id",
        "optional field null",
    );
    // Nullable does not imply optional: dwell_time is neither, and must be present.
    assert_rejected(
        &viewed,
        &with(item_viewed(), "/properties/dwell_time", None),
        "/properties",
        "required field absent",
    );
}

#[test]
fn a_restricted_field_is_accepted_only_in_its_environments() {
    let catalog = mini();
    let v = event_validator(&catalog, "checkout.completed");
    let traced = with(
        checkout(),
        "/properties/debug_trace",
        Some(json!("at checkout.rs:12")),
    );
    for environment in ["production", "staging"] {
        let payload = with(traced.clone(), "/environment", Some(json!(environment)));
        assert_rejected(
            &v,
            &payload,
            "/properties/debug_trace",
            &format!("debug_trace in {environment}"),
        );
    }
    let development = with(traced.clone(), "/environment", Some(json!("development")));
    assert_valid(&v, &development, "debug_trace in development");
    // Fails closed: without an environment nothing proves the field may be sent.
    let unknown = with(traced, "/environment", None);
    assert_rejected(
        &v,
        &unknown,
        "/properties/debug_trace",
        "debug_trace, no environment",
    );
    // The rule does not reject the payloads that simply leave the field out.
    for environment in ["production", "staging", "development"] {
        let payload = with(checkout(), "/environment", Some(json!(environment)));
        assert_valid(&v, &payload, &format!("no debug_trace in {environment}"));
    }
}

#[test]
fn the_union_dispatches_on_event_name_and_version() {
    let catalog = mini();
    let union = validator(&json_schema::union(&catalog));
    assert_valid(&union, &checkout(), "union: checkout.completed");
    assert_valid(&union, &item_viewed(), "union: shop.item_viewed");

    assert_rejected(
        &union,
        &with(checkout(), "/event_name", Some(json!("shop.unknown"))),
        "/event_name",
        "union: unknown event_name",
    );
    assert_rejected(
        &union,
        &with(checkout(), "/event_name", None),
        "",
        "union: no event_name",
    );
    assert_rejected(
        &union,
        &with(checkout(), "/version", Some(json!("9.9.9"))),
        "/version",
        "union: known event, unknown version",
    );

    // For payloads of known events, the union agrees with the event's own schema.
    let own = event_validator(&catalog, "checkout.completed");
    let own_viewed = event_validator(&catalog, "shop.item_viewed");
    let payloads = [
        (checkout(), &own),
        (
            with(checkout(), "/properties/item_count", Some(json!(0))),
            &own,
        ),
        (with(checkout(), "/device_id", Some(json!("d"))), &own),
        (
            with(checkout(), "/properties/debug_trace", Some(json!("t"))),
            &own,
        ),
        (
            with(
                with(checkout(), "/properties/debug_trace", Some(json!("t"))),
                "/environment",
                Some(json!("development")),
            ),
            &own,
        ),
        (
            with(checkout(), "/event_type", Some(json!("shop.browsing"))),
            &own,
        ),
        (item_viewed(), &own_viewed),
        (
            with(item_viewed(), "/properties/referrer", Some(Value::Null)),
            &own_viewed,
        ),
        (
            with(item_viewed(), "/properties/view_source", Some(json!("x"))),
            &own_viewed,
        ),
        (
            with(item_viewed(), "/properties/order_id", Some(json!("o"))),
            &own_viewed,
        ),
    ];
    for (index, (payload, own)) in payloads.iter().enumerate() {
        assert_eq!(
            union.is_valid(payload),
            own.is_valid(payload),
            "payload #{index}: the union and the event's schema disagree on {payload:#}"
        );
    }
}

#[test]
fn the_bundled_stack_trace_is_development_only() {
    let catalog = bundled();
    let schema = json_schema::event_schema(&catalog, &catalog.events["system.error_occurred"]);
    let v = validator(&schema);
    let payload = json!({
        "event_id": "4f9a2c1e-8b3d-4e5f-9a6b-7c8d9e0f1a2b",
        "event_type": catalog.events["system.error_occurred"].event_type,
        "event_name": "system.error_occurred",
        "timestamp": "2024-05-01T12:00:00Z",
        "organization_id": "org-1",
        "version": catalog.events["system.error_occurred"].version.to_string(),
        "source": "api",
        "environment": "development",
        "properties": {
            "error_id": "e-1",
            "error_type": "database",
            "error_severity": "high",
            "error_message": "connection refused",
            "service_name": "api",
            "environment": "production",
            "stack_trace": "at db.rs:1",
            "timestamp": "2024-05-01T12:00:00Z"
        }
    });
    assert_valid(&v, &payload, "stack_trace in development");
    // The envelope's environment decides, not the event's own `environment` property.
    let production = with(payload, "/environment", Some(json!("production")));
    assert_rejected(
        &v,
        &production,
        "/properties/stack_trace",
        "stack_trace in production",
    );
}

// ---------------------------------------------------------------------------------------------
// IR the fixtures do not reach: the emitter stays total and its output stays valid

fn field(name: &str, ty: FieldType) -> Field {
    Field {
        name: name.into(),
        rust_name: name.into(),
        description: format!("The {name}."),
        ty,
        value_type: None,
        optional: true,
        nullable: false,
        unit: None,
        pii: None,
        environments: None,
        examples: Vec::new(),
        line: 0,
    }
}

#[test]
fn unusual_ir_gives_valid_schemas() {
    let mut catalog = mini();
    let event = catalog
        .events
        .get_mut("shop.item_viewed")
        .expect("the mini event");
    let ip = FieldType::String(StringRules {
        format: Some(StringFormat::Ip),
        ..StringRules::default()
    });
    let mut ratio = field(
        "ratio",
        FieldType::Number(NumberRules {
            minimum: Some(0.5),
            maximum: Some(f64::INFINITY),
        }),
    );
    ratio.unit = Some(Unit::Percent);
    ratio.nullable = true;
    ratio.examples = vec![json!(0.75), Value::Null];
    let mut secret = field("secret", FieldType::String(StringRules::default()));
    secret.environments = Some(Vec::new());
    secret.pii = Some(Pii::Hashed);
    let mut codes = field(
        "codes",
        FieldType::Array(Box::new(FieldType::Integer(IntegerRules {
            minimum: Some(-5),
            maximum: None,
        }))),
    );
    codes.nullable = true;
    let mut levels = field(
        "levels",
        FieldType::Enum(EnumType {
            type_name: "Levels".into(),
            variants: Vec::new(),
        }),
    );
    levels.optional = true;
    event.properties.extend([
        field("client", ip.clone()),
        field("peers", FieldType::Array(Box::new(ip))),
        ratio,
        secret,
        codes,
        field("weird/name~x", FieldType::Boolean),
    ]);
    event.properties.push(levels);

    let event = &catalog.events["shop.item_viewed"];
    let schema = json_schema::event_schema(&catalog, event);
    jsonschema::draft202012::meta::validate(&schema).expect("meta-schema valid");
    let v = validator(&schema);
    let props = &schema["properties"]["properties"]["properties"];
    assert_eq!(props["ratio"]["anyOf"][0]["minimum"], json!(0.5));
    assert!(props["ratio"]["anyOf"][0].get("maximum").is_none());

    let base = item_viewed();
    let ok = |pointer: &str, value: Value| with(base.clone(), pointer, Some(value));
    assert_valid(&v, &ok("/properties/client", json!("192.0.2.1")), "ipv4");
    assert_valid(&v, &ok("/properties/client", json!("2001:db8::1")), "ipv6");
    assert_rejected(
        &v,
        &ok("/properties/client", json!("not an ip")),
        "/properties/client",
        "ip",
    );
    assert_rejected(
        &v,
        &ok("/properties/peers", json!(["192.0.2.1", "x"])),
        "/properties/peers/1",
        "ip items",
    );
    assert_valid(&v, &ok("/properties/ratio", Value::Null), "nullable number");
    assert_rejected(
        &v,
        &ok("/properties/ratio", json!(0.25)),
        "/properties/ratio",
        "fractional minimum",
    );
    assert_valid(&v, &ok("/properties/codes", json!([-5, 0])), "int items");
    assert_rejected(
        &v,
        &ok("/properties/codes", json!([-6])),
        // Nullable: the `anyOf` at the field fails as a whole.
        "/properties/codes",
        "int items minimum",
    );
    // Restricted to no environment at all: never sendable.
    for environment in ["production", "development"] {
        let payload = with(
            ok("/properties/secret", json!("x")),
            "/environment",
            Some(json!(environment)),
        );
        assert_rejected(&v, &payload, "/properties/secret", "secret");
    }
    assert_rejected(
        &v,
        &ok("/properties/levels", json!("any")),
        "/properties/levels",
        "empty enum",
    );
    assert_valid(
        &v,
        &ok("/properties/weird~1name~0x", json!(true)),
        "odd name",
    );

    // The union refers to definitions by escaped JSON Pointer; odd event names must resolve.
    let mut renamed = catalog.clone();
    let mut event = renamed.events.remove("shop.item_viewed").expect("event");
    event.name = "shop/odd~name é".into();
    renamed.events.insert(event.name.clone(), event);
    let union = json_schema::union(&renamed);
    jsonschema::draft202012::meta::validate(&union).expect("meta-schema valid union");
    let union = validator(&union);
    let payload = with(item_viewed(), "/event_name", Some(json!("shop/odd~name é")));
    assert_valid(&union, &payload, "odd name through the union");
    let bad = with(payload, "/properties/view_source", Some(json!("nope")));
    assert_rejected(
        &union,
        &bad,
        "/properties/view_source",
        "odd name, bad payload",
    );
    for file in json_schema::files(&renamed) {
        assert!(
            !file.path.contains("..") && file.path.matches('/').count() <= 2,
            "{} escapes its folder",
            file.path
        );
    }

    // An empty catalog: no events, no valid payload, still valid schemas.
    let mut empty = mini();
    empty.events.clear();
    let union = json_schema::union(&empty);
    jsonschema::draft202012::meta::validate(&union).expect("meta-schema valid empty union");
    assert!(!validator(&union).is_valid(&checkout()));
}
