//! Lowering: from the loaded, lint-clean model to the IR.
//!
//! Lowering runs lint first and refuses a catalog with errors, so everything below may rely on
//! what lint guarantees (names resolve, bounds are ordered, generated names do not collide).
//! Where it still meets something unexpected it returns an error: it never panics on input.

use std::collections::BTreeMap;

use super::{
    Catalog, Category, EnumType, EnumVariant, Envelope, EnvelopeField, EnvelopeRole, Event,
    EventNames, Field, FieldType, Group, IntegerRules, NumberRules, RetentionPolicy, StringRules,
};
use crate::diagnostics::{Finding, has_errors};
use crate::load::LoadedCatalog;
use crate::model::{ItemsDef, PropertyDef, TypeName};
use crate::names;
use crate::resolve;
use crate::span::Sp;

/// Why a catalog cannot be lowered.
#[derive(Debug, thiserror::Error)]
pub enum LowerError {
    /// Lint found errors; they are attached, sorted.
    #[error("the catalog has {} lint error(s); run `eventcat lint` to see them", .0.len())]
    Invalid(Vec<Finding>),
}

/// Lints the catalog and, when it is clean, lowers it to the IR.
pub fn lower(loaded: &LoadedCatalog) -> Result<Catalog, LowerError> {
    let findings = crate::lint::lint(loaded);
    if has_errors(&findings) {
        return Err(LowerError::Invalid(
            findings
                .into_iter()
                .filter(|f| f.severity == crate::Severity::Error)
                .collect(),
        ));
    }
    let Some((_, def)) = &loaded.catalog else {
        return Err(LowerError::Invalid(findings));
    };
    let version =
        semver::Version::parse(&def.version).map_err(|_| LowerError::Invalid(findings.clone()))?;

    let environments = crate::lint::environment_values(def).unwrap_or_default();
    let envelope = Envelope {
        description: def.envelope.description.value.clone(),
        fields: def
            .envelope
            .fields
            .iter()
            .map(|(name, property)| EnvelopeField {
                field: lower_field(None, name, property),
                role: match name.value.as_str() {
                    "event_name" => EnvelopeRole::EventName,
                    "event_type" => EnvelopeRole::EventType,
                    "version" => EnvelopeRole::Version,
                    "environment" => EnvelopeRole::Environment,
                    _ => EnvelopeRole::Plain,
                },
            })
            .collect(),
        environments,
    };

    let retention_policies = def
        .retention_policies
        .iter()
        .map(|(id, policy)| {
            let lowered = RetentionPolicy {
                id: id.value.clone(),
                retention_period: policy.retention_period.value.to_string(),
                archive_after: policy.archive_after.value.to_string(),
                compliance_reason: policy.compliance_reason.value.clone(),
                description: policy.description.value.clone(),
            };
            (id.value.clone(), lowered)
        })
        .collect();

    let categories = def
        .categories
        .iter()
        .map(|(id, category)| Category {
            id: id.value.clone(),
            title: category.title.value.clone(),
            description: category.description.value.clone(),
            namespaces: category
                .namespaces
                .iter()
                .map(|n| n.value.clone())
                .collect(),
            retention_rationale: category
                .retention_rationale
                .as_ref()
                .map(|r| r.value.clone()),
            groups: category
                .groups
                .iter()
                .map(|(group_id, group)| Group {
                    id: group_id.value.clone(),
                    title: group.title.value.clone(),
                    event_type: group.event_type.value.clone(),
                    retention_rationale: group
                        .retention_rationale
                        .as_ref()
                        .map(|r| r.value.clone()),
                    order: group.order.iter().map(|name| name.value.clone()).collect(),
                })
                .collect(),
        })
        .collect();

    let mut events = BTreeMap::new();
    for loaded_event in &loaded.events {
        let event = &loaded_event.def;
        let invalid = || LowerError::Invalid(findings.clone());
        let category = def
            .categories
            .get(loaded_event.category_dir.as_str())
            .ok_or_else(invalid)?;
        let group = category
            .groups
            .get(event.group.value.as_str())
            .ok_or_else(invalid)?;
        let (retention, _) =
            resolve::retention_policy(def, category, Some(group), event).ok_or_else(invalid)?;
        let version = semver::Version::parse(&event.version).map_err(|_| invalid())?;
        let name = event.name.value.clone();
        let lowered = Event {
            version,
            category: loaded_event.category_dir.clone(),
            group: event.group.value.clone(),
            event_type: group.event_type.value.clone(),
            description: event.description.value.trim().to_owned(),
            trigger: event.trigger.value.trim().to_owned(),
            usage: event.usage.iter().map(|u| u.value.clone()).collect(),
            retention: retention.to_owned(),
            properties: event
                .properties
                .iter()
                .map(|(property, def)| lower_field(Some(&name), property, def))
                .collect(),
            source_file: loaded.source(loaded_event.source).relative.clone(),
            names: EventNames {
                type_name: names::event_type_name(&name),
                properties_type: names::properties_type_name(&name),
            },
            name,
        };
        events.insert(lowered.name.clone(), lowered);
    }

    Ok(Catalog {
        name: def.name.value.clone(),
        version,
        title: def.title.value.clone(),
        description: def.description.value.clone(),
        envelope,
        retention_policies,
        categories,
        events,
        privacy: def.privacy.iter().map(|p| p.value.clone()).collect(),
    })
}

/// One property. `owner` is the event name, `None` for envelope fields.
fn lower_field(owner: Option<&str>, name: &Sp<String>, def: &PropertyDef) -> Field {
    let ty = match (def.ty.value, &def.enum_values) {
        (TypeName::String, Some(values)) => {
            FieldType::Enum(enum_type(names::enum_type_name(owner, name, false), values))
        }
        (TypeName::Array, _) => FieldType::Array(Box::new(match &def.items {
            Some(items) => lower_items(owner, name, items),
            None => FieldType::String(StringRules::default()),
        })),
        (ty, _) => scalar_type(
            ty,
            def.minimum.as_ref().map(|m| m.value),
            def.maximum.as_ref().map(|m| m.value),
            StringRules {
                min_length: def.min_length.as_ref().map(|m| m.value),
                max_length: def.max_length.as_ref().map(|m| m.value),
                pattern: def.pattern.as_ref().map(|p| p.value.clone()),
                format: def.format.as_ref().map(|f| f.value),
            },
        ),
    };
    Field {
        name: name.value.clone(),
        rust_name: names::rust_field(name),
        description: def.description.value.trim().to_owned(),
        ty,
        value_type: names::value_type_of(def)
            .map(|is_item| names::enum_type_name(owner, name, is_item)),
        optional: def.optional,
        nullable: def.nullable,
        unit: def.unit.as_ref().map(|u| u.value),
        pii: def.pii.as_ref().map(|p| p.value),
        environments: def
            .environments
            .as_ref()
            .map(|envs| envs.iter().map(|e| e.value.clone()).collect()),
        examples: def
            .examples
            .iter()
            .flatten()
            .map(|e| e.value.clone())
            .collect(),
        line: name.pos.line,
    }
}

fn lower_items(owner: Option<&str>, name: &str, items: &ItemsDef) -> FieldType {
    match (items.ty.value, &items.enum_values) {
        (TypeName::String, Some(values)) => {
            FieldType::Enum(enum_type(names::enum_type_name(owner, name, true), values))
        }
        (ty, _) => scalar_type(
            ty,
            None,
            None,
            StringRules {
                pattern: items.pattern.as_ref().map(|p| p.value.clone()),
                format: items.format.as_ref().map(|f| f.value),
                ..StringRules::default()
            },
        ),
    }
}

fn scalar_type(
    ty: TypeName,
    min: Option<f64>,
    max: Option<f64>,
    strings: StringRules,
) -> FieldType {
    match ty {
        TypeName::String => FieldType::String(strings),
        // Lint guarantees integer bounds are whole numbers within ±2^53.
        TypeName::Integer => FieldType::Integer(IntegerRules {
            minimum: min.map(|m| m as i64),
            maximum: max.map(|m| m as i64),
        }),
        TypeName::Number => FieldType::Number(NumberRules {
            minimum: min,
            maximum: max,
        }),
        TypeName::Boolean => FieldType::Boolean,
        TypeName::DateTime => FieldType::DateTime,
        TypeName::Object => FieldType::Object,
        TypeName::Array => FieldType::Array(Box::new(FieldType::String(StringRules::default()))),
    }
}

fn enum_type(type_name: String, values: &[Sp<String>]) -> EnumType {
    EnumType {
        type_name,
        variants: values
            .iter()
            .map(|value| EnumVariant {
                value: value.value.clone(),
                rust_name: names::rust_type(value),
            })
            .collect(),
    }
}
