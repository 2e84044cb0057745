//! A broken rule, said the way `eventcat-validate` says it: a JSON pointer, the rule id, what the
//! rule wants and what the value is.
//!
//! The words are the validator's (its `PayloadError` has the same four parts), so a failed
//! deserialization reads exactly like the validator's report on the same payload:
//! `/properties/engagement_score [maximum] expected <= 10; got 150`.

use std::borrow::Cow;
use std::fmt;

use serde_json::Value;

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Violation {
    /// JSON pointer (RFC 6901) to the offending value; for a missing property, the pointer it
    /// would have; `""` for the whole payload (or for a value checked on its own).
    pub pointer: String,
    /// The rule: a JSON Schema keyword (`type`, `required`, `minimum`, ...) or one of the
    /// validator's own (`privacy:*`, `envelope:*`, `json:*`).
    pub rule: Cow<'static, str>,
    /// What the rule wants.
    pub expected: String,
    /// What the value is (as JSON, shortened).
    pub actual: String,
}

impl Violation {
    /// A violation from its four parts.
    pub fn new(
        pointer: impl Into<String>,
        rule: impl Into<Cow<'static, str>>,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> Self {
        Violation {
            pointer: pointer.into(),
            rule: rule.into(),
            expected: expected.into(),
            actual: actual.into(),
        }
    }
}

impl fmt::Display for Violation {
    /// `/properties/user_id [type] expected type string; got integer 12345`, the validator's line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pointer = if self.pointer.is_empty() {
            "(payload)"
        } else {
            &self.pointer
        };
        write!(
            f,
            "{pointer} [{}] expected {}; got {}",
            self.rule, self.expected, self.actual
        )
    }
}

/// Every rule a value breaks (never empty when returned as an error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violations(pub Vec<Violation>);

impl Violations {
    /// `Ok(())` for no violation, the violations otherwise.
    ///
    /// # Errors
    /// When `violations` is not empty.
    pub fn check(violations: Vec<Violation>) -> Result<(), Violations> {
        if violations.is_empty() {
            Ok(())
        } else {
            Err(Violations(violations))
        }
    }

    /// The violations, in the order found.
    pub fn iter(&self) -> std::slice::Iter<'_, Violation> {
        self.0.iter()
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl IntoIterator for Violations {
    type Item = Violation;
    type IntoIter = std::vec::IntoIter<Violation>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Violations {
    type Item = &'a Violation;
    type IntoIter = std::slice::Iter<'a, Violation>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Display for Violations {
    /// `N error(s): ` and each violation, separated by `; ` on one line when there are several
    /// (serde_json appends its position to the message, so it must stay one line).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.0.len();
        write!(f, "{count} error{}: ", if count == 1 { "" } else { "s" })?;
        for (i, violation) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            write!(f, "{violation}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Violations {}

/// Why bytes are not a valid event: not JSON (or not of the expected shape after the rules
/// held), or JSON that breaks the catalog's rules.
#[derive(Debug)]
pub enum Error {
    /// Not JSON, JSON with a duplicate key, nesting deeper than 127 levels.
    Json(serde_json::Error),
    /// JSON that breaks the catalog's rules: every violation.
    Invalid(Violations),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Json(error) => write!(f, "not a JSON payload: {error}"),
            Error::Invalid(violations) => write!(f, "invalid payload: {violations}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Json(error) => Some(error),
            Error::Invalid(violations) => Some(violations),
        }
    }
}

impl From<Violations> for Error {
    fn from(violations: Violations) -> Self {
        Error::Invalid(violations)
    }
}

impl From<serde_json::Error> for Error {
    fn from(error: serde_json::Error) -> Self {
        Error::Json(error)
    }
}

/// The longest value text a violation shows; longer values are cut with `…` (the validator's
/// limit).
pub const MAX_SHOWN: usize = 120;

/// A value as JSON text, shortened to [`MAX_SHOWN`] characters.
pub fn show(value: &Value) -> String {
    shorten(&value.to_string())
}

/// Text shortened to [`MAX_SHOWN`] characters, on a character boundary.
pub fn shorten(text: &str) -> String {
    match text.char_indices().nth(MAX_SHOWN) {
        None => text.to_owned(),
        Some((at, _)) => format!("{}…", &text[..at]),
    }
}

/// `string "x"`, `integer 42`: a value with its JSON type.
pub fn typed(value: &Value) -> String {
    format!("{} {}", json_type(value), show(value))
}

/// The JSON Schema type name of a value (`integer` for numbers without a fraction part).
pub fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// `one of "a", "b", "c"`.
pub fn one_of<'a>(options: impl IntoIterator<Item = &'a str>) -> String {
    let mut text = String::from("one of ");
    for (i, option) in options.into_iter().enumerate() {
        if i > 0 {
            text.push_str(", ");
        }
        text.push_str(&Value::from(option).to_string());
    }
    shorten(&text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_violation_reads_like_the_validator() {
        let violation = Violation::new(
            "/properties/engagement_score",
            "maximum",
            "<= 10",
            show(&json!(150)),
        );
        assert_eq!(
            violation.to_string(),
            "/properties/engagement_score [maximum] expected <= 10; got 150"
        );
        let whole = Violation::new("", "envelope:not_object", "a JSON object", typed(&json!(1)));
        assert_eq!(
            whole.to_string(),
            "(payload) [envelope:not_object] expected a JSON object; got integer 1"
        );
    }

    #[test]
    fn words() {
        assert_eq!(typed(&json!("x")), "string \"x\"");
        assert_eq!(typed(&json!(1.5)), "number 1.5");
        assert_eq!(one_of(["a", "b"]), "one of \"a\", \"b\"");
        let long = "x".repeat(200);
        assert_eq!(shorten(&long).chars().count(), MAX_SHOWN + 1);
    }
}
