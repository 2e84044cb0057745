//! The rules: every change between two shapes of an event, classified by [`ChangeKind`].
//!
//! The diff is pure: two [`EventShape`]s in, a list of [`Change`]s out, each located at the line
//! of the new side's YAML where it shows (or, for a removed property, where it used to be: the
//! line of the property that now takes its place). Verdicts and bumps are not decided here; they
//! depend on the mode and policy ([`super::mode`]).

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::Value;

use super::kind::ChangeKind;
use super::shape::{Bounds, EventShape, PropertyShape, StringShape, TypeShape};

/// What a change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// The catalog as a whole (events added or removed, catalog documentation).
    Catalog,
    /// The event itself (description, trigger, group, retention).
    Event,
    /// One of the event's properties.
    Property,
    /// A field of the envelope every event shares.
    Envelope,
}

/// One change between two versions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub kind: ChangeKind,
    pub scope: Scope,
    /// The property or envelope field (for [`Scope::Catalog`], the event added or removed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub property: Option<String>,
    /// What changed, in words: `maximum 100 → 50`.
    pub message: String,
    /// Whether the property concerned was optional before the change (some verdicts depend on it).
    #[serde(skip)]
    pub was_optional: bool,
    /// Line in the new side's file (the event file, or catalog.yaml for the envelope); 0 unknown.
    pub line: u32,
}

impl Change {
    fn new(kind: ChangeKind, scope: Scope, message: impl Into<String>, line: u32) -> Self {
        Change {
            kind,
            scope,
            property: None,
            message: message.into(),
            was_optional: false,
            line,
        }
    }

    fn on(mut self, property: &str, was_optional: bool) -> Self {
        self.property = Some(property.to_owned());
        self.was_optional = was_optional;
        self
    }
}

/// Every change from `old` to `new`, two versions of the same event.
pub fn diff_events(old: &EventShape, new: &EventShape) -> Vec<Change> {
    let mut changes = Vec::new();
    let lines = new.lines;
    if old.description != new.description {
        changes.push(Change::new(
            ChangeKind::DescriptionChanged,
            Scope::Event,
            "the event's description changed",
            lines.description,
        ));
    }
    if let (Some(a), Some(b)) = (&old.trigger, &new.trigger)
        && a != b
    {
        changes.push(Change::new(
            ChangeKind::TriggerChanged,
            Scope::Event,
            "the trigger changed",
            lines.trigger,
        ));
    }
    if let (Some(a), Some(b)) = (&old.usage, &new.usage)
        && a != b
    {
        changes.push(Change::new(
            ChangeKind::UsageChanged,
            Scope::Event,
            "the usage list changed",
            or(lines.usage, lines.name),
        ));
    }
    if old.event_type != new.event_type {
        changes.push(Change::new(
            ChangeKind::EventTypeChanged,
            Scope::Event,
            format!(
                "event_type {} → {}",
                show(old.event_type.as_deref()),
                show(new.event_type.as_deref())
            ),
            or(lines.group, lines.name),
        ));
    }
    if old.category != new.category || old.group != new.group {
        changes.push(Change::new(
            ChangeKind::EventGroupChanged,
            Scope::Event,
            format!(
                "category/group {}/{} → {}/{}",
                show(old.category.as_deref()),
                show(old.group.as_deref()),
                show(new.category.as_deref()),
                show(new.group.as_deref())
            ),
            or(lines.group, lines.name),
        ));
    }
    if old.retention != new.retention {
        changes.push(Change::new(
            ChangeKind::RetentionChanged,
            Scope::Event,
            format!(
                "retention {} → {}",
                retention(old.retention.as_ref()),
                retention(new.retention.as_ref())
            ),
            or(lines.retention, or(lines.group, lines.name)),
        ));
    }
    if old.extra != new.extra {
        changes.push(Change::new(
            ChangeKind::UnclassifiedChange,
            Scope::Event,
            format!(
                "schema keywords changed: {}",
                changed_keys(&old.extra, &new.extra)
            ),
            lines.name,
        ));
    }

    // The envelope: the constants each event fixes are not changes of the envelope (the version
    // is the version, the event type is reported above).
    let fixed = |field: &PropertyShape, event: &EventShape| match &field.ty {
        TypeShape::Const(Value::String(value)) => {
            *value == event.version.to_string()
                || Some(value.as_str()) == event.event_type.as_deref()
                || *value == event.name
        }
        _ => false,
    };
    let old_envelope: Vec<PropertyShape> = old
        .envelope
        .iter()
        .filter(|f| !fixed(f, old))
        .cloned()
        .collect();
    let new_envelope: Vec<PropertyShape> = new
        .envelope
        .iter()
        .filter(|f| !fixed(f, new))
        .cloned()
        .collect();
    changes.extend(diff_properties(
        &old_envelope,
        &new_envelope,
        Scope::Envelope,
        0,
    ));
    changes.extend(diff_properties(
        &old.properties,
        &new.properties,
        Scope::Property,
        or(lines.version, lines.name),
    ));
    changes
}

/// Changes between two property lists: removals, additions (with rename hints), and changes of
/// the properties both have. `fallback_line` locates a removal with no neighbour left.
pub fn diff_properties(
    old: &[PropertyShape],
    new: &[PropertyShape],
    scope: Scope,
    fallback_line: u32,
) -> Vec<Change> {
    let find = |list: &[PropertyShape], name: &str| list.iter().position(|p| p.name == name);
    let removed: Vec<&PropertyShape> = old
        .iter()
        .filter(|p| find(new, &p.name).is_none())
        .collect();
    let added: Vec<&PropertyShape> = new
        .iter()
        .filter(|p| find(old, &p.name).is_none())
        .collect();

    // A rename is a removal plus an addition; pair them up to say so.
    let mut renamed_to: Vec<Option<&str>> = vec![None; removed.len()];
    let mut renamed_from: Vec<Option<&str>> = vec![None; added.len()];
    for (r, gone) in removed.iter().enumerate() {
        if let Some(a) = (0..added.len()).find(|&a| {
            renamed_from[a].is_none()
                && added[a].ty == gone.ty
                && added[a].nullable == gone.nullable
        }) {
            renamed_to[r] = Some(&added[a].name);
            renamed_from[a] = Some(&gone.name);
        }
    }

    let mut changes = Vec::new();
    let what = match scope {
        Scope::Envelope => "envelope field",
        _ => "property",
    };
    for (r, gone) in removed.iter().enumerate() {
        // Where it used to be: the next property of the old order that is still there.
        let index = find(old, &gone.name).unwrap_or(0);
        let line = old[index + 1..]
            .iter()
            .chain(old[..index].iter().rev())
            .find_map(|p| new.iter().find(|n| n.name == p.name).map(|n| n.line))
            .filter(|line| *line > 0)
            .unwrap_or(fallback_line);
        let required = if gone.required {
            "required"
        } else {
            "optional"
        };
        let mut message = format!("{what} `{}` ({required}) was removed", gone.name);
        if let Some(to) = renamed_to[r] {
            message.push_str(&format!(
                "; `{to}` was added with the same type: a rename is a removal plus an addition"
            ));
        }
        changes.push(
            Change::new(
                ChangeKind::PropertyRemovedFromClosedContentModel,
                scope,
                message,
                line,
            )
            .on(&gone.name, !gone.required),
        );
    }
    for (a, new_property) in added.iter().enumerate() {
        let (kind, required) = if new_property.required {
            (
                ChangeKind::RequiredPropertyAddedToUnopenContentModel,
                "required",
            )
        } else {
            (
                ChangeKind::OptionalPropertyAddedToUnopenContentModel,
                "optional",
            )
        };
        let mut message = format!(
            "{required} {what} `{}` ({}) was added",
            new_property.name,
            new_property.ty.describe()
        );
        if let Some(from) = renamed_from[a] {
            message.push_str(&format!(
                "; it looks like a rename of `{from}`, which is reported as a removal plus an addition"
            ));
        }
        changes.push(
            Change::new(kind, scope, message, new_property.line).on(&new_property.name, true),
        );
    }
    for new_property in new {
        if let Some(index) = find(old, &new_property.name) {
            changes.extend(diff_property(&old[index], new_property, scope));
        }
    }
    changes
}

/// Changes of one property both versions have.
pub fn diff_property(old: &PropertyShape, new: &PropertyShape, scope: Scope) -> Vec<Change> {
    let name = &new.name;
    let was_optional = !old.required;
    let at = |kind: ChangeKind, message: String| {
        Change::new(kind, scope, message, new.line).on(name, was_optional)
    };
    let mut changes: Vec<Change> = diff_type(&old.ty, &new.ty)
        .into_iter()
        .map(|(kind, message)| at(kind, format!("`{name}`: {message}")))
        .collect();
    match (old.required, new.required) {
        (false, true) => changes.push(at(
            ChangeKind::RequiredAttributeAdded,
            format!("`{name}` became required"),
        )),
        (true, false) => changes.push(at(
            ChangeKind::RequiredAttributeRemoved,
            format!("`{name}` became optional"),
        )),
        _ => {}
    }
    match (old.nullable, new.nullable) {
        (false, true) => changes.push(at(
            ChangeKind::SumTypeExtended,
            format!("`{name}` became nullable"),
        )),
        (true, false) => changes.push(at(
            ChangeKind::SumTypeNarrowed,
            format!("`{name}` is no longer nullable"),
        )),
        _ => {}
    }
    match (&old.unit, &new.unit) {
        (None, Some(unit)) => changes.push(at(
            ChangeKind::UnitAdded,
            format!("`{name}`: unit `{unit}` added"),
        )),
        (Some(unit), None) => changes.push(at(
            ChangeKind::UnitRemoved,
            format!("`{name}`: unit `{unit}` removed"),
        )),
        (Some(a), Some(b)) if a != b => changes.push(at(
            ChangeKind::UnitChanged,
            format!("`{name}`: unit {a} → {b}: same type, different meaning"),
        )),
        _ => {}
    }
    if old.pii != new.pii {
        let kind = if pii_transform(old.pii.as_deref()) != pii_transform(new.pii.as_deref()) {
            ChangeKind::PiiHandlingChanged
        } else {
            ChangeKind::PiiClassificationChanged
        };
        changes.push(at(
            kind,
            format!(
                "`{name}`: pii {} → {}",
                show(old.pii.as_deref()),
                show(new.pii.as_deref())
            ),
        ));
    }
    if let Some((kind, message)) = diff_environments(&old.environments, &new.environments) {
        changes.push(at(kind, format!("`{name}`: {message}")));
    }
    if old.examples != new.examples {
        changes.push(at(
            ChangeKind::ExamplesChanged,
            format!("`{name}`: examples changed"),
        ));
    }
    if old.description != new.description {
        changes.push(at(
            ChangeKind::DescriptionChanged,
            format!("`{name}`: description changed"),
        ));
    }
    if old.extra != new.extra {
        changes.push(at(
            ChangeKind::UnclassifiedChange,
            format!(
                "`{name}`: schema keywords changed: {}",
                changed_keys(&old.extra, &new.extra)
            ),
        ));
    }
    changes
}

/// Changes of the values a property accepts, as (kind, message) pairs.
pub fn diff_type(old: &TypeShape, new: &TypeShape) -> Vec<(ChangeKind, String)> {
    match (old, new) {
        (TypeShape::String(a), TypeShape::String(b)) => diff_string(a, b),
        (TypeShape::Integer(a), TypeShape::Integer(b))
        | (TypeShape::Number(a), TypeShape::Number(b)) => diff_bounds(a, b),
        (TypeShape::Integer(a), TypeShape::Number(b)) => {
            let mut changes = vec![(ChangeKind::TypeExtended, "type integer → number".into())];
            changes.extend(diff_bounds(a, b));
            changes
        }
        (TypeShape::Number(a), TypeShape::Integer(b)) => {
            let mut changes = vec![(ChangeKind::TypeNarrowed, "type number → integer".into())];
            changes.extend(diff_bounds(a, b));
            changes
        }
        (TypeShape::Boolean, TypeShape::Boolean) | (TypeShape::Object, TypeShape::Object) => {
            Vec::new()
        }
        (TypeShape::Array(a), TypeShape::Array(b)) => diff_type(a, b)
            .into_iter()
            .map(|(kind, message)| (kind, format!("items: {message}")))
            .collect(),
        (TypeShape::Const(a), TypeShape::Const(b)) => {
            if a == b {
                Vec::new()
            } else {
                vec![(ChangeKind::EnumArrayChanged, format!("constant {a} → {b}"))]
            }
        }
        (TypeShape::Unknown(a), TypeShape::Unknown(b)) if a == b => Vec::new(),
        (TypeShape::Unknown(_), _) | (_, TypeShape::Unknown(_)) => vec![(
            ChangeKind::UnclassifiedChange,
            format!("schema {} → {}", old.describe(), new.describe()),
        )],
        _ => vec![(
            ChangeKind::TypeChanged,
            format!("type {} → {}", old.describe(), new.describe()),
        )],
    }
}

fn diff_string(old: &StringShape, new: &StringShape) -> Vec<(ChangeKind, String)> {
    let mut changes = Vec::new();
    match (&old.values, &new.values) {
        (None, Some(values)) => changes.push((
            ChangeKind::EnumArrayNarrowed,
            format!("the open string became the enum [{}]", values.join(", ")),
        )),
        (Some(values), None) => changes.push((
            ChangeKind::EnumArrayExtended,
            format!("the enum [{}] became an open string", values.join(", ")),
        )),
        (Some(a), Some(b)) => {
            let added: Vec<&str> = b
                .iter()
                .filter(|v| !a.contains(v))
                .map(String::as_str)
                .collect();
            let removed: Vec<&str> = a
                .iter()
                .filter(|v| !b.contains(v))
                .map(String::as_str)
                .collect();
            if !added.is_empty() {
                changes.push((
                    ChangeKind::EnumArrayExtended,
                    format!("enum values added: {}", added.join(", ")),
                ));
            }
            if !removed.is_empty() {
                changes.push((
                    ChangeKind::EnumArrayNarrowed,
                    format!("enum values removed: {}", removed.join(", ")),
                ));
            }
        }
        (None, None) => {}
    }
    use ChangeKind as K;
    changes.extend(diff_bound(
        "min_length",
        old.min_length.map(|v| v as f64),
        new.min_length.map(|v| v as f64),
        [
            K::MinLengthAdded,
            K::MinLengthRemoved,
            K::MinLengthIncreased,
            K::MinLengthDecreased,
        ],
    ));
    changes.extend(diff_bound(
        "max_length",
        old.max_length.map(|v| v as f64),
        new.max_length.map(|v| v as f64),
        [
            K::MaxLengthAdded,
            K::MaxLengthRemoved,
            K::MaxLengthIncreased,
            K::MaxLengthDecreased,
        ],
    ));
    changes.extend(diff_keyword(
        "pattern",
        old.pattern.as_deref(),
        new.pattern.as_deref(),
        [K::PatternAdded, K::PatternRemoved, K::PatternChanged],
    ));
    let keywords: BTreeSet<&String> = old.forms.keys().chain(new.forms.keys()).collect();
    for keyword in keywords {
        let (a, b) = (old.forms.get(keyword), new.forms.get(keyword));
        let kind = match (a, b) {
            (None, Some(_)) => K::PatternAdded,
            (Some(_), None) => K::PatternRemoved,
            (Some(a), Some(b)) if a != b => K::PatternChanged,
            _ => continue,
        };
        changes.push((
            kind,
            format!(
                "`{keyword}` of patterns and formats {} → {}",
                a.map_or("none".to_owned(), describe_forms),
                b.map_or("none".to_owned(), describe_forms)
            ),
        ));
    }
    changes.extend(diff_keyword(
        "format",
        old.format.as_deref(),
        new.format.as_deref(),
        [K::FormatAdded, K::FormatRemoved, K::FormatChanged],
    ));
    changes
}

/// `[pattern ^a$ | format ipv6]`
fn describe_forms(forms: &Value) -> String {
    let items: Vec<String> = forms
        .as_array()
        .into_iter()
        .flatten()
        .map(|item| {
            item.as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| format!("{k} {}", v.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    format!("[{}]", items.join(" | "))
}

fn diff_bounds(old: &Bounds, new: &Bounds) -> Vec<(ChangeKind, String)> {
    use ChangeKind as K;
    let mut changes = diff_bound(
        "minimum",
        old.minimum,
        new.minimum,
        [
            K::MinimumAdded,
            K::MinimumRemoved,
            K::MinimumIncreased,
            K::MinimumDecreased,
        ],
    );
    changes.extend(diff_bound(
        "maximum",
        old.maximum,
        new.maximum,
        [
            K::MaximumAdded,
            K::MaximumRemoved,
            K::MaximumIncreased,
            K::MaximumDecreased,
        ],
    ));
    changes
}

/// A numeric keyword: `[added, removed, increased, decreased]`.
fn diff_bound(
    keyword: &str,
    old: Option<f64>,
    new: Option<f64>,
    kinds: [ChangeKind; 4],
) -> Vec<(ChangeKind, String)> {
    let [added, removed, increased, decreased] = kinds;
    match (old, new) {
        (None, Some(b)) => vec![(added, format!("{keyword} {b} added"))],
        (Some(a), None) => vec![(removed, format!("{keyword} {a} removed"))],
        (Some(a), Some(b)) if b > a => vec![(increased, format!("{keyword} {a} → {b}"))],
        (Some(a), Some(b)) if b < a => vec![(decreased, format!("{keyword} {a} → {b}"))],
        _ => Vec::new(),
    }
}

/// A keyword whose values do not compare: `[added, removed, changed]`.
fn diff_keyword(
    keyword: &str,
    old: Option<&str>,
    new: Option<&str>,
    kinds: [ChangeKind; 3],
) -> Vec<(ChangeKind, String)> {
    let [added, removed, changed] = kinds;
    match (old, new) {
        (None, Some(b)) => vec![(added, format!("{keyword} `{b}` added"))],
        (Some(a), None) => vec![(removed, format!("{keyword} `{a}` removed"))],
        (Some(a), Some(b)) if a != b => vec![(changed, format!("{keyword} `{a}` → `{b}`"))],
        _ => Vec::new(),
    }
}

fn diff_environments(
    old: &Option<Vec<String>>,
    new: &Option<Vec<String>>,
) -> Option<(ChangeKind, String)> {
    let describe = |envs: &Option<Vec<String>>| match envs {
        None => "every environment".to_owned(),
        Some(list) => format!("[{}]", list.join(", ")),
    };
    let message = format!("environments {} → {}", describe(old), describe(new));
    let kind = match (old, new) {
        (None, None) => return None,
        (None, Some(_)) => ChangeKind::EnvironmentsNarrowed,
        (Some(_), None) => ChangeKind::EnvironmentsExtended,
        (Some(a), Some(b)) => {
            let a: BTreeSet<&String> = a.iter().collect();
            let b: BTreeSet<&String> = b.iter().collect();
            if a == b {
                return None;
            } else if b.is_subset(&a) {
                ChangeKind::EnvironmentsNarrowed
            } else if a.is_subset(&b) {
                ChangeKind::EnvironmentsExtended
            } else {
                ChangeKind::EnvironmentsChanged
            }
        }
    };
    Some((kind, message))
}

/// The form a privacy handling gives the value: hashing, anonymizing and sanitizing transform
/// it; `identifier` and `free_text` classify it as sent.
fn pii_transform(pii: Option<&str>) -> Option<&str> {
    pii.filter(|p| matches!(*p, "hashed" | "anonymized_ip" | "sanitized"))
}

fn changed_keys(
    old: &std::collections::BTreeMap<String, Value>,
    new: &std::collections::BTreeMap<String, Value>,
) -> String {
    let keys: BTreeSet<&String> = old
        .keys()
        .chain(new.keys())
        .filter(|k| old.get(*k) != new.get(*k))
        .collect();
    keys.into_iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn show(value: Option<&str>) -> &str {
    value.unwrap_or("none")
}

fn retention(value: Option<&Value>) -> String {
    match value {
        None => "none".into(),
        Some(policy) => {
            let id = policy.get("policy").and_then(Value::as_str).unwrap_or("?");
            match policy.get("retention_period").and_then(Value::as_str) {
                Some(period) => format!("{id} ({period})"),
                None => id.to_owned(),
            }
        }
    }
}

fn or(line: u32, fallback: u32) -> u32 {
    if line > 0 { line } else { fallback }
}
