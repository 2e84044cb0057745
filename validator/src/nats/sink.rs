//! A [`Sink`] that publishes good events and bad rows to JetStream subjects, for front-ends
//! that write through the engine's synchronous `Sink` from a thread of their own (`serve`'s
//! writer thread): each `valid`/`invalid` publishes at once (the message is on its way), and
//! [`Sink::flush`] waits for JetStream to acknowledge every publish since the last flush, so a
//! front-end that answers its client after `flush` has the events stored.
//!
//! The sink owns a small tokio runtime (one I/O thread) for its connection and blocks on it;
//! call it from a plain thread, never from inside an async task.
//!
//! Outputs carry the same headers as `consume`'s, with a `Nats-Msg-Id` from the origin
//! (`<request_id>.<index>` for an HTTP request, `<file>:<line>`, `<stream>.<sequence>`), so
//! publishing the same origin twice within the duplicate window stores it once.

use std::io;

use async_nats::Subject;
use async_nats::jetstream::{Context, context::PublishAckFuture, message::PublishMessage};
use eventcat_engine::{At, BadRow, Good, Sink};

use super::connect::ConnectArgs;

/// Good events to one subject, bad rows to another (either may be absent: not written).
pub struct JetStreamSink {
    runtime: tokio::runtime::Runtime,
    js: Context,
    good: Option<Subject>,
    bad: Option<Subject>,
    pending: Vec<PublishAckFuture>,
    line: Vec<u8>,
}

impl std::fmt::Debug for JetStreamSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JetStreamSink")
            .field("good", &self.good)
            .field("bad", &self.bad)
            .field("pending", &self.pending.len())
            .finish()
    }
}

/// `nats://host:port/subject` (or `tls://`): the server URL and the subject.
pub fn parse_spec(spec: &str) -> Result<(String, String), String> {
    let (scheme, rest) = spec
        .split_once("://")
        .ok_or_else(|| format!("{spec:?}: a JetStream output is nats://HOST:PORT/SUBJECT"))?;
    if !matches!(scheme, "nats" | "tls") {
        return Err(format!("{spec:?}: the scheme is nats:// or tls://"));
    }
    let (server, subject) = rest
        .split_once('/')
        .filter(|(server, subject)| !server.is_empty() && !subject.is_empty())
        .ok_or_else(|| format!("{spec:?}: a JetStream output is nats://HOST:PORT/SUBJECT"))?;
    if subject.contains(['*', '>', ' ', '/']) {
        return Err(format!(
            "{spec:?}: {subject:?} is not a subject to publish on (no wildcards, spaces or /)"
        ));
    }
    Ok((format!("{scheme}://{server}"), subject.to_owned()))
}

fn to_io(error: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("JetStream: {error}"))
}

impl JetStreamSink {
    /// Connects (as `connect` says: URL, authentication, TLS) and publishes to the subjects.
    pub fn connect(
        connect: &ConnectArgs,
        good: Option<String>,
        bad: Option<String>,
    ) -> io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("nats-sink")
            .enable_all()
            .build()?;
        let client = runtime
            .block_on(connect.connect(std::time::Duration::from_secs(10)))
            .map_err(to_io)?;
        // The context spawns its ack-tracking task on the runtime.
        let js = {
            let _entered = runtime.enter();
            super::topology::context(client, std::time::Duration::from_secs(5), 4096)
        };
        Ok(JetStreamSink {
            runtime,
            js,
            good: good.map(Subject::from),
            bad: bad.map(Subject::from),
            pending: Vec::new(),
            line: Vec::new(),
        })
    }

    fn publish(&mut self, subject: Subject, message: PublishMessage) -> io::Result<()> {
        let ack = self
            .runtime
            .block_on(self.js.send_publish(subject, message))
            .map_err(to_io)?;
        self.pending.push(ack);
        Ok(())
    }
}

/// The message id of what came from `at`.
fn msg_id(at: &At<'_>) -> String {
    match at {
        At::File { file, line } => format!("{file}:{line}"),
        At::Request {
            request_id, index, ..
        } => format!("{request_id}.{index}"),
        At::Stream {
            stream, sequence, ..
        } => format!("{stream}.{sequence}"),
    }
}

impl Sink for JetStreamSink {
    fn valid(&mut self, good: &Good<'_>) -> io::Result<()> {
        let Some(subject) = self.good.clone() else {
            return Ok(());
        };
        let message = PublishMessage::build()
            .payload(bytes::Bytes::copy_from_slice(good.payload))
            .message_id(msg_id(good.at))
            .header("Eventcat-Event", good.event)
            .header("Eventcat-Version", good.version);
        self.publish(subject, message)
    }

    fn invalid(&mut self, row: &BadRow<'_>) -> io::Result<()> {
        let Some(subject) = self.bad.clone() else {
            return Ok(());
        };
        self.line.clear();
        row.write_line(&mut self.line);
        self.line.pop();
        let message = PublishMessage::build()
            .payload(bytes::Bytes::copy_from_slice(&self.line))
            .message_id(msg_id(&row.at));
        self.publish(subject, message)
    }

    /// Waits for every publish since the last flush to be stored; the first failure (no stream
    /// on the subject, a full stream, a timeout) is the error.
    fn flush(&mut self) -> io::Result<()> {
        let pending = std::mem::take(&mut self.pending);
        let results = self.runtime.block_on(futures_util::future::join_all(
            pending.into_iter().map(|ack| ack.into_future()),
        ));
        let failed = results.iter().filter(|r| r.is_err()).count();
        match results.into_iter().find_map(Result::err) {
            Some(error) => Err(to_io(format!("{failed} publish(es) not stored: {error}"))),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_spec;

    #[test]
    fn specs_name_a_server_and_a_subject() {
        for (spec, parsed) in [
            (
                "nats://127.0.0.1:4222/events.good",
                Some(("nats://127.0.0.1:4222", "events.good")),
            ),
            (
                "tls://nats.internal:4222/events.bad",
                Some(("tls://nats.internal:4222", "events.bad")),
            ),
            ("nats://127.0.0.1:4222/", None),
            ("nats://127.0.0.1:4222", None),
            ("nats:///events.good", None),
            ("nats://h:1/events.*", None),
            ("http://h:1/events", None),
            ("events.good", None),
        ] {
            let got = parse_spec(spec).ok();
            let want = parsed.map(|(a, b)| (a.to_owned(), b.to_owned()));
            assert_eq!(got, want, "{spec}");
        }
    }
}
