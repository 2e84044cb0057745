//! Validation as a stage of a NATS JetStream stream: `eventcat-validate consume` reads raw
//! events from a durable pull consumer and publishes each one, validated, to a good subject or
//! as a bad row to a bad subject; `eventcat-validate publish` puts NDJSON lines into a stream.
//! See docs/jetstream.md for the path, the guarantees and how it scales.
//!
//! - [`connect`]: URLs, authentication and TLS, secrets from files or the environment;
//! - [`topology`]: the streams and the consumer, created (`--create`) or checked;
//! - [`output`]: what a message becomes (event or bad row) and its `Nats-Msg-Id`;
//! - [`consume`]: the loop (batches, acks, naks with backoff, SIGTERM);
//! - [`publish`]: lines into a subject;
//! - [`sink`]: a synchronous `Sink` publishing good events and bad rows (for `serve`);
//! - [`store`]: `--good postgres://...`/`--bad postgres://...`, a side stored in PostgreSQL.

pub mod connect;
pub mod consume;
pub mod output;
pub mod publish;
pub mod sink;
pub mod store;
pub mod topology;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use eventcat_engine::Registry;

pub use connect::ConnectArgs;

/// `eventcat-validate consume`.
#[derive(Debug, Clone, clap::Args)]
pub struct ConsumeArgs {
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// The input stream.
    #[arg(long, default_value = "EVENTS", value_name = "NAME")]
    pub stream: String,
    /// The subject raw events are published on (the consumer's filter).
    #[arg(long, default_value = "events.raw", value_name = "SUBJECT")]
    pub subject: String,
    /// The durable consumer every validator process shares.
    #[arg(long, default_value = "validator", value_name = "NAME")]
    pub durable: String,
    /// Valid events are published here, unchanged.
    #[arg(long, default_value = "events.good", value_name = "SUBJECT")]
    pub good_subject: String,
    /// A bad row (JSON) for every other message is published here.
    #[arg(long, default_value = "events.bad", value_name = "SUBJECT")]
    pub bad_subject: String,
    /// Store valid events in the catalog's PostgreSQL tables (`postgres://...`) instead of
    /// publishing them to --good-subject; an input is acked once its row is committed.
    #[arg(long, value_name = "postgres://...", value_parser = parse_postgres_url)]
    pub good: Option<String>,
    /// Store bad rows in PostgreSQL's eventcat.bad_events (`postgres://...`) instead of
    /// publishing them to --bad-subject.
    #[arg(long, value_name = "postgres://...", value_parser = parse_postgres_url)]
    pub bad: Option<String>,
    /// The stream that stores the good subject (checked; created with --create).
    #[arg(long, default_value = "EVENTS_GOOD", value_name = "NAME")]
    pub good_stream: String,
    /// The stream that stores the bad subject (may be the good one).
    #[arg(long, default_value = "EVENTS_BAD", value_name = "NAME")]
    pub bad_stream: String,
    /// Create the streams and the consumer when missing, and set the consumer's options;
    /// without it they must exist and fit.
    #[arg(long)]
    pub create: bool,
    /// The duplicate window of created output streams: a redelivered input is published
    /// once if it comes back within it.
    #[arg(long, default_value = "2m", value_parser = parse_duration, value_name = "DURATION")]
    pub duplicate_window: Duration,
    /// Messages validated and published together.
    #[arg(long, default_value_t = 256, value_name = "N")]
    pub batch: usize,
    /// Messages the consumer hands out unacked, over every validator [created: 4096].
    #[arg(long, value_name = "N")]
    pub max_ack_pending: Option<i64>,
    /// Deliveries of one message before JetStream gives up on it (-1: never) [created: -1].
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub max_deliver: Option<i64>,
    /// How long a delivered message may stay unacked before it is redelivered [created: 30s].
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub ack_wait: Option<Duration>,
    /// How long to wait for JetStream to acknowledge a publish before the input is naked.
    #[arg(long, default_value = "5s", value_parser = parse_duration, value_name = "DURATION")]
    pub publish_timeout: Duration,
    /// Delay before a naked message comes back; doubled on each further delivery, up to 1m.
    #[arg(long, default_value = "1s", value_parser = parse_duration, value_name = "DURATION")]
    pub nak_delay: Duration,
    /// Threads validating a batch (0: every core).
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub threads: usize,
    /// Nats-Msg-Id of good events: the input's stream sequence, or its `event_id`.
    #[arg(long, value_enum, default_value_t = output::MsgId::Sequence)]
    pub msg_id: output::MsgId,
    /// Messages longer than this are bad rows (`input:too_long`) without their payload.
    #[arg(long, default_value_t = eventcat_engine::DEFAULT_MAX_LINE_BYTES, value_name = "BYTES")]
    pub max_line_bytes: usize,
    /// Stop once no message came for this long (drain a backlog and exit), and no message
    /// this run naked is still to come back.
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub stop_when_idle: Option<Duration>,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

/// Which schemas to validate against (the embedded ones unless told).
#[derive(Debug, Clone, clap::Args)]
pub struct RegistryArgs {
    /// Use the schemas in DIR (`<event>/<version>.json`) instead of the embedded ones.
    #[arg(long, value_name = "DIR", conflicts_with = "catalog")]
    pub schemas: Option<PathBuf>,
    /// Compile the schemas of the catalog in DIR instead of using the embedded ones.
    #[arg(long, value_name = "DIR")]
    pub catalog: Option<PathBuf>,
}

impl RegistryArgs {
    pub fn registry(&self) -> Result<Registry, Box<dyn std::error::Error>> {
        Ok(match (&self.schemas, &self.catalog) {
            (Some(dir), _) => Registry::from_dir(dir)?,
            (_, Some(dir)) => eventcat::validate::catalog_registry(dir)?,
            _ => crate::embedded_registry()?,
        })
    }
}

/// `eventcat-validate publish`.
#[derive(Debug, Clone, clap::Args)]
pub struct PublishArgs {
    /// NDJSON files (`-` for stdin; stdin when none): one message a line.
    pub files: Vec<String>,
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// The subject to publish on.
    #[arg(long, default_value = "events.raw", value_name = "SUBJECT")]
    pub subject: String,
    /// Create this stream on the subject when no stream captures it.
    #[arg(long, value_name = "NAME")]
    pub create_stream: Option<String>,
    /// Publishes awaiting their acknowledgement at once.
    #[arg(long, default_value_t = 4096, value_name = "N")]
    pub window: usize,
    /// Give each message `Nats-Msg-Id: PREFIX.<file index>.<line>` (publishing the same
    /// files again within the duplicate window then stores nothing twice).
    #[arg(long, value_name = "PREFIX")]
    pub msg_id_prefix: Option<String>,
}

/// `consume`'s `--good`/`--bad`: a PostgreSQL URL (the outputs published to JetStream are
/// named by `--good-subject`/`--bad-subject`).
fn parse_postgres_url(text: &str) -> Result<String, String> {
    if text.starts_with("postgres://") || text.starts_with("postgresql://") {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "{text:?}: consume stores a side in PostgreSQL (postgres://...); to publish it, \
             name its subject with --good-subject/--bad-subject"
        ))
    }
}

/// `5s`, `250ms`, `2m`, `1h`, or a number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration (like 500ms, 5s, 2m)"))?;
    let seconds = match unit {
        "ms" => number / 1000.0,
        "" | "s" => number,
        "m" => number * 60.0,
        "h" => number * 3600.0,
        _ => return Err(format!("{text:?}: unknown unit {unit:?} (ms, s, m, h)")),
    };
    Duration::try_from_secs_f64(seconds).map_err(|e| format!("{text:?}: {e}"))
}

/// A tokio runtime on the calling thread alone: the NATS connection, the publish acks and the
/// validation take turns there. Measured with `scripts/bench-jetstream.sh`, this costs about a
/// third less CPU per event than a worker thread for the connection (which woke the other
/// thread for every publish), at the same throughput; `--threads` still validates a batch on
/// a pool of its own.
fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

/// Resolves on SIGTERM or SIGINT.
async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).ok();
    let term = async {
        match term.as_mut() {
            Some(term) => {
                term.recv().await;
            }
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        () = term => eprintln!("consume: SIGTERM, finishing the messages held"),
        _ = tokio::signal::ctrl_c() => eprintln!("consume: interrupted, finishing the messages held"),
    }
}

/// Runs `consume`; prints its statistics as one JSON line on stdout when it stops.
pub fn run_consume(args: ConsumeArgs) -> Result<(), Box<dyn std::error::Error>> {
    let registry = Arc::new(args.registry.registry()?);
    let threads = eventcat_engine::thread_count(args.threads);
    // The database is connected to before the runtime starts (its client blocks).
    let store = match (args.good.is_some() || args.bad.is_some()).then(|| {
        store::open(args.good.as_deref(), args.bad.as_deref()).map_err(|e| format!("consume: {e}"))
    }) {
        Some(sink) => Some(store::spawn(
            sink?,
            store::StoredSides {
                good: args.good.is_some(),
                bad: args.bad.is_some(),
            },
            registry.clone(),
            args.stream.clone(),
            args.max_line_bytes,
        )?),
        None => None,
    };
    let (store, writer) = match store {
        Some((store, writer)) => (Some(store), Some(writer)),
        None => (None, None),
    };
    let result = runtime()?.block_on(async move {
        let client = args.connect.connect(Duration::from_secs(30)).await?;
        let js = topology::context(client, args.publish_timeout, args.batch.max(1) * 4);
        let t = topology::Topology {
            stream: args.stream.clone(),
            subject: args.subject.clone(),
            durable: args.durable.clone(),
            good_stream: args.good_stream.clone(),
            good_subject: args.good_subject.clone(),
            bad_stream: args.bad_stream.clone(),
            bad_subject: args.bad_subject.clone(),
            publish_good: args.good.is_none(),
            publish_bad: args.bad.is_none(),
            create: args.create,
            consumer: topology::ConsumerSettings {
                ack_wait: args.ack_wait,
                max_deliver: args.max_deliver,
                max_ack_pending: args.max_ack_pending,
            },
            duplicate_window: args.duplicate_window,
        };
        let (consumer, created) = with_retries(|| topology::prepare(&js, &t)).await?;
        let info = consumer.cached_info();
        let shown = |url: &Option<String>, subject: &str| match url {
            Some(_) => "PostgreSQL".to_owned(),
            None => subject.to_owned(),
        };
        eprintln!(
            "consume: {} on {} ({}) → {} / {}; ack wait {:?}, max deliver {}, max ack pending {}, batch {}, {} thread(s)",
            t.durable,
            t.stream,
            t.subject,
            shown(&args.good, &t.good_subject),
            shown(&args.bad, &t.bad_subject),
            info.config.ack_wait,
            info.config.max_deliver,
            info.config.max_ack_pending,
            args.batch,
            threads
        );
        let route = consume::Route {
            stream: t.stream.clone(),
            stream_created_ns: created,
            good_subject: t.good_subject.clone(),
            bad_subject: t.bad_subject.clone(),
        };
        let options = consume::ConsumeOptions {
            batch: args.batch.max(1),
            threads,
            max_line_bytes: args.max_line_bytes,
            msg_id: args.msg_id,
            nak_delay: args.nak_delay,
            max_nak_delay: Duration::from_secs(60),
            stop_when_idle: args.stop_when_idle,
        };
        let stats = consume::consume(
            js,
            consumer,
            registry,
            route,
            options,
            store,
            shutdown_signal(),
        )
        .await?;
        // Not println!: a closed stdout is an error for main to judge, not a panic.
        let line = serde_json::to_string(&stats)?;
        std::io::Write::write_all(&mut std::io::stdout().lock(), format!("{line}\n").as_bytes())?;
        Ok::<(), Box<dyn std::error::Error>>(())
    });
    // Every batch was settled: the writer has nothing left and ends with its channel.
    if let Some(writer) = writer {
        writer
            .join()
            .map_err(|_| "the PostgreSQL writer thread panicked".to_owned())?;
    }
    result
}

/// Setting up waits for a server that is starting (or restarting): a few tries, a second
/// apart, for JetStream errors that say "not yet" rather than "no".
async fn with_retries<T, F, Fut>(mut f: F) -> Result<T, topology::TopologyError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, topology::TopologyError>>,
{
    let mut tries = 0;
    loop {
        match f().await {
            Err(topology::TopologyError::JetStream(error)) if tries < 30 => {
                tries += 1;
                if tries == 1 {
                    eprintln!("consume: JetStream not ready ({error}); retrying");
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            other => return other,
        }
    }
}

/// Runs `publish`; prints what it stored as one JSON line on stdout.
pub fn run_publish(args: PublishArgs) -> Result<(), Box<dyn std::error::Error>> {
    runtime()?.block_on(async move {
        let client = args.connect.connect(Duration::from_secs(30)).await?;
        let js = topology::context(client, Duration::from_secs(10), args.window);
        if let Some(name) = &args.create_stream {
            js.get_or_create_stream(async_nats::jetstream::stream::Config {
                name: name.clone(),
                subjects: vec![args.subject.clone()],
                storage: async_nats::jetstream::stream::StorageType::File,
                ..Default::default()
            })
            .await?;
        }
        let files = if args.files.is_empty() {
            vec!["-".to_owned()]
        } else {
            args.files.clone()
        };
        let done = publish::publish(
            &js,
            &args.subject,
            &files,
            args.window,
            args.msg_id_prefix.as_deref(),
        )
        .await?;
        // Not println!: a closed stdout is an error for main to judge, not a panic.
        let line = serde_json::to_string(&done)?;
        std::io::Write::write_all(
            &mut std::io::stdout().lock(),
            format!("{line}\n").as_bytes(),
        )?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_people_write_them() {
        for (text, expected) in [
            ("5s", Some(Duration::from_secs(5))),
            ("250ms", Some(Duration::from_millis(250))),
            ("2m", Some(Duration::from_secs(120))),
            ("1h", Some(Duration::from_secs(3600))),
            ("1.5", Some(Duration::from_millis(1500))),
            ("5x", None),
            ("s", None),
            ("-1s", None),
        ] {
            assert_eq!(parse_duration(text).ok(), expected, "{text}");
        }
    }
}
