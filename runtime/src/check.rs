//! The rule checks the generated code is made of, on JSON values.
//!
//! The generated code walks a payload field by field, as the catalog's IR says, and calls one of
//! these per rule; each pushes a [`Violation`] in the validator's words when its rule fails and
//! returns whether the walk may go deeper. A rule's check is the same whether the value came from
//! a payload or from a constructor (which wraps the value in a [`Value`] first), so the two
//! cannot disagree.

use serde_json::{Map, Value};

use crate::format::Format;
use crate::privacy::{self, PrivacyKind};
use crate::violation::{Violation, one_of, shorten, show, typed};

/// Where violations are collected.
pub type Out = Vec<Violation>;

/// `pointer` + `/key`, with RFC 6901 escaping (`~0`, `~1`).
pub fn child(pointer: &str, key: &str) -> String {
    let mut out = String::with_capacity(pointer.len() + key.len() + 1);
    out.push_str(pointer);
    out.push('/');
    for c in key.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
    out
}

/// `pointer` + `/index`.
pub fn item(pointer: &str, index: usize) -> String {
    format!("{pointer}/{index}")
}

fn wrong_type(value: &Value, ty: &str, pointer: &str, out: &mut Out) {
    out.push(Violation::new(
        pointer,
        "type",
        format!("type {ty}"),
        typed(value),
    ));
}

/// `type: object`, for an object the walk goes into.
pub fn object<'v>(
    value: &'v mut Value,
    pointer: &str,
    out: &mut Out,
) -> Option<&'v mut Map<String, Value>> {
    if !value.is_object() {
        wrong_type(value, "object", pointer, out);
    }
    value.as_object_mut()
}

/// `additionalProperties: false`: every key not in `known` is a violation at its own pointer.
pub fn closed(map: &Map<String, Value>, known: &[&str], pointer: &str, out: &mut Out) {
    for (key, value) in map {
        if !known.contains(&key.as_str()) {
            out.push(Violation::new(
                child(pointer, key),
                "additionalProperties",
                "no such property: the schema is closed (not in the catalog)",
                show(value),
            ));
        }
    }
}

/// `required`: the property `name` of the object at `pointer` is absent.
pub fn missing(pointer: &str, name: &str, out: &mut Out) {
    out.push(Violation::new(
        child(pointer, name),
        "required",
        format!("required property {}", Value::from(name)),
        "absent",
    ));
}

/// `type: string`.
pub fn string(value: &Value, pointer: &str, out: &mut Out) -> bool {
    let ok = value.is_string();
    if !ok {
        wrong_type(value, "string", pointer, out);
    }
    ok
}

/// `type: integer`: an integer, or a number with no fraction part (`5.0` is the integer 5, as
/// JSON Schema says), which is rewritten in place as the integer so typed fields can hold it.
pub fn integer(value: &mut Value, pointer: &str, out: &mut Out) -> bool {
    let integral = match value {
        Value::Number(n) if n.is_i64() || n.is_u64() => return true,
        Value::Number(n) => n.as_f64().filter(|f| f.fract() == 0.0),
        _ => None,
    };
    match integral {
        Some(f) => {
            // Exact: an f64 with no fraction part within the i64/u64 range converts losslessly.
            if (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f) {
                *value = Value::from(f as i64);
            } else if (0.0..18_446_744_073_709_551_616.0).contains(&f) {
                *value = Value::from(f as u64);
            }
            true
        }
        None => {
            wrong_type(value, "integer", pointer, out);
            false
        }
    }
}

/// `type: number`.
pub fn number(value: &Value, pointer: &str, out: &mut Out) -> bool {
    let ok = value.is_number();
    if !ok {
        wrong_type(value, "number", pointer, out);
    }
    ok
}

/// `type: boolean`.
pub fn boolean(value: &Value, pointer: &str, out: &mut Out) {
    if !value.is_boolean() {
        wrong_type(value, "boolean", pointer, out);
    }
}

/// `type: object` for a free-form object (the walk does not go into it).
pub fn free_object(value: &Value, pointer: &str, out: &mut Out) {
    if !value.is_object() {
        wrong_type(value, "object", pointer, out);
    }
}

/// `type: array`.
pub fn array<'v>(value: &'v mut Value, pointer: &str, out: &mut Out) -> Option<&'v mut Vec<Value>> {
    if !value.is_array() {
        wrong_type(value, "array", pointer, out);
    }
    value.as_array_mut()
}

/// A closed enum: `type: string` and `enum` (both reported for a value of another type, as the
/// schema's two keywords are).
pub fn string_enum(value: &Value, values: &[&str], pointer: &str, out: &mut Out) {
    string(value, pointer, out);
    if !value.as_str().is_some_and(|text| values.contains(&text)) {
        out.push(Violation::new(
            pointer,
            "enum",
            one_of(values.iter().copied()),
            show(value),
        ));
    }
}

/// `const`: the envelope fields an event fixes (`event_name`, `event_type`, `version`).
pub fn constant(value: &Value, expected: &str, pointer: &str, out: &mut Out) {
    if value.as_str() != Some(expected) {
        out.push(Violation::new(
            pointer,
            "const",
            Value::from(expected).to_string(),
            show(value),
        ));
    }
}

/// `minLength`, in characters (code points), as JSON Schema counts.
pub fn min_length(value: &Value, limit: u64, pointer: &str, out: &mut Out) {
    if let Some(text) = value.as_str() {
        if (text.chars().count() as u64) < limit {
            out.push(Violation::new(
                pointer,
                "minLength",
                format!("at least {limit} characters"),
                show(value),
            ));
        }
    }
}

/// `maxLength`, in characters (code points).
pub fn max_length(value: &Value, limit: u64, pointer: &str, out: &mut Out) {
    if let Some(text) = value.as_str() {
        if text.chars().count() as u64 > limit {
            out.push(Violation::new(
                pointer,
                "maxLength",
                format!("at most {limit} characters"),
                show(value),
            ));
        }
    }
}

/// `pattern`: the compiled `regex` of the catalog's `source` (unanchored, as JSON Schema has it).
#[cfg(feature = "pattern")]
pub fn pattern(value: &Value, regex: &regex::Regex, source: &str, pointer: &str, out: &mut Out) {
    if let Some(text) = value.as_str() {
        if !regex.is_match(text) {
            out.push(Violation::new(
                pointer,
                "pattern",
                format!("a string matching {source}"),
                show(value),
            ));
        }
    }
}

/// `format`.
pub fn format(value: &Value, format: Format, pointer: &str, out: &mut Out) {
    if let Some(text) = value.as_str() {
        if !format.is_valid(text) {
            out.push(Violation::new(
                pointer,
                "format",
                format!("a valid {} (format)", format.name()),
                show(value),
            ));
        }
    }
}

/// The catalog's `format: ip`, which the schemas spell `anyOf: [{format: ipv4}, {format: ipv6}]`.
pub fn ip(value: &Value, pointer: &str, out: &mut Out) {
    if let Some(text) = value.as_str() {
        if !Format::Ipv4.is_valid(text) && !Format::Ipv6.is_valid(text) {
            out.push(Violation::new(
                pointer,
                "anyOf",
                "any of: a valid ipv4 (format) | a valid ipv6 (format)",
                typed(value),
            ));
        }
    }
}

/// A `pii` form (`privacy:anonymized_ip`, `privacy:hashed`), with the validator's reason.
pub fn privacy(value: &Value, kind: PrivacyKind, pointer: &str, out: &mut Out) {
    if let Some(text) = value.as_str() {
        if let Err(problem) = kind.check(text) {
            out.push(Violation::new(
                pointer,
                kind.rule(),
                kind.expected(),
                format!("{} ({problem})", show(value)),
            ));
        }
    }
}

/// An IP that must be anonymized and also has a `format` (`ipv4` or `ipv6`): the validator
/// reports a failed format of such a field as the privacy rule, once.
pub fn anonymized_with_format(value: &Value, format: Format, pointer: &str, out: &mut Out) {
    let Some(text) = value.as_str() else {
        return;
    };
    let kind = PrivacyKind::AnonymizedIp;
    let format_ok = format.is_valid(text);
    match kind.check(text) {
        Err(problem) => out.push(Violation::new(
            pointer,
            kind.rule(),
            kind.expected(),
            format!("{} ({problem})", show(value)),
        )),
        Ok(()) if !format_ok => {
            out.push(Violation::new(
                pointer,
                kind.rule(),
                kind.expected(),
                show(value),
            ));
        }
        Ok(()) => {}
    }
}

fn compare(value: &Value, limit: f64) -> Option<std::cmp::Ordering> {
    match value {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                if limit.fract() == 0.0 && limit.abs() < 9.0e15 {
                    return Some(i128::from(i).cmp(&(limit as i128)));
                }
            }
            if let Some(u) = n.as_u64() {
                if limit.fract() == 0.0 && limit.abs() < 9.0e15 {
                    return Some(i128::from(u).cmp(&(limit as i128)));
                }
            }
            n.as_f64()?.partial_cmp(&limit)
        }
        _ => None,
    }
}

/// `minimum` (inclusive); `limit_text` is the bound as the schema writes it.
pub fn minimum(value: &Value, limit: f64, limit_text: &str, pointer: &str, out: &mut Out) {
    if compare(value, limit) == Some(std::cmp::Ordering::Less) {
        out.push(Violation::new(
            pointer,
            "minimum",
            format!(">= {limit_text}"),
            show(value),
        ));
    }
}

/// `maximum` (inclusive); `limit_text` is the bound as the schema writes it.
pub fn maximum(value: &Value, limit: f64, limit_text: &str, pointer: &str, out: &mut Out) {
    if compare(value, limit) == Some(std::cmp::Ordering::Greater) {
        out.push(Violation::new(
            pointer,
            "maximum",
            format!("<= {limit_text}"),
            show(value),
        ));
    }
}

/// A nullable field (`anyOf: [<the value's schema>, {type: null}]`): `null`, or a value that
/// passes `inner`. A failed value is one `anyOf` violation listing what each branch wants, as
/// the validator says it; its own privacy checks (which the validator runs on every string
/// besides the schema) are kept as they are.
pub fn nullable(
    value: &mut Value,
    pointer: &str,
    out: &mut Out,
    inner: impl FnOnce(&mut Value, &mut Out),
) {
    if value.is_null() {
        return;
    }
    let mut branch = Vec::new();
    inner(value, &mut branch);
    if branch.is_empty() {
        return;
    }
    let (privacy, schema): (Vec<Violation>, Vec<Violation>) = branch
        .into_iter()
        .partition(|v| v.rule.starts_with("privacy:"));
    let anonymized = privacy
        .iter()
        .any(|v| v.rule == privacy::RULE_ANONYMIZED_IP);
    if !schema.is_empty() && !anonymized {
        let wants: Vec<&str> = schema.iter().map(|v| v.expected.as_str()).collect();
        out.push(Violation::new(
            pointer,
            "anyOf",
            shorten(&format!("any of: {} | type null", wants.join(" and "))),
            typed(value),
        ));
    }
    out.extend(privacy);
}

/// `privacy:environment`: a field allowed only in `allowed` environments, present in a payload
/// whose `environment` is none of them (or absent, or not a string).
pub fn restricted(
    field: Option<&Value>,
    environment: Option<&Value>,
    allowed: &[&str],
    pointer: &str,
    out: &mut Out,
) {
    let Some(field) = field else {
        return;
    };
    if environment
        .and_then(Value::as_str)
        .is_some_and(|environment| allowed.contains(&environment))
    {
        return;
    }
    out.push(Violation::new(
        pointer,
        privacy::RULE_ENVIRONMENT,
        format!("absent: allowed only in environment {}", allowed.join(", ")),
        format!("present: {}", show(field)),
    ));
}

/// The dispatch of a payload of any event, with the validator's `envelope:*` rules: an object
/// with a string `event_name` and a string `version`. Returns them when they are there.
pub fn envelope<'v>(value: &'v Value, out: &mut Out) -> Option<(&'v str, &'v str)> {
    let Value::Object(object) = value else {
        out.push(Violation::new(
            "",
            "envelope:not_object",
            "a JSON object (an event payload)",
            typed(value),
        ));
        return None;
    };
    let event = object.get("event_name");
    let version = object.get("version");
    let (event_text, version_text) = (
        event.and_then(Value::as_str),
        version.and_then(Value::as_str),
    );
    if event_text.is_none() {
        out.push(Violation::new(
            "/event_name",
            "envelope:event_name",
            "a string naming the event",
            event.map_or_else(|| "absent".to_owned(), typed),
        ));
    }
    if version_text.is_none() {
        out.push(Violation::new(
            "/version",
            "envelope:version",
            "a string naming the event's schema version",
            version.map_or_else(|| "absent".to_owned(), typed),
        ));
    }
    Some((event_text?, version_text?))
}

/// `envelope:unknown_event`: `known` is how many events the catalog has.
pub fn unknown_event(event: &str, known: usize, out: &mut Out) {
    out.push(Violation::new(
        "/event_name",
        "envelope:unknown_event",
        format!("an event of the registry ({known} known)"),
        show(&Value::from(event)),
    ));
}

/// `envelope:unknown_version`: a known event at another version than `versions`.
pub fn unknown_version(event: &str, version: &str, versions: &[&str], out: &mut Out) {
    out.push(Violation::new(
        "/version",
        "envelope:unknown_version",
        format!("a version of {event}: {}", one_of(versions.iter().copied())),
        show(&Value::from(version)),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn integral_numbers_are_integers() {
        let mut out = Vec::new();
        let mut five = json!(5.0);
        assert!(integer(&mut five, "/n", &mut out));
        assert_eq!(five, json!(5));
        let mut half = json!(5.5);
        assert!(!integer(&mut half, "/n", &mut out));
        assert_eq!(
            out[0].to_string(),
            "/n [type] expected type integer; got number 5.5"
        );
    }

    #[test]
    fn bounds_compare_exactly() {
        let mut out = Vec::new();
        maximum(&json!(10), 10.0, "10", "/n", &mut out);
        minimum(&json!(0), 0.0, "0", "/n", &mut out);
        assert!(out.is_empty());
        maximum(&json!(150), 10.0, "10", "/n", &mut out);
        minimum(&json!(-0.25), 0.0, "0", "/n", &mut out);
        let shown: Vec<String> = out.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "/n [maximum] expected <= 10; got 150",
                "/n [minimum] expected >= 0; got -0.25"
            ]
        );
    }

    #[test]
    fn pointers_are_escaped() {
        assert_eq!(child("/properties", "a/b~c"), "/properties/a~1b~0c");
        assert_eq!(item("/tags", 3), "/tags/3");
    }
}
