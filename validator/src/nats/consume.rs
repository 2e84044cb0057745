//! The consumer loop: take a batch of messages from the durable pull consumer, validate them
//! (in parallel with `--threads`), publish each one's output, wait for JetStream to
//! acknowledge every publish, then ack each input whose output is stored, and nak (with a
//! growing delay) each one whose output is not.
//!
//! With `--good postgres://...` (or `--bad`), that side's messages are written to PostgreSQL
//! instead (see [`super::store`]): one commit per batch, awaited like the publish acks.
//!
//! An input is acked only after its output is stored, so a validator that dies loses nothing:
//! JetStream redelivers what it had not acked (after the ack wait) to any validator on the same
//! durable consumer, and the output's `Nats-Msg-Id` makes the second publish a duplicate that
//! the output stream drops.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_nats::Subject;
use async_nats::jetstream::{
    AckKind, Context, Message, consumer::PullConsumer, context::PublishAckFuture,
};
use eventcat_engine::Registry;
use futures_util::{FutureExt, StreamExt};

use super::output::{MsgId, Origin, Side, check_message, output};
use super::store::{Item, Job, Store};
use crate::lock;

/// How the loop works.
#[derive(Debug, Clone)]
pub struct ConsumeOptions {
    /// The most messages validated and published together.
    pub batch: usize,
    /// Threads validating a batch (1: inline).
    pub threads: usize,
    pub max_line_bytes: usize,
    pub msg_id: MsgId,
    /// The delay before the first redelivery of a message whose output failed; doubled on each
    /// further delivery, up to `max_nak_delay`.
    pub nak_delay: Duration,
    pub max_nak_delay: Duration,
    /// Stop when no message came for this long (draining a backlog, benchmarks, tests).
    pub stop_when_idle: Option<Duration>,
}

/// Where outputs go and whose inputs these are.
#[derive(Debug, Clone)]
pub struct Route {
    pub stream: String,
    pub stream_created_ns: i128,
    pub good_subject: String,
    pub bad_subject: String,
}

/// What a run did, printed when it stops.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Stats {
    /// Inputs acked (their output is stored).
    pub acked: u64,
    pub good: u64,
    pub bad: u64,
    /// Outputs the output stream dropped as duplicates (inputs redelivered after an earlier
    /// attempt had stored them).
    pub duplicates: u64,
    /// Inputs delivered more than once.
    pub redelivered: u64,
    /// Inputs naked because their output could not be stored (retried later).
    pub naked: u64,
    /// From the first message received to the last ack, in seconds.
    pub elapsed_seconds: f64,
    /// When the first message was received and the last one acked (Unix time, seconds): runs
    /// of several validators are timed from the first start to the last finish.
    pub first_message_at: Option<f64>,
    pub last_ack_at: Option<f64>,
    /// This process's CPU time (user + system, every thread) from the first message on, in
    /// seconds: the cost of the work, without start-up (compiling the schemas).
    pub cpu_seconds: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum ConsumeError {
    #[error("cannot read from the consumer: {0}")]
    Messages(String),
    #[error("cannot start {0} validation threads: {1}")]
    Threads(usize, String),
}

/// Consumes until `shutdown` resolves (or, with `stop_when_idle`, the consumer is idle), then
/// finishes the messages it holds and returns.
pub async fn consume(
    js: Context,
    consumer: PullConsumer,
    registry: Arc<Registry>,
    route: Route,
    options: ConsumeOptions,
    store: Option<Store>,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<Stats, ConsumeError> {
    let pool = if options.threads > 1 {
        Some(
            rayon::ThreadPoolBuilder::new()
                .num_threads(options.threads)
                .thread_name(|i| format!("validate-{i}"))
                .build()
                .map_err(|e| ConsumeError::Threads(options.threads, e.to_string()))?,
        )
    } else {
        None
    };
    let mut worker = Worker {
        js,
        registry,
        good: Subject::from(route.good_subject.as_str()),
        bad: Subject::from(route.bad_subject.as_str()),
        route,
        options,
        pool,
        stats: Stats::default(),
        first: None,
        last: None,
        cpu_at_first: 0.0,
        in_flight: Default::default(),
        store,
        redelivery: Arc::default(),
    };
    let mut messages = open(&consumer, worker.options.batch).await?;
    tokio::pin!(shutdown);
    let mut stopping = false;
    while !stopping {
        let idle = worker
            .options
            .stop_when_idle
            .unwrap_or(Duration::from_secs(3600));
        let first = tokio::select! {
            biased;
            () = &mut shutdown => break,
            next = tokio::time::timeout(idle, messages.next()) => match next {
                Err(_) if worker.options.stop_when_idle.is_some() => {
                    // Idle, unless a batch in flight naks its messages, or naked ones are
                    // still to come back: a drain ends when they are stored too.
                    worker.settle_all().await;
                    match *lock(&worker.redelivery) {
                        Some(due) if Instant::now() < due => continue,
                        _ => break,
                    }
                }
                Err(_) => continue,
                Ok(None) => {
                    eprintln!("nats: the consumer's message stream ended; opening it again");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    messages = open(&consumer, worker.options.batch).await?;
                    continue;
                }
                Ok(Some(Err(error))) => {
                    eprintln!("nats: {error}");
                    continue;
                }
                Ok(Some(Ok(message))) => message,
            },
        };
        let mut held = vec![first];
        // Whatever else has already arrived, up to a batch, without waiting.
        while held.len() < worker.options.batch {
            match messages.next().now_or_never() {
                Some(Some(Ok(message))) => held.push(message),
                Some(Some(Err(error))) => eprintln!("nats: {error}"),
                Some(None) | None => break,
            }
        }
        // Stopping (SIGTERM): finish what is held, buffered ones included.
        if (&mut shutdown).now_or_never().is_some() {
            stopping = true;
            while let Some(Some(Ok(message))) = messages.next().now_or_never() {
                held.push(message);
            }
        }
        worker.process(held).await;
    }
    worker.settle_all().await;
    drop(messages);
    // The acks are sent before the connection goes.
    let _ = worker.js.client().flush().await;
    let mut stats = worker.stats;
    if let (Some((first, first_at)), Some((last, last_at))) = (worker.first, worker.last) {
        stats.elapsed_seconds = (last - first).as_secs_f64();
        stats.first_message_at = Some(first_at);
        stats.last_ack_at = Some(last_at);
        stats.cpu_seconds = cpu_seconds().unwrap_or(f64::NAN) - worker.cpu_at_first;
    }
    Ok(stats)
}

async fn open(
    consumer: &PullConsumer,
    batch: usize,
) -> Result<async_nats::jetstream::consumer::pull::Stream, ConsumeError> {
    consumer
        .stream()
        .max_messages_per_batch(batch.max(1))
        .heartbeat(Duration::from_secs(5))
        .expires(Duration::from_secs(30))
        .messages()
        .await
        .map_err(|e| ConsumeError::Messages(e.to_string()))
}

struct Worker {
    js: Context,
    registry: Arc<Registry>,
    route: Route,
    good: Subject,
    bad: Subject,
    options: ConsumeOptions,
    pool: Option<rayon::ThreadPool>,
    stats: Stats,
    first: Option<(Instant, f64)>,
    last: Option<(Instant, f64)>,
    cpu_at_first: f64,
    in_flight: std::collections::VecDeque<tokio::task::JoinHandle<(Stats, (Instant, f64))>>,
    store: Option<Store>,
    /// When the last message naked so far is due back.
    redelivery: Arc<Mutex<Option<Instant>>>,
}

/// A validated message: published to its side's subject, or for the database.
enum Validated {
    Publish(super::output::Output),
    Store(Side, super::output::Checked),
}

impl Worker {
    async fn process(&mut self, held: Vec<Message>) {
        if self.first.is_none() {
            self.first = Some((Instant::now(), unix_now()));
            self.cpu_at_first = cpu_seconds().unwrap_or(0.0);
        }
        let registry = &*self.registry;
        let route = &self.route;
        let options = &self.options;
        let stored = self.store.as_ref().map(|store| store.sides);
        let validate = |message: &Message| {
            let info = message.info().ok()?;
            let origin = Origin {
                stream: &route.stream,
                stream_created_ns: route.stream_created_ns,
                subject: message.subject.as_str(),
                sequence: info.stream_sequence,
            };
            let checked = check_message(registry, &message.payload, options.max_line_bytes);
            let side = checked.side();
            let to_store = stored.is_some_and(|sides| match side {
                Side::Good => sides.good,
                Side::Bad => sides.bad,
            });
            let validated = if to_store {
                Validated::Store(side, checked)
            } else {
                Validated::Publish(output(
                    registry,
                    &origin,
                    &checked,
                    options.max_line_bytes,
                    options.msg_id,
                ))
            };
            Some((validated, info.stream_sequence, info.delivered))
        };
        let outputs: Vec<_> = match &self.pool {
            Some(pool) => pool.install(|| {
                use rayon::prelude::*;
                held.par_iter().map(validate).collect()
            }),
            None => held.iter().map(validate).collect(),
        };

        let mut pending = Vec::with_capacity(held.len());
        let mut items = Vec::new();
        for (message, output) in held.iter().zip(outputs) {
            let Some((output, sequence, delivered)) = output else {
                pending.push(Pending::NoMetadata);
                continue;
            };
            let output = match output {
                Validated::Store(side, checked) => {
                    items.push(Item {
                        subject: message.subject.to_string(),
                        sequence,
                        checked,
                    });
                    pending.push(Pending::Stored(side, delivered));
                    continue;
                }
                Validated::Publish(output) => output,
            };
            let subject = match output.side {
                Side::Good => self.good.clone(),
                Side::Bad => self.bad.clone(),
            };
            pending.push(match self.js.send_publish(subject, output.message).await {
                Ok(ack) => Pending::Published(ack, output.side, delivered),
                Err(error) => Pending::Failed(error.to_string(), delivered),
            });
        }
        // The database's commit of this batch, awaited with the publish acks.
        let committed = match (&self.store, items.is_empty()) {
            (Some(store), false) => {
                let (reply, committed) = tokio::sync::oneshot::channel();
                // A writer that has stopped drops the job: its reply never comes, the inputs
                // are naked.
                let _ = store.jobs.send(Job { items, reply }).await;
                Some(committed)
            }
            _ => None,
        };
        // The acks are awaited (and the inputs acked) by a task of their own, so the next
        // batch is validated meanwhile; at most PIPELINE batches are in flight.
        let naks = NakPolicy {
            first: self.options.nak_delay,
            max: self.options.max_nak_delay,
        };
        self.in_flight.push_back(tokio::spawn(settle(
            held,
            pending,
            committed,
            naks,
            self.redelivery.clone(),
        )));
        while self.in_flight.len() >= PIPELINE {
            self.settle_one().await;
        }
    }

    /// Waits for the oldest batch in flight.
    async fn settle_one(&mut self) {
        if let Some(task) = self.in_flight.pop_front() {
            match task.await {
                Ok((done, at)) => {
                    self.stats.absorb(&done);
                    self.last = Some(at);
                }
                Err(error) => eprintln!("consume: a batch's acks were lost: {error}"),
            }
        }
    }

    /// Waits for every batch in flight.
    async fn settle_all(&mut self) {
        while !self.in_flight.is_empty() {
            self.settle_one().await;
        }
    }
}

/// Batches whose acks are awaited at once: one being settled while the next is validated.
const PIPELINE: usize = 2;

/// One input's publish, as it stands.
enum Pending {
    /// Published; the ack is to come. With the side and the delivery count.
    Published(PublishAckFuture, Side, i64),
    /// Could not even be sent.
    Failed(String, i64),
    /// Given to the database with the batch; stored when the batch's commit succeeds.
    Stored(Side, i64),
    /// Not a message of a JetStream consumer (no reply subject).
    NoMetadata,
}

#[derive(Debug, Clone, Copy)]
struct NakPolicy {
    first: Duration,
    max: Duration,
}

impl NakPolicy {
    /// `first × 2^(delivered − 1)`, at most `max`.
    fn delay(self, delivered: i64) -> Duration {
        let doublings = u32::try_from(delivered.saturating_sub(1))
            .unwrap_or(0)
            .min(20);
        (self.first * 2u32.pow(doublings)).min(self.max)
    }
}

impl Stats {
    fn absorb(&mut self, other: &Stats) {
        self.acked += other.acked;
        self.good += other.good;
        self.bad += other.bad;
        self.duplicates += other.duplicates;
        self.redelivered += other.redelivered;
        self.naked += other.naked;
    }
}

/// Waits for a batch's publish acks, then acks each input whose output is stored and naks
/// the others (to come back after a delay). Returns what it counted, and when it was done.
async fn settle(
    held: Vec<Message>,
    pending: Vec<Pending>,
    committed: Option<tokio::sync::oneshot::Receiver<Result<(), String>>>,
    naks: NakPolicy,
    redelivery: Arc<Mutex<Option<Instant>>>,
) -> (Stats, (Instant, f64)) {
    let mut stats = Stats::default();
    let committed = match committed {
        Some(reply) => reply
            .await
            .unwrap_or_else(|_| Err("the PostgreSQL writer stopped".to_owned()))
            .map_err(|e| format!("not committed: {e}")),
        None => Ok(()),
    };
    let committed = &committed;
    let results = futures_util::future::join_all(pending.into_iter().map(|p| async move {
        match p {
            Pending::Published(ack, side, delivered) => (
                ack.await
                    .map(|ack| (ack.duplicate, side))
                    .map_err(|e| e.to_string()),
                delivered,
            ),
            Pending::Stored(side, delivered) => {
                (committed.clone().map(|()| (false, side)), delivered)
            }
            Pending::Failed(error, delivered) => (Err(error), delivered),
            Pending::NoMetadata => (Err(String::new()), 0),
        }
    }))
    .await;
    let mut failed: Option<(u64, String, Duration)> = None;
    for (message, (result, delivered)) in held.iter().zip(results) {
        if delivered > 1 {
            stats.redelivered += 1;
        }
        match result {
            Ok((duplicate, side)) => {
                match side {
                    Side::Good => stats.good += 1,
                    Side::Bad => stats.bad += 1,
                }
                stats.duplicates += u64::from(duplicate);
                match message.ack().await {
                    Ok(()) => stats.acked += 1,
                    // Redelivered after the ack wait; its output is then a duplicate.
                    Err(error) => eprintln!("nats: cannot ack: {error}"),
                }
            }
            Err(_) if delivered == 0 => {
                // Nothing to ack or redeliver. Said, never silently dropped.
                eprintln!(
                    "nats: a message on {} without JetStream metadata was skipped",
                    message.subject
                );
            }
            Err(error) => {
                let delay = naks.delay(delivered);
                let _ = message.ack_with(AckKind::Nak(Some(delay))).await;
                let due = Instant::now() + delay;
                let mut last = lock(&redelivery);
                *last = Some(last.map_or(due, |last| last.max(due)));
                drop(last);
                stats.naked += 1;
                failed.get_or_insert((0, error, delay)).0 += 1;
            }
        }
    }
    if let Some((count, error, delay)) = failed {
        eprintln!(
            "nats: {count} output(s) not stored ({error}); their inputs are naked, retried in {delay:?} or later"
        );
    }
    (stats, (Instant::now(), unix_now()))
}

fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// User + system CPU time of this process, every thread, from `/proc/self/stat` (in clock
/// ticks of USER_HZ, which Linux fixes at 100 for user space).
pub fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn cpu_time_is_read() {
        let mut x = 0u64;
        for i in 0..50_000_000u64 {
            x = x.wrapping_add(i * i);
        }
        assert!(x > 0);
        assert!(super::cpu_seconds().unwrap() > 0.0);
    }
}
