//! The tracker: `createTracker` in `index.js`, with one function per event, and its types at the
//! end of `index.d.ts`.
//!
//! `index.js` holds only what the catalog decides, as data: each event's function name, name,
//! `event_type` and version, and the envelope keys the tracker fills (in the catalog's order).
//! The code that fills and sends is the fixed `tracker.js`.

use serde_json::json;

use super::declarations::property;
use super::{Names, Writer, js_value, notice_line, string_literal, text};
use crate::emit::json_schema::PROPERTIES_KEY;
use crate::ir::{Catalog, EnvelopeField, EnvelopeRole, Event, Field, FieldType};
use crate::model::StringFormat;

/// Names of the tracker's own members, which no event function may take.
const MEMBERS: &[&str] = &["track", "flush"];

/// The function of `event` on the tracker: its type name in lower camel case (`user.login` is
/// `userLogin`), unique because type names are.
pub(super) fn method_name(event: &Event) -> String {
    let type_name = &event.names.type_name;
    let mut chars = type_name.chars();
    let mut name: String = match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => "event".to_owned(),
    };
    while MEMBERS.contains(&name.as_str()) {
        name.push('_');
    }
    name
}

/// The envelope field the tracker fills with a fresh UUID: the first with `format: uuid`.
fn id_field(catalog: &Catalog) -> Option<&EnvelopeField> {
    catalog.envelope.fields.iter().find(|f| {
        f.role == EnvelopeRole::Plain
            && matches!(&f.field.ty, FieldType::String(rules) if rules.format == Some(StringFormat::Uuid))
    })
}

/// The envelope field the tracker fills with the current time: the first date-time.
fn timestamp_field(catalog: &Catalog) -> Option<&EnvelopeField> {
    catalog
        .envelope
        .fields
        .iter()
        .find(|f| f.role == EnvelopeRole::Plain && f.field.ty == FieldType::DateTime)
}

fn role_key(catalog: &Catalog, role: EnvelopeRole) -> Option<&str> {
    catalog
        .envelope
        .fields
        .iter()
        .find(|f| f.role == role)
        .map(|f| f.field.name.as_str())
}

/// The envelope fields a tracker's context gives: all but those each event fixes and those the
/// tracker fills.
fn context_fields(catalog: &Catalog) -> Vec<&Field> {
    let id = id_field(catalog).map(|f| f.field.name.as_str());
    let timestamp = timestamp_field(catalog).map(|f| f.field.name.as_str());
    catalog
        .envelope
        .fields
        .iter()
        .filter(|f| matches!(f.role, EnvelopeRole::Plain | EnvelopeRole::Environment))
        .filter(|f| Some(f.field.name.as_str()) != id && Some(f.field.name.as_str()) != timestamp)
        .map(|f| &f.field)
        .collect()
}

pub(super) fn index_js(catalog: &Catalog, names: &Names) -> String {
    let events: Vec<_> = catalog
        .events
        .values()
        .map(|event| {
            json!([
                method_name(event),
                event.name,
                event.event_type,
                event.version.to_string()
            ])
        })
        .collect();
    let spec = json!({
        "eventNameKey": role_key(catalog, EnvelopeRole::EventName).unwrap_or("event_name"),
        "eventTypeKey": role_key(catalog, EnvelopeRole::EventType),
        "versionKey": role_key(catalog, EnvelopeRole::Version).unwrap_or("version"),
        "propertiesKey": PROPERTIES_KEY,
        "idKey": id_field(catalog).map(|f| f.field.name.as_str()),
        "timestampKey": timestamp_field(catalog).map(|f| f.field.name.as_str()),
        "envelopeKeys": catalog.envelope.fields.iter().map(|f| f.field.name.as_str()).collect::<Vec<_>>(),
        "events": events,
    });
    let violation_error = names.runtime("EventViolationError");
    let mut out = notice_line(catalog);
    out.push_str(&format!(
        r#"
// The tracker of the `{name}` catalog: `createTracker` gives one function per event.
// Validation is not imported here: pass `validate` from "./validate.js" to check each event.

import {{ buildTracker }} from "./tracker.js";

export {{ memoryTransport, httpTransport, retryAfterMs }} from "./transport.js";
export {{ {violation} }} from "./tracker.js";

/** @type {{import("./tracker.js").TrackerSpec}} */
const SPEC = {spec};

/**
 * A tracker with one function per event of the catalog.
 * @param {{import("./tracker.js").TrackerOptions}} options
 */
export function createTracker(options) {{
  return buildTracker(SPEC, options);
}}
"#,
        name = catalog
            .name
            .replace(['\n', '\r', '\u{2028}', '\u{2029}', '`'], " "),
        violation = if violation_error == "EventViolationError" {
            violation_error
        } else {
            format!("EventViolationError as {violation_error}")
        },
        spec = js_value(&spec),
    ));
    out
}

/// `Name` or `Name as Name_`, for a re-export under the name [`Names::runtime`] chose.
fn export_spec(names: &Names, base: &str) -> String {
    let name = names.runtime(base);
    if name == base {
        name
    } else {
        format!("{base} as {name}")
    }
}

/// The tracker's types, at the end of `index.d.ts`.
pub(super) fn declarations(w: &mut Writer, catalog: &Catalog, names: &Names) {
    let n = |base: &str| names.runtime(base);
    let transport_types = [
        "Payload",
        "Transport",
        "MemoryTransport",
        "FetchResponse",
        "FetchLike",
        "HttpTransportStats",
        "HttpTransportError",
        "HttpTransportOptions",
        "HttpTransport",
    ];
    let tracker_types = ["ValidationError", "ValidationResult", "Violation"];
    let list = |types: &[&str]| {
        types
            .iter()
            .map(|t| export_spec(names, t))
            .collect::<Vec<_>>()
            .join(", ")
    };
    w.blank();
    w.line(format!(
        "import type {{ {} }} from \"./transport.js\";",
        list(&["Transport"])
    ));
    w.line(format!(
        "import type {{ {} }} from \"./tracker.js\";",
        list(&["ValidationResult", "Violation"])
    ));
    w.line(format!(
        "export type {{ {} }} from \"./transport.js\";",
        list(&transport_types)
    ));
    w.line(format!(
        "export type {{ {} }} from \"./tracker.js\";",
        list(&tracker_types)
    ));
    w.line("export { memoryTransport, httpTransport, retryAfterMs } from \"./transport.js\";");
    w.line(format!(
        "export {{ {} }} from \"./tracker.js\";",
        export_spec(names, "EventViolationError")
    ));

    let context = n("TrackerContext");
    let overrides = n("EnvelopeOverrides");
    let options = n("TrackerOptions");
    let tracker = n("Tracker");
    let fields = context_fields(catalog);

    w.blank();
    w.doc(&[
        "The envelope fields a tracker's context gives once, for every event it tracks.".into(),
    ]);
    w.open(format!("export interface {context} {{"));
    for field in &fields {
        property(w, names, field);
    }
    w.close("}");

    let filled: Vec<&Field> = id_field(catalog)
        .into_iter()
        .chain(timestamp_field(catalog))
        .map(|f| &f.field)
        .collect();
    w.blank();
    let mut doc = vec![
        "Envelope fields for one event, over the context's; the tracker fills the others.".into(),
    ];
    if !filled.is_empty() {
        let filled_names: Vec<String> = filled.iter().map(|f| format!("`{}`", f.name)).collect();
        doc.extend(jsdoc_lines_of(&format!(
            "Without them, {} are filled (a random UUID, the current time).",
            filled_names.join(" and ")
        )));
    }
    w.doc(&doc);
    w.open(format!("export interface {overrides} {{"));
    for field in filled.iter().copied().chain(fields.iter().copied()) {
        let mut optional = field.clone();
        optional.optional = true;
        property(w, names, &optional);
    }
    w.close("}");

    w.blank();
    w.doc(&["What `createTracker` needs.".into()]);
    w.open(format!("export interface {options} {{"));
    w.doc(&[
        "Where payloads go: `memoryTransport()`, `httpTransport({ url })` or your own.".into(),
    ]);
    w.line(format!("transport: {};", n("Transport")));
    w.doc(&["The envelope fields every event carries.".into()]);
    w.line(format!("context: {context};"));
    w.doc(&[
        "Checks each payload before it is sent: `validate` from `<package>/validate`.".into(),
        "Leave it out of production bundles to leave the validator out too.".into(),
    ]);
    w.line(format!(
        "validate?: (payload: unknown) => {};",
        n("ValidationResult")
    ));
    w.doc(&[
        "Called with each invalid payload; by default it throws in tests (the event is not sent)"
            .into(),
        "and warns otherwise (the event is sent, and the collector records it as invalid).".into(),
    ]);
    w.line(format!(
        "onViolation?: (violation: {}) => void;",
        n("Violation")
    ));
    w.close("}");

    w.blank();
    w.doc(&["A tracker: one function per event, each returning the payload it sent.".into()]);
    w.open(format!("export interface {tracker} {{"));
    for event in catalog.events.values() {
        let mut doc = text(&event.description);
        doc.push(String::new());
        doc.extend(jsdoc_lines_of(&format!(
            "Sends `{}` {}; returns the payload.",
            event.name, event.version
        )));
        w.doc(&doc);
        w.line(format!(
            "{}(properties: {}, overrides?: {overrides}): {};",
            method_name(event),
            event.names.properties_type,
            event.names.type_name
        ));
    }
    w.doc(&["Sends any event by its name.".into()]);
    w.line(format!(
        "track<E extends EventName>(name: E, properties: EventMap[E][{}], overrides?: {overrides}): EventMap[E];",
        string_literal(PROPERTIES_KEY)
    ));
    w.doc(&["Waits until every event tracked so far is delivered (or given up on).".into()]);
    w.line("flush(): Promise<void>;");
    w.close("}");

    w.blank();
    w.doc(&["A tracker with one function per event of the catalog.".into()]);
    w.line(format!(
        "export declare function createTracker(options: {options}): {tracker};"
    ));
}

fn jsdoc_lines_of(text: &str) -> Vec<String> {
    crate::emit::text::jsdoc_lines(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_names_never_take_the_trackers_own() {
        let mut event = Event {
            name: "a.b".into(),
            version: semver::Version::new(1, 0, 0),
            category: String::new(),
            group: String::new(),
            event_type: String::new(),
            description: String::new(),
            trigger: String::new(),
            usage: Vec::new(),
            retention: String::new(),
            properties: Vec::new(),
            source_file: String::new(),
            names: crate::ir::EventNames {
                type_name: "UserLogin".into(),
                properties_type: "UserLoginProperties".into(),
            },
        };
        assert_eq!(method_name(&event), "userLogin");
        event.names.type_name = "Flush".into();
        assert_eq!(method_name(&event), "flush_");
        event.names.type_name = "V3d".into();
        assert_eq!(method_name(&event), "v3d");
    }
}
