//! A request body into events: the body forms (one JSON payload, a JSON array of payloads,
//! NDJSON), gzip, and the limits; then a verdict per event from the engine.
//!
//! Limits are checked before anything is validated or written: a request over any limit is
//! refused whole (`413`), so a client never has to work out which part of it was kept.

use std::io::Read;
use std::ops::Range;
use std::sync::Arc;

use eventcat_engine::{Registry, Verdict};
use serde_json::value::RawValue;

/// The limits on a request, after Segment's HTTP API.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_event_bytes: usize,
    pub max_request_bytes: usize,
    pub max_request_events: usize,
}

/// Why a request is refused before any event is looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Over a limit (`413`); `limit` names it (`event_bytes`, `request_bytes`,
    /// `request_events`).
    TooLarge {
        limit: &'static str,
        message: String,
    },
    /// Not JSON (`400`), at a 1-based line and column of the (decompressed) body.
    NotJson {
        message: String,
        line: usize,
        column: usize,
    },
    /// A body that cannot be read at all (`400`): empty, or broken gzip.
    Unreadable { message: String },
    /// A content type or encoding the server does not take (`415`).
    Unsupported { message: String },
}

/// How the payloads are laid out in the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// One JSON payload (`application/json`, `text/plain`, or no content type).
    Json,
    /// NDJSON (`application/x-ndjson`): one payload a line, the CLI's line rules.
    Ndjson,
}

impl Form {
    pub fn from_content_type(content_type: Option<&str>) -> Result<Form, Refusal> {
        let Some(content_type) = content_type else {
            return Ok(Form::Json);
        };
        let media = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match media.as_str() {
            "" | "application/json" | "text/plain" => Ok(Form::Json),
            "application/x-ndjson" | "application/ndjson" | "application/jsonl" => Ok(Form::Ndjson),
            _ => Err(Refusal::Unsupported {
                message: format!(
                    "content type {media:?}: send application/json (one payload or an array) \
                     or application/x-ndjson"
                ),
            }),
        }
    }
}

/// The body, decompressed when `Content-Encoding` says gzip, within the request limit.
pub fn decode_body(
    encoding: Option<&str>,
    body: axum::body::Bytes,
    limits: &Limits,
) -> Result<axum::body::Bytes, Refusal> {
    let encoding = encoding.map(|e| e.trim().to_ascii_lowercase());
    match encoding.as_deref() {
        None | Some("identity") => Ok(body),
        Some("gzip" | "x-gzip") => {
            let mut out = Vec::new();
            let max = limits.max_request_bytes as u64;
            flate2::read::MultiGzDecoder::new(&body[..])
                .take(max + 1)
                .read_to_end(&mut out)
                .map_err(|e| Refusal::Unreadable {
                    message: format!("the body is not valid gzip data: {e}"),
                })?;
            if out.len() as u64 > max {
                return Err(too_large_request(limits));
            }
            Ok(out.into())
        }
        Some(other) => Err(Refusal::Unsupported {
            message: format!("content encoding {other:?}: send gzip or no encoding"),
        }),
    }
}

pub fn too_large_request(limits: &Limits) -> Refusal {
    Refusal::TooLarge {
        limit: "request_bytes",
        message: format!(
            "the request body is over {} bytes (--max-request-bytes)",
            limits.max_request_bytes
        ),
    }
}

/// Where each payload is in the body, checked against the limits.
fn split(body: &[u8], form: Form, limits: &Limits) -> Result<Vec<Range<usize>>, Refusal> {
    let ranges = match form {
        Form::Ndjson => lines(body),
        Form::Json => json_payloads(body)?,
    };
    within(&ranges, limits)?;
    Ok(ranges)
}

/// Whether a request's payloads are within the limits (and there is one at least).
fn within(ranges: &[Range<usize>], limits: &Limits) -> Result<(), Refusal> {
    if ranges.is_empty() {
        return Err(Refusal::Unreadable {
            message:
                "the body holds no event: send a JSON payload, an array of payloads, or NDJSON"
                    .to_owned(),
        });
    }
    if ranges.len() > limits.max_request_events {
        return Err(Refusal::TooLarge {
            limit: "request_events",
            message: format!(
                "the request has {} events, more than {} (--max-request-events)",
                ranges.len(),
                limits.max_request_events
            ),
        });
    }
    if let Some((index, range)) = ranges
        .iter()
        .enumerate()
        .find(|(_, r)| r.len() > limits.max_event_bytes)
    {
        return Err(Refusal::TooLarge {
            limit: "event_bytes",
            message: format!(
                "event {index} is {} bytes, more than {} (--max-event-bytes)",
                range.len(),
                limits.max_event_bytes
            ),
        });
    }
    Ok(())
}

/// NDJSON lines without their `\n`; a final line without one counts, an empty body has none.
fn lines(body: &[u8]) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', body) {
        ranges.push(start..end);
        start = end + 1;
    }
    if start < body.len() {
        ranges.push(start..body.len());
    }
    ranges
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One payload, or each element of an array: the JSON must be well-formed as a whole.
///
/// `serde_json` reads a [`RawValue`] without recursing (it counts brackets), so a payload
/// nested deeper than the parser's limit is still split out here, and gets its own verdict
/// (`json:too_deep`) from the engine, as the CLI gives such a line; the other payloads of the
/// body are judged as usual.
fn json_payloads(body: &[u8]) -> Result<Vec<Range<usize>>, Refusal> {
    let skip = if body.starts_with(BOM) { BOM.len() } else { 0 };
    let text = &body[skip..];
    let first = text.iter().find(|b| !b.is_ascii_whitespace());
    let base = body.as_ptr() as usize;
    let range_of = |raw: &RawValue| {
        let start = raw.get().as_ptr() as usize - base;
        start..start + raw.get().len()
    };
    let not_json = |error: serde_json::Error| Refusal::NotJson {
        message: format!("the body is not JSON: {error}"),
        line: error.line(),
        column: error.column(),
    };
    match first {
        None => Ok(Vec::new()),
        Some(b'[') => {
            let items: Vec<&RawValue> = serde_json::from_slice(text).map_err(not_json)?;
            Ok(items.into_iter().map(range_of).collect())
        }
        Some(_) => {
            let item: &RawValue = serde_json::from_slice(text).map_err(not_json)?;
            Ok(vec![range_of(item)])
        }
    }
}

/// Where the payloads of a JSON body are, found from its brackets, commas and strings alone,
/// without checking its grammar: a parse of the whole body by `serde_json` only to split it
/// was more than half of the server's own instructions per event (beyond the engine's), and
/// every payload is parsed in full by the engine right after anyway.
///
/// `None` for anything this scan does not settle (an empty body or array, an empty element,
/// an unclosed string or bracket, something after the array): [`read`] then splits the body
/// with `serde_json` as before. In well-formed JSON, brackets outside strings balance and a
/// string ends at its first unescaped quote, so for a body that is JSON the ranges are the
/// ones `serde_json` gives; a body that is not JSON is told by the engine's verdicts on the
/// pieces, and [`read`] checks those with `serde_json`.
fn json_payloads_fast(body: &[u8]) -> Option<Vec<Range<usize>>> {
    let is_space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    let skip = if body.starts_with(BOM) { BOM.len() } else { 0 };
    let mut i = skip + body[skip..].iter().take_while(|&&b| is_space(b)).count();
    let end = body.len() - body.iter().rev().take_while(|&&b| is_space(b)).count();
    if i >= end {
        return None;
    }
    if body[i] != b'[' {
        return Some(std::iter::once(i..end).collect());
    }
    if body[end - 1] != b']' {
        return None;
    }
    let close = end - 1;
    i += 1;
    let mut ranges = Vec::new();
    loop {
        while i < close && is_space(body[i]) {
            i += 1;
        }
        let start = i;
        let mut depth = 0usize;
        while i < close {
            match body[i] {
                b'"' => {
                    i += 1;
                    loop {
                        let at = i + memchr::memchr2(b'"', b'\\', body.get(i..close)?)?;
                        if body[at] == b'"' {
                            i = at;
                            break;
                        }
                        i = at + 2;
                    }
                }
                b'[' | b'{' => depth += 1,
                b']' | b'}' => depth = depth.checked_sub(1)?,
                b',' if depth == 0 => break,
                _ => {}
            }
            i += 1;
        }
        if depth != 0 {
            return None;
        }
        let mut stop = i;
        while stop > start && is_space(body[stop - 1]) {
            stop -= 1;
        }
        if stop == start {
            return None;
        }
        ranges.push(start..stop);
        if i >= close {
            return Some(ranges);
        }
        i += 1;
    }
}

/// Whether a verdict may come from a payload that is not JSON (then the body is checked
/// again by `serde_json`, which decides between a `400` and these verdicts).
fn maybe_not_json(verdict: &Verdict) -> bool {
    verdict.invalid().is_some_and(|invalid| {
        invalid
            .errors
            .iter()
            .any(|e| e.rule.starts_with("json:") || e.rule.starts_with("input:"))
    })
}

/// A request body into its events, each with the engine's verdict: the form's payloads,
/// checked against the limits, then validated.
///
/// A JSON body is split by [`json_payloads_fast`] first; when that scan does not settle it,
/// when the pieces break a limit, or when a piece's verdict says it may not be JSON and
/// `serde_json` agrees, the body is split again by `serde_json` ([`split`]), whose answer
/// stands: the same refusals (and positions) and the same ranges as without the fast scan,
/// which only saves the second parse of bodies that are JSON.
pub fn read(
    registry: &Registry,
    body: &[u8],
    form: Form,
    limits: &Limits,
) -> Result<Vec<Checked>, Refusal> {
    let fast = match form {
        Form::Json => json_payloads_fast(body).filter(|ranges| within(ranges, limits).is_ok()),
        Form::Ndjson => None,
    };
    let Some(ranges) = fast else {
        let ranges = split(body, form, limits)?;
        return Ok(check(registry, body, form, ranges, limits.max_event_bytes));
    };
    let checked = check(registry, body, form, ranges, limits.max_event_bytes);
    // The engine parses every payload it does not find valid with `serde_json` in full,
    // except where it stops early (too deep, a duplicate key), and reads the ones it finds
    // valid in full: only payloads with a `json:*` or `input:*` verdict may not be JSON as
    // the split would have it, and only they are read again, alone.
    let is_json = |c: &Checked| serde_json::from_slice::<&RawValue>(&body[c.range.clone()]).is_ok();
    if checked
        .iter()
        .all(|c| !maybe_not_json(&c.verdict) || is_json(c))
    {
        return Ok(checked);
    }
    let ranges = split(body, form, limits)?;
    if ranges.iter().eq(checked.iter().map(|c| &c.range)) {
        return Ok(checked);
    }
    Ok(check(registry, body, form, ranges, limits.max_event_bytes))
}

/// One event of a request, validated.
#[derive(Debug)]
pub struct Checked {
    /// The payload in the body (for NDJSON, without a `\r` or byte order mark).
    pub range: Range<usize>,
    pub verdict: Verdict,
    /// The payload's `event_id`, when it has a string one (shared by the answer and the
    /// store).
    pub event_id: Option<Arc<str>>,
}

/// A verdict for every payload, by the engine's rules (for NDJSON, the CLI's line rules).
fn check(
    registry: &Registry,
    body: &[u8],
    form: Form,
    ranges: Vec<Range<usize>>,
    max_event: usize,
) -> Vec<Checked> {
    let base = body.as_ptr() as usize;
    ranges
        .into_iter()
        .map(|range| {
            let (range, verdict) = match form {
                Form::Json => {
                    let verdict = registry.validate(&body[range.clone()]);
                    (range, verdict)
                }
                Form::Ndjson => {
                    let line = registry.validate_line(&body[range], max_event);
                    let start = line.payload.as_ptr() as usize - base;
                    (start..start + line.payload.len(), line.verdict)
                }
            };
            let event_id = event_id(&body[range.clone()]);
            Checked {
                range,
                verdict,
                event_id,
            }
        })
        .collect()
}

/// The `event_id` of a payload, read without building the payload's tree, and only as far as
/// it: the envelope usually starts with it, so the rest of the payload is not read a second
/// time (a cost that showed in profiles of batches). A payload with the key twice is invalid
/// (`json:duplicate_key`), so the first one is the id of every valid event.
fn event_id(payload: &[u8]) -> Option<Arc<str>> {
    leading_event_id(payload)
        .map(Arc::from)
        .or_else(|| any_event_id(payload).map(Arc::from))
}

/// The common case without a parser: the payload starts with `{"event_id":"…"` and the id
/// has no escape or control character, so its text is the id itself. `None` otherwise (the
/// parser then decides, [`any_event_id`]).
fn leading_event_id(payload: &[u8]) -> Option<&str> {
    fn skip_space(text: &[u8]) -> &[u8] {
        let n = text
            .iter()
            .take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
            .count();
        &text[n..]
    }
    let rest = skip_space(payload).strip_prefix(b"{")?;
    let rest = skip_space(rest).strip_prefix(b"\"event_id\"")?;
    let rest = skip_space(rest).strip_prefix(b":")?;
    let rest = skip_space(rest).strip_prefix(b"\"")?;
    let end = memchr::memchr(b'"', rest)?;
    let id = &rest[..end];
    if id.iter().any(|&b| b == b'\\' || b < 0x20) {
        return None;
    }
    std::str::from_utf8(id).ok()
}

/// The `event_id` wherever it is among the top-level keys, by `serde_json`.
fn any_event_id(payload: &[u8]) -> Option<String> {
    use serde::de::{self, IgnoredAny, MapAccess, Visitor};

    struct Find<'f>(&'f mut Option<serde_json::Value>);
    impl<'de> Visitor<'de> for Find<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                if key == "event_id" {
                    *self.0 = Some(map.next_value()?);
                    // Found: stop here (an error the found value outlives).
                    return Err(de::Error::custom("found"));
                }
                map.next_value::<IgnoredAny>()?;
            }
            Ok(())
        }
    }
    let mut found = None;
    let mut deserializer = serde_json::Deserializer::from_slice(payload);
    let _ = de::Deserializer::deserialize_map(&mut deserializer, Find(&mut found));
    match found? {
        serde_json::Value::String(id) => Some(id),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        max_event_bytes: 20,
        max_request_bytes: 100,
        max_request_events: 3,
    };

    fn texts(body: &str, form: Form) -> Result<Vec<&str>, Refusal> {
        split(body.as_bytes(), form, &LIMITS)
            .map(|ranges| ranges.into_iter().map(|r| &body[r]).collect())
    }

    #[test]
    fn each_form_is_split_into_its_payloads() {
        for (body, form, expected) in [
            (r#"{"a":1}"#, Form::Json, vec![r#"{"a":1}"#]),
            ("  {\"a\":1}\n", Form::Json, vec![r#"{"a":1}"#]),
            ("\u{feff}{\"a\":1}", Form::Json, vec![r#"{"a":1}"#]),
            (
                r#"[{"a":1}, 2 ,"x"]"#,
                Form::Json,
                vec![r#"{"a":1}"#, "2", r#""x""#],
            ),
            (
                "{\"a\":1}\n\n{\"b\"\n",
                Form::Ndjson,
                vec![r#"{"a":1}"#, "", r#"{"b""#],
            ),
            ("{}\r\n{}", Form::Ndjson, vec!["{}\r", "{}"]),
        ] {
            assert_eq!(texts(body, form).unwrap(), expected, "{body:?}");
        }
    }

    #[test]
    fn refusals_name_the_limit_or_position() {
        let refusal = texts("{\"a\":\n  tru}", Form::Json).unwrap_err();
        assert!(
            matches!(
                refusal,
                Refusal::NotJson {
                    line: 2,
                    column: 6,
                    ..
                }
            ),
            "{refusal:?}"
        );
        for (body, form, limit) in [
            ("[1,2,3,4]", Form::Json, "request_events"),
            ("1\n2\n3\n4", Form::Ndjson, "request_events"),
            (
                r#"["aaaaaaaaaaaaaaaaaaaaaaaaa"]"#,
                Form::Json,
                "event_bytes",
            ),
            (
                "1\naaaaaaaaaaaaaaaaaaaaaaaaa\n",
                Form::Ndjson,
                "event_bytes",
            ),
        ] {
            match texts(body, form) {
                Err(Refusal::TooLarge { limit: l, .. }) => assert_eq!(l, limit, "{body}"),
                other => panic!("{body}: {other:?}"),
            }
        }
        for body in ["", "  \n", "[]"] {
            assert!(
                matches!(texts(body, Form::Json), Err(Refusal::Unreadable { .. })),
                "{body:?}"
            );
        }
    }

    #[test]
    fn a_payload_too_deep_for_the_parser_is_split_out_not_refused() {
        let deep = "[".repeat(300) + &"]".repeat(300);
        let deep_object = r#"{"a":"#.repeat(300) + "1" + &"}".repeat(300);
        let texts = |body: &str| -> Result<Vec<String>, Refusal> {
            json_payloads(body.as_bytes())
                .map(|ranges| ranges.into_iter().map(|r| body[r].to_owned()).collect())
        };
        for (body, expected) in [
            (
                format!("[{{\"a\":\"]\\\"[\"}}, {deep} ,\"x\", 2]"),
                vec![
                    r#"{"a":"]\"["}"#.to_owned(),
                    deep.clone(),
                    r#""x""#.to_owned(),
                    "2".to_owned(),
                ],
            ),
            (
                format!("\u{feff} {deep_object}\n"),
                vec![deep_object.clone()],
            ),
            // 127 levels inside the array: the array's own level is not the payload's.
            (
                format!("[{}]", "[".repeat(127) + &"]".repeat(127)),
                vec!["[".repeat(127) + &"]".repeat(127)],
            ),
        ] {
            assert_eq!(texts(&body).unwrap(), expected, "{body:.40}");
        }
        // The body is still checked whole: a syntax error after a deep payload is a `400`.
        for (body, line, column) in [
            (format!("[{deep} {{}}]"), 1, 603),
            (format!("[{deep},\n tru]"), 2, 5),
            (format!("{deep_object} x"), 1, 1803),
        ] {
            match texts(&body) {
                Err(Refusal::NotJson {
                    line: l, column: c, ..
                }) => assert_eq!((l, c), (line, column), "{}", &body[body.len() - 30..]),
                other => panic!("{body:.40}: {other:?}"),
            }
        }
    }

    /// What a body becomes: its refusal, or each event's range, verdict and id.
    type Outcome = Result<Vec<(Range<usize>, Verdict, Option<Arc<str>>)>, Refusal>;

    fn outcome(result: Result<Vec<Checked>, Refusal>) -> Outcome {
        result.map(|events| {
            events
                .into_iter()
                .map(|c| (c.range, c.verdict, c.event_id))
                .collect()
        })
    }

    /// The body split by `serde_json` alone (the server before the fast scan).
    fn by_serde(registry: &Registry, body: &[u8], limits: &Limits) -> Outcome {
        outcome(
            split(body, Form::Json, limits)
                .map(|r| check(registry, body, Form::Json, r, limits.max_event_bytes)),
        )
    }

    /// The fast scan changes nothing a client sees: on bodies of sampled payloads (valid and
    /// invalid in every way the sampler knows, some not JSON at all), alone and in arrays, and
    /// on valid payloads broken by hand where only a parser would notice (numbers, escapes,
    /// control characters, bytes that are not UTF-8, whitespace JSON does not allow, commas,
    /// trailing text), the refusal or every verdict is the one `serde_json`'s split gives.
    #[test]
    fn the_fast_split_answers_as_serde_json_does() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../catalog");
        let catalog = eventcat::ir::lower(&eventcat::load(&root).unwrap()).unwrap();
        let registry = Registry::new(eventcat_validate::embedded_sources()).unwrap();
        let mut sampler = eventcat::sample::Sampler::new(&catalog, 7);
        let lines: Vec<String> = (0..300)
            .map(|_| sampler.sample(0.4).unwrap().line)
            .collect();
        let valid: Vec<String> = (0..20).map(|_| sampler.valid_any().to_string()).collect();
        let mut bodies: Vec<Vec<u8>> = Vec::new();
        for line in &lines {
            bodies.push(line.clone().into_bytes());
            bodies.push(format!("[{line}]").into_bytes());
        }
        for chunk in lines.chunks(7) {
            bodies.push(format!("[ {} ]\n", chunk.join(" ,\n")).into_bytes());
        }
        let mut mutated_count = 0;
        for payload in &valid {
            let mut broken: Vec<String> = Vec::new();
            for (value, with) in [
                (Value::Number, "0$1$2"),
                (Value::Number, "$1.$2"),
                (Value::Number, "-0$1$2"),
                (Value::Number, "$1e$2"),
                (Value::Number, "+$1$2"),
                (Value::Number, "$1 $1$2"),
                (Value::Number, "$1,$2"),
                (Value::Word, r#""\x$1""#),
                (Value::Word, r#""\u12G4$1""#),
                (Value::Word, r#""\ud800$1""#),
                (Value::Word, "\"\u{1}$1\""),
                (Value::Word, "\u{c}\"$1\""),
                (Value::Word, r#""$1"#),
                (Value::Word, "'$1'"),
            ] {
                if let Some(mutated) = value.mutate_first(payload, with) {
                    assert_ne!(&mutated, payload);
                    broken.push(mutated);
                    mutated_count += 1;
                }
            }
            broken.push(payload.replacen('}', ",}", 1));
            broken.push(format!("{payload} x"));
            broken.push(format!("{payload}}}"));
            broken.push(payload.replacen(':', "", 1));
            // Where the engine stops early (a duplicate key, too deep) or its parser is
            // stricter than the split's (a number out of range), with a syntax error after.
            broken.push(payload.replacen('{', r#"{"event_id":"d","#, 1));
            broken.push(
                payload
                    .replacen('{', r#"{"event_id":"d","#, 1)
                    .replacen('}', ",}", 1),
            );
            broken.push(payload.replacen('{', r#"{"deep":"#, 1).replacen(
                '}',
                &format!("{}{}}}", "[".repeat(200), "]".repeat(200)),
                1,
            ));
            broken.push(payload.replacen(
                '{',
                &format!(r#"{{"deep":{}{}, "#, "[".repeat(200), "]".repeat(200)),
                1,
            ));
            broken.push(payload.replacen('{', &format!(r#"{{"deep":{} x"#, "[".repeat(200)), 1));
            broken.push(payload.replacen('{', r#"{"big":1e400,"#, 1));
            broken.push(payload.replacen('{', r#"{"big":1e400 x,"#, 1));
            for b in broken.iter().chain([payload]) {
                bodies.push(b.clone().into_bytes());
                bodies.push(format!("[{payload},{b}]").into_bytes());
            }
            let mut not_utf8 = format!("[{payload}]").into_bytes();
            let at = not_utf8.len() - 4;
            not_utf8[at] = 0xff;
            bodies.push(not_utf8);
        }
        for body in [
            "[]",
            "[,]",
            "[1,]",
            "[,1]",
            "[1 2]",
            "[1],[2]",
            "[[1]",
            "[1]]",
            "[\"]\"]",
            "[\"a\\\"]\"]",
            " [ 1 , \"x\" , {} , [] , null ] ",
            "\u{feff}[1]",
            "[1] ",
            "[1]\u{c}",
            "{}",
            "{} {}",
            "1",
        ] {
            bodies.push(body.as_bytes().to_vec());
        }
        assert!(
            mutated_count > valid.len() * 10,
            "{mutated_count} mutations"
        );
        let limits = Limits {
            max_event_bytes: 32 * 1024,
            max_request_bytes: 512 * 1024,
            max_request_events: 2500,
        };
        let small = Limits {
            max_event_bytes: 600,
            max_request_events: 3,
            ..limits
        };
        let mut fast = 0;
        for body in &bodies {
            for limits in [&limits, &small] {
                let new = outcome(read(&registry, body, Form::Json, limits));
                assert_eq!(
                    new,
                    by_serde(&registry, body, limits),
                    "{}",
                    String::from_utf8_lossy(body)
                );
                fast += usize::from(
                    json_payloads_fast(body).is_some()
                        && new.is_ok_and(|events| {
                            !events.iter().any(|(_, verdict, _)| maybe_not_json(verdict))
                        }),
                );
            }
        }
        assert!(
            fast > bodies.len() / 2,
            "the fast scan settled {fast} bodies"
        );
    }

    /// Which values of a payload [`Value::mutate_first`] rewrites.
    #[derive(Clone, Copy)]
    enum Value {
        /// A number after a key (`"n":12`, `"x":1.5`), and the `,` or `}` after it, as `$1`
        /// `$2`.
        Number,
        /// A string of lowercase letters and `_` after a key, with its quotes; `$1` its
        /// letters.
        Word,
    }

    impl Value {
        /// `text` with the first such value (after its key's `":`) replaced by `with`, if it
        /// has one.
        fn mutate_first(self, text: &str, with: &str) -> Option<String> {
            let bytes = text.as_bytes();
            for at in 0..bytes.len() {
                if !bytes[at..].starts_with(b"\":") {
                    continue;
                }
                let start = at + 2;
                let found = match self {
                    Value::Number => {
                        let digits = bytes[start..]
                            .iter()
                            .take_while(|b| b.is_ascii_digit() || **b == b'.')
                            .count();
                        let after = bytes.get(start + digits).copied();
                        (digits > 0 && matches!(after, Some(b',' | b'}'))).then(|| {
                            let group = &text[start..start + digits];
                            let after = (after.unwrap_or_default() as char).to_string();
                            (
                                start + digits + 1,
                                with.replace("$1", group).replace("$2", &after),
                            )
                        })
                    }
                    Value::Word => {
                        let letters = bytes[start..]
                            .iter()
                            .skip(1)
                            .take_while(|b| b.is_ascii_lowercase() || **b == b'_')
                            .count();
                        let quoted = bytes.get(start) == Some(&b'"')
                            && bytes.get(start + 1 + letters) == Some(&b'"');
                        (letters > 0 && quoted).then(|| {
                            let group = &text[start + 1..start + 1 + letters];
                            (start + letters + 2, with.replace("$1", group))
                        })
                    }
                };
                if let Some((end, replaced)) = found {
                    return Some(format!("{}{}{}", &text[..start], replaced, &text[end..]));
                }
            }
            None
        }
    }

    #[test]
    fn the_event_id_is_read_as_far_as_it() {
        for (payload, id) in [
            (r#"{"event_id": "a-1", "x": [1, 2]}"#, Some("a-1")),
            (
                r#"{"x": {"event_id": "inner"}, "event_id": "outer"}"#,
                Some("outer"),
            ),
            (r#"{"event_id": "a\u0041"}"#, Some("aA")),
            (r#" { "event_id" : "b-2" , "x": 1}"#, Some("b-2")),
            (r#"{"event_id":"tab\there"}"#, Some("tab\there")),
            (r#"{"event_id":"é"}"#, Some("é")),
            (r#"{"event_id":"x","event_id":"y"}"#, Some("x")),
            ("{\"event_id\":\"a\u{1}b\"}", None),
            (r#"{"event_id": "first", "broken": tru"#, Some("first")),
            (r#"{"event_id": 12}"#, None),
            (r#"{"x": 1}"#, None),
            (r#"["event_id", "x"]"#, None),
            ("not json", None),
        ] {
            assert_eq!(event_id(payload.as_bytes()).as_deref(), id, "{payload}");
            assert_eq!(any_event_id(payload.as_bytes()).as_deref(), id, "{payload}");
        }
    }

    #[test]
    fn content_types_and_encodings() {
        for (ct, form) in [
            (None, Some(Form::Json)),
            (Some("application/json; charset=utf-8"), Some(Form::Json)),
            (Some("text/plain"), Some(Form::Json)),
            (Some("Application/X-NDJSON"), Some(Form::Ndjson)),
            (Some("application/xml"), None),
        ] {
            assert_eq!(Form::from_content_type(ct).ok(), form, "{ct:?}");
        }
        assert!(matches!(
            decode_body(Some("br"), "x".into(), &LIMITS),
            Err(Refusal::Unsupported { .. })
        ));
        assert!(matches!(
            decode_body(Some("gzip"), "not gzip".into(), &LIMITS),
            Err(Refusal::Unreadable { .. })
        ));
    }
}
