//! JSON Schema 2020-12: one closed schema per event version, an index, and a union.
//!
//! The schemas are the contract other ecosystems validate payloads with (Ajv, Python's
//! `jsonschema`, warehouse loaders), so they must compile under the strictest common settings:
//! Ajv's strict mode with no option relaxed. That rules out unknown keywords without a registered
//! vocabulary, non-standard formats, type-specific keywords in a subschema without a `type`, and
//! `required` of a property the same subschema does not declare; every choice below that looks
//! roundabout is there for one of those reasons.
//!
//! Schemas are closed (`additionalProperties: false` on the envelope and on the properties
//! object): a key the catalog does not declare is data the catalog's privacy review never saw.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::{OutputFile, generated_notice};
use crate::ir::{Catalog, EnvelopeField, EnvelopeRole, Event, Field, FieldType, StringRules};
use crate::model::{Pii, StringFormat};

/// The dialect every file declares, so validators never have to guess the draft.
pub const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// The payload key holding the event-specific properties (lint keeps the envelope off it).
pub const PROPERTIES_KEY: &str = "properties";

/// The annotation keywords the schemas carry. Strict validators reject unknown keywords, so a
/// consumer registers these (Ajv: `addVocabulary`); keeping the list here lets tools check it.
pub const ANNOTATION_KEYWORDS: &[&str] = &[
    "x-event-type",
    "x-category",
    "x-group",
    "x-retention",
    "x-unit",
    "x-pii",
    "x-environments",
];

/// Every schema file, plus the index, sorted by path like [`super::all`] so the emitter's own
/// output is deterministic on its own too.
pub fn files(catalog: &Catalog) -> Vec<OutputFile> {
    files_with_history(catalog, &[])
}

/// An event version published earlier, as read back from its file. Published versions are
/// immutable: `generate` never rewrites their files, and passes them here so that the index and
/// the union go on covering every version ever published, not only the catalog's current ones.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedSchema {
    pub event: String,
    pub version: semver::Version,
    /// The whole document, as published.
    pub schema: Value,
}

/// [`files`] for a catalog with a history: the schema of each event's current version, and an
/// index and a union that cover `history` too. A published version equal to an event's current
/// version is the current one (the catalog's rendering of it wins).
pub fn files_with_history(catalog: &Catalog, history: &[PublishedSchema]) -> Vec<OutputFile> {
    let mut files: Vec<OutputFile> = catalog
        .events
        .values()
        .map(|event| {
            OutputFile::new(
                format!("schemas/{}", event_file(event)),
                render(&event_schema(catalog, event)),
            )
        })
        .collect();
    files.push(OutputFile::new(
        "schemas/index.json",
        render(&index_with_history(catalog, history)),
    ));
    files.push(OutputFile::new(
        "schemas/analytics_event.json",
        render(&union_with_history(catalog, history)),
    ));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// The schema of one event version as a standalone document: its own `$id`, so it can be
/// published and referenced on its own, and the dialect, so no validator guesses the draft.
pub fn event_schema(catalog: &Catalog, event: &Event) -> Value {
    let mut schema = Map::new();
    schema.insert("$schema".into(), DIALECT.into());
    schema.insert(
        "$id".into(),
        format!(
            "urn:eventcat:{}:{}:{}",
            uri_escape(&catalog.name),
            uri_escape(&event.name),
            event.version
        )
        .into(),
    );
    schema.insert("$comment".into(), generated_notice(catalog).into());
    schema.extend(event_body(catalog, event));
    Value::Object(schema)
}

/// A machine-readable table of contents: tools that ingest schemas (registries, warehouse
/// loaders) find each event's files and latest version without parsing every schema.
pub fn index(catalog: &Catalog) -> Value {
    index_with_history(catalog, &[])
}

/// [`index`] covering every published version too. Each event lists its versions in semantic
/// version order; an event that left the catalog keeps its entry (its data still exists), with
/// its newest published version as `latest`, the annotations of that schema, and
/// `"retired": true`.
pub fn index_with_history(catalog: &Catalog, history: &[PublishedSchema]) -> Value {
    let mut events = Map::new();
    for (name, versions) in all_versions(catalog, history) {
        let files: Map<String, Value> = versions
            .keys()
            .map(|version| (version.to_string(), schema_path(name, version).into()))
            .collect();
        let entry = match catalog.events.get(name) {
            Some(event) => json!({
                "event_type": event.event_type,
                "category": event.category,
                "group": event.group,
                "latest": event.version.to_string(),
                "versions": files,
            }),
            None => {
                let (latest, newest) = versions
                    .last_key_value()
                    .map(|(version, source)| (version.to_string(), source.body()))
                    .unwrap_or_default();
                let annotation = |key: &str| newest.get(key).cloned().unwrap_or(Value::Null);
                json!({
                    "event_type": annotation("x-event-type"),
                    "category": annotation("x-category"),
                    "group": annotation("x-group"),
                    "latest": latest,
                    "versions": files,
                    "retired": true,
                })
            }
        };
        events.insert(name.to_owned(), entry);
    }
    json!({
        "$comment": generated_notice(catalog),
        "catalog": catalog.name,
        "version": catalog.version.to_string(),
        "events": events,
    })
}

/// One version of an event for the index and the union: the catalog's current one, or one
/// published earlier.
#[derive(Debug, Clone, Copy)]
enum VersionSource<'a> {
    Current(&'a Catalog, &'a Event),
    Published(&'a PublishedSchema),
}

impl VersionSource<'_> {
    /// The schema without its document-level keywords (what the union's `$defs` hold).
    fn body(&self) -> Map<String, Value> {
        match self {
            VersionSource::Current(catalog, event) => event_body(catalog, event),
            VersionSource::Published(published) => {
                let mut body = published.schema.as_object().cloned().unwrap_or_default();
                for key in ["$schema", "$id", "$comment"] {
                    body.remove(key);
                }
                body
            }
        }
    }
}

/// Every event name (the catalog's and those only published), each with its versions ascending.
fn all_versions<'a>(
    catalog: &'a Catalog,
    history: &'a [PublishedSchema],
) -> BTreeMap<&'a str, BTreeMap<semver::Version, VersionSource<'a>>> {
    let mut all: BTreeMap<&str, BTreeMap<semver::Version, VersionSource>> = BTreeMap::new();
    for published in history {
        all.entry(published.event.as_str()).or_default().insert(
            published.version.clone(),
            VersionSource::Published(published),
        );
    }
    for event in catalog.events.values() {
        all.entry(event.name.as_str()).or_default().insert(
            event.version.clone(),
            VersionSource::Current(catalog, event),
        );
    }
    all
}

/// One schema for "any event of the catalog", for consumers that receive a mixed stream.
///
/// It dispatches with `if`/`then` on the discriminants rather than a `oneOf` of all events:
/// `oneOf` would try every event on every payload and, on failure, report every event's errors;
/// `if`/`then` applies exactly the matching event's schema and reports only its errors. An
/// unknown `event_name` fails the top-level enum, and a known name with an unknown version fails
/// the version enum inside its branch, so no payload slips past every branch unchecked.
pub fn union(catalog: &Catalog) -> Value {
    union_with_history(catalog, &[])
}

/// [`union`] covering every published version too: each event's branch lists all its versions,
/// and each version refers to its own schema (a published one exactly as published), so the
/// union keeps accepting the payloads of every version ever published after a bump.
pub fn union_with_history(catalog: &Catalog, history: &[PublishedSchema]) -> Value {
    let all = all_versions(catalog, history);
    let name_key = discriminant(catalog, EnvelopeRole::EventName, "event_name");
    let version_key = discriminant(catalog, EnvelopeRole::Version, "version");

    let names: Vec<Value> = all.keys().map(|n| Value::from(*n)).collect();
    // `enum: []` is rejected by Ajv; with no event, no payload is valid: say so with `false`.
    let name_schema = if names.is_empty() {
        Value::Bool(false)
    } else {
        json!({ "type": "string", "enum": names })
    };
    let mut version_schema = Map::new();
    version_schema.insert("type".into(), "string".into());
    let mut properties = Map::new();
    properties.insert(name_key.clone(), describe(name_schema, catalog, &name_key));
    properties.insert(
        version_key.clone(),
        describe(Value::Object(version_schema), catalog, &version_key),
    );

    let mut defs = Map::new();
    let mut branches = Vec::new();
    for (name, versions) in &all {
        let mut by_version = Vec::new();
        for (version, source) in versions {
            let key = def_key(name, version);
            by_version.push(json!({
                "if": {
                    "properties": { version_key.clone(): { "const": version.to_string() } },
                    "required": [version_key],
                },
                "then": { "$ref": format!("#/$defs/{}", pointer_fragment(&key)) },
            }));
            defs.insert(key, Value::Object(source.body()));
        }
        let listed: Vec<Value> = versions.keys().map(|v| v.to_string().into()).collect();
        branches.push(json!({
            "if": {
                "properties": { name_key.clone(): { "const": name } },
                "required": [name_key],
            },
            "then": {
                "properties": { version_key.clone(): { "enum": listed } },
                "allOf": by_version,
            },
        }));
    }

    let mut schema = Map::new();
    schema.insert("$schema".into(), DIALECT.into());
    schema.insert(
        "$id".into(),
        format!("urn:eventcat:{}:analytics_event", uri_escape(&catalog.name)).into(),
    );
    schema.insert("$comment".into(), generated_notice(catalog).into());
    schema.insert("title".into(), catalog.title.trim().into());
    schema.insert("description".into(), catalog.description.trim().into());
    schema.insert("type".into(), "object".into());
    schema.insert("properties".into(), Value::Object(properties));
    schema.insert("required".into(), json!([name_key, version_key]));
    if !branches.is_empty() {
        schema.insert("allOf".into(), Value::Array(branches));
    }
    if !defs.is_empty() {
        schema.insert("$defs".into(), Value::Object(defs));
    }
    Value::Object(schema)
}

/// The envelope field's description on a union discriminant, so the union documents itself.
fn describe(schema: Value, catalog: &Catalog, field: &str) -> Value {
    let description = catalog
        .envelope
        .fields
        .iter()
        .find(|f| f.field.name == field)
        .map(|f| f.field.description.trim())
        .filter(|d| !d.is_empty());
    match (schema, description) {
        (Value::Object(mut schema), Some(description)) => {
            schema.insert("description".into(), description.into());
            Value::Object(schema)
        }
        (schema, _) => schema,
    }
}

/// Pretty JSON with a final newline. `{:#}` is `to_string_pretty` without the `Result`: a
/// `Value` always serializes, and this way no unreachable error path needs a panic.
fn render(value: &Value) -> String {
    format!("{value:#}\n")
}

/// The file of an event version, relative to `schemas/` (the index and the paths share it).
fn event_file(event: &Event) -> String {
    schema_path(&event.name, &event.version)
}

/// The file of the schema of `event` at `version`, relative to `schemas/`:
/// `<event>/<version>.json`.
pub fn schema_path(event: &str, version: &semver::Version) -> String {
    format!(
        "{}/{}.json",
        path_segment(event),
        path_segment(&version.to_string())
    )
}

/// The `$defs` key of an event version in the union.
fn def_key(name: &str, version: &semver::Version) -> String {
    format!("{name}@{version}")
}

/// The envelope field that plays `role`; lint guarantees it, the fallback keeps odd IR total.
fn discriminant(catalog: &Catalog, role: EnvelopeRole, fallback: &str) -> String {
    catalog
        .envelope
        .fields
        .iter()
        .find(|f| f.role == role)
        .map_or_else(|| fallback.to_owned(), |f| f.field.name.clone())
}

/// Everything but the document-level keywords, so the standalone schema and the union's `$defs`
/// cannot drift apart.
fn event_body(catalog: &Catalog, event: &Event) -> Map<String, Value> {
    let mut body = Map::new();
    body.insert(
        "title".into(),
        format!("{} {}", event.name, event.version).into(),
    );
    body.insert("description".into(), event.description.trim().into());
    body.insert("x-event-type".into(), event.event_type.as_str().into());
    body.insert("x-category".into(), event.category.as_str().into());
    body.insert("x-group".into(), event.group.as_str().into());
    body.insert("x-retention".into(), retention(catalog, event));
    body.insert("type".into(), "object".into());

    let mut properties = Map::new();
    let mut required = Vec::new();
    for envelope_field in &catalog.envelope.fields {
        let field = &envelope_field.field;
        properties.insert(field.name.clone(), envelope_schema(envelope_field, event));
        if !field.optional {
            required.push(Value::from(field.name.as_str()));
        }
    }
    properties.insert(PROPERTIES_KEY.into(), properties_schema(event));
    required.push(PROPERTIES_KEY.into());
    body.insert("properties".into(), Value::Object(properties));
    body.insert("required".into(), Value::Array(required));
    body.insert("additionalProperties".into(), Value::Bool(false));

    let rules = privacy_rules(catalog, event);
    if !rules.is_empty() {
        body.insert("allOf".into(), Value::Array(rules));
    }
    body
}

/// The retention policy inline, so a schema registry can act on it without the catalog.
fn retention(catalog: &Catalog, event: &Event) -> Value {
    match catalog.retention_policies.get(&event.retention) {
        Some(policy) => json!({
            "policy": policy.id,
            "retention_period": policy.retention_period,
            "archive_after": policy.archive_after,
            "compliance_reason": policy.compliance_reason,
        }),
        // Lowering resolves every policy; if it ever did not, keep the id rather than invent.
        None => json!({ "policy": event.retention }),
    }
}

/// Envelope fields whose value the event fixes are constants: a payload of `user.login` that
/// says it is `user.logout` is wrong, not merely another string.
fn envelope_schema(envelope_field: &EnvelopeField, event: &Event) -> Value {
    let field = &envelope_field.field;
    let constant = match envelope_field.role {
        EnvelopeRole::EventName => Some(Value::from(event.name.as_str())),
        EnvelopeRole::EventType => Some(Value::from(event.event_type.as_str())),
        EnvelopeRole::Version => Some(Value::from(event.version.to_string())),
        EnvelopeRole::Environment | EnvelopeRole::Plain => None,
    };
    match constant {
        Some(value) => {
            // Nullable does not apply: the event fixes the value, null is never it.
            let mut schema = Map::new();
            schema.insert("const".into(), value);
            annotate(&mut schema, field);
            Value::Object(schema)
        }
        None => field_schema(field),
    }
}

fn properties_schema(event: &Event) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for field in &event.properties {
        properties.insert(field.name.clone(), field_schema(field));
        if !field.optional {
            required.push(Value::from(field.name.as_str()));
        }
    }
    let mut schema = Map::new();
    schema.insert("type".into(), "object".into());
    schema.insert(
        "description".into(),
        format!("The properties of {}.", event.name).into(),
    );
    schema.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        schema.insert("required".into(), Value::Array(required));
    }
    schema.insert("additionalProperties".into(), Value::Bool(false));
    Value::Object(schema)
}

/// The one mapping from a field to its schema, shared by envelope fields and properties, so a
/// constraint means the same thing wherever it appears.
///
/// Nullable is `anyOf: [<schema>, {"type": "null"}]`, not `"type": [<t>, "null"]`. The type array
/// is only correct while every other keyword ignores `null`, and `enum` does not: a nullable enum
/// would still reject `null` unless `null` were added to the list too, an easy case to miss. The
/// wrapper leaves the inner schema exactly the non-nullable one for every type, each branch has
/// a single `type` (as Ajv's `strictTypes` wants), and it is the form code generators read as
/// "optional value" (pydantic writes the same). Description and annotations sit on the outer
/// object: they describe the field, not a branch, and tools that show a field's docs look there.
///
/// A `pii` kind with a checkable form adds that form to the value's schema ([`privacy_form`]),
/// inside the nullable wrapper, so `null` stays allowed where the field is nullable.
fn field_schema(field: &Field) -> Value {
    let mut value = type_schema(&field.ty);
    privacy_form(&mut value, field);
    let mut schema = if field.nullable {
        let mut outer = Map::new();
        outer.insert(
            "anyOf".into(),
            json!([Value::Object(value), { "type": "null" }]),
        );
        outer
    } else {
        value
    };
    annotate(&mut schema, field);
    Value::Object(schema)
}

/// The patterns the schemas carry for the privacy forms, from the rules every side shares.
pub use eventcat_runtime::privacy::{ANONYMIZED_IPV4_PATTERN, HASHED_PATTERN};

/// The privacy form of a `pii` kind, where a pattern can state it (string values, or the
/// elements of an array of strings):
/// - `hashed`: [`HASHED_PATTERN`];
/// - `anonymized_ip`: an anonymized IPv4 address ([`ANONYMIZED_IPV4_PATTERN`]) or an IPv6
///   address (`format: ipv6`). That the IPv6 address is truncated to /48 is no pattern's job
///   (it has too many textual forms): `eventcat-validate` checks it, reporting
///   `privacy:anonymized_ip`. With `format: ipv4` only the IPv4 pattern applies, with
///   `format: ipv6` nothing is added.
///
/// A field with a pattern of its own keeps it; the privacy pattern joins it under `allOf`.
fn privacy_form(schema: &mut Map<String, Value>, field: &Field) {
    let Some(pii) = field.pii else {
        return;
    };
    let format = match &field.ty {
        FieldType::String(rules) => rules.format,
        FieldType::Array(items) => match (items.as_ref(), schema.get_mut("items")) {
            (FieldType::String(rules), Some(Value::Object(items))) => {
                string_privacy_form(items, pii, rules.format);
                return;
            }
            _ => return,
        },
        _ => return,
    };
    string_privacy_form(schema, pii, format);
}

fn string_privacy_form(schema: &mut Map<String, Value>, pii: Pii, format: Option<StringFormat>) {
    match (pii, format) {
        (Pii::Hashed, _) => add_pattern(schema, HASHED_PATTERN),
        (Pii::AnonymizedIp, Some(StringFormat::Ipv4)) => {
            add_pattern(schema, ANONYMIZED_IPV4_PATTERN);
        }
        // Replaces the plain `ip` spelling (ipv4 or ipv6) in place, keeping the key order.
        (Pii::AnonymizedIp, None | Some(StringFormat::Ip)) => {
            schema.insert(
                "anyOf".into(),
                json!([{ "pattern": ANONYMIZED_IPV4_PATTERN }, { "format": "ipv6" }]),
            );
        }
        _ => {}
    }
}

fn add_pattern(schema: &mut Map<String, Value>, pattern: &str) {
    if !schema.contains_key("pattern") {
        schema.insert("pattern".into(), pattern.into());
        return;
    }
    let entry = json!({ "pattern": pattern });
    match schema.get_mut("allOf") {
        Some(Value::Array(all)) => all.push(entry),
        _ => {
            schema.insert("allOf".into(), json!([entry]));
        }
    }
}

/// What the field means, for people and tools; none of it changes what is valid.
fn annotate(schema: &mut Map<String, Value>, field: &Field) {
    let description = field.description.trim();
    if !description.is_empty() {
        schema.insert("description".into(), description.into());
    }
    if !field.examples.is_empty() {
        schema.insert("examples".into(), Value::Array(field.examples.clone()));
    }
    if let Some(unit) = field.unit {
        schema.insert("x-unit".into(), unit.as_str().into());
    }
    if let Some(pii) = field.pii {
        schema.insert("x-pii".into(), pii.as_str().into());
    }
    if let Some(environments) = &field.environments {
        schema.insert("x-environments".into(), json!(environments));
    }
}

/// The validating part of a field's schema (also the schema of an array's elements).
fn type_schema(ty: &FieldType) -> Map<String, Value> {
    let mut schema = Map::new();
    match ty {
        FieldType::String(rules) => {
            schema.insert("type".into(), "string".into());
            string_rules(&mut schema, rules);
        }
        FieldType::Enum(enumeration) => {
            schema.insert("type".into(), "string".into());
            let values: Vec<Value> = enumeration
                .variants
                .iter()
                .map(|v| Value::from(v.value.as_str()))
                .collect();
            schema.insert("enum".into(), Value::Array(values));
        }
        FieldType::Integer(rules) => {
            schema.insert("type".into(), "integer".into());
            if let Some(minimum) = rules.minimum {
                schema.insert("minimum".into(), minimum.into());
            }
            if let Some(maximum) = rules.maximum {
                schema.insert("maximum".into(), maximum.into());
            }
        }
        FieldType::Number(rules) => {
            schema.insert("type".into(), "number".into());
            if let Some(minimum) = rules.minimum.and_then(number) {
                schema.insert("minimum".into(), minimum);
            }
            if let Some(maximum) = rules.maximum.and_then(number) {
                schema.insert("maximum".into(), maximum);
            }
        }
        FieldType::Boolean => {
            schema.insert("type".into(), "boolean".into());
        }
        FieldType::DateTime => {
            schema.insert("type".into(), "string".into());
            schema.insert("format".into(), "date-time".into());
        }
        FieldType::Object => {
            schema.insert("type".into(), "object".into());
        }
        FieldType::Array(items) => {
            schema.insert("type".into(), "array".into());
            schema.insert("items".into(), Value::Object(type_schema(items)));
        }
    }
    schema
}

fn string_rules(schema: &mut Map<String, Value>, rules: &StringRules) {
    if let Some(min) = rules.min_length {
        schema.insert("minLength".into(), min.into());
    }
    if let Some(max) = rules.max_length {
        schema.insert("maxLength".into(), max.into());
    }
    if let Some(pattern) = &rules.pattern {
        schema.insert("pattern".into(), pattern.as_str().into());
    }
    match rules.format {
        // `ip` is the catalog's "IPv4 or IPv6"; JSON Schema has no such format, and strict
        // validators reject unknown formats, so it is spelled with the two standard ones.
        Some(StringFormat::Ip) => {
            schema.insert(
                "anyOf".into(),
                json!([{ "format": "ipv4" }, { "format": "ipv6" }]),
            );
        }
        Some(format) => {
            schema.insert("format".into(), format.as_str().into());
        }
        None => {}
    }
}

/// A bound as JSON: a whole number as an integer (`0`, not `0.0`) so the output is stable across
/// serializers and reads as written in the catalog. Non-finite bounds bound nothing (and JSON
/// cannot hold them), so they are left out.
pub(crate) fn number(value: f64) -> Option<Value> {
    /// 2^53: beyond it not every integer is an f64, so the conversion would not be exact.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    if !value.is_finite() {
        return None;
    }
    if value.fract() == 0.0 && value.abs() <= EXACT {
        return Some(Value::from(value as i64));
    }
    serde_json::Number::from_f64(value).map(Value::Number)
}

/// The privacy rules a schema can enforce: a field restricted to some environments must be
/// absent from a payload of any other environment (a development stack trace never reaches
/// production storage).
///
/// One `allOf` entry per distinct set of allowed environments, each
/// `if: {environment not in allowed} then: {restricted fields are false}`:
/// - `false` as the field's schema is the plainest "must be absent" that compiles in Ajv strict
///   mode; `not: {required: [...]}` trips `strictRequired` where the field is not declared.
/// - The condition fails closed: a payload without an `environment` also matches `if` (a missing
///   property satisfies `properties`), so it cannot carry the restricted field either.
/// - With no allowed environment at all, or no environment field to test, the fields are
///   forbidden unconditionally rather than the rule silently dropped.
fn privacy_rules(catalog: &Catalog, event: &Event) -> Vec<Value> {
    let environment = catalog
        .envelope
        .fields
        .iter()
        .find(|f| f.role == EnvelopeRole::Environment)
        .map(|f| f.field.name.as_str());

    // (allowed environments, restricted envelope fields, restricted properties), first-seen order.
    let mut groups: Vec<(&[String], Vec<&str>, Vec<&str>)> = Vec::new();
    let fields = catalog
        .envelope
        .fields
        .iter()
        .map(|f| (&f.field, true))
        .chain(event.properties.iter().map(|f| (f, false)));
    for (field, in_envelope) in fields {
        let Some(allowed) = field.environments.as_deref() else {
            continue;
        };
        let index = match groups.iter().position(|(a, _, _)| *a == allowed) {
            Some(index) => index,
            None => {
                groups.push((allowed, Vec::new(), Vec::new()));
                groups.len() - 1
            }
        };
        let group = &mut groups[index];
        if in_envelope {
            group.1.push(field.name.as_str());
        } else {
            group.2.push(field.name.as_str());
        }
    }

    groups
        .into_iter()
        .map(|(allowed, envelope_fields, properties)| {
            let mut forbidden = Map::new();
            for name in &envelope_fields {
                forbidden.insert((*name).to_owned(), Value::Bool(false));
            }
            if !properties.is_empty() {
                let absent: Map<String, Value> = properties
                    .iter()
                    .map(|name| ((*name).to_owned(), Value::Bool(false)))
                    .collect();
                forbidden.insert(
                    PROPERTIES_KEY.into(),
                    json!({ "type": "object", "properties": absent }),
                );
            }
            let names: Vec<&str> = envelope_fields.iter().chain(&properties).copied().collect();
            let forbid = json!({ "properties": forbidden });
            match (environment, allowed.is_empty()) {
                (Some(environment), false) => json!({
                    "$comment": format!(
                        "Privacy: {} may be sent only in {}.",
                        names.join(", "),
                        allowed.join(", ")
                    ),
                    "if": { "properties": { environment: { "not": { "enum": allowed } } } },
                    "then": forbid,
                }),
                _ => {
                    let mut rule = Map::new();
                    rule.insert(
                        "$comment".into(),
                        format!("Privacy: {} may not be sent.", names.join(", ")).into(),
                    );
                    if let Value::Object(forbid) = forbid {
                        rule.extend(forbid);
                    }
                    Value::Object(rule)
                }
            }
        })
        .collect()
}

/// Characters kept as they are in a URN part or a URI fragment: RFC 3986 `pchar` without `%`
/// (which must introduce an escape) and without `/` (which would read as structure).
fn is_uri_safe(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@".contains(c)
}

fn percent_encode(text: &str, keep: impl Fn(char) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if keep(c) {
            out.push(c);
        } else {
            let mut buf = [0; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    out
}

/// Catalog names inside a `$id`: lint keeps them plain, escaping keeps the `$id` a valid URI
/// whatever the IR holds.
fn uri_escape(text: &str) -> String {
    percent_encode(text, is_uri_safe)
}

/// A `$defs` key as a URI fragment: JSON Pointer escaping (`~`, `/`), then percent-encoding.
fn pointer_fragment(key: &str) -> String {
    percent_encode(&key.replace('~', "~0").replace('/', "~1"), is_uri_safe)
}

/// A file or folder name that stays one path segment under `schemas/`: event names never hold
/// separators after lint, but a path must not escape the output folder whatever the IR says.
fn path_segment(text: &str) -> String {
    let segment = percent_encode(text, |c| {
        c.is_ascii_alphanumeric() || "-._@+,;=~!$&'()".contains(c)
    });
    match segment.as_str() {
        "" => "_".to_owned(),
        "." | ".." => segment.replace('.', "%2E"),
        _ => segment,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_render_as_written() {
        assert_eq!(number(0.0), Some(json!(0)));
        assert_eq!(number(-0.0), Some(json!(0)));
        assert_eq!(number(100.0), Some(json!(100)));
        assert_eq!(number(0.5), Some(json!(0.5)));
        assert_eq!(number(f64::NAN), None);
        assert_eq!(number(f64::INFINITY), None);
        assert_eq!(number(1e300), Some(json!(1e300)));
    }

    #[test]
    fn names_cannot_escape_their_place() {
        assert_eq!(path_segment("user.login"), "user.login");
        assert_eq!(path_segment("../etc"), "..%2Fetc");
        assert_eq!(path_segment(".."), "%2E%2E");
        assert_eq!(path_segment(""), "_");
        assert_eq!(uri_escape("a b#c"), "a%20b%23c");
        assert_eq!(pointer_fragment("a/b~c@1.0.0"), "a~1b~0c@1.0.0");
        assert_eq!(pointer_fragment("é"), "%C3%A9");
    }
}
