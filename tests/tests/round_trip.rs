//! Every event of the bundled catalog, end to end: sample payloads deserialize into the generated
//! Rust types, serialize back to the same JSON, and validate against the checked-in JSON Schema;
//! a payload with a wrong type, a missing required field or an unknown key is rejected by both.

use std::path::{Path, PathBuf};

use auterity_events::AnyEvent;
use eventcat::ir::{Catalog, Event, FieldType};
use serde_json::Value;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn catalog() -> Catalog {
    let loaded = eventcat::load(&workspace().join("catalog")).unwrap();
    eventcat::ir::lower(&loaded).unwrap()
}

fn validator(event: &Event) -> jsonschema::Validator {
    let path = workspace().join(format!(
        "generated/schemas/{}/{}.json",
        event.name, event.version
    ));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run `eventcat generate`)", path.display()));
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn schema_errors(validator: &jsonschema::Validator, payload: &Value) -> Vec<String> {
    validator
        .iter_errors(payload)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn sample_payloads_round_trip_through_rust_and_validate() {
    let catalog = catalog();
    let mut sampler = eventcat::sample::Sampler::new(&catalog, 7);
    for event in catalog.events.values() {
        let validator = validator(event);
        for _ in 0..40 {
            let payload = sampler.valid(event);
            let errors = schema_errors(&validator, &payload);
            assert!(errors.is_empty(), "{}: {errors:?}\n{payload:#}", event.name);
            let typed: AnyEvent = serde_json::from_value(payload.clone())
                .unwrap_or_else(|e| panic!("{}: {e}\n{payload:#}", event.name));
            assert_eq!(typed.event_name(), event.name);
            let back = serde_json::to_value(&typed).unwrap();
            assert_eq!(back, payload, "{} does not round-trip", event.name);
        }
    }
}

/// A value of the wrong JSON type for `ty`.
fn wrong_type(ty: &FieldType) -> Value {
    match ty {
        FieldType::String(_) | FieldType::Enum(_) | FieldType::DateTime => Value::from(12345),
        _ => Value::from("not the right type"),
    }
}

#[test]
fn broken_payloads_are_rejected_by_rust_and_the_schema() {
    let catalog = catalog();
    let mut sampler = eventcat::sample::Sampler::new(&catalog, 11);
    for event in catalog.events.values() {
        let validator = validator(event);
        let valid = sampler.valid(event);
        let required = event
            .properties
            .iter()
            .find(|f| !f.optional)
            .expect("every event has a required property");

        let mut cases: Vec<(&str, Value)> = Vec::new();
        let mut wrong = valid.clone();
        wrong["properties"][&required.name] = wrong_type(&required.ty);
        cases.push(("wrong type", wrong));
        let mut missing = valid.clone();
        missing["properties"]
            .as_object_mut()
            .unwrap()
            .remove(&required.name);
        cases.push(("missing required property", missing));
        let mut unknown = valid.clone();
        unknown["properties"]["not_in_the_catalog"] = Value::from(1);
        cases.push(("unknown property", unknown));
        let mut unknown_envelope = valid.clone();
        unknown_envelope["not_in_the_envelope"] = Value::from(1);
        cases.push(("unknown envelope key", unknown_envelope));
        let mut other_version = valid.clone();
        other_version["version"] = Value::from("0.0.1");
        cases.push(("another version", other_version));

        for (what, payload) in cases {
            assert!(
                !validator.is_valid(&payload),
                "{}: the schema accepts a payload with a {what}",
                event.name
            );
            assert!(
                serde_json::from_value::<AnyEvent>(payload).is_err(),
                "{}: the Rust types accept a payload with a {what}",
                event.name
            );
        }
    }
}

#[test]
fn an_unknown_event_name_is_rejected_by_rust() {
    let payload =
        serde_json::json!({"event_name": "user.flew_away", "version": "1.0.0", "properties": {}});
    let error = serde_json::from_value::<AnyEvent>(payload).unwrap_err();
    assert!(error.to_string().contains("user.flew_away"), "{error}");
}
