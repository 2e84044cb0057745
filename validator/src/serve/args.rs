//! `eventcat-validate serve`'s command line.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::ValueEnum;

use crate::outputs::OutputSpec;

/// Run an HTTP collector over the validation engine.
///
/// `POST /v1/events` takes one JSON payload, a JSON array of payloads, or NDJSON, and answers
/// with a verdict per event; good events and bad rows go to the outputs and to a bounded store
/// that the test API (`/micro/*`) and the page (`/`) read. See docs/serve.md.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The address to listen on. Anything but loopback needs both tokens (or --insecure).
    #[arg(long, default_value = "127.0.0.1:9090", value_name = "ADDR")]
    pub listen: SocketAddr,
    /// Use the schemas in DIR (`<event>/<version>.json`) instead of the embedded ones. With
    /// --catalog: the published versions to add to the catalog's.
    #[arg(long, value_name = "DIR")]
    pub schemas: Option<PathBuf>,
    /// Compile the schemas of the catalog in DIR instead of using the embedded ones, plus every
    /// published version in `generated/schemas` beside it (DIR/../generated/schemas, or
    /// --schemas), so events of an older version stay valid after a bump.
    #[arg(long, value_name = "DIR")]
    pub catalog: Option<PathBuf>,
    /// Reload the catalog when its YAML changes; an edit with lint errors keeps the schemas in
    /// use and logs the findings.
    #[arg(long, requires = "catalog")]
    pub watch: bool,
    /// What becomes of an invalid event: `drop` keeps it out of the good output; `forward`
    /// also writes it there, with its errors under `eventcat_violations`. Both write its bad
    /// row to the bad output.
    #[arg(long, value_enum, default_value_t = OnInvalid::Drop)]
    pub on_invalid: OnInvalid,
    /// Append every good event (NDJSON) here: a file, `-` for stdout, publish it to a
    /// JetStream subject (`nats://HOST:PORT/SUBJECT`), or store it in the catalog's PostgreSQL
    /// tables (`postgres://...`); stored (published, committed) before the request is answered.
    #[arg(long, value_name = "FILE|-|nats://...|postgres://...")]
    pub good: Option<OutputSpec>,
    /// Append a bad row (NDJSON) for every invalid event here: a file, `-` for stdout, a
    /// JetStream subject (`nats://HOST:PORT/SUBJECT`), or PostgreSQL's eventcat.bad_events
    /// (`postgres://...`).
    #[arg(long, value_name = "FILE|-|nats://...|postgres://...")]
    pub bad: Option<OutputSpec>,
    /// Rotate an output file once it holds this many bytes (to `<file>.1`, `<file>.2`, ...).
    #[arg(long, value_name = "BYTES")]
    pub rotate_bytes: Option<u64>,
    /// Make file outputs durable before answering: `fsync` (sync_data) each file after the
    /// flush that precedes a `200`, and its folder when a file is created or rotated. Without
    /// it a `200` means the operating system has the events (they survive the process being
    /// killed, not a power cut).
    #[arg(long)]
    pub fsync: bool,
    /// Remember the `event_id`s of this many good events written last: a good event whose
    /// id is among them (a client's retry) is answered as accepted, `"duplicate": true`, and
    /// not written again. 0: no deduplication.
    #[arg(long, default_value_t = 100_000, value_name = "N")]
    pub dedupe_window: usize,
    /// The largest event, in bytes (after decompression).
    #[arg(long, default_value_t = 32 * 1024, value_name = "BYTES")]
    pub max_event_bytes: usize,
    /// The largest request body, in bytes (compressed and after decompression).
    #[arg(long, default_value_t = 512 * 1024, value_name = "BYTES")]
    pub max_request_bytes: usize,
    /// The most events in one request.
    #[arg(long, default_value_t = 2500, value_name = "N")]
    pub max_request_events: usize,
    /// Events kept for the test API and the page (good and bad together; the oldest go first).
    #[arg(long, default_value_t = 10_000, value_name = "N")]
    pub max_events: usize,
    /// The token `POST /v1/events` needs (`Authorization: Bearer TOKEN`, or Basic with the
    /// token as user name). None: ingest is open.
    #[arg(
        long,
        env = "EVENTCAT_WRITE_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub write_token: Option<Secret>,
    /// The token the test API, the page and /metrics need. None: they are open.
    #[arg(
        long,
        env = "EVENTCAT_READ_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub read_token: Option<Secret>,
    /// Listen on a non-loopback address without both tokens.
    #[arg(long)]
    pub insecure: bool,
    /// An origin browser apps may call from (CORS), e.g. `http://localhost:3000`; repeat for
    /// more; `*` for any. Default: any.
    #[arg(long = "cors-origin", value_name = "ORIGIN")]
    pub cors_origins: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnInvalid {
    Drop,
    Forward,
}

/// A token: never printed (its `Debug` says `<redacted>`).
#[derive(Clone)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl std::str::FromStr for Secret {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            Err("a token cannot be empty".to_owned())
        } else {
            Ok(Secret(text.to_owned()))
        }
    }
}
