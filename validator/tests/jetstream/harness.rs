//! A real `nats-server` with JetStream for the tests: a free loopback port, a temporary store
//! folder (file storage, so a restart keeps the streams), stopped when dropped. A machine
//! without it fails the test and says how to install it.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct NatsServer {
    child: Option<Child>,
    pub port: u16,
    dir: tempfile::TempDir,
    config: Option<PathBuf>,
}

fn binary() -> PathBuf {
    let found = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/bin")])
        .map(|dir| dir.join("nats-server"))
        .find(|path| path.is_file());
    found.unwrap_or_else(|| {
        panic!("nats-server is not installed: apt-get install nats-server (Debian's package)")
    })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl NatsServer {
    /// A server with JetStream and no authentication.
    pub fn start() -> Self {
        Self::start_with("")
    }

    /// A server with extra configuration (an `authorization { ... }` block, say).
    pub fn start_with(extra_config: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let config = (!extra_config.is_empty()).then(|| {
            let path = dir.path().join("server.conf");
            std::fs::write(&path, extra_config).unwrap();
            path
        });
        let mut server = NatsServer {
            child: None,
            port,
            dir,
            config,
        };
        server.launch();
        server
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    fn launch(&mut self) {
        let mut command = Command::new(binary());
        if let Some(config) = &self.config {
            command.arg("-c").arg(config);
        }
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("server.log"))
            .unwrap();
        let child = command
            .args([
                "-js",
                "-a",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-sd",
            ])
            .arg(self.dir.path().join("store"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "nats-server did not listen on {} within 15s:\n{}",
                self.port,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// Stops the server the way an operator does (SIGTERM: it flushes its store) and waits.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(15);
            while child.try_wait().unwrap().is_none() {
                if Instant::now() > deadline {
                    let _ = child.kill();
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }

    /// The same server again: same port, same store.
    pub fn restart(&mut self) {
        self.stop();
        self.launch();
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `eventcat-validate publish` into `events.raw` on `server` (stream EVENTS, made if
/// missing), before its credentials and files.
pub fn publish_command(server: &NatsServer) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_eventcat-validate"));
    command.args([
        "publish",
        "--nats",
        &server.url(),
        "--create-stream",
        "EVENTS",
    ]);
    command
}

/// `eventcat-validate publish` of a file into `events.raw` (stream EVENTS, made if missing);
/// its summary.
pub fn publish(server: &NatsServer, file: &std::path::Path) -> serde_json::Value {
    let output = publish_command(server).arg(file).output().unwrap();
    assert!(
        output.status.success(),
        "publish: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// `eventcat-validate serve` on a free loopback port with outputs `good` and `bad` and the
/// environment `env` (no other `NATS_*` credentials): its address, or, when it stops before
/// listening, its exit code and stderr. Killed when dropped.
pub fn start_serve(
    env: &[(&str, &str)],
    good: &str,
    bad: &str,
) -> Result<ServeProcess, (i32, String)> {
    use std::io::{BufRead, BufReader};

    let mut child = Command::new(crate::BIN)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--good",
            good,
            "--bad",
            bad,
        ])
        .env_remove("NATS_USER")
        .env_remove("NATS_TOKEN")
        .env_remove("NATS_CREDS")
        .env_remove("NATS_NKEY")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let (found, address) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        for line in stderr.lines().map_while(Result::ok) {
            if let Some(at) = line.find("listening on http://") {
                let rest = &line[at + "listening on http://".len()..];
                let _ = found.send(rest.split_whitespace().next().unwrap().to_owned());
            }
            text.push_str(&line);
            text.push('\n');
        }
        text
    });
    match address.recv_timeout(Duration::from_secs(30)) {
        Ok(address) => Ok(ServeProcess { child, address }),
        Err(_) => {
            let status = child.wait().unwrap();
            let text = reader.join().unwrap();
            Err((status.code().unwrap_or(-1), text))
        }
    }
}

pub struct ServeProcess {
    pub child: std::process::Child,
    pub address: String,
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
