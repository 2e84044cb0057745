//! The PostgreSQL output: a [`Sink`] that stores valid payloads in the catalog's tables and
//! bad rows in `eventcat.bad_events`, for `eventcat-validate load` and every front-end that
//! takes `--good postgres://...`.
//!
//! Rows are buffered and written in batches, one transaction each (for a file load, on a
//! thread of its own while the next batch is read). The batch's valid payloads are typed on
//! the client as they arrive ([`typed`]: the emitter's column map,
//! `generated/sql/columns.json`, checked against the database's tables; [`direct`]: the rows
//! by table) and copied (`COPY`, the fastest way in; see BENCHMARKS.md) straight into their
//! event tables, after `eventcat.ensure_partition` for each day or month they hold. A row
//! stored already (same `event_id` and `timestamp`: a replay) makes that `COPY` a unique
//! violation, and the batch is redone through session temporary tables shaped like the event
//! tables and one `INSERT ... SELECT ... ON CONFLICT DO NOTHING` per table, which skips it:
//! a replay inserts nothing twice, and new rows pay for no key lookup. Rows the map does not
//! cover (a table at another version than the map's, a value the client cannot render
//! exactly as the database would) are copied as `jsonb` into a staging table instead, and
//! `eventcat.load_staged()` moves them through each table's generated loader function; both
//! paths store the same values. Bad rows are copied beside them, and skipped when the same
//! input (source, position, payload) is already there.
//!
//! Nothing is lost on a failure: when PostgreSQL rejects a batch (a value the table's type or
//! constraints refuse, a partition retention has detached), the batch is rolled back and each
//! of its valid payloads is tried alone, through its loader function; the ones still refused
//! become bad rows with the database's error (`storage:rejected`). When the database cannot be reached the run stops
//! with an error: what was committed stays, the rest was never acknowledged, and loading the
//! same input again completes it.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io::{self, Write as _};
use std::sync::mpsc::{Receiver, SyncSender, channel, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use crate::lock;
use eventcat::emit::sql::quote::qualified;
use eventcat_engine::{At, BadRow, Good, PayloadError, Sink};
use postgres::{Client, NoTls, SimpleQueryMessage};

mod direct;
mod typed;

use direct::DirectRows;
use typed::Typed;

/// Valid payloads (and bad rows) per batch, unless the engine flushes earlier. Each `COPY`
/// pays a set-up for every partition it routes rows to, so larger batches load faster
/// (BENCHMARKS.md: 5,000 to 20,000 took a load of the sample from 0.4-0.5 to 0.5-0.6 of a
/// plain `COPY`); two batches are held at once.
pub const DEFAULT_BATCH_ROWS: usize = 20_000;

/// How valid payloads reach their tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Loader {
    /// Typed on the client and copied straight into the event tables, where the column map
    /// covers the table (a batch holding a stored row is redone the `staged` way); through
    /// the loader functions otherwise.
    #[default]
    Copy,
    /// Typed on the client, copied into a staging table and inserted with `ON CONFLICT DO
    /// NOTHING` (the path a batch of `copy` is redone through after a unique violation): for
    /// comparison.
    Staged,
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
    /// Batches the database refused straight and that were redone through the staging table:
    /// most often one of their rows was stored already (a replay, or a concurrent loader's).
    #[serde(skip)]
    pub redone: u64,
}

impl fmt::Display for LoadStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "loaded: {} valid payloads, {} inserted, {} already stored; {} bad rows ({} refused \
             by the database), {} new in eventcat.bad_events; {} batches ({} redone through \
             the staging table); {} valid payloads typed here, {} through the loader functions",
            self.staged,
            self.inserted,
            self.duplicates,
            self.bad_rows,
            self.refused,
            self.bad_inserted,
            self.batches,
            self.redone,
            self.typed,
            self.staged - self.typed
        )
    }
}

struct GoodRow {
    source: String,
    position: String,
    table: Arc<str>,
    /// Its table among the typed ones, when the client types its rows.
    typed: Option<usize>,
    /// Whether it is among the batch's [`DirectRows`].
    direct: bool,
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
    /// (event name, major version) → table, and its place in the store's typed tables.
    tables: Arc<Tables>,
    /// The store's typed tables, as [`Loader::Copy`] types each valid payload on arrival.
    typed: Arc<Typed>,
    loader: Loader,
    /// The batch's valid payloads typed so far.
    direct: DirectRows,
    batch_rows: usize,
    /// Whether [`Sink::flush`] (the engine's, after each piece of input) commits.
    commit_pieces: bool,
    goods: Vec<GoodRow>,
    bads: Vec<BadRecord>,
    /// Valid payloads with no table, stored as bad rows.
    no_table: u64,
    writer: Writer,
}

/// Where batches are written.
enum Writer {
    /// On the caller's thread: each [`Sink::flush`] is a commit point a front-end may
    /// acknowledge its input after.
    Here(Box<Store>),
    /// On a thread of its own, while the caller reads and validates the next batch (a file
    /// load, whose only commit point is [`PostgresSink::finish`]). One batch is written while
    /// the next is filled; a failed batch ends the thread with its error.
    Thread {
        batches: SyncSender<Batch>,
        /// Written batches, emptied, to fill again.
        spares: Receiver<Batch>,
        thread: JoinHandle<(Box<Store>, io::Result<()>)>,
        stats: Arc<Mutex<LoadStats>>,
    },
    /// Between the two, or after the thread panicked.
    Gone,
}

/// One batch: its valid payloads and bad rows, and (with [`Loader::Copy`]) the valid ones
/// typed, with the tables they were typed for.
type Batch = (
    Vec<GoodRow>,
    Vec<BadRecord>,
    Option<(Arc<Typed>, DirectRows)>,
);

/// The connection and what writes a batch through it.
struct Store {
    client: Client,
    /// Where to connect again after the connection broke (long-running front-ends: the
    /// batch that failed is reported, the next one reconnects). `None`: never.
    url: Option<String>,
    tables: Arc<Tables>,
    /// The tables the client types rows for.
    typed: Arc<Typed>,
    /// The batch's typed rows, in `COPY`'s text format.
    typed_rows: Vec<u8>,
    /// Which typed tables the batch has rows for.
    present: Vec<bool>,
    loader: Loader,
    stats: Arc<Mutex<LoadStats>>,
    copy: Vec<u8>,
    /// Partitions (by [`Typed::partition_key`]) that batches of this connection made sure
    /// of and committed. Forgotten when a batch fails: retention may have detached one.
    ensured: HashMap<usize, HashSet<String>>,
    /// Whether this connection made the typed staging table (in a committed batch).
    typed_staging: bool,
    /// Whether a batch failed on this connection other than by the database's refusal.
    lost: bool,
    /// Whether the last batch was mostly rows stored already (a replay): the next goes
    /// through the staging table first, not after a refused `COPY`.
    replaying: bool,
}

impl fmt::Debug for PostgresSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresSink")
            .field("tables", &self.tables.len())
            .field("stats", &self.stats())
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
        if let Writer::Here(store) = &mut sink.writer {
            store.url = Some(url.to_owned());
        }
        Ok(sink)
    }

    /// The sink over an open connection.
    pub fn new(client: Client) -> Result<PostgresSink, ConnectError> {
        PostgresSink::new_with(client, Loader::default())
    }

    /// The sink over an open connection, storing valid payloads the `loader` way.
    pub fn new_with(mut client: Client, loader: Loader) -> Result<PostgresSink, ConnectError> {
        let (tables, typed) = prepare(&mut client, loader)?;
        let tables = Arc::new(tables);
        let typed = Arc::new(typed);
        Ok(PostgresSink {
            tables: tables.clone(),
            typed: typed.clone(),
            loader,
            direct: DirectRows::default(),
            batch_rows: DEFAULT_BATCH_ROWS,
            commit_pieces: true,
            goods: Vec::new(),
            bads: Vec::new(),
            no_table: 0,
            writer: Writer::Here(Box::new(Store {
                client,
                url: None,
                tables,
                typed_rows: Vec::new(),
                present: vec![false; typed.tables.len()],
                typed,
                loader,
                stats: Arc::default(),
                copy: Vec::new(),
                ensured: HashMap::new(),
                typed_staging: false,
                lost: false,
                replaying: false,
            })),
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

    /// Writes what is buffered (the last batch) and waits until every batch is committed.
    pub fn finish(&mut self) -> io::Result<()> {
        self.write_batch()?;
        self.join()
    }

    /// What was stored so far.
    pub fn stats(&self) -> LoadStats {
        let mut stats = match &self.writer {
            Writer::Here(store) => *lock(&store.stats),
            Writer::Thread { stats, .. } => *lock(stats),
            Writer::Gone => LoadStats::default(),
        };
        stats.refused += self.no_table;
        stats
    }

    fn pending(&self) -> usize {
        self.goods.len() + self.bads.len()
    }

    /// Hands the buffered rows to the writer: written now, or (a file load) on the writer's
    /// thread while the caller goes on.
    fn write_batch(&mut self) -> io::Result<()> {
        if self.pending() == 0 {
            return Ok(());
        }
        let spare = match &self.writer {
            Writer::Thread { spares, .. } => spares.try_recv().ok(),
            _ => None,
        };
        let (goods, bads, direct) = spare.unwrap_or_default();
        let spare_direct = direct.map(|(_, direct)| direct).unwrap_or_default();
        let direct = std::mem::replace(&mut self.direct, spare_direct);
        let batch = (
            std::mem::replace(&mut self.goods, goods),
            std::mem::replace(&mut self.bads, bads),
            (self.loader == Loader::Copy).then(|| (self.typed.clone(), direct)),
        );
        if !self.commit_pieces && matches!(self.writer, Writer::Here(_)) {
            let Writer::Here(store) = std::mem::replace(&mut self.writer, Writer::Gone) else {
                unreachable!("matched above")
            };
            self.writer = spawn(store)?;
        }
        match &mut self.writer {
            Writer::Here(store) => {
                let mut batch = batch;
                let result = store.write_batch(&mut batch);
                self.tables = store.tables.clone();
                self.typed = store.typed.clone();
                result
            }
            Writer::Thread { batches, .. } => match batches.send(batch) {
                Ok(()) => Ok(()),
                // The thread stopped at a failed batch: its error.
                Err(_) => self.join(),
            },
            Writer::Gone => Err(io::Error::other("the PostgreSQL writer stopped")),
        }
    }

    /// Waits for the writer's thread (if any) to commit what it was given.
    fn join(&mut self) -> io::Result<()> {
        let Writer::Thread { .. } = self.writer else {
            return Ok(());
        };
        let Writer::Thread {
            batches, thread, ..
        } = std::mem::replace(&mut self.writer, Writer::Gone)
        else {
            unreachable!("matched above")
        };
        drop(batches);
        let (store, result) = thread
            .join()
            .map_err(|_| io::Error::other("the PostgreSQL writer panicked"))?;
        self.writer = Writer::Here(store);
        result
    }
}

/// The writer's thread over `store`: it writes each batch it is given, and stops at the
/// first that fails.
fn spawn(mut store: Box<Store>) -> io::Result<Writer> {
    // No buffer: `send` waits until the thread takes the batch, so one batch is written while
    // the next is filled, and memory holds two batches at most.
    let (batches, received) = sync_channel::<Batch>(0);
    let (spares_back, spares) = channel::<Batch>();
    let stats = store.stats.clone();
    let thread = std::thread::Builder::new()
        .name("postgres".into())
        .spawn(move || {
            for batch in received {
                let mut batch = batch;
                if let Err(error) = store.write_batch(&mut batch) {
                    return (store, Err(error));
                }
                // Its buffers back to the caller, emptied: the next batches reuse their
                // memory instead of touching new pages.
                let (goods, bads, direct) = &mut batch;
                goods.clear();
                bads.clear();
                if let Some((_, direct)) = direct {
                    direct.clear();
                }
                let _ = spares_back.send(batch);
            }
            (store, Ok(()))
        })?;
    Ok(Writer::Thread {
        batches,
        spares,
        thread,
        stats,
    })
}

impl Store {
    /// The error of a failed batch; a connection that failed other than by the database's
    /// refusal is not used again. (It may not know yet that it is closed: a `COPY` refused
    /// before it starts leaves the driver out of step with the server, rust-postgres#789.)
    fn lose(&mut self, failure: Failure) -> io::Error {
        self.lost |= matches!(failure, Failure::Lost(_));
        failure.into_io()
    }

    /// A new connection when the last one broke and the sink knows where to connect; whether
    /// it connected again.
    fn reconnect_if_closed(&mut self) -> io::Result<bool> {
        let closed = self.lost || self.client.is_closed();
        let Some(url) = self.url.as_deref().filter(|_| closed) else {
            return Ok(false);
        };
        let mut client = Client::connect(url, NoTls)
            .map_err(|e| io::Error::other(ConnectError::Connect(e).to_string()))?;
        let (tables, typed) =
            prepare(&mut client, self.loader).map_err(|e| io::Error::other(e.to_string()))?;
        self.tables = Arc::new(tables);
        self.present = vec![false; typed.tables.len()];
        self.typed = Arc::new(typed);
        self.client = client;
        self.lost = false;
        self.ensured.clear();
        self.typed_staging = false;
        Ok(true)
    }

    /// Writes a batch, one transaction; on a refused batch, row by row.
    fn write_batch(&mut self, batch: &mut Batch) -> io::Result<()> {
        let (goods, bads, direct) = batch;
        // The batch is dropped on any error: the caller has not acknowledged its inputs and
        // sends them again (a replay stores nothing twice).
        if self.reconnect_if_closed()? {
            // The new connection's typed tables may be numbered otherwise.
            for good in goods.iter_mut() {
                good.typed = self
                    .tables
                    .values()
                    .flat_map(HashMap::values)
                    .find(|(table, _)| *table == good.table)
                    .and_then(|(_, typed)| *typed);
            }
        }
        // Typed for these tables, or again (a new connection's tables).
        let mut rebuilt = DirectRows::default();
        let direct = match direct {
            Some((typed, direct)) if Arc::ptr_eq(typed, &self.typed) => direct,
            Some(_) => {
                for good in goods.iter_mut() {
                    good.direct = good
                        .typed
                        .is_some_and(|no| rebuilt.push(&self.typed, no, &good.payload));
                }
                &rebuilt
            }
            None => &rebuilt,
        };
        let first = match self.loader {
            Loader::Copy if self.replaying => Mode::Staged,
            Loader::Copy => Mode::Direct,
            Loader::Staged => Mode::Staged,
            Loader::Functions => Mode::Functions,
        };
        let mut result = self.try_batch(goods, bads, first, direct);
        if self.loader == Loader::Copy
            && first == Mode::Staged
            && let Ok(inserted) = result
        {
            // Still a replay while most of the batch was stored already.
            self.replaying = inserted * 2 < goods.len() as u64;
        }
        if result.is_err() {
            // A partition this connection saw may be gone (retention detaches them).
            self.ensured.clear();
        }
        if first == Mode::Direct
            && matches!(&result, Err(Failure::Refused(_)))
            && !self.client.is_closed()
        {
            // Most often a row of the batch is stored already (a replay, or a concurrent
            // loader's): the batch is rolled back and redone, and `ON CONFLICT` skips
            // whatever is stored. (Any other refusal is met again there, and then row by
            // row.)
            lock(&self.stats).redone += 1;
            result = self.try_batch(goods, bads, Mode::Staged, direct);
            // The next batch of a replay would be refused too: staged, until one is mostly
            // new rows.
            self.replaying = true;
        }
        match result {
            Ok(_) => {}
            Err(Failure::Refused(_)) if !self.client.is_closed() => {
                // Refused: each valid payload alone, so one bad value costs only its own row;
                // through its loader function, whose error is the one a bad row records.
                for good in goods.iter() {
                    match self.try_batch(std::slice::from_ref(good), &[], Mode::Functions, direct) {
                        Ok(_) => {}
                        Err(Failure::Refused(error)) => {
                            lock(&self.stats).refused += 1;
                            if let Some(db) = error.as_db_error() {
                                bads.push(refused(good, db));
                            }
                        }
                        Err(failure) => return Err(self.lose(failure)),
                    }
                }
                self.try_batch(&[], bads, Mode::Functions, direct)
                    .map_err(Failure::into_io)?;
            }
            Err(failure) => return Err(self.lose(failure)),
        }
        Ok(())
    }

    /// One transaction: the valid payloads (typed on the client the `mode` way where the map
    /// allows, through the loader functions otherwise), then the bad rows. Returns the rows
    /// the event tables gained.
    fn try_batch(
        &mut self,
        goods: &[GoodRow],
        bads: &[BadRecord],
        mode: Mode,
        direct: &DirectRows,
    ) -> Result<u64, Failure> {
        let mut tx = self.client.transaction()?;
        let mut inserted = 0u64;
        let mut typed_count = 0u64;
        self.copy.clear();
        self.typed_rows.clear();
        self.present.iter_mut().for_each(|p| *p = false);
        let direct = Some(direct).filter(|_| mode == Mode::Direct);
        for good in goods {
            if mode == Mode::Direct && good.direct {
                continue;
            }
            if let Some(i) = good.typed.filter(|_| mode == Mode::Staged)
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
        let mut ensured = Vec::new();
        if let Some(direct) = direct {
            // The partitions first: creating one locks its table exclusively, which a lock
            // taken before it would turn into a deadlock between two loaders.
            ensured = ensure_partitions(&mut tx, &self.typed, direct, &self.ensured)?;
            // Then the tables, in a statement of their own: a `COPY` refused before it starts
            // (no such table, no privilege) leaves the driver out of step with the server
            // (rust-postgres#789), a refused `LOCK` does not. `COPY` takes the same lock.
            let mut tables: Vec<String> = direct
                .rows
                .iter()
                .enumerate()
                .filter(|(_, rows)| !rows.is_empty())
                .map(|(no, _)| qualified("events", &self.typed.tables[no].name))
                .collect();
            if !bads.is_empty() {
                tables.push(qualified("eventcat", "bad_events"));
            }
            if !tables.is_empty() {
                tx.batch_execute(&format!(
                    "LOCK TABLE ONLY {} IN ROW EXCLUSIVE MODE",
                    tables.join(", ")
                ))?;
            }
            inserted += copy_direct(&mut tx, &self.typed, direct)?;
            typed_count += direct.typed;
        }
        let mut created = false;
        if typed_count > 0 && mode == Mode::Staged {
            // The typed staging table, at its first use: most loads never redo a batch.
            if !self.typed_staging {
                tx.batch_execute(&self.typed.create)?;
                created = true;
            }
            // One `COPY` for every table, then the statements in one round trip: the
            // partitions, then an insert per table.
            copy_in(&mut tx, self.typed.copy(), &self.typed_rows)?;
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
            copy_in(
                &mut tx,
                "COPY pg_temp.eventcat_staging FROM STDIN",
                &self.copy,
            )?;
            for row in tx.query("SELECT inserted FROM eventcat.load_staged()", &[])? {
                let n: i64 = row.get(0);
                inserted += n as u64;
            }
        }
        let mut bad_inserted = 0;
        if !bads.is_empty() {
            self.copy.clear();
            let columns =
                "(source, position, event_name, version, errors, payload, payload_base64)";
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
            if mode == Mode::Direct {
                // Straight in, as the valid rows: one stored already (a replay) is a unique
                // violation, and the batch is redone through the staging table.
                let copy = format!("COPY eventcat.bad_events {columns} FROM STDIN");
                bad_inserted = copy_in(&mut tx, &copy, &self.copy)?;
            } else {
                copy_in(
                    &mut tx,
                    "COPY pg_temp.eventcat_bad_staging FROM STDIN",
                    &self.copy,
                )?;
                bad_inserted = tx.execute(
                    format!(
                        "INSERT INTO eventcat.bad_events {columns} SELECT * \
                         FROM pg_temp.eventcat_bad_staging \
                         ON CONFLICT (source, position, md5(payload)) DO NOTHING"
                    )
                    .as_str(),
                    &[],
                )?;
            }
        }
        tx.commit()?;
        self.typed_staging |= created;
        for (no, key) in ensured {
            self.ensured.entry(no).or_default().insert(key);
        }
        let mut stats = lock(&self.stats);
        stats.staged += goods.len() as u64;
        stats.inserted += inserted;
        stats.duplicates += goods.len() as u64 - inserted;
        stats.bad_rows += bads.len() as u64;
        stats.bad_inserted += bad_inserted;
        stats.batches += 1;
        stats.typed += typed_count;
        Ok(inserted)
    }
}

/// Makes sure of the partitions of the batch's typed rows (one statement) that this
/// connection has not seen committed: most batches of a running load need none. Returns the
/// partitions made sure of.
fn ensure_partitions(
    tx: &mut postgres::Transaction<'_>,
    typed: &Typed,
    direct: &DirectRows,
    ensured: &HashMap<usize, HashSet<String>>,
) -> Result<Vec<(usize, String)>, Failure> {
    let mut needed = Vec::new();
    let (mut nos, mut times) = (Vec::new(), Vec::new());
    for (no, partition, timestamp) in &direct.samples {
        if !ensured.get(no).is_some_and(|e| e.contains(partition)) {
            nos.push(*no as i32);
            times.push(timestamp.as_str());
            needed.push((*no, partition.clone()));
        }
    }
    if !nos.is_empty() {
        tx.execute(typed.ensure_direct(), &[&nos, &times])?;
    }
    Ok(needed)
}

/// The batch's typed rows straight into their tables, a `COPY` per table. A row stored
/// already (a replay, or a concurrent loader's) makes its `COPY` a unique violation, and the
/// caller redoes the batch through the staging table, whose `ON CONFLICT DO NOTHING` skips
/// it: new rows, the common case, pay for no key lookup. Returns the rows copied.
fn copy_direct(
    tx: &mut postgres::Transaction<'_>,
    typed: &Typed,
    direct: &DirectRows,
) -> Result<u64, Failure> {
    let mut copied = 0;
    for (no, rows) in direct.rows.iter().enumerate() {
        if rows.is_empty() {
            continue;
        }
        copied += copy_in(tx, &typed.tables[no].copy, rows)?;
    }
    Ok(copied)
}

/// `COPY ... FROM STDIN` of `rows` (in `COPY`'s text format); the rows copied.
fn copy_in(
    tx: &mut postgres::Transaction<'_>,
    statement: &str,
    rows: &[u8],
) -> Result<u64, Failure> {
    let mut writer = tx.copy_in(statement)?;
    writer.write_all(rows).map_err(Failure::Lost)?;
    Ok(writer.finish()?)
}

impl Sink for PostgresSink {
    fn valid(&mut self, good: &Good<'_>) -> io::Result<()> {
        let (source, position) = origin(good.at);
        let major = semver_major(good.version);
        // Valid payloads are UTF-8 (the check is faster than the lossy conversion's).
        let payload = match std::str::from_utf8(good.payload) {
            Ok(text) => text.to_owned(),
            Err(_) => String::from_utf8_lossy(good.payload).into_owned(),
        };
        let table = self.tables.get(good.event);
        match major.and_then(|m| table?.get(&m)) {
            Some((table, typed)) => {
                let direct = self.loader == Loader::Copy
                    && typed.is_some_and(|no| self.direct.push(&self.typed, no, &payload));
                self.goods.push(GoodRow {
                    source,
                    position,
                    table: table.clone(),
                    typed: *typed,
                    direct,
                    payload,
                })
            }
            None => {
                self.no_table += 1;
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
type Tables = HashMap<String, HashMap<u64, (Arc<str>, Option<usize>)>>;

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
        (Loader::Copy | Loader::Staged, Some(map)) => typed::plan(client, map, &registered)
            .map_err(|e| match e {
                typed::PlanError::Map(e) => ConnectError::ColumnMap(e.to_string()),
                typed::PlanError::Database(e) => ConnectError::NoSchema(e),
            })?,
        _ => Typed::none(),
    };
    let place: HashMap<&str, usize> = typed
        .tables
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.as_str(), i))
        .collect();
    let mut tables = Tables::new();
    for row in &rows {
        let major: i32 = row.get(1);
        let name: String = row.get(2);
        let typed = place.get(name.as_str()).copied();
        tables
            .entry(row.get(0))
            .or_default()
            .insert(major as u64, (name.into(), typed));
    }
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

/// How one transaction stores the typed rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Straight into the event tables ([`copy_direct`]).
    Direct,
    /// Through the staging table and `ON CONFLICT DO NOTHING`.
    Staged,
    /// None typed: every row through its loader function.
    Functions,
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
