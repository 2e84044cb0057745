//! Serde helpers the generated code calls.

use serde::de::{self, Visitor};
use std::fmt;

/// A field that may be absent (outer `None`) or `null` (inner `None`).
pub mod double_option {
    /// Writes `Some(Some(v))` as `v`, anything else as `null` (an absent field is skipped first).
    pub fn serialize<T: serde::Serialize, S: serde::Serializer>(
        value: &Option<Option<T>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(Some(inner)) => serializer.serialize_some(inner),
            _ => serializer.serialize_none(),
        }
    }

    /// A present field: `Some(None)` for `null`, `Some(Some(v))` otherwise.
    pub fn deserialize<'de, T: serde::Deserialize<'de>, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        <Option<T> as serde::Deserialize>::deserialize(deserializer).map(Some)
    }
}

/// A JSON integer, or a number with no fraction part (`5.0`), which JSON Schema calls an
/// integer too.
///
/// # Errors
/// When the value is not such a number.
pub fn integer<'de, D: de::Deserializer<'de>>(deserializer: D) -> Result<i128, D::Error> {
    struct Integer;
    impl Visitor<'_> for Integer {
        type Value = i128;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an integer")
        }
        fn visit_i64<E: de::Error>(self, value: i64) -> Result<i128, E> {
            Ok(i128::from(value))
        }
        fn visit_u64<E: de::Error>(self, value: u64) -> Result<i128, E> {
            Ok(i128::from(value))
        }
        fn visit_f64<E: de::Error>(self, value: f64) -> Result<i128, E> {
            if value.fract() == 0.0 && value.abs() < 1.0e38 {
                Ok(value as i128)
            } else {
                Err(E::invalid_type(de::Unexpected::Float(value), &self))
            }
        }
    }
    deserializer.deserialize_any(Integer)
}

/// An integer read by [`integer`] as a JSON value (a number beyond 64 bits as the nearest `f64`),
/// for the rules to check.
pub fn integer_json(number: i128) -> serde_json::Value {
    if let Ok(small) = i64::try_from(number) {
        serde_json::Value::from(small)
    } else if let Ok(large) = u64::try_from(number) {
        serde_json::Value::from(large)
    } else {
        serde_json::Value::from(number as f64)
    }
}
