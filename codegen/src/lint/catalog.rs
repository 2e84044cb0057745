//! Rules for `catalog.yaml`: names, envelope, retention policies, categories and groups.

use std::collections::BTreeMap;

use super::{Findings, is_event_name, property};
use crate::diagnostics::Rule;
use crate::model::{CatalogDef, TypeName};
use crate::span::{Pos, Sp};

/// Envelope fields the emitters and the validator rely on, with the type each must have.
pub const REQUIRED_ENVELOPE_FIELDS: &[(&str, TypeName)] = &[
    ("event_id", TypeName::String),
    ("event_type", TypeName::String),
    ("event_name", TypeName::String),
    ("timestamp", TypeName::DateTime),
    ("organization_id", TypeName::String),
    ("version", TypeName::String),
    ("source", TypeName::String),
    ("environment", TypeName::String),
];

pub(super) fn check(out: &mut Findings, file: &str, catalog: &CatalogDef) {
    out.snake_case(file, "catalog name", &catalog.name);
    out.semver(file, "catalog version", &catalog.version);
    out.non_empty(file, "the catalog title", &catalog.title);
    out.non_empty(file, "the catalog description", &catalog.description);
    for principle in &catalog.privacy {
        out.non_empty(file, "a privacy principle", principle);
    }

    check_envelope(out, file, catalog);
    check_retention_policies(out, file, catalog);
    check_categories(out, file, catalog);
    super::accepted::check_catalog(out, file, catalog);
}

fn check_envelope(out: &mut Findings, file: &str, catalog: &CatalogDef) {
    let envelope = &catalog.envelope;
    out.non_empty(file, "the envelope description", &envelope.description);
    let environments = environment_values(catalog);
    for (name, def) in &envelope.fields {
        out.snake_case(file, "envelope field", name);
        property::check(out, file, name, def, environments.as_deref());
    }
    let anchor = envelope
        .fields
        .keys()
        .next()
        .map_or(envelope.description.pos, |k| k.pos);
    for (required, ty) in REQUIRED_ENVELOPE_FIELDS {
        match envelope.fields.get_key_value(*required) {
            None => out.push_help(
                Rule::EnvelopeField,
                file,
                anchor,
                format!("the envelope has no `{required}` field"),
                format!(
                    "add `{required}` (type {}) under envelope.fields",
                    ty.as_str()
                ),
            ),
            Some((key, def)) => {
                if def.ty.value != *ty {
                    out.push(
                        Rule::EnvelopeField,
                        file,
                        def.ty.pos,
                        format!(
                            "envelope field `{}` must have type {}, not {}",
                            key.value,
                            ty.as_str(),
                            def.ty.as_str()
                        ),
                    );
                }
                if def.optional {
                    out.push(
                        Rule::EnvelopeField,
                        file,
                        key.pos,
                        format!("envelope field `{}` must not be optional", key.value),
                    );
                }
            }
        }
    }
    if let Some((key, def)) = envelope.fields.get_key_value("environment")
        && def.enum_values.is_none()
    {
        out.push(
                Rule::EnvelopeField,
                file,
                key.pos,
                "the envelope's `environment` field must be a closed enum (properties may be restricted to its values)",
            );
    }
}

/// The values of the envelope's `environment` enum, when it has one.
pub fn environment_values(catalog: &CatalogDef) -> Option<Vec<String>> {
    let def = catalog.envelope.fields.get("environment")?;
    let values = def.enum_values.as_ref()?;
    Some(values.iter().map(|v| v.value.clone()).collect())
}

fn check_retention_policies(out: &mut Findings, file: &str, catalog: &CatalogDef) {
    for (name, policy) in &catalog.retention_policies {
        out.snake_case(file, "retention policy name", name);
        out.non_empty(file, "the compliance reason", &policy.compliance_reason);
        out.non_empty(file, "the policy description", &policy.description);
        if policy.archive_after.approx_days() > policy.retention_period.approx_days() {
            out.push(
                Rule::InvalidRange,
                file,
                policy.archive_after.pos,
                format!(
                    "policy `{}` archives after {} but deletes after {}: archive_after must not exceed retention_period",
                    name.value, policy.archive_after.value, policy.retention_period.value
                ),
            );
        }
    }
}

fn check_categories(out: &mut Findings, file: &str, catalog: &CatalogDef) {
    let mut namespace_owner: BTreeMap<&str, &Sp<String>> = BTreeMap::new();
    let mut event_types: BTreeMap<&str, Pos> = BTreeMap::new();
    for (id, category) in &catalog.categories {
        out.snake_case(file, "category id", id);
        out.non_empty(file, "the category title", &category.title);
        out.non_empty(file, "the category description", &category.description);
        check_policy_ref(out, file, catalog, category.retention.as_ref());
        for namespace in &category.namespaces {
            out.snake_case(file, "namespace", namespace);
            if let Some(owner) = namespace_owner.insert(namespace, id) {
                out.push(
                    Rule::DuplicateNamespace,
                    file,
                    namespace.pos,
                    format!(
                        "namespace `{}` is owned by both `{}` and `{}`",
                        namespace.value, owner.value, id.value
                    ),
                );
            }
        }
        for (group_id, group) in &category.groups {
            out.snake_case(file, "group id", group_id);
            out.non_empty(file, "the group title", &group.title);
            check_policy_ref(out, file, catalog, group.retention.as_ref());
            if !is_event_name(&group.event_type) {
                out.push(
                    Rule::EventNameFormat,
                    file,
                    group.event_type.pos,
                    format!(
                        "event_type `{}` is not of the form `<category>.<snake_case>`",
                        group.event_type.value
                    ),
                );
            }
            if let Some(first) = event_types.insert(&group.event_type, group.event_type.pos) {
                out.push(
                    Rule::DuplicateEventType,
                    file,
                    group.event_type.pos,
                    format!(
                        "event_type `{}` is already declared at line {}",
                        group.event_type.value, first.line
                    ),
                );
            }
        }
    }
}

/// `unresolved-retention` when `policy` names no declared policy.
pub(super) fn check_policy_ref(
    out: &mut Findings,
    file: &str,
    catalog: &CatalogDef,
    policy: Option<&Sp<String>>,
) {
    let Some(policy) = policy else { return };
    if !catalog
        .retention_policies
        .contains_key(policy.value.as_str())
    {
        let known: Vec<&str> = catalog
            .retention_policies
            .keys()
            .map(|k| k.value.as_str())
            .collect();
        out.push_help(
            Rule::UnresolvedRetention,
            file,
            policy.pos,
            format!("retention policy `{}` is not declared", policy.value),
            format!("declared policies: {}", known.join(", ")),
        );
    }
}
