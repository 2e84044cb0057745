//! The intermediate representation: one resolved view of the catalog that every emitter reads.
//!
//! Lowering ([`lower()`]) runs after lint has passed. It resolves what the YAML leaves implicit
//! (each event's category, `event_type` and retention policy), refines types (an integer's bounds,
//! an enum as its own type), and chooses every generated name once, here, so the Rust, TypeScript,
//! JSON Schema and Markdown emitters cannot disagree. Emitters never look at the raw model.
//!
//! Events are kept in a `BTreeMap` keyed by name, fields in the catalog's order: both
//! deterministic, so the same catalog always gives byte-identical output.

mod lower;
pub use crate::names;

use std::collections::BTreeMap;

pub use lower::{LowerError, lower};

use crate::model::{Pii, StringFormat, Unit};

/// The whole catalog, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalog {
    pub name: String,
    pub version: semver::Version,
    pub title: String,
    pub description: String,
    pub envelope: Envelope,
    /// In the catalog's order.
    pub retention_policies: indexmap::IndexMap<String, RetentionPolicy>,
    /// In the catalog's order.
    pub categories: Vec<Category>,
    /// Keyed by event name.
    pub events: BTreeMap<String, Event>,
    pub privacy: Vec<String>,
}

impl Catalog {
    /// Events of one category in the catalog's group order; within a group, the group's `order`
    /// first, then the rest by name.
    pub fn events_in<'a>(&'a self, category: &'a Category) -> impl Iterator<Item = &'a Event> {
        category.groups.iter().flat_map(move |group| {
            let listed = group.order.iter().filter_map(|name| self.events.get(name));
            let rest = self
                .events
                .values()
                .filter(move |e| !group.order.contains(&e.name));
            listed
                .chain(rest)
                .filter(move |e| e.category == category.id && e.group == group.id)
        })
    }
}

/// The envelope around every event's properties.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    pub description: String,
    /// In the catalog's order. `event_name`, `event_type` and `version` are among them; their values
    /// are fixed per event (see [`EnvelopeRole`]).
    pub fields: Vec<EnvelopeField>,
    /// The values of the `environment` enum.
    pub environments: Vec<String>,
}

/// A field of the envelope, and what the emitters must do with it.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvelopeField {
    pub field: Field,
    pub role: EnvelopeRole,
}

/// Envelope fields whose value each event fixes, and all the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvelopeRole {
    /// The event's name: a constant per event, and the discriminant of the union.
    EventName,
    /// The event's group `event_type`: a constant per event.
    EventType,
    /// The event's schema version: a constant per event.
    Version,
    /// The deployment environment (privacy rules depend on it).
    Environment,
    /// Any other field.
    Plain,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RetentionPolicy {
    pub id: String,
    pub retention_period: String,
    pub archive_after: String,
    pub compliance_reason: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    pub id: String,
    pub title: String,
    pub description: String,
    pub namespaces: Vec<String>,
    pub retention_rationale: Option<String>,
    pub groups: Vec<Group>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub id: String,
    pub title: String,
    pub event_type: String,
    pub retention_rationale: Option<String>,
    /// Event names in the order the docs present them (the rest follow by name).
    pub order: Vec<String>,
}

/// One event at its current version.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub name: String,
    pub version: semver::Version,
    pub category: String,
    pub group: String,
    pub event_type: String,
    pub description: String,
    pub trigger: String,
    pub usage: Vec<String>,
    /// The id of the retention policy that applies (see `resolve::retention_policy`).
    pub retention: String,
    /// In the catalog's order.
    pub properties: Vec<Field>,
    /// The event file, relative to the catalog root (for findings and docs).
    pub source_file: String,
    pub names: EventNames,
}

/// Generated names of an event, chosen once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventNames {
    /// `UserLogin`: the payload type (Rust type alias, TypeScript type).
    pub type_name: String,
    /// `UserLoginProperties`: the properties struct / interface.
    pub properties_type: String,
}

/// A property of an event or a field of the envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The name in payloads.
    pub name: String,
    /// The name as a Rust field (`type` becomes `type_`); equal to `name` when it is a valid one.
    pub rust_name: String,
    pub description: String,
    pub ty: FieldType,
    /// The generated type of the field's values (of each element, for an array), when they have
    /// rules beyond their JSON type (lengths, a pattern, a format, bounds, a privacy form), e.g.
    /// `UserLoginIpAddress`; see [`crate::names::value_type_of`].
    pub value_type: Option<String>,
    /// May be absent.
    pub optional: bool,
    /// May be `null`.
    pub nullable: bool,
    pub unit: Option<Unit>,
    pub pii: Option<Pii>,
    /// When set, the only environments in which the field may be sent.
    pub environments: Option<Vec<String>>,
    pub examples: Vec<serde_json::Value>,
    /// 1-based line of the property's key in its file (0 when unknown).
    pub line: u32,
}

/// A field's type, refined.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldType {
    String(StringRules),
    /// A closed set of string values, with a generated type name.
    Enum(EnumType),
    Integer(IntegerRules),
    Number(NumberRules),
    Boolean,
    /// An RFC 3339 date-time string.
    DateTime,
    /// A free-form JSON object.
    Object,
    Array(Box<FieldType>),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StringRules {
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub pattern: Option<String>,
    pub format: Option<StringFormat>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumType {
    /// Type name, e.g. `UserLoginLoginMethod` (unique in the catalog).
    pub type_name: String,
    pub variants: Vec<EnumVariant>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumVariant {
    /// The value in payloads.
    pub value: String,
    /// The Rust variant, e.g. `Password`.
    pub rust_name: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IntegerRules {
    pub minimum: Option<i64>,
    pub maximum: Option<i64>,
}

impl IntegerRules {
    /// The narrowest Rust integer type that holds every allowed value: unsigned when the minimum
    /// is at least 0, 64 bits when a bound is missing.
    pub fn rust_type(self) -> &'static str {
        match (self.minimum, self.maximum) {
            (Some(min), Some(max)) if min >= 0 => match max {
                m if m <= i64::from(u8::MAX) => "u8",
                m if m <= i64::from(u16::MAX) => "u16",
                m if m <= i64::from(u32::MAX) => "u32",
                _ => "u64",
            },
            (Some(min), None) if min >= 0 => "u64",
            (Some(min), Some(max)) => {
                if min >= i64::from(i8::MIN) && max <= i64::from(i8::MAX) {
                    "i8"
                } else if min >= i64::from(i16::MIN) && max <= i64::from(i16::MAX) {
                    "i16"
                } else if min >= i64::from(i32::MIN) && max <= i64::from(i32::MAX) {
                    "i32"
                } else {
                    "i64"
                }
            }
            _ => "i64",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct NumberRules {
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
}

impl FieldType {
    /// The catalog's type name (`string`, `integer`, `date-time`, ...) as shown in docs.
    pub fn catalog_name(&self) -> String {
        match self {
            FieldType::String(_) | FieldType::Enum(_) => "string".into(),
            FieldType::Integer(_) => "integer".into(),
            FieldType::Number(_) => "number".into(),
            FieldType::Boolean => "boolean".into(),
            FieldType::DateTime => "date-time".into(),
            FieldType::Object => "object".into(),
            FieldType::Array(items) => format!("array of {}", items.catalog_name()),
        }
    }
}
