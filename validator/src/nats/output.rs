//! What a validated message becomes on JetStream: the event itself on the good subject, or its
//! bad row on the bad subject, each with a `Nats-Msg-Id` derived from the input so that
//! JetStream's duplicate window drops the second publish of a redelivered input.
//!
//! Headers on every output:
//! - `Nats-Msg-Id`: `<stream>.<stream created, Unix ns>.<sequence>` of the input (or, with
//!   [`MsgId::EventId`], `event_id.<event_id>` for a good event that has one). The creation
//!   time keeps ids apart when a stream of the same name is deleted and made again within the
//!   window (its sequences start again at 1).
//! - `Eventcat-Stream`, `Eventcat-Sequence`: where the input was.
//! - `Eventcat-Event`, `Eventcat-Version`: the event version (good events only), so a storage
//!   stage can route without parsing.

use std::borrow::Cow;

use async_nats::jetstream::message::PublishMessage as Publish;
use bytes::Bytes;
use eventcat_engine::{At, BadRow, Registry, Verdict};

/// How the `Nats-Msg-Id` of a good event is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MsgId {
    /// The input's stream and sequence: a redelivered message is published once.
    Sequence,
    /// The payload's `event_id` when it has a string one (else the sequence): an event
    /// published twice into the input (a producer's retry) also comes out once.
    EventId,
}

/// Where an input message was: its stream (and when that stream was created), subject and
/// sequence.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    pub stream: &'a str,
    pub stream_created_ns: i128,
    pub subject: &'a str,
    pub sequence: u64,
}

impl Origin<'_> {
    /// The id of whatever this input becomes.
    pub fn msg_id(&self) -> String {
        format!(
            "{}.{}.{}",
            self.stream, self.stream_created_ns, self.sequence
        )
    }
}

/// Which side an output went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Good,
    Bad,
}

/// One output, ready to publish.
#[derive(Debug)]
pub struct Output {
    pub side: Side,
    pub msg_id: String,
    pub message: Publish,
}

/// One input message, validated with the line rules of `eventcat-validate` (a message is one
/// line: a trailing `\r` and a byte order mark are stripped, blank and oversized messages are
/// bad rows).
#[derive(Debug)]
pub struct Checked {
    pub verdict: Verdict,
    /// The payload without what the line rules stripped (a slice of the message, not a copy).
    pub body: Bytes,
}

impl Checked {
    pub fn side(&self) -> Side {
        if self.verdict.is_valid() {
            Side::Good
        } else {
            Side::Bad
        }
    }
}

/// Validates one input message.
pub fn check_message(registry: &Registry, payload: &Bytes, max_line_bytes: usize) -> Checked {
    let line = registry.validate_line(payload, max_line_bytes);
    let start = line.payload.as_ptr() as usize - payload.as_ptr() as usize;
    let body = payload.slice(start..start + line.payload.len());
    Checked {
        verdict: line.verdict,
        body,
    }
}

/// The output of one input message, validated (see [`check_message`]).
pub fn validate_message(
    registry: &Registry,
    origin: &Origin<'_>,
    payload: &Bytes,
    max_line_bytes: usize,
    msg_id: MsgId,
) -> Output {
    let checked = check_message(registry, payload, max_line_bytes);
    output(registry, origin, &checked, max_line_bytes, msg_id)
}

/// What a checked message is published as.
pub fn output(
    registry: &Registry,
    origin: &Origin<'_>,
    checked: &Checked,
    max_line_bytes: usize,
    msg_id: MsgId,
) -> Output {
    let sequence_id = origin.msg_id();
    let common = |message: Publish, id: &str| {
        message
            .message_id(id)
            .header("Eventcat-Stream", origin.stream)
            .header("Eventcat-Sequence", origin.sequence.to_string().as_str())
    };
    match &checked.verdict {
        Verdict::Valid { schema } => {
            let schema = registry.schema(*schema);
            let id = match msg_id {
                MsgId::EventId => event_id(&checked.body)
                    .map(|id| format!("event_id.{id}"))
                    .unwrap_or(sequence_id),
                MsgId::Sequence => sequence_id,
            };
            let message = common(Publish::build().payload(checked.body.clone()), &id)
                .header("Eventcat-Event", schema.event.as_str())
                .header("Eventcat-Version", schema.version.as_str());
            Output {
                side: Side::Good,
                msg_id: id,
                message,
            }
        }
        Verdict::Invalid(invalid) => {
            let row = bad_row(origin, checked, invalid, max_line_bytes);
            let mut body = Vec::with_capacity(checked.body.len() + 256);
            row.write_line(&mut body);
            body.pop();
            let message = common(Publish::build().payload(body.into()), &sequence_id);
            Output {
                side: Side::Bad,
                msg_id: sequence_id,
                message,
            }
        }
    }
}

/// The bad row of an invalid message (an oversized one without its payload).
pub fn bad_row<'a>(
    origin: &Origin<'a>,
    checked: &'a Checked,
    invalid: &'a eventcat_engine::Invalid,
    max_line_bytes: usize,
) -> BadRow<'a> {
    let at = At::Stream {
        stream: Cow::Borrowed(origin.stream),
        subject: Cow::Borrowed(origin.subject),
        sequence: origin.sequence,
    };
    let too_long = checked.body.len() > max_line_bytes;
    BadRow::new(
        at,
        invalid,
        (!too_long).then_some(&checked.body[..]),
        checked.body.len() as u64,
    )
}

/// The `event_id` of a valid payload (its envelope requires a string one; an event type
/// without one falls back to the sequence).
fn event_id(payload: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Envelope<'a> {
        #[serde(borrow)]
        event_id: Option<Cow<'a, str>>,
    }
    serde_json::from_slice::<Envelope<'_>>(payload)
        .ok()?
        .event_id
        .filter(|id| !id.is_empty())
        .map(Cow::into_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_ids_are_read_from_valid_payloads_only_when_strings() {
        for (payload, id) in [
            (&br#"{"event_id":"a-1","x":{"y":[1]}}"#[..], Some("a-1")),
            (br#"{"x":1}"#, None),
            (br#"{"event_id":7}"#, None),
            (br#"{"event_id":""}"#, None),
            (br#"{"event_id":"\u0041"}"#, Some("A")),
        ] {
            assert_eq!(event_id(payload).as_deref(), id, "{payload:?}");
        }
    }

    #[test]
    fn sequence_ids_name_the_stream_its_creation_and_the_sequence() {
        let origin = Origin {
            stream: "EVENTS",
            stream_created_ns: 1_700_000_000_000_000_001,
            subject: "events.raw",
            sequence: 42,
        };
        assert_eq!(origin.msg_id(), "EVENTS.1700000000000000001.42");
    }
}
