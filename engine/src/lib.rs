//! eventcat-engine: payload validation against a catalog's versioned JSON Schemas, the one
//! engine behind every front-end (`eventcat-validate` on files, its HTTP server, the stream
//! consumer, the loader). It knows nothing of the catalog's YAML or of code generation (no syn,
//! no YAML parser): the `eventcat` crate re-exports it as `eventcat::validate` and adds
//! registries compiled from a catalog.
//!
//! - [`Registry`]: every (event, version) schema compiled once with `jsonschema` (draft 2020-12,
//!   formats asserted), looked up by `event_name` and `version` in a map built once; shared by
//!   all threads.
//! - [`Registry::validate`]: one payload in, one [`Verdict`] out — the API a pipeline calls per
//!   event. Valid payloads take the fast path (`is_valid` and the privacy checks, no allocation
//!   for errors); only invalid ones are walked again with `iter_errors` for every error.
//! - [`Registry::validate_lines`]: a buffer of NDJSON lines, one verdict per line, with the same
//!   line rules as the binary.
//! - [`run`]: the stream API — files, stdin or any reader (NDJSON, a JSON array, JSON
//!   documents; gzip), validated in parallel in ~1 MiB pieces, reported in input order with
//!   every line accounted for, in bounded memory.
//!
//! What counts as invalid, beyond the schema:
//! - input: a blank line (`input:blank`), bytes that are not UTF-8 (`input:invalid_utf8`), a line
//!   over the size limit (`input:too_long`); a UTF-8 byte order mark and CRLF line ends are
//!   tolerated (stripped and counted in the summary);
//! - JSON: a syntax error (`json:syntax`), nesting deeper than 127 levels (`json:too_deep`), the same
//!   key twice in an object (`json:duplicate_key`: parsers disagree on which one wins);
//! - the envelope: not an object, no string `event_name` or `version`, an unknown event or
//!   version (`envelope:*`);
//! - privacy (`privacy:*`): the forms `x-pii` states (anonymized IPs, hashed values) and the
//!   environment restrictions `x-environments` states.

mod input;
mod parse;
pub mod program;
mod registry;
mod report;
pub mod schema_files;
mod sink;
mod stream;
mod verdict;

pub use eventcat_runtime::privacy;

pub use input::{Input, InputFormat};
pub use parse::{MAX_DEPTH, ParseError};
pub use registry::{
    CompiledSchema, EVENT_NAME_KEY, Quick, Registry, RegistryError, SchemaId, SchemaSource,
    VERSION_KEY, percent_decode, read_dir_sources,
};
pub use report::{ErrorCount, EventCount, FileSummary, Location, Notice, ReportFormat, Summary};
pub use sink::{At, BadRow, Good, NdjsonSink, NullSink, Sink, deliver};
pub use stream::{
    DEFAULT_CHUNK_BYTES, DEFAULT_MAX_LINE_BYTES, Options, Outputs, Progress, ProgressFn, RunError,
    run, thread_count,
};
pub use verdict::{Invalid, MAX_SHOWN, PayloadError, Verdict, rules};
