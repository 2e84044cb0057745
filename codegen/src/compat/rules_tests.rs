//! The rules table, one case per rule and direction: each case diffs two shapes of an event and
//! asserts the change kind, its verdict under every mode and both policies, and the bump it
//! requires. A last test proves every change kind has a case.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::bump::Bump::{self, Major, Minor, Patch};
use super::diff::{self, Scope};
use super::kind::ChangeKind::{self, *};
use super::mode::{self, Direction, Mode, Policy, Verdict};
use super::shape::{EventShape, read_property};

fn v(text: &str) -> semver::Version {
    semver::Version::parse(text).unwrap()
}

/// An event with one property `p` (or none), an envelope, and every event-level fact.
fn event(property: Option<(Value, bool)>) -> EventShape {
    let mut inner = serde_json::Map::new();
    let mut required = Vec::new();
    if let Some((schema, is_required)) = &property {
        inner.insert("p".into(), schema.clone());
        if *is_required {
            required.push(json!("p"));
        }
    }
    let mut shape = EventShape::from_schema(
        "shop.thing",
        &v("1.0.0"),
        &json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "shop.thing 1.0.0",
            "description": "A thing happened.",
            "x-event-type": "shop.things",
            "x-category": "shop",
            "x-group": "things",
            "x-retention": { "policy": "short", "retention_period": "30_days" },
            "type": "object",
            "properties": {
                "event_name": { "const": "shop.thing" },
                "event_type": { "const": "shop.things" },
                "version": { "const": "1.0.0" },
                "environment": { "type": "string", "enum": ["production", "staging", "development"] },
                "source": { "type": "string", "description": "Sender." },
                "properties": {
                    "type": "object",
                    "properties": inner,
                    "required": required,
                    "additionalProperties": false
                }
            },
            "required": ["event_name", "event_type", "version", "environment", "source", "properties"],
            "additionalProperties": false
        }),
    )
    .unwrap();
    shape.trigger = Some("When it happens.".into());
    shape.usage = Some(vec!["Count things".into()]);
    shape
}

/// Compatibility per direction as written in the table: `C` or `I`, backward then forward.
fn parse(directions: &str) -> [bool; 2] {
    let chars: Vec<char> = directions.chars().collect();
    [chars[0] == 'C', chars[1] == 'C']
}

struct Case {
    name: &'static str,
    old: EventShape,
    new: EventShape,
    kind: ChangeKind,
    scope: Scope,
    /// Backward and forward under the strict policy, e.g. "CI".
    strict: &'static str,
    /// The same under the lenient policy.
    lenient: &'static str,
    /// The required bump under backward, forward and full (strict).
    bumps: [Bump; 3],
}

fn property_case(
    name: &'static str,
    old: Option<(Value, bool)>,
    new: Option<(Value, bool)>,
    kind: ChangeKind,
    strict: &'static str,
    lenient: &'static str,
    bumps: [Bump; 3],
) -> Case {
    Case {
        name,
        old: event(old),
        new: event(new),
        kind,
        scope: Scope::Property,
        strict,
        lenient,
        bumps,
    }
}

fn event_case(
    name: &'static str,
    change: fn(&mut EventShape),
    kind: ChangeKind,
    scope: Scope,
    strict: &'static str,
    lenient: &'static str,
    bumps: [Bump; 3],
) -> Case {
    let old = event(Some((json!({ "type": "string" }), true)));
    let mut new = old.clone();
    change(&mut new);
    Case {
        name,
        old,
        new,
        kind,
        scope,
        strict,
        lenient,
        bumps,
    }
}

fn req(schema: Value) -> Option<(Value, bool)> {
    Some((schema, true))
}

fn opt(schema: Value) -> Option<(Value, bool)> {
    Some((schema, false))
}

const TIGHTENED: [Bump; 3] = [Major, Minor, Major];
const LOOSENED: [Bump; 3] = [Minor, Major, Major];
const BREAKING: [Bump; 3] = [Major, Major, Major];
const COMPATIBLE: [Bump; 3] = [Minor, Minor, Minor];
const DOCS: [Bump; 3] = [Patch, Patch, Patch];

fn cases() -> Vec<Case> {
    let s = || json!({ "type": "string" });
    let int = |extra: Value| {
        let mut schema = json!({ "type": "integer" });
        schema
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        schema
    };
    let string = |extra: Value| {
        let mut schema = json!({ "type": "string" });
        schema
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        schema
    };
    let nullable = |inner: Value| json!({ "anyOf": [inner, { "type": "null" }] });
    let with = |mut schema: Value, key: &str, value: Value| {
        schema.as_object_mut().unwrap().insert(key.into(), value);
        schema
    };
    vec![
        // The content model: properties added and removed, both ways.
        property_case(
            "optional property added",
            None,
            opt(s()),
            OptionalPropertyAddedToUnopenContentModel,
            "CI",
            "CC",
            LOOSENED,
        ),
        property_case(
            "optional property removed",
            opt(s()),
            None,
            PropertyRemovedFromClosedContentModel,
            "IC",
            "CC",
            TIGHTENED,
        ),
        property_case(
            "required property added",
            None,
            req(s()),
            RequiredPropertyAddedToUnopenContentModel,
            "II",
            "IC",
            BREAKING,
        ),
        property_case(
            "required property removed",
            req(s()),
            None,
            PropertyRemovedFromClosedContentModel,
            "II",
            "CI",
            BREAKING,
        ),
        // Requiredness and nullability.
        property_case(
            "optional became required",
            opt(s()),
            req(s()),
            RequiredAttributeAdded,
            "IC",
            "IC",
            TIGHTENED,
        ),
        property_case(
            "required became optional",
            req(s()),
            opt(s()),
            RequiredAttributeRemoved,
            "CI",
            "CI",
            LOOSENED,
        ),
        property_case(
            "became nullable",
            req(s()),
            req(nullable(s())),
            SumTypeExtended,
            "CI",
            "CI",
            LOOSENED,
        ),
        property_case(
            "no longer nullable",
            req(nullable(s())),
            req(s()),
            SumTypeNarrowed,
            "IC",
            "IC",
            TIGHTENED,
        ),
        // Types.
        property_case(
            "integer widened to number",
            req(int(json!({}))),
            req(json!({ "type": "number" })),
            TypeExtended,
            "CI",
            "CI",
            LOOSENED,
        ),
        property_case(
            "number narrowed to integer",
            req(json!({ "type": "number" })),
            req(int(json!({}))),
            TypeNarrowed,
            "IC",
            "IC",
            TIGHTENED,
        ),
        property_case(
            "string changed to integer",
            req(s()),
            req(int(json!({}))),
            TypeChanged,
            "II",
            "II",
            BREAKING,
        ),
        property_case(
            "integer changed to boolean",
            req(int(json!({}))),
            req(json!({ "type": "boolean" })),
            TypeChanged,
            "II",
            "II",
            BREAKING,
        ),
        property_case(
            "array items changed type",
            req(json!({ "type": "array", "items": { "type": "string" } })),
            req(json!({ "type": "array", "items": { "type": "integer" } })),
            TypeChanged,
            "II",
            "II",
            BREAKING,
        ),
        // Enums and constants.
        property_case(
            "enum value added",
            req(string(json!({ "enum": ["a", "b"] }))),
            req(string(json!({ "enum": ["a", "b", "c"] }))),
            EnumArrayExtended,
            "CI",
            "CI",
            LOOSENED,
        ),
        property_case(
            "enum value removed",
            req(string(json!({ "enum": ["a", "b"] }))),
            req(string(json!({ "enum": ["a"] }))),
            EnumArrayNarrowed,
            "IC",
            "IC",
            TIGHTENED,
        ),
        property_case(
            "enum opened to any string",
            req(string(json!({ "enum": ["a"] }))),
            req(s()),
            EnumArrayExtended,
            "CI",
            "CI",
            LOOSENED,
        ),
        property_case(
            "string closed to an enum",
            req(s()),
            req(string(json!({ "enum": ["a"] }))),
            EnumArrayNarrowed,
            "IC",
            "IC",
            TIGHTENED,
        ),
        property_case(
            "array item enum value added",
            req(json!({ "type": "array", "items": { "type": "string", "enum": ["a"] } })),
            req(json!({ "type": "array", "items": { "type": "string", "enum": ["a", "b"] } })),
            EnumArrayExtended,
            "CI",
            "CI",
            LOOSENED,
        ),
        property_case(
            "constant changed",
            req(json!({ "const": "x" })),
            req(json!({ "const": "y" })),
            EnumArrayChanged,
            "II",
            "II",
            BREAKING,
        ),
        // Ranges.
        property_case(
            "minimum added",
            req(int(json!({}))),
            req(int(json!({ "minimum": 0 }))),
            MinimumAdded,
            "IC",
            "IC",
            TIGHTENED,
        ),
        property_case(
            "minimum removed",
            req(int(json!({ "minimum": 0 }))),
            req(int(json!({}))),
            MinimumRemoved,
            "CI",
            "CI",
            LOOSENED,
        ),
        property_case(
            "minimum increased",
            req(int(json!({ "minimum": 0 }))),
            req(int(json!({ "minimum": 1 }))),
            MinimumIncreased,
            "IC",
            "IC",
            TIGHTENED,
        ),
        property_case(
            "minimum decreased",
            req(int(json!({ "minimum": 1 }))),
            req(int(json!({ "minimum": 0 }))),
            MinimumDecreased,
            "CI",
            "CI",
            LOOSENED,
        ),
        property_case(
            "maximum added",
            req(int(json!({}))),
            req(int(json!({ "maximum": 10 }))),
            MaximumAdded,
            "IC",
            "IC",
            TIGHTENED,
        ),
        property_case(
            "maximum removed",
            req(int(json!({ "maximum": 10 }))),
            req(int(json!({}))),
            MaximumRemoved,
            "CI",
            "CI",
            LOOSENED,
        ),
        property_case(
            "maximum increased",
            req(int(json!({ "maximum": 10 }))),
            req(int(json!({ "maximum": 100 }))),
            MaximumIncreased,
            "CI",
            "CI",
            LOOSENED,
        ),
        property_case(
            "maximum decreased",
            req(int(json!({ "maximum": 100 }))),
            req(int(json!({ "maximum": 50 }))),
            MaximumDecreased,
            "IC",
            "IC",
            TIGHTENED,
        ),
        // Lengths, patterns, formats.
        property_case(
            "min length added",
            req(s()),
            req(string(json!({ "minLength": 1 }))),
            MinLengthAdded,
            "IC",
            "IC",
            TIGHTENED,
        ),
        property_case(
            "min length removed",
            req(string(json!({ "minLength": 1 }))),
            req(s()),
            MinLengthRemoved,
            "CI",
            "CI",
            LOOSENED,
        ),
        property_case(
            "min length increased",
            req(string(json!({ "minLength": 1 }))),
            req(string(json!({ "minLength": 2 }))),
            MinLengthIncreased,
            "IC",
            "IC",
            TIGHTENED,
        ),
        property_case(
            "min length decreased",
            req(string(json!({ "minLength": 2 }))),
            req(string(json!({ "minLength": 1 }))),
            MinLengthDecreased,
            "CI",
            "CI",
            LOOSENED,
        ),
        property_case(
            "max length added",
            req(s()),
            req(string(json!({ "maxLength": 9 }))),
            MaxLengthAdded,
            "IC",
            "IC",
            TIGHTENED,
        ),
        property_case(
            "max length removed",
            req(string(json!({ "maxLength": 9 }))),
            req(s()),
            MaxLengthRemoved,
            "CI",
            "CI",
            LOOSENED,
        ),
        property_case(
            "max length increased",
            req(string(json!({ "maxLength": 9 }))),
            req(string(json!({ "maxLength": 99 }))),
            MaxLengthIncreased,
            "CI",
            "CI",
            LOOSENED,
        ),
        property_case(
            "max length decreased",
            req(string(json!({ "maxLength": 99 }))),
            req(string(json!({ "maxLength": 9 }))),
            MaxLengthDecreased,
            "IC",
            "IC",
            TIGHTENED,
        ),
        property_case(
            "pattern added",
            req(s()),
            req(string(json!({ "pattern": "^a" }))),
            PatternAdded,
            "IC",
            "IC",
            TIGHTENED,
        ),
        property_case(
            "pattern removed",
            req(string(json!({ "pattern": "^a" }))),
            req(s()),
            PatternRemoved,
            "CI",
            "CI",
            LOOSENED,
        ),
        property_case(
            "pattern changed",
            req(string(json!({ "pattern": "^a" }))),
            req(string(json!({ "pattern": "^b" }))),
            PatternChanged,
            "II",
            "II",
            BREAKING,
        ),
        property_case(
            "privacy form added",
            req(s()),
            req(string(
                json!({ "anyOf": [{ "pattern": "\\.0$" }, { "format": "ipv6" }] }),
            )),
            PatternAdded,
            "IC",
            "IC",
            TIGHTENED,
        ),
        property_case(
            "string became a date-time",
            req(s()),
            req(string(json!({ "format": "date-time" }))),
            FormatAdded,
            "IC",
            "IC",
            TIGHTENED,
        ),
        property_case(
            "date-time became a string",
            req(string(json!({ "format": "date-time" }))),
            req(s()),
            FormatRemoved,
            "CI",
            "CI",
            LOOSENED,
        ),
        property_case(
            "format changed",
            req(string(json!({ "format": "uuid" }))),
            req(string(json!({ "format": "email" }))),
            FormatChanged,
            "II",
            "II",
            BREAKING,
        ),
        // Meaning: units, privacy, environments.
        property_case(
            "unit changed",
            req(with(int(json!({})), "x-unit", json!("seconds"))),
            req(with(int(json!({})), "x-unit", json!("minutes"))),
            UnitChanged,
            "II",
            "II",
            BREAKING,
        ),
        property_case(
            "unit added",
            req(int(json!({}))),
            req(with(int(json!({})), "x-unit", json!("ms"))),
            UnitAdded,
            "CC",
            "CC",
            COMPATIBLE,
        ),
        property_case(
            "unit removed",
            req(with(int(json!({})), "x-unit", json!("ms"))),
            req(int(json!({}))),
            UnitRemoved,
            "CC",
            "CC",
            COMPATIBLE,
        ),
        property_case(
            "value now hashed",
            req(s()),
            req(with(s(), "x-pii", json!("hashed"))),
            PiiHandlingChanged,
            "II",
            "II",
            BREAKING,
        ),
        property_case(
            "value no longer anonymized",
            req(with(s(), "x-pii", json!("anonymized_ip"))),
            req(s()),
            PiiHandlingChanged,
            "II",
            "II",
            BREAKING,
        ),
        property_case(
            "classified as an identifier",
            req(s()),
            req(with(s(), "x-pii", json!("identifier"))),
            PiiClassificationChanged,
            "CC",
            "CC",
            COMPATIBLE,
        ),
        property_case(
            "identifier reclassified as free text",
            req(with(s(), "x-pii", json!("identifier"))),
            req(with(s(), "x-pii", json!("free_text"))),
            PiiClassificationChanged,
            "CC",
            "CC",
            COMPATIBLE,
        ),
        property_case(
            "restricted to some environments",
            opt(s()),
            opt(with(s(), "x-environments", json!(["development"]))),
            EnvironmentsNarrowed,
            "IC",
            "IC",
            TIGHTENED,
        ),
        property_case(
            "restriction lifted",
            opt(with(s(), "x-environments", json!(["development"]))),
            opt(s()),
            EnvironmentsExtended,
            "CI",
            "CI",
            LOOSENED,
        ),
        property_case(
            "one more environment",
            opt(with(s(), "x-environments", json!(["development"]))),
            opt(with(
                s(),
                "x-environments",
                json!(["development", "staging"]),
            )),
            EnvironmentsExtended,
            "CI",
            "CI",
            LOOSENED,
        ),
        property_case(
            "one environment fewer",
            opt(with(
                s(),
                "x-environments",
                json!(["development", "staging"]),
            )),
            opt(with(s(), "x-environments", json!(["development"]))),
            EnvironmentsNarrowed,
            "IC",
            "IC",
            TIGHTENED,
        ),
        property_case(
            "other environments",
            opt(with(s(), "x-environments", json!(["development"]))),
            opt(with(s(), "x-environments", json!(["staging"]))),
            EnvironmentsChanged,
            "II",
            "II",
            BREAKING,
        ),
        // Documentation.
        property_case(
            "examples changed",
            req(with(s(), "examples", json!(["a"]))),
            req(with(s(), "examples", json!(["b"]))),
            ExamplesChanged,
            "CC",
            "CC",
            DOCS,
        ),
        property_case(
            "property description changed",
            req(with(s(), "description", json!("A."))),
            req(with(s(), "description", json!("B."))),
            DescriptionChanged,
            "CC",
            "CC",
            DOCS,
        ),
        // A keyword nobody classified.
        property_case(
            "unclassified keyword added",
            req(s()),
            req(with(s(), "contentEncoding", json!("base64"))),
            UnclassifiedChange,
            "II",
            "II",
            BREAKING,
        ),
        // The event itself.
        event_case(
            "event description changed",
            |e| e.description = "Something else.".into(),
            DescriptionChanged,
            Scope::Event,
            "CC",
            "CC",
            DOCS,
        ),
        event_case(
            "trigger changed",
            |e| e.trigger = Some("Later.".into()),
            TriggerChanged,
            Scope::Event,
            "CC",
            "CC",
            DOCS,
        ),
        event_case(
            "usage changed",
            |e| e.usage = Some(vec![]),
            UsageChanged,
            Scope::Event,
            "CC",
            "CC",
            DOCS,
        ),
        event_case(
            "event type changed",
            |e| {
                e.event_type = Some("shop.stuff".into());
                for field in &mut e.envelope {
                    if field.name == "event_type" {
                        field.ty = super::shape::TypeShape::Const(json!("shop.stuff"));
                    }
                }
            },
            EventTypeChanged,
            Scope::Event,
            "II",
            "II",
            BREAKING,
        ),
        event_case(
            "group changed",
            |e| e.group = Some("others".into()),
            EventGroupChanged,
            Scope::Event,
            "CC",
            "CC",
            COMPATIBLE,
        ),
        event_case(
            "retention changed",
            |e| e.retention = Some(json!({ "policy": "long", "retention_period": "7_years" })),
            RetentionChanged,
            Scope::Event,
            "CC",
            "CC",
            COMPATIBLE,
        ),
        // The envelope: the same rules, on the top-level (also closed) object.
        event_case(
            "envelope field removed",
            |e| e.envelope.retain(|f| f.name != "source"),
            PropertyRemovedFromClosedContentModel,
            Scope::Envelope,
            "II",
            "CI",
            BREAKING,
        ),
        event_case(
            "envelope field added",
            |e| {
                e.envelope
                    .push(read_property("region", &json!({ "type": "string" }), false))
            },
            OptionalPropertyAddedToUnopenContentModel,
            Scope::Envelope,
            "CI",
            "CC",
            LOOSENED,
        ),
        event_case(
            "envelope field constrained",
            |e| {
                for field in &mut e.envelope {
                    if field.name == "source" {
                        field.ty = read_property(
                            "source",
                            &json!({ "type": "string", "maxLength": 64 }),
                            true,
                        )
                        .ty;
                    }
                }
            },
            MaxLengthAdded,
            Scope::Envelope,
            "IC",
            "IC",
            TIGHTENED,
        ),
    ]
}

#[test]
fn every_rule_in_both_directions() {
    let modes = [
        Mode::Backward,
        Mode::Forward,
        Mode::Full,
        Mode::BackwardTransitive,
        Mode::ForwardTransitive,
        Mode::FullTransitive,
        Mode::None,
    ];
    let mut failures = Vec::new();
    for case in cases() {
        let changes = diff::diff_events(&case.old, &case.new);
        let [change] = changes.as_slice() else {
            failures.push(format!(
                "{}: expected exactly one change ({}), got {changes:#?}",
                case.name, case.kind
            ));
            continue;
        };
        if change.kind != case.kind || change.scope != case.scope {
            failures.push(format!(
                "{}: expected {} ({:?}), got {} ({:?}): {}",
                case.name, case.kind, case.scope, change.kind, change.scope, change.message
            ));
            continue;
        }
        for (policy, table) in [
            (Policy::Strict, case.strict),
            (Policy::Lenient, case.lenient),
        ] {
            let [backward, forward] = parse(table);
            for mode in modes {
                let expected_ok = mode.directions().iter().all(|d| match d {
                    Direction::Backward => backward,
                    Direction::Forward => forward,
                });
                let verdict = mode::verdict(change.kind, mode, policy, change.was_optional);
                if verdict.is_compatible() != expected_ok {
                    failures.push(format!(
                        "{}: under {mode} {policy} expected {}, got {verdict:?}",
                        case.name,
                        if expected_ok {
                            "compatible"
                        } else {
                            "incompatible"
                        }
                    ));
                }
                let bump = mode::required_bump(change.kind, &verdict);
                let expected_bump = match (mode, policy) {
                    (Mode::Backward | Mode::BackwardTransitive, Policy::Strict) => case.bumps[0],
                    (Mode::Forward | Mode::ForwardTransitive, Policy::Strict) => case.bumps[1],
                    (Mode::Full | Mode::FullTransitive, Policy::Strict) => case.bumps[2],
                    // No requirement: documentation is a patch, anything else a minor.
                    (Mode::None, _) => {
                        if case.bumps == DOCS {
                            Patch
                        } else {
                            Minor
                        }
                    }
                    (_, Policy::Lenient) if !expected_ok => Major,
                    (_, Policy::Lenient) => {
                        if case.bumps == DOCS {
                            Patch
                        } else {
                            Minor
                        }
                    }
                };
                if bump != expected_bump {
                    failures.push(format!(
                        "{}: under {mode} {policy} expected {expected_bump} bump, got {bump}",
                        case.name
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_change_kind_has_a_case() {
    let mut covered: BTreeSet<ChangeKind> = cases().iter().map(|c| c.kind).collect();
    // Catalog-level kinds are decided by the comparison, not by a diff of two events; their
    // verdicts are checked here, their detection end to end (tests/compat_git.rs).
    assert!(mode::verdict(EventAdded, Mode::Full, Policy::Strict, true).is_compatible());
    assert_eq!(
        mode::verdict(EventRemoved, Mode::Full, Policy::Strict, true),
        Verdict::Incompatible(vec![Direction::Backward])
    );
    assert!(mode::verdict(EventRemoved, Mode::Forward, Policy::Strict, true).is_compatible());
    covered.insert(EventAdded);
    covered.insert(EventRemoved);
    let all: BTreeSet<ChangeKind> = ChangeKind::ALL.iter().copied().collect();
    let missing: Vec<_> = all.difference(&covered).collect();
    assert!(missing.is_empty(), "kinds without a case: {missing:?}");
}

#[test]
fn the_kind_list_is_complete() {
    // schemars lists every variant; `ChangeKind::ALL` must too.
    let schema = serde_json::to_value(schemars::schema_for!(ChangeKind)).unwrap();
    let variants = schema
        .get("oneOf")
        .or_else(|| schema.get("enum"))
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    assert_eq!(variants, ChangeKind::ALL.len());
}

#[test]
fn a_rename_is_a_removal_plus_an_addition_and_says_so() {
    let old = event(Some((json!({ "type": "string" }), true)));
    let mut new = old.clone();
    new.properties[0].name = "q".into();
    let changes = diff::diff_events(&old, &new);
    let kinds: Vec<ChangeKind> = changes.iter().map(|c| c.kind).collect();
    assert_eq!(
        kinds,
        [
            PropertyRemovedFromClosedContentModel,
            RequiredPropertyAddedToUnopenContentModel
        ]
    );
    assert!(
        changes[0].message.contains("rename"),
        "{}",
        changes[0].message
    );
    assert!(
        changes[1].message.contains("rename of `p`"),
        "{}",
        changes[1].message
    );
    assert_eq!(changes[0].property.as_deref(), Some("p"));
    assert_eq!(changes[1].property.as_deref(), Some("q"));
}

#[test]
fn the_version_constant_is_not_a_change() {
    let old = event(None);
    let mut new = old.clone();
    new.version = v("1.1.0");
    for field in &mut new.envelope {
        if field.name == "version" {
            field.ty = super::shape::TypeShape::Const(json!("1.1.0"));
        }
    }
    assert!(diff::diff_events(&old, &new).is_empty());
}

#[test]
fn a_removed_property_is_located_where_it_was() {
    let mut old = event(None);
    let mut new = event(None);
    for (i, name) in ["a", "b", "c"].iter().enumerate() {
        let mut p = read_property(name, &json!({ "type": "string" }), true);
        p.line = 10 + i as u32;
        old.properties.push(p.clone());
        if *name != "b" {
            // In the new file, `c` moved up to where `b` was.
            p.line = if *name == "c" { 11 } else { 10 };
            new.properties.push(p);
        }
    }
    let changes = diff::diff_events(&old, &new);
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].line, 11);
}

#[test]
fn lenient_lets_a_removed_optional_property_pass_full() {
    let old = event(Some((json!({ "type": "string" }), false)));
    let new = event(None);
    let change = &diff::diff_events(&old, &new)[0];
    assert!(
        mode::verdict(
            change.kind,
            Mode::Full,
            Policy::Lenient,
            change.was_optional
        )
        .is_compatible()
    );
    assert!(
        !mode::verdict(change.kind, Mode::Full, Policy::Strict, change.was_optional)
            .is_compatible()
    );
}
