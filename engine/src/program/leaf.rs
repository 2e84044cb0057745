//! The checks on one scalar value beyond types, lengths and string sets: number limits,
//! `format` and `pattern`, each decided by jsonschema itself.
//!
//! The verdicts must equal jsonschema's on every input, so nothing here re-implements a rule
//! jsonschema implements in ways that are easy to get subtly different (exact comparison
//! across `u64`, `i64` and `f64`; `1.0` as an integer; the date-time grammar; ECMA-262 regex
//! translation): each check is a jsonschema validator of just those keywords, compiled from the
//! schema's own values with the registry's options, and run on a value that costs no
//! allocation (a `Value::Number` on the stack, a `Value::String` reused per thread). The
//! differential tests (`engine/tests/program.rs`) and the fuzz target hold the two engines equal.

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

    #[test]
    fn integer_test_agrees_with_jsonschema() {
        let check = super::build(&json!({ "type": "integer" })).expect("schema");
        for number in numbers() {
            assert_eq!(is_integer(&number), check.number(&number), "{number}");
        }
    }
}
