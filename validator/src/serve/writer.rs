//! The one thread that writes: every request's events go through it to the outputs and the
//! store, in the order requests were validated.
//!
//! Why a thread: a [`Sink`] is synchronous (it blocks on a file, and later on a broker's
//! acknowledgement or a database commit), so it must not run on the async runtime's workers.
//! A handler validates its request, sends the batch here through a bounded channel (a full
//! channel holds handlers back: backpressure instead of unbounded memory) and waits on a
//! oneshot reply. The writer hands every event to the sink with the engine's
//! [`deliver`](eventcat_engine::deliver), calls [`Sink::flush`] once per request, and only
//! then puts the events in the store and replies; so the `200` a client gets means its events
//! are in the outputs (written to the operating system for files), and a sink that blocks in
//! `flush` until a broker or database has them (JetStream, PostgreSQL) plugs in unchanged.
//! On shutdown, [`Job::Close`] comes after the last request: the sink is flushed and dropped.

use std::io;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use eventcat_engine::{At, Good, Sink, Verdict, deliver};
use tokio::sync::{mpsc, oneshot};

use super::args::OnInvalid;
use super::ingest::Checked;
use super::metrics::Metrics;
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
    pub events: Vec<Checked>,
    /// `Ok` once every event is written and flushed.
    pub reply: oneshot::Sender<io::Result<()>>,
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
    let (tx, mut rx) = mpsc::channel::<Job>(64);
    let handle = std::thread::Builder::new()
        .name("writer".into())
        .spawn(move || {
            let mut writer = Writer {
                sink,
                store,
                metrics,
                on_invalid,
            };
            while let Some(job) = rx.blocking_recv() {
                match job {
                    Job::Batch(batch) => writer.write(batch),
                    Job::Close => break,
                }
            }
            writer.sink.flush()
        })?;
    Ok((tx, handle))
}

struct Writer {
    sink: Box<dyn Sink + Send>,
    store: Arc<Mutex<Store>>,
    metrics: Arc<Metrics>,
    on_invalid: OnInvalid,
}

impl Writer {
    fn write(&mut self, batch: Batch) {
        let result = self.deliver(&batch).and_then(|()| self.sink.flush());
        if result.is_ok() {
            self.metrics.events(&batch.loaded.registry, &batch.events);
            self.remember(&batch);
        } else if let Err(error) = &result {
            tracing::error!(request_id = %batch.request_id, %error, "cannot write the outputs");
        }
        // The handler may have gone (its client hung up); the events are written all the same.
        let _ = batch.reply.send(result);
    }

    fn deliver(&mut self, batch: &Batch) -> io::Result<()> {
        let registry = &batch.loaded.registry;
        for (index, event) in batch.events.iter().enumerate() {
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

    fn remember(&self, batch: &Batch) {
        let registry = &batch.loaded.registry;
        let mut store = self.store.lock().unwrap_or_else(|e| e.into_inner());
        for (index, event) in batch.events.iter().enumerate() {
            let payload = String::from_utf8_lossy(&batch.body[event.range.clone()]).into_owned();
            let (valid, name, version, errors) = match &event.verdict {
                Verdict::Valid { schema } => {
                    let schema = registry.schema(*schema);
                    (
                        true,
                        Some(schema.event.clone()),
                        Some(schema.version.clone()),
                        Vec::new(),
                    )
                }
                Verdict::Invalid(invalid) => (
                    false,
                    invalid.event.clone(),
                    invalid.version.clone(),
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
