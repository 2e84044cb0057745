//! `consume --good postgres://... --bad postgres://...`: the messages of a side that goes to
//! PostgreSQL are handed, validated, to a thread of their own that writes them through the
//! loader's [`PostgresSink`] and commits once per batch of messages. The consumer loop acks
//! those messages only when the commit succeeded, and naks them (to come back later) when it
//! did not: a message is stored before it is acked, and a redelivered one is stored once (the
//! tables skip a stored `(event_id, timestamp)`, `bad_events` a stored stream, sequence and
//! payload).
//!
//! Why a thread: the sink is synchronous (the `postgres` client blocks on its own runtime) and
//! must not run inside the consumer's async tasks.

use std::io;
use std::sync::Arc;

use bytes::Bytes;
use eventcat_engine::{Registry, Sink, Verdict, deliver};
use tokio::sync::{mpsc, oneshot};

use super::output::{Checked, Origin, bad_row};
use crate::postgres::PostgresSink;
use crate::sides::Split;

/// Which sides go to PostgreSQL (the others are published to their subjects).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredSides {
    pub good: bool,
    pub bad: bool,
}

/// One message for the database.
#[derive(Debug)]
pub struct Item {
    pub subject: String,
    pub sequence: u64,
    pub checked: Checked,
}

/// A batch's messages for the database; `reply` says whether they were committed.
#[derive(Debug)]
pub struct Job {
    pub items: Vec<Item>,
    pub reply: oneshot::Sender<Result<(), String>>,
}

/// The handle the consumer loop sends batches through.
#[derive(Debug, Clone)]
pub struct Store {
    pub sides: StoredSides,
    pub jobs: mpsc::Sender<Job>,
}

/// The sinks of the sides that go to PostgreSQL: one connection when both name the same
/// database. Connects now (call it outside an async runtime).
pub fn open(good: Option<&str>, bad: Option<&str>) -> io::Result<Box<dyn Sink + Send>> {
    let connect = |url: &str| -> io::Result<Box<dyn Sink + Send>> {
        Ok(Box::new(
            PostgresSink::connect(url).map_err(|e| io::Error::other(e.to_string()))?,
        ))
    };
    Ok(match (good, bad) {
        (Some(g), Some(b)) if g == b => connect(g)?,
        _ => Box::new(Split {
            good: good.map(connect).transpose()?,
            bad: bad.map(connect).transpose()?,
        }),
    })
}

/// Starts the writer thread over `sink`; the thread ends when every [`Store`] is dropped.
pub fn spawn(
    sink: Box<dyn Sink + Send>,
    sides: StoredSides,
    registry: Arc<Registry>,
    stream: String,
    max_line_bytes: usize,
) -> io::Result<(Store, std::thread::JoinHandle<()>)> {
    let (jobs, mut rx) = mpsc::channel::<Job>(4);
    let handle = std::thread::Builder::new()
        .name("postgres".into())
        .spawn(move || {
            let mut sink = sink;
            while let Some(job) = rx.blocking_recv() {
                let result = write(&registry, &mut *sink, &stream, max_line_bytes, &job.items)
                    .map_err(|e| e.to_string());
                // The loop may have stopped waiting (shutdown): nothing was acked then.
                let _ = job.reply.send(result);
            }
        })?;
    Ok((Store { sides, jobs }, handle))
}

fn write(
    registry: &Registry,
    sink: &mut dyn Sink,
    stream: &str,
    max_line_bytes: usize,
    items: &[Item],
) -> io::Result<()> {
    for item in items {
        let origin = Origin {
            stream,
            stream_created_ns: 0,
            subject: &item.subject,
            sequence: item.sequence,
        };
        match &item.checked.verdict {
            Verdict::Invalid(invalid) => {
                sink.invalid(&bad_row(&origin, &item.checked, invalid, max_line_bytes))?;
            }
            valid => {
                let body: &Bytes = &item.checked.body;
                let at = eventcat_engine::At::Stream {
                    stream: stream.into(),
                    subject: item.subject.as_str().into(),
                    sequence: item.sequence,
                };
                deliver(registry, sink, at, Some(body), body.len() as u64, valid)?;
            }
        }
    }
    sink.flush()
}
