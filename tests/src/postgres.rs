//! A real PostgreSQL for tests: `initdb` in a temporary folder, `pg_ctl` on a free loopback
//! port, stopped (and the folder removed) when the value is dropped.
//!
//! PostgreSQL refuses to run as root; under root (as in CI) the server runs as the `postgres`
//! user the Debian package creates (`runuser -u postgres`). A machine without the server binaries
//! fails the test with the command that installs them.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Output};

/// A running server; dropped, it is stopped.
#[derive(Debug)]
pub struct Postgres {
    bin: PathBuf,
    data: PathBuf,
    run_as: Option<String>,
    port: u16,
    _dir: tempfile::TempDir,
}

/// The folder of `initdb` and `pg_ctl`: `$EVENTCAT_PG_BIN`, else the newest
/// `/usr/lib/postgresql/<version>/bin` (Debian's layout), else `pg_config --bindir`.
pub fn bin_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("EVENTCAT_PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Ok(bin);
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if dir.join("initdb").is_file() {
            return Ok(dir);
        }
    }
    Err(
        "PostgreSQL's server binaries (initdb, pg_ctl) were not found: install them with \
         `sudo apt-get install postgresql` (listed in .ci/apt-packages), or point \
         EVENTCAT_PG_BIN at their folder"
            .into(),
    )
}

fn run(command: &mut Command) -> Output {
    let shown = format!("{command:?}");
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {shown}: {e}"));
    assert!(
        out.status.success(),
        "{shown} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

impl Postgres {
    /// Starts a new server, or panics saying why (and how to install PostgreSQL).
    pub fn start() -> Postgres {
        let bin = bin_dir().unwrap_or_else(|message| panic!("{message}"));
        let dir = tempfile::Builder::new()
            .prefix("eventcat-pg-")
            .tempdir()
            .expect("a temporary folder");
        let run_as = is_root().then(|| "postgres".to_owned());
        if run_as.is_some() {
            run(Command::new("chown").arg("postgres").arg(dir.path()));
        }
        let data = dir.path().join("data");
        let mut server = Postgres {
            bin,
            data,
            run_as,
            port: 0,
            _dir: dir,
        };
        run(server.command("initdb").args([
            "-D".as_ref(),
            server.data.as_os_str(),
            "-U".as_ref(),
            "postgres".as_ref(),
            "-A".as_ref(),
            "trust".as_ref(),
            "-E".as_ref(),
            "UTF8".as_ref(),
            "--no-sync".as_ref(),
            "--no-instructions".as_ref(),
        ]));
        // A port that is free now; another process may take it before the server binds, so
        // try a few.
        let mut last_error = String::new();
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free loopback port")
                .port();
            let socket_dir = server._dir.path().to_string_lossy().into_owned();
            let log = server._dir.path().join("server.log");
            let options = format!(
                "-c listen_addresses=127.0.0.1 -p {port} -k {socket_dir} -c fsync=off \
                 -c synchronous_commit=off -c full_page_writes=off"
            );
            let out = server
                .command("pg_ctl")
                .arg("-D")
                .arg(&server.data)
                .arg("-l")
                .arg(&log)
                .args(["-o", &options, "-w", "-t", "60", "start"])
                .output()
                .expect("pg_ctl runs");
            if out.status.success() {
                server.port = port;
                return server;
            }
            last_error = format!(
                "{}{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        panic!("PostgreSQL did not start: {last_error}");
    }

    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        match &self.run_as {
            Some(user) => {
                let mut command = Command::new("runuser");
                command.args(["-u", user, "--"]).arg(path);
                command
            }
            None => Command::new(path),
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL of a database as the superuser.
    pub fn url(&self, database: &str) -> String {
        format!("postgresql://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// A connection to `database` as the superuser.
    pub fn client(&self, database: &str) -> postgres::Client {
        postgres::Client::connect(&self.url(database), postgres::NoTls)
            .unwrap_or_else(|e| panic!("cannot connect to {}: {e}", self.url(database)))
    }

    /// Creates an empty database and returns its URL.
    pub fn create_database(&self, name: &str) -> String {
        let mut admin = self.client("postgres");
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .unwrap_or_else(|e| panic!("cannot create database {name}: {e}"));
        self.url(name)
    }

    /// Creates a database with the catalog's tables (`generated/sql/schema.sql` applied) and
    /// returns its URL and a client.
    pub fn create_database_with_schema(&self, name: &str) -> (String, postgres::Client) {
        let url = self.create_database(name);
        let schema =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../generated/sql/schema.sql");
        let schema = std::fs::read_to_string(&schema)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", schema.display()));
        let mut client = self.client(name);
        client
            .batch_execute(&schema)
            .unwrap_or_else(|e| panic!("cannot apply schema.sql to {name}: {e}"));
        (url, client)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if self.port == 0 {
            return;
        }
        let _ = self
            .command("pg_ctl")
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "-w", "stop"])
            .output();
    }
}
