//! `eventcat-validate publish`: NDJSON lines into a JetStream subject, one message a line,
//! each publish acknowledged — the first stage of a local pipeline, and the benchmark's load.
//!
//! Lines are cut the way `eventcat-validate` reads a file (every `\n`-ended line, and a last
//! line without one), blank ones included, so the consumer sees exactly the lines the CLI
//! would validate.

use std::time::Instant;

use async_nats::jetstream::{Context, message::PublishMessage as Publish};
use bytes::Bytes;

/// What a publish run did.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Published {
    pub messages: u64,
    pub bytes: u64,
    pub seconds: f64,
    /// The stream sequence of the first and the last message.
    pub first_sequence: Option<u64>,
    pub last_sequence: Option<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("cannot read {file}: {source}")]
    Read {
        file: String,
        source: std::io::Error,
    },
    #[error(
        "{file} line {line}: not stored by JetStream: {error} ({published} messages stored before it)"
    )]
    Publish {
        file: String,
        line: u64,
        error: String,
        published: u64,
    },
}

/// Publishes every line of every file (`-`: stdin) to `subject`, keeping at most `window`
/// publishes unacknowledged. With `msg_id_prefix`, each message carries
/// `Nats-Msg-Id: <prefix>.<file index>.<line>`, so publishing the same files again within the
/// input stream's duplicate window stores nothing twice.
pub async fn publish(
    js: &Context,
    subject: &str,
    files: &[String],
    window: usize,
    msg_id_prefix: Option<&str>,
) -> Result<Published, PublishError> {
    let started = Instant::now();
    let mut done = Published::default();
    let mut pending = std::collections::VecDeque::new();
    let subject = async_nats::Subject::from(subject);
    for (index, file) in files.iter().enumerate() {
        let data = read(file).await.map_err(|source| PublishError::Read {
            file: file.clone(),
            source,
        })?;
        let data = Bytes::from(data);
        let mut start = 0;
        let mut line = 0u64;
        let ends = memchr::memchr_iter(b'\n', &data)
            .chain((data.last().is_some_and(|&b| b != b'\n')).then_some(data.len()));
        for end in ends {
            line += 1;
            let mut message = Publish::build().payload(data.slice(start..end));
            if let Some(prefix) = msg_id_prefix {
                message = message.message_id(format!("{prefix}.{index}.{line}"));
            }
            done.bytes += (end - start) as u64;
            start = end + 1;
            let failed = |error: String, published: u64| PublishError::Publish {
                file: file.clone(),
                line,
                error,
                published,
            };
            let ack = js
                .send_publish(subject.clone(), message)
                .await
                .map_err(|e| failed(e.to_string(), done.messages))?;
            pending.push_back((ack, file.clone(), line));
            if pending.len() >= window.max(1) {
                let (ack, file, line) = pending.pop_front().expect("not empty");
                settle(ack, &file, line, &mut done).await?;
            }
        }
    }
    while let Some((ack, file, line)) = pending.pop_front() {
        settle(ack, &file, line, &mut done).await?;
    }
    done.seconds = started.elapsed().as_secs_f64();
    Ok(done)
}

async fn settle(
    ack: async_nats::jetstream::context::PublishAckFuture,
    file: &str,
    line: u64,
    done: &mut Published,
) -> Result<(), PublishError> {
    let ack = ack.await.map_err(|e| PublishError::Publish {
        file: file.to_owned(),
        line,
        error: e.to_string(),
        published: done.messages,
    })?;
    done.messages += 1;
    done.first_sequence.get_or_insert(ack.sequence);
    done.last_sequence = Some(ack.sequence);
    Ok(())
}

async fn read(file: &str) -> std::io::Result<Vec<u8>> {
    if file == "-" {
        use tokio::io::AsyncReadExt;
        let mut data = Vec::new();
        tokio::io::stdin().read_to_end(&mut data).await?;
        Ok(data)
    } else {
        tokio::fs::read(file).await
    }
}
