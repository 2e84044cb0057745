//! Where a long-running front-end (`serve`, and later `consume`) writes good events and bad
//! rows: an output spec per side (`--good SPEC`, `--bad SPEC`) opened into one
//! [`Sink`](eventcat_engine::Sink).
//!
//! A spec is `-` (stdout), a file path (NDJSON, appended to, rotated by size when asked), or a
//! JetStream subject (`nats://HOST:PORT/SUBJECT`, `tls://...`: each flush waits for JetStream
//! to acknowledge what was published), or a PostgreSQL database (`postgres://...`: valid
//! events into the catalog's tables, bad rows into `eventcat.bad_events`; each flush is a
//! commit). Each kind is a variant of [`OutputSpec`] opened into a sink of its own; [`open`]
//! puts the two sides together.
//!
//! Sinks are synchronous (they block on the disk, a broker or a database), so front-ends call
//! them from one writer thread of their own, never from an async task.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use eventcat_engine::{NdjsonSink, Sink};
use eventcat_validate::sides::{BoxSink, Split};

/// One side's output, as given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputSpec {
    /// `-`: NDJSON on stdout.
    Stdout,
    /// An NDJSON file, appended to.
    File(PathBuf),
    /// A JetStream subject: `server` is the URL (`nats://HOST:PORT`), credentials from the
    /// environment (`NATS_USER` with `NATS_PASSWORD`, `NATS_TOKEN`, `NATS_CREDS`, `NATS_TLS_CA`).
    JetStream { server: String, subject: String },
    /// A PostgreSQL database with the catalog's tables (`generated/sql/schema.sql`): the
    /// loader's [`PostgresSink`](eventcat_validate::postgres::PostgresSink).
    Postgres { url: String },
}

impl FromStr for OutputSpec {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        if text == "-" {
            return Ok(OutputSpec::Stdout);
        }
        if text.is_empty() {
            return Err(SPECS.to_owned());
        }
        let scheme = text.split_once("://").map(|(scheme, _)| scheme);
        if matches!(scheme, Some("postgres" | "postgresql")) {
            return Ok(OutputSpec::Postgres {
                url: text.to_owned(),
            });
        }
        if matches!(scheme, Some("nats" | "tls")) {
            let (server, subject) = eventcat_validate::nats::sink::parse_spec(text)?;
            return Ok(OutputSpec::JetStream { server, subject });
        }
        if let Some(scheme) =
            scheme.filter(|s| s.chars().all(|c| c.is_ascii_alphanumeric() || c == '+'))
        {
            return Err(format!("{scheme}:// outputs are not supported; {SPECS}"));
        }
        Ok(OutputSpec::File(PathBuf::from(text)))
    }
}

const SPECS: &str =
    "an output is `-` (stdout), a file path, nats://HOST:PORT/SUBJECT or postgres://...";

/// How outputs are opened.
#[derive(Debug, Clone, Copy, Default)]
pub struct OutputOptions {
    /// Rotate a file once it holds at least this many bytes (at a flush, so one batch is never
    /// split across two files). `None`: never.
    pub rotate_bytes: Option<u64>,
    /// `fsync` files at each flush (and their folder when one is created or rotated), so what
    /// was flushed survives a power cut. Stdout is a pipe or terminal: nothing to sync.
    pub fsync: bool,
}

/// The sink of both sides: good events to `good`, bad rows to `bad`; a side without a spec is
/// not written.
pub fn open(
    good: Option<&OutputSpec>,
    bad: Option<&OutputSpec>,
    options: OutputOptions,
) -> io::Result<Box<dyn Sink + Send>> {
    if let (Some(OutputSpec::Postgres { url: g }), Some(OutputSpec::Postgres { url: b })) =
        (good, bad)
        && g == b
    {
        // One database for both sides: one connection, one commit per flush.
        return Ok(Box::new(postgres(g)?));
    }
    let sink = |spec: Option<&OutputSpec>| {
        matches!(
            spec,
            Some(OutputSpec::JetStream { .. } | OutputSpec::Postgres { .. })
        )
    };
    if sink(good) || sink(bad) {
        return Ok(Box::new(Split {
            good: good.map(|spec| side(spec, true, options)).transpose()?,
            bad: bad.map(|spec| side(spec, false, options)).transpose()?,
        }));
    }
    let good = good.map(|spec| writer(spec, options)).transpose()?;
    let bad = bad.map(|spec| writer(spec, options)).transpose()?;
    Ok(Box::new(NdjsonSink::new(good, bad)))
}

/// The sink of one side (`good`: valid events, else bad rows).
fn side(spec: &OutputSpec, good: bool, options: OutputOptions) -> io::Result<BoxSink> {
    Ok(match spec {
        OutputSpec::JetStream { server, subject } => {
            let connect = eventcat_validate::nats::ConnectArgs::from_env(server)
                .map_err(|error| io::Error::new(io::ErrorKind::InvalidInput, error))?;
            let (g, b) = if good {
                (Some(subject.clone()), None)
            } else {
                (None, Some(subject.clone()))
            };
            Box::new(eventcat_validate::nats::sink::JetStreamSink::connect(
                &connect, g, b,
            )?)
        }
        // Either side: the sink is given only that side's verdicts. Valid events the database
        // refuses become bad rows in the same database (`storage:rejected`), whatever `--bad` is.
        OutputSpec::Postgres { url } => Box::new(postgres(url)?),
        other => {
            let out = writer(other, options)?;
            if good {
                Box::new(NdjsonSink::new(Some(out), None::<BoxWrite>))
            } else {
                Box::new(NdjsonSink::new(None::<BoxWrite>, Some(out)))
            }
        }
    })
}

fn postgres(url: &str) -> io::Result<eventcat_validate::postgres::PostgresSink> {
    eventcat_validate::postgres::PostgresSink::connect(url)
        .map_err(|e| io::Error::other(e.to_string()))
}

type BoxWrite = Box<dyn Write + Send>;

fn writer(spec: &OutputSpec, options: OutputOptions) -> io::Result<BoxWrite> {
    Ok(match spec {
        OutputSpec::Stdout => Box::new(BufWriter::with_capacity(1 << 16, io::stdout())),
        OutputSpec::File(path) => Box::new(RotatingFile::open(
            path,
            options.rotate_bytes,
            options.fsync,
        )?),
        OutputSpec::JetStream { .. } | OutputSpec::Postgres { .. } => {
            unreachable!("JetStream and PostgreSQL outputs are sinks, not writers")
        }
    })
}

/// An NDJSON file opened for appending, moved aside to `<path>.<n>` (the first free `n` from
/// 1) when it has reached the size limit at a flush, and opened anew.
#[derive(Debug)]
pub struct RotatingFile {
    path: PathBuf,
    file: BufWriter<File>,
    size: u64,
    limit: Option<u64>,
    /// `fsync` at each flush.
    sync: bool,
}

impl RotatingFile {
    pub fn open(path: &Path, limit: Option<u64>, sync: bool) -> io::Result<Self> {
        let file = append(path)?;
        let size = file.metadata()?.len();
        if sync {
            // The file may be new: its name is durable once its folder is synced.
            sync_folder(path)?;
        }
        Ok(RotatingFile {
            path: path.to_owned(),
            file: BufWriter::with_capacity(1 << 16, file),
            size,
            limit,
            sync,
        })
    }

    fn rotate(&mut self) -> io::Result<()> {
        let aside = (1u64..)
            .map(|n| {
                let mut name = self.path.clone().into_os_string();
                name.push(format!(".{n}"));
                PathBuf::from(name)
            })
            .find(|candidate| !candidate.exists())
            .expect("some rotation number is free");
        std::fs::rename(&self.path, &aside).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!(
                    "cannot rotate {} to {}: {e}",
                    self.path.display(),
                    aside.display()
                ),
            )
        })?;
        self.file = BufWriter::with_capacity(1 << 16, append(&self.path)?);
        self.size = 0;
        if self.sync {
            sync_folder(&self.path)?;
        }
        Ok(())
    }
}

/// `fsync` of the folder holding `path`: makes a created or renamed name durable.
fn sync_folder(path: &Path) -> io::Result<()> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    File::open(folder)
        .and_then(|f| f.sync_all())
        .map_err(|e| io::Error::new(e.kind(), format!("cannot sync {}: {e}", folder.display())))
}

fn append(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| io::Error::new(e.kind(), format!("cannot open {}: {e}", path.display())))
}

impl Write for RotatingFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.size += n as u64;
        Ok(n)
    }

    /// Writes what is buffered to the file (the operating system has it: it survives the
    /// process, not a power cut), with `sync` also to the disk (`sync_data`: it survives a
    /// power cut), then rotates if the file is full.
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()?;
        if self.sync {
            self.file.get_ref().sync_data().map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("cannot sync {}: {e}", self.path.display()),
                )
            })?;
        }
        if self.limit.is_some_and(|limit| self.size >= limit) {
            self.rotate()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse() {
        for (text, spec) in [
            ("-", Ok(OutputSpec::Stdout)),
            ("good.ndjson", Ok(OutputSpec::File("good.ndjson".into()))),
            ("./a://b", Ok(OutputSpec::File("./a://b".into()))),
            (
                "postgres://u@127.0.0.1:5432/events",
                Ok(OutputSpec::Postgres {
                    url: "postgres://u@127.0.0.1:5432/events".into(),
                }),
            ),
            (
                "postgresql://127.0.0.1/events?sslmode=disable",
                Ok(OutputSpec::Postgres {
                    url: "postgresql://127.0.0.1/events?sslmode=disable".into(),
                }),
            ),
            (
                "nats://127.0.0.1:4222/events.good",
                Ok(OutputSpec::JetStream {
                    server: "nats://127.0.0.1:4222".into(),
                    subject: "events.good".into(),
                }),
            ),
        ] {
            assert_eq!(text.parse::<OutputSpec>(), spec, "{text}");
        }
        for text in [
            "",
            "nats://127.0.0.1:4222",
            "nats://h:1/events.>",
            "mysql://x/y",
        ] {
            assert!(text.parse::<OutputSpec>().is_err(), "{text}");
        }
    }

    #[test]
    fn a_full_file_is_rotated_at_a_flush_and_appended_to_otherwise() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("good.ndjson");
        std::fs::write(&path, "old\n").unwrap();
        let mut file = RotatingFile::open(&path, Some(10), true).unwrap();
        file.write_all(b"abc\n").unwrap();
        file.flush().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old\nabc\n");
        file.write_all(b"defgh\n").unwrap();
        file.flush().unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("good.ndjson.1")).unwrap(),
            "old\nabc\ndefgh\n"
        );
        file.write_all(b"i\n").unwrap();
        file.flush().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "i\n");
    }
}
