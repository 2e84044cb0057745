//! Rules for event files: names, placement, uniqueness, groups, retention and properties.

use std::collections::BTreeMap;

use super::catalog::{check_policy_ref, environment_values};
use super::{Findings, is_event_name, property};
use crate::diagnostics::Rule;
use crate::load::{LoadedCatalog, LoadedEvent};
use crate::model::CatalogDef;
use crate::resolve;

/// Every `order` entry of a group names an event of that group, once.
fn check_group_orders(out: &mut Findings, loaded: &LoadedCatalog) {
    let Some((index, catalog)) = &loaded.catalog else {
        return;
    };
    let file = loaded.source(*index).display.as_str();
    for (category_id, category) in &catalog.categories {
        for (group_id, group) in &category.groups {
            let mut seen = std::collections::BTreeSet::new();
            for entry in &group.order {
                let in_group = loaded.events.iter().any(|e| {
                    e.def.name.value == entry.value
                        && e.category_dir == category_id.value
                        && e.def.group.value == group_id.value
                });
                // A file that did not parse has its own findings; whether it belongs here
                // cannot be told, so it is not reported again as a missing event.
                let maybe_broken = loaded.broken_events.iter().any(|e| {
                    e.likely_name() == entry.value
                        && e.category_dir == category_id.value
                        && e.group.as_deref().is_none_or(|g| g == group_id.value)
                });
                if !seen.insert(entry.value.as_str()) {
                    out.push(
                        Rule::OrderEntry,
                        file,
                        entry.pos,
                        format!(
                            "`{}` is listed twice in the order of group `{}`",
                            entry.value, group_id.value
                        ),
                    );
                } else if !in_group && !maybe_broken {
                    out.push_help(
                        Rule::OrderEntry,
                        file,
                        entry.pos,
                        format!(
                            "the order of group `{}` names `{}`, which is not an event of that group",
                            group_id.value, entry.value
                        ),
                        "list only events whose file is in the category's folder and whose `group` is this group",
                    );
                }
            }
        }
    }
}

pub(super) fn check_all(out: &mut Findings, loaded: &LoadedCatalog) {
    check_group_orders(out, loaded);
    let catalog = loaded.catalog.as_ref().map(|(_, def)| def);
    let mut first_file: BTreeMap<&str, (&str, u32)> = BTreeMap::new();
    for event in &loaded.events {
        let file = loaded.source(event.source).display.as_str();
        let name = &event.def.name;
        if let Some((other, line)) = first_file.get(name.value.as_str()) {
            out.push_help(
                Rule::DuplicateEvent,
                file,
                name.pos,
                format!("event `{}` is already defined in {other}:{line}", name.value),
                "each event has exactly one file; to publish a new version, bump `version` in the existing file",
            );
        } else {
            first_file.insert(name, (file, name.pos.line));
        }
        check_one(out, file, event, catalog);
    }
}

fn check_one(out: &mut Findings, file: &str, event: &LoadedEvent, catalog: Option<&CatalogDef>) {
    let def = &event.def;
    let name = &def.name;
    if !is_event_name(name) {
        out.push_help(
            Rule::EventNameFormat,
            file,
            name.pos,
            format!(
                "event name `{}` is not of the form `<namespace>.<snake_case>`",
                name.value
            ),
            "e.g. `user.login`: a namespace its category owns, a dot, a snake_case action",
        );
    }
    if event.file_stem != name.value {
        out.push_help(
            Rule::EventFileMismatch,
            file,
            name.pos,
            format!(
                "the file is named `{}` but defines event `{}`",
                event.file_stem, name.value
            ),
            format!("rename the file to `{}.yaml`", name.value),
        );
    }
    out.semver(file, "event version", &def.version);
    out.non_empty(file, "the event description", &def.description);
    out.non_empty(file, "the trigger", &def.trigger);
    for usage in &def.usage {
        out.non_empty(file, "a usage entry", usage);
    }
    super::accepted::check_event(out, file, def);
    check_placeholders(out, file, def);

    if let Some(catalog) = catalog {
        check_placement(out, file, event, catalog);
    }

    let environments = catalog.and_then(environment_values);
    for (property_name, property_def) in &def.properties {
        out.snake_case(file, "property name", property_name);
        property::check(
            out,
            file,
            property_name,
            property_def,
            environments.as_deref(),
        );
    }
}

/// `placeholder` for each text `eventcat new` left as `TODO: ...`.
fn check_placeholders(out: &mut Findings, file: &str, def: &crate::model::EventDef) {
    let texts = [
        ("the description", &def.description),
        ("the trigger", &def.trigger),
    ]
    .into_iter()
    .chain(def.usage.iter().map(|u| ("a usage entry", u)))
    .chain(
        def.properties
            .values()
            .map(|p| ("a property description", &p.description)),
    );
    for (what, text) in texts {
        if let Some(hint) = text.trim_start().strip_prefix("TODO") {
            let hint = hint.trim_start_matches(':').trim();
            out.push_help(
                Rule::Placeholder,
                file,
                text.pos,
                format!("{what} is still a placeholder"),
                if hint.is_empty() {
                    "write it".to_owned()
                } else {
                    format!("write {hint}")
                },
            );
        }
    }
}

/// The category folder, namespace, group and retention policy of an event agree with catalog.yaml.
fn check_placement(out: &mut Findings, file: &str, event: &LoadedEvent, catalog: &CatalogDef) {
    let def = &event.def;
    let Some((category_id, category)) = catalog
        .categories
        .get_key_value(event.category_dir.as_str())
    else {
        let known: Vec<&str> = catalog
            .categories
            .keys()
            .map(|k| k.value.as_str())
            .collect();
        out.push_help(
            Rule::UnknownCategory,
            file,
            def.name.pos,
            format!(
                "folder `events/{}` is not a category of catalog.yaml",
                event.category_dir
            ),
            format!("categories: {}", known.join(", ")),
        );
        return;
    };
    if let Some((namespace, _)) = def.name.split_once('.')
        && !category.namespaces.iter().any(|n| n.value == namespace)
    {
        let owner = catalog
            .categories
            .iter()
            .find(|(_, c)| c.namespaces.iter().any(|n| n.value == namespace))
            .map(|(id, _)| id.value.as_str());
        let help = match owner {
            Some(owner) => format!("move the file to `events/{owner}/`"),
            None => format!(
                "category `{}` owns the namespaces: {}",
                category_id.value,
                category
                    .namespaces
                    .iter()
                    .map(|n| n.value.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        out.push_help(
            Rule::EventCategoryMismatch,
            file,
            def.name.pos,
            format!(
                "event `{}` is in category `{}`, which does not own the namespace `{namespace}`",
                def.name.value, category_id.value
            ),
            help,
        );
    }
    let group = category.groups.get(def.group.value.as_str());
    if group.is_none() {
        let known: Vec<&str> = category.groups.keys().map(|k| k.value.as_str()).collect();
        out.push_help(
            Rule::UnknownGroup,
            file,
            def.group.pos,
            format!(
                "group `{}` is not declared under category `{}`",
                def.group.value, category_id.value
            ),
            format!("groups of `{}`: {}", category_id.value, known.join(", ")),
        );
    }
    check_policy_ref(out, file, catalog, def.retention.as_ref());
    if group.is_some() && resolve::retention_policy_ref(category, group, def).is_none() {
        out.push_help(
            Rule::UnresolvedRetention,
            file,
            def.name.pos,
            format!(
                "no retention policy applies to `{}`: neither the event, its group nor its category names one",
                def.name.value
            ),
            "add `retention: <policy>` to the event, or to its group or category in catalog.yaml",
        );
    }
}
