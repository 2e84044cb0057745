//! The PostgreSQL output: a [`Sink`] that stores valid payloads in the catalog's tables and
//! bad rows in `eventcat.bad_events`, for `eventcat-validate load` and every front-end that
//! takes `--good postgres://...`.
//!
//! Rows are buffered and written in batches, one transaction each: the batch's valid payloads
//! are copied (`COPY`, the fastest way in; see BENCHMARKS.md) into a session-local staging
//! table, and `eventcat.load_staged()` moves them into their tables through each table's
//! generated loader function, typed, skipping rows already stored (same `event_id` and
//! `timestamp`): a replay inserts nothing twice. Bad rows are copied beside them and inserted
//! unless the same input (source, position, payload) is already there.
//!
//! Nothing is lost on a failure: when PostgreSQL rejects a batch (a value the table's type or
//! constraints refuse, a partition retention has detached), the batch is rolled back and each
//! of its valid payloads is tried alone; the ones still refused become bad rows with the
//! database's error (`storage:rejected`). When the database cannot be reached the run stops
//! with an error: what was committed stays, the rest was never acknowledged, and loading the
//! same input again completes it.

use std::collections::HashMap;
use std::fmt;
use std::io::{self, Write as _};

use eventcat_engine::{At, BadRow, Good, PayloadError, Sink};
use postgres::{Client, NoTls};

/// Valid payloads (and bad rows) per batch, unless the engine flushes earlier.
pub const DEFAULT_BATCH_ROWS: usize = 5_000;

/// What a load stored.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct LoadStats {
    /// Valid payloads sent to the event tables.
    pub staged: u64,
    /// Rows the event tables gained.
    pub inserted: u64,
    /// Valid payloads already stored (a replay).
    pub duplicates: u64,
    /// Bad rows sent to `bad_events` (invalid payloads, and valid ones the database refused).
    pub bad_rows: u64,
    /// Rows `bad_events` gained.
    pub bad_inserted: u64,
    /// Valid payloads the database refused, stored as bad rows.
    pub refused: u64,
    /// Transactions committed.
    pub batches: u64,
}

impl fmt::Display for LoadStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "loaded: {} valid payloads, {} inserted, {} already stored; {} bad rows ({} refused \
             by the database), {} new in eventcat.bad_events; {} batches",
            self.staged,
            self.inserted,
            self.duplicates,
            self.bad_rows,
            self.refused,
            self.bad_inserted,
            self.batches
        )
    }
}

struct GoodRow {
    source: String,
    position: String,
    table: String,
    payload: String,
}

struct BadRecord {
    source: String,
    position: String,
    event: Option<String>,
    version: Option<String>,
    errors: String,
    payload: String,
    payload_base64: Option<String>,
}

/// Stores verdicts in PostgreSQL; see the module documentation.
pub struct PostgresSink {
    client: Client,
    /// Where to connect again after the connection broke (long-running front-ends: the
    /// batch that failed is reported, the next one reconnects). `None`: never.
    url: Option<String>,
    /// (event name, major version) → table.
    tables: HashMap<(String, u64), String>,
    batch_rows: usize,
    goods: Vec<GoodRow>,
    bads: Vec<BadRecord>,
    stats: LoadStats,
    copy: Vec<u8>,
}

impl fmt::Debug for PostgresSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresSink")
            .field("tables", &self.tables.len())
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

/// Why the sink could not start.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("cannot connect to PostgreSQL: {0}")]
    Connect(#[source] postgres::Error),
    #[error(
        "the database has no eventcat tables ({0}): apply generated/sql/schema.sql first \
         (psql -f generated/sql/schema.sql)"
    )]
    NoSchema(#[source] postgres::Error),
}

impl PostgresSink {
    /// Connects to `url` (`postgres://user@host:port/db`, or key=value pairs) and reads which
    /// tables the database has.
    pub fn connect(url: &str) -> Result<PostgresSink, ConnectError> {
        let client = Client::connect(url, NoTls).map_err(ConnectError::Connect)?;
        let mut sink = PostgresSink::new(client)?;
        sink.url = Some(url.to_owned());
        Ok(sink)
    }

    /// The sink over an open connection.
    pub fn new(mut client: Client) -> Result<PostgresSink, ConnectError> {
        let tables = prepare(&mut client)?;
        Ok(PostgresSink {
            client,
            url: None,
            tables,
            batch_rows: DEFAULT_BATCH_ROWS,
            goods: Vec::new(),
            bads: Vec::new(),
            stats: LoadStats::default(),
            copy: Vec::new(),
        })
    }

    /// Rows per batch (at least 1).
    pub fn with_batch_rows(mut self, rows: usize) -> Self {
        self.batch_rows = rows.max(1);
        self
    }

    /// What was stored so far.
    pub fn stats(&self) -> LoadStats {
        self.stats
    }

    fn pending(&self) -> usize {
        self.goods.len() + self.bads.len()
    }

    /// A new connection when the last one broke and the sink knows where to connect.
    fn reconnect_if_closed(&mut self) -> io::Result<()> {
        let Some(url) = self.url.as_deref().filter(|_| self.client.is_closed()) else {
            return Ok(());
        };
        let mut client = Client::connect(url, NoTls)
            .map_err(|e| io::Error::other(ConnectError::Connect(e).to_string()))?;
        self.tables = prepare(&mut client).map_err(|e| io::Error::other(e.to_string()))?;
        self.client = client;
        Ok(())
    }

    /// Writes the buffered rows, one transaction; on a refused batch, row by row.
    fn write_batch(&mut self) -> io::Result<()> {
        if self.pending() == 0 {
            return Ok(());
        }
        let goods = std::mem::take(&mut self.goods);
        let mut bads = std::mem::take(&mut self.bads);
        // The batch is dropped on any error: the caller has not acknowledged its inputs and
        // sends them again (a replay stores nothing twice).
        self.reconnect_if_closed()?;
        match self.try_batch(&goods, &bads) {
            Ok(()) => {}
            Err(Failure::Refused(_)) if !self.client.is_closed() => {
                // Refused: each valid payload alone, so one bad value costs only its own row.
                for good in &goods {
                    match self.try_batch(std::slice::from_ref(good), &[]) {
                        Ok(()) => {}
                        Err(Failure::Refused(error)) => {
                            self.stats.refused += 1;
                            if let Some(db) = error.as_db_error() {
                                bads.push(refused(good, db));
                            }
                        }
                        Err(failure) => return Err(failure.into_io()),
                    }
                }
                self.try_batch(&[], &bads).map_err(Failure::into_io)?;
            }
            Err(failure) => return Err(failure.into_io()),
        }
        Ok(())
    }

    fn try_batch(&mut self, goods: &[GoodRow], bads: &[BadRecord]) -> Result<(), Failure> {
        let mut tx = self.client.transaction()?;
        let mut inserted = 0u64;
        if !goods.is_empty() {
            self.copy.clear();
            for good in goods {
                copy_row(
                    &mut self.copy,
                    &[
                        Some(&good.source),
                        Some(&good.position),
                        Some(&good.table),
                        Some(&good.payload),
                    ],
                );
            }
            let mut writer = tx.copy_in("COPY pg_temp.eventcat_staging FROM STDIN")?;
            writer.write_all(&self.copy).map_err(Failure::Lost)?;
            writer.finish()?;
            for row in tx.query("SELECT inserted FROM eventcat.load_staged()", &[])? {
                let n: i64 = row.get(0);
                inserted += n as u64;
            }
        }
        let mut bad_inserted = 0;
        if !bads.is_empty() {
            self.copy.clear();
            for bad in bads {
                copy_row(
                    &mut self.copy,
                    &[
                        Some(&bad.source),
                        Some(&bad.position),
                        bad.event.as_deref(),
                        bad.version.as_deref(),
                        Some(&bad.errors),
                        Some(&bad.payload),
                        bad.payload_base64.as_deref(),
                    ],
                );
            }
            let mut writer = tx.copy_in("COPY pg_temp.eventcat_bad_staging FROM STDIN")?;
            writer.write_all(&self.copy).map_err(Failure::Lost)?;
            writer.finish()?;
            bad_inserted = tx.execute(
                "INSERT INTO eventcat.bad_events \
                 (source, position, event_name, version, errors, payload, payload_base64) \
                 SELECT source, position, event_name, version, errors, payload, payload_base64 \
                 FROM pg_temp.eventcat_bad_staging \
                 ON CONFLICT (source, position, md5(payload)) DO NOTHING",
                &[],
            )?;
        }
        tx.commit()?;
        self.stats.staged += goods.len() as u64;
        self.stats.inserted += inserted;
        self.stats.duplicates += goods.len() as u64 - inserted;
        self.stats.bad_rows += bads.len() as u64;
        self.stats.bad_inserted += bad_inserted;
        self.stats.batches += 1;
        Ok(())
    }
}

impl Sink for PostgresSink {
    fn valid(&mut self, good: &Good<'_>) -> io::Result<()> {
        let (source, position) = origin(good.at);
        let major = semver_major(good.version);
        let payload = String::from_utf8_lossy(good.payload).into_owned();
        match major.and_then(|m| self.tables.get(&(good.event.to_owned(), m))) {
            Some(table) => self.goods.push(GoodRow {
                source,
                position,
                table: table.clone(),
                payload,
            }),
            None => {
                self.stats.refused += 1;
                let error = PayloadError::new(
                    "",
                    "storage:no_table",
                    "an event version the database has a table for (apply the migrations)",
                    format!("{} {}", good.event, good.version),
                );
                self.bads.push(BadRecord {
                    source,
                    position,
                    event: Some(good.event.to_owned()),
                    version: Some(good.version.to_owned()),
                    errors: errors_json(&[error]),
                    payload,
                    payload_base64: None,
                });
            }
        }
        if self.pending() >= self.batch_rows {
            self.write_batch()?;
        }
        Ok(())
    }

    fn invalid(&mut self, row: &BadRow<'_>) -> io::Result<()> {
        let (source, position) = origin(&row.at);
        let mut payload = row.payload.as_deref().unwrap_or_default().to_owned();
        let mut payload_base64 = row.payload_base64.clone();
        // Text values cannot hold NUL: keep the exact bytes in base64 instead.
        if payload.contains('\0') {
            if payload_base64.is_none() {
                payload_base64 = Some(base64(payload.as_bytes()));
            }
            payload = payload.replace('\0', "\u{FFFD}");
        }
        self.bads.push(BadRecord {
            source,
            position,
            event: row.event.as_deref().map(str::to_owned),
            version: row.version.as_deref().map(str::to_owned),
            errors: errors_json(&row.errors),
            payload,
            payload_base64,
        });
        if self.pending() >= self.batch_rows {
            self.write_batch()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.write_batch()
    }
}

/// Reads which tables the database has and creates the session's staging tables.
fn prepare(client: &mut Client) -> Result<HashMap<(String, u64), String>, ConnectError> {
    let rows = client
        .query(
            "SELECT event_name, major, table_name FROM eventcat.event_tables",
            &[],
        )
        .map_err(ConnectError::NoSchema)?;
    let tables = rows
        .iter()
        .map(|row| {
            let major: i32 = row.get(1);
            ((row.get(0), major as u64), row.get(2))
        })
        .collect();
    // Session-local, emptied at each commit: concurrent loaders never see each other's.
    client
        .batch_execute(
            "CREATE TEMP TABLE IF NOT EXISTS eventcat_staging \
             (source text, position text, table_name text, payload jsonb) ON COMMIT DELETE ROWS;\
             CREATE TEMP TABLE IF NOT EXISTS eventcat_bad_staging \
             (source text, position text, event_name text, version text, errors jsonb, \
             payload text, payload_base64 text) ON COMMIT DELETE ROWS;",
        )
        .map_err(ConnectError::NoSchema)?;
    Ok(tables)
}

/// (source, position) of an input, as `bad_events` and the staging table hold them.
fn origin(at: &At<'_>) -> (String, String) {
    match at {
        At::File { file, line } => (file.to_string(), line.to_string()),
        At::Request {
            request_id, index, ..
        } => (format!("request {request_id}"), index.to_string()),
        At::Stream {
            stream,
            subject,
            sequence,
        } => (format!("stream {stream} {subject}"), sequence.to_string()),
    }
}

fn semver_major(version: &str) -> Option<u64> {
    version.split('.').next()?.parse().ok()
}

fn errors_json(errors: &[PayloadError]) -> String {
    // A list of plain structs always serializes.
    serde_json::to_string(errors).unwrap_or_else(|_| "[]".into())
}

fn refused(good: &GoodRow, db: &postgres::error::DbError) -> BadRecord {
    let payload: serde_json::Value = serde_json::from_str(&good.payload).unwrap_or_default();
    let text = |key: &str| payload.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    let mut actual = db.message().to_owned();
    if let Some(detail) = db.detail() {
        actual.push_str(": ");
        actual.push_str(detail);
    }
    let error = PayloadError::new(
        "",
        "storage:rejected",
        format!(
            "a row {} accepts (SQLSTATE {})",
            good.table,
            db.code().code()
        ),
        actual,
    );
    BadRecord {
        source: good.source.clone(),
        position: good.position.clone(),
        event: text("event_name"),
        version: text("version"),
        errors: errors_json(&[error]),
        payload: good.payload.clone(),
        payload_base64: None,
    }
}

/// One row of COPY's text format: tab-separated, `\N` for NULL, backslash, tab and line ends
/// escaped.
fn copy_row(out: &mut Vec<u8>, fields: &[Option<&str>]) {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b'\t');
        }
        match field {
            None => out.extend_from_slice(b"\\N"),
            Some(text) => {
                for &byte in text.as_bytes() {
                    match byte {
                        b'\\' => out.extend_from_slice(b"\\\\"),
                        b'\t' => out.extend_from_slice(b"\\t"),
                        b'\n' => out.extend_from_slice(b"\\n"),
                        b'\r' => out.extend_from_slice(b"\\r"),
                        b => out.push(b),
                    }
                }
            }
        }
    }
    out.push(b'\n');
}

/// Why a batch failed: refused by the database (its error says why), or the connection broke.
enum Failure {
    Refused(postgres::Error),
    Lost(io::Error),
}

impl From<postgres::Error> for Failure {
    fn from(error: postgres::Error) -> Self {
        if error.as_db_error().is_some() {
            Failure::Refused(error)
        } else {
            Failure::Lost(io_error(error))
        }
    }
}

impl Failure {
    fn into_io(self) -> io::Error {
        match self {
            Failure::Refused(error) => io_error(error),
            Failure::Lost(error) => error,
        }
    }
}

fn io_error(error: postgres::Error) -> io::Error {
    match error.as_db_error() {
        Some(db) => io::Error::other(format!(
            "PostgreSQL: {}: {} (SQLSTATE {})",
            db.severity(),
            db.message(),
            db.code().code()
        )),
        None => io::Error::other(format!("PostgreSQL: {error}")),
    }
}

fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_rows_escape_what_the_text_format_reads() {
        let mut out = Vec::new();
        copy_row(&mut out, &[Some("a\tb"), None, Some("c\\d\ne\r")]);
        assert_eq!(out, b"a\\tb\t\\N\tc\\\\d\\ne\\r\n");
    }
}
