//! Where verdicts go: one output abstraction for good events and bad rows, shared by every
//! front-end (files and stdin, the HTTP server, the stream consumer, the loader).
//!
//! In the spirit of ripgrep's `grep_searcher::Sink`: the engine decides what is valid and
//! knows nothing of where results are written; a [`Sink`] receives each valid payload
//! ([`Good`]) and each bad row ([`BadRow`]), in input order, and is told when a batch is done
//! ([`Sink::flush`]), the point after which a front-end may acknowledge its input. A front-end
//! picks a sink (NDJSON files, JetStream subjects, PostgreSQL tables, an in-memory store) and
//! the rules (BOM, CRLF, blank lines, limits) and the wire format stay the same everywhere.

use std::borrow::Cow;
use std::io::{self, Write};

use serde::{Deserialize, Serialize};

use crate::registry::Registry;
use crate::verdict::{Invalid, PayloadError, Verdict};

/// Where a payload came from: what a bad row says instead of a position in one file.
///
/// Serialized flat into the row (`{"file": ..., "line": ...}`, `{"request_id": ..., "index":
/// ..., "received_at": ...}`, `{"stream": ..., "subject": ..., "sequence": ...}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum At<'a> {
    /// A line of a file (or stdin), 1-based; in JSON mode the line a payload starts on.
    File { file: Cow<'a, str>, line: u64 },
    /// An event of an HTTP request: its position in the request (0-based) and when the request
    /// was received (RFC 3339).
    Request {
        request_id: Cow<'a, str>,
        index: u64,
        received_at: Cow<'a, str>,
    },
    /// A message of a stream (JetStream): the stream, the subject it was published on, and
    /// its sequence number in the stream.
    Stream {
        stream: Cow<'a, str>,
        subject: Cow<'a, str>,
        sequence: u64,
    },
}

/// A valid payload, as received (without its line end or byte order mark), and the event
/// version it is valid against.
#[derive(Debug, Clone, Copy)]
pub struct Good<'a> {
    pub at: &'a At<'a>,
    pub event: &'a str,
    pub version: &'a str,
    pub payload: &'a [u8],
}

/// The wire format of every bad output: where the input came from, what the engine found, and
/// the input itself, so nothing is lost and a bad row can be replayed once fixed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BadRow<'a> {
    #[serde(flatten)]
    pub at: At<'a>,
    /// The payload's `event_name`, when it has a string one.
    pub event: Option<Cow<'a, str>>,
    /// The payload's `version`, when it has a string one.
    pub version: Option<Cow<'a, str>>,
    /// Every error found, as in the reports.
    pub errors: Cow<'a, [PayloadError]>,
    /// The input as text (lossy when it is not UTF-8); `null` when it was too long to read.
    pub payload: Option<Cow<'a, str>>,
    /// The exact input bytes, when they are not UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_base64: Option<String>,
    /// The input's size, when it was skipped unread (`input:too_long`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_bytes: Option<u64>,
}

impl<'a> BadRow<'a> {
    /// The row of an invalid payload. `payload` is `None` when the input was not read (too
    /// long); `bytes` is then its size.
    pub fn new(at: At<'a>, invalid: &'a Invalid, payload: Option<&'a [u8]>, bytes: u64) -> Self {
        let (payload, payload_base64, payload_bytes) = match payload {
            Some(raw) => match std::str::from_utf8(raw) {
                Ok(text) => (Some(Cow::Borrowed(text)), None, None),
                Err(_) => (Some(String::from_utf8_lossy(raw)), Some(base64(raw)), None),
            },
            None => (None, None, Some(bytes)),
        };
        BadRow {
            at,
            event: invalid.event.as_deref().map(Cow::Borrowed),
            version: invalid.version.as_deref().map(Cow::Borrowed),
            errors: Cow::Borrowed(&invalid.errors),
            payload,
            payload_base64,
            payload_bytes,
        }
    }

    /// The row as one line of JSON, with its `\n`.
    pub fn write_line(&self, out: &mut Vec<u8>) {
        // Serializing plain strings, numbers and arrays into memory cannot fail.
        let _ = serde_json::to_writer(&mut *out, self);
        out.push(b'\n');
    }
}

/// Receives the verdicts of a run, in input order.
///
/// Errors are I/O errors: a sink that cannot write (a full disk, a closed pipe, a broker or
/// database that refuses) stops the run, which reports it; nothing is acknowledged upstream
/// past the last successful [`Sink::flush`].
pub trait Sink {
    /// A valid payload.
    fn valid(&mut self, good: &Good<'_>) -> io::Result<()>;
    /// An input that is not a valid payload (whatever the reason: JSON, envelope, schema,
    /// privacy, input rules).
    fn invalid(&mut self, row: &BadRow<'_>) -> io::Result<()>;
    /// Everything received so far is as durable as this sink makes it: written to the files,
    /// acknowledged by the broker, committed to the database.
    fn flush(&mut self) -> io::Result<()>;
}

impl<S: Sink + ?Sized> Sink for &mut S {
    fn valid(&mut self, good: &Good<'_>) -> io::Result<()> {
        (**self).valid(good)
    }
    fn invalid(&mut self, row: &BadRow<'_>) -> io::Result<()> {
        (**self).invalid(row)
    }
    fn flush(&mut self) -> io::Result<()> {
        (**self).flush()
    }
}

impl<S: Sink + ?Sized> Sink for Box<S> {
    fn valid(&mut self, good: &Good<'_>) -> io::Result<()> {
        (**self).valid(good)
    }
    fn invalid(&mut self, row: &BadRow<'_>) -> io::Result<()> {
        (**self).invalid(row)
    }
    fn flush(&mut self) -> io::Result<()> {
        (**self).flush()
    }
}

/// Hands one verdict to a sink: the valid payload, or its bad row. The one place a verdict
/// becomes output, so every front-end writes the same rows.
pub fn deliver(
    registry: &Registry,
    sink: &mut dyn Sink,
    at: At<'_>,
    payload: Option<&[u8]>,
    bytes: u64,
    verdict: &Verdict,
) -> io::Result<()> {
    match verdict {
        Verdict::Valid { schema } => {
            let schema = registry.schema(*schema);
            sink.valid(&Good {
                at: &at,
                event: &schema.event,
                version: &schema.version,
                payload: payload.unwrap_or_default(),
            })
        }
        Verdict::Invalid(invalid) => sink.invalid(&BadRow::new(at, invalid, payload, bytes)),
    }
}

/// Good events and bad rows as NDJSON: each valid payload on a line of its own (a
/// pretty-printed payload is put on one line), each bad row as a JSON line. Either side may be
/// absent (then it is not written).
pub struct NdjsonSink<G, B> {
    good: Option<G>,
    bad: Option<B>,
    line: Vec<u8>,
}

impl<G, B> std::fmt::Debug for NdjsonSink<G, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NdjsonSink")
            .field("good", &self.good.is_some())
            .field("bad", &self.bad.is_some())
            .finish()
    }
}

impl<G: Write, B: Write> NdjsonSink<G, B> {
    pub fn new(good: Option<G>, bad: Option<B>) -> Self {
        NdjsonSink {
            good,
            bad,
            line: Vec::new(),
        }
    }

    /// The writers back, for a caller that must close them itself.
    pub fn into_inner(self) -> (Option<G>, Option<B>) {
        (self.good, self.bad)
    }
}

impl<G: Write, B: Write> Sink for NdjsonSink<G, B> {
    fn valid(&mut self, good: &Good<'_>) -> io::Result<()> {
        let Some(out) = self.good.as_mut() else {
            return Ok(());
        };
        // Line breaks in valid JSON are whitespace between tokens (strings cannot hold raw
        // ones), so a pretty-printed JSON-mode payload goes on one line unchanged in meaning.
        if memchr::memchr2(b'\n', b'\r', good.payload).is_some() {
            self.line.clear();
            self.line.extend(good.payload.iter().map(|&b| match b {
                b'\n' | b'\r' => b' ',
                b => b,
            }));
            self.line.push(b'\n');
            out.write_all(&self.line)
        } else {
            out.write_all(good.payload)?;
            out.write_all(b"\n")
        }
    }

    fn invalid(&mut self, row: &BadRow<'_>) -> io::Result<()> {
        let Some(out) = self.bad.as_mut() else {
            return Ok(());
        };
        self.line.clear();
        row.write_line(&mut self.line);
        out.write_all(&self.line)
    }

    fn flush(&mut self) -> io::Result<()> {
        if let Some(good) = self.good.as_mut() {
            good.flush()?;
        }
        if let Some(bad) = self.bad.as_mut() {
            bad.flush()?;
        }
        Ok(())
    }
}

/// A sink that drops everything (a run that only reports).
#[derive(Debug, Default, Clone, Copy)]
pub struct NullSink;

impl Sink for NullSink {
    fn valid(&mut self, _: &Good<'_>) -> io::Result<()> {
        Ok(())
    }
    fn invalid(&mut self, _: &BadRow<'_>) -> io::Result<()> {
        Ok(())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Base64 (RFC 4648, padded) of bytes that are not UTF-8, so a bad row keeps them exactly.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invalid() -> Invalid {
        Invalid {
            event: Some("user.login".into()),
            version: Some("1.0.0".into()),
            schema: None,
            errors: vec![PayloadError::new("/x", "type", "a string", "1")],
        }
    }

    #[test]
    fn a_bad_row_keeps_the_file_rows_shape_and_reads_back() {
        let invalid = invalid();
        let row = BadRow::new(
            At::File {
                file: "events.ndjson".into(),
                line: 3,
            },
            &invalid,
            Some(b"{\"x\":1}"),
            7,
        );
        let mut line = Vec::new();
        row.write_line(&mut line);
        assert_eq!(
            String::from_utf8(line.clone()).unwrap(),
            concat!(
                r#"{"file":"events.ndjson","line":3,"event":"user.login","version":"1.0.0","#,
                r#""errors":[{"pointer":"/x","rule":"type","expected":"a string","actual":"1"}],"#,
                r#""payload":"{\"x\":1}"}"#,
                "\n"
            )
        );
        let back: BadRow<'_> = serde_json::from_slice(&line).unwrap();
        assert_eq!(back, row);
    }

    #[test]
    fn every_origin_reads_back_as_itself() {
        let invalid = invalid();
        for at in [
            At::Request {
                request_id: "r-1".into(),
                index: 4,
                received_at: "2026-12-01T10:00:00Z".into(),
            },
            At::Stream {
                stream: "EVENTS".into(),
                subject: "events.raw".into(),
                sequence: 99,
            },
        ] {
            let row = BadRow::new(at, &invalid, None, 12);
            let text = serde_json::to_string(&row).unwrap();
            assert!(
                text.contains(r#""payload":null,"payload_bytes":12"#),
                "{text}"
            );
            assert_eq!(serde_json::from_str::<BadRow<'_>>(&text).unwrap(), row);
        }
    }

    #[test]
    fn bytes_that_are_not_utf8_are_kept_in_base64() {
        let invalid = invalid();
        let at = At::File {
            file: "f".into(),
            line: 1,
        };
        let row = BadRow::new(at, &invalid, Some(b"a\xffbc"), 4);
        assert_eq!(row.payload_base64.as_deref(), Some("Yf9iYw=="));
    }

    #[test]
    fn base64_matches_rfc_4648() {
        for (raw, encoded) in [
            (&b""[..], ""),
            (b"f", "Zg=="),
            (b"fo", "Zm8="),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg=="),
            (b"fooba", "Zm9vYmE="),
            (b"foobar", "Zm9vYmFy"),
            (b"\xff\xfe", "//4="),
        ] {
            assert_eq!(base64(raw), encoded);
        }
    }

    #[test]
    fn the_ndjson_sink_puts_a_pretty_payload_on_one_line() {
        let mut sink = NdjsonSink::new(Some(Vec::new()), Some(Vec::new()));
        let at = At::File {
            file: "f".into(),
            line: 1,
        };
        let good = Good {
            at: &at,
            event: "e",
            version: "1.0.0",
            payload: b"{\n  \"a\": 1\r\n}",
        };
        sink.valid(&good).unwrap();
        sink.flush().unwrap();
        let (good, bad) = sink.into_inner();
        assert_eq!(good.unwrap(), b"{   \"a\": 1  }\n");
        assert!(bad.unwrap().is_empty());
    }
}
