//! The checks on one scalar value beyond types, lengths and string sets: number limits,
//! `format` and `pattern`, each decided by jsonschema itself.
//!
//! The verdicts must equal jsonschema's on every input, so nothing here re-implements a rule
//! jsonschema implements in ways that are easy to get subtly different (exact comparison
//! across `u64`, `i64` and `f64`; `1.0` as an integer; the date-time grammar; ECMA-262 regex
//! translation): each check is a jsonschema validator of just those keywords, compiled from the
//! schema's own values with the registry's options, and run on a value that costs no
//! allocation (a `Value::Number` on the stack, a `Value::String` reused per thread). The one
//! exception only ever says yes: a `uuid` that jsonschema's own test (called straight) accepts,
//! and the plain spelling of a `date-time`, a subset of what jsonschema accepts, are accepted
//! without its dispatch ([`Text`]). The
//! differential tests (`codegen/tests/program.rs`) and the fuzz target hold the two engines equal.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::sync::LazyLock;

use jsonschema::Validator;
use serde_json::{Map, Number, Value};

/// A jsonschema validator of a few keywords of one subschema.
#[derive(Debug)]
pub(super) struct Check {
    validator: Validator,
}

impl Check {
    /// The keywords `keys` of `object`, as their own schema.
    pub(super) fn of(object: &Map<String, Value>, keys: &[&str]) -> Result<Option<Check>, String> {
        let part: Map<String, Value> = keys
            .iter()
            .filter_map(|k| object.get(*k).map(|v| ((*k).to_owned(), v.clone())))
            .collect();
        if part.is_empty() {
            return Ok(None);
        }
        build(&Value::Object(part)).map(Some)
    }

    pub(super) fn number(&self, number: &Number) -> bool {
        self.validator.is_valid(&Value::Number(number.clone()))
    }

    pub(super) fn string(&self, text: &str) -> bool {
        SCRATCH.with_borrow_mut(|scratch| {
            if let Value::String(buffer) = scratch {
                buffer.clear();
                buffer.push_str(text);
            } else {
                *scratch = Value::String(text.to_owned());
            }
            self.validator.is_valid(scratch)
        })
    }
}

/// `pattern` and `format` of one subschema, for strings: jsonschema's verdict, after a
/// shortcut for the formats every event carries.
#[derive(Debug)]
pub(super) struct Text {
    /// Says yes only where jsonschema surely says yes (`uuid` by jsonschema's own test, the
    /// plain spelling of a `date-time`), and otherwise leaves the verdict to it: a string that fails here is not
    /// refused, only asked again. Calling jsonschema costs more than the check itself, and
    /// each event has an `event_id` and a `timestamp`.
    quick: Option<fn(&str) -> bool>,
    check: Check,
}

impl Text {
    /// `pattern` and `format` of `object`.
    pub(super) fn of(object: &Map<String, Value>) -> Result<Option<Text>, String> {
        let Some(check) = Check::of(object, &["pattern", "format"])? else {
            return Ok(None);
        };
        let quick = match (object.get("format"), object.contains_key("pattern")) {
            (Some(Value::String(format)), false) => match format.as_str() {
                "uuid" => Some(hyphenated_uuid as fn(&str) -> bool),
                "date-time" => Some(plain_date_time as fn(&str) -> bool),
                _ => None,
            },
            _ => None,
        };
        Ok(Some(Text { quick, check }))
    }

    pub(super) fn string(&self, text: &str) -> bool {
        self.quick.is_some_and(|quick| quick(text)) || self.check.string(text)
    }
}

/// jsonschema's own test of the `uuid` format (`is_valid_uuid` is this call), without the
/// validator's dispatch around it.
fn hyphenated_uuid(text: &str) -> bool {
    let mut out = [0; 16];
    uuid_simd::parse_hyphenated(text.as_bytes(), uuid_simd::Out::from_mut(&mut out)).is_ok()
}

/// A date-time in UTC as most clients write it: `YYYY-MM-DDTHH:MM:SS`, an optional fraction,
/// `Z`; a real day of a month other than February 29th, a second other than a leap second.
fn plain_date_time(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() < 20 || bytes[bytes.len() - 1] != b'Z' {
        return false;
    }
    let (head, fraction) = bytes[..bytes.len() - 1].split_at(19);
    let shape = head.iter().enumerate().all(|(at, &b)| match at {
        4 | 7 => b == b'-',
        10 => b == b'T',
        13 | 16 => b == b':',
        _ => b.is_ascii_digit(),
    });
    let fraction = match fraction {
        [] => true,
        [b'.', digits @ ..] => !digits.is_empty() && digits.iter().all(u8::is_ascii_digit),
        _ => false,
    };
    if !shape || !fraction {
        return false;
    }
    let two = |at: usize| (head[at] - b'0') * 10 + (head[at + 1] - b'0');
    let (month, day) = (two(5), two(8));
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 => 28,
        _ => 0,
    };
    (1..=days).contains(&day) && two(11) <= 23 && two(14) <= 59 && two(17) <= 59
}

fn build(schema: &Value) -> Result<Check, String> {
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(schema)
        .map(|validator| Check { validator })
        .map_err(|error| format!("{schema}: {error}"))
}

/// jsonschema's integer test (drafts 6 and later: a float with no fractional part counts).
/// What jsonschema does without `arbitrary_precision` (`jsonschema_value::number_is_integer`),
/// which this workspace does not enable; a float is tested here, the rest by jsonschema.
pub(super) fn is_integer(number: &Number) -> bool {
    static INTEGER: LazyLock<Option<Check>> =
        LazyLock::new(|| build(&serde_json::json!({ "type": "integer" })).ok());
    if number.is_u64() || number.is_i64() {
        return true;
    }
    match number.as_f64() {
        Some(float) if float.is_finite() => float.fract() == 0.0,
        _ => INTEGER.as_ref().is_some_and(|check| check.number(number)),
    }
}

/// `minimum`, `maximum`, `exclusiveMinimum` and `exclusiveMaximum` of one subschema: compared
/// here where the comparison is surely exact (two integers; or two values each an `f64` or an
/// integer an `f64` holds exactly), by jsonschema otherwise (integers past 2^53 against
/// fractions), so the verdict is jsonschema's on every number.
#[derive(Debug)]
pub(super) struct Limits {
    bounds: Vec<(Bound, Number)>,
    check: Check,
}

#[derive(Debug, Clone, Copy)]
enum Bound {
    Minimum,
    Maximum,
    ExclusiveMinimum,
    ExclusiveMaximum,
}

impl Bound {
    const KEYWORDS: [(&'static str, Bound); 4] = [
        ("minimum", Bound::Minimum),
        ("maximum", Bound::Maximum),
        ("exclusiveMinimum", Bound::ExclusiveMinimum),
        ("exclusiveMaximum", Bound::ExclusiveMaximum),
    ];

    /// Whether a value that compares `order` to the limit passes.
    fn admits(self, order: Ordering) -> bool {
        match self {
            Bound::Minimum => order.is_ge(),
            Bound::Maximum => order.is_le(),
            Bound::ExclusiveMinimum => order.is_gt(),
            Bound::ExclusiveMaximum => order.is_lt(),
        }
    }
}

impl Limits {
    /// The limits of `object`; `Err` for a limit that is not a number.
    pub(super) fn of(object: &Map<String, Value>) -> Result<Option<Limits>, String> {
        let keys = Bound::KEYWORDS.map(|(key, _)| key);
        let Some(check) = Check::of(object, &keys)? else {
            return Ok(None);
        };
        let mut bounds = Vec::new();
        for (key, bound) in Bound::KEYWORDS {
            match object.get(key) {
                Some(Value::Number(limit)) => bounds.push((bound, limit.clone())),
                Some(_) => return Err(format!("{key} that is not a number")),
                None => {}
            }
        }
        Ok(Some(Limits { bounds, check }))
    }

    pub(super) fn number(&self, number: &Number) -> bool {
        for (bound, limit) in &self.bounds {
            match exact_order(number, limit) {
                Some(order) => {
                    if !bound.admits(order) {
                        return false;
                    }
                }
                None => return self.check.number(number),
            }
        }
        true
    }
}

/// How `a` compares to `b`, when that can be told exactly without arbitrary precision.
fn exact_order(a: &Number, b: &Number) -> Option<Ordering> {
    let integer = |n: &Number| {
        n.as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
    };
    if let (Some(a), Some(b)) = (integer(a), integer(b)) {
        return Some(a.cmp(&b));
    }
    // An integer converts to `f64` exactly up to 2^53 in magnitude.
    const EXACT: i128 = 1 << 53;
    let float = |n: &Number| match integer(n) {
        Some(i) if i.abs() <= EXACT => Some(i as f64),
        Some(_) => None,
        None => n.as_f64().filter(|f| f.is_finite()),
    };
    float(a)?.partial_cmp(&float(b)?)
}

thread_local! {
    /// The string a pattern validator looks at: one per thread, reused, so a check allocates
    /// only when a string is longer than any before it on this thread.
    static SCRATCH: RefCell<Value> = const { RefCell::new(Value::String(String::new())) };
}

#[cfg(test)]
mod tests {
    use serde_json::{Number, Value, json};

    use super::{Limits, is_integer};

    /// Numbers where exactness is easy to lose: around 2^53 and the ends of `i64` and `u64`,
    /// zero's signs, fractions near integers.
    fn numbers() -> Vec<Number> {
        let texts = [
            "0",
            "-0",
            "0.0",
            "-0.0",
            "1",
            "1.0",
            "-1",
            "0.5",
            "-0.5",
            "0.1",
            "2.5",
            "100",
            "99.99999999999999",
            "100.00000000000001",
            "9007199254740991",
            "9007199254740992",
            "9007199254740993",
            "-9007199254740993",
            "9007199254740992.0",
            "9007199254740994.0",
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775808",
            "-9223372036854775809",
            "18446744073709551615",
            "18446744073709551616",
            "1e300",
            "-1e300",
            "1.7976931348623157e308",
            "5e-324",
        ];
        texts
            .iter()
            .map(|t| serde_json::from_str::<Number>(t).expect(t))
            .collect()
    }

    #[test]
    fn limits_agree_with_jsonschema_on_edge_numbers() {
        let numbers = numbers();
        for keyword in ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"] {
            for limit in &numbers {
                let schema = json!({ keyword: limit });
                let Value::Object(object) = &schema else {
                    unreachable!()
                };
                let limits = Limits::of(object).expect("limits").expect("some");
                for number in &numbers {
                    assert_eq!(
                        limits.number(number),
                        limits.check.number(number),
                        "{number} against {keyword} {limit}"
                    );
                }
            }
        }
    }

    /// The shortcuts say yes only where jsonschema does, and say it for the usual spellings.
    #[test]
    fn quick_formats_accept_only_what_jsonschema_accepts() {
        let cases: &[(&str, &str, bool)] = &[
            // (format, string, whether the shortcut decides it)
            ("uuid", "67e55044-10b1-426f-9247-bb680e5fe0c8", true),
            ("uuid", "00000000-0000-0000-0000-000000000000", true),
            ("uuid", "67E55044-10B1-426F-9247-BB680E5FE0C8", true),
            ("uuid", "67e55044-10b1-426f-9247-bb680e5fe0c", false),
            ("uuid", "67e55044-10b1-426f-9247-bb680e5fe0c88", false),
            ("uuid", "67e55044x10b1-426f-9247-bb680e5fe0c8", false),
            ("uuid", "67e5504410b1426f9247bb680e5fe0c8", false),
            ("uuid", "{67e55044-10b1-426f-9247-bb680e5fe0c8}", false),
            ("uuid", "67e55044-10b1-426f-9247-bb680e5fe0g8", false),
            ("uuid", "", false),
            ("date-time", "2026-12-01T20:25:51Z", true),
            ("date-time", "2026-12-01T20:25:51.123Z", true),
            ("date-time", "2026-12-01T20:25:51.123456789123Z", true),
            ("date-time", "0000-01-01T00:00:00Z", true),
            ("date-time", "9999-12-31T23:59:59Z", true),
            ("date-time", "2026-04-30T00:00:00Z", true),
            ("date-time", "2026-02-28T00:00:00Z", true),
            ("date-time", "2024-02-29T00:00:00Z", false),
            ("date-time", "2026-02-29T00:00:00Z", false),
            ("date-time", "2026-04-31T00:00:00Z", false),
            ("date-time", "2026-13-01T00:00:00Z", false),
            ("date-time", "2026-00-01T00:00:00Z", false),
            ("date-time", "2026-01-00T00:00:00Z", false),
            ("date-time", "2026-01-32T00:00:00Z", false),
            ("date-time", "2026-12-31T23:59:60Z", false),
            ("date-time", "2026-12-01T24:00:00Z", false),
            ("date-time", "2026-12-01T23:60:00Z", false),
            ("date-time", "2026-12-01t20:25:51z", false),
            ("date-time", "2026-12-01T20:25:51+01:00", false),
            ("date-time", "2026-12-01T20:25:51.Z", false),
            ("date-time", "2026-12-01T20:25:51,5Z", false),
            ("date-time", "2026-12-01 20:25:51Z", false),
            ("date-time", "2026-12-01T20:25Z", false),
            ("date-time", "+2026-12-01T20:25:51Z", false),
            ("date-time", "2026-12-01T20:25:51Z ", false),
            ("date-time", "2026-1a-01T20:25:51Z", false),
        ];
        for &(format, text, decided) in cases {
            let schema = json!({ "format": format });
            let Value::Object(object) = &schema else {
                unreachable!()
            };
            let check = super::Text::of(object).expect("text").expect("some");
            let quick = check.quick.expect("a shortcut")(text);
            assert_eq!(quick, decided, "{format} {text:?}");
            let jsonschema = check.check.string(text);
            if quick {
                assert!(jsonschema, "{format} {text:?}: jsonschema refuses it");
            }
            assert_eq!(check.string(text), jsonschema, "{format} {text:?}");
        }
        // A pattern beside the format: jsonschema alone.
        let schema = json!({ "format": "uuid", "pattern": "^0" });
        let Value::Object(object) = &schema else {
            unreachable!()
        };
        let check = super::Text::of(object).expect("text").expect("some");
        assert!(check.quick.is_none());
        assert!(!check.string("67e55044-10b1-426f-9247-bb680e5fe0c8"));
    }

    #[test]
    fn integer_test_agrees_with_jsonschema() {
        let check = super::build(&json!({ "type": "integer" })).expect("schema");
        for number in numbers() {
            assert_eq!(is_integer(&number), check.number(&number), "{number}");
        }
    }
}
