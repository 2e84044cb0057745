//! The shape of an event: what compatibility depends on, in one normalized form.
//!
//! A shape is read from an event's JSON Schema: our own schemas say everything the contract
//! holds (types, ranges, enums, formats, nullability, requiredness) and carry the rest as `x-`
//! annotations (unit, PII handling, environments, retention), so the same reader serves both
//! sides of every comparison:
//! - the catalog (old or new): the IR is rendered with the schema emitter, then read back
//!   ([`EventShape::from_ir`]), and the YAML-only facts (trigger, usage, lines) are added;
//! - a published version: the file in `generated/schemas/<event>/<version>.json`
//!   ([`EventShape::from_schema`]).
//!
//! Going through the rendered schema on the catalog side too means a keyword the emitter adds
//! later appears on both sides alike, instead of as a phantom difference between a shape built
//! from the IR and one read from JSON. A keyword this reader does not know is kept as an `extra`
//! and compared by value, so it can never change unnoticed.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::emit::json_schema::{self, PROPERTIES_KEY};
use crate::ir::{Catalog, Event};
use crate::model::EventDef;

/// An event version, normalized for comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct EventShape {
    pub name: String,
    pub version: semver::Version,
    pub description: String,
    /// `x-event-type`: the group's `event_type`, a constant of every payload.
    pub event_type: Option<String>,
    pub category: Option<String>,
    pub group: Option<String>,
    /// `x-retention`: the policy and its terms.
    pub retention: Option<Value>,
    /// From the YAML only (a published schema does not say): `None` when unknown.
    pub trigger: Option<String>,
    /// From the YAML only: `None` when unknown.
    pub usage: Option<Vec<String>>,
    /// The envelope's fields (every top-level property but `properties`).
    pub envelope: Vec<PropertyShape>,
    /// The event's own properties, in the catalog's order.
    pub properties: Vec<PropertyShape>,
    /// Top-level keywords this reader does not classify, compared by value.
    pub extra: BTreeMap<String, Value>,
    /// Where the event's keys are in its YAML file (0 when unknown, as for a published schema).
    pub lines: EventLines,
}

/// Lines of an event file's keys, for locating event-level findings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EventLines {
    pub name: u32,
    pub version: u32,
    pub group: u32,
    pub description: u32,
    pub trigger: u32,
    pub usage: u32,
    pub retention: u32,
}

/// A property (or an envelope field), normalized.
#[derive(Debug, Clone, PartialEq)]
pub struct PropertyShape {
    pub name: String,
    pub description: String,
    pub required: bool,
    pub nullable: bool,
    pub ty: TypeShape,
    pub unit: Option<String>,
    pub pii: Option<String>,
    /// `None`: every environment.
    pub environments: Option<Vec<String>>,
    pub examples: Vec<Value>,
    /// Keywords this reader does not classify (keyed by their path in the property's schema).
    pub extra: BTreeMap<String, Value>,
    /// Line of the property's key in its YAML file (0 when unknown).
    pub line: u32,
}

/// What values a property accepts.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeShape {
    /// Strings, enums and date-times (a string with the format `date-time`).
    String(StringShape),
    Integer(Bounds),
    Number(Bounds),
    Boolean,
    Object,
    Array(Box<TypeShape>),
    /// A constant (the envelope fields an event fixes).
    Const(Value),
    /// A schema this reader does not understand, compared by value.
    Unknown(Value),
}

/// The rules of a string.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StringShape {
    /// A closed enum's values; `None` for an open string.
    pub values: Option<Vec<String>>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub pattern: Option<String>,
    /// `date-time`, `uuid`, ..., and `ip` for the catalog's "IPv4 or IPv6".
    pub format: Option<String>,
    /// `anyOf` / `allOf` of patterns and formats (privacy forms such as "an anonymized IPv4
    /// address or an IPv6 address", or a second pattern), by keyword.
    pub forms: BTreeMap<String, Value>,
}

/// Inclusive numeric bounds.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Bounds {
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
}

/// A schema that is not one of ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an eventcat event schema: {0}")]
pub struct ShapeError(pub String);

impl EventShape {
    /// The shape of an event of the catalog, with what only the YAML knows: trigger, usage, and
    /// the lines of its keys (`def` is the event as loaded, when at hand).
    pub fn from_ir(catalog: &Catalog, event: &Event, def: Option<&EventDef>) -> EventShape {
        let schema = json_schema::event_schema(catalog, event);
        let mut shape = EventShape::from_schema(&event.name, &event.version, &schema)
            .unwrap_or_else(|_| EventShape::empty(&event.name, &event.version));
        shape.trigger = Some(event.trigger.trim().to_owned());
        shape.usage = Some(event.usage.iter().map(|u| u.trim().to_owned()).collect());
        for property in &mut shape.properties {
            if let Some(field) = event.properties.iter().find(|f| f.name == property.name) {
                property.line = field.line;
            }
        }
        for field in &mut shape.envelope {
            if let Some(envelope_field) = catalog
                .envelope
                .fields
                .iter()
                .find(|f| f.field.name == field.name)
            {
                field.line = envelope_field.field.line;
            }
        }
        if let Some(def) = def {
            shape.lines = EventLines {
                name: def.name.pos.line,
                version: def.version.pos.line,
                group: def.group.pos.line,
                description: def.description.pos.line,
                trigger: def.trigger.pos.line,
                usage: def.usage.first().map_or(0, |u| u.pos.line),
                retention: def.retention.as_ref().map_or(0, |r| r.pos.line),
            };
        }
        shape
    }

    fn empty(name: &str, version: &semver::Version) -> EventShape {
        EventShape {
            name: name.to_owned(),
            version: version.clone(),
            description: String::new(),
            event_type: None,
            category: None,
            group: None,
            retention: None,
            trigger: None,
            usage: None,
            envelope: Vec::new(),
            properties: Vec::new(),
            extra: BTreeMap::new(),
            lines: EventLines::default(),
        }
    }

    /// Reads the shape of an event version from its JSON Schema (one of ours).
    pub fn from_schema(
        name: &str,
        version: &semver::Version,
        schema: &Value,
    ) -> Result<EventShape, ShapeError> {
        let map = schema
            .as_object()
            .ok_or_else(|| ShapeError("the schema is not an object".into()))?;
        let mut shape = EventShape::empty(name, version);
        let top_required = string_set(map.get("required"));
        let properties = map
            .get("properties")
            .and_then(Value::as_object)
            .ok_or_else(|| ShapeError("it has no `properties`".into()))?;
        let mut found_properties = false;
        for (key, value) in properties {
            if key == PROPERTIES_KEY {
                found_properties = true;
                read_properties_object(value, &mut shape)?;
            } else {
                shape.envelope.push(read_property(
                    key,
                    value,
                    top_required.contains(&key.as_str()),
                ));
            }
        }
        if !found_properties {
            return Err(ShapeError(format!("it has no `{PROPERTIES_KEY}` object")));
        }
        for (key, value) in map {
            match key.as_str() {
                "description" => shape.description = text(value),
                "x-event-type" => shape.event_type = Some(text(value)),
                "x-category" => shape.category = Some(text(value)),
                "x-group" => shape.group = Some(text(value)),
                "x-retention" => shape.retention = Some(value.clone()),
                // Document-level keywords, the envelope handled above, and `allOf`: the privacy
                // rules, derived from each field's `x-environments`, which the fields carry.
                "$schema" | "$id" | "$comment" | "title" | "properties" | "required" | "allOf" => {}
                "type" if value == "object" => {}
                "additionalProperties" if value == &Value::Bool(false) => {}
                _ => {
                    shape.extra.insert(key.clone(), value.clone());
                }
            }
        }
        Ok(shape)
    }

    /// A property by name.
    pub fn property(&self, name: &str) -> Option<&PropertyShape> {
        self.properties.iter().find(|p| p.name == name)
    }
}

fn read_properties_object(value: &Value, shape: &mut EventShape) -> Result<(), ShapeError> {
    let map = value
        .as_object()
        .ok_or_else(|| ShapeError(format!("`{PROPERTIES_KEY}` is not an object")))?;
    let required = string_set(map.get("required"));
    if let Some(properties) = map.get("properties").and_then(Value::as_object) {
        for (key, value) in properties {
            shape
                .properties
                .push(read_property(key, value, required.contains(&key.as_str())));
        }
    }
    for (key, value) in map {
        match key.as_str() {
            "description" | "properties" | "required" => {}
            "type" if value == "object" => {}
            "additionalProperties" if value == &Value::Bool(false) => {}
            _ => {
                shape
                    .extra
                    .insert(format!("{PROPERTIES_KEY}/{key}"), value.clone());
            }
        }
    }
    Ok(())
}

/// One property's schema: annotations on the outside, nullability as
/// `anyOf: [<schema>, {"type": "null"}]`, then the type.
pub fn read_property(name: &str, schema: &Value, required: bool) -> PropertyShape {
    let mut shape = PropertyShape {
        name: name.to_owned(),
        description: String::new(),
        required,
        nullable: false,
        ty: TypeShape::Unknown(schema.clone()),
        unit: None,
        pii: None,
        environments: None,
        examples: Vec::new(),
        extra: BTreeMap::new(),
        line: 0,
    };
    let Some(map) = schema.as_object() else {
        return shape;
    };
    let mut rest = map.clone();
    if let Some(description) = rest.remove("description") {
        shape.description = text(&description);
    }
    if let Some(Value::Array(examples)) = rest.remove("examples") {
        shape.examples = examples;
    }
    shape.unit = rest.remove("x-unit").map(|v| text(&v));
    shape.pii = rest.remove("x-pii").map(|v| text(&v));
    shape.environments = rest.remove("x-environments").map(|v| {
        string_set(Some(&v))
            .into_iter()
            .map(str::to_owned)
            .collect()
    });
    if !rest.contains_key("type") && !rest.contains_key("const") {
        let null_branch = json!({ "type": "null" });
        if let Some(Value::Array(branches)) = rest.get("anyOf")
            && branches.len() == 2
            && branches[1] == null_branch
            && let Value::Object(inner) = branches[0].clone()
        {
            rest.remove("anyOf");
            rest.extend(inner);
            shape.nullable = true;
        }
    }
    let (ty, extra) = read_type(rest, "");
    shape.ty = ty;
    shape.extra = extra;
    shape
}

/// The validating part of a schema; what is left over becomes `extra`, keyed by `prefix`+key.
fn read_type(mut rest: Map<String, Value>, prefix: &str) -> (TypeShape, BTreeMap<String, Value>) {
    if let Some(constant) = rest.remove("const") {
        return (TypeShape::Const(constant), extras(rest, prefix));
    }
    let ty = match rest.get("type").and_then(Value::as_str) {
        Some("string") => {
            rest.remove("type");
            let mut string = StringShape::default();
            if let Some(values) = rest.get("enum").and_then(Value::as_array)
                && values.iter().all(Value::is_string)
            {
                string.values = Some(values.iter().map(text).collect());
                rest.remove("enum");
            }
            string.min_length = take_u64(&mut rest, "minLength");
            string.max_length = take_u64(&mut rest, "maxLength");
            if let Some(Value::String(pattern)) = rest.get("pattern") {
                string.pattern = Some(pattern.clone());
                rest.remove("pattern");
            }
            if let Some(Value::String(format)) = rest.get("format") {
                string.format = Some(format.clone());
                rest.remove("format");
            } else if rest.get("anyOf")
                == Some(&json!([{ "format": "ipv4" }, { "format": "ipv6" }]))
            {
                string.format = Some("ip".into());
                rest.remove("anyOf");
            }
            for keyword in ["anyOf", "allOf"] {
                if rest.get(keyword).is_some_and(is_string_forms)
                    && let Some(forms) = rest.remove(keyword)
                {
                    string.forms.insert(keyword.to_owned(), forms);
                }
            }
            TypeShape::String(string)
        }
        Some(numeric @ ("integer" | "number")) => {
            let integer = numeric == "integer";
            rest.remove("type");
            let bounds = Bounds {
                minimum: take_f64(&mut rest, "minimum"),
                maximum: take_f64(&mut rest, "maximum"),
            };
            if integer {
                TypeShape::Integer(bounds)
            } else {
                TypeShape::Number(bounds)
            }
        }
        Some("boolean") => {
            rest.remove("type");
            TypeShape::Boolean
        }
        Some("object") => {
            rest.remove("type");
            TypeShape::Object
        }
        Some("array") => {
            rest.remove("type");
            let items = match rest.remove("items") {
                Some(Value::Object(items)) => {
                    let (items, item_extra) = read_type(items, &format!("{prefix}items/"));
                    let extra = extras(rest, prefix);
                    let mut all = item_extra;
                    all.extend(extra);
                    return (TypeShape::Array(Box::new(items)), all);
                }
                Some(other) => TypeShape::Unknown(other),
                None => TypeShape::Unknown(Value::Bool(true)),
            };
            TypeShape::Array(Box::new(items))
        }
        _ => return (TypeShape::Unknown(Value::Object(rest)), BTreeMap::new()),
    };
    (ty, extras(rest, prefix))
}

/// A list of subschemas that only hold string patterns and formats.
fn is_string_forms(value: &Value) -> bool {
    value.as_array().is_some_and(|items| {
        !items.is_empty()
            && items.iter().all(|item| {
                item.as_object().is_some_and(|map| {
                    !map.is_empty() && map.keys().all(|k| k == "pattern" || k == "format")
                })
            })
    })
}

fn extras(rest: Map<String, Value>, prefix: &str) -> BTreeMap<String, Value> {
    rest.into_iter()
        .map(|(key, value)| (format!("{prefix}{key}"), value))
        .collect()
}

fn take_u64(map: &mut Map<String, Value>, key: &str) -> Option<u64> {
    let value = map.get(key)?.as_u64()?;
    map.remove(key);
    Some(value)
}

fn take_f64(map: &mut Map<String, Value>, key: &str) -> Option<f64> {
    let value = map.get(key)?.as_f64()?;
    map.remove(key);
    Some(value)
}

fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn string_set(value: Option<&Value>) -> Vec<&str> {
    value
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

impl TypeShape {
    /// The type as the catalog says it, for messages: `string`, `date-time`, `enum`, ...
    pub fn describe(&self) -> String {
        match self {
            TypeShape::String(s) if s.format.as_deref() == Some("date-time") => "date-time".into(),
            TypeShape::String(s) if s.values.is_some() => "enum".into(),
            TypeShape::String(_) => "string".into(),
            TypeShape::Integer(_) => "integer".into(),
            TypeShape::Number(_) => "number".into(),
            TypeShape::Boolean => "boolean".into(),
            TypeShape::Object => "object".into(),
            TypeShape::Array(items) => format!("array of {}", items.describe()),
            TypeShape::Const(value) => format!("constant {value}"),
            TypeShape::Unknown(_) => "an unclassified schema".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> semver::Version {
        semver::Version::parse(text).unwrap()
    }

    #[test]
    fn reads_every_kind_of_property() {
        let p = read_property(
            "size",
            &json!({
                "anyOf": [{ "type": "integer", "minimum": 0, "maximum": 10 }, { "type": "null" }],
                "description": "A size.",
                "x-unit": "bytes",
                "x-pii": "hashed",
                "x-environments": ["development"],
                "examples": [3]
            }),
            false,
        );
        assert!(p.nullable && !p.required);
        assert_eq!(
            p.ty,
            TypeShape::Integer(Bounds {
                minimum: Some(0.0),
                maximum: Some(10.0)
            })
        );
        assert_eq!(p.unit.as_deref(), Some("bytes"));
        assert_eq!(p.pii.as_deref(), Some("hashed"));
        assert_eq!(p.environments, Some(vec!["development".to_owned()]));
        assert_eq!(p.examples, vec![json!(3)]);
        assert!(p.extra.is_empty());

        let ip = read_property(
            "ip",
            &json!({ "type": "string", "anyOf": [{ "format": "ipv4" }, { "format": "ipv6" }] }),
            true,
        );
        assert_eq!(
            ip.ty,
            TypeShape::String(StringShape {
                format: Some("ip".into()),
                ..StringShape::default()
            })
        );

        let tags = read_property(
            "tags",
            &json!({ "type": "array", "items": { "type": "string", "enum": ["a", "b"], "contentEncoding": "x" } }),
            true,
        );
        assert_eq!(
            tags.ty,
            TypeShape::Array(Box::new(TypeShape::String(StringShape {
                values: Some(vec!["a".into(), "b".into()]),
                ..StringShape::default()
            })))
        );
        assert_eq!(tags.extra.get("items/contentEncoding"), Some(&json!("x")));

        let odd = read_property("odd", &json!({ "type": ["string", "integer"] }), true);
        assert!(matches!(odd.ty, TypeShape::Unknown(_)));
    }

    #[test]
    fn the_catalog_and_its_rendered_schema_give_the_same_shape() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini");
        let loaded = crate::load(&dir).unwrap();
        let catalog = crate::ir::lower(&loaded).unwrap();
        for event in catalog.events.values() {
            let def = loaded
                .events
                .iter()
                .find(|e| e.def.name.value == event.name)
                .map(|e| &e.def);
            let from_ir = EventShape::from_ir(&catalog, event, def);
            let schema = json_schema::event_schema(&catalog, event);
            let from_json = EventShape::from_schema(&event.name, &event.version, &schema).unwrap();
            assert_eq!(from_ir.properties.len(), event.properties.len());
            for (shape, field) in from_ir.properties.iter().zip(&event.properties) {
                assert_eq!(shape.name, field.name);
                assert_eq!(shape.required, !field.optional, "{}", field.name);
                assert_eq!(shape.nullable, field.nullable, "{}", field.name);
                assert_eq!(shape.unit.as_deref(), field.unit.map(|u| u.as_str()));
                assert_eq!(shape.pii.as_deref(), field.pii.map(|p| p.as_str()));
                assert_eq!(shape.line, field.line);
                assert!(shape.line > 0);
                assert!(shape.extra.is_empty(), "{}: {:?}", field.name, shape.extra);
                assert!(!matches!(shape.ty, TypeShape::Unknown(_)), "{}", field.name);
            }
            // Published schemas lack only what the YAML alone knows.
            assert_eq!(from_json.properties.len(), from_ir.properties.len());
            for (a, b) in from_json.properties.iter().zip(&from_ir.properties) {
                assert_eq!(a.ty, b.ty);
                assert_eq!(a.required, b.required);
            }
            assert!(from_ir.extra.is_empty(), "{:?}", from_ir.extra);
            assert_eq!(
                from_ir.event_type.as_deref(),
                Some(event.event_type.as_str())
            );
            assert!(from_json.trigger.is_none() && from_ir.trigger.is_some());
            assert!(from_ir.lines.version > 0);
            assert!(from_ir.envelope.iter().any(|f| f.name == "environment"));
        }
        let checkout = &catalog.events["checkout.completed"];
        let shape = EventShape::from_ir(&catalog, checkout, None);
        let version = shape.envelope.iter().find(|f| f.name == "version").unwrap();
        assert_eq!(version.ty, TypeShape::Const(json!("1.2.0")));
        let paid = shape.property("paid_at").unwrap();
        assert_eq!(paid.ty.describe(), "date-time");
    }

    #[test]
    fn a_foreign_schema_is_an_error() {
        assert!(EventShape::from_schema("a.b", &v("1.0.0"), &json!(true)).is_err());
        assert!(EventShape::from_schema("a.b", &v("1.0.0"), &json!({ "properties": {} })).is_err());
    }
}
