//! The streams and the consumer the validator works on: created when missing (`--create`),
//! otherwise checked to fit, so a typo or a stream that would feed the validator its own output
//! stops it at start rather than losing events later.
//!
//! - the input stream (default `EVENTS` on `events.raw`), read by a durable pull consumer with
//!   explicit acks (default `validator`), shared by every validator process;
//! - the output streams (default `EVENTS_GOOD` on `events.good`, `EVENTS_BAD` on `events.bad`),
//!   with a duplicate window, which is what makes redelivered inputs come out once.

use std::time::Duration;

use async_nats::jetstream::{
    self, Context,
    consumer::{AckPolicy, PullConsumer, pull},
    stream::{self, StorageType, Stream},
};

/// Names and settings of the streams and the consumer.
#[derive(Debug, Clone)]
pub struct Topology {
    pub stream: String,
    pub subject: String,
    pub durable: String,
    pub good_stream: String,
    pub good_subject: String,
    pub bad_stream: String,
    pub bad_subject: String,
    /// Whether valid events (bad rows) are published to their subject; `false` when that
    /// side is stored elsewhere (PostgreSQL), so its stream is neither needed nor checked.
    pub publish_good: bool,
    pub publish_bad: bool,
    /// Create missing streams and the consumer (and update the consumer's settings).
    pub create: bool,
    pub consumer: ConsumerSettings,
    /// The output streams' duplicate window, when they are created.
    pub duplicate_window: Duration,
}

/// The consumer settings that can be chosen on the command line; `None` is "as the existing
/// consumer has it" (or the default when it is created).
#[derive(Debug, Clone, Default)]
pub struct ConsumerSettings {
    pub ack_wait: Option<Duration>,
    pub max_deliver: Option<i64>,
    pub max_ack_pending: Option<i64>,
}

/// Defaults of a created consumer.
pub const DEFAULT_ACK_WAIT: Duration = Duration::from_secs(30);
pub const DEFAULT_MAX_ACK_PENDING: i64 = 4096;
/// Unlimited: a message whose output cannot be published is retried until it can.
pub const DEFAULT_MAX_DELIVER: i64 = -1;

#[derive(Debug, thiserror::Error)]
pub enum TopologyError {
    #[error("stream {0} does not exist (pass --create to create it)")]
    NoStream(String),
    #[error("consumer {consumer} on stream {stream} does not exist (pass --create to create it)")]
    NoConsumer { stream: String, consumer: String },
    #[error("stream {stream} does not capture subject {subject} (its subjects: {subjects})")]
    NotCaptured {
        stream: String,
        subject: String,
        subjects: String,
    },
    #[error(
        "stream {stream} captures the output subject {subject}: the validator would read its own output"
    )]
    Loop { stream: String, subject: String },
    #[error("stream {stream} has no duplicate window: redelivered inputs would come out twice")]
    NoDuplicateWindow { stream: String },
    #[error(
        "consumer {consumer} does not fit: {why} (pass --create to update it, or pick another --durable)"
    )]
    Misfit { consumer: String, why: String },
    #[error("JetStream: {0}")]
    JetStream(String),
}

fn js_error(error: impl std::fmt::Display) -> TopologyError {
    TopologyError::JetStream(error.to_string())
}

/// Whether a subject filter (`*` one token, `>` the rest) matches a subject.
pub fn subject_matches(filter: &str, subject: &str) -> bool {
    let mut filter = filter.split('.');
    let mut subject = subject.split('.');
    loop {
        match (filter.next(), subject.next()) {
            (Some(">"), Some(_)) => return true,
            (Some("*"), Some(_)) => {}
            (Some(f), Some(s)) if f == s => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

/// The streams and the consumer, made or checked; returns the consumer and the input stream's
/// creation time (part of every output's message id).
pub async fn prepare(js: &Context, t: &Topology) -> Result<(PullConsumer, i128), TopologyError> {
    let mut input = stream(js, t, &t.stream, std::slice::from_ref(&t.subject), None).await?;
    let info = input.info().await.map_err(js_error)?.clone();
    for subject in [&t.good_subject, &t.bad_subject] {
        if info
            .config
            .subjects
            .iter()
            .any(|f| subject_matches(f, subject))
        {
            return Err(TopologyError::Loop {
                stream: t.stream.clone(),
                subject: subject.clone(),
            });
        }
    }
    if t.publish_good && t.publish_bad && t.good_stream == t.bad_stream {
        let subjects = [t.good_subject.clone(), t.bad_subject.clone()];
        stream(js, t, &t.good_stream, &subjects, Some(t.duplicate_window)).await?;
    } else {
        if t.publish_good {
            let good = std::slice::from_ref(&t.good_subject);
            stream(js, t, &t.good_stream, good, Some(t.duplicate_window)).await?;
        }
        if t.publish_bad {
            let bad = std::slice::from_ref(&t.bad_subject);
            stream(js, t, &t.bad_stream, bad, Some(t.duplicate_window)).await?;
        }
    }
    let consumer = consumer(&input, t, info.config.subjects.len() == 1).await?;
    Ok((consumer, info.created.unix_timestamp_nanos()))
}

/// A stream that captures `subjects`, created with them (file storage) when missing and
/// `--create` is given. Output streams (`duplicate_window` set) must deduplicate.
async fn stream(
    js: &Context,
    t: &Topology,
    name: &str,
    subjects: &[String],
    duplicate_window: Option<Duration>,
) -> Result<Stream, TopologyError> {
    let mut found = match js.get_stream(name).await {
        Ok(stream) => stream,
        Err(error) if is_not_found(&error.to_string()) => {
            if !t.create {
                return Err(TopologyError::NoStream(name.to_owned()));
            }
            let config = stream::Config {
                name: name.to_owned(),
                subjects: subjects.to_vec(),
                storage: StorageType::File,
                duplicate_window: duplicate_window.unwrap_or(Duration::from_secs(120)),
                ..Default::default()
            };
            // Two validators started together both create: the second gets the first's.
            js.get_or_create_stream(config).await.map_err(js_error)?
        }
        Err(error) => return Err(js_error(error)),
    };
    let info = found.info().await.map_err(js_error)?;
    for subject in subjects {
        if !info
            .config
            .subjects
            .iter()
            .any(|f| subject_matches(f, subject))
        {
            return Err(TopologyError::NotCaptured {
                stream: name.to_owned(),
                subject: subject.clone(),
                subjects: info.config.subjects.join(", "),
            });
        }
    }
    if duplicate_window.is_some() && info.config.duplicate_window.is_zero() {
        return Err(TopologyError::NoDuplicateWindow {
            stream: name.to_owned(),
        });
    }
    Ok(found)
}

fn is_not_found(error: &str) -> bool {
    error.contains("not found") || error.contains("10059") || error.contains("10014")
}

/// The durable pull consumer: created or updated with `--create`, otherwise checked.
async fn consumer(
    input: &Stream,
    t: &Topology,
    only_subject: bool,
) -> Result<PullConsumer, TopologyError> {
    let wanted = &t.consumer;
    if t.create {
        let existing = input.get_consumer::<pull::Config>(&t.durable).await.ok();
        let base = existing
            .map(|c| c.cached_info().config.clone())
            .map(|c| pull::Config {
                durable_name: c.durable_name,
                filter_subject: c.filter_subject,
                ack_policy: c.ack_policy,
                ack_wait: c.ack_wait,
                max_deliver: c.max_deliver,
                max_ack_pending: c.max_ack_pending,
                deliver_policy: c.deliver_policy,
                ..Default::default()
            })
            .unwrap_or(pull::Config {
                ack_wait: DEFAULT_ACK_WAIT,
                max_deliver: DEFAULT_MAX_DELIVER,
                max_ack_pending: DEFAULT_MAX_ACK_PENDING,
                ..Default::default()
            });
        let config = pull::Config {
            durable_name: Some(t.durable.clone()),
            filter_subject: t.subject.clone(),
            ack_policy: AckPolicy::Explicit,
            ack_wait: wanted.ack_wait.unwrap_or(base.ack_wait),
            max_deliver: wanted.max_deliver.unwrap_or(base.max_deliver),
            max_ack_pending: wanted.max_ack_pending.unwrap_or(base.max_ack_pending),
            description: Some("eventcat-validate consume".to_owned()),
            ..base
        };
        return input.create_consumer(config).await.map_err(js_error);
    }
    let consumer = input
        .get_consumer::<pull::Config>(&t.durable)
        .await
        .map_err(|error| {
            if is_not_found(&error.to_string()) {
                TopologyError::NoConsumer {
                    stream: t.stream.clone(),
                    consumer: t.durable.clone(),
                }
            } else {
                js_error(error)
            }
        })?;
    let config = &consumer.cached_info().config;
    let misfit = |why: String| TopologyError::Misfit {
        consumer: t.durable.clone(),
        why,
    };
    if config.ack_policy != AckPolicy::Explicit {
        return Err(misfit(format!(
            "ack policy {:?}, not explicit",
            config.ack_policy
        )));
    }
    let filter_ok =
        config.filter_subject == t.subject || (config.filter_subject.is_empty() && only_subject);
    if !filter_ok {
        return Err(misfit(format!(
            "it reads {:?}, not {}",
            config.filter_subject, t.subject
        )));
    }
    for (flag, wanted, has) in [
        (
            "--ack-wait",
            wanted.ack_wait.map(|d| format!("{d:?}")),
            format!("{:?}", config.ack_wait),
        ),
        (
            "--max-deliver",
            wanted.max_deliver.map(|n| n.to_string()),
            config.max_deliver.to_string(),
        ),
        (
            "--max-ack-pending",
            wanted.max_ack_pending.map(|n| n.to_string()),
            config.max_ack_pending.to_string(),
        ),
    ] {
        if let Some(wanted) = wanted
            && wanted != has
        {
            return Err(misfit(format!("{flag} {wanted}, the consumer has {has}")));
        }
    }
    Ok(consumer)
}

/// A JetStream context whose publish acks time out after `ack_timeout` (a transient failure:
/// the input is naked and redelivered) and which keeps at most `in_flight` publishes pending.
pub fn context(client: async_nats::Client, ack_timeout: Duration, in_flight: usize) -> Context {
    jetstream::ContextBuilder::new()
        .timeout(ack_timeout)
        .ack_timeout(ack_timeout)
        .max_ack_inflight(in_flight.max(1))
        .build(client)
}

#[cfg(test)]
mod tests {
    use super::subject_matches;

    #[test]
    fn subject_filters_match_like_nats() {
        for (filter, subject, matches) in [
            ("events.raw", "events.raw", true),
            ("events.*", "events.raw", true),
            ("events.>", "events.good", true),
            (">", "events.bad", true),
            ("events.*", "events.raw.x", false),
            ("events.raw", "events.raw.x", false),
            ("events.raw.x", "events.raw", false),
            ("events.>", "events", false),
            ("other.*", "events.raw", false),
        ] {
            assert_eq!(
                subject_matches(filter, subject),
                matches,
                "{filter} {subject}"
            );
        }
    }
}
