//! Running a program: `serde_json`'s deserializer drives one [`DeserializeSeed`] per value,
//! which checks the value against its place's nodes as it is read. No tree is built: strings
//! and keys are borrowed from the text (or from `serde_json`'s scratch buffer when escaped),
//! keys are matched against the place's sorted key table, and each value answers with a bit
//! mask of the nodes it satisfies.
//!
//! Duplicate keys: a known key is one bit in a mask; other keys (free-form objects) are kept
//! borrowed, with a hash, on the stack (a `Vec` past 8), and an escaped key whose hash matches
//! another makes the run undecided rather than guess. Depth: `serde_json`'s recursion limit
//! applies exactly as on the tree path, which reads with the same deserializer.

use std::cell::Cell;
use std::collections::HashMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Number;

use super::compile::{
    ANYTHING, ARRAY, BOOLEAN, INTEGER, NULL, NUMBER, OBJECT, Program, STRING, State,
};
use super::leaf::is_integer;

/// What one run says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Valid,
    Invalid,
    /// The run could not tell (an escaped key hashing like another key of its object): the
    /// tree path decides.
    Undecided,
}

#[derive(Debug, Default)]
struct Run {
    /// Set when the payload is invalid whatever the schema's nodes say (a duplicate key, a
    /// privacy form), or when the run cannot decide.
    invalid: Cell<bool>,
    undecided: Cell<bool>,
}

/// Stops the parse: the verdict is already known (a duplicate key or a broken privacy form).
/// Invalid payloads only, so the message's allocation is not on the valid path.
fn stop<E: de::Error>(run: &Run) -> E {
    run.invalid.set(true);
    E::custom("invalid")
}

impl Program {
    /// Runs the program on one JSON text.
    pub fn run(&self, text: &str) -> Outcome {
        let run = Run::default();
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let seed = ValueSeed {
            program: self,
            state: &self.states[self.root as usize],
            run: &run,
        };
        let result = seed
            .deserialize(&mut deserializer)
            .and_then(|bits| deserializer.end().map(|()| bits));
        match result {
            // A syntax error or nesting past the limit: the tree path's parser, the same
            // deserializer, fails on the same text.
            Err(_) => Outcome::Invalid,
            Ok(_) if run.invalid.get() => Outcome::Invalid,
            Ok(bits) if bits & 1 == 0 => Outcome::Invalid,
            Ok(_) if run.undecided.get() => Outcome::Undecided,
            Ok(_) => Outcome::Valid,
        }
    }
}

#[derive(Clone, Copy)]
struct ValueSeed<'p> {
    program: &'p Program,
    state: &'p State,
    run: &'p Run,
}

impl<'p> ValueSeed<'p> {
    fn at(self, state: u32) -> ValueSeed<'p> {
        ValueSeed {
            state: &self.program.states[state as usize],
            ..self
        }
    }

    /// The nodes whose type admits the value and that are not `false`, for a value that is not
    /// a string (so `const` and `enum`, string-only here, fail).
    fn typed(&self, bits: u8) -> u64 {
        let mut mask = 0u64;
        for (index, node) in self.state.nodes.iter().enumerate() {
            if node.types & bits != 0 && !node.never && !node.wants_string() {
                mask |= 1 << index;
            }
        }
        mask
    }

    fn number(&self, number: Number) -> u64 {
        if self.state.nodes.is_empty() {
            return 0;
        }
        let bits = if is_integer(&number) {
            NUMBER | INTEGER
        } else {
            NUMBER
        };
        let mut mask = self.typed(bits);
        for (index, node) in self.state.nodes.iter().enumerate() {
            if mask & (1 << index) != 0 && node.limits.as_ref().is_some_and(|c| !c.number(&number))
            {
                mask &= !(1 << index);
            }
        }
        self.settle(mask)
    }

    fn string<E: de::Error>(&self, text: &str) -> Result<u64, E> {
        if let Some(kind) = self.state.privacy {
            if kind.check(text).is_err() {
                return Err(stop(self.run));
            }
        }
        if self.state.nodes.is_empty() {
            return Ok(0);
        }
        let mut length: Option<u64> = None;
        let mut mask = 0u64;
        for (index, node) in self.state.nodes.iter().enumerate() {
            if node.types & STRING == 0 || node.never {
                continue;
            }
            if !node
                .strings
                .iter()
                .all(|options| options.iter().any(|o| **o == *text))
            {
                continue;
            }
            if node.min_length.is_some() || node.max_length.is_some() {
                let chars = *length.get_or_insert_with(|| text.chars().count() as u64);
                if node.min_length.is_some_and(|min| chars < min)
                    || node.max_length.is_some_and(|max| chars > max)
                {
                    continue;
                }
            }
            if node.text.as_ref().is_some_and(|check| !check.string(text)) {
                continue;
            }
            mask |= 1 << index;
        }
        Ok(self.settle(mask))
    }

    /// Applies each node's combinators (its subschemas come after it, so from last to first).
    fn settle(&self, mut bits: u64) -> u64 {
        let holds = |bits: u64, index: u8| bits & (1 << index) != 0;
        for (index, node) in self.state.nodes.iter().enumerate().rev() {
            if !holds(bits, index as u8) {
                continue;
            }
            let ok = (node.any_of.is_empty() || node.any_of.iter().any(|&i| holds(bits, i)))
                && node.all_of.iter().all(|&i| holds(bits, i))
                && (node.one_of.is_empty()
                    || node.one_of.iter().filter(|&&i| holds(bits, i)).count() == 1)
                && node.not.is_none_or(|i| !holds(bits, i))
                && node.condition.is_none_or(|(condition, then, otherwise)| {
                    if holds(bits, condition) {
                        then.is_none_or(|i| holds(bits, i))
                    } else {
                        otherwise.is_none_or(|i| holds(bits, i))
                    }
                });
            if !ok {
                bits &= !(1 << index);
            }
        }
        bits
    }
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = u64;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<u64, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<u64, E> {
        Ok(self.settle(self.typed(BOOLEAN)))
    }

    fn visit_unit<E>(self) -> Result<u64, E> {
        Ok(self.settle(self.typed(NULL)))
    }

    fn visit_none<E>(self) -> Result<u64, E> {
        Ok(self.settle(self.typed(NULL)))
    }

    fn visit_u64<E>(self, value: u64) -> Result<u64, E> {
        Ok(self.number(Number::from(value)))
    }

    fn visit_i64<E>(self, value: i64) -> Result<u64, E> {
        Ok(self.number(Number::from(value)))
    }

    fn visit_f64<E>(self, value: f64) -> Result<u64, E> {
        // The tree makes a non-finite float `null` (JSON text cannot spell one).
        match Number::from_f64(value) {
            Some(number) => Ok(self.number(number)),
            None => Ok(self.settle(self.typed(NULL))),
        }
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<u64, E> {
        self.string(value)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<u64, A::Error> {
        let mut local = self.typed(ARRAY);
        match &self.state.items {
            Some(edge) => {
                let child = self.at(edge.state);
                while let Some(bits) = seq.next_element_seed(child)? {
                    for &(c, p) in &edge.links {
                        if bits & (1 << c) == 0 {
                            local &= !(1 << p);
                        }
                    }
                }
            }
            None => {
                let child = self.at(ANYTHING);
                while seq.next_element_seed(child)?.is_some() {}
            }
        }
        Ok(self.settle(local))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<u64, A::Error> {
        let state = self.state;
        let mut local = self.typed(OBJECT);
        let mut seen = 0u64;
        let mut others = OtherKeys::default();
        while let Some(key) = map.next_key_seed(KeySeed { state })? {
            match key {
                Key::Known(index) => {
                    if seen & (1 << index) != 0 {
                        return Err(stop(self.run));
                    }
                    seen |= 1 << index;
                    let key = &state.keys[index];
                    let bits = map.next_value_seed(self.at(key.edge.state))?;
                    for &(c, p) in &key.edge.links {
                        if bits & (1 << c) == 0 {
                            local &= !(1 << p);
                        }
                    }
                    local &= !key.refused_by;
                }
                Key::Other(hash, text) => {
                    match others.insert(hash, text) {
                        Seen::New => {}
                        Seen::Duplicate => return Err(stop(self.run)),
                        Seen::Maybe => self.run.undecided.set(true),
                    }
                    map.next_value_seed(self.at(ANYTHING))?;
                    local &= !state.closed;
                }
            }
        }
        for (index, node) in state.nodes.iter().enumerate() {
            if node.required & seen != node.required {
                local &= !(1 << index);
            }
        }
        Ok(self.settle(local))
    }
}

enum Key<'de> {
    Known(usize),
    /// A key no node names: its hash, and the key itself when borrowed from the text.
    Other(u64, Option<&'de str>),
}

struct KeySeed<'p> {
    state: &'p State,
}

impl KeySeed<'_> {
    fn find(&self, key: &str) -> Option<usize> {
        self.state
            .keys
            .binary_search_by(|edge| (*edge.key).cmp(key))
            .ok()
    }
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Key<'de>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Key<'de>, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_borrowed_str<E>(self, key: &'de str) -> Result<Key<'de>, E> {
        Ok(match self.find(key) {
            Some(index) => Key::Known(index),
            None => Key::Other(hash(key), Some(key)),
        })
    }

    fn visit_str<E>(self, key: &str) -> Result<Key<'de>, E> {
        Ok(match self.find(key) {
            Some(index) => Key::Known(index),
            None => Key::Other(hash(key), None),
        })
    }
}

/// FNV-1a: keys are short, and a collision only costs a look at the text.
fn hash(key: &str) -> u64 {
    key.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

enum Seen {
    New,
    Duplicate,
    /// Same hash, and one of the two keys was escaped (not kept): cannot tell.
    Maybe,
}

/// The keys of one object that no node names, for the duplicate check: the first 8 on the
/// stack, the rest in a map by hash (an object of 50,000 free-form keys stays linear).
#[derive(Default)]
struct OtherKeys<'de> {
    inline: [(u64, Option<&'de str>); 8],
    len: usize,
    spilled: HashMap<u64, Option<&'de str>>,
}

impl<'de> OtherKeys<'de> {
    fn insert(&mut self, hash: u64, text: Option<&'de str>) -> Seen {
        let same = |kept: Option<&str>| match (kept, text) {
            (Some(a), Some(b)) if a == b => Some(Seen::Duplicate),
            (Some(_), Some(_)) => None,
            _ => Some(Seen::Maybe),
        };
        for &(h, kept) in &self.inline[..self.len] {
            if h == hash {
                if let Some(seen) = same(kept) {
                    return seen;
                }
            }
        }
        if self.len < self.inline.len() {
            self.inline[self.len] = (hash, text);
            self.len += 1;
            return Seen::New;
        }
        match self.spilled.entry(hash) {
            std::collections::hash_map::Entry::Occupied(kept) => {
                // Two different keys with one hash: too rare to keep both, so undecided.
                same(*kept.get()).unwrap_or(Seen::Maybe)
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(text);
                Seen::New
            }
        }
    }
}

/// The envelope's `event_name` and `version`, read without building anything: every other
/// top-level value is skipped, and reading stops once both are found. `None` when the payload
/// is not an object with both as strings (the tree path then reports why).
pub fn envelope<'t>(
    text: &'t str,
    name_key: &str,
    version_key: &str,
) -> Option<(std::borrow::Cow<'t, str>, std::borrow::Cow<'t, str>)> {
    let mut found = Envelope::default();
    let mut deserializer = serde_json::Deserializer::from_str(text);
    // Stopping early leaves the object unfinished, an error the found keys outlive.
    let _ = de::Deserializer::deserialize_any(
        &mut deserializer,
        EnvelopeVisitor {
            found: &mut found,
            name_key,
            version_key,
        },
    );
    match found {
        Envelope {
            name: Some(name),
            version: Some(version),
            broken: false,
        } => Some((name, version)),
        _ => None,
    }
}

#[derive(Default)]
struct Envelope<'t> {
    name: Option<std::borrow::Cow<'t, str>>,
    version: Option<std::borrow::Cow<'t, str>>,
    broken: bool,
}

struct EnvelopeVisitor<'a, 't> {
    found: &'a mut Envelope<'t>,
    name_key: &'a str,
    version_key: &'a str,
}

impl<'t> Visitor<'t> for EnvelopeVisitor<'_, 't> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an event payload")
    }

    fn visit_map<A: MapAccess<'t>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key_seed(TextSeed)? {
            let slot = if key.as_deref() == Some(self.name_key) {
                &mut self.found.name
            } else if key.as_deref() == Some(self.version_key) {
                &mut self.found.version
            } else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            match map.next_value_seed(TextSeed)? {
                Some(text) if slot.is_none() => *slot = Some(text),
                // A second one is a duplicate, a non-string one an envelope error.
                _ => {
                    self.found.broken = true;
                    return Ok(());
                }
            }
            if self.found.name.is_some() && self.found.version.is_some() {
                return Ok(());
            }
        }
        Ok(())
    }
}

/// A string, borrowed when the text has no escapes; `None` for any other value.
struct TextSeed;

impl<'t> DeserializeSeed<'t> for TextSeed {
    type Value = Option<std::borrow::Cow<'t, str>>;

    fn deserialize<D: de::Deserializer<'t>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'t> Visitor<'t> for TextSeed {
    type Value = Option<std::borrow::Cow<'t, str>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E>(self, value: &'t str) -> Result<Self::Value, E> {
        Ok(Some(std::borrow::Cow::Borrowed(value)))
    }

    fn visit_str<E>(self, value: &str) -> Result<Self::Value, E> {
        Ok(Some(std::borrow::Cow::Owned(value.to_owned())))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'t>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_map<A: MapAccess<'t>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}
