//! `index.d.ts`: the events' types (an interface per event's properties, the envelope, the
//! `AnalyticsEvent` union discriminated by `event_name`, `EventMap`), then the tracker's
//! ([`super::tracker::declarations`]). Producers type their payloads against them, consumers
//! narrow the union on `event_name`.

use super::{Names, Writer, enums, property_key, string_literal, tagged, text};
use crate::emit::text::jsdoc_lines;
use crate::ir::{Catalog, EnvelopeRole, Event, Field, FieldType};

pub(super) fn index_d_ts(catalog: &Catalog, names: &Names) -> String {
    let mut w = Writer::default();
    w.out.push_str(&super::notice_line(catalog));
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
    envelope(&mut w, catalog, names);

    for event in catalog.events.values() {
        event_decls(&mut w, catalog, names, event);
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
    super::tracker::declarations(&mut w, catalog, names);
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

/// `optional` and `nullable` stay separate: JSON can omit a key or hold `null`, and under
/// `exactOptionalPropertyTypes` `?` admits only the first.
pub(super) fn property(w: &mut Writer, names: &Names, field: &Field) {
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
