//! An untyped YAML tree with the position of every node, for the shape check.
//!
//! Typed deserialization stops at the first error. When it fails, the loader reads the same text
//! again into this tree, through the same parser (serde-saphyr, so every scalar gets exactly the
//! type serde would give it), and [`super::shape`] walks it against the format's schema to report
//! every problem of the file at once. Duplicate keys are passed through to the tree so that each
//! one is reported, not only the first.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::span::{Pos, Sp};

/// A YAML node and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub value: Value,
    pub pos: Pos,
}

/// The value of a node, typed as serde-saphyr infers plain scalars (YAML 1.2 core schema).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Entries in source order, duplicates kept.
    Map(Vec<(Node, Node)>),
}

impl Value {
    /// What the value is, for messages: "the string `none`", "a mapping".
    pub fn describe(&self) -> String {
        match self {
            Value::Null => "an empty value".to_owned(),
            Value::Bool(b) => format!("the boolean `{b}`"),
            Value::Int(i) => format!("the integer `{i}`"),
            Value::Float(f) => format!("the number `{f}`"),
            Value::Str(s) => format!("the string `{}`", shorten(s)),
            Value::Seq(_) => "a list".to_owned(),
            Value::Map(_) => "a mapping".to_owned(),
        }
    }
}

fn shorten(text: &str) -> String {
    const MAX: usize = 40;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

/// Parses `text` into a tree. Errors are YAML syntax errors (the shape is not looked at here).
pub(crate) fn parse(text: &str) -> Result<Node, serde_saphyr::Error> {
    let options = serde_saphyr::options! {
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::PassThrough,
    };
    serde_saphyr::from_str_with_options::<Node>(text, options)
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = Sp::<Value>::deserialize(deserializer)?;
        Ok(Node {
            value: spanned.value,
            pos: spanned.pos,
        })
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Int(v.into()))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        i128::try_from(v)
            .map(Value::Int)
            .map_err(|_| E::custom("integer out of range"))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        Value::deserialize(deserializer)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Node>()? {
            let value = map.next_value::<Node>()?;
            entries.push((key, value));
        }
        Ok(Value::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(node: &Node) -> Vec<(String, Pos)> {
        let Value::Map(entries) = &node.value else {
            panic!("not a map: {node:?}")
        };
        entries
            .iter()
            .map(|(k, _)| match &k.value {
                Value::Str(s) => (s.clone(), k.pos),
                other => panic!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn every_node_has_its_position_and_duplicates_are_kept() {
        let node = parse("a: 1\nb:\n  c: x\na: [true, ~, 1.5]\n").unwrap();
        assert_eq!(
            keys(&node),
            vec![
                ("a".into(), Pos::new(1, 1)),
                ("b".into(), Pos::new(2, 1)),
                ("a".into(), Pos::new(4, 1))
            ]
        );
        let Value::Map(entries) = &node.value else {
            unreachable!()
        };
        assert_eq!(entries[0].1.value, Value::Int(1));
        assert_eq!(entries[0].1.pos, Pos::new(1, 4));
        assert_eq!(keys(&entries[1].1), vec![("c".into(), Pos::new(3, 3))]);
        let Value::Seq(items) = &entries[2].1.value else {
            unreachable!()
        };
        assert_eq!(
            items.iter().map(|n| n.value.clone()).collect::<Vec<_>>(),
            vec![Value::Bool(true), Value::Null, Value::Float(1.5)]
        );
        assert_eq!(items[2].pos, Pos::new(4, 14));
    }

    #[test]
    fn a_syntax_error_is_an_error() {
        assert!(parse("a: [\nb: 1\n").is_err());
    }

    /// What the typed model accepts for a `String`, to keep the shape check in step with serde.
    #[test]
    fn typed_strings_accept_these_scalars() {
        #[derive(serde::Deserialize)]
        struct S {
            #[allow(dead_code)]
            s: String,
        }
        for (yaml, accepted) in [
            ("s: 12", true),
            ("s: 1.5", true),
            ("s: true", true),
            ("s: ~", false),
            ("s: [a]", false),
            ("s: {a: 1}", false),
        ] {
            assert_eq!(
                serde_saphyr::from_str::<S>(yaml).is_ok(),
                accepted,
                "{yaml}"
            );
        }
        #[derive(serde::Deserialize)]
        struct F {
            #[allow(dead_code)]
            f: f64,
            #[allow(dead_code)]
            b: bool,
        }
        for (yaml, accepted) in [
            ("f: 1\nb: true", true),
            ("f: '1'\nb: true", true),
            ("f: x\nb: true", false),
            ("f: 1\nb: yes", true),
            ("f: 1\nb: 'true'", true),
            ("f: 1\nb: 'x'", false),
        ] {
            assert_eq!(
                serde_saphyr::from_str::<F>(yaml).is_ok(),
                accepted,
                "{yaml}"
            );
        }
    }
}
