//! Python: an installable package of pydantic v2 models under `python/`.
//!
//! | file | what it is |
//! |---|---|
//! | `pyproject.toml` | the package (`<catalog>-events`, needs only pydantic) |
//! | `<catalog>_events/models.py` | generated: a model per event's properties and per payload, the envelope as their base, `Literal` types for enums and constants, the `AnalyticsEvent` union discriminated by `event_name` and `version`, `parse_event`, `Context` and `Tracker` |
//! | `<catalog>_events/_runtime.py` | static: JSON read as `eventcat-validate` reads it, JSON Schema's types, the formats and the privacy forms |
//! | `<catalog>_events/_tracker.py` | static: the tracker's base and the transports (in memory, HTTP) |
//! | `<catalog>_events/__init__.py`, `py.typed` | the public API; typed (PEP 561) |
//!
//! The models must accept exactly the payloads the JSON Schemas and `eventcat-validate` accept,
//! so every rule maps to a constraint of the same meaning: string rules to pydantic's
//! `StringConstraints` (patterns translated from ECMA-262 exactly as the `jsonschema` crate
//! translates them, run by the same Rust `regex` engine inside pydantic-core), numbers, formats
//! and privacy forms to the checks of `_runtime.py`, environment restrictions to a model
//! validator on the envelope.
//!
//! Catalog text reaches the output only through [`literal`]: as escaped string literals and
//! docstrings. Identifiers are made from catalog names by [`field_name`] and [`class_name`],
//! which only ever produce ASCII identifiers that cannot be keywords or shadow what the
//! generated code uses (every import is aliased to a name starting with `_`, which no generated
//! name does).

pub mod literal;

use std::collections::BTreeSet;

use heck::ToSnakeCase;

use super::{OutputFile, generated_notice};
use crate::ir::{Catalog, EnumType, EnvelopeRole, Event, Field, FieldType, StringRules};
use crate::model::{Pii, StringFormat};

/// The runtime every package carries, verbatim.
const RUNTIME: &str = include_str!("_runtime.py");
/// The tracker's base and the transports, verbatim.
const TRACKER: &str = include_str!("_tracker.py");

/// The payload key holding the event's own properties (as in the JSON Schemas).
const PROPERTIES_KEY: &str = crate::emit::json_schema::PROPERTIES_KEY;

/// The envelope fields the tracker fills itself (lint requires both).
const EVENT_ID_KEY: &str = "event_id";
const TIMESTAMP_KEY: &str = "timestamp";

/// The files this emitter writes, sorted by path.
pub fn files(catalog: &Catalog) -> Vec<OutputFile> {
    let package = package_name(catalog);
    let mut files = vec![
        OutputFile::new("python/pyproject.toml", pyproject(catalog, &package)),
        OutputFile::new(format!("python/{package}/__init__.py"), init_py(catalog)),
        OutputFile::new(format!("python/{package}/models.py"), models_py(catalog)),
        OutputFile::new(format!("python/{package}/_runtime.py"), RUNTIME),
        OutputFile::new(format!("python/{package}/_tracker.py"), TRACKER),
        OutputFile::new(format!("python/{package}/py.typed"), ""),
    ];
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// The import name of the package: `<catalog>_events`, as an ASCII identifier.
pub fn package_name(catalog: &Catalog) -> String {
    let mut name: String = catalog
        .name
        .to_snake_case()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        name.insert_str(0, "catalog_");
    }
    name.push_str("_events");
    name
}

/// The distribution name: `<catalog>-events` (PEP 503 normalizes `_` and `-` alike).
fn distribution_name(catalog: &Catalog) -> String {
    package_name(catalog).replace('_', "-")
}

/// A PEP 440 version from the catalog's semantic version: pre-releases become `.devN`-free
/// `rc`-style suffixes are not guessed; a pre-release or build is marked `.dev0`.
fn python_version(version: &semver::Version) -> String {
    let base = format!("{}.{}.{}", version.major, version.minor, version.patch);
    if version.pre.is_empty() {
        base
    } else {
        format!("{base}.dev0")
    }
}

/// A TOML basic string: a JSON string is one, once DEL (which TOML forbids raw) is escaped.
fn toml_string(text: &str) -> String {
    serde_json::Value::from(text)
        .to_string()
        .replace('\u{7f}', "\\u007F")
}

fn pyproject(catalog: &Catalog, package: &str) -> String {
    let notice = generated_notice(catalog);
    let description = format!(
        "Pydantic models of the events of the {}.",
        catalog.title.trim()
    );
    format!(
        r#"# {notice_line}

[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = {name}
version = {version}
description = {description}
requires-python = ">=3.9"
dependencies = ["pydantic>=2.11,<3"]

[tool.setuptools]
packages = [{package}]

[tool.setuptools.package-data]
{package} = ["py.typed"]
"#,
        notice_line = notice.replace(['\n', '\r'], " "),
        name = toml_string(&distribution_name(catalog)),
        version = toml_string(&python_version(&catalog.version)),
        description = toml_string(&description),
        package = toml_string(package),
    )
}

/// Names the package's modules define; no generated class may take one.
const MODULE_NAMES: &[&str] = &[
    "AnalyticsEvent",
    "Context",
    "EventEnvelope",
    "EventName",
    "HttpTransport",
    "MemoryTransport",
    "Tracker",
    "TrackerBase",
    "Transport",
    "TransportError",
    "None",
    "True",
    "False",
];

/// A class or type alias name: the IR's (UpperCamelCase, unique in the catalog), with `_`
/// appended where it would be a keyword or one of the package's own names.
pub fn class_name(name: &str) -> String {
    let mut ident: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if !ident.starts_with(|c: char| c.is_ascii_uppercase()) {
        ident.insert(0, 'T');
    }
    while MODULE_NAMES.contains(&ident.as_str()) {
        ident.push('_');
    }
    ident
}

/// Python keywords (hard ones; soft keywords such as `type` and `match` are valid names).
const KEYWORDS: &[&str] = &[
    "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif",
    "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda",
    "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
];

/// Attributes of pydantic's `BaseModel` and of the generated base, which a field may not shadow.
const MODEL_ATTRIBUTES: &[&str] = &[
    "construct",
    "copy",
    "model_computed_fields",
    "model_config",
    "model_construct",
    "model_copy",
    "model_dump",
    "model_dump_json",
    "model_extra",
    "model_fields",
    "model_fields_set",
    "model_json_schema",
    "model_parametrized_name",
    "model_post_init",
    "model_rebuild",
    "model_validate",
    "model_validate_json",
    "model_validate_strings",
    "dict",
    "from_orm",
    "json",
    "parse_file",
    "parse_obj",
    "parse_raw",
    "schema",
    "schema_json",
    "to_json",
    "to_payload",
    "update_forward_refs",
    "validate",
];

/// A field's Python name: the catalog's when it is a plain lowercase ASCII identifier that is
/// neither a keyword nor a model attribute; otherwise made into one (`class` → `class_`,
/// `3d` → `f_3d`, `model_dump` → `model_dump_`). The payload name stays the alias.
pub fn field_name(name: &str) -> String {
    let plain = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    let mut ident: String = if plain {
        name.to_owned()
    } else {
        name.to_snake_case()
            .chars()
            .map(|c| {
                if c.is_ascii_lowercase() || c.is_ascii_digit() {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    if !ident.starts_with(|c: char| c.is_ascii_lowercase()) {
        ident.insert_str(0, "f_");
    }
    if KEYWORDS.contains(&ident.as_str()) || MODEL_ATTRIBUTES.contains(&ident.as_str()) {
        ident.push('_');
    }
    ident
}

/// The Python names of a model's fields, in order, unique within the model (`_` appended on a
/// collision, which lint's `name-collision` makes rare). `taken` holds names already used.
fn field_names<'a>(fields: impl IntoIterator<Item = &'a Field>, taken: &[&str]) -> Vec<String> {
    let mut used: BTreeSet<String> = taken.iter().map(|s| (*s).to_owned()).collect();
    fields
        .into_iter()
        .map(|field| {
            let mut name = field_name(&field.name);
            while used.contains(&name) {
                name.push('_');
            }
            used.insert(name.clone());
            name
        })
        .collect()
}

/// A JSON pointer segment (RFC 6901).
fn pointer_segment(name: &str) -> String {
    format!("/{}", name.replace('~', "~0").replace('/', "~1"))
}

fn init_py(catalog: &Catalog) -> String {
    let mut w = Writer::default();
    w.line(literal::docstring(&format!(
        "{}\n\n{}\n\n{}",
        generated_notice(catalog),
        catalog.title.trim(),
        "Parse payloads with `parse_event`, build and send them with `Tracker`."
    )));
    w.blank();
    let mut names = vec![
        "EVENTS".to_owned(),
        "AnalyticsEvent".to_owned(),
        "Context".to_owned(),
        "EventEnvelope".to_owned(),
        "EventName".to_owned(),
        "Tracker".to_owned(),
        "parse_event".to_owned(),
    ];
    for field in &catalog.envelope.fields {
        names.extend(enums(&field.field.ty).map(|e| class_name(&e.type_name)));
    }
    for event in catalog.events.values() {
        for field in &event.properties {
            names.extend(enums(&field.ty).map(|e| class_name(&e.type_name)));
        }
        names.push(class_name(&event.names.properties_type));
        names.push(class_name(&event.names.type_name));
    }
    names.sort();
    names.dedup();
    let transports = [
        "HttpTransport",
        "MemoryTransport",
        "Transport",
        "TransportError",
    ];
    w.line("from ._tracker import (");
    for name in transports {
        w.line(format!("    {name} as {name},"));
    }
    w.line(")");
    w.line("from .models import (");
    for name in &names {
        w.line(format!("    {name} as {name},"));
    }
    w.line(")");
    w.blank();
    let mut all: Vec<String> = names
        .iter()
        .cloned()
        .chain(transports.iter().map(|s| (*s).to_owned()))
        .collect();
    all.sort();
    w.line("__all__ = [");
    for name in &all {
        w.line(format!("    {},", literal::string(name)));
    }
    w.line("]");
    w.out
}

fn models_py(catalog: &Catalog) -> String {
    let mut w = Writer::default();
    let mut module_doc = generated_notice(catalog);
    for text in [&catalog.title, &catalog.description] {
        if !text.trim().is_empty() {
            module_doc.push_str("\n\n");
            module_doc.push_str(text.trim());
        }
    }
    w.line(literal::docstring(&module_doc));
    w.blank();
    w.line("import builtins as _b");
    w.line("import datetime as _dt");
    w.line("import typing as _t");
    w.blank();
    w.line("import pydantic as _p");
    w.blank();
    w.line("from . import _runtime as _r");
    w.line("from . import _tracker");
    for field in &catalog.envelope.fields {
        enum_aliases(&mut w, &field.field, "the envelope");
    }
    envelope(&mut w, catalog);
    for event in catalog.events.values() {
        for field in &event.properties {
            enum_aliases(&mut w, field, &format!("`{}`", event.name));
        }
        properties_model(&mut w, event);
        payload_model(&mut w, catalog, event);
    }
    union(&mut w, catalog);
    context(&mut w, catalog);
    tracker(&mut w, catalog);
    w.out
}

/// The `Literal` alias of each enum a field declares, documented with the field's text.
fn enum_aliases(w: &mut Writer, field: &Field, owner: &str) {
    let what = match field.ty {
        FieldType::Array(_) => "Items",
        _ => "Values",
    };
    for enum_type in enums(&field.ty) {
        w.blank();
        w.blank();
        let values: Vec<String> = enum_type
            .variants
            .iter()
            .map(|v| literal::string(&v.value))
            .collect();
        let name = class_name(&enum_type.type_name);
        if values.is_empty() {
            // Lint forbids an empty enum; should one reach here, it admits nothing.
            w.line(format!(
                "{name} = _t.Annotated[_b.str, _p.AfterValidator(_r.require_tag())]"
            ));
        } else {
            w.line(format!("{name} = _t.Literal[{}]", values.join(", ")));
        }
        let mut doc = format!("{what} of `{}` in {owner}.", field.name);
        if !field.description.trim().is_empty() {
            doc.push_str("\n\n");
            doc.push_str(field.description.trim());
        }
        w.line(literal::docstring(&doc));
    }
}

fn enums(ty: &FieldType) -> Box<dyn Iterator<Item = &EnumType> + '_> {
    match ty {
        FieldType::Enum(enum_type) => Box::new(std::iter::once(enum_type)),
        FieldType::Array(items) => enums(items),
        _ => Box::new(std::iter::empty()),
    }
}

/// The envelope's fields with their Python names (`properties` reserved).
fn envelope_names(catalog: &Catalog) -> Vec<String> {
    field_names(
        catalog.envelope.fields.iter().map(|f| &f.field),
        &[PROPERTIES_KEY],
    )
}

fn envelope(w: &mut Writer, catalog: &Catalog) {
    let names = envelope_names(catalog);
    w.blank();
    w.blank();
    w.line("class EventEnvelope(_r.Envelope):");
    w.indent();
    let mut doc = catalog.envelope.description.trim().to_owned();
    if !doc.is_empty() {
        doc.push_str("\n\n");
    }
    doc.push_str("The base of every event's payload model; parse payloads with `parse_event`.");
    w.line(literal::docstring(&doc));
    w.blank();
    let optional: Vec<&str> = catalog
        .envelope
        .fields
        .iter()
        .zip(&names)
        .filter(|(f, _)| f.field.optional)
        .map(|(_, name)| name.as_str())
        .collect();
    w.line(format!(
        "__eventcat_optional__: _t.ClassVar[_t.FrozenSet[_b.str]] = {}",
        frozenset(&optional)
    ));
    let constants: Vec<String> = catalog
        .envelope
        .fields
        .iter()
        .filter(|f| {
            matches!(
                f.role,
                EnvelopeRole::EventName | EnvelopeRole::EventType | EnvelopeRole::Version
            )
        })
        .map(|f| literal::string(&f.field.name))
        .collect();
    w.line(format!(
        "__eventcat_constants__: _t.ClassVar[_t.Tuple[_b.str, ...]] = {}",
        tuple(&constants)
    ));
    let environment = catalog
        .envelope
        .fields
        .iter()
        .zip(&names)
        .find(|(f, _)| f.role == EnvelopeRole::Environment)
        .map_or_else(|| "None".to_owned(), |(_, name)| literal::string(name));
    w.line(format!(
        "__eventcat_environment__: _t.ClassVar[_t.Optional[_b.str]] = {environment}"
    ));
    for (envelope_field, name) in catalog.envelope.fields.iter().zip(&names) {
        w.blank();
        field(w, &envelope_field.field, name);
    }
    w.blank();
    w.line(format!("{PROPERTIES_KEY}: _r.Properties",));
    w.line(literal::docstring(
        "The event's own properties, as its model declares them.",
    ));
    w.dedent();
}

fn properties_model(w: &mut Writer, event: &Event) {
    let names = field_names(&event.properties, &[]);
    w.blank();
    w.blank();
    w.line(format!(
        "class {}(_r.Properties):",
        class_name(&event.names.properties_type)
    ));
    w.indent();
    w.line(literal::docstring(&format!(
        "The properties of `{}` {}.",
        event.name, event.version
    )));
    let optional: Vec<&str> = event
        .properties
        .iter()
        .zip(&names)
        .filter(|(f, _)| f.optional)
        .map(|(_, name)| name.as_str())
        .collect();
    if !optional.is_empty() {
        w.blank();
        w.line(format!("__eventcat_optional__ = {}", frozenset(&optional)));
    }
    for (property, name) in event.properties.iter().zip(&names) {
        w.blank();
        field(w, property, name);
    }
    w.dedent();
}

fn payload_model(w: &mut Writer, catalog: &Catalog, event: &Event) {
    let envelope_names = envelope_names(catalog);
    let property_names = field_names(&event.properties, &[]);
    w.blank();
    w.blank();
    w.line(format!(
        "class {}(EventEnvelope):",
        class_name(&event.names.type_name)
    ));
    w.indent();
    let mut doc = event.description.trim().to_owned();
    doc.push_str(&format!("\n\nTrigger: {}", event.trigger.trim()));
    doc.push_str(&format!(
        "\n\nEvent `{}`, version {}",
        event.name, event.version
    ));
    match catalog.retention_policies.get(&event.retention) {
        Some(policy) => doc.push_str(&format!(
            "; retention `{}` (kept {}, archived after {}).",
            policy.id, policy.retention_period, policy.archive_after
        )),
        None => doc.push_str(&format!("; retention `{}`.", event.retention)),
    }
    w.line(literal::docstring(&doc));

    // Fields allowed only in some environments: (in the envelope?, Python name, pointer, allowed).
    let mut restricted = Vec::new();
    for (envelope_field, name) in catalog.envelope.fields.iter().zip(&envelope_names) {
        if let Some(allowed) = &envelope_field.field.environments {
            restricted.push(restriction(
                true,
                name,
                &pointer_segment(&envelope_field.field.name),
                allowed,
            ));
        }
    }
    for (property, name) in event.properties.iter().zip(&property_names) {
        if let Some(allowed) = &property.environments {
            let pointer = format!(
                "{}{}",
                pointer_segment(PROPERTIES_KEY),
                pointer_segment(&property.name)
            );
            restricted.push(restriction(false, name, &pointer, allowed));
        }
    }
    if !restricted.is_empty() {
        w.blank();
        w.line(format!("__eventcat_restricted__ = {}", tuple(&restricted)));
    }

    for (envelope_field, name) in catalog.envelope.fields.iter().zip(&envelope_names) {
        let value = match envelope_field.role {
            EnvelopeRole::EventName => event.name.clone(),
            EnvelopeRole::EventType => event.event_type.clone(),
            EnvelopeRole::Version => event.version.to_string(),
            EnvelopeRole::Environment | EnvelopeRole::Plain => continue,
        };
        let value = literal::string(&value);
        let field = &envelope_field.field;
        w.blank();
        let default = if *name == field.name {
            value.clone()
        } else {
            format!(
                "_p.Field({value}, validation_alias={alias}, serialization_alias={alias})",
                alias = literal::string(&field.name)
            )
        };
        w.line(format!("{name}: _t.Literal[{value}] = {default}"));
        let doc = field_doc(field);
        if !doc.is_empty() {
            w.line(literal::docstring(&doc));
        }
    }
    w.blank();
    w.line(format!(
        "{PROPERTIES_KEY}: {}",
        class_name(&event.names.properties_type)
    ));
    w.line(literal::docstring(&format!(
        "The properties of `{}`.",
        event.name
    )));
    w.dedent();
}

fn restriction(in_envelope: bool, name: &str, pointer: &str, allowed: &[String]) -> String {
    let allowed: Vec<String> = allowed.iter().map(|e| literal::string(e)).collect();
    format!(
        "({}, {}, {}, {})",
        if in_envelope { "True" } else { "False" },
        literal::string(name),
        literal::string(pointer),
        tuple(&allowed)
    )
}

/// One field: its annotation, its default and alias, and its docstring.
fn field(w: &mut Writer, field: &Field, name: &str) {
    let value = value_type(&field.ty, field.pii, true);
    let annotation = match (field.optional, field.nullable) {
        (false, false) => value,
        (_, true) => format!("_t.Optional[{value}]"),
        (true, false) => {
            format!("_t.Annotated[_t.Optional[{value}], _p.BeforeValidator(_r.not_null)]")
        }
    };
    let default = match (field.optional, name == field.name) {
        (false, true) => None,
        (true, true) => Some("None".to_owned()),
        (optional, false) => {
            let alias = literal::string(&field.name);
            let default = if optional { "None, " } else { "" };
            Some(format!(
                "_p.Field({default}validation_alias={alias}, serialization_alias={alias})"
            ))
        }
    };
    match default {
        Some(default) => w.line(format!("{name}: {annotation} = {default}")),
        None => w.line(format!("{name}: {annotation}")),
    }
    let doc = field_doc(field);
    if !doc.is_empty() {
        w.line(literal::docstring(&doc));
    }
}

/// A field's description, then what its type cannot say: unit, privacy, environments,
/// examples, optional and nullable.
fn field_doc(field: &Field) -> String {
    let mut lines = Vec::new();
    let description = field.description.trim();
    if !description.is_empty() {
        lines.push(description.to_owned());
    }
    let mut facts = Vec::new();
    if let Some(unit) = field.unit {
        facts.push(format!("Unit: {}.", unit.as_str()));
    }
    if let Some(pii) = field.pii {
        facts.push(format!("PII: {}.", pii.as_str()));
    }
    if let Some(environments) = &field.environments {
        facts.push(format!(
            "Only in environment {} (absent in any other).",
            environments.join(", ")
        ));
    }
    if !field.examples.is_empty() {
        let examples: Vec<String> = field.examples.iter().map(ToString::to_string).collect();
        facts.push(format!("Examples: {}.", examples.join(", ")));
    }
    if !facts.is_empty() {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.extend(facts);
    }
    lines.join("\n")
}

/// The annotation of a value of `ty`. `pii` is applied to string values here and, one level
/// down, to the elements of an array, as the validator applies it.
fn value_type(ty: &FieldType, pii: Option<Pii>, top: bool) -> String {
    let privacy = pii.and_then(|pii| match pii {
        Pii::Hashed => Some("_p.AfterValidator(_r.hashed)"),
        Pii::AnonymizedIp => Some("_p.AfterValidator(_r.anonymized_ip)"),
        Pii::Identifier | Pii::Sanitized | Pii::FreeText => None,
    });
    let annotated = |base: String, mut extras: Vec<String>| {
        extras.extend(privacy.map(str::to_owned));
        if extras.is_empty() {
            base
        } else {
            format!("_t.Annotated[{base}, {}]", extras.join(", "))
        }
    };
    match ty {
        FieldType::String(rules) => annotated("_b.str".into(), string_rules(rules)),
        FieldType::Enum(enum_type) => annotated(class_name(&enum_type.type_name), Vec::new()),
        FieldType::DateTime => annotated(
            "_b.str".into(),
            vec!["_p.AfterValidator(_r.date_time)".into()],
        ),
        FieldType::Integer(rules) => format!(
            "_t.Annotated[_b.int, _p.BeforeValidator(_r.integer({}, {}))]",
            rules
                .minimum
                .map_or_else(|| "None".to_owned(), |m| m.to_string()),
            rules
                .maximum
                .map_or_else(|| "None".to_owned(), |m| m.to_string()),
        ),
        FieldType::Number(rules) => format!(
            "_t.Annotated[_b.float, _p.BeforeValidator(_r.number({}, {}))]",
            python_number(rules.minimum),
            python_number(rules.maximum),
        ),
        FieldType::Boolean => "_b.bool".into(),
        FieldType::Object => {
            "_t.Annotated[_t.Dict[_b.str, _t.Any], _p.AfterValidator(_r.json_object)]".into()
        }
        FieldType::Array(items) => {
            let items = value_type(items, if top { pii } else { None }, false);
            format!("_t.List[{items}]")
        }
    }
}

/// A number bound as a Python literal: whole numbers up to 2^53 as integers (as the schemas
/// write them), others in Rust's shortest round-trip form, which Python reads as the same
/// double. Non-finite bounds bound nothing (the schemas leave them out too).
fn python_number(value: Option<f64>) -> String {
    const EXACT: f64 = 9_007_199_254_740_992.0;
    match value {
        Some(v) if v.is_finite() && v.fract() == 0.0 && v.abs() <= EXACT => {
            format!("{}", v as i64)
        }
        Some(v) if v.is_finite() => format!("{v:?}"),
        _ => "None".to_owned(),
    }
}

fn string_rules(rules: &StringRules) -> Vec<String> {
    let mut extras = Vec::new();
    let mut constraints = Vec::new();
    if let Some(min) = rules.min_length {
        constraints.push(format!("min_length={min}"));
    }
    if let Some(max) = rules.max_length {
        constraints.push(format!("max_length={max}"));
    }
    if let Some(pattern) = &rules.pattern {
        // The jsonschema crate runs ECMA-262 patterns through this translation (`\d` is ASCII
        // digits, `\s` ECMA-262 white space, ...) and then Rust's `regex`: pydantic-core's
        // default engine is the same crate, so the translated pattern means the same.
        let translated = jsonschema_regex::to_rust_regex(pattern)
            .map_or_else(|()| pattern.clone(), |p| p.into_owned());
        constraints.push(format!("pattern={}", literal::string(&translated)));
    }
    if !constraints.is_empty() {
        extras.push(format!("_p.StringConstraints({})", constraints.join(", ")));
    }
    if let Some(format) = rules.format {
        let check = match format {
            StringFormat::Uuid => "uuid",
            StringFormat::Uri => "uri",
            StringFormat::UriReference => "uri_reference",
            StringFormat::Email => "email",
            StringFormat::Hostname => "hostname",
            StringFormat::Ipv4 => "ipv4",
            StringFormat::Ipv6 => "ipv6",
            StringFormat::Ip => "ip",
        };
        extras.push(format!("_p.AfterValidator(_r.{check})"));
    }
    extras
}

fn union(w: &mut Writer, catalog: &Catalog) {
    let tags: Vec<(String, String)> = catalog
        .events
        .values()
        .map(|event| {
            (
                class_name(&event.names.type_name),
                literal::string(&format!("{}@{}", event.name, event.version)),
            )
        })
        .collect();
    w.blank();
    w.blank();
    match tags.as_slice() {
        [] => w.line(
            "AnalyticsEvent = _t.Annotated[EventEnvelope, _p.BeforeValidator(_r.require_tag())]",
        ),
        [(class, tag)] => w.line(format!(
            "AnalyticsEvent = _t.Annotated[{class}, _p.BeforeValidator(_r.require_tag({tag}))]"
        )),
        _ => {
            w.line("AnalyticsEvent = _t.Annotated[");
            w.indent();
            w.line("_t.Union[");
            w.indent();
            for (class, tag) in &tags {
                w.line(format!("_t.Annotated[{class}, _p.Tag({tag})],"));
            }
            w.dedent();
            w.line("],");
            w.line("_p.Discriminator(");
            w.indent();
            w.line("_r.event_tag,");
            w.line("custom_error_type=\"envelope:unknown_event\",");
            w.line("custom_error_message=\"expected an event of the catalog: a known event_name and version\",");
            w.dedent();
            w.line("),");
            w.dedent();
            w.line("]");
        }
    }
    w.line(literal::docstring(
        "Any event of the catalog, told apart by `event_name` and `version`.",
    ));
    w.blank();
    let names: Vec<String> = catalog
        .events
        .keys()
        .map(|name| literal::string(name))
        .collect();
    if names.is_empty() {
        w.line("EventName = _b.str");
    } else {
        w.line(format!("EventName = _t.Literal[{}]", names.join(", ")));
    }
    w.line(literal::docstring("The name of any event of the catalog."));
    w.blank();
    w.line("EVENTS: _t.Mapping[_b.str, _t.Type[EventEnvelope]] = {");
    for event in catalog.events.values() {
        w.line(format!(
            "    {}: {},",
            literal::string(&event.name),
            class_name(&event.names.type_name)
        ));
    }
    w.line("}");
    w.line(literal::docstring(
        "Each event's payload model by its name.",
    ));
    w.blank();
    w.line("_ADAPTER: _p.TypeAdapter[AnalyticsEvent] = _p.TypeAdapter(AnalyticsEvent)");
    w.blank();
    w.blank();
    w.line("def parse_event(data: _r.PayloadInput) -> AnalyticsEvent:");
    w.indent();
    w.line(literal::docstring(
        "The typed payload of JSON text (`str` or UTF-8 `bytes`) or of a parsed `dict`.\n\n\
         Accepts exactly what `eventcat-validate` accepts; raises `pydantic.ValidationError`\n\
         otherwise (also for text that is not JSON, duplicate keys, or an unknown event).",
    ));
    w.line("return _ADAPTER.validate_python(");
    w.line("    _r.payload_value(data), by_alias=True, by_name=False, context=_r.PAYLOAD_CONTEXT");
    w.line(")");
    w.dedent();
}

/// `Context`: the envelope fields a tracker can be given once (all but the constants).
fn context(w: &mut Writer, catalog: &Catalog) {
    w.blank();
    w.blank();
    w.line("Context = _t.TypedDict(");
    w.indent();
    w.line("\"Context\",");
    w.line("{");
    for envelope_field in &catalog.envelope.fields {
        if matches!(
            envelope_field.role,
            EnvelopeRole::EventName | EnvelopeRole::EventType | EnvelopeRole::Version
        ) {
            continue;
        }
        let field = &envelope_field.field;
        let ty = plain_type(&field.ty);
        let ty = if field.nullable {
            format!("_t.Optional[{ty}]")
        } else {
            ty
        };
        w.line(format!("    {}: {ty},", literal::string(&field.name)));
    }
    w.line("},");
    w.line("total=False,");
    w.dedent();
    w.line(")");
    w.line(literal::docstring(
        "Envelope fields by their payload names, given to a `Tracker` once or to one `track` call.",
    ));
}

/// The Python type of a value, without constraints (for `Context`).
fn plain_type(ty: &FieldType) -> String {
    match ty {
        FieldType::String(_) | FieldType::DateTime => "_b.str".into(),
        FieldType::Enum(enum_type) => class_name(&enum_type.type_name),
        FieldType::Integer(_) => "_b.int".into(),
        FieldType::Number(_) => "_b.float".into(),
        FieldType::Boolean => "_b.bool".into(),
        FieldType::Object => "_t.Dict[_b.str, _t.Any]".into(),
        FieldType::Array(items) => format!("_t.List[{}]", plain_type(items)),
    }
}

fn tracker(w: &mut Writer, catalog: &Catalog) {
    let envelope_names = envelope_names(catalog);
    let json_name_of = |key: &str| {
        catalog
            .envelope
            .fields
            .iter()
            .find(|f| f.field.name == key)
            .map_or_else(|| "None".to_owned(), |f| literal::string(&f.field.name))
    };
    let context_keys: Vec<String> = catalog
        .envelope
        .fields
        .iter()
        .filter(|f| {
            !matches!(
                f.role,
                EnvelopeRole::EventName | EnvelopeRole::EventType | EnvelopeRole::Version
            )
        })
        .map(|f| literal::string(&f.field.name))
        .collect();
    let _ = envelope_names;
    w.blank();
    w.blank();
    w.line("class Tracker(_tracker.TrackerBase):");
    w.indent();
    w.line(literal::docstring(
        "Builds each event's payload (a new `event_id`, `timestamp` now, the event's constants,\n\
         the context given once and per call) and sends it through a transport.",
    ));
    w.blank();
    w.line("__eventcat_events__ = {");
    for event in catalog.events.values() {
        w.line(format!(
            "    {}: {},",
            class_name(&event.names.properties_type),
            class_name(&event.names.type_name)
        ));
    }
    w.line("}");
    w.line(format!(
        "__eventcat_context_keys__ = _b.frozenset({{{}}})",
        context_keys.join(", ")
    ));
    w.line(format!(
        "__eventcat_id_field__ = {}",
        json_name_of(EVENT_ID_KEY)
    ));
    w.line(format!(
        "__eventcat_time_field__ = {}",
        json_name_of(TIMESTAMP_KEY)
    ));
    w.blank();
    w.line("def __init__(");
    w.line("    self,");
    w.line("    transport: _tracker.Transport,");
    w.line("    context: _t.Optional[Context] = None,");
    w.line("    *,");
    w.line("    clock: _t.Optional[_t.Callable[[], _dt.datetime]] = None,");
    w.line("    new_id: _t.Optional[_t.Callable[[], _b.str]] = None,");
    w.line(") -> None:");
    w.line("    super().__init__(transport, context, clock=clock, new_id=new_id)");
    let events: Vec<&Event> = catalog.events.values().collect();
    let signature = |properties: &str, returns: &str| {
        format!(
            "def track(self, properties: {properties}, context: _t.Optional[Context] = None) -> {returns}:"
        )
    };
    if events.len() >= 2 {
        for event in &events {
            w.blank();
            w.line("@_t.overload");
            w.line(format!(
                "{} ...",
                signature(
                    &class_name(&event.names.properties_type),
                    &class_name(&event.names.type_name)
                )
            ));
        }
    }
    w.blank();
    let (properties, returns) = match events.as_slice() {
        [event] => (
            class_name(&event.names.properties_type),
            class_name(&event.names.type_name),
        ),
        _ => ("_r.Properties".to_owned(), "EventEnvelope".to_owned()),
    };
    w.line(signature(&properties, &returns));
    w.indent();
    w.line(literal::docstring(
        "Builds the payload of the event whose properties these are, validates it, sends it\n\
         through the transport and returns it. Raises `pydantic.ValidationError` when the\n\
         payload breaks a rule of the catalog (nothing is sent then).",
    ));
    w.line(format!(
        "return _t.cast({returns}, self._track(properties, context))"
    ));
    w.dedent();
    w.dedent();
}

fn frozenset(names: &[&str]) -> String {
    if names.is_empty() {
        return "_b.frozenset()".to_owned();
    }
    let items: Vec<String> = names.iter().map(|n| literal::string(n)).collect();
    format!("_b.frozenset({{{}}})", items.join(", "))
}

fn tuple(items: &[String]) -> String {
    match items {
        [] => "()".to_owned(),
        [one] => format!("({one},)"),
        _ => format!("({})", items.join(", ")),
    }
}

/// Lines at the current indentation (four spaces a level).
#[derive(Default)]
struct Writer {
    out: String,
    depth: usize,
}

impl Writer {
    fn line(&mut self, text: impl AsRef<str>) {
        let text = text.as_ref();
        // A docstring may span lines; only its first line is indented (the rest is its text).
        if !text.is_empty() {
            self.out.push_str(&"    ".repeat(self.depth));
            self.out.push_str(text);
        }
        self.out.push('\n');
    }

    fn blank(&mut self) {
        self.out.push('\n');
    }

    fn indent(&mut self) {
        self.depth += 1;
    }

    fn dedent(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_table() {
        for (name, python) in [
            ("user_id", "user_id"),
            ("type", "type"),
            ("class", "class_"),
            ("from", "from_"),
            ("json", "json_"),
            ("model_id", "model_id"),
            ("model_dump", "model_dump_"),
            ("3d", "f_3d"),
            ("a-b", "a_b"),
            ("ünïcode", "f__n_code"),
            ("", "f_"),
            ("Upper", "upper"),
        ] {
            assert_eq!(field_name(name), python, "field name of {name:?}");
        }
    }

    #[test]
    fn class_names_avoid_keywords_and_module_names() {
        assert_eq!(class_name("None"), "None_");
        assert_eq!(class_name("Tracker"), "Tracker_");
        assert_eq!(class_name("UserLogin"), "UserLogin");
        assert_eq!(class_name("V3d"), "V3d");
    }

    #[test]
    fn number_bounds() {
        assert_eq!(python_number(Some(0.0)), "0");
        assert_eq!(python_number(Some(0.5)), "0.5");
        assert_eq!(python_number(Some(1e300)), "1e300");
        assert_eq!(python_number(Some(f64::NAN)), "None");
        assert_eq!(python_number(None), "None");
    }
}
