//! Realistic sample payloads for every event, deterministic for a seed.
//!
//! Tests use them for round trips (Rust types, JSON Schema, Ajv), and the validator's benchmark
//! and `eventcat sample` build corpora from them. A valid sample satisfies every rule the schema
//! states: types, enums, ranges, lengths, formats, patterns (through the catalog's examples),
//! privacy forms (anonymized IPs, hashes) and environment restrictions.
//!
//! An invalid sample is a valid one broken in exactly one known way ([`InvalidKind`]), and says
//! which rule a validator must report and where ([`Broken`]), so tests can check the reasons,
//! not only the verdicts.

use serde_json::{Map, Value, json};

use crate::ir::{Catalog, EnvelopeRole, Event, Field, FieldType};
use crate::model::{Pii, StringFormat};

/// A seeded generator of sample payloads.
#[derive(Debug)]
pub struct Sampler<'a> {
    catalog: &'a Catalog,
    rng: fastrand::Rng,
    /// The events in catalog order, and a shuffled round of indexes into them: every event
    /// comes once per round, so even a short corpus covers the catalog.
    events: Vec<&'a Event>,
    round: Vec<usize>,
}

/// The ways [`Sampler::invalid`] breaks a payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InvalidKind {
    /// A property of the wrong JSON type.
    WrongType,
    /// A required property left out.
    MissingRequired,
    /// A property the catalog does not declare.
    UnknownProperty,
    /// A value outside a closed enum.
    EnumOutOfSet,
    /// A number below its minimum or above its maximum.
    OutOfRange,
    /// A date-time that is not RFC 3339.
    BadDateTime,
    /// An `anonymized_ip` field with a full IPv4 address.
    NonAnonymizedIpv4,
    /// An `anonymized_ip` field with an IPv6 address not truncated to /48 (no JSON Schema
    /// pattern says this; only the validator's own check does).
    NonAnonymizedIpv6,
    /// A `hashed` field with a value that is not a SHA-256 hex digest.
    UnhashedId,
    /// A field restricted to some environments, sent from another.
    RestrictedInProduction,
    /// An `event_name` no catalog event has.
    UnknownEvent,
    /// A known event at a version the catalog does not have.
    UnknownVersion,
    /// A payload cut short: not JSON.
    NotJson,
    /// JSON that is not an object (a string, a number, an array, null).
    NotAnObject,
    /// An object with the same key twice (both values valid: parsers that keep the last, like
    /// `JSON.parse`, see a valid payload).
    DuplicateKey,
}

impl InvalidKind {
    pub const ALL: &'static [InvalidKind] = &[
        InvalidKind::WrongType,
        InvalidKind::MissingRequired,
        InvalidKind::UnknownProperty,
        InvalidKind::EnumOutOfSet,
        InvalidKind::OutOfRange,
        InvalidKind::BadDateTime,
        InvalidKind::NonAnonymizedIpv4,
        InvalidKind::NonAnonymizedIpv6,
        InvalidKind::UnhashedId,
        InvalidKind::RestrictedInProduction,
        InvalidKind::UnknownEvent,
        InvalidKind::UnknownVersion,
        InvalidKind::NotJson,
        InvalidKind::NotAnObject,
        InvalidKind::DuplicateKey,
    ];

    /// A snake_case name, for labels.
    pub fn name(self) -> &'static str {
        match self {
            InvalidKind::WrongType => "wrong_type",
            InvalidKind::MissingRequired => "missing_required",
            InvalidKind::UnknownProperty => "unknown_property",
            InvalidKind::EnumOutOfSet => "enum_out_of_set",
            InvalidKind::OutOfRange => "out_of_range",
            InvalidKind::BadDateTime => "bad_date_time",
            InvalidKind::NonAnonymizedIpv4 => "non_anonymized_ipv4",
            InvalidKind::NonAnonymizedIpv6 => "non_anonymized_ipv6",
            InvalidKind::UnhashedId => "unhashed_id",
            InvalidKind::RestrictedInProduction => "restricted_in_production",
            InvalidKind::UnknownEvent => "unknown_event",
            InvalidKind::UnknownVersion => "unknown_version",
            InvalidKind::NotJson => "not_json",
            InvalidKind::NotAnObject => "not_an_object",
            InvalidKind::DuplicateKey => "duplicate_key",
        }
    }
}

/// One line of a corpus.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The payload as one line of text (no newline).
    pub line: String,
    /// The event it was made from.
    pub event: String,
    pub version: String,
    /// `None` for a valid payload.
    pub broken: Option<Broken>,
}

/// How an invalid sample is broken, and what a validator must say about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    pub kind: InvalidKind,
    /// The rule `eventcat-validate` reports (among possibly others).
    pub rule: &'static str,
    /// The JSON pointer it reports it at.
    pub pointer: String,
}

impl<'a> Sampler<'a> {
    pub fn new(catalog: &'a Catalog, seed: u64) -> Self {
        Sampler {
            catalog,
            rng: fastrand::Rng::with_seed(seed),
            events: catalog.events.values().collect(),
            round: Vec::new(),
        }
    }

    /// A valid payload of `event`: envelope and properties.
    pub fn valid(&mut self, event: &Event) -> Value {
        let environment = self.pick_environment();
        self.valid_in(event, &environment)
    }

    fn valid_in(&mut self, event: &Event, environment: &str) -> Value {
        let mut payload = Map::new();
        for envelope_field in &self.catalog.envelope.fields {
            let field = &envelope_field.field;
            let value = match envelope_field.role {
                EnvelopeRole::EventName => Some(json!(event.name)),
                EnvelopeRole::EventType => Some(json!(event.event_type)),
                EnvelopeRole::Version => Some(json!(event.version.to_string())),
                EnvelopeRole::Environment => Some(json!(environment)),
                EnvelopeRole::Plain => self.maybe_field(field, environment),
            };
            if let Some(value) = value {
                payload.insert(field.name.clone(), value);
            }
        }
        let mut properties = Map::new();
        for field in &event.properties {
            if let Some(value) = self.maybe_field(field, environment) {
                properties.insert(field.name.clone(), value);
            }
        }
        payload.insert("properties".to_owned(), Value::Object(properties));
        Value::Object(payload)
    }

    /// A valid payload of an event picked at random.
    pub fn valid_any(&mut self) -> Value {
        match self.next_event() {
            Some(event) => self.valid(event),
            None => Value::Null,
        }
    }

    /// The next event of the current shuffled round.
    fn next_event(&mut self) -> Option<&'a Event> {
        if self.events.is_empty() {
            return None;
        }
        if self.round.is_empty() {
            self.round = (0..self.events.len()).collect();
            self.rng.shuffle(&mut self.round);
        }
        let index = self.round.pop()?;
        Some(self.events[index])
    }

    /// One corpus line: invalid with probability `invalid_ratio` (broken in a way picked at
    /// random among those the event allows), valid otherwise. `None` only for an empty catalog.
    pub fn sample(&mut self, invalid_ratio: f64) -> Option<Sample> {
        let event = self.next_event()?;
        if self.rng.f64() < invalid_ratio {
            // Every event allows some kinds (unknown version, not JSON, ...): this ends.
            loop {
                let kind = InvalidKind::ALL[self.rng.usize(..InvalidKind::ALL.len())];
                if let Some(sample) = self.invalid(event, kind) {
                    return Some(sample);
                }
            }
        }
        let payload = self.valid(event);
        Some(Sample {
            line: payload.to_string(),
            event: event.name.clone(),
            version: event.version.to_string(),
            broken: None,
        })
    }

    /// A payload of `event` broken in the way `kind` says, or `None` when the event has no
    /// field that can be broken so (no enum, no hashed field, ...).
    pub fn invalid(&mut self, event: &Event, kind: InvalidKind) -> Option<Sample> {
        let catalog = self.catalog;
        let role_key = |role: EnvelopeRole| {
            catalog
                .envelope
                .fields
                .iter()
                .find(|f| f.role == role)
                .map(|f| f.field.name.clone())
        };
        let mut environment = self.pick_environment();
        let mut target: Option<(bool, &Field)> = None;
        match kind {
            InvalidKind::WrongType
            | InvalidKind::MissingRequired
            | InvalidKind::EnumOutOfSet
            | InvalidKind::OutOfRange
            | InvalidKind::BadDateTime
            | InvalidKind::NonAnonymizedIpv4
            | InvalidKind::NonAnonymizedIpv6
            | InvalidKind::UnhashedId
            | InvalidKind::RestrictedInProduction => {
                let candidates: Vec<(bool, &Field)> = self
                    .catalog
                    .envelope
                    .fields
                    .iter()
                    .filter(|f| f.role == EnvelopeRole::Plain)
                    .map(|f| (true, &f.field))
                    .chain(event.properties.iter().map(|f| (false, f)))
                    .filter(|(in_envelope, f)| breakable(kind, *in_envelope, f))
                    .collect();
                if candidates.is_empty() {
                    return None;
                }
                let chosen = candidates[self.rng.usize(..candidates.len())];
                if kind == InvalidKind::RestrictedInProduction {
                    let allowed = chosen.1.environments.as_deref().unwrap_or_default();
                    let envs = &self.catalog.envelope.environments;
                    environment = envs
                        .iter()
                        .find(|e| *e == "production" && !allowed.contains(e))
                        .or_else(|| envs.iter().find(|e| !allowed.contains(e)))?
                        .clone();
                    role_key(EnvelopeRole::Environment)?;
                } else if chosen.1.environments.is_some() {
                    // Break it where it is allowed, so only the intended rule fails.
                    environment = chosen.1.environments.as_ref()?.first()?.clone();
                }
                target = Some(chosen);
            }
            _ => {}
        }

        let mut payload = self.valid_in(event, &environment);
        let sample = |line: String, rule: &'static str, pointer: String| Sample {
            line,
            event: event.name.clone(),
            version: event.version.to_string(),
            broken: Some(Broken {
                kind,
                rule,
                pointer,
            }),
        };

        if let Some((in_envelope, field)) = target {
            let pointer = if in_envelope {
                format!("/{}", escape(&field.name))
            } else {
                format!("/properties/{}", escape(&field.name))
            };
            let object = if in_envelope {
                payload.as_object_mut()?
            } else {
                payload.get_mut("properties")?.as_object_mut()?
            };
            let (value, rule): (Option<Value>, &'static str) = match kind {
                InvalidKind::WrongType => (Some(wrong_type(&field.ty)), "type"),
                InvalidKind::MissingRequired => (None, "required"),
                InvalidKind::EnumOutOfSet => (Some(json!("not_in_the_set")), "enum"),
                InvalidKind::OutOfRange => match &field.ty {
                    FieldType::Integer(rules) => match (rules.minimum, rules.maximum) {
                        (_, Some(max)) if self.rng.bool() || rules.minimum.is_none() => (
                            Some(json!(max.saturating_add(1 + self.rng.i64(0..100)))),
                            "maximum",
                        ),
                        (Some(min), _) => (Some(json!(min.saturating_sub(1))), "minimum"),
                        _ => return None,
                    },
                    FieldType::Number(rules) => match (rules.minimum, rules.maximum) {
                        (_, Some(max)) if self.rng.bool() || rules.minimum.is_none() => {
                            (Some(json!(max + 1.5)), "maximum")
                        }
                        (Some(min), _) => (Some(json!(min - 0.25)), "minimum"),
                        _ => return None,
                    },
                    _ => return None,
                },
                InvalidKind::BadDateTime => {
                    const BAD: &[&str] = &[
                        "yesterday",
                        "2026-13-01T10:00:00Z",
                        "2026-05-01T25:00:00Z",
                        "2026-05-01T10:00:00",
                        "1714560000",
                    ];
                    (Some(json!(BAD[self.rng.usize(..BAD.len())])), "format")
                }
                InvalidKind::NonAnonymizedIpv4 => (
                    Some(json!(format!(
                        "{}.{}.{}.{}",
                        self.rng.u8(1..=223),
                        self.rng.u8(..),
                        self.rng.u8(..),
                        self.rng.u8(1..)
                    ))),
                    "privacy:anonymized_ip",
                ),
                InvalidKind::NonAnonymizedIpv6 => (
                    Some(json!(format!(
                        "2001:db8:{:x}:{:x}::{:x}",
                        self.rng.u16(..),
                        self.rng.u16(1..),
                        self.rng.u16(1..)
                    ))),
                    "privacy:anonymized_ip",
                ),
                InvalidKind::UnhashedId => {
                    let value = match self.rng.u8(..3) {
                        0 => format!("key_live_{}", self.rng.u32(..1_000_000)),
                        1 => self.hex(64).to_uppercase(),
                        _ => self.hex(40), // a SHA-1
                    };
                    (Some(json!(value)), "privacy:hashed")
                }
                InvalidKind::RestrictedInProduction => {
                    (Some(self.value(field, &field.ty)), "privacy:environment")
                }
                _ => return None,
            };
            match value {
                Some(value) => {
                    object.insert(field.name.clone(), value);
                }
                None => {
                    object.shift_remove(&field.name);
                }
            }
            return Some(sample(payload.to_string(), rule, pointer));
        }

        match kind {
            InvalidKind::UnknownProperty => {
                let properties = payload.get_mut("properties")?.as_object_mut()?;
                let key = format!("unexpected_{}", self.rng.u8(..4));
                properties.insert(key.clone(), json!("surprise"));
                Some(sample(
                    payload.to_string(),
                    "additionalProperties",
                    format!("/properties/{key}"),
                ))
            }
            InvalidKind::UnknownEvent => {
                let key = role_key(EnvelopeRole::EventName)?;
                let namespace = event.name.split('.').next().unwrap_or("unknown");
                payload[&key] = json!(format!("{namespace}.no_such_event"));
                Some(sample(
                    payload.to_string(),
                    "envelope:unknown_event",
                    format!("/{}", escape(&key)),
                ))
            }
            InvalidKind::UnknownVersion => {
                let key = role_key(EnvelopeRole::Version)?;
                payload[&key] = json!(format!("{}.0.0", event.version.major + 1));
                Some(sample(
                    payload.to_string(),
                    "envelope:unknown_version",
                    format!("/{}", escape(&key)),
                ))
            }
            InvalidKind::NotJson => {
                let text = payload.to_string();
                // Cut on a character boundary, keeping at least the opening brace.
                let mut cut = self.rng.usize(1..text.len().max(2));
                while !text.is_char_boundary(cut) {
                    cut -= 1;
                }
                Some(sample(text[..cut].to_owned(), "json:syntax", String::new()))
            }
            InvalidKind::NotAnObject => {
                const NOT_OBJECTS: &[&str] = &["\"user.login\"", "42", "[1, 2, 3]", "null", "true"];
                let line = NOT_OBJECTS[self.rng.usize(..NOT_OBJECTS.len())].to_owned();
                Some(sample(line, "envelope:not_object", String::new()))
            }
            InvalidKind::DuplicateKey => {
                let object = payload.as_object()?;
                let (key, value) = object.iter().next()?;
                let text = payload.to_string();
                let pair = format!("{}:{}", Value::from(key.as_str()), value);
                let line = format!("{{{pair},{}", &text[1..]);
                Some(sample(
                    line,
                    "json:duplicate_key",
                    format!("/{}", escape(key)),
                ))
            }
            _ => None,
        }
    }

    fn pick_environment(&mut self) -> String {
        let environments = &self.catalog.envelope.environments;
        if environments.is_empty() {
            return "production".to_owned();
        }
        // Mostly production, as live traffic is.
        if self.rng.u8(..10) < 7 {
            environments[0].clone()
        } else {
            environments[self.rng.usize(..environments.len())].clone()
        }
    }

    /// A value for the field, or `None` when it is optional and left out this time (always left
    /// out when the environment forbids it).
    fn maybe_field(&mut self, field: &Field, environment: &str) -> Option<Value> {
        if let Some(allowed) = &field.environments
            && !allowed.iter().any(|e| e == environment)
        {
            return None;
        }
        if field.optional && self.rng.bool() {
            return None;
        }
        if field.nullable && self.rng.u8(..4) == 0 {
            return Some(Value::Null);
        }
        Some(self.value(field, &field.ty))
    }

    fn value(&mut self, field: &Field, ty: &FieldType) -> Value {
        match ty {
            FieldType::Enum(e) => json!(e.variants[self.rng.usize(..e.variants.len())].value),
            FieldType::String(rules) => {
                // Privacy forms first: a catalog example is not necessarily anonymized or hashed.
                match (field.pii, rules.format) {
                    (Some(Pii::Hashed), _) => return json!(self.hex(64)),
                    (Some(Pii::AnonymizedIp), Some(StringFormat::Ipv6)) => {
                        return json!(self.ipv6());
                    }
                    (Some(Pii::AnonymizedIp), Some(StringFormat::Ipv4)) => {
                        return json!(self.ipv4());
                    }
                    (Some(Pii::AnonymizedIp), None | Some(StringFormat::Ip)) => {
                        // Mostly IPv4, as traffic is; some IPv6 /48 prefixes.
                        return json!(if self.rng.u8(..5) == 0 {
                            self.ipv6()
                        } else {
                            self.ipv4()
                        });
                    }
                    _ => {}
                }
                if let Some(Value::String(example)) = self.example(field) {
                    return json!(example);
                }
                let text = match rules.format {
                    Some(StringFormat::Uuid) => self.uuid(),
                    Some(StringFormat::Email) => {
                        format!("user{}@example.com", self.rng.u32(..10_000))
                    }
                    Some(StringFormat::Uri) => {
                        format!("https://example.com/{}", self.rng.u32(..1000))
                    }
                    Some(StringFormat::UriReference) => {
                        format!("/path/{}", self.rng.u32(..1000))
                    }
                    Some(StringFormat::Hostname) => {
                        format!("host{}.example.com", self.rng.u32(..100))
                    }
                    Some(StringFormat::Ipv6) => self.ipv6(),
                    Some(StringFormat::Ipv4 | StringFormat::Ip) => self.ipv4(),
                    None => format!("{}-{}", field.name, self.rng.u32(..100_000)),
                };
                let min = rules.min_length.unwrap_or(0) as usize;
                let max = rules.max_length.map(|m| m as usize);
                let mut text = text;
                while text.chars().count() < min {
                    text.push('x');
                }
                if let Some(max) = max {
                    text = text.chars().take(max).collect();
                }
                json!(text)
            }
            FieldType::Integer(rules) => {
                if let Some(example @ Value::Number(_)) = self.example(field) {
                    return example;
                }
                let min = rules.minimum.unwrap_or(0);
                let max = rules.maximum.unwrap_or(min.saturating_add(10_000));
                json!(self.rng.i64(min..=max))
            }
            FieldType::Number(rules) => {
                let min = rules.minimum.unwrap_or(0.0);
                let max = rules.maximum.unwrap_or(min + 10_000.0);
                // Two decimals, like money and durations; clamped so rounding stays in range.
                let value = min + (max - min) * self.rng.f64();
                let rounded = ((value * 100.0).round() / 100.0).clamp(min, max);
                json!(rounded)
            }
            FieldType::Boolean => json!(self.rng.bool()),
            FieldType::DateTime => json!(self.timestamp()),
            FieldType::Object => json!({ "key": format!("value-{}", self.rng.u32(..100)) }),
            FieldType::Array(items) => {
                let count = self.rng.usize(1..=3);
                Value::Array((0..count).map(|_| self.value(field, items)).collect())
            }
        }
    }

    fn example(&mut self, field: &Field) -> Option<Value> {
        if field.examples.is_empty() {
            None
        } else {
            Some(field.examples[self.rng.usize(..field.examples.len())].clone())
        }
    }

    fn uuid(&mut self) -> String {
        let hex = self.hex(32);
        // Version 4, RFC 4122 variant.
        format!(
            "{}-{}-4{}-{}{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[13..16],
            ["8", "9", "a", "b"][self.rng.usize(..4)],
            &hex[17..20],
            &hex[20..32]
        )
    }

    fn hex(&mut self, digits: usize) -> String {
        (0..digits)
            .map(|_| char::from_digit(self.rng.u32(..16), 16).unwrap_or('0'))
            .collect()
    }

    /// An anonymized IPv4 address: the last octet zeroed.
    fn ipv4(&mut self) -> String {
        format!(
            "{}.{}.{}.0",
            self.rng.u8(1..=223),
            self.rng.u8(..=255),
            self.rng.u8(..=255)
        )
    }

    /// An anonymized IPv6 address: truncated to its /48 prefix.
    fn ipv6(&mut self) -> String {
        format!("2001:db8:{:x}::", self.rng.u16(..))
    }

    fn timestamp(&mut self) -> String {
        // Whole seconds in 2026, UTC: the form RFC 3339 formatters write back unchanged.
        let day = self.rng.u32(1..=28);
        let month = self.rng.u32(1..=12);
        let hour = self.rng.u32(..24);
        let minute = self.rng.u32(..60);
        let second = self.rng.u32(..60);
        format!("2026-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z")
    }
}

/// Whether `field` can carry the breakage `kind` so that exactly the intended rule fails.
fn breakable(kind: InvalidKind, in_envelope: bool, field: &Field) -> bool {
    // A nullable field's schema is an `anyOf` (the value or null): a bad value fails `anyOf`, not
    // the rule itself. Restricted fields are broken only by the restriction.
    let plain = !field.nullable && field.environments.is_none();
    let ip_format = |formats: &[Option<StringFormat>]| match &field.ty {
        FieldType::String(rules) => formats.contains(&rules.format),
        _ => false,
    };
    match kind {
        InvalidKind::WrongType => plain && !in_envelope,
        InvalidKind::MissingRequired => !field.optional && !in_envelope,
        InvalidKind::EnumOutOfSet => {
            plain && !in_envelope && matches!(field.ty, FieldType::Enum(_))
        }
        InvalidKind::OutOfRange => {
            plain
                && match &field.ty {
                    FieldType::Integer(r) => r.minimum.is_some() || r.maximum.is_some(),
                    FieldType::Number(r) => {
                        r.minimum.is_some_and(f64::is_finite)
                            || r.maximum.is_some_and(f64::is_finite)
                    }
                    _ => false,
                }
        }
        InvalidKind::BadDateTime => plain && matches!(field.ty, FieldType::DateTime),
        InvalidKind::NonAnonymizedIpv4 => {
            plain
                && field.pii == Some(Pii::AnonymizedIp)
                && ip_format(&[None, Some(StringFormat::Ip), Some(StringFormat::Ipv4)])
        }
        InvalidKind::NonAnonymizedIpv6 => {
            plain
                && field.pii == Some(Pii::AnonymizedIp)
                && ip_format(&[None, Some(StringFormat::Ip), Some(StringFormat::Ipv6)])
        }
        InvalidKind::UnhashedId => {
            plain && field.pii == Some(Pii::Hashed) && matches!(field.ty, FieldType::String(_))
        }
        InvalidKind::RestrictedInProduction => field.environments.is_some(),
        _ => false,
    }
}

/// A JSON pointer segment (RFC 6901).
fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// A value of the wrong JSON type for `ty`.
fn wrong_type(ty: &FieldType) -> Value {
    match ty {
        FieldType::String(_) | FieldType::Enum(_) | FieldType::DateTime => Value::from(12345),
        _ => Value::from("not the right type"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled() -> Catalog {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../catalog");
        crate::ir::lower(&crate::load(&dir).unwrap()).unwrap()
    }

    #[test]
    fn the_same_seed_gives_the_same_corpus() {
        let catalog = bundled();
        let corpus = |seed| {
            let mut sampler = Sampler::new(&catalog, seed);
            (0..200)
                .map(|_| sampler.sample(0.3).unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(corpus(5), corpus(5));
        assert_ne!(corpus(5), corpus(6));
    }

    #[test]
    fn every_event_comes_once_per_round() {
        let catalog = bundled();
        let mut sampler = Sampler::new(&catalog, 1);
        let mut names: Vec<String> = (0..catalog.events.len())
            .map(|_| sampler.sample(0.0).unwrap().event)
            .collect();
        names.sort();
        let expected: Vec<String> = catalog.events.keys().cloned().collect();
        assert_eq!(names, expected);
    }

    #[test]
    fn every_kind_applies_to_some_bundled_event() {
        let catalog = bundled();
        let mut sampler = Sampler::new(&catalog, 2);
        for kind in InvalidKind::ALL {
            let made = catalog
                .events
                .values()
                .filter_map(|event| sampler.invalid(event, *kind))
                .count();
            assert!(made > 0, "no bundled event can be broken as {kind:?}");
        }
    }

    #[test]
    fn the_ratio_is_respected() {
        let catalog = bundled();
        let mut sampler = Sampler::new(&catalog, 3);
        let invalid = (0..10_000)
            .filter(|_| sampler.sample(0.1).unwrap().broken.is_some())
            .count();
        assert!((800..1200).contains(&invalid), "{invalid}");
        let mut sampler = Sampler::new(&catalog, 3);
        assert!((0..1000).all(|_| sampler.sample(0.0).unwrap().broken.is_none()));
        assert!((0..1000).all(|_| sampler.sample(1.0).unwrap().broken.is_some()));
    }
}
