//! Reading a payload the way `eventcat-validate` reads it: any JSON value, but an object with the
//! same key twice is an error (`json:duplicate_key`), because parsers disagree on which value
//! wins and the validator refuses to guess. Nesting deeper than 127 levels is refused by
//! `serde_json` itself (the validator's `json:too_deep` limit is the same).

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// A JSON value read with duplicate keys refused.
#[derive(Debug, Clone, PartialEq)]
pub struct StrictValue(pub Value);

impl<'de> serde::Deserialize<'de> for StrictValue {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Seed {
            pointer: String::new(),
        }
        .deserialize(deserializer)
        .map(StrictValue)
    }
}

struct Seed {
    /// The pointer of the value being read, for the duplicate-key message.
    pointer: String,
}

impl<'de> DeserializeSeed<'de> for Seed {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed {
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

    fn visit_some<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        loop {
            let pointer = crate::check::item(&self.pointer, items.len());
            match seq.next_element_seed(Seed { pointer })? {
                Some(item) => items.push(item),
                None => break,
            }
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            let pointer = crate::check::child(&self.pointer, &key);
            if map.contains_key(&key) {
                return Err(de::Error::custom(format_args!(
                    "{pointer} [json:duplicate_key] expected each key once per object; got key {} repeated",
                    Value::from(key)
                )));
            }
            let value = access.next_value_seed(Seed { pointer })?;
            map.insert(key, value);
        }
        Ok(Value::Object(map))
    }
}

/// Parses bytes as one JSON value, refusing duplicate keys.
///
/// # Errors
/// When the bytes are not one JSON value, hold an object with a key twice, or nest deeper
/// than 127 levels.
pub fn from_slice(bytes: &[u8]) -> Result<Value, serde_json::Error> {
    serde_json::from_slice::<StrictValue>(bytes).map(|strict| strict.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_are_refused_with_their_pointer() {
        let error = from_slice(br#"{"a": {"b": [{"k": 1, "k": 2}]}}"#).unwrap_err();
        assert!(
            error.to_string().starts_with(
                "/a/b/0/k [json:duplicate_key] expected each key once per object; got key \"k\" repeated"
            ),
            "{error}"
        );
        assert!(from_slice(br#"{"a": {"a": 1}, "b": {"a": 2}}"#).is_ok());
    }

    #[test]
    fn nesting_is_limited_like_the_validator() {
        let ok = "[".repeat(127) + &"]".repeat(127);
        assert!(from_slice(ok.as_bytes()).is_ok());
        let deep = "[".repeat(128) + &"]".repeat(128);
        assert!(from_slice(deep.as_bytes()).is_err());
    }
}
