//! Realistic sample payloads for every event, deterministic for a seed.
//!
//! Tests use them for round trips (Rust types, JSON Schema, Ajv), and the validator's benchmark
//! and `eventcat sample` build corpora from them. A valid sample satisfies every rule the schema
//! states: types, enums, ranges, lengths, formats, patterns (through the catalog's examples),
//! privacy forms (anonymized IPs, hashes) and environment restrictions.

use serde_json::{Map, Value, json};

use crate::ir::{Catalog, EnvelopeRole, Event, Field, FieldType};
use crate::model::{Pii, StringFormat};

/// A seeded generator of sample payloads.
#[derive(Debug)]
pub struct Sampler<'a> {
    catalog: &'a Catalog,
    rng: fastrand::Rng,
}

impl<'a> Sampler<'a> {
    pub fn new(catalog: &'a Catalog, seed: u64) -> Self {
        Sampler {
            catalog,
            rng: fastrand::Rng::with_seed(seed),
        }
    }

    /// A valid payload of `event`: envelope and properties.
    pub fn valid(&mut self, event: &Event) -> Value {
        let environment = self.pick_environment();
        let mut payload = Map::new();
        for envelope_field in &self.catalog.envelope.fields {
            let field = &envelope_field.field;
            let value = match envelope_field.role {
                EnvelopeRole::EventName => Some(json!(event.name)),
                EnvelopeRole::EventType => Some(json!(event.event_type)),
                EnvelopeRole::Version => Some(json!(event.version.to_string())),
                EnvelopeRole::Environment => Some(json!(environment)),
                EnvelopeRole::Plain => self.maybe_field(field, &environment),
            };
            if let Some(value) = value {
                payload.insert(field.name.clone(), value);
            }
        }
        let mut properties = Map::new();
        for field in &event.properties {
            if let Some(value) = self.maybe_field(field, &environment) {
                properties.insert(field.name.clone(), value);
            }
        }
        payload.insert("properties".to_owned(), Value::Object(properties));
        Value::Object(payload)
    }

    /// A valid payload of an event picked at random.
    pub fn valid_any(&mut self) -> Value {
        let index = self.rng.usize(..self.catalog.events.len().max(1));
        match self.catalog.events.values().nth(index) {
            Some(event) => self.valid(event),
            None => Value::Null,
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
        if let Some(allowed) = &field.environments {
            if !allowed.iter().any(|e| e == environment) {
                return None;
            }
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
                if let Some(Value::String(example)) = self.example(field) {
                    return json!(example);
                }
                let text = match (rules.format, field.pii) {
                    (Some(StringFormat::Uuid), _) => self.uuid(),
                    (Some(StringFormat::Email), _) => {
                        format!("user{}@example.com", self.rng.u32(..10_000))
                    }
                    (Some(StringFormat::Uri), _) => {
                        format!("https://example.com/{}", self.rng.u32(..1000))
                    }
                    (Some(StringFormat::UriReference), _) => {
                        format!("/path/{}", self.rng.u32(..1000))
                    }
                    (Some(StringFormat::Hostname), _) => {
                        format!("host{}.example.com", self.rng.u32(..100))
                    }
                    (Some(StringFormat::Ipv6), _) => self.ipv6(),
                    (Some(StringFormat::Ipv4 | StringFormat::Ip), _)
                    | (None, Some(Pii::AnonymizedIp)) => self.ipv4(),
                    (None, Some(Pii::Hashed)) => self.hex(64),
                    _ => format!("{}-{}", field.name, self.rng.u32(..100_000)),
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
