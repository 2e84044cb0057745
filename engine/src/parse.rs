//! JSON text to a [`serde_json::Value`], refusing duplicate keys.
//!
//! `serde_json` keeps the last of two equal keys without a word; a validator that did the same
//! would check a document other tools read differently (some keep the first). So the value is
//! built by a visitor of our own, the same work `serde_json`'s own `Value` visitor does, plus one
//! map insertion check. Nesting stays bounded by `serde_json`'s recursion limit (127 levels): a
//! line nested 100,000 deep is an error, never a stack overflow.
//!
//! The fast pass tracks no path. Only when it finds a duplicate does a second pass, which
//! tracks the path, compute the JSON pointer of the duplicate (rare, so its cost does not matter).

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Why a payload is not a JSON value we validate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// Not JSON: a syntax error, or the text ends inside a value. `line` and `column` are 1-based
    /// and relative to the start of the payload.
    Syntax {
        message: String,
        line: usize,
        column: usize,
    },
    /// Nested deeper than `serde_json`'s recursion limit.
    TooDeep { line: usize, column: usize },
    /// An object holds the same key twice; `pointer` is the duplicate's JSON pointer.
    DuplicateKey {
        key: String,
        pointer: String,
        line: usize,
        column: usize,
    },
}

/// The deepest nesting `serde_json` accepts (arrays and objects inside one another) before it
/// stops with "recursion limit exceeded".
pub const MAX_DEPTH: usize = 127;

/// Marks our own error among `serde_json`'s messages (no JSON text can produce it).
const DUPLICATE_MARKER: &str = "\u{0}duplicate key";

/// Parses one JSON value (surrounding whitespace allowed), refusing duplicate keys.
pub fn parse(text: &str) -> Result<Value, ParseError> {
    match parse_with(text, None) {
        Ok(value) => Ok(value),
        Err(error) if is_duplicate(&error) => {
            let mut tracker = Tracker::default();
            let second = parse_with(text, Some(&mut tracker));
            let (key, pointer) = tracker.duplicate.unwrap_or_default();
            let error = second.err().unwrap_or(error);
            Err(ParseError::DuplicateKey {
                key,
                pointer,
                line: error.line(),
                column: error.column(),
            })
        }
        Err(error) => Err(classify(&error)),
    }
}

fn parse_with(text: &str, tracker: Option<&mut Tracker>) -> Result<Value, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = Seed { tracker, depth: 0 }.deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(value)
}

fn is_duplicate(error: &serde_json::Error) -> bool {
    error.is_data() && error.to_string().starts_with(DUPLICATE_MARKER)
}

fn classify(error: &serde_json::Error) -> ParseError {
    let (line, column) = (error.line(), error.column());
    let text = error.to_string();
    if text.starts_with("recursion limit exceeded") {
        return ParseError::TooDeep { line, column };
    }
    // `Display` appends " at line L column C"; the position is kept separately.
    let message = match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    };
    ParseError::Syntax {
        message,
        line,
        column,
    }
}

/// The path of the value being parsed, kept only on the second pass.
#[derive(Debug, Default)]
struct Tracker {
    path: Vec<String>,
    /// (key, pointer) of the first duplicate found.
    duplicate: Option<(String, String)>,
}

/// A JSON pointer from path segments (RFC 6901 escaping).
pub(crate) fn pointer_of<'a>(segments: impl IntoIterator<Item = &'a str>) -> String {
    let mut pointer = String::new();
    for segment in segments {
        push_segment(&mut pointer, segment);
    }
    pointer
}

/// Appends `/segment` to a JSON pointer, escaping `~` and `/`.
pub(crate) fn push_segment(pointer: &mut String, segment: &str) {
    pointer.push('/');
    for c in segment.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
}

struct Seed<'t> {
    tracker: Option<&'t mut Tracker>,
    depth: u32,
}

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(ValueVisitor {
            tracker: self.tracker,
            depth: self.depth,
        })
    }
}

struct ValueVisitor<'t> {
    tracker: Option<&'t mut Tracker>,
    depth: u32,
}

/// Objects at the top two levels of a payload (the envelope, its `properties`) get room for
/// this many keys at once: growing a map 4, 8, 16 rehashes it each time, a cost that showed in
/// profiles. Deeper objects start empty.
const PRESIZED_KEYS: usize = 16;

impl<'de> Visitor<'de> for ValueVisitor<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        Ok(Number::from_f64(value).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        let depth = self.depth + 1;
        match self.tracker {
            None => {
                while let Some(item) = seq.next_element_seed(Seed {
                    tracker: None,
                    depth,
                })? {
                    items.push(item);
                }
            }
            Some(tracker) => loop {
                tracker.path.push(items.len().to_string());
                let item = seq.next_element_seed(Seed {
                    tracker: Some(&mut *tracker),
                    depth,
                })?;
                tracker.path.pop();
                match item {
                    Some(item) => items.push(item),
                    None => break,
                }
            },
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = if self.depth < 2 {
            Map::with_capacity(PRESIZED_KEYS)
        } else {
            Map::new()
        };
        let depth = self.depth + 1;
        let mut tracker = self.tracker;
        while let Some(key) = access.next_key::<String>()? {
            let value = match tracker.as_deref_mut() {
                None => access.next_value_seed(Seed {
                    tracker: None,
                    depth,
                })?,
                Some(tracker) => {
                    tracker.path.push(key.clone());
                    let value = access.next_value_seed(Seed {
                        tracker: Some(&mut *tracker),
                        depth,
                    })?;
                    tracker.path.pop();
                    value
                }
            };
            // One lookup (one hash of the key) both finds a duplicate and inserts.
            match map.entry(key) {
                serde_json::map::Entry::Vacant(slot) => {
                    slot.insert(value);
                }
                serde_json::map::Entry::Occupied(kept) => {
                    let key = kept.key();
                    if let Some(tracker) = tracker.as_deref_mut()
                        && tracker.duplicate.is_none()
                    {
                        let mut pointer = pointer_of(tracker.path.iter().map(String::as_str));
                        push_segment(&mut pointer, key);
                        tracker.duplicate = Some((key.clone(), pointer));
                    }
                    return Err(de::Error::custom(format_args!("{DUPLICATE_MARKER} {key}")));
                }
            }
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_like_serde_json() {
        let text =
            r#"{"a": [1, -2, 3.5, true, null, "x"], "b": {"c": {}}, "d": 18446744073709551615}"#;
        assert_eq!(
            parse(text).unwrap(),
            serde_json::from_str::<Value>(text).unwrap()
        );
        assert_eq!(parse(" 42 ").unwrap(), json!(42));
    }

    #[test]
    fn duplicate_keys_are_errors_with_their_pointer() {
        let error = parse(r#"{"a": 1, "b": {"x/y": [{"k": 1, "k": 2}]}}"#).unwrap_err();
        match error {
            ParseError::DuplicateKey { key, pointer, .. } => {
                assert_eq!(key, "k");
                assert_eq!(pointer, "/b/x~1y/0/k");
            }
            other => panic!("{other:?}"),
        }
        let error = parse(r#"{"a": 1, "a": 1}"#).unwrap_err();
        assert!(
            matches!(&error, ParseError::DuplicateKey { pointer, .. } if pointer == "/a"),
            "{error:?}"
        );
        // Equal keys in different objects are not duplicates.
        assert!(parse(r#"{"a": {"a": 1}, "b": {"a": 2}}"#).is_ok());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        assert!(matches!(parse(&deep), Err(ParseError::TooDeep { .. })));
        let objects = r#"{"a":"#.repeat(100_000) + "1" + &"}".repeat(100_000);
        assert!(matches!(parse(&objects), Err(ParseError::TooDeep { .. })));
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse(&ok).is_ok());
        let too_deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert!(matches!(parse(&too_deep), Err(ParseError::TooDeep { .. })));
    }

    #[test]
    fn syntax_errors_keep_their_position() {
        match parse("{\"a\": 1,\n \"b\" 2}").unwrap_err() {
            ParseError::Syntax {
                message,
                line,
                column,
            } => {
                assert_eq!(message, "expected `:`");
                assert_eq!((line, column), (2, 6));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(parse("{} {}"), Err(ParseError::Syntax { .. })));
        assert!(matches!(parse(""), Err(ParseError::Syntax { .. })));
        assert!(matches!(parse(r#"{"a": "#), Err(ParseError::Syntax { .. })));
    }
}
