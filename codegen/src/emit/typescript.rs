//! TypeScript declarations: `typescript/index.d.ts` and the `package.json` that publishes it.
//!
//! Declarations only, no runtime code: producers type their payloads against them and consumers
//! narrow the `AnalyticsEvent` union on `event_name`; validating untrusted payloads is the JSON
//! Schemas' job. Every catalog string reaches the output either as a JSON string literal or
//! through [`jsdoc_lines`], so no catalog text can end a literal or a comment early.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::text::jsdoc_lines;
use super::{OutputFile, generated_notice};
use crate::ir::{Catalog, EnumType, EnvelopeRole, Event, Field, FieldType};

/// The files this emitter writes.
pub fn files(catalog: &Catalog) -> Vec<OutputFile> {
    vec![
        OutputFile::new("typescript/index.d.ts", index_d_ts(catalog)),
        OutputFile::new("typescript/package.json", package_json(catalog)),
    ]
}

fn package_json(catalog: &Catalog) -> String {
    let package = json!({
        "name": format!("{}-events", catalog.name),
        "version": catalog.version.to_string(),
        "private": true,
        "description": format!("TypeScript declarations of the events of the {}.", catalog.title),
        "types": "index.d.ts",
    });
    format!("{package:#}\n")
}

fn index_d_ts(catalog: &Catalog) -> String {
    let names = Names::new(catalog);
    let mut w = Writer::default();
    // The notice holds the catalog's name: a line break in it would end the `//` comment.
    w.line(format!(
        "// {}",
        generated_notice(catalog).replace(['\n', '\r', '\u{2028}', '\u{2029}'], " ")
    ));
    w.blank();
    let mut package_doc = text(&catalog.title);
    package_doc.push(String::new());
    package_doc.extend(text(&catalog.description));
    package_doc.extend([String::new(), "@packageDocumentation".into()]);
    w.doc(&package_doc);

    for envelope_field in &catalog.envelope.fields {
        enum_decls(&mut w, &envelope_field.field, "the envelope");
    }
    w.blank();
    envelope(&mut w, catalog, &names);

    for event in catalog.events.values() {
        event_decls(&mut w, catalog, &names, event);
    }

    w.blank();
    w.doc(&["Every event of the catalog; `event_name` tells them apart.".into()]);
    if catalog.events.is_empty() {
        w.line("export type AnalyticsEvent = never;");
    } else {
        w.line("export type AnalyticsEvent =");
        let last = catalog.events.len() - 1;
        for (i, event) in catalog.events.values().enumerate() {
            let end = if i == last { ";" } else { "" };
            w.line(format!("  | {}{end}", event.names.type_name));
        }
    }
    w.blank();
    w.doc(&["Each event's type by its name, e.g. for functions generic over the name.".into()]);
    w.open("export interface EventMap {");
    for event in catalog.events.values() {
        w.line(format!(
            "{}: {};",
            string_literal(&event.name),
            event.names.type_name
        ));
    }
    w.close("}");
    w.blank();
    w.doc(&["The name of any event of the catalog.".into()]);
    w.line("export type EventName = keyof EventMap;");
    w.out
}

fn envelope(w: &mut Writer, catalog: &Catalog, names: &Names) {
    let [n, t, v, p] = &names.params;
    let mut doc = text(&catalog.envelope.description);
    doc.push(String::new());
    doc.extend([
        format!("@typeParam {n} - The event's name, the discriminant of `AnalyticsEvent`."),
        format!("@typeParam {t} - The `event_type` of the event's group."),
        format!("@typeParam {v} - The version of the event's schema."),
        format!("@typeParam {p} - The event's own properties."),
    ]);
    w.doc(&doc);
    w.open(format!(
        "export interface EventEnvelope<{n} extends string, {t} extends string, {v} extends string, {p}> {{"
    ));
    for envelope_field in &catalog.envelope.fields {
        let field = &envelope_field.field;
        // Each event fixes these three to a literal, so they are required and never null (lint
        // rejects them optional), whatever else the catalog says of them.
        let fixed = match envelope_field.role {
            EnvelopeRole::EventName => Some(n),
            EnvelopeRole::EventType => Some(t),
            EnvelopeRole::Version => Some(v),
            EnvelopeRole::Environment | EnvelopeRole::Plain => None,
        };
        match fixed {
            Some(param) => {
                w.doc(&field_doc(field));
                w.line(format!("{}: {param};", property_key(&field.name)));
            }
            None => property(w, names, field),
        }
    }
    w.doc(&["The properties of the event, as its type declares them.".into()]);
    w.line(format!("properties: {p};"));
    w.close("}");
}

fn event_decls(w: &mut Writer, catalog: &Catalog, names: &Names, event: &Event) {
    for field in &event.properties {
        enum_decls(w, field, &format!("`{}`", event.name));
    }

    w.blank();
    w.doc(&[format!("The properties of `{}`.", event.name)]);
    w.open(format!(
        "export interface {} {{",
        event.names.properties_type
    ));
    for field in &event.properties {
        property(w, names, field);
    }
    w.close("}");

    w.blank();
    let mut doc = text(&event.description);
    doc.push(String::new());
    doc.extend(tagged("@trigger", &event.trigger));
    doc.extend(jsdoc_lines(&format!("@version {}", event.version)));
    let retention = match catalog.retention_policies.get(&event.retention) {
        Some(policy) => format!(
            "@retention {} (kept {}, archived after {})",
            policy.id, policy.retention_period, policy.archive_after
        ),
        None => format!("@retention {}", event.retention),
    };
    doc.extend(jsdoc_lines(&retention));
    w.doc(&doc);
    w.line(format!(
        "export type {} = EventEnvelope<{}, {}, {}, {}>;",
        event.names.type_name,
        string_literal(&event.name),
        string_literal(&event.event_type),
        string_literal(&event.version.to_string()),
        event.names.properties_type,
    ));
}

/// The enum types a field declares, each before its first use, documented with the field's text
/// since an enum has none of its own.
fn enum_decls(w: &mut Writer, field: &Field, owner: &str) {
    let what = match field.ty {
        FieldType::Array(_) => "Items",
        _ => "Values",
    };
    for enum_type in enums(&field.ty) {
        w.blank();
        let mut doc = jsdoc_lines(&format!("{what} of `{}` in {owner}.", field.name));
        doc.push(String::new());
        doc.extend(text(&field.description));
        w.doc(&doc);
        let values: Vec<String> = enum_type
            .variants
            .iter()
            .map(|variant| string_literal(&variant.value))
            .collect();
        // An enum without values (lint forbids it) admits no value at all.
        let union = if values.is_empty() {
            "never".to_owned()
        } else {
            values.join(" | ")
        };
        w.line(format!("export type {} = {union};", enum_type.type_name));
    }
}

/// The enum types a field's type declares: its own, or its items'.
fn enums(ty: &FieldType) -> Vec<&EnumType> {
    match ty {
        FieldType::Enum(enum_type) => vec![enum_type],
        FieldType::Array(items) => enums(items),
        _ => Vec::new(),
    }
}

/// `optional` and `nullable` stay separate: JSON can omit a key or hold `null`, and under
/// `exactOptionalPropertyTypes` `?` admits only the first.
fn property(w: &mut Writer, names: &Names, field: &Field) {
    w.doc(&field_doc(field));
    let optional = if field.optional { "?" } else { "" };
    let null = if field.nullable { " | null" } else { "" };
    w.line(format!(
        "{}{optional}: {}{null};",
        property_key(&field.name),
        names.ts_type(&field.ty)
    ));
}

fn field_doc(field: &Field) -> Vec<String> {
    let mut tags = type_tags(&field.ty);
    if let Some(unit) = field.unit {
        tags.push(format!("@unit {}", unit.as_str()));
    }
    if let Some(pii) = field.pii {
        tags.push(format!("@pii {}", pii.as_str()));
    }
    if let Some(environments) = &field.environments {
        tags.push(format!(
            "@environments {} (send it in no other environment)",
            environments.join(", ")
        ));
    }
    for example in &field.examples {
        tags.push(format!("@example {example}"));
    }
    let mut doc = text(&field.description);
    if !tags.is_empty() && !doc.is_empty() {
        doc.push(String::new());
    }
    doc.extend(tags.iter().flat_map(|tag| jsdoc_lines(tag)));
    doc
}

/// The constraints TypeScript cannot express, as JSDoc tags (the names JSON Schema uses).
fn type_tags(ty: &FieldType) -> Vec<String> {
    let mut tags = Vec::new();
    match ty {
        FieldType::String(rules) => {
            if let Some(min) = rules.min_length {
                tags.push(format!("@minLength {min}"));
            }
            if let Some(max) = rules.max_length {
                tags.push(format!("@maxLength {max}"));
            }
            if let Some(pattern) = &rules.pattern {
                tags.push(format!("@pattern {pattern}"));
            }
            if let Some(format) = rules.format {
                tags.push(format!("@format {}", format.as_str()));
            }
        }
        FieldType::DateTime => {
            tags.push("@format date-time (RFC 3339, e.g. 2025-01-31T09:30:00Z)".into());
        }
        FieldType::Integer(rules) => {
            tags.push("@integer".into());
            tags.extend(rules.minimum.map(|min| format!("@minimum {min}")));
            tags.extend(rules.maximum.map(|max| format!("@maximum {max}")));
        }
        FieldType::Number(rules) => {
            tags.extend(rules.minimum.map(|min| format!("@minimum {min}")));
            tags.extend(rules.maximum.map(|max| format!("@maximum {max}")));
        }
        FieldType::Array(items) => {
            tags.extend(
                type_tags(items)
                    .iter()
                    .map(|tag| format!("@items {}", tag.trim_start_matches('@'))),
            );
        }
        FieldType::Enum(_) | FieldType::Boolean | FieldType::Object => {}
    }
    tags
}

/// Type names chosen so that no catalog type can shadow what the declarations rely on.
struct Names {
    /// The envelope's type parameters: `N`, `T`, `V`, `P`, unless an envelope enum is named so
    /// (inside the interface the parameter would hide it).
    params: [String; 4],
    /// `Record<string, unknown>`, unless the catalog declares its own `Record`.
    object: &'static str,
}

impl Names {
    fn new(catalog: &Catalog) -> Self {
        let envelope = catalog.envelope.fields.iter().map(|f| &f.field);
        let events = catalog.events.values().flat_map(|e| &e.properties);
        let taken: BTreeSet<&str> = envelope
            .chain(events)
            .flat_map(|field| enums(&field.ty))
            .map(|enum_type| enum_type.type_name.as_str())
            .collect();
        let fresh = |base: &str| {
            let mut name = base.to_owned();
            while taken.contains(name.as_str()) {
                name.push('_');
            }
            name
        };
        Names {
            params: ["N", "T", "V", "P"].map(fresh),
            object: if taken.contains("Record") {
                "{ [key: string]: unknown }"
            } else {
                "Record<string, unknown>"
            },
        }
    }

    fn ts_type(&self, ty: &FieldType) -> String {
        match ty {
            FieldType::String(_) | FieldType::DateTime => "string".into(),
            FieldType::Enum(enum_type) => enum_type.type_name.clone(),
            FieldType::Integer(_) | FieldType::Number(_) => "number".into(),
            FieldType::Boolean => "boolean".into(),
            FieldType::Object => self.object.into(),
            FieldType::Array(items) => {
                let items = self.ts_type(items);
                if items.contains(' ') {
                    format!("({items})[]")
                } else {
                    format!("{items}[]")
                }
            }
        }
    }
}

/// A property name as written in an interface: bare when it is an identifier name (keywords are
/// fine there), quoted otherwise. ASCII only, so no Unicode-version differences with `tsc`.
fn property_key(name: &str) -> String {
    let mut chars = name.chars();
    let identifier = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if identifier {
        name.to_owned()
    } else {
        string_literal(name)
    }
}

/// A JSON string is a valid TypeScript string literal of the same value.
fn string_literal(value: &str) -> String {
    Value::from(value).to_string()
}

/// Catalog text as JSDoc lines, without the blank lines YAML block scalars leave around it.
fn text(text: &str) -> Vec<String> {
    jsdoc_lines(text.trim())
}

/// A tag followed by multi-line text: the first line joins the tag, the others follow it.
fn tagged(tag: &str, text: &str) -> Vec<String> {
    jsdoc_lines(&format!("{tag} {}", text.trim()))
}

/// Lines of text at the current indentation (two spaces a level).
#[derive(Default)]
struct Writer {
    out: String,
    depth: usize,
}

impl Writer {
    fn line(&mut self, text: impl AsRef<str>) {
        let text = text.as_ref();
        if !text.is_empty() {
            self.out.push_str(&"  ".repeat(self.depth));
            self.out.push_str(text);
        }
        self.out.push('\n');
    }

    fn blank(&mut self) {
        self.out.push('\n');
    }

    fn open(&mut self, text: impl AsRef<str>) {
        self.line(text);
        self.depth += 1;
    }

    fn close(&mut self, text: impl AsRef<str>) {
        self.depth = self.depth.saturating_sub(1);
        self.line(text);
    }

    /// A JSDoc block of lines already escaped by [`jsdoc_lines`]; one line stays on one line.
    fn doc(&mut self, lines: &[String]) {
        match lines {
            [] => {}
            [line] if !line.is_empty() => self.line(format!("/** {line} */")),
            _ => {
                self.line("/**");
                for line in lines {
                    if line.is_empty() {
                        self.line(" *");
                    } else {
                        self.line(format!(" * {line}"));
                    }
                }
                self.line(" */");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn property_keys_are_bare_only_when_they_are_identifier_names() {
        for (name, key) in [
            ("type", "type"),
            ("default", "default"),
            ("$ref", "$ref"),
            ("_x1", "_x1"),
            ("a-b", "\"a-b\""),
            ("3d", "\"3d\""),
            ("", "\"\""),
            ("with space", "\"with space\""),
            ("ünïcode", "\"ünïcode\""),
            ("q\"uote", "\"q\\\"uote\""),
        ] {
            assert_eq!(property_key(name), key, "key of {name:?}");
        }
    }

    #[test]
    fn string_literals_escape_what_would_end_them() {
        assert_eq!(string_literal("a\"b\\c\nd"), r#""a\"b\\c\nd""#);
    }

    #[test]
    fn single_line_docs_stay_on_one_line() {
        let mut w = Writer::default();
        w.open("x {");
        w.doc(&["one".into()]);
        w.doc(&["a".into(), String::new(), "b".into()]);
        w.close("}");
        assert_eq!(
            w.out,
            "x {\n  /** one */\n  /**\n   * a\n   *\n   * b\n   */\n}\n"
        );
    }
}
