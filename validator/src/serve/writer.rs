//! The one thread that writes: every request's events go through it to the outputs and the
//! store, in the order requests were validated.
//!
//! Why a thread: a [`Sink`] is synchronous (it blocks on a file, and later on a broker's
//! acknowledgement or a database commit), so it must not run on the async runtime's workers.
//! A handler validates its request, sends the batch here through a bounded channel (a full
//! channel holds handlers back: backpressure instead of unbounded memory) and waits on a
//! oneshot reply. The writer takes every batch waiting in the channel at once (a group
//! commit: one flush, and one `fsync` with `--fsync`, for all of them), hands every event to
//! the sink with the engine's [`deliver`](eventcat_engine::deliver), calls [`Sink::flush`],
//! and only then puts the events in the store and the dedupe window and replies; so the `200`
//! a client gets means its events are in the outputs (written to the operating system for
//! files, on disk with `--fsync`), and a sink that blocks in `flush` until a broker or
//! database has them (JetStream, PostgreSQL) plugs in unchanged. A good event whose
//! `event_id` the dedupe window holds is not written again (see [`super::dedupe`]).
//! On shutdown, [`Job::Close`] comes after the last request: the sink is flushed and dropped.

use std::io;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use eventcat_engine::{At, Good, Sink, Verdict, deliver};
use tokio::sync::{mpsc, oneshot};

use super::args::OnInvalid;
use super::dedupe::{Key, KeySet};
use super::ingest::Checked;
use super::metrics::{EventCounters, Metrics};
use super::schemas::Loaded;
use super::store::{Store, Stored};

/// The key under which `--on-invalid forward` attaches an invalid event's errors.
pub const VIOLATIONS_KEY: &str = "eventcat_violations";

/// One request's events, validated.
#[derive(Debug)]
pub struct Batch {
    /// The registry the events were validated with (a reload may have replaced it since).
    pub loaded: Arc<Loaded>,
    pub request_id: Arc<str>,
    pub received_at: Arc<str>,
    pub body: Bytes,
    /// Shared with the handler, which answers from them once they are written.
    pub events: Arc<[Checked]>,
    /// `Ok` once every event is written and flushed.
    pub reply: oneshot::Sender<io::Result<Written>>,
}

/// What the writer did with a batch.
#[derive(Debug, Default)]
pub struct Written {
    /// The indexes of the good events not written because their `event_id` was in the dedupe
    /// window (or earlier in the same request), in order.
    pub duplicates: Vec<usize>,
}

#[derive(Debug)]
pub enum Job {
    Batch(Batch),
    /// No request comes after this one: flush and stop.
    Close,
}

/// Starts the writer; the handle's result is the last flush's.
pub fn spawn(
    sink: Box<dyn Sink + Send>,
    store: Arc<Mutex<Store>>,
    metrics: Arc<Metrics>,
    on_invalid: OnInvalid,
) -> io::Result<(mpsc::Sender<Job>, std::thread::JoinHandle<io::Result<()>>)> {
    let (tx, mut rx) = mpsc::channel::<Job>(QUEUE);
    let handle = std::thread::Builder::new()
        .name("writer".into())
        .spawn(move || {
            let mut writer = Writer {
                sink,
                store,
                counters: EventCounters::new(metrics),
                on_invalid,
                in_group: KeySet::default(),
            };
            let mut group = Vec::with_capacity(QUEUE);
            let mut closing = false;
            while !closing {
                match rx.blocking_recv() {
                    Some(Job::Batch(batch)) => group.push(batch),
                    Some(Job::Close) | None => break,
                }
                // Everything else already waiting goes in the same flush.
                while group.len() < QUEUE {
                    match rx.try_recv() {
                        Ok(Job::Batch(batch)) => group.push(batch),
                        Ok(Job::Close) => {
                            closing = true;
                            break;
                        }
                        Err(_) => break,
                    }
                }
                writer.write(&mut group);
            }
            writer.sink.flush()
        })?;
    Ok((tx, handle))
}

/// Batches waiting for the writer (and so the most in one group commit).
const QUEUE: usize = 64;

struct Writer {
    sink: Box<dyn Sink + Send>,
    store: Arc<Mutex<Store>>,
    counters: EventCounters,
    on_invalid: OnInvalid,
    /// The keys of one group's good events, kept between groups for its allocation.
    in_group: KeySet,
}

/// A batch being written: which of its events are duplicates, and the window keys of the
/// others, remembered once the flush succeeds.
struct Pending {
    batch: Batch,
    duplicates: Vec<usize>,
    keys: Vec<Key>,
}

impl Writer {
    /// Writes a group of batches with one flush, then answers each (drains `group`).
    fn write(&mut self, group: &mut Vec<Batch>) {
        let pending = self.find_duplicates(group.drain(..));
        let result = pending
            .iter()
            .try_for_each(|p| self.deliver(p))
            .and_then(|()| self.sink.flush());
        match result {
            Ok(()) => {
                {
                    let mut store = eventcat_validate::lock(&self.store);
                    for p in &pending {
                        for key in &p.keys {
                            store.window.insert(*key);
                        }
                        self.counters
                            .events(&p.batch.loaded, &p.batch.events, &p.duplicates);
                        remember(&mut store, p);
                    }
                }
                for p in pending {
                    // The handler may have gone (its client hung up); the events are written
                    // all the same, and a retry finds them in the dedupe window.
                    let _ = p.batch.reply.send(Ok(Written {
                        duplicates: p.duplicates,
                    }));
                }
            }
            Err(error) => {
                for p in pending {
                    tracing::error!(request_id = %p.batch.request_id, %error, "cannot write the outputs");
                    let _ = p
                        .batch
                        .reply
                        .send(Err(io::Error::new(error.kind(), error.to_string())));
                }
            }
        }
    }

    /// Which good events have an `event_id` already written (in the window, or earlier in
    /// this group): looked up, not yet remembered, so a failed write forgets nothing.
    fn find_duplicates(&mut self, batches: impl Iterator<Item = Batch>) -> Vec<Pending> {
        let store = eventcat_validate::lock(&self.store);
        let in_group = &mut self.in_group;
        in_group.clear();
        batches
            .map(|batch| {
                let mut duplicates = Vec::new();
                let mut keys = Vec::new();
                for (index, event) in batch.events.iter().enumerate() {
                    let key = match (&event.verdict, &event.event_id) {
                        (Verdict::Valid { .. }, Some(id)) => store.window.key(id),
                        _ => None,
                    };
                    if let Some(key) = key {
                        if store.window.contains(key) || !in_group.insert(key) {
                            duplicates.push(index);
                        } else {
                            keys.push(key);
                        }
                    }
                }
                Pending {
                    batch,
                    duplicates,
                    keys,
                }
            })
            .collect()
    }

    fn deliver(&mut self, pending: &Pending) -> io::Result<()> {
        let batch = &pending.batch;
        let registry = &batch.loaded.registry;
        let mut duplicates = pending.duplicates.iter().peekable();
        for (index, event) in batch.events.iter().enumerate() {
            if duplicates.next_if_eq(&&index).is_some() {
                continue;
            }
            let payload = &batch.body[event.range.clone()];
            let at = At::Request {
                request_id: batch.request_id.as_ref().into(),
                index: index as u64,
                received_at: batch.received_at.as_ref().into(),
            };
            deliver(
                registry,
                &mut *self.sink,
                at.clone(),
                Some(payload),
                payload.len() as u64,
                &event.verdict,
            )?;
            let forwarded = match (self.on_invalid, &event.verdict) {
                (OnInvalid::Forward, Verdict::Invalid(invalid)) => {
                    with_violations(payload, &invalid.errors).map(|p| (invalid, p))
                }
                _ => None,
            };
            if let Some((invalid, forwarded)) = forwarded {
                self.sink.valid(&Good {
                    at: &at,
                    event: invalid.event.as_deref().unwrap_or_default(),
                    version: invalid.version.as_deref().unwrap_or_default(),
                    payload: &forwarded,
                })?;
            }
        }
        Ok(())
    }
}

/// Puts a written batch's events in the store (the duplicates are only counted).
///
/// The payloads kept are copied once, together, into one buffer per request that their
/// entries slice: one allocation per request instead of one per event, and no more memory
/// than the payloads themselves (a slice of the whole body would keep the duplicates' bytes
/// too).
fn remember(store: &mut Store, pending: &Pending) {
    let batch = &pending.batch;
    let loaded = &batch.loaded;
    let kept = || not_duplicates(&batch.events, &pending.duplicates);
    let size = kept().map(|(_, e)| e.range.len()).sum();
    let mut copy = Vec::with_capacity(size);
    for (_, event) in kept() {
        copy.extend_from_slice(&batch.body[event.range.clone()]);
    }
    let copy = Bytes::from(copy);
    for _ in &pending.duplicates {
        store.duplicate();
    }
    let mut start = 0;
    for (index, event) in kept() {
        let payload = copy.slice(start..start + event.range.len());
        start += event.range.len();
        let (valid, name, version, errors) = match &event.verdict {
            Verdict::Valid { schema } => {
                let (name, version) = loaded.names(*schema);
                (true, Some(name.clone()), Some(version.clone()), Vec::new())
            }
            Verdict::Invalid(invalid) => (
                false,
                invalid.event.as_deref().map(Arc::from),
                invalid.version.as_deref().map(Arc::from),
                invalid.errors.clone(),
            ),
        };
        store.push(Stored {
            valid,
            request_id: batch.request_id.clone(),
            index: index as u64,
            received_at: batch.received_at.clone(),
            event: name,
            version,
            event_id: event.event_id.clone(),
            errors,
            payload,
        });
    }
}

/// The events of a batch that are not in `duplicates` (indexes, in order), with their index.
fn not_duplicates<'a>(
    events: &'a [Checked],
    duplicates: &'a [usize],
) -> impl Iterator<Item = (usize, &'a Checked)> + 'a {
    let mut duplicates = duplicates.iter().peekable();
    events
        .iter()
        .enumerate()
        .filter(move |(index, _)| duplicates.next_if_eq(&index).is_none())
}

/// An invalid payload that is a JSON object, with its errors attached under
/// [`VIOLATIONS_KEY`] (RudderStack's propagated violations); `None` for anything else, which
/// cannot carry them (it goes to the bad output only).
fn with_violations(payload: &[u8], errors: &[eventcat_engine::PayloadError]) -> Option<Vec<u8>> {
    let mut object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(payload).ok()?;
    object.insert(
        VIOLATIONS_KEY.to_owned(),
        serde_json::to_value(errors).ok()?,
    );
    serde_json::to_vec(&object).ok()
}
