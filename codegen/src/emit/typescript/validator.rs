//! `validate.js`: the catalog's rules, lowered from the IR into data at build time, and the
//! entry point `validate` that checks a payload against them with the fixed `checks.js`.
//!
//! The rules say what each event's JSON Schema says (the same mapping from a field to its
//! constraints as [`crate::emit::json_schema`]), in the shape `checks.js` walks: no JSON Schema
//! is compiled in the browser, nothing is evaluated, so it runs under a strict
//! Content-Security-Policy. Catalog text appears only as JSON string values, never as keys, so
//! no name (`__proto__` included) can change an object literal's meaning.

use serde_json::{Map, Value, json};

use super::{Names, js_value, notice_line};
use crate::emit::json_schema::PROPERTIES_KEY;
use crate::ir::{Catalog, EnvelopeRole, Event, Field, FieldType};
use crate::model::Pii;

pub(super) fn validate_js(catalog: &Catalog) -> String {
    let mut out = notice_line(catalog);
    out.push_str(&format!(
        r#"
// The validator of the catalog: `validate(payload)` reports every error with the JSON pointer
// and rule id `eventcat-validate` reports. Its own entry point, so that production bundles that
// do not import it leave it out.

import {{ createValidator }} from "./checks.js";

/** @type {{import("./checks.js").CatalogRules}} */
const RULES = {rules};

const validator = createValidator(RULES);

/**
 * Every error of a parsed payload (`valid` when there is none).
 * @param {{unknown}} payload
 * @returns {{import("./tracker.js").ValidationResult}}
 */
export function validate(payload) {{
  return validator.validate(payload);
}}

/**
 * {{@link validate}} on JSON text; text that is not JSON is a `json:syntax` error.
 * @param {{string}} text
 * @returns {{import("./tracker.js").ValidationResult}}
 */
export function validateJson(text) {{
  return validator.validateJson(text);
}}

/**
 * Whether `payload` is a valid event of the catalog (narrows it to `AnalyticsEvent`).
 * @param {{unknown}} payload
 * @returns {{boolean}}
 */
export function isEvent(payload) {{
  return validator.validate(payload).valid;
}}
"#,
        rules = js_value(&rules(catalog)),
    ));
    out
}

pub(super) fn validate_d_ts(catalog: &Catalog, names: &Names) -> String {
    let result = names.runtime("ValidationResult");
    let error = names.runtime("ValidationError");
    let spec = |base: &str, name: &str| {
        if base == name {
            base.to_owned()
        } else {
            format!("{base} as {name}")
        }
    };
    let mut out = notice_line(catalog);
    out.push_str(&format!(
        r#"
import type {{ AnalyticsEvent }} from "./index.js";
import type {{ {result_spec} }} from "./tracker.js";
export type {{ {error_spec}, {result_spec} }} from "./tracker.js";

/** Every error of a parsed payload, as `eventcat-validate` reports them (`valid` when there is none). */
export declare function validate(payload: unknown): {result};

/** `validate` on JSON text; text that is not JSON is a `json:syntax` error. */
export declare function validateJson(text: string): {result};

/** Whether `payload` is a valid event of the catalog. */
export declare function isEvent(payload: unknown): payload is AnalyticsEvent;
"#,
        result_spec = spec("ValidationResult", &result),
        error_spec = spec("ValidationError", &error),
    ));
    out
}

/// The rules of every event, and the envelope keys dispatch and the privacy rules read.
fn rules(catalog: &Catalog) -> Value {
    let key = |role: EnvelopeRole| {
        catalog
            .envelope
            .fields
            .iter()
            .find(|f| f.role == role)
            .map(|f| f.field.name.clone())
    };
    let events: Vec<Value> = catalog
        .events
        .values()
        .map(|event| event_rule(catalog, event))
        .collect();
    json!({
        "eventNameKey": key(EnvelopeRole::EventName).unwrap_or_else(|| "event_name".into()),
        "versionKey": key(EnvelopeRole::Version).unwrap_or_else(|| "version".into()),
        "propertiesKey": PROPERTIES_KEY,
        "environmentKey": key(EnvelopeRole::Environment),
        "events": events,
    })
}

fn event_rule(catalog: &Catalog, event: &Event) -> Value {
    let envelope: Vec<Value> = catalog
        .envelope
        .fields
        .iter()
        .map(|envelope_field| {
            let field = &envelope_field.field;
            let constant = match envelope_field.role {
                EnvelopeRole::EventName => Some(event.name.clone()),
                EnvelopeRole::EventType => Some(event.event_type.clone()),
                EnvelopeRole::Version => Some(event.version.to_string()),
                EnvelopeRole::Environment | EnvelopeRole::Plain => None,
            };
            match constant {
                // The event fixes the value: never null, whatever the field says.
                Some(value) => {
                    let mut fixed = field.clone();
                    fixed.nullable = false;
                    field_rule(&fixed, json!({ "kind": "const", "value": value }))
                }
                None => field_rule(field, type_rule(&field.ty)),
            }
        })
        .collect();
    let properties: Vec<Value> = event
        .properties
        .iter()
        .map(|field| field_rule(field, type_rule(&field.ty)))
        .collect();
    json!({
        "name": event.name,
        "version": event.version.to_string(),
        "envelope": envelope,
        "properties": properties,
    })
}

fn field_rule(field: &Field, ty: Value) -> Value {
    let mut rule = Map::new();
    rule.insert("name".into(), field.name.as_str().into());
    rule.insert("type".into(), ty);
    rule.insert("optional".into(), field.optional.into());
    rule.insert("nullable".into(), field.nullable.into());
    // Only these two have a form a value can be checked for.
    if let Some(pii @ (Pii::Hashed | Pii::AnonymizedIp)) = field.pii {
        rule.insert("privacy".into(), pii.as_str().into());
    }
    if let Some(environments) = &field.environments {
        rule.insert("environments".into(), json!(environments));
    }
    Value::Object(rule)
}

fn type_rule(ty: &FieldType) -> Value {
    let mut rule = Map::new();
    let kind = match ty {
        FieldType::String(rules) => {
            if let Some(min) = rules.min_length {
                rule.insert("minLength".into(), min.into());
            }
            if let Some(max) = rules.max_length {
                rule.insert("maxLength".into(), max.into());
            }
            if let Some(pattern) = &rules.pattern {
                rule.insert("pattern".into(), pattern.as_str().into());
            }
            if let Some(format) = rules.format {
                rule.insert("format".into(), format.as_str().into());
            }
            "string"
        }
        FieldType::Enum(enum_type) => {
            let values: Vec<&str> = enum_type
                .variants
                .iter()
                .map(|v| v.value.as_str())
                .collect();
            rule.insert("values".into(), json!(values));
            "enum"
        }
        FieldType::Integer(rules) => {
            if let Some(min) = rules.minimum {
                rule.insert("minimum".into(), min.into());
            }
            if let Some(max) = rules.maximum {
                rule.insert("maximum".into(), max.into());
            }
            "integer"
        }
        FieldType::Number(rules) => {
            if let Some(min) = rules.minimum.and_then(bound) {
                rule.insert("minimum".into(), min);
            }
            if let Some(max) = rules.maximum.and_then(bound) {
                rule.insert("maximum".into(), max);
            }
            "number"
        }
        FieldType::Boolean => "boolean",
        FieldType::DateTime => "date-time",
        FieldType::Object => "object",
        FieldType::Array(items) => {
            rule.insert("items".into(), type_rule(items));
            "array"
        }
    };
    let mut out = Map::new();
    out.insert("kind".into(), kind.into());
    out.extend(rule);
    Value::Object(out)
}

/// A number bound as JSON, as the schemas write it: whole numbers as integers, non-finite
/// bounds (which bound nothing) left out.
fn bound(value: f64) -> Option<Value> {
    const EXACT: f64 = 9_007_199_254_740_992.0;
    if !value.is_finite() {
        return None;
    }
    if value.fract() == 0.0 && value.abs() <= EXACT {
        return Some(Value::from(value as i64));
    }
    serde_json::Number::from_f64(value).map(Value::Number)
}
