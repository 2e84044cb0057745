//! The answer to `POST /v1/events`: a verdict per event, in the order of the request.
//!
//! [`IngestAnswer`] is its shape (serde's); [`IngestAnswer::to_json`] writes the same JSON
//! straight into one buffer sized for it, keys as constants and strings copied when they need
//! no escape: serde's writer escaped every key and grew its buffer step by step, about 2,500
//! instructions per event of a batch (callgrind), for an answer that is mostly the same
//! seven keys a hundred times.

use eventcat_engine::{PayloadError, Registry, Verdict};
use serde::Serialize;

use super::ingest::Checked;

/// The answer to `POST /v1/events`.
#[derive(Debug, Serialize)]
pub struct IngestAnswer<'a> {
    request_id: &'a str,
    accepted: usize,
    rejected: usize,
    results: Vec<EventResult<'a>>,
}

#[derive(Debug, Serialize)]
pub struct EventResult<'a> {
    index: usize,
    event_id: Option<&'a str>,
    event_name: Option<&'a str>,
    version: Option<&'a str>,
    valid: bool,
    /// A good event whose `event_id` was written before (within the dedupe window): accepted,
    /// not written again.
    duplicate: bool,
    errors: &'a [PayloadError],
}

pub fn answer<'a>(
    request_id: &'a str,
    registry: &'a Registry,
    events: &'a [Checked],
    duplicates: &[usize],
) -> IngestAnswer<'a> {
    let mut duplicates = duplicates.iter().peekable();
    let results: Vec<EventResult<'a>> = events
        .iter()
        .enumerate()
        .map(|(index, event)| {
            let (event_name, version, errors): (_, _, &[PayloadError]) = match &event.verdict {
                Verdict::Valid { schema } => {
                    let schema = registry.schema(*schema);
                    (
                        Some(schema.event.as_str()),
                        Some(schema.version.as_str()),
                        &[],
                    )
                }
                Verdict::Invalid(invalid) => (
                    invalid.event.as_deref(),
                    invalid.version.as_deref(),
                    &invalid.errors,
                ),
            };
            EventResult {
                index,
                event_id: event.event_id.as_deref(),
                event_name,
                version,
                valid: event.verdict.is_valid(),
                duplicate: duplicates.next_if_eq(&&index).is_some(),
                errors,
            }
        })
        .collect();
    let accepted = results.iter().filter(|r| r.valid).count();
    IngestAnswer {
        request_id,
        accepted,
        rejected: results.len() - accepted,
        results,
    }
}

impl IngestAnswer<'_> {
    /// The answer as compact JSON, byte for byte what `serde_json::to_vec` writes.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.results.len() * 160);
        out.extend_from_slice(b"{\"request_id\":");
        string(&mut out, self.request_id);
        out.extend_from_slice(b",\"accepted\":");
        number(&mut out, self.accepted);
        out.extend_from_slice(b",\"rejected\":");
        number(&mut out, self.rejected);
        out.extend_from_slice(b",\"results\":[");
        for (n, result) in self.results.iter().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            out.extend_from_slice(b"{\"index\":");
            number(&mut out, result.index);
            out.extend_from_slice(b",\"event_id\":");
            optional(&mut out, result.event_id);
            out.extend_from_slice(b",\"event_name\":");
            optional(&mut out, result.event_name);
            out.extend_from_slice(b",\"version\":");
            optional(&mut out, result.version);
            out.extend_from_slice(b",\"valid\":");
            boolean(&mut out, result.valid);
            out.extend_from_slice(b",\"duplicate\":");
            boolean(&mut out, result.duplicate);
            out.extend_from_slice(b",\"errors\":");
            if result.errors.is_empty() {
                out.extend_from_slice(b"[]");
            } else {
                // Writing plain strings into memory cannot fail.
                let _ = serde_json::to_writer(&mut out, result.errors);
            }
            out.push(b'}');
        }
        out.extend_from_slice(b"]}");
        out
    }
}

fn boolean(out: &mut Vec<u8>, b: bool) {
    out.extend_from_slice(if b { b"true" } else { b"false" });
}

fn number(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

fn optional(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        Some(text) => string(out, text),
        None => out.extend_from_slice(b"null"),
    }
}

/// A JSON string: copied between quotes when nothing in it needs an escape (what
/// `serde_json` escapes: `"`, `\\` and control characters), else by `serde_json`.
fn string(out: &mut Vec<u8>, text: &str) {
    if text.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        let _ = serde_json::to_writer(&mut *out, text);
    } else {
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eventcat_engine::{Invalid, SchemaId};

    /// The fast writer and serde agree byte for byte: valid, invalid (with and without an
    /// event, with errors whose text needs escapes), duplicates, ids missing or needing
    /// escapes, and an empty answer.
    #[test]
    fn the_answer_is_what_serde_writes() {
        let registry = Registry::new(eventcat_validate::embedded_sources()).unwrap();
        let checked = |id: Option<&str>, verdict: Verdict| Checked {
            range: 0..0,
            verdict,
            event_id: id.map(Into::into),
        };
        let invalid = |event: Option<&str>, errors: Vec<PayloadError>| {
            Verdict::Invalid(Box::new(Invalid {
                event: event.map(Into::into),
                version: event.map(|_| "1.0.0\u{1}".into()),
                schema: None,
                errors,
            }))
        };
        let events = [
            checked(
                Some("a-1"),
                Verdict::Valid {
                    schema: SchemaId(0),
                },
            ),
            checked(
                None,
                Verdict::Valid {
                    schema: SchemaId(1),
                },
            ),
            checked(
                Some("quote \" back \\ tab \t é"),
                invalid(
                    Some("x.\"y\""),
                    vec![
                        PayloadError::new("/a", "type", "an \"integer\"", "\"x\"\n"),
                        PayloadError::new("", "required", "", ""),
                    ],
                ),
            ),
            checked(Some("\u{7f}\u{0}"), invalid(None, vec![])),
            checked(
                Some("dup"),
                Verdict::Valid {
                    schema: SchemaId(0),
                },
            ),
        ];
        for (request_id, events, duplicates) in [
            ("r-1", &events[..], &[4][..]),
            ("r\"2", &events[..], &[0, 1, 4][..]),
            ("r-3", &events[..0], &[][..]),
        ] {
            let answer = answer(request_id, &registry, events, duplicates);
            assert_eq!(
                String::from_utf8(answer.to_json()).unwrap(),
                serde_json::to_string(&answer).unwrap()
            );
        }
    }
}
