//! `name-collision`: names that differ in the catalog but become the same identifier in
//! generated code. Checked here, before generation, so the emitters never meet a collision and
//! the author gets a located finding instead of code that does not compile.

use std::collections::BTreeMap;

use super::Findings;
use crate::diagnostics::Rule;
use crate::load::LoadedCatalog;
use crate::model::{PropertyDef, TypeName};
use crate::names;
use crate::span::{Pos, Sp};

/// The payload key that holds an event's properties; no envelope field may take it.
const PROPERTIES_KEY: &str = "properties";

pub(super) fn check(out: &mut Findings, loaded: &LoadedCatalog) {
    let mut types = TypeNames::default();
    for reserved in names::RESERVED_TYPE_NAMES {
        types.taken.insert((*reserved).to_owned(), None);
    }
    if let Some((index, catalog)) = &loaded.catalog {
        let file = &loaded.source(*index).display;
        let fields = &catalog.envelope.fields;
        if let Some((key, _)) = fields.get_key_value(PROPERTIES_KEY) {
            out.push(
                Rule::NameCollision,
                file,
                key.pos,
                "the envelope cannot have a field `properties`: that key holds each event's properties",
            );
        }
        check_struct(out, file, None, fields.iter(), &mut types);
    }
    let mut seen_events = std::collections::BTreeSet::new();
    for event in &loaded.events {
        let file = &loaded.source(event.source).display;
        let name = &event.def.name;
        // A second file of the same event is `duplicate-event`; its names are not collisions too.
        if !super::is_event_name(name) || !seen_events.insert(name.value.as_str()) {
            continue;
        }
        for type_name in [
            names::event_type_name(&name.value),
            names::properties_type_name(&name.value),
        ] {
            types.claim(out, file, name.pos, &type_name, &name.value);
        }
        check_struct(
            out,
            file,
            Some(name.value.as_str()),
            event.def.properties.iter(),
            &mut types,
        );
    }
}

/// Type names claimed so far, with where they came from (`None` for the generated code's own).
#[derive(Default)]
struct TypeNames {
    taken: BTreeMap<String, Option<(String, u32, String)>>,
}

impl TypeNames {
    fn claim(&mut self, out: &mut Findings, file: &str, pos: Pos, type_name: &str, what: &str) {
        match self.taken.get(type_name) {
            Some(None) => out.push(
                Rule::NameCollision,
                file,
                pos,
                format!("`{what}` would generate the type `{type_name}`, which the generated code already defines"),
            ),
            Some(Some((other_file, line, other))) => out.push(
                Rule::NameCollision,
                file,
                pos,
                format!("`{what}` and `{other}` ({other_file}:{line}) would both generate the type `{type_name}`"),
            ),
            None => {
                self.taken.insert(
                    type_name.to_owned(),
                    Some((file.to_owned(), pos.line, what.to_owned())),
                );
            }
        }
    }
}

fn check_struct<'a>(
    out: &mut Findings,
    file: &str,
    owner: Option<&str>,
    properties: impl Iterator<Item = (&'a Sp<String>, &'a PropertyDef)>,
    types: &mut TypeNames,
) {
    let mut fields: BTreeMap<String, &Sp<String>> = BTreeMap::new();
    if owner.is_some() {
        // The properties struct has no other fields, but the envelope struct has `properties`.
    } else {
        fields.insert(PROPERTIES_KEY.to_owned(), &PROPERTIES_SP);
    }
    for (name, def) in properties {
        let ident = names::rust_field(name);
        match fields.get(&ident) {
            Some(other) if other.value != name.value => out.push(
                Rule::NameCollision,
                file,
                name.pos,
                format!(
                    "`{}` and `{}` would both become the Rust field `{ident}`",
                    name.value, other.value
                ),
            ),
            _ => {
                fields.insert(ident, name);
            }
        }
        let enum_values = match def.ty.value {
            TypeName::String => def.enum_values.as_ref().map(|v| (v, false)),
            TypeName::Array => def
                .items
                .as_ref()
                .and_then(|items| items.enum_values.as_ref())
                .map(|v| (v, true)),
            _ => None,
        };
        if let Some((values, is_item)) = enum_values {
            let type_name = names::enum_type_name(owner, name, is_item);
            let what = match owner {
                Some(event) => format!("{event}.{}", name.value),
                None => format!("envelope.{}", name.value),
            };
            types.claim(out, file, name.pos, &type_name, &what);
            check_variants(out, file, name, values);
        } else if let Some(is_item) = names::value_type_of(def) {
            let type_name = names::enum_type_name(owner, name, is_item);
            let what = match owner {
                Some(event) => format!("{event}.{}", name.value),
                None => format!("envelope.{}", name.value),
            };
            types.claim(out, file, name.pos, &type_name, &what);
        }
    }
}

/// Stands for the envelope's own `properties` field, which an envelope field named `properties`
/// is already reported for (above), so equal values here are not reported twice.
static PROPERTIES_SP: std::sync::LazyLock<Sp<String>> =
    std::sync::LazyLock::new(|| Sp::unplaced(PROPERTIES_KEY.to_owned()));

fn check_variants(out: &mut Findings, file: &str, property: &str, values: &[Sp<String>]) {
    let mut variants: BTreeMap<String, &Sp<String>> = BTreeMap::new();
    for value in values {
        let variant = names::rust_type(value);
        match variants.get(&variant) {
            Some(other) if other.value != value.value => out.push(
                Rule::NameCollision,
                file,
                value.pos,
                format!(
                    "enum values `{}` and `{}` of `{property}` would both become the Rust variant `{variant}`",
                    value.value, other.value
                ),
            ),
            _ => {
                variants.insert(variant, value);
            }
        }
    }
}
