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
pub(super) fn is_integer(number: &Number) -> bool {
    static INTEGER: LazyLock<Option<Check>> =
        LazyLock::new(|| build(&serde_json::json!({ "type": "integer" })).ok());
    if number.is_u64() || number.is_i64() {
        return true;
    }
    INTEGER.as_ref().is_some_and(|check| check.number(number))
}

thread_local! {
    /// The string a pattern validator looks at: one per thread, reused, so a check allocates
    /// only when a string is longer than any before it on this thread.
    static SCRATCH: RefCell<Value> = const { RefCell::new(Value::String(String::new())) };
}
