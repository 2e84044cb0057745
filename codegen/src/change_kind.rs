//! The kinds of change `eventcat compat` recognizes, and what each means for compatibility.
//!
//! The names follow Confluent Schema Registry's JSON Schema diff (`Difference.Type`:
//! `OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL`, `TYPE_NARROWED`, `ENUM_ARRAY_EXTENDED`, ...)
//! wherever it has a case for the same idea; the catalog's own facts that JSON Schema has no
//! keyword for (units, PII handling, environments, retention, trigger, usage) get names in the
//! same style.
//!
//! Every kind states two verdicts per policy, one per direction:
//! - **backward**: the new schema accepts every payload the old one accepted (consumers on the new
//!   version read old data: the warehouse holds years of it);
//! - **forward**: the old schema accepts every payload the new one produces (consumers still on
//!   the old version read new data).
//!
//! Our schemas are closed (`additionalProperties: false`), so a property the reader does not
//! declare makes a payload invalid. The `strict` policy judges them that way (Confluent's classic
//! rules); `lenient` applies the robustness principle: a reader ignores properties it does not
//! declare, so only the content-model cases (a property added or removed) judge differently.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A kind of change between two versions of an event (or of the catalog).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChangeKind {
    /// A new event in the catalog.
    EventAdded,
    /// An event left the catalog (its published schemas stay).
    EventRemoved,
    /// The event's `event_type` (its group's) changed: a constant of the envelope.
    EventTypeChanged,
    /// The event moved to another category or group with the same `event_type`.
    EventGroupChanged,
    /// The retention policy that applies to the event, or its terms, changed.
    RetentionChanged,
    /// A description changed (documentation only).
    DescriptionChanged,
    /// The event's trigger changed (documentation only).
    TriggerChanged,
    /// The event's usage list changed (documentation only).
    UsageChanged,
    /// A property's open examples changed (documentation only).
    ExamplesChanged,
    /// An optional property was added to the closed properties object.
    OptionalPropertyAddedToUnopenContentModel,
    /// A required property was added to the closed properties object.
    RequiredPropertyAddedToUnopenContentModel,
    /// A property was removed from the closed properties object.
    PropertyRemovedFromClosedContentModel,
    /// An optional property became required.
    RequiredAttributeAdded,
    /// A required property became optional.
    RequiredAttributeRemoved,
    /// A property became nullable (its `anyOf` gained `{type: null}`).
    SumTypeExtended,
    /// A property is no longer nullable.
    SumTypeNarrowed,
    /// A property's type changed to an unrelated one.
    TypeChanged,
    /// A property's type widened (integer to number).
    TypeExtended,
    /// A property's type narrowed (number to integer).
    TypeNarrowed,
    /// Values were added to a closed enum, or the enum became an open string.
    EnumArrayExtended,
    /// Values were removed from a closed enum, or an open string became an enum.
    EnumArrayNarrowed,
    /// A constant changed.
    EnumArrayChanged,
    /// A minimum was added.
    MinimumAdded,
    /// A minimum was removed.
    MinimumRemoved,
    /// A minimum was raised.
    MinimumIncreased,
    /// A minimum was lowered.
    MinimumDecreased,
    /// A maximum was added.
    MaximumAdded,
    /// A maximum was removed.
    MaximumRemoved,
    /// A maximum was raised.
    MaximumIncreased,
    /// A maximum was lowered.
    MaximumDecreased,
    /// A minimum length was added.
    MinLengthAdded,
    /// A minimum length was removed.
    MinLengthRemoved,
    /// A minimum length was raised.
    MinLengthIncreased,
    /// A minimum length was lowered.
    MinLengthDecreased,
    /// A maximum length was added.
    MaxLengthAdded,
    /// A maximum length was removed.
    MaxLengthRemoved,
    /// A maximum length was raised.
    MaxLengthIncreased,
    /// A maximum length was lowered.
    MaxLengthDecreased,
    /// A pattern was added.
    PatternAdded,
    /// A pattern was removed.
    PatternRemoved,
    /// A pattern changed.
    PatternChanged,
    /// A string format was added (a string became a date-time, a uuid, ...).
    FormatAdded,
    /// A string format was removed.
    FormatRemoved,
    /// A string format changed.
    FormatChanged,
    /// A unit was added to a number that had none.
    UnitAdded,
    /// A number's unit was removed.
    UnitRemoved,
    /// A number's unit changed: same type, different meaning.
    UnitChanged,
    /// The privacy transformation applied to the value changed (hashed, anonymized, sanitized).
    PiiHandlingChanged,
    /// The privacy classification changed without changing the value's form.
    PiiClassificationChanged,
    /// A property may now be sent in fewer environments.
    EnvironmentsNarrowed,
    /// A property may now be sent in more environments.
    EnvironmentsExtended,
    /// A property's environments changed to an unrelated set.
    EnvironmentsChanged,
    /// A schema keyword eventcat does not classify changed; judged breaking to be safe.
    UnclassifiedChange,
}

/// What a change does to one direction of compatibility.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Compatible.
    C,
    /// Incompatible.
    I,
    /// Compatible when the property concerned was optional before the change.
    IfOptional,
}

/// The smallest bump a change asks for when it is compatible under the mode; an incompatible
/// change always asks for a major bump.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    /// Documentation only: a patch bump.
    Docs,
    /// Changes what is valid, or what a value means to its handlers: a minor bump.
    Contract,
}

/// One row of the table: verdicts (backward, forward) per policy, and the class.
#[derive(Debug, Clone, Copy)]
pub struct KindInfo {
    pub strict: [Rule; 2],
    pub lenient: [Rule; 2],
    pub class: Class,
    /// What the change means for our closed schemas, for docs/compat.md and `--format json`.
    pub meaning: &'static str,
}

use Rule::{C, I, IfOptional};

const fn same(backward: Rule, forward: Rule, class: Class, meaning: &'static str) -> KindInfo {
    KindInfo {
        strict: [backward, forward],
        lenient: [backward, forward],
        class,
        meaning,
    }
}

impl ChangeKind {
    /// Every kind, in the order of the table.
    pub const ALL: &'static [ChangeKind] = &[
        ChangeKind::EventAdded,
        ChangeKind::EventRemoved,
        ChangeKind::EventTypeChanged,
        ChangeKind::EventGroupChanged,
        ChangeKind::RetentionChanged,
        ChangeKind::DescriptionChanged,
        ChangeKind::TriggerChanged,
        ChangeKind::UsageChanged,
        ChangeKind::ExamplesChanged,
        ChangeKind::OptionalPropertyAddedToUnopenContentModel,
        ChangeKind::RequiredPropertyAddedToUnopenContentModel,
        ChangeKind::PropertyRemovedFromClosedContentModel,
        ChangeKind::RequiredAttributeAdded,
        ChangeKind::RequiredAttributeRemoved,
        ChangeKind::SumTypeExtended,
        ChangeKind::SumTypeNarrowed,
        ChangeKind::TypeChanged,
        ChangeKind::TypeExtended,
        ChangeKind::TypeNarrowed,
        ChangeKind::EnumArrayExtended,
        ChangeKind::EnumArrayNarrowed,
        ChangeKind::EnumArrayChanged,
        ChangeKind::MinimumAdded,
        ChangeKind::MinimumRemoved,
        ChangeKind::MinimumIncreased,
        ChangeKind::MinimumDecreased,
        ChangeKind::MaximumAdded,
        ChangeKind::MaximumRemoved,
        ChangeKind::MaximumIncreased,
        ChangeKind::MaximumDecreased,
        ChangeKind::MinLengthAdded,
        ChangeKind::MinLengthRemoved,
        ChangeKind::MinLengthIncreased,
        ChangeKind::MinLengthDecreased,
        ChangeKind::MaxLengthAdded,
        ChangeKind::MaxLengthRemoved,
        ChangeKind::MaxLengthIncreased,
        ChangeKind::MaxLengthDecreased,
        ChangeKind::PatternAdded,
        ChangeKind::PatternRemoved,
        ChangeKind::PatternChanged,
        ChangeKind::FormatAdded,
        ChangeKind::FormatRemoved,
        ChangeKind::FormatChanged,
        ChangeKind::UnitAdded,
        ChangeKind::UnitRemoved,
        ChangeKind::UnitChanged,
        ChangeKind::PiiHandlingChanged,
        ChangeKind::PiiClassificationChanged,
        ChangeKind::EnvironmentsNarrowed,
        ChangeKind::EnvironmentsExtended,
        ChangeKind::EnvironmentsChanged,
        ChangeKind::UnclassifiedChange,
    ];

    /// The stable id, e.g. `TYPE_NARROWED` (what `accepted_changes` entries name).
    pub fn id(self) -> &'static str {
        use ChangeKind::*;
        match self {
            EventAdded => "EVENT_ADDED",
            EventRemoved => "EVENT_REMOVED",
            EventTypeChanged => "EVENT_TYPE_CHANGED",
            EventGroupChanged => "EVENT_GROUP_CHANGED",
            RetentionChanged => "RETENTION_CHANGED",
            DescriptionChanged => "DESCRIPTION_CHANGED",
            TriggerChanged => "TRIGGER_CHANGED",
            UsageChanged => "USAGE_CHANGED",
            ExamplesChanged => "EXAMPLES_CHANGED",
            OptionalPropertyAddedToUnopenContentModel => {
                "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"
            }
            RequiredPropertyAddedToUnopenContentModel => {
                "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"
            }
            PropertyRemovedFromClosedContentModel => "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL",
            RequiredAttributeAdded => "REQUIRED_ATTRIBUTE_ADDED",
            RequiredAttributeRemoved => "REQUIRED_ATTRIBUTE_REMOVED",
            SumTypeExtended => "SUM_TYPE_EXTENDED",
            SumTypeNarrowed => "SUM_TYPE_NARROWED",
            TypeChanged => "TYPE_CHANGED",
            TypeExtended => "TYPE_EXTENDED",
            TypeNarrowed => "TYPE_NARROWED",
            EnumArrayExtended => "ENUM_ARRAY_EXTENDED",
            EnumArrayNarrowed => "ENUM_ARRAY_NARROWED",
            EnumArrayChanged => "ENUM_ARRAY_CHANGED",
            MinimumAdded => "MINIMUM_ADDED",
            MinimumRemoved => "MINIMUM_REMOVED",
            MinimumIncreased => "MINIMUM_INCREASED",
            MinimumDecreased => "MINIMUM_DECREASED",
            MaximumAdded => "MAXIMUM_ADDED",
            MaximumRemoved => "MAXIMUM_REMOVED",
            MaximumIncreased => "MAXIMUM_INCREASED",
            MaximumDecreased => "MAXIMUM_DECREASED",
            MinLengthAdded => "MIN_LENGTH_ADDED",
            MinLengthRemoved => "MIN_LENGTH_REMOVED",
            MinLengthIncreased => "MIN_LENGTH_INCREASED",
            MinLengthDecreased => "MIN_LENGTH_DECREASED",
            MaxLengthAdded => "MAX_LENGTH_ADDED",
            MaxLengthRemoved => "MAX_LENGTH_REMOVED",
            MaxLengthIncreased => "MAX_LENGTH_INCREASED",
            MaxLengthDecreased => "MAX_LENGTH_DECREASED",
            PatternAdded => "PATTERN_ADDED",
            PatternRemoved => "PATTERN_REMOVED",
            PatternChanged => "PATTERN_CHANGED",
            FormatAdded => "FORMAT_ADDED",
            FormatRemoved => "FORMAT_REMOVED",
            FormatChanged => "FORMAT_CHANGED",
            UnitAdded => "UNIT_ADDED",
            UnitRemoved => "UNIT_REMOVED",
            UnitChanged => "UNIT_CHANGED",
            PiiHandlingChanged => "PII_HANDLING_CHANGED",
            PiiClassificationChanged => "PII_CLASSIFICATION_CHANGED",
            EnvironmentsNarrowed => "ENVIRONMENTS_NARROWED",
            EnvironmentsExtended => "ENVIRONMENTS_EXTENDED",
            EnvironmentsChanged => "ENVIRONMENTS_CHANGED",
            UnclassifiedChange => "UNCLASSIFIED_CHANGE",
        }
    }

    /// The kind's row of the rules table.
    pub fn info(self) -> KindInfo {
        use ChangeKind::*;
        use Class::{Contract, Docs};
        match self {
            EventAdded => same(
                C,
                C,
                Contract,
                "a new subject: no earlier version to be compatible with; the catalog bumps minor",
            ),
            EventRemoved => same(
                I,
                C,
                Contract,
                "consumers of the current catalog lose the event; its published schemas stay",
            ),
            EventTypeChanged => same(
                I,
                I,
                Contract,
                "`event_type` is a constant of every payload: old and new payloads reject each other",
            ),
            EventGroupChanged => same(
                C,
                C,
                Contract,
                "annotations (`x-category`, `x-group`) only; validity is unchanged",
            ),
            RetentionChanged => same(
                C,
                C,
                Contract,
                "the `x-retention` annotation: validity is unchanged, storage handling is not",
            ),
            DescriptionChanged => same(C, C, Docs, "documentation only"),
            TriggerChanged => same(C, C, Docs, "documentation only"),
            UsageChanged => same(C, C, Docs, "documentation only"),
            ExamplesChanged => same(C, C, Docs, "open examples are documentation"),
            OptionalPropertyAddedToUnopenContentModel => KindInfo {
                strict: [C, I],
                lenient: [C, C],
                class: Contract,
                meaning: "old payloads never carry it; an old (closed) schema rejects new payloads that do, unless readers ignore unknown properties",
            },
            RequiredPropertyAddedToUnopenContentModel => KindInfo {
                strict: [I, I],
                lenient: [I, C],
                class: Contract,
                meaning: "old payloads lack it; an old (closed) schema rejects new payloads that carry it, unless readers ignore unknown properties",
            },
            PropertyRemovedFromClosedContentModel => KindInfo {
                strict: [I, IfOptional],
                lenient: [C, IfOptional],
                class: Contract,
                meaning: "the new (closed) schema rejects old payloads that carry it, unless readers ignore unknown properties; old readers need it if it was required",
            },
            RequiredAttributeAdded => same(I, C, Contract, "old payloads may lack it"),
            RequiredAttributeRemoved => same(
                C,
                I,
                Contract,
                "new payloads may lack what old readers require",
            ),
            SumTypeExtended => same(C, I, Contract, "new payloads may hold null"),
            SumTypeNarrowed => same(I, C, Contract, "old payloads may hold null"),
            TypeChanged => same(I, I, Contract, "old and new values are of unrelated types"),
            TypeExtended => same(C, I, Contract, "every integer is a number, not the reverse"),
            TypeNarrowed => same(I, C, Contract, "old payloads may hold fractions"),
            EnumArrayExtended => same(
                C,
                I,
                Contract,
                "new payloads may hold values old readers reject",
            ),
            EnumArrayNarrowed => same(
                I,
                C,
                Contract,
                "old payloads may hold values the new enum rejects",
            ),
            EnumArrayChanged => same(I, I, Contract, "old and new payloads reject each other"),
            MinimumAdded | MinimumIncreased | MaximumAdded | MaximumDecreased | MinLengthAdded
            | MinLengthIncreased | MaxLengthAdded | MaxLengthDecreased | PatternAdded
            | FormatAdded => same(
                I,
                C,
                Contract,
                "tightened: old payloads may hold values the new schema rejects",
            ),
            MinimumRemoved | MinimumDecreased | MaximumRemoved | MaximumIncreased
            | MinLengthRemoved | MinLengthDecreased | MaxLengthRemoved | MaxLengthIncreased
            | PatternRemoved | FormatRemoved => same(
                C,
                I,
                Contract,
                "loosened: new payloads may hold values the old schema rejects",
            ),
            PatternChanged | FormatChanged => same(
                I,
                I,
                Contract,
                "neither language is known to contain the other: judged breaking both ways",
            ),
            UnitAdded | UnitRemoved => same(
                C,
                C,
                Contract,
                "the `x-unit` annotation appears or disappears; values keep their meaning",
            ),
            UnitChanged => same(
                I,
                I,
                Contract,
                "same type, different meaning: 90 seconds is not 90 minutes",
            ),
            PiiHandlingChanged => same(
                I,
                I,
                Contract,
                "the value's form changed (hashed, anonymized, sanitized): old and new values do not compare",
            ),
            PiiClassificationChanged => same(
                C,
                C,
                Contract,
                "the `x-pii` classification changed, the value's form did not",
            ),
            EnvironmentsNarrowed => same(
                I,
                C,
                Contract,
                "old payloads may carry it where the new schema forbids it",
            ),
            EnvironmentsExtended => same(
                C,
                I,
                Contract,
                "new payloads may carry it where the old schema forbids it",
            ),
            EnvironmentsChanged => same(
                I,
                I,
                Contract,
                "neither set of environments contains the other",
            ),
            UnclassifiedChange => same(
                I,
                I,
                Contract,
                "a keyword eventcat does not classify: judged breaking to be safe",
            ),
        }
    }

    /// True for documentation-only kinds (a patch bump).
    pub fn is_docs(self) -> bool {
        self.info().class == Class::Docs
    }
}

impl std::fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

impl std::str::FromStr for ChangeKind {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        ChangeKind::ALL
            .iter()
            .copied()
            .find(|kind| kind.id() == text)
            .ok_or_else(|| format!("unknown change kind `{text}`"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_what_serde_writes_and_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for kind in ChangeKind::ALL {
            let json = serde_json::to_value(kind).unwrap();
            assert_eq!(json, serde_json::Value::from(kind.id()));
            assert_eq!(kind.id().parse::<ChangeKind>(), Ok(*kind));
            assert!(seen.insert(kind.id()), "{kind} twice");
        }
    }

    #[test]
    fn only_documentation_asks_for_a_patch_and_it_is_always_compatible() {
        for kind in ChangeKind::ALL {
            let info = kind.info();
            if info.class == Class::Docs {
                assert_eq!(info.strict, [C, C], "{kind}");
                assert_eq!(info.lenient, [C, C], "{kind}");
            }
        }
    }
}
