//! The PostgreSQL output: a [`Sink`] that stores valid payloads in the catalog's tables and
//! bad rows in `eventcat.bad_events`, for `eventcat-validate load` and every front-end that
//! takes `--good postgres://...`.
//!
//! Rows are buffered and written in batches, one transaction each. The batch's valid payloads
//! are typed on the client ([`typed`]: the emitter's column map, `generated/sql/columns.json`,
//! checked against the database's tables) and copied (`COPY`, the fastest way in; see
//! BENCHMARKS.md) into session temporary tables shaped like their event tables, then inserted
//! with one `INSERT ... SELECT ... ON CONFLICT DO NOTHING` per table, after
//! `eventcat.ensure_partition` for each day they hold. Rows the map does not cover (a table at
//! another version than the map's, a value the client cannot render exactly as the database
//! would) are copied as `jsonb` into a staging table instead, and `eventcat.load_staged()`
//! moves them through each table's generated loader function; both paths store the same
//! values. Either way rows already stored (same `event_id` and `timestamp`) are skipped: a
//! replay inserts nothing twice. Bad rows are copied beside them and inserted unless the same
//! input (source, position, payload) is already there.
//!
//! Nothing is lost on a failure: when PostgreSQL rejects a batch (a value the table's type or
//! constraints refuse, a partition retention has detached), the batch is rolled back and each
//! of its valid payloads is tried alone, through its loader function; the ones still refused
//! become bad rows with the database's error (`storage:rejected`). When the database cannot be reached the run stops
//! with an error: what was committed stays, the rest was never acknowledged, and loading the
//! same input again completes it.

use std::collections::HashMap;
use std::fmt;
use std::io::{self, Write as _};

use eventcat_engine::{At, BadRow, Good, PayloadError, Sink};
use postgres::{Client, NoTls, SimpleQueryMessage};

mod typed;

use typed::Typed;

/// Valid payloads (and bad rows) per batch, unless the engine flushes earlier.
pub const DEFAULT_BATCH_ROWS: usize = 5_000;

/// How valid payloads reach their tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Loader {
    /// Typed on the client and copied into typed tables, where the column map covers the
    /// table; through the loader functions otherwise.
    #[default]
    Copy,
    /// Every payload through the generated loader functions (`jsonb` staging), as before the
    /// typed copy: for comparison.
    Functions,
}

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
    /// Valid payloads typed on the client (the rest went through the loader functions).
    #[serde(skip)]
    pub typed: u64,
}

impl fmt::Display for LoadStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "loaded: {} valid payloads, {} inserted, {} already stored; {} bad rows ({} refused \
             by the database), {} new in eventcat.bad_events; {} batches; {} valid payloads \
             typed here, {} through the loader functions",
            self.staged,
            self.inserted,
            self.duplicates,
            self.bad_rows,
            self.refused,
            self.bad_inserted,
            self.batches,
            self.typed,
            self.staged - self.typed
        )
    }
}

struct GoodRow {
    source: String,
    position: String,
    table: String,
    /// Its table among the typed ones, when the client types its rows.
    typed: Option<usize>,
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
    /// (event name, major version) → table, and its place in `typed`.
    tables: HashMap<(String, u64), (String, Option<usize>)>,
    /// The tables the client types rows for.
    typed: Typed,
    /// The batch's typed rows, in `COPY`'s text format.
    typed_rows: Vec<u8>,
    /// Which typed tables the batch has rows for.
    present: Vec<bool>,
    loader: Loader,
    batch_rows: usize,
    /// Whether [`Sink::flush`] (the engine's, after each piece of input) commits.
    commit_pieces: bool,
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
    #[error("{0}")]
    ColumnMap(String),
}

impl PostgresSink {
    /// Connects to `url` (`postgres://user@host:port/db`, or key=value pairs) and reads which
    /// tables the database has.
    pub fn connect(url: &str) -> Result<PostgresSink, ConnectError> {
        PostgresSink::connect_with(url, Loader::default())
    }

    /// [`PostgresSink::connect`], storing valid payloads the `loader` way.
    pub fn connect_with(url: &str, loader: Loader) -> Result<PostgresSink, ConnectError> {
        let client = Client::connect(url, NoTls).map_err(ConnectError::Connect)?;
        let mut sink = PostgresSink::new_with(client, loader)?;
        sink.url = Some(url.to_owned());
        Ok(sink)
    }

    /// The sink over an open connection.
    pub fn new(client: Client) -> Result<PostgresSink, ConnectError> {
        PostgresSink::new_with(client, Loader::default())
    }

    /// The sink over an open connection, storing valid payloads the `loader` way.
    pub fn new_with(mut client: Client, loader: Loader) -> Result<PostgresSink, ConnectError> {
        let (tables, typed) = prepare(&mut client, loader)?;
        Ok(PostgresSink {
            client,
            url: None,
            tables,
            typed_rows: Vec::new(),
            present: vec![false; typed.tables.len()],
            typed,
            loader,
            batch_rows: DEFAULT_BATCH_ROWS,
            commit_pieces: true,
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

    /// Commits only when a batch is full and at [`PostgresSink::finish`], not at every
    /// [`Sink::flush`]: for inputs read to their end (files), where committing each piece of
    /// input the engine reads (~1 MiB) only makes smaller batches, and each batch costs a
    /// setup per table and partition it touches (BENCHMARKS.md). A stream (stdin) keeps the
    /// commit per piece, so what arrived is stored as it arrives.
    pub fn commit_full_batches(mut self) -> Self {
        self.commit_pieces = false;
        self
    }

    /// Writes what is buffered (the last batch).
    pub fn finish(&mut self) -> io::Result<()> {
        self.write_batch()
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
        let (tables, typed) =
            prepare(&mut client, self.loader).map_err(|e| io::Error::other(e.to_string()))?;
        self.tables = tables;
        self.present = vec![false; typed.tables.len()];
        self.typed = typed;
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
        match self.try_batch(&goods, &bads, true) {
            Ok(()) => {}
            Err(Failure::Refused(_)) if !self.client.is_closed() => {
                // Refused: each valid payload alone, so one bad value costs only its own row;
                // through its loader function, whose error is the one a bad row records.
                for good in &goods {
                    match self.try_batch(std::slice::from_ref(good), &[], false) {
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
                self.try_batch(&[], &bads, false)
                    .map_err(Failure::into_io)?;
            }
            Err(failure) => return Err(failure.into_io()),
        }
        Ok(())
    }

    /// One transaction: the valid payloads (typed on the client where `typed` and the map
    /// allow, through the loader functions otherwise), then the bad rows.
    fn try_batch(
        &mut self,
        goods: &[GoodRow],
        bads: &[BadRecord],
        typed: bool,
    ) -> Result<(), Failure> {
        let mut tx = self.client.transaction()?;
        let mut inserted = 0u64;
        let mut typed_count = 0u64;
        self.copy.clear();
        self.typed_rows.clear();
        self.present.iter_mut().for_each(|p| *p = false);
        for good in goods {
            if let Some(i) = good.typed.filter(|_| typed)
                && self.typed.encode(i, &good.payload, &mut self.typed_rows)
            {
                self.present[i] = true;
                typed_count += 1;
                continue;
            }
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
        if typed_count > 0 {
            // One `COPY` for every table, then the statements in one round trip: the
            // partitions, then an insert per table.
            let mut writer = tx.copy_in(self.typed.copy())?;
            writer.write_all(&self.typed_rows).map_err(Failure::Lost)?;
            writer.finish()?;
            let present = self.present.iter().enumerate().filter(|(_, p)| **p);
            let script = self.typed.script(present.map(|(i, _)| i));
            let counts: Vec<u64> = tx
                .simple_query(&script)?
                .into_iter()
                .filter_map(|message| match message {
                    SimpleQueryMessage::CommandComplete(n) => Some(n),
                    _ => None,
                })
                .collect();
            inserted += counts.iter().skip(1).sum::<u64>();
        }
        if !self.copy.is_empty() {
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
        self.stats.typed += typed_count;
        Ok(())
    }
}

impl Sink for PostgresSink {
    fn valid(&mut self, good: &Good<'_>) -> io::Result<()> {
        let (source, position) = origin(good.at);
        let major = semver_major(good.version);
        let payload = String::from_utf8_lossy(good.payload).into_owned();
        match major.and_then(|m| self.tables.get(&(good.event.to_owned(), m))) {
            Some((table, typed)) => self.goods.push(GoodRow {
                source,
                position,
                table: table.clone(),
                typed: *typed,
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
        if self.commit_pieces {
            self.write_batch()
        } else {
            Ok(())
        }
    }
}

/// The tables by (event name, major version), with their place in the typed tables.
type Tables = HashMap<(String, u64), (String, Option<usize>)>;

/// Reads which tables the database has, which of them the client types rows for, and creates
/// the session's staging tables.
fn prepare(client: &mut Client, loader: Loader) -> Result<(Tables, Typed), ConnectError> {
    let rows = client
        .query(
            "SELECT event_name, major, table_name, version, partition_width \
             FROM eventcat.event_tables",
            &[],
        )
        .map_err(ConnectError::NoSchema)?;
    let registered: HashMap<String, typed::Registered> = rows
        .iter()
        .map(|row| {
            let registered = typed::Registered {
                version: row.get(3),
                width: row.get(4),
            };
            (row.get(2), registered)
        })
        .collect();
    let typed = match (loader, crate::embedded_columns()) {
        (Loader::Copy, Some(map)) => {
            typed::plan(client, map, &registered).map_err(|e| match e {
                typed::PlanError::Map(e) => ConnectError::ColumnMap(e.to_string()),
                typed::PlanError::Database(e) => ConnectError::NoSchema(e),
            })?
        }
        _ => Typed::none(),
    };
    let place: HashMap<&str, usize> = typed
        .tables
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.as_str(), i))
        .collect();
    let tables = rows
        .iter()
        .map(|row| {
            let major: i32 = row.get(1);
            let name: String = row.get(2);
            let typed = place.get(name.as_str()).copied();
            ((row.get(0), major as u64), (name, typed))
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
    if !typed.tables.is_empty() {
        client
            .batch_execute(&typed.create)
            .map_err(ConnectError::NoSchema)?;
    }
    Ok((tables, typed))
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
            Some(text) => typed::push_escaped(out, text.as_bytes()),
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
