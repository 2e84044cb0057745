// The hostile fixture (keyword property names, enum values like `*/` and `3d`, descriptions full
// of comment closers, quotes, backticks and HTML) expands to code that compiles and round-trips.
#![deny(warnings)]

eventcat_macros::include_catalog!("../../../../codegen/tests/fixtures/hostile");

fn main() {
    let payload = serde_json::json!({
        "event_id": "0b0c4b5e-8c1e-4a43-9d7e-3f2f0c9a1b2c",
        "event_type": "weird.oddities",
        "event_name": "weird.keywords",
        "timestamp": "2026-11-26T10:00:00Z",
        "organization_id": "org-1",
        "version": "1.0.0",
        "source": "test",
        "environment": "development",
        "properties": {
            "type": "t",
            "self": "*/",
            "enum": 300,
            "fn": ["crate", "null"],
            "constructor": null
        }
    });
    let event: WeirdKeywords = serde_json::from_value(payload.clone()).unwrap();
    assert_eq!(event.properties.self_, WeirdKeywordsSelf::Empty);
    assert_eq!(event.properties.self_.as_str(), "*/");
    assert_eq!(event.properties.enum_.get(), 300_u16);
    assert_eq!(event.properties.constructor, None);
    assert_eq!(serde_json::to_value(&event).unwrap(), payload);
}
