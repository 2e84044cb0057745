//! The pipeline: read pieces of ~1 MiB, validate them on a rayon pool, write the results in
//! input order.
//!
//! A reader thread cuts the inputs into pieces; the calling thread (the writer) hands each
//! piece to the pool and writes finished pieces strictly in input order. The reader and the
//! workers feed the writer through one channel, so it wakes for whichever comes first and writes
//! a result as soon as its turn comes (a pipe fed line by line is reported line by line). The
//! reader takes one of `2 × threads + 2` slots before it reads a piece and the writer gives it
//! back once the piece is written, so at most that many pieces exist at any time (being read,
//! validated, or done and waiting for an earlier one): memory is bounded by them, whatever the
//! input's length. Input buffers go back to the reader, output buffers to the workers. With
//! one thread everything runs on the calling thread: no channels, no pool.

use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use super::input::{Chunker, Input, InputFormat, Piece, PieceKind, UnitProblem, is_ws};
use super::registry::{Registry, utf8_error};
use super::report::{self, FileSummary, ReportFormat, Summary, Tally};
use super::sink::{self, At, Sink};
use super::verdict::{Invalid, PayloadError, Verdict, rules};

/// Progress, as the writer sees it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Progress {
    /// Raw bytes read from the inputs (compressed bytes for gzip).
    pub bytes_read: u64,
    /// The inputs' total size, when every input is a regular file.
    pub bytes_total: Option<u64>,
    pub payloads: u64,
    pub invalid: u64,
}

/// A progress callback.
pub type ProgressFn = Box<dyn Fn(&Progress) + Send + Sync>;

/// How a run reads, validates and reports.
pub struct Options {
    /// Worker threads; 0 means every core.
    pub threads: usize,
    /// Bytes of input per piece handed to a worker.
    pub chunk_bytes: usize,
    /// Longer lines (or JSON payloads) are skipped and reported as `input:too_long`.
    pub max_line_bytes: usize,
    pub input_format: InputFormat,
    pub format: ReportFormat,
    /// Rows of "most frequent errors" in the summary.
    pub top_errors: usize,
    /// Called after each piece is written.
    pub progress: Option<ProgressFn>,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("threads", &self.threads)
            .field("chunk_bytes", &self.chunk_bytes)
            .field("max_line_bytes", &self.max_line_bytes)
            .field("input_format", &self.input_format)
            .field("format", &self.format)
            .field("top_errors", &self.top_errors)
            .finish_non_exhaustive()
    }
}

pub const DEFAULT_CHUNK_BYTES: usize = 1 << 20;
pub const DEFAULT_MAX_LINE_BYTES: usize = 64 << 20;

impl Default for Options {
    fn default() -> Self {
        Options {
            threads: 0,
            chunk_bytes: DEFAULT_CHUNK_BYTES,
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            input_format: InputFormat::Auto,
            format: ReportFormat::Human,
            top_errors: 10,
            progress: None,
        }
    }
}

/// Where a run writes: the report, and the sink, which gets every valid payload and a bad row
/// for every other line (or payload), in input order: together they hold every input line
/// exactly once. The sink is flushed after each piece of input.
pub struct Outputs<'a> {
    pub report: &'a mut dyn Write,
    pub sink: Option<&'a mut dyn Sink>,
}

impl std::fmt::Debug for Outputs<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outputs")
            .field("sink", &self.sink.is_some())
            .finish_non_exhaustive()
    }
}

/// Writing a report failed (the inputs' own failures are in the summary instead).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot write the output: {0}")]
    Output(#[source] io::Error),
    #[error("cannot start the worker threads: {0}")]
    Threads(String),
}

/// The number of worker threads `threads` asks for (0: every core).
pub fn thread_count(threads: usize) -> usize {
    if threads > 0 {
        threads
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }
}

/// Validates every input and writes the report, the good and bad rows, and the summary.
/// An input that cannot be opened or read is recorded in the summary (`failure`) and the run
/// goes on with the next one.
pub fn run(
    registry: Arc<Registry>,
    inputs: Vec<Input>,
    options: &Options,
    outputs: Outputs<'_>,
) -> Result<Summary, RunError> {
    let threads = thread_count(options.threads);
    let context = Arc::new(Context {
        registry,
        files: inputs.iter().map(|i| i.name.clone()).collect(),
        format: options.format,
        sink: outputs.sink.is_some(),
        max_line: options.max_line_bytes,
        pool: Mutex::new(Vec::new()),
    });
    let bytes_total = inputs.iter().map(Input::size).sum::<Option<u64>>();
    let read = Arc::new(AtomicU64::new(0));
    let mut writer = Writer {
        outputs,
        format: options.format,
        files: inputs
            .iter()
            .map(|i| FileSummary {
                file: i.name.clone(),
                ..FileSummary::default()
            })
            .collect(),
        tally: Tally::new(0),
        any_items: false,
        progress: options.progress.as_ref(),
        read: read.clone(),
        bytes_total,
    };
    report::write_header(options.format, writer.outputs.report).map_err(RunError::Output)?;
    let mut reader = Reader {
        inputs: inputs.into_iter().enumerate().collect(),
        current: None,
        options: ReaderOptions {
            chunk_bytes: options.chunk_bytes,
            max_line: options.max_line_bytes,
            format: options.input_format,
        },
        read,
        spare: Vec::new(),
    };
    if threads <= 1 {
        while let Some(item) = reader.next_item() {
            let done = match item {
                Item::Piece(piece) => Done::Piece(Box::new(process(piece, &context))),
                Item::Failure(file, message) => Done::Failure(file, message),
            };
            if let Some(data) = writer.write(done, &context)? {
                reader.spare.push(data);
            }
        }
    } else {
        parallel(reader, &mut writer, &context, threads)?;
    }
    let tally = std::mem::take(&mut writer.tally);
    let summary = tally.summarize(&context.registry, writer.files, options.top_errors);
    let any_items = writer.any_items;
    report::write_summary(options.format, &summary, any_items, writer.outputs.report)
        .map_err(RunError::Output)?;
    writer.outputs.report.flush().map_err(RunError::Output)?;
    if let Some(sink) = writer.outputs.sink {
        sink.flush().map_err(RunError::Output)?;
    }
    Ok(summary)
}

fn parallel(
    mut reader: Reader,
    writer: &mut Writer<'_, '_>,
    context: &Arc<Context>,
    threads: usize,
) -> Result<(), RunError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("eventcat-validate-{i}"))
        .build()
        .map_err(|e| RunError::Threads(e.to_string()))?;
    // One channel into the writer, from the reader (pieces) and the workers (results), so the
    // writer wakes for whichever comes first and writes each result as soon as its turn comes.
    let (events_tx, events_rx) = mpsc::channel::<Event>();
    let (spare_tx, spare_rx) = mpsc::channel::<Vec<u8>>();
    // Pieces between reading and writing, at most: the reader takes a slot before it reads a
    // piece, the writer gives it back once the piece is written.
    let slots = Arc::new(Slots::new(2 * threads + 2));
    // Whatever way the writer leaves, the reader must not wait for a slot forever.
    let _close = CloseOnDrop(Arc::clone(&slots));

    // Detached: if the writer stops early (a closed stdout), the reader may be blocked reading
    // a pipe that stays open; the run must not wait for it.
    let reader_slots = Arc::clone(&slots);
    let reader_events = events_tx.clone();
    std::thread::Builder::new()
        .name("eventcat-validate-reader".into())
        .spawn(move || {
            while reader_slots.acquire() {
                while let Ok(buffer) = spare_rx.try_recv() {
                    reader.spare.push(buffer);
                }
                let Some(item) = reader.next_item() else {
                    break;
                };
                if reader_events.send(Event::Item(item)).is_err() {
                    break; // the writer stopped
                }
            }
            let _ = reader_events.send(Event::ReaderDone);
        })
        .map_err(|e| RunError::Threads(e.to_string()))?;

    let mut next_seq = 0u64; // the next sequence number to hand out
    let mut next_write = 0u64; // the next one to write
    let mut waiting = std::collections::BTreeMap::<u64, Done>::new();
    let mut reader_done = false;
    while !(reader_done && next_write == next_seq) {
        // Until the end, the reader will send (it reads, or waits for a slot that a written
        // piece frees) or a job will (a slot is taken by a piece not yet written).
        let Ok(event) = events_rx.recv() else {
            break;
        };
        match event {
            Event::Item(Item::Piece(piece)) => {
                let seq = next_seq;
                next_seq += 1;
                let context = Arc::clone(context);
                let events_tx = events_tx.clone();
                pool.spawn(move || {
                    let result = process(piece, &context);
                    let _ = events_tx.send(Event::Done(seq, Done::Piece(Box::new(result))));
                });
            }
            Event::Item(Item::Failure(file, message)) => {
                waiting.insert(next_seq, Done::Failure(file, message));
                next_seq += 1;
            }
            Event::Done(seq, done) => {
                waiting.insert(seq, done);
            }
            Event::ReaderDone => reader_done = true,
        }
        while let Some(done) = waiting.remove(&next_write) {
            next_write += 1;
            let buffer = writer.write(done, context);
            slots.release();
            if let Some(buffer) = buffer? {
                let _ = spare_tx.send(buffer);
            }
        }
    }
    Ok(())
}

/// What the writer waits for.
enum Event {
    Item(Item),
    Done(u64, Done),
    ReaderDone,
}

/// A counting semaphore that can be closed (then `acquire` returns `false`).
struct Slots {
    state: Mutex<(usize, bool)>,
    changed: std::sync::Condvar,
}

impl Slots {
    fn new(count: usize) -> Self {
        Slots {
            state: Mutex::new((count, false)),
            changed: std::sync::Condvar::new(),
        }
    }

    /// Takes a slot, waiting for one; `false` once closed.
    fn acquire(&self) -> bool {
        let Ok(mut state) = self.state.lock() else {
            return false;
        };
        loop {
            if state.1 {
                return false;
            }
            if state.0 > 0 {
                state.0 -= 1;
                return true;
            }
            state = match self.changed.wait(state) {
                Ok(state) => state,
                Err(_) => return false,
            };
        }
    }

    fn release(&self) {
        if let Ok(mut state) = self.state.lock() {
            state.0 += 1;
        }
        self.changed.notify_one();
    }

    fn close(&self) {
        if let Ok(mut state) = self.state.lock() {
            state.1 = true;
        }
        self.changed.notify_all();
    }
}

struct CloseOnDrop(Arc<Slots>);

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// What workers share.
struct Context {
    registry: Arc<Registry>,
    files: Vec<String>,
    format: ReportFormat,
    /// A sink wants the verdicts (else only the report and the tally are kept).
    sink: bool,
    max_line: usize,
    /// Output buffers to reuse.
    pool: Mutex<Vec<Vec<u8>>>,
}

impl Context {
    fn buffer(&self) -> Vec<u8> {
        self.pool
            .lock()
            .ok()
            .and_then(|mut pool| pool.pop())
            .unwrap_or_default()
    }

    fn give_back(&self, mut buffer: Vec<u8>) {
        buffer.clear();
        if let Ok(mut pool) = self.pool.lock()
            && pool.len() < 64
        {
            pool.push(buffer);
        }
    }
}

enum Item {
    Piece(Piece),
    Failure(u32, String),
}

enum Done {
    Piece(Box<Processed>),
    Failure(u32, String),
}

struct ReaderOptions {
    chunk_bytes: usize,
    max_line: usize,
    format: InputFormat,
}

struct Reader {
    inputs: std::collections::VecDeque<(usize, Input)>,
    current: Option<Chunker>,
    options: ReaderOptions,
    read: Arc<AtomicU64>,
    spare: Vec<Vec<u8>>,
}

impl Reader {
    fn next_item(&mut self) -> Option<Item> {
        loop {
            if let Some(chunker) = &mut self.current {
                let spare = self.spare.pop().unwrap_or_default();
                match chunker.next(spare) {
                    Ok(Some(piece)) => return Some(Item::Piece(piece)),
                    Ok(None) => self.current = None,
                    Err(error) => {
                        let file = chunker.file();
                        self.current = None;
                        return Some(Item::Failure(file, format!("cannot read: {error}")));
                    }
                }
            }
            let (index, input) = self.inputs.pop_front()?;
            match input.open(self.read.clone()) {
                Ok(opened) => {
                    self.current = Some(Chunker::new(
                        opened,
                        index as u32,
                        self.options.chunk_bytes,
                        self.options.max_line,
                        self.options.format,
                    ));
                }
                Err(error) => {
                    return Some(Item::Failure(index as u32, format!("cannot open: {error}")));
                }
            }
        }
    }
}

/// A validated piece, ready to write.
struct Processed {
    data: Vec<u8>,
    report: Vec<u8>,
    /// The verdicts, in input order, when a sink wants them.
    records: Vec<Record>,
    tally: Tally,
}

/// One verdict of a piece, for the sink: where the payload is in the piece's data (`None`
/// when it was skipped unread), and its size.
struct Record {
    line: u64,
    range: Option<std::ops::Range<usize>>,
    bytes: u64,
    verdict: Verdict,
}

struct Writer<'o, 'p> {
    outputs: Outputs<'o>,
    format: ReportFormat,
    files: Vec<FileSummary>,
    tally: Tally,
    any_items: bool,
    progress: Option<&'p ProgressFn>,
    read: Arc<AtomicU64>,
    bytes_total: Option<u64>,
}

impl Writer<'_, '_> {
    /// Writes one finished piece; returns its input buffer for reuse.
    fn write(&mut self, done: Done, context: &Context) -> Result<Option<Vec<u8>>, RunError> {
        let processed = match done {
            Done::Failure(file, message) => {
                if let Some(summary) = self.files.get_mut(file as usize) {
                    summary.failure = Some(message);
                }
                return Ok(None);
            }
            Done::Piece(processed) => processed,
        };
        let mut report = processed.report.as_slice();
        if !report.is_empty() {
            if self.format == ReportFormat::Json && !self.any_items {
                report = report.strip_prefix(b",").unwrap_or(report);
            }
            self.any_items = true;
            self.outputs
                .report
                .write_all(report)
                .map_err(RunError::Output)?;
        }
        if let Some(sink) = self.outputs.sink.as_mut() {
            let file = context.files[processed.tally.file as usize].as_str();
            for record in &processed.records {
                let at = At::File {
                    file: file.into(),
                    line: record.line,
                };
                let payload = record.range.clone().map(|r| &processed.data[r]);
                sink::deliver(
                    &context.registry,
                    &mut **sink,
                    at,
                    payload,
                    record.bytes,
                    &record.verdict,
                )
                .map_err(RunError::Output)?;
            }
            sink.flush().map_err(RunError::Output)?;
        }
        // Reports reach a pipe piece by piece (`tail -f | eventcat-validate` reports as lines
        // arrive); a piece with nothing to say costs nothing.
        if !report.is_empty() {
            self.outputs.report.flush().map_err(RunError::Output)?;
        }
        let tally = processed.tally;
        if let Some(file) = self.files.get_mut(tally.file as usize) {
            file.lines += tally.lines;
            file.payloads += tally.payloads;
            file.valid += tally.valid;
            file.invalid += tally.invalid;
        }
        self.tally.merge(tally);
        context.give_back(processed.report);
        if let Some(progress) = self.progress {
            progress(&Progress {
                bytes_read: self.read.load(Ordering::Relaxed),
                bytes_total: self.bytes_total,
                payloads: self.tally.payloads,
                invalid: self.tally.invalid,
            });
        }
        Ok(Some(processed.data))
    }
}

/// Validates a piece: every line (or unit) gets exactly one verdict.
fn process(piece: Piece, context: &Context) -> Processed {
    let mut out = Processed {
        report: context.buffer(),
        records: Vec::new(),
        tally: Tally::new(piece.file),
        data: Vec::new(),
    };
    out.tally.lines = piece.lines;
    let file = context.files[piece.file as usize].as_str();
    match &piece.kind {
        PieceKind::Lines { first_line } => {
            // One UTF-8 check for the whole piece; per line only if it fails.
            let text = std::str::from_utf8(&piece.data).ok();
            piece.for_each_line(*first_line, |line, bytes, start| {
                let text = text.map(|t| &t[start..start + bytes.len()]);
                validate_line(context, file, line, bytes, start, text, &mut out);
            });
        }
        PieceKind::Units(units) => {
            for unit in units {
                if unit.bom {
                    out.tally.note_bom(file, 1);
                }
                let bytes = &piece.data[unit.start..unit.end];
                let verdict =
                    match &unit.problem {
                        Some(UnitProblem::TooLong(n)) => {
                            let invalid = too_long(*n, context.max_line);
                            record(
                                context,
                                file,
                                unit.line,
                                None,
                                *n,
                                Verdict::Invalid(invalid),
                                &mut out,
                            );
                            continue;
                        }
                        Some(UnitProblem::Structure(what)) => Verdict::input_error(
                            PayloadError::new("", rules::SYNTAX, *what, "a broken JSON array"),
                        ),
                        None => match std::str::from_utf8(bytes) {
                            Ok(text) => guarded(&context.registry, text),
                            Err(error) => Verdict::input_error(utf8_error(bytes, &error)),
                        },
                    };
                record(
                    context,
                    file,
                    unit.line,
                    Some(unit.start..unit.end),
                    bytes.len() as u64,
                    verdict,
                    &mut out,
                );
            }
        }
        PieceKind::TooLong { line, bytes } => {
            let invalid = too_long(*bytes, context.max_line);
            record(
                context,
                file,
                *line,
                None,
                *bytes,
                Verdict::Invalid(invalid),
                &mut out,
            );
        }
    }
    out.data = piece.data;
    out
}

fn too_long(bytes: u64, max: usize) -> Box<Invalid> {
    Box::new(Invalid {
        event: None,
        version: None,
        schema: None,
        errors: vec![PayloadError::new(
            "",
            rules::TOO_LONG,
            format!("a line of at most {max} bytes (--max-line-bytes)"),
            format!("{bytes} bytes, skipped unread"),
        )],
    })
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The verdict on one NDJSON line, and what was stripped from it first.
#[derive(Debug, Clone, PartialEq)]
pub struct LineVerdict<'a> {
    pub verdict: Verdict,
    /// The line without its `\r` and byte order mark: what a good row holds.
    pub payload: &'a [u8],
    /// The line began with a UTF-8 byte order mark (stripped).
    pub bom: bool,
    /// The line ended with `\r\n` (the `\r` stripped).
    pub crlf: bool,
}

/// One NDJSON line (without its `\n`), as `eventcat-validate` sees it: a trailing `\r` and a
/// leading byte order mark are tolerated (stripped, and said so), a line over `max_line` bytes
/// is `input:too_long`, a blank one `input:blank`; then UTF-8 (`text` when the caller already
/// checked it), JSON and the schema.
pub(crate) fn line_verdict<'a>(
    registry: &Registry,
    raw: &'a [u8],
    text: Option<&str>,
    max_line: usize,
) -> LineVerdict<'a> {
    let mut payload = raw;
    let mut text = text;
    let crlf = payload.ends_with(b"\r");
    if crlf {
        payload = &payload[..payload.len() - 1];
        text = text.map(|t| &t[..t.len() - 1]);
    }
    let bom = payload.starts_with(BOM);
    if bom {
        payload = &payload[BOM.len()..];
        text = text.map(|t| &t[BOM.len()..]);
    }
    let verdict = if payload.len() > max_line {
        Verdict::Invalid(too_long(payload.len() as u64, max_line))
    } else if payload.iter().all(|b| is_ws(*b)) {
        Verdict::input_error(PayloadError::new(
            "",
            rules::BLANK,
            "a JSON payload",
            if payload.is_empty() {
                "an empty line"
            } else {
                "a line of whitespace"
            },
        ))
    } else {
        match text.map_or_else(|| std::str::from_utf8(payload), Ok) {
            Ok(text) => guarded(registry, text),
            Err(error) => Verdict::input_error(utf8_error(payload, &error)),
        }
    };
    LineVerdict {
        verdict,
        payload,
        bom,
        crlf,
    }
}

impl Registry {
    /// Validates one NDJSON line (without its `\n`) with the rules `eventcat-validate` applies
    /// to lines (see [`LineVerdict`]); `max_line` is the size limit.
    pub fn validate_line<'a>(&self, raw: &'a [u8], max_line: usize) -> LineVerdict<'a> {
        line_verdict(self, raw, None, max_line)
    }

    /// Validates every line of an NDJSON buffer, in order, calling `f(line number, verdict)`
    /// (1-based): the batch API for a pipeline that holds its events in memory. A final line
    /// without a newline counts; an empty buffer has no line.
    pub fn validate_lines<'a>(
        &self,
        buffer: &'a [u8],
        max_line: usize,
        mut f: impl FnMut(u64, LineVerdict<'a>),
    ) {
        let text = std::str::from_utf8(buffer).ok();
        let mut start = 0;
        let mut line = 1;
        let mut each = |start: usize, end: usize, line: u64| {
            let text = text.map(|t| &t[start..end]);
            f(
                line,
                line_verdict(self, &buffer[start..end], text, max_line),
            );
        };
        for end in memchr::memchr_iter(b'\n', buffer) {
            each(start, end, line);
            start = end + 1;
            line += 1;
        }
        if start < buffer.len() {
            each(start, buffer.len(), line);
        }
    }
}

/// One NDJSON line of a piece: its verdict, recorded.
fn validate_line(
    context: &Context,
    file: &str,
    line: u64,
    raw: &[u8],
    start: usize,
    text: Option<&str>,
    out: &mut Processed,
) {
    let LineVerdict {
        verdict,
        payload,
        bom,
        crlf,
    } = line_verdict(&context.registry, raw, text, context.max_line);
    if crlf {
        out.tally.note_crlf(file, line);
    }
    if bom {
        out.tally.note_bom(file, line);
    }
    // The payload is the line less its byte order mark and `\r`.
    let from = start + if bom { BOM.len() } else { 0 };
    record(
        context,
        file,
        line,
        Some(from..from + payload.len()),
        payload.len() as u64,
        verdict,
        out,
    );
}

fn record(
    context: &Context,
    file: &str,
    line: u64,
    range: Option<std::ops::Range<usize>>,
    bytes: u64,
    verdict: Verdict,
    out: &mut Processed,
) {
    match &verdict {
        Verdict::Valid { schema } => out.tally.valid(*schema),
        Verdict::Invalid(invalid) => {
            out.tally.invalid(invalid);
            report::render_invalid(context.format, file, line, invalid, &mut out.report);
        }
    }
    if context.sink {
        out.records.push(Record {
            line,
            range,
            bytes,
            verdict,
        });
    }
}

/// Validates one payload; a panic (a bug, here or in a dependency) makes this payload invalid
/// with the rule `internal:panic` instead of taking the run down, so the accounting still holds.
fn guarded(registry: &Registry, text: &str) -> Verdict {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| registry.validate_str(text)))
        .unwrap_or_else(|panic| {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".to_owned());
            Verdict::input_error(PayloadError::new(
                "",
                rules::INTERNAL,
                "a payload the validator can check (this is a bug: please report it)",
                message,
            ))
        })
}
