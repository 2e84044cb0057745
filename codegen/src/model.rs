//! The catalog as written: the Rust types that define the YAML format.
//!
//! These types are the single definition of the format. Serde reads the YAML into them
//! (`deny_unknown_fields`, so a typo is an error, never a silently ignored key), and `schemars`
//! derives from them the JSON Schema that editors use to validate and complete the YAML
//! (`eventcat schema`). Values a lint rule must point at are wrapped in [`Sp`] to keep their position.
//!
//! Maps are [`IndexMap`]s: the author's order is meaningful (the docs and generated code list
//! properties in the order the catalog gives them) and still deterministic.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::span::Sp;

/// `catalog.yaml`: what the whole catalog shares.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "eventcat catalog file")]
pub struct CatalogDef {
    /// Machine name of the catalog, used for the generated crate and package names.
    pub name: Sp<String>,
    /// Semantic version of the catalog as a whole; follows the largest bump among its events.
    pub version: Sp<String>,
    /// Human title of the catalog.
    pub title: Sp<String>,
    /// What the catalog covers.
    pub description: Sp<String>,
    /// The envelope every event payload shares (the seed's `BaseEvent`).
    pub envelope: EnvelopeDef,
    /// Named retention policies; categories, groups and events refer to them by key.
    pub retention_policies: IndexMap<Sp<String>, RetentionPolicyDef>,
    /// The functional areas, keyed by the folder name under `events/`.
    pub categories: IndexMap<Sp<String>, CategoryDef>,
    /// Privacy and compliance principles every event adheres to (rendered in the docs).
    #[serde(default)]
    pub privacy: Vec<Sp<String>>,
    /// Reviewed, intended breaking changes of the envelope or of the event list (a removed
    /// event): `eventcat compat` reports each matching change as a note instead of a failure.
    /// Changes of one event's own properties are accepted in that event's file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepted_changes: Vec<CatalogAcceptedChangeDef>,
}

/// An intended change to the envelope or the event list, reviewed: `eventcat compat` reports it
/// as a note instead of failing, and it needs only a minor bump instead of a major one.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogAcceptedChangeDef {
    /// The change kind, as `eventcat compat` reports it, e.g. `EVENT_REMOVED` or
    /// `PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL`.
    pub kind: Sp<crate::change_kind::ChangeKind>,
    /// The envelope field the change is about.
    #[serde(default)]
    pub property: Option<Sp<String>>,
    /// The event the change is about (for `EVENT_REMOVED`).
    #[serde(default)]
    pub event: Option<Sp<String>>,
    /// Why the break is intended, and who agreed to it (consumers told, data migrated, ...).
    pub reason: Sp<String>,
}

/// The envelope: fields every payload carries around its event-specific `properties` object.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeDef {
    /// What the envelope is for.
    pub description: Sp<String>,
    /// The envelope fields. `event_name`, `event_type` and `version` are filled from each event's
    /// definition (they become constants in its schema); `environment` must be a closed enum.
    pub fields: IndexMap<Sp<String>, PropertyDef>,
}

/// A retention policy, in the seed's terms.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetentionPolicyDef {
    /// How long events are kept in all, e.g. `2_years`.
    pub retention_period: Sp<Period>,
    /// When events move to archive storage, e.g. `1_year`.
    pub archive_after: Sp<Period>,
    /// The business or compliance reason for the policy.
    pub compliance_reason: Sp<String>,
    /// What the policy is for.
    pub description: Sp<String>,
}

/// A period such as `6_months` or `7_years`: a positive count and a unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Period {
    pub count: u32,
    pub unit: PeriodUnit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PeriodUnit {
    Days,
    Months,
    Years,
}

impl Period {
    /// The period in days (months as 30, years as 365), to compare policies.
    pub fn approx_days(&self) -> u64 {
        let per = match self.unit {
            PeriodUnit::Days => 1,
            PeriodUnit::Months => 30,
            PeriodUnit::Years => 365,
        };
        u64::from(self.count) * per
    }
}

impl TryFrom<String> for Period {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        let bad = || {
            format!(
                "invalid period `{text}`: expected <count>_<unit> with unit day(s), month(s) or \
                 year(s), e.g. `6_months`"
            )
        };
        let (count, unit) = text.split_once('_').ok_or_else(bad)?;
        let count: u32 = count.parse().map_err(|_| bad())?;
        let unit = match unit {
            "day" | "days" => PeriodUnit::Days,
            "month" | "months" => PeriodUnit::Months,
            "year" | "years" => PeriodUnit::Years,
            _ => return Err(bad()),
        };
        if count == 0 {
            return Err(bad());
        }
        Ok(Period { count, unit })
    }
}

impl From<Period> for String {
    fn from(period: Period) -> String {
        period.to_string()
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let unit = match (self.unit, self.count) {
            (PeriodUnit::Days, 1) => "day",
            (PeriodUnit::Days, _) => "days",
            (PeriodUnit::Months, 1) => "month",
            (PeriodUnit::Months, _) => "months",
            (PeriodUnit::Years, 1) => "year",
            (PeriodUnit::Years, _) => "years",
        };
        write!(f, "{}_{unit}", self.count)
    }
}

impl JsonSchema for Period {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Period".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[1-9][0-9]*_(day|days|month|months|year|years)$",
            "examples": ["6_months", "2_years"]
        })
    }
}

/// A functional area of the catalog (the seed's "Event Categories").
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryDef {
    /// Human title, e.g. "User Engagement Events".
    pub title: Sp<String>,
    /// What the category covers.
    pub description: Sp<String>,
    /// The event-name prefixes this category owns (`user` owns `user.login`). A category may own
    /// several: the integration category owns both `integration.*` and `api.*`.
    pub namespaces: Vec<Sp<String>>,
    /// Default retention policy of the category's events.
    #[serde(default)]
    pub retention: Option<Sp<String>>,
    /// Why this retention policy was chosen, when the source document does not say.
    #[serde(default)]
    pub retention_rationale: Option<Sp<String>>,
    /// Sub-groups of the category, keyed by id.
    pub groups: IndexMap<Sp<String>, GroupDef>,
}

/// A sub-group of a category, e.g. "User Authentication Events".
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupDef {
    /// Human title.
    pub title: Sp<String>,
    /// The envelope's `event_type` of the group's events, e.g. `user.authentication`.
    pub event_type: Sp<String>,
    /// Retention policy overriding the category's for this group.
    #[serde(default)]
    pub retention: Option<Sp<String>>,
    /// Why this retention policy was chosen.
    #[serde(default)]
    pub retention_rationale: Option<Sp<String>>,
    /// The order in which the docs present the group's events (event names), e.g. the order in
    /// which they happen; events not listed follow, by name.
    #[serde(default)]
    pub order: Vec<Sp<String>>,
}

/// One event file under `events/<category>/<event name>.yaml`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "eventcat event file")]
pub struct EventDef {
    /// `<namespace>.<snake_case>`, equal to the file's stem.
    pub name: Sp<String>,
    /// Semantic version of this event's schema.
    pub version: Sp<String>,
    /// Id of a group of the event's category.
    pub group: Sp<String>,
    /// What happened.
    pub description: Sp<String>,
    /// When the event is sent.
    pub trigger: Sp<String>,
    /// Retention policy overriding the group's and category's.
    #[serde(default)]
    pub retention: Option<Sp<String>>,
    /// The event-specific payload properties.
    pub properties: IndexMap<Sp<String>, PropertyDef>,
    /// What the event is used for.
    #[serde(default)]
    pub usage: Vec<Sp<String>>,
    /// Reviewed, intended breaking changes of this event: `eventcat compat` reports each matching
    /// change as a note (still listing it) instead of failing, and asks only for a minor bump.
    /// Entries stay valid for later versions too (the transitive modes keep meeting the change).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepted_changes: Vec<AcceptedChangeDef>,
}

/// An intended change to an event, reviewed: the escape hatch for a deliberate break.
///
/// ```yaml
/// accepted_changes:
///   - kind: PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL
///     property: browser
///     reason: No consumer reads it (checked with the BI team, 2024-05); it held raw user agents.
/// ```
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptedChangeDef {
    /// The change kind, as `eventcat compat` reports it, e.g.
    /// `PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL` or `TYPE_NARROWED`.
    pub kind: Sp<crate::change_kind::ChangeKind>,
    /// The property the change is about; omit it for a change of the event itself (its
    /// `event_type`, for example).
    #[serde(default)]
    pub property: Option<Sp<String>>,
    /// Why the break is intended, and who agreed to it (consumers told, data migrated, ...).
    pub reason: Sp<String>,
}

/// One property of an event (or a field of the envelope).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PropertyDef {
    /// The value type.
    #[serde(rename = "type")]
    pub ty: Sp<TypeName>,
    /// What the property means.
    pub description: Sp<String>,
    /// The property may be absent from the payload.
    #[serde(default)]
    pub optional: bool,
    /// The property may be present with the value `null`.
    #[serde(default)]
    pub nullable: bool,
    /// Closed set of allowed values (strings only).
    #[serde(default, rename = "enum")]
    pub enum_values: Option<Sp<Vec<Sp<String>>>>,
    /// Typical values; any other value of the type is valid too.
    #[serde(default)]
    pub examples: Option<Vec<Sp<serde_json::Value>>>,
    /// Unit of a numeric value.
    #[serde(default)]
    pub unit: Option<Sp<Unit>>,
    /// Inclusive lower bound of a numeric value.
    #[serde(default)]
    pub minimum: Option<Sp<f64>>,
    /// Inclusive upper bound of a numeric value.
    #[serde(default)]
    pub maximum: Option<Sp<f64>>,
    /// Minimum length of a string, in characters.
    #[serde(default)]
    pub min_length: Option<Sp<u64>>,
    /// Maximum length of a string, in characters.
    #[serde(default)]
    pub max_length: Option<Sp<u64>>,
    /// ECMA-262 regular expression a string must match.
    #[serde(default)]
    pub pattern: Option<Sp<String>>,
    /// Well-known string format.
    #[serde(default)]
    pub format: Option<Sp<StringFormat>>,
    /// Element type of an array.
    #[serde(default)]
    pub items: Option<Sp<ItemsDef>>,
    /// Privacy handling of the value.
    #[serde(default)]
    pub pii: Option<Sp<Pii>>,
    /// The only environments in which the property may be sent (values of the envelope's
    /// `environment` enum). Such a property must be optional.
    #[serde(default)]
    pub environments: Option<Vec<Sp<String>>>,
}

/// The element type of an array property.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemsDef {
    /// The element type (not `array` or `object`).
    #[serde(rename = "type")]
    pub ty: Sp<TypeName>,
    /// Closed set of allowed element values.
    #[serde(default, rename = "enum")]
    pub enum_values: Option<Sp<Vec<Sp<String>>>>,
    /// Typical element values.
    #[serde(default)]
    pub examples: Option<Vec<Sp<serde_json::Value>>>,
    /// Well-known string format of the elements.
    #[serde(default)]
    pub format: Option<Sp<StringFormat>>,
    /// Regular expression every element must match.
    #[serde(default)]
    pub pattern: Option<Sp<String>>,
}

/// The value types a property can have.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum TypeName {
    String,
    Integer,
    Number,
    Boolean,
    /// An RFC 3339 date-time string.
    DateTime,
    /// A free-form JSON object.
    Object,
    Array,
}

impl TypeName {
    pub fn as_str(self) -> &'static str {
        match self {
            TypeName::String => "string",
            TypeName::Integer => "integer",
            TypeName::Number => "number",
            TypeName::Boolean => "boolean",
            TypeName::DateTime => "date-time",
            TypeName::Object => "object",
            TypeName::Array => "array",
        }
    }

    pub fn is_numeric(self) -> bool {
        matches!(self, TypeName::Integer | TypeName::Number)
    }

    pub fn is_string_like(self) -> bool {
        matches!(self, TypeName::String | TypeName::DateTime)
    }
}

/// Units of numeric values.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Bytes,
    Ms,
    Seconds,
    Minutes,
    Hours,
    Days,
    Usd,
    Percent,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Bytes => "bytes",
            Unit::Ms => "ms",
            Unit::Seconds => "seconds",
            Unit::Minutes => "minutes",
            Unit::Hours => "hours",
            Unit::Days => "days",
            Unit::Usd => "usd",
            Unit::Percent => "percent",
        }
    }
}

/// Well-known string formats (JSON Schema `format` names).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum StringFormat {
    Uuid,
    Uri,
    UriReference,
    Email,
    Hostname,
    Ipv4,
    Ipv6,
    /// IPv4 or IPv6.
    Ip,
}

impl StringFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            StringFormat::Uuid => "uuid",
            StringFormat::Uri => "uri",
            StringFormat::UriReference => "uri-reference",
            StringFormat::Email => "email",
            StringFormat::Hostname => "hostname",
            StringFormat::Ipv4 => "ipv4",
            StringFormat::Ipv6 => "ipv6",
            StringFormat::Ip => "ip",
        }
    }
}

/// How a value that may identify a person is handled before it is sent.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Pii {
    /// A pseudonymous identifier of a person (a user id): not personal data by itself, but joinable.
    Identifier,
    /// An IP address anonymized at the source: IPv4 with the last octet zeroed, IPv6 cut to /48.
    AnonymizedIp,
    /// A value replaced by its hash (SHA-256, 64 lowercase hex digits).
    Hashed,
    /// Free text scrubbed of secrets and personal data before it is sent.
    Sanitized,
    /// Text a user typed, which may hold personal data.
    FreeText,
}

impl Pii {
    pub fn as_str(self) -> &'static str {
        match self {
            Pii::Identifier => "identifier",
            Pii::AnonymizedIp => "anonymized_ip",
            Pii::Hashed => "hashed",
            Pii::Sanitized => "sanitized",
            Pii::FreeText => "free_text",
        }
    }
}
