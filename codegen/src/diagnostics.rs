//! Findings: what is wrong with a catalog, and exactly where.
//!
//! Every finding names a rule (a stable id that tests, CI scripts and humans can grep for), a file,
//! a 1-based line and column, and a message that says what to do. The CLI renders findings with a
//! source snippet; `--format json` emits them as data.

use std::fmt;

use serde::Serialize;

use crate::span::Pos;

/// How bad a finding is. Errors fail `eventcat lint` (exit 1); warnings are reported only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

macro_rules! rules {
    ($($variant:ident => $id:literal, $severity:ident, $summary:literal;)*) => {
        /// Every lint rule, with its stable id. The list is the documentation: `eventcat lint
        /// --list-rules` prints it, and the table in docs/lint.md is checked against it by a test.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule { $($variant,)* }

        impl Rule {
            pub const ALL: &'static [Rule] = &[$(Rule::$variant,)*];

            /// The stable id, e.g. `duplicate-event`.
            pub fn id(self) -> &'static str {
                match self { $(Rule::$variant => $id,)* }
            }

            pub fn severity(self) -> Severity {
                match self { $(Rule::$variant => Severity::$severity,)* }
            }

            /// One line on what the rule checks.
            pub fn summary(self) -> &'static str {
                match self { $(Rule::$variant => $summary,)* }
            }
        }
    };
}

rules! {
    YamlSyntax => "yaml-syntax", Error, "the file is not valid YAML";
    DuplicateKey => "duplicate-key", Error, "a mapping has the same key twice";
    UnknownKey => "unknown-key", Error, "a key the format does not define (often a typo)";
    UnknownType => "unknown-type", Error, "a `type` (or unit, format, pii) value the format does not define";
    InvalidValue => "invalid-value", Error, "a value of the wrong shape, or a required key missing";
    MissingCatalogFile => "missing-catalog-file", Error, "the catalog folder has no catalog.yaml";
    MisplacedFile => "misplaced-file", Error, "a YAML file outside `events/<category>/`";
    DuplicateEvent => "duplicate-event", Error, "two files define the same event name";
    EventNameFormat => "event-name-format", Error, "an event name not of the form `<namespace>.<snake_case>`";
    EventFileMismatch => "event-file-mismatch", Error, "the file's stem differs from the event's name";
    EventCategoryMismatch => "event-category-mismatch", Error, "the event's namespace is not owned by the category folder it is in";
    UnknownCategory => "unknown-category", Error, "an event folder that catalog.yaml does not declare as a category";
    UnknownGroup => "unknown-group", Error, "an event's group is not declared under its category";
    PropertyNameFormat => "property-name-format", Error, "a property, category, group or policy name that is not snake_case";
    DuplicateEnumValue => "duplicate-enum-value", Error, "an enum lists the same value twice";
    EmptyEnum => "empty-enum", Error, "an enum with no values";
    EmptyDescription => "empty-description", Error, "an empty description, title, trigger or usage entry";
    UnresolvedRetention => "unresolved-retention", Error, "a retention policy that does not exist, or an event with none";
    InvalidVersion => "invalid-version", Error, "a version that is not a semantic version (MAJOR.MINOR.PATCH)";
    DuplicateNamespace => "duplicate-namespace", Error, "two categories own the same event namespace";
    DuplicateEventType => "duplicate-event-type", Error, "two groups declare the same event_type";
    EnvelopeField => "envelope-field", Error, "the envelope lacks a field the generated code and schemas rely on";
    ConstraintTypeMismatch => "constraint-type-mismatch", Error, "a constraint that does not apply to the property's type (a unit on a string, items on a number)";
    InvalidRange => "invalid-range", Error, "a minimum above its maximum, or a bound an integer cannot hold";
    ExampleMismatch => "example-mismatch", Error, "an example that is not a valid value of the property";
    InvalidPattern => "invalid-pattern", Error, "a `pattern` that is not a valid regular expression";
    UnknownEnvironment => "unknown-environment", Error, "an `environments` entry that is not a value of the envelope's environment enum";
    RestrictedRequired => "restricted-required", Error, "a property restricted to some environments that is not optional";
    OrderEntry => "order-entry", Error, "a group's `order` names an event that is not in the group, or names one twice";
    NameCollision => "name-collision", Error, "two names that become the same identifier in generated code (`type` and `type_`, `a-b` and `a_b`)";
    Placeholder => "placeholder", Warning, "text still a `TODO:` placeholder, as `eventcat new` writes them";
    EnumAndExamples => "enum-with-examples", Warning, "a closed enum that also lists examples (the enum already says every value)";
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id())
    }
}

/// One problem in one place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub rule: Rule,
    pub severity: Severity,
    /// The file, as a path relative to the current directory (or as given).
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
    /// What to do about it, when there is something more to say than the message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl Finding {
    pub fn new(rule: Rule, file: &str, pos: Pos, message: impl Into<String>) -> Self {
        Finding {
            rule,
            severity: rule.severity(),
            file: file.to_owned(),
            line: pos.line,
            column: pos.column,
            message: message.into(),
            help: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn pos(&self) -> Pos {
        Pos::new(self.line, self.column)
    }
}

impl fmt::Display for Finding {
    /// `path:line:col: severity[rule]: message`, the form editors and CI annotators parse.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{}:{}:{}: {severity}[{}]: {}",
            self.file, self.line, self.column, self.rule, self.message
        )
    }
}

/// Sorts findings by file, position and rule so that output is stable across runs.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (&a.file, a.line, a.column, a.rule, &a.message)
            .cmp(&(&b.file, b.line, b.column, b.rule, &b.message))
    });
}

/// True when any finding is an error (as opposed to a warning).
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}
