//! Running a program: a reader made for it walks the JSON text once and checks each value
//! against its place's nodes as it is read. No tree is built and nothing is allocated on the
//! valid path: strings and keys are borrowed from the text (an escaped one is decoded by
//! `serde_json` itself into a reused buffer), keys are matched against the place's sorted key
//! table, and each value answers with a bit mask of the nodes it satisfies.
//!
//! Why not `serde_json`'s deserializer, as the first version did: its visitor calls cost about
//! three times a syntax-only pass (BENCHMARKS.md), and a payload's text is mostly short strings
//! this reader skips sixteen bytes a step. The reader never *accepts* what `serde_json`
//! refuses: the grammar is JSON's (RFC 8259) with `serde_json`'s choices (whitespace ` \t\n\r`,
//! nesting up to 127, no trailing commas, control characters refused in strings), and whatever
//! is costly to get exactly right — escapes, and numbers other than plain integers — is handed
//! to `serde_json` on just that token. A syntax error makes the run `Invalid`, and the tree
//! path (the same `serde_json`) then reports it, so a reader stricter than `serde_json` could
//! only cost time, never a wrong verdict. The differential tests and the `engines_agree` fuzz
//! target hold the two engines equal.
//!
//! Duplicate keys: a known key is one bit in a mask; other keys (free-form objects) are kept
//! borrowed, with a hash, on the stack (a `Vec` past 8), and an escaped key whose hash matches
//! another makes the run undecided rather than guess.

use std::borrow::Cow;
use std::collections::HashMap;

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

/// Why a run stopped early: the payload is invalid whatever else it holds (a syntax error, a
/// duplicate key, a broken privacy form). The tree path says which.
#[derive(Debug)]
struct Stop;

type Step<T> = Result<T, Stop>;

/// `serde_json`'s nesting limit: its `remaining_depth` starts at 128 and an array or object
/// that brings it to 0 is an error, so 127 levels are accepted.
const DEPTH: u8 = 128;

impl Program {
    /// Runs the program on one JSON text.
    pub fn run(&self, text: &str) -> Outcome {
        self.run_reader(&mut Reader::new(text))
            .unwrap_or(Outcome::Invalid)
    }

    /// Runs the program on a payload whose envelope was only guessed ([`guess_envelope`]):
    /// `None` unless the run saw the top-level `event_name` and `version` tokens equal to the
    /// guess (then the verdict is this schema's to give), or stopped for a reason no schema
    /// changes (syntax, a duplicate key, nesting).
    pub fn run_guessed(&self, text: &str, envelope: [(&str, &str); 2]) -> Option<Outcome> {
        let mut reader = Reader::new(text);
        reader.expect = Some(envelope);
        let root = &self.states[self.root as usize];
        reader.expect_keys = envelope.map(|(key, _)| {
            root.keys
                .binary_search_by(|edge| (*edge.key).cmp(key))
                .map_or(u32::MAX, |index| index as u32)
        });
        let result = self.run_reader(&mut reader);
        match result {
            _ if reader.confirmed == 0b11 => Some(result.unwrap_or(Outcome::Invalid)),
            Err(Stop) if !reader.stopped_by_schema => Some(Outcome::Invalid),
            _ => None,
        }
    }

    /// The run's verdict, or `Err` when it stopped early: the payload is invalid, and
    /// `reader.stopped_by_schema` says whether the reason depends on the schema.
    fn run_reader(&self, reader: &mut Reader<'_, '_>) -> Step<Outcome> {
        let place = Place {
            program: self,
            state: &self.states[self.root as usize],
        };
        let bits = reader.value(place)?;
        reader.skip_space();
        if !reader.at_end() {
            return Err(Stop);
        }
        Ok(if bits & 1 == 0 {
            Outcome::Invalid
        } else if reader.undecided {
            Outcome::Undecided
        } else {
            Outcome::Valid
        })
    }
}

/// A place of the program: the checks a value read there must pass.
#[derive(Clone, Copy)]
struct Place<'p> {
    program: &'p Program,
    state: &'p State,
}

impl<'p> Place<'p> {
    fn at(self, state: u32) -> Place<'p> {
        Place {
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

    fn number(&self, number: &Number) -> u64 {
        if self.state.nodes.is_empty() {
            return 0;
        }
        let bits = if is_integer(number) {
            NUMBER | INTEGER
        } else {
            NUMBER
        };
        let mut mask = self.typed(bits);
        for (index, node) in self.state.nodes.iter().enumerate() {
            if mask & (1 << index) != 0 && node.limits.as_ref().is_some_and(|c| !c.number(number)) {
                mask &= !(1 << index);
            }
        }
        self.settle(mask)
    }

    /// The string `text`'s bits; `Err` when it breaks its place's privacy form, which makes
    /// the payload invalid (`schema_stop` is then set: the stop depends on the schema).
    fn string(&self, text: &str, schema_stop: &mut bool) -> Step<u64> {
        if let Some(kind) = self.state.privacy
            && kind.check(text).is_err()
        {
            *schema_stop = true;
            return Err(Stop);
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
                .all(|options| options.iter().any(|o| same(o.as_bytes(), text.as_bytes())))
            {
                continue;
            }
            if (node.min_length.is_some() || node.max_length.is_some())
                && !within(text, node.min_length, node.max_length, &mut length)
            {
                continue;
            }
            if node.text.as_ref().is_some_and(|check| !check.string(text)) {
                continue;
            }
            mask |= 1 << index;
        }
        Ok(self.settle(mask))
    }

    /// Applies each node's combinators (its subschemas come after it, so from last to first).
    #[inline]
    fn settle(&self, bits: u64) -> u64 {
        if !self.state.combines {
            return bits;
        }
        self.combine(bits)
    }

    #[inline(never)]
    fn combine(&self, mut bits: u64) -> u64 {
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

    /// The index of `key` in this place's key table: first the key `guess` and the two that
    /// follow it in the schema's order (a payload skips optional keys), then a binary search.
    fn find(&self, guess: u32, key: &str) -> Option<usize> {
        let keys = &self.state.keys;
        let mut at = guess;
        for _ in 0..3 {
            let Some(edge) = keys.get(at as usize) else {
                break;
            };
            if same(edge.key.as_bytes(), key.as_bytes()) {
                return Some(at as usize);
            }
            at = edge.follows;
        }
        keys.binary_search_by(|edge| (*edge.key).cmp(key)).ok()
    }
}

/// Whether `text` has between `min` and `max` code points. A code point is one to four bytes,
/// so the byte length often settles it without counting (`minLength: 1` always does); the
/// count, when needed, is kept in `counted` for the place's other nodes.
fn within(text: &str, min: Option<u64>, max: Option<u64>, counted: &mut Option<u64>) -> bool {
    let bytes = text.len() as u64;
    let surely_min = min.is_none_or(|min| bytes.div_ceil(4) >= min);
    let surely_max = max.is_none_or(|max| bytes <= max);
    if surely_min && surely_max {
        return true;
    }
    if min.is_some_and(|min| bytes < min) {
        return false;
    }
    let chars = *counted.get_or_insert_with(|| text.chars().count() as u64);
    min.is_none_or(|min| chars >= min) && max.is_none_or(|max| chars <= max)
}

/// A string token: borrowed from the text, or decoded (it had escapes) into the reader's
/// buffer.
enum Text<'t> {
    Borrowed(&'t str),
    Decoded,
}

/// The JSON reader: a position in the text and the nesting left.
struct Reader<'t, 'e> {
    text: &'t str,
    bytes: &'t [u8],
    at: usize,
    depth: u8,
    /// The last escaped string, decoded.
    decoded: String,
    undecided: bool,
    /// A guessed envelope to confirm: (key, value) for `event_name` and `version`.
    expect: Option<[(&'e str, &'e str); 2]>,
    /// The index of each `expect` key in the root's key table (`u32::MAX` when not there).
    expect_keys: [u32; 2],
    /// Bit `i` set when the top-level key `expect[i].0` had exactly the string `expect[i].1`.
    confirmed: u8,
    /// Set when the run stopped on a privacy form, a reason that depends on the schema (every
    /// other stop, syntax, a duplicate key or nesting, would stop it under any schema).
    stopped_by_schema: bool,
}

impl<'t> Reader<'t, '_> {
    fn new(text: &'t str) -> Self {
        Reader {
            text,
            bytes: text.as_bytes(),
            at: 0,
            depth: DEPTH,
            decoded: String::new(),
            undecided: false,
            expect: None,
            expect_keys: [u32::MAX; 2],
            confirmed: 0,
            stopped_by_schema: false,
        }
    }

    /// At the top level, with a guessed envelope: which of its keys the root's known key
    /// `index` is (compared by index: the root's key table was searched once per run).
    fn expected_known(&self, index: usize) -> Option<usize> {
        if self.depth != DEPTH - 1 || self.expect.is_none() {
            return None;
        }
        self.expect_keys
            .iter()
            .position(|&known| known as usize == index)
    }

    /// At the top level, with a guessed envelope: which of its keys `key` is.
    fn expected(&self, key: &str) -> Option<usize> {
        let expect = self.expect.as_ref()?;
        if self.depth != DEPTH - 1 {
            return None;
        }
        expect
            .iter()
            .position(|(name, _)| same(name.as_bytes(), key.as_bytes()))
    }

    /// Whether the token just read (from `start`) is the string `value`, unescaped.
    fn token_is(&self, start: usize, value: &str) -> bool {
        let token = &self.bytes[start..self.at];
        token.len() == value.len() + 2
            && token[0] == b'"'
            && token[token.len() - 1] == b'"'
            && same(&token[1..token.len() - 1], value.as_bytes())
    }

    fn at_end(&self) -> bool {
        self.at == self.bytes.len()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn skip_space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    /// The next byte that is not whitespace, consumed.
    fn next_token(&mut self) -> Step<u8> {
        self.skip_space();
        let byte = self.peek().ok_or(Stop)?;
        self.at += 1;
        Ok(byte)
    }

    fn literal(&mut self, rest: &[u8]) -> Step<()> {
        if self.bytes[self.at..].starts_with(rest) {
            self.at += rest.len();
            Ok(())
        } else {
            Err(Stop)
        }
    }

    /// One value at `place`, the bits of the nodes it satisfies.
    fn value(&mut self, place: Place<'_>) -> Step<u64> {
        match self.next_token()? {
            b'"' => self.string_value(place),
            b'{' => self.object(place),
            b'[' => self.array(place),
            b't' => {
                self.literal(b"rue")?;
                Ok(place.settle(place.typed(BOOLEAN)))
            }
            b'f' => {
                self.literal(b"alse")?;
                Ok(place.settle(place.typed(BOOLEAN)))
            }
            b'n' => {
                self.literal(b"ull")?;
                Ok(place.settle(place.typed(NULL)))
            }
            b'-' | b'0'..=b'9' => {
                self.at -= 1;
                let number = self.number()?;
                Ok(place.number(&number))
            }
            _ => Err(Stop),
        }
    }

    /// A member of an object or an array, the reader at its first byte: strings and numbers,
    /// most values, are read here without a call to the recursive `value`.
    #[inline]
    fn member(&mut self, place: Place<'_>) -> Step<u64> {
        match self.peek() {
            Some(b'"') => {
                self.at += 1;
                self.string_value(place)
            }
            Some(b'-' | b'0'..=b'9') => {
                let number = self.number()?;
                Ok(place.number(&number))
            }
            _ => self.value(place),
        }
    }

    /// A string value at `place`, the reader just past its opening quote.
    #[inline]
    fn string_value(&mut self, place: Place<'_>) -> Step<u64> {
        match self.string()? {
            Text::Borrowed(text) => place.string(text, &mut self.stopped_by_schema),
            Text::Decoded => place.string(&self.decoded, &mut self.stopped_by_schema),
        }
    }

    /// A number token (the reader at its first byte), with `serde_json`'s value for it: plain
    /// integers are read here, anything else (fractions, exponents, integers past 64 bits) by
    /// `serde_json` on the token alone, which also refuses what it cannot represent.
    fn number(&mut self) -> Step<Number> {
        let start = self.at;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.at += 1;
        }
        let digits = self.at;
        match self.peek() {
            Some(b'0') => self.at += 1,
            Some(b'1'..=b'9') => self.skip_digits(),
            _ => return Err(Stop),
        }
        let integer = &self.bytes[digits..self.at];
        let mut plain = true;
        if self.peek() == Some(b'.') {
            plain = false;
            self.at += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(Stop);
            }
            self.skip_digits();
        }
        if let Some(b'e' | b'E') = self.peek() {
            plain = false;
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(Stop);
            }
            self.skip_digits();
        }
        if plain && integer.len() <= 19 {
            // Nineteen digits cannot overflow a u64 (its largest has twenty).
            let magnitude = integer
                .iter()
                .fold(0u64, |n, &d| n * 10 + u64::from(d - b'0'));
            if !negative {
                return Ok(Number::from(magnitude));
            }
            // serde_json: `-0` and magnitudes past i64 are floats.
            let value = (magnitude as i64).wrapping_neg();
            if value < 0 {
                return Ok(Number::from(value));
            }
        }
        serde_json::from_str(&self.text[start..self.at]).map_err(|_| Stop)
    }

    fn skip_digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
    }

    /// A string token, the reader just past its opening quote.
    fn string(&mut self) -> Step<Text<'t>> {
        let start = self.at;
        let mut escaped = false;
        loop {
            self.at = skip_plain(self.bytes, self.at);
            match self.peek() {
                Some(b'"') => break,
                Some(b'\\') => {
                    escaped = true;
                    // The escaped byte cannot end the string; `serde_json` checks the escape.
                    self.at += 2;
                }
                // A control character, or the end of the text.
                _ => return Err(Stop),
            }
        }
        self.at += 1;
        if !escaped {
            return Ok(Text::Borrowed(&self.text[start..self.at - 1]));
        }
        let token = self.text.get(start - 1..self.at).ok_or(Stop)?;
        let mut deserializer = serde_json::Deserializer::from_str(token);
        let decoded: Cow<'_, str> =
            serde::Deserialize::deserialize(&mut deserializer).map_err(|_| Stop)?;
        self.decoded.clear();
        self.decoded.push_str(&decoded);
        Ok(Text::Decoded)
    }

    fn enter(&mut self) -> Step<()> {
        self.depth -= 1;
        if self.depth == 0 { Err(Stop) } else { Ok(()) }
    }

    #[inline(never)]
    fn array(&mut self, place: Place<'_>) -> Step<u64> {
        self.enter()?;
        let mut local = place.typed(ARRAY);
        let (child, links): (Place<'_>, &[(u8, u8)]) = match &place.state.items {
            Some(edge) => (place.at(edge.state), &edge.links),
            None => (place.at(ANYTHING), &[]),
        };
        self.skip_space();
        if self.peek() == Some(b']') {
            self.at += 1;
        } else {
            loop {
                self.skip_space();
                let bits = self.member(child)?;
                for &(c, p) in links {
                    if bits & (1 << c) == 0 {
                        local &= !(1 << p);
                    }
                }
                match self.next_token()? {
                    b',' => {}
                    b']' => break,
                    _ => return Err(Stop),
                }
            }
        }
        self.depth += 1;
        Ok(place.settle(local))
    }

    /// The key the text holds, if it is one of the few the schema's order predicts (`guess`
    /// and the two after it), matched on the bytes: the reader just past the key's opening
    /// quote, then past its closing one. A plain key's bytes followed by a quote are the whole
    /// token (nothing in them can end it or start an escape), so no scan or search is needed.
    fn predicted_key(&mut self, state: &State, guess: u32) -> Option<usize> {
        let mut at = guess;
        for _ in 0..3 {
            let edge = state.keys.get(at as usize)?;
            let key = edge.key.as_bytes();
            let end = self.at + key.len();
            if edge.plain
                && self.bytes.get(end) == Some(&b'"')
                && same(&self.bytes[self.at..end], key)
            {
                self.at = end + 1;
                return Some(at as usize);
            }
            at = edge.follows;
        }
        None
    }

    // Not inlined into `value`, nor `array`: most values are scalars, and `value` stays small
    // (fewer registers saved per call) when the loops live apart.
    #[inline(never)]
    fn object(&mut self, place: Place<'_>) -> Step<u64> {
        self.enter()?;
        let state = place.state;
        let mut local = place.typed(OBJECT);
        let mut seen = 0u64;
        // Made on the first key no node names: most objects have none, and making it costs a
        // copy of its inline table.
        let mut others: Option<OtherKeys<'_>> = None;
        let mut guess = state.first_key;
        self.skip_space();
        if self.peek() == Some(b'}') {
            self.at += 1;
        } else {
            loop {
                if self.next_token()? != b'"' {
                    return Err(Stop);
                }
                let (key, expected) = if let Some(index) = self.predicted_key(state, guess) {
                    (Key::Known(index), self.expected_known(index))
                } else {
                    match self.string()? {
                        Text::Borrowed(key) => match place.find(guess, key) {
                            Some(index) => (Key::Known(index), self.expected_known(index)),
                            None => (Key::Other(hash(key), Some(key)), self.expected(key)),
                        },
                        Text::Decoded => (
                            match place.find(guess, &self.decoded) {
                                Some(index) => Key::Known(index),
                                None => Key::Other(hash(&self.decoded), None),
                            },
                            // An escaped envelope key: not what a guess is made from.
                            None,
                        ),
                    }
                };
                if self.next_token()? != b':' {
                    return Err(Stop);
                }
                self.skip_space();
                let value_start = self.at;
                match key {
                    Key::Known(index) => {
                        if seen & (1 << index) != 0 {
                            return Err(Stop);
                        }
                        seen |= 1 << index;
                        let key = &state.keys[index];
                        guess = key.follows;
                        let bits = self.member(place.at(key.edge.state))?;
                        for &(c, p) in &key.edge.links {
                            if bits & (1 << c) == 0 {
                                local &= !(1 << p);
                            }
                        }
                        local &= !key.refused_by;
                    }
                    Key::Other(hash, text) => {
                        match others
                            .get_or_insert_with(OtherKeys::default)
                            .insert(hash, text)
                        {
                            Seen::New => {}
                            Seen::Duplicate => return Err(Stop),
                            Seen::Maybe => self.undecided = true,
                        }
                        self.value(place.at(ANYTHING))?;
                        local &= !state.closed;
                    }
                }
                if let Some(i) = expected
                    && let Some(expect) = &self.expect
                    && self.token_is(value_start, expect[i].1)
                {
                    self.confirmed |= 1 << i;
                }
                match self.next_token()? {
                    b',' => {}
                    b'}' => break,
                    _ => return Err(Stop),
                }
            }
        }
        self.depth += 1;
        for (index, node) in state.nodes.iter().enumerate() {
            if node.required & seen != node.required {
                local &= !(1 << index);
            }
        }
        Ok(place.settle(local))
    }
}

/// Whether two byte strings are equal, for the short keys and values of a payload: a word
/// or two compared at a time instead of a call to `memcmp`.
fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word8 = |s: &[u8], at: usize| u64::from_le_bytes(s[at..at + 8].try_into().expect("8"));
    let word4 = |s: &[u8], at: usize| u32::from_le_bytes(s[at..at + 4].try_into().expect("4"));
    match n {
        0..4 => a.iter().zip(b).all(|(x, y)| x == y),
        4..8 => word4(a, 0) == word4(b, 0) && word4(a, n - 4) == word4(b, n - 4),
        _ => {
            let mut at = 0;
            while at + 8 < n {
                if word8(a, at) != word8(b, at) {
                    return false;
                }
                at += 8;
            }
            word8(a, n - 8) == word8(b, n - 8)
        }
    }
}

/// The position of the first byte at or after `at` that ends a string's plain run: a quote, a
/// backslash or a control character (or the end). Sixteen bytes a step, then eight: most of
/// a payload's text is strings.
fn skip_plain(bytes: &[u8], mut at: usize) -> usize {
    while let Some(chunk) = bytes.get(at..at + 16) {
        let (low, high) = chunk.split_at(8);
        let low = stops(u64::from_le_bytes(low.try_into().expect("eight bytes")));
        let high = stops(u64::from_le_bytes(high.try_into().expect("eight bytes")));
        if low != 0 {
            return at + (low.trailing_zeros() / 8) as usize;
        }
        if high != 0 {
            return at + 8 + (high.trailing_zeros() / 8) as usize;
        }
        at += 16;
    }
    while let Some(chunk) = bytes.get(at..at + 8) {
        let stop = stops(u64::from_le_bytes(chunk.try_into().expect("eight bytes")));
        if stop != 0 {
            return at + (stop.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    while let Some(&byte) = bytes.get(at) {
        if byte == b'"' || byte == b'\\' || byte < 0x20 {
            break;
        }
        at += 1;
    }
    at
}

/// The high bit of each byte of `word` that is `"`, `\` or below 0x20 — exactly for the lowest
/// such byte (borrows only run towards higher bytes, so bits above it may be false).
fn stops(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let quote = word ^ (ONES * u64::from(b'"'));
    let backslash = word ^ (ONES * u64::from(b'\\'));
    ((quote.wrapping_sub(ONES) & !quote)
        | (backslash.wrapping_sub(ONES) & !backslash)
        | (word.wrapping_sub(ONES * 0x20) & !word))
        & HIGH
}

enum Key<'t> {
    Known(usize),
    /// A key no node names: its hash, and the key itself when borrowed from the text.
    Other(u64, Option<&'t str>),
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
struct OtherKeys<'t> {
    inline: [(u64, Option<&'t str>); 8],
    len: usize,
    spilled: HashMap<u64, Option<&'t str>>,
}

impl<'t> OtherKeys<'t> {
    fn insert(&mut self, hash: u64, text: Option<&'t str>) -> Seen {
        let same = |kept: Option<&str>| match (kept, text) {
            (Some(a), Some(b)) if a == b => Some(Seen::Duplicate),
            (Some(_), Some(_)) => None,
            _ => Some(Seen::Maybe),
        };
        for &(h, kept) in &self.inline[..self.len] {
            if h == hash
                && let Some(seen) = same(kept)
            {
                return seen;
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

/// Finds `"<key>":"` in a payload, for [`guess_envelope`].
#[derive(Debug)]
pub struct EnvelopeFinder {
    name: memchr::memmem::Finder<'static>,
    version: memchr::memmem::Finder<'static>,
}

impl EnvelopeFinder {
    pub fn new(name_key: &str, version_key: &str) -> Self {
        let pattern = |key: &str| format!("\"{key}\":\"").into_bytes();
        EnvelopeFinder {
            name: memchr::memmem::Finder::new(&pattern(name_key)).into_owned(),
            version: memchr::memmem::Finder::new(&pattern(version_key)).into_owned(),
        }
    }
}

/// A guess at the envelope's `event_name` and `version` for almost nothing: the first
/// `"event_name":"…"` and `"version":"…"` in the text (compact JSON, no escapes in the values).
/// Only a guess — the key could sit in a nested object — so the run confirms it
/// ([`Program::run_guessed`]); `None` sends the caller to [`envelope`].
pub fn guess_envelope<'t>(text: &'t str, finder: &EnvelopeFinder) -> Option<(&'t str, &'t str)> {
    let value = |found: Option<usize>, pattern: usize| {
        let start = found? + pattern;
        let length = memchr::memchr2(b'"', b'\\', &text.as_bytes()[start..])?;
        (text.as_bytes()[start + length] == b'"').then(|| &text[start..start + length])
    };
    let bytes = text.as_bytes();
    let name = value(finder.name.find(bytes), finder.name.needle().len())?;
    let version = value(finder.version.find(bytes), finder.version.needle().len())?;
    Some((name, version))
}

/// The envelope's `event_name` and `version`, read without building anything: the top-level
/// object's other values are skipped (only as far as finding where each ends: the program's
/// run reads the whole text properly after), and reading stops once both are found. `None`
/// when the payload is not an object with both as strings (the tree path then reports why).
pub fn envelope<'t>(
    text: &'t str,
    name_key: &str,
    version_key: &str,
) -> Option<(Cow<'t, str>, Cow<'t, str>)> {
    let mut reader = Reader::new(text);
    if reader.next_token().ok()? != b'{' {
        return None;
    }
    let mut name = None;
    let mut version = None;
    loop {
        if reader.next_token().ok()? != b'"' {
            return None;
        }
        let key = reader.string().ok()?;
        let key: &str = match &key {
            Text::Borrowed(key) => key,
            Text::Decoded => &reader.decoded,
        };
        let slot = if key == name_key {
            Some(&mut name)
        } else if key == version_key {
            Some(&mut version)
        } else {
            None
        };
        if reader.next_token().ok()? != b':' {
            return None;
        }
        match slot {
            Some(slot) => {
                if reader.next_token().ok()? != b'"' || slot.is_some() {
                    // A non-string one is an envelope error, a second one a duplicate.
                    return None;
                }
                *slot = Some(match reader.string().ok()? {
                    Text::Borrowed(value) => Cow::Borrowed(value),
                    Text::Decoded => Cow::Owned(reader.decoded.clone()),
                });
                if let (Some(_), Some(_)) = (&name, &version) {
                    return name.zip(version);
                }
            }
            None => reader.skip_value().ok()?,
        }
        match reader.next_token().ok()? {
            b',' => {}
            _ => return None,
        }
    }
}

impl Reader<'_, '_> {
    /// Moves past one value, checking only enough to find its end.
    fn skip_value(&mut self) -> Step<()> {
        let mut open = 0usize;
        loop {
            match self.next_token()? {
                b'"' => {
                    self.string_end()?;
                }
                b'{' | b'[' => open += 1,
                b'}' | b']' => open = open.checked_sub(1).ok_or(Stop)?,
                b',' | b':' if open > 0 => {}
                _ => {
                    // A scalar: up to the next delimiter.
                    while let Some(byte) = self.peek() {
                        if matches!(byte, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                            break;
                        }
                        self.at += 1;
                    }
                }
            }
            if open == 0 {
                return Ok(());
            }
        }
    }

    /// Moves past a string's closing quote without decoding it.
    fn string_end(&mut self) -> Step<()> {
        loop {
            self.at = skip_plain(self.bytes, self.at);
            match self.peek() {
                Some(b'"') => {
                    self.at += 1;
                    return Ok(());
                }
                Some(b'\\') => self.at += 2,
                Some(_) => self.at += 1,
                None => return Err(Stop),
            }
        }
    }
}
