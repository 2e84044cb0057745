//! Rules for `accepted_changes`, the reviewed escape hatch of `eventcat compat`: every entry says
//! why, and names what it accepts in the file where `compat` looks for it.

use super::{Findings, is_event_name, is_snake_case};
use crate::compat::ChangeKind;
use crate::diagnostics::Rule;
use crate::model::{CatalogDef, EventDef};

/// Entries of an event file: about the event itself or one of its properties.
pub(super) fn check_event(out: &mut Findings, file: &str, def: &EventDef) {
    for entry in &def.accepted_changes {
        out.non_empty(file, "the reason of an accepted change", &entry.reason);
        if matches!(
            entry.kind.value,
            ChangeKind::EventAdded | ChangeKind::EventRemoved
        ) {
            out.push_help(
                Rule::InvalidValue,
                file,
                entry.kind.pos,
                format!(
                    "`{}` is a change of the catalog's event list, not of this event",
                    entry.kind.value
                ),
                "accept a removed event in catalog.yaml: `accepted_changes: [{ kind: EVENT_REMOVED, event: <name>, reason: ... }]`",
            );
        }
        if let Some(property) = &entry.property
            && !is_snake_case(property)
        {
            out.push(
                Rule::PropertyNameFormat,
                file,
                property.pos,
                format!(
                    "accepted change names property `{}`, which is not snake_case",
                    property.value
                ),
            );
        }
    }
}

/// Entries of catalog.yaml: a removed event (`event`) or an envelope field (`property`).
pub(super) fn check_catalog(out: &mut Findings, file: &str, def: &CatalogDef) {
    for entry in &def.accepted_changes {
        out.non_empty(file, "the reason of an accepted change", &entry.reason);
        let kind = entry.kind.value;
        let problem = match (kind, &entry.event, &entry.property) {
            (ChangeKind::EventAdded, _, _) => Some((
                format!("`{kind}` is always compatible: there is nothing to accept"),
                "remove the entry",
            )),
            (ChangeKind::EventRemoved, None, _) => Some((
                format!("`{kind}` needs `event`: the name of the event removed"),
                "add `event: <name>`",
            )),
            (ChangeKind::EventRemoved, Some(_), _) => None,
            (_, Some(_), _) => Some((
                format!(
                    "`event` goes only with EVENT_REMOVED; `{kind}` of an event's property is accepted in that event's file"
                ),
                "move the entry to the event's file, without `event`",
            )),
            (_, None, None) => Some((
                format!(
                    "`{kind}` in catalog.yaml is about an envelope field: name it with `property`"
                ),
                "add `property: <envelope field>`",
            )),
            (_, None, Some(_)) => None,
        };
        if let Some((message, help)) = problem {
            out.push_help(Rule::InvalidValue, file, entry.kind.pos, message, help);
        }
        if let Some(event) = &entry.event
            && !is_event_name(event)
        {
            out.push(
                    Rule::EventNameFormat,
                    file,
                    event.pos,
                    format!(
                        "accepted change names event `{}`, which is not of the form `<namespace>.<snake_case>`",
                        event.value
                    ),
                );
        }
    }
}
