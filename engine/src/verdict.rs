//! What validating one payload says: valid (against which schema), or invalid with every error.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde_json::Value;

use super::registry::SchemaId;

/// The verdict on one payload.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Valid against the schema of its `event_name` and `version`.
    Valid { schema: SchemaId },
    /// Invalid; boxed so the valid path moves one word.
    Invalid(Box<Invalid>),
}

impl Verdict {
    pub fn is_valid(&self) -> bool {
        matches!(self, Verdict::Valid { .. })
    }

    /// The invalid payload's details, if it is invalid.
    pub fn invalid(&self) -> Option<&Invalid> {
        match self {
            Verdict::Valid { .. } => None,
            Verdict::Invalid(invalid) => Some(invalid),
        }
    }

    /// An invalid verdict with one error and no event (input and JSON errors).
    pub(crate) fn input_error(error: PayloadError) -> Self {
        Verdict::Invalid(Box::new(Invalid {
            event: None,
            version: None,
            schema: None,
            errors: vec![error],
        }))
    }
}

/// Why a payload is invalid.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    /// The payload's `event_name`, when it has a string one (known or not).
    pub event: Option<String>,
    /// The payload's `version`, when it has a string one (known or not).
    pub version: Option<String>,
    /// The schema it was checked against, when dispatch found one.
    pub schema: Option<SchemaId>,
    /// Every error, in a stable order: input and envelope errors, then schema and privacy
    /// errors in the order the schema meets them.
    pub errors: Vec<PayloadError>,
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PayloadError {
    /// JSON pointer (RFC 6901) to the offending value; for a missing property, the pointer it
    /// would have; `""` for the whole payload.
    pub pointer: String,
    /// The rule: a JSON Schema keyword (`type`, `required`, `enum`, ...) or one of ours
    /// (`input:*`, `json:*`, `envelope:*`, `privacy:*`).
    pub rule: Cow<'static, str>,
    /// What the rule wants.
    pub expected: String,
    /// What the payload has (values as JSON, shortened).
    pub actual: String,
}

impl PayloadError {
    pub fn new(
        pointer: impl Into<String>,
        rule: impl Into<Cow<'static, str>>,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> Self {
        PayloadError {
            pointer: pointer.into(),
            rule: rule.into(),
            expected: expected.into(),
            actual: actual.into(),
        }
    }
}

/// Rules about the input itself, before any JSON.
pub mod rules {
    /// An empty or whitespace-only line.
    pub const BLANK: &str = "input:blank";
    /// A line that is not UTF-8.
    pub const INVALID_UTF8: &str = "input:invalid_utf8";
    /// A line longer than the limit (`--max-line-bytes`); it is skipped, not buffered.
    pub const TOO_LONG: &str = "input:too_long";
    /// Not JSON.
    pub const SYNTAX: &str = "json:syntax";
    /// Nested deeper than 127 levels.
    pub const TOO_DEEP: &str = "json:too_deep";
    /// An object with the same key twice.
    pub const DUPLICATE_KEY: &str = "json:duplicate_key";
    /// JSON, but not an object.
    pub const NOT_OBJECT: &str = "envelope:not_object";
    /// No string `event_name`.
    pub const EVENT_NAME: &str = "envelope:event_name";
    /// No string `version`.
    pub const VERSION: &str = "envelope:version";
    /// The validator failed on this payload (a bug); the run goes on.
    pub const INTERNAL: &str = "internal:panic";
    /// An `event_name` the registry does not know.
    pub const UNKNOWN_EVENT: &str = "envelope:unknown_event";
    /// A known event at a version the registry does not hold.
    pub const UNKNOWN_VERSION: &str = "envelope:unknown_version";
    pub use crate::privacy::{RULE_ANONYMIZED_IP, RULE_ENVIRONMENT, RULE_HASHED};
}

/// How values are shown in reports (JSON text cut at [`MAX_SHOWN`] characters, with its JSON
/// type for `actual`): the same words the generated types use, from the rules every side shares.
pub use eventcat_runtime::{MAX_SHOWN, shorten, show, typed};

/// `one of "a", "b", "c"`.
pub fn one_of(options: &[Value]) -> String {
    let mut text = String::from("one of ");
    for (i, option) in options.iter().enumerate() {
        if i > 0 {
            text.push_str(", ");
        }
        let _ = write!(text, "{option}");
    }
    shorten(&text)
}
