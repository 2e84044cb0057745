//! Inputs (files, stdin, any reader; gzip by extension or magic bytes) cut into pieces of whole
//! payloads, read in big blocks, with every line counted.
//!
//! NDJSON input is cut at the last newline of each block (found with `memchr`): a piece is about
//! `chunk_bytes` of whole lines, split into lines by the worker that validates it. A JSON array of
//! payloads, or one or more JSON documents (pretty-printed, say), is cut by a small scanner that
//! follows strings and nesting depth with a counter (no recursion, so any depth is fine) into one
//! unit per payload. A line (or payload) longer than `max_line_bytes` is never buffered whole:
//! it is skipped to its end and reported as `input:too_long`, which keeps memory bounded for any
//! input.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// How the input is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InputFormat {
    /// A JSON array if the first non-blank character is `[`, JSON documents if the first
    /// non-blank line is a lone `{` (pretty-printed), NDJSON otherwise.
    #[default]
    Auto,
    /// One payload a line.
    Ndjson,
    /// A JSON array of payloads, or JSON documents one after another (whitespace between).
    Json,
}

/// One input to validate.
pub struct Input {
    /// The name reports use (`-` shows as `<stdin>`).
    pub name: String,
    source: Source,
}

enum Source {
    Stdin,
    Path(PathBuf),
    Reader(Box<dyn Read + Send>),
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Input").field("name", &self.name).finish()
    }
}

impl Input {
    /// A command-line argument: `-` is stdin, anything else a path.
    pub fn from_arg(arg: &str) -> Self {
        if arg == "-" {
            Input::stdin()
        } else {
            Input::path(arg)
        }
    }

    pub fn stdin() -> Self {
        Input {
            name: "<stdin>".to_owned(),
            source: Source::Stdin,
        }
    }

    pub fn path(path: impl AsRef<Path>) -> Self {
        Input {
            name: path.as_ref().display().to_string(),
            source: Source::Path(path.as_ref().to_path_buf()),
        }
    }

    /// Any reader (a pipeline's buffer, a socket); gzip is detected by its magic bytes.
    pub fn reader(name: impl Into<String>, reader: impl Read + Send + 'static) -> Self {
        Input {
            name: name.into(),
            source: Source::Reader(Box::new(reader)),
        }
    }

    /// The size on disk, when it is a regular file (for progress).
    pub fn size(&self) -> Option<u64> {
        match &self.source {
            Source::Path(path) => std::fs::metadata(path)
                .ok()
                .filter(|m| m.is_file())
                .map(|m| m.len()),
            _ => None,
        }
    }

    /// Opens the input; `read` counts the raw (compressed) bytes read, for progress.
    pub(crate) fn open(self, read: Arc<AtomicU64>) -> io::Result<Opened> {
        let (reader, by_name, interactive): (Box<dyn Read + Send>, bool, bool) = match self.source {
            Source::Stdin => (Box::new(io::stdin()), false, true),
            Source::Path(path) => {
                let gz = path
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("gz"));
                (Box::new(File::open(&path)?), gz, false)
            }
            Source::Reader(reader) => (reader, false, false),
        };
        let mut buffered = BufReader::with_capacity(
            256 * 1024,
            Counting {
                inner: reader,
                read,
            },
        );
        let magic = peek(&mut buffered, 2)?;
        let gzip = by_name || magic.starts_with(&[0x1f, 0x8b]);
        let reader: Box<dyn Read + Send> = if gzip {
            Box::new(flate2::bufread::MultiGzDecoder::new(buffered))
        } else {
            Box::new(buffered)
        };
        Ok(Opened {
            reader,
            // Decompressed data arrives in small reads; only raw stdin signals "nothing more yet".
            interactive: interactive && !gzip,
        })
    }
}

/// The first `n` bytes (or fewer at end of input), without consuming them.
fn peek(reader: &mut BufReader<impl Read>, n: usize) -> io::Result<Vec<u8>> {
    loop {
        match reader.fill_buf() {
            Ok(buf) => return Ok(buf[..buf.len().min(n)].to_vec()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}

pub(crate) struct Opened {
    pub reader: Box<dyn Read + Send>,
    /// A pipe or terminal: a piece is handed on as soon as a read comes back short, so
    /// `tail -f | eventcat-validate` reports as lines arrive.
    pub interactive: bool,
}

struct Counting {
    inner: Box<dyn Read + Send>,
    read: Arc<AtomicU64>,
}

impl Read for Counting {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// A run of whole payloads from one input.
#[derive(Debug)]
pub(crate) struct Piece {
    pub file: u32,
    pub data: Vec<u8>,
    pub kind: PieceKind,
    /// Physical lines this piece accounts for.
    pub lines: u64,
}

#[derive(Debug)]
pub(crate) enum PieceKind {
    /// NDJSON: `data` is whole lines (the last one may lack its newline at end of input),
    /// the first of them numbered `first_line`.
    Lines { first_line: u64 },
    /// JSON mode: one unit per payload.
    Units(Vec<Unit>),
    /// An NDJSON line over the limit, skipped.
    TooLong { line: u64, bytes: u64 },
}

/// One payload in JSON mode: `data[start..end]`, starting on `line`.
#[derive(Debug, Clone)]
pub(crate) struct Unit {
    pub start: usize,
    pub end: usize,
    pub line: u64,
    pub problem: Option<UnitProblem>,
    /// The input started with a byte order mark, skipped before this unit.
    pub bom: bool,
}

#[derive(Debug, Clone)]
pub(crate) enum UnitProblem {
    /// The array's structure around the payload is broken (a missing comma, a stray `,`).
    Structure(&'static str),
    /// Longer than the limit; skipped.
    TooLong(u64),
}

const READ_BYTES: usize = 256 * 1024;

/// Cuts one opened input into pieces.
pub(crate) struct Chunker {
    reader: Box<dyn Read + Send>,
    interactive: bool,
    file: u32,
    chunk_bytes: usize,
    max_line: usize,
    format: InputFormat,
    /// Bytes read and not yet handed on (NDJSON: the start of an unfinished line).
    carry: Vec<u8>,
    /// The next line's number (1-based).
    line: u64,
    eof: bool,
    /// The last byte read, to count a final line without a newline.
    last_byte: Option<u8>,
    scan: Scan,
    /// JSON mode: read but not yet scanned.
    pending: Vec<u8>,
    pending_at: usize,
    /// Where reads land before they are appended.
    scratch: Vec<u8>,
    /// An interactive input's last read came back short: nothing more is there yet, so what
    /// is buffered is handed on rather than held for the next read.
    drained: bool,
}

impl Chunker {
    pub fn new(
        opened: Opened,
        file: u32,
        chunk_bytes: usize,
        max_line: usize,
        format: InputFormat,
    ) -> Self {
        Chunker {
            reader: opened.reader,
            interactive: opened.interactive,
            file,
            chunk_bytes: chunk_bytes.max(1),
            max_line: max_line.max(1),
            format,
            carry: Vec::new(),
            line: 1,
            eof: false,
            last_byte: None,
            scan: Scan::default(),
            pending: Vec::new(),
            pending_at: 0,
            scratch: Vec::new(),
            drained: false,
        }
    }

    /// The index of the input being cut.
    pub fn file(&self) -> u32 {
        self.file
    }

    /// Reads up to `want` bytes (at most one scratch buffer) onto `buf`'s end; returns the count
    /// (0 at end of input). Reading into a fixed buffer and copying costs a `memcpy`; reading
    /// into `buf` directly would cost zero-filling its spare room on every read, which is worse
    /// when a pipe hands out a few KiB at a time.
    fn fill(&mut self, buf: &mut Vec<u8>, want: usize) -> io::Result<usize> {
        if self.scratch.is_empty() {
            self.scratch = vec![0; READ_BYTES];
        }
        let want = want.clamp(1, self.scratch.len());
        let n = loop {
            match self.reader.read(&mut self.scratch[..want]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        buf.extend_from_slice(&self.scratch[..n]);
        self.drained = self.interactive && n < want;
        if n == 0 {
            self.eof = true;
        } else {
            self.last_byte = buf.last().copied();
        }
        Ok(n)
    }

    /// The next piece, `None` at the end of the input. `spare` is a buffer to reuse.
    pub fn next(&mut self, spare: Vec<u8>) -> io::Result<Option<Piece>> {
        if self.format == InputFormat::Auto {
            self.format = self.detect()?;
        }
        match self.format {
            InputFormat::Json => self.next_json(spare),
            _ => self.next_lines(spare),
        }
    }

    /// Reads the start of the input into `carry` and decides its layout.
    fn detect(&mut self) -> io::Result<InputFormat> {
        let mut head = std::mem::take(&mut self.carry);
        loop {
            let text = head.strip_prefix(BOM).unwrap_or(&head);
            let start = text.iter().position(|b| !is_ws(*b));
            if let Some(start) = start {
                if text[start] == b'[' {
                    self.carry = head;
                    return Ok(InputFormat::Json);
                }
                if let Some(end) = memchr::memchr(b'\n', &text[start..]) {
                    let first = &text[start..start + end];
                    let lone_brace = first.iter().filter(|b| !is_ws(**b)).eq([b'{'].iter());
                    self.carry = head;
                    return Ok(if lone_brace {
                        InputFormat::Json
                    } else {
                        InputFormat::Ndjson
                    });
                }
            }
            if self.eof || head.len() > self.max_line {
                self.carry = head;
                return Ok(InputFormat::Ndjson);
            }
            self.fill(&mut head, READ_BYTES)?;
        }
    }

    fn next_lines(&mut self, mut buf: Vec<u8>) -> io::Result<Option<Piece>> {
        buf.clear();
        buf.append(&mut self.carry);
        // Bytes before `scanned` hold no newline.
        let mut scanned = 0;
        let mut cut = None;
        loop {
            if let Some(at) = memchr::memrchr(b'\n', &buf[scanned..]) {
                cut = Some(scanned + at);
            }
            scanned = buf.len();
            if self.eof {
                break;
            }
            if cut.is_some() && buf.len() >= self.chunk_bytes {
                break;
            }
            if cut.is_none() && buf.len() > self.max_line {
                return self.skip_long_line(buf).map(Some);
            }
            if cut.is_some() && self.drained {
                break;
            }
            // Always a whole read: a piece ends up between `chunk_bytes` and one read more.
            self.fill(&mut buf, READ_BYTES)?;
        }
        match cut {
            Some(at) => {
                self.carry.extend_from_slice(&buf[at + 1..]);
                buf.truncate(at + 1);
            }
            None if buf.is_empty() => return Ok(None),
            // End of input: the last line has no newline.
            None => {}
        }
        if self.eof && !self.carry.is_empty() && cut.is_some() && buf.len() < self.chunk_bytes {
            // Hand the final unterminated line on with the rest.
            buf.append(&mut self.carry);
        }
        let mut lines = memchr::memchr_iter(b'\n', &buf).count() as u64;
        if buf.last() != Some(&b'\n') {
            lines += 1;
        }
        let first_line = self.line;
        self.line += lines;
        Ok(Some(Piece {
            file: self.file,
            data: buf,
            kind: PieceKind::Lines { first_line },
            lines,
        }))
    }

    /// Skips a line longer than the limit, buffering at most one read of it.
    fn skip_long_line(&mut self, mut buf: Vec<u8>) -> io::Result<Piece> {
        let mut bytes = buf.len() as u64;
        loop {
            buf.clear();
            if self.fill(&mut buf, READ_BYTES)? == 0 {
                break;
            }
            if let Some(at) = memchr::memchr(b'\n', &buf) {
                bytes += at as u64;
                self.carry.extend_from_slice(&buf[at + 1..]);
                break;
            }
            bytes += buf.len() as u64;
        }
        let line = self.line;
        self.line += 1;
        buf.clear();
        Ok(Piece {
            file: self.file,
            data: buf,
            kind: PieceKind::TooLong { line, bytes },
            lines: 1,
        })
    }

    fn next_json(&mut self, mut out: Vec<u8>) -> io::Result<Option<Piece>> {
        out.clear();
        if !self.carry.is_empty() {
            // What detection read: scan it first.
            self.pending = std::mem::take(&mut self.carry);
            self.pending_at = 0;
        }
        let mut units = Vec::new();
        let lines_before = self.line;
        loop {
            if self.pending_at < self.pending.len() {
                let pending = std::mem::take(&mut self.pending);
                let used = self.scan_bytes(&pending[self.pending_at..], &mut out, &mut units);
                self.pending = pending;
                self.pending_at += used;
                let between = !self.scan.in_value() && !units.is_empty();
                if between && out.len() >= self.chunk_bytes {
                    break;
                }
                if between && self.drained && self.pending_at == self.pending.len() {
                    break; // hand on what arrived rather than wait for more
                }
                continue;
            }
            if self.eof {
                self.scan_end(&mut out, &mut units);
                break;
            }
            let mut pending = std::mem::take(&mut self.pending);
            pending.clear();
            self.pending_at = 0;
            self.fill(&mut pending, READ_BYTES)?;
            self.pending = pending;
        }
        let mut lines = self.line - lines_before;
        if self.eof && self.pending_at >= self.pending.len() && !self.scan.counted_last {
            self.scan.counted_last = true;
            if self.last_byte.is_some_and(|b| b != b'\n') {
                lines += 1;
            }
        }
        if units.is_empty() && lines == 0 {
            return Ok(None);
        }
        Ok(Some(Piece {
            file: self.file,
            data: out,
            kind: PieceKind::Units(units),
            lines,
        }))
    }

    /// Scans `input`, copying payload bytes to `out` and closing units; stops early after a
    /// unit that fills the piece. Returns the bytes consumed.
    fn scan_bytes(&mut self, input: &[u8], out: &mut Vec<u8>, units: &mut Vec<Unit>) -> usize {
        let s = &mut self.scan;
        let mut i = 0;
        while i < input.len() {
            let b = input[i];
            if let Some(value) = &mut s.value {
                // Inside a payload. Inside a string, jump to the next byte that matters.
                if value.state == (ValueState::String { escape: false }) {
                    let rest = &input[i..];
                    let run = memchr::memchr3(b'"', b'\\', b'\n', rest).unwrap_or(rest.len());
                    if run > 0 {
                        match value.skipped {
                            Some(ref mut skipped) => *skipped += run as u64,
                            None => {
                                out.extend_from_slice(&rest[..run]);
                                if out.len() - value.start > self.max_line {
                                    value.skipped = Some((out.len() - value.start) as u64);
                                    out.truncate(value.start);
                                }
                            }
                        }
                        i += run;
                        continue;
                    }
                }
                let mut ends_after = false;
                let mut ends_before = false;
                match value.state {
                    ValueState::Bare => {
                        if is_ws(b) || matches!(b, b',' | b']' | b'}' | b'[' | b'{' | b'"') {
                            ends_before = true;
                        }
                    }
                    ValueState::String { escape } => {
                        if escape {
                            value.state = ValueState::String { escape: false };
                        } else if b == b'\\' {
                            value.state = ValueState::String { escape: true };
                        } else if b == b'"' {
                            if value.depth == 0 {
                                ends_after = true;
                            } else {
                                value.state = ValueState::Nested;
                            }
                        }
                    }
                    ValueState::Nested => match b {
                        b'"' => value.state = ValueState::String { escape: false },
                        b'{' | b'[' => value.depth += 1,
                        b'}' | b']' => {
                            value.depth -= 1;
                            if value.depth == 0 {
                                ends_after = true;
                            }
                        }
                        _ => {}
                    },
                }
                if ends_before {
                    close_value(s, out, units);
                    continue; // the byte belongs to what follows
                }
                if b == b'\n' {
                    self.line += 1;
                }
                match value.skipped {
                    Some(ref mut skipped) => *skipped += 1,
                    None => {
                        out.push(b);
                        if out.len() - value.start > self.max_line {
                            value.skipped = Some((out.len() - value.start) as u64);
                            out.truncate(value.start);
                        }
                    }
                }
                i += 1;
                if ends_after {
                    close_value(s, out, units);
                    if out.len() >= self.chunk_bytes {
                        return i;
                    }
                }
                continue;
            }
            // Between payloads.
            if b == b'\n' {
                self.line += 1;
            }
            i += 1;
            if s.at_start {
                s.bom_seen.push(b);
                if BOM.starts_with(&s.bom_seen) {
                    if s.bom_seen.len() == BOM.len() {
                        s.bom = true;
                        s.at_start = false;
                    }
                    continue;
                }
                s.at_start = false;
                // Not a BOM after all: rescan those bytes as content.
                let seen = std::mem::take(&mut s.bom_seen);
                if seen.len() > 1 {
                    // A partial BOM is garbage; treat it as a bare value.
                    s.start_value(out, self.line, &seen[..seen.len() - 1], None);
                    close_value(s, out, units);
                }
            }
            if is_ws(b) {
                continue;
            }
            match (s.top, b) {
                (Top::Start, b'[') => s.top = Top::Array(Expect::ValueOrEnd),
                (Top::Array(Expect::Separator), b',') => s.top = Top::Array(Expect::Value),
                (Top::Array(Expect::ValueOrEnd | Expect::Separator), b']') => s.top = Top::Stream,
                (Top::Array(Expect::Value), b']') => {
                    push_problem(
                        s,
                        out,
                        units,
                        self.line,
                        "a value after the last ',' (trailing comma)",
                    );
                    s.top = Top::Stream;
                }
                (Top::Array(_), b',') => {
                    push_problem(s, out, units, self.line, "a value before ',' (stray comma)");
                }
                (top, _) => {
                    let problem = match top {
                        Top::Array(Expect::Separator) => Some(UnitProblem::Structure(
                            "',' or ']' before this payload (missing comma)",
                        )),
                        _ => None,
                    };
                    if let Top::Array(_) = top {
                        s.top = Top::Array(Expect::Separator);
                    } else {
                        s.top = Top::Stream;
                    }
                    s.start_value(out, self.line, &[b], problem);
                    let value = s.value.as_mut().expect("just started");
                    match b {
                        b'{' | b'[' => {
                            value.depth = 1;
                            value.state = ValueState::Nested;
                        }
                        b'"' => value.state = ValueState::String { escape: false },
                        _ => value.state = ValueState::Bare,
                    }
                }
            }
        }
        input.len()
    }

    /// End of input: close an unfinished payload (the parser reports it) and an open array.
    fn scan_end(&mut self, out: &mut [u8], units: &mut Vec<Unit>) {
        let s = &mut self.scan;
        if s.value.is_some() {
            close_value(s, out, units);
        }
        if let Top::Array(_) = s.top {
            push_problem(
                s,
                out,
                units,
                self.line,
                "']' closing the JSON array (end of input came first)",
            );
            s.top = Top::Stream;
        }
    }
}

fn close_value(s: &mut Scan, out: &mut [u8], units: &mut Vec<Unit>) {
    let _ = out;
    if let Some(value) = s.value.take() {
        let end = if value.skipped.is_some() {
            value.start
        } else {
            out.len()
        };
        units.push(Unit {
            start: value.start,
            end,
            line: value.line,
            problem: match value.skipped {
                Some(bytes) => Some(UnitProblem::TooLong(bytes)),
                None => value.problem,
            },
            bom: std::mem::take(&mut s.bom),
        });
    }
}

fn push_problem(
    s: &mut Scan,
    out: &mut [u8],
    units: &mut Vec<Unit>,
    line: u64,
    what: &'static str,
) {
    units.push(Unit {
        start: out.len(),
        end: out.len(),
        line,
        problem: Some(UnitProblem::Structure(what)),
        bom: std::mem::take(&mut s.bom),
    });
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// JSON whitespace.
pub(crate) fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Top {
    Start,
    Array(Expect),
    /// Values one after another (documents, or what follows a closed array).
    Stream,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    ValueOrEnd,
    Value,
    Separator,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ValueState {
    /// A number, `true`, or garbage: ends at whitespace or punctuation.
    Bare,
    String {
        escape: bool,
    },
    Nested,
}

#[derive(Debug)]
struct Value {
    start: usize,
    line: u64,
    depth: usize,
    state: ValueState,
    problem: Option<UnitProblem>,
    /// Over the limit: bytes skipped so far.
    skipped: Option<u64>,
}

#[derive(Debug)]
struct Scan {
    top: Top,
    value: Option<Value>,
    at_start: bool,
    bom_seen: Vec<u8>,
    bom: bool,
    counted_last: bool,
}

impl Default for Scan {
    fn default() -> Self {
        Scan {
            top: Top::Start,
            value: None,
            at_start: true,
            bom_seen: Vec::new(),
            bom: false,
            counted_last: false,
        }
    }
}

impl Scan {
    fn in_value(&self) -> bool {
        self.value.is_some()
    }

    fn start_value(
        &mut self,
        out: &mut Vec<u8>,
        line: u64,
        first: &[u8],
        problem: Option<UnitProblem>,
    ) {
        let start = out.len();
        out.extend_from_slice(first);
        self.value = Some(Value {
            start,
            line,
            depth: 0,
            state: ValueState::Bare,
            problem,
            skipped: None,
        });
    }
}

impl Piece {
    /// Calls `f(line, bytes)` for each line of an NDJSON piece (without its `\n`).
    pub fn for_each_line(&self, first_line: u64, mut f: impl FnMut(u64, &[u8], usize)) {
        let data = &self.data;
        let mut start = 0;
        let mut line = first_line;
        for end in memchr::memchr_iter(b'\n', data) {
            f(line, &data[start..end], start);
            start = end + 1;
            line += 1;
        }
        if start < data.len() {
            f(line, &data[start..], start);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(input: &[u8], format: InputFormat, chunk: usize, max: usize) -> Vec<Piece> {
        let opened = Input::reader("t", io::Cursor::new(input.to_vec()))
            .open(Arc::default())
            .unwrap();
        let mut chunker = Chunker::new(opened, 0, chunk, max, format);
        let mut out = Vec::new();
        while let Some(piece) = chunker.next(Vec::new()).unwrap() {
            out.push(piece);
        }
        out
    }

    fn lines_of(pieces: &[Piece]) -> Vec<(u64, String)> {
        let mut lines = Vec::new();
        for piece in pieces {
            match &piece.kind {
                PieceKind::Lines { first_line } => piece.for_each_line(*first_line, |n, l, _| {
                    lines.push((n, String::from_utf8_lossy(l).into_owned()))
                }),
                PieceKind::TooLong { line, bytes } => lines.push((*line, format!("<{bytes}>"))),
                PieceKind::Units(_) => panic!("units"),
            }
        }
        lines
    }

    #[test]
    fn ndjson_pieces_hold_whole_lines_and_count_them() {
        let text = b"{\"a\":1}\n\n{\"b\":2}\r\n{\"c\":3}";
        for chunk in [1, 3, 8, 1 << 20] {
            let pieces = pieces(text, InputFormat::Auto, chunk, 1 << 20);
            assert_eq!(
                pieces.iter().map(|p| p.lines).sum::<u64>(),
                4,
                "chunk {chunk}"
            );
            assert_eq!(
                lines_of(&pieces),
                vec![
                    (1, "{\"a\":1}".into()),
                    (2, "".into()),
                    (3, "{\"b\":2}\r".into()),
                    (4, "{\"c\":3}".into())
                ],
                "chunk {chunk}"
            );
        }
        assert!(pieces(b"", InputFormat::Auto, 8, 8).is_empty());
        assert_eq!(
            lines_of(&pieces(b"\n", InputFormat::Auto, 8, 8)),
            vec![(1, "".into())]
        );
    }

    #[test]
    fn long_lines_are_skipped_not_buffered() {
        let mut text = b"{}\n".to_vec();
        text.extend(std::iter::repeat_n(b'x', 1 << 20));
        text.extend(b"\n{}\n");
        let pieces = pieces(&text, InputFormat::Ndjson, 64, 100);
        assert_eq!(
            lines_of(&pieces),
            vec![(1, "{}".into()), (2, "<1048576>".into()), (3, "{}".into())]
        );
        assert!(pieces.iter().all(|p| p.data.len() <= 64 + READ_BYTES));
    }

    fn units_of(
        input: &[u8],
        chunk: usize,
        max: usize,
    ) -> (Vec<(u64, String, Option<String>)>, u64) {
        let pieces = pieces(input, InputFormat::Auto, chunk, max);
        let mut units = Vec::new();
        let mut lines = 0;
        for piece in &pieces {
            lines += piece.lines;
            let PieceKind::Units(list) = &piece.kind else {
                panic!("not json: {:?}", piece.kind)
            };
            for u in list {
                units.push((
                    u.line,
                    String::from_utf8_lossy(&piece.data[u.start..u.end]).into_owned(),
                    u.problem.as_ref().map(|p| format!("{p:?}")),
                ));
            }
        }
        (units, lines)
    }

    #[test]
    fn json_arrays_split_into_payloads() {
        let text = b"[\n  {\"a\": \"x]}\\\"\"},\n  {\"b\": [1, {\"c\": 2}]},\n  42, \"s\"\n]\n";
        for chunk in [1, 5, 1 << 20] {
            let (units, lines) = units_of(text, chunk, 1 << 20);
            assert_eq!(lines, 5);
            assert_eq!(
                units,
                vec![
                    (2, r#"{"a": "x]}\""}"#.into(), None),
                    (3, r#"{"b": [1, {"c": 2}]}"#.into(), None),
                    (4, "42".into(), None),
                    (4, "\"s\"".into(), None),
                ],
                "chunk {chunk}"
            );
        }
    }

    #[test]
    fn pretty_arrays_of_objects() {
        let text = b"[\n  {\n    \"a\": 1,\n    \"b\": {\"c\": [true]}\n  },\n  {\n    \"d\": \"x\"\n  }\n]";
        for chunk in [1, 16, 1 << 20] {
            let (units, lines) = units_of(text, chunk, 1 << 20);
            assert_eq!(lines, 9, "chunk {chunk}");
            let starts: Vec<u64> = units.iter().map(|u| u.0).collect();
            assert_eq!(starts, vec![2, 6], "chunk {chunk}: {units:?}");
        }
    }

    /// Arrays and documents much larger than one read and one piece: every payload is found,
    /// whatever the piece size and however reads split the input.
    #[test]
    fn large_json_inputs_lose_no_payload() {
        let payload = format!(
            "{{\"a\": \"{}\", \"b\": [1, {{\"c\": \"]}}\\\"\"}}]}}",
            "x".repeat(500)
        );
        let count = 3000;
        let array = format!(
            "[\n{}\n]\n",
            vec![format!("  {payload}"); count].join(",\n")
        );
        let documents = format!(
            "{{\n  \"k\": 1\n}}\n{}",
            format!("{payload}\n").repeat(count - 1)
        );
        for text in [&array, &documents] {
            for chunk in [1, 4096, 1 << 20] {
                let (units, lines) = units_of(text.as_bytes(), chunk, 1 << 20);
                assert_eq!(lines, text.lines().count() as u64, "chunk {chunk}");
                assert_eq!(units.len(), count, "chunk {chunk}");
                assert!(units.iter().all(|u| u.2.is_none()), "chunk {chunk}");
            }
        }
    }

    #[test]
    fn pretty_documents_and_broken_arrays() {
        let (units, lines) = units_of(b"{\n  \"a\": 1\n}\n{\n  \"b\": 2\n}", 1 << 20, 1 << 20);
        assert_eq!(lines, 6);
        assert_eq!(units.len(), 2);
        assert_eq!(units[1].0, 4);

        let (units, _) = units_of(b"[{\"a\":1} {\"b\":2},,{\"c\":3},]", 1 << 20, 1 << 20);
        let problems: Vec<_> = units.iter().map(|u| u.2.is_some()).collect();
        assert_eq!(problems, vec![false, true, true, false, true]);

        let (units, _) = units_of(b"[{\"a\":1}", 1 << 20, 1 << 20);
        assert_eq!(units.len(), 2);
        assert!(units[1].2.as_deref().unwrap().contains("closing"));

        let deep = format!("[{}{}]", "[".repeat(100_000), "]".repeat(100_000));
        let (units, _) = units_of(deep.as_bytes(), 4096, 1 << 20);
        assert_eq!(units.len(), 1);
        assert_eq!(units[0].1.len(), 200_000);

        let (units, _) = units_of(
            format!("[{{\"a\":\"{}\"}}, {{}}]", "x".repeat(5000)).as_bytes(),
            64,
            1000,
        );
        assert_eq!(units.len(), 2);
        assert_eq!(units[0].2.as_deref(), Some("TooLong(5008)"));
        assert_eq!(units[1].1, "{}");
    }

    #[test]
    fn gzip_is_detected_by_magic_bytes() {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(b"{\"a\":1}\n{\"b\":2}\n").unwrap();
        let gz = encoder.finish().unwrap();
        let pieces = pieces(&gz, InputFormat::Auto, 1 << 20, 1 << 20);
        assert_eq!(lines_of(&pieces).len(), 2);
    }
}
