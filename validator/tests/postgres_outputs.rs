//! `--good postgres://... --bad postgres://...` for the long-running front-ends, on a real
//! PostgreSQL (and a real nats-server for `consume`): `serve` answers a request only after its
//! rows are committed, `consume` acks a message only after its row is committed and naks it
//! when the commit fails, every input ends up exactly once in a table or in bad_events, and a
//! replay adds nothing.

#[path = "../../tests/src/postgres.rs"]
#[allow(dead_code)]
mod pg;

#[path = "jetstream/harness.rs"]
#[allow(dead_code)]
mod nats;

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use eventcat::sample::Sampler;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_eventcat-validate");

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn catalog() -> eventcat::ir::Catalog {
    eventcat::ir::lower(&eventcat::load(&workspace().join("catalog")).unwrap()).unwrap()
}

/// Rows over every event table.
fn event_rows(client: &mut postgres::Client) -> i64 {
    let tables: Vec<String> = client
        .query("SELECT table_name FROM eventcat.event_tables", &[])
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    tables
        .iter()
        .map(|t| {
            client
                .query_one(&format!("SELECT count(*) FROM events.\"{t}\""), &[])
                .unwrap()
                .get::<_, i64>(0)
        })
        .sum()
}

fn bad_rows(client: &mut postgres::Client, table: &str) -> i64 {
    client
        .query_one(&format!("SELECT count(*) FROM eventcat.{table}"), &[])
        .unwrap()
        .get(0)
}

/// `serve` on a free port; its address once it listens. Killed when dropped.
struct Serve(Child, String);

impl Serve {
    fn start(args: &[&str]) -> Serve {
        let mut child = Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .env_remove("EVENTCAT_WRITE_TOKEN")
            .env_remove("EVENTCAT_READ_TOKEN")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (found, address) = std::sync::mpsc::channel();
        let stderr = BufReader::new(child.stderr.take().unwrap());
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                eprintln!("serve: {line}");
                if let Some(at) = line.find("listening on http://") {
                    let rest = &line[at + "listening on http://".len()..];
                    let _ = found.send(rest.split_whitespace().next().unwrap().to_owned());
                }
            }
        });
        let address = address
            .recv_timeout(Duration::from_secs(30))
            .expect("serve did not start");
        Serve(child, address)
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn serve_commits_each_request_before_answering_and_a_replay_adds_nothing() {
    let pg = pg::Postgres::start();
    let (url, mut client) = pg.create_database_with_schema("serve");
    let serve = Serve::start(&["--good", &url, "--bad", &url]);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let registry = eventcat_validate::embedded_registry().unwrap();
    let catalog = catalog();
    let mut sampler = Sampler::new(&catalog, 71);
    let requests: Vec<Vec<String>> = (0..4)
        .map(|_| (0..50).map(|_| sampler.sample(0.3).unwrap().line).collect())
        .collect();
    let post = |i: usize, lines: &[String]| {
        let body: String = lines.iter().map(|l| format!("{l}\n")).collect();
        let mut response = agent
            .post(&format!("http://{}/v1/events", serve.1))
            .header("Content-Type", "application/x-ndjson")
            .header("X-Request-Id", &format!("client-{i}"))
            .send(body.as_bytes())
            .unwrap();
        let status = response.status().as_u16();
        let id = response
            .headers()
            .get("x-request-id")
            .map(|v| v.to_str().unwrap().to_owned());
        let text = response.body_mut().read_to_string().unwrap();
        assert_eq!(status, 200, "{text}");
        assert_eq!(id.as_deref(), Some(format!("client-{i}").as_str()));
        serde_json::from_str::<Value>(&text).unwrap()
    };

    let (mut valid, mut invalid) = (0i64, 0i64);
    for (i, lines) in requests.iter().enumerate() {
        let answer = post(i, lines);
        let good = lines
            .iter()
            .filter(|l| registry.validate(l.as_bytes()).is_valid())
            .count() as i64;
        assert_eq!(answer["accepted"], good);
        valid += good;
        invalid += lines.len() as i64 - good;
        // Answered, so committed: the counts are the verdicts so far, with no waiting.
        assert_eq!(event_rows(&mut client), valid, "after request {i}");
        assert_eq!(
            bad_rows(&mut client, "bad_events"),
            invalid,
            "after request {i}"
        );
    }
    assert!(
        valid > 100 && invalid > 30,
        "{valid} valid, {invalid} invalid"
    );
    // Each bad row names its request and index, with the engine's errors as jsonb.
    let named: i64 = client
        .query_one(
            "SELECT count(*) FROM eventcat.bad_events WHERE source LIKE 'request client-%' \
             AND position ~ '^[0-9]+$' AND jsonb_typeof(errors) = 'array' \
             AND errors->0 ? 'rule'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(named, invalid);

    // A client retrying every request (same bodies, same request ids) adds nothing.
    for (i, lines) in requests.iter().enumerate() {
        post(i, lines);
    }
    assert_eq!(event_rows(&mut client), valid);
    assert_eq!(bad_rows(&mut client, "bad_events"), invalid);
}

#[test]
fn serve_answers_503_when_the_commit_fails_and_stores_after_recovery() {
    let pg = pg::Postgres::start();
    let (url, mut client) = pg.create_database_with_schema("failing");
    let serve = Serve::start(&["--good", &url, "--bad", &url]);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let catalog = catalog();
    let mut sampler = Sampler::new(&catalog, 5);
    let body: String = (0..30)
        .map(|_| format!("{}\n", sampler.sample(0.3).unwrap().line))
        .collect();
    let post = || {
        agent
            .post(&format!("http://{}/v1/events", serve.1))
            .header("Content-Type", "application/x-ndjson")
            .header("X-Request-Id", "retried")
            .send(body.as_bytes())
            .unwrap()
            .status()
            .as_u16()
    };
    // The bad rows cannot be stored: the request is not acknowledged.
    client
        .batch_execute("ALTER TABLE eventcat.bad_events RENAME TO bad_events_away")
        .unwrap();
    assert_eq!(post(), 503);
    client
        .batch_execute("ALTER TABLE eventcat.bad_events_away RENAME TO bad_events")
        .unwrap();
    // The client's retry stores everything, once.
    assert_eq!(post(), 200);
    let stored = event_rows(&mut client) + bad_rows(&mut client, "bad_events");
    assert_eq!(stored, 30);
    assert_eq!(post(), 200);
    assert_eq!(
        event_rows(&mut client) + bad_rows(&mut client, "bad_events"),
        30
    );
}

#[test]
fn serve_refuses_forwarding_invalid_events_into_the_tables() {
    let out = Command::new(BIN)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--on-invalid",
            "forward",
        ])
        .args(["--good", "postgres://127.0.0.1:1/none"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("valid events only"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Sample payloads plus lines that are not JSON, blank, or not UTF-8; and how many are valid.
fn corpus(n: usize, seed: u64) -> (Vec<u8>, u64) {
    let registry = eventcat_validate::embedded_registry().unwrap();
    let catalog = catalog();
    let mut sampler = Sampler::new(&catalog, seed);
    let mut lines: Vec<Vec<u8>> = (0..n)
        .map(|_| sampler.sample(0.3).unwrap().line.into_bytes())
        .collect();
    lines.insert(3, b"not json".to_vec());
    lines.insert(9, Vec::new());
    lines.insert(15, b"{\"a\": \"\xff\"}".to_vec());
    let valid = lines
        .iter()
        .filter(|l| {
            registry
                .validate_line(l.as_slice(), 1 << 20)
                .verdict
                .is_valid()
        })
        .count() as u64;
    let mut out = Vec::new();
    for line in lines {
        out.extend_from_slice(&line);
        out.push(b'\n');
    }
    (out, valid)
}

/// Waits for a `consume` to exit by itself; its statistics.
fn finish(mut child: Child, stderr: &Path, limit: Duration) -> Value {
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!(
                "consume did not stop within {limit:?}:\n{}",
                std::fs::read_to_string(stderr).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    let log = std::fs::read_to_string(stderr).unwrap_or_default();
    assert!(status.success(), "consume: {status}\n{log}");
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{stdout:?}: {e}\n{log}"))
}

/// The stream sequences bad_events holds, each once.
fn bad_sequences(client: &mut postgres::Client) -> Vec<u64> {
    let rows = client
        .query(
            "SELECT position FROM eventcat.bad_events WHERE source = 'stream EVENTS events.raw' \
             ORDER BY position::bigint",
            &[],
        )
        .unwrap();
    rows.iter()
        .map(|r| r.get::<_, String>(0).parse().unwrap())
        .collect()
}

#[test]
fn consume_stores_every_message_once_and_acks_only_what_is_committed() {
    let pg = pg::Postgres::start();
    let (url, mut client) = pg.create_database_with_schema("consume");
    let server = nats::NatsServer::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("corpus.ndjson");
    let (data, valid) = corpus(1200, 17);
    std::fs::write(&file, &data).unwrap();
    let n = memchr::memchr_iter(b'\n', &data).count() as u64;
    nats::publish(&server, &file);

    // Bad rows cannot be committed at first: their batches must be naked, not acked.
    client
        .batch_execute("ALTER TABLE eventcat.bad_events RENAME TO bad_events_away")
        .unwrap();
    let stderr = dir.path().join("consume.stderr");
    let child = Command::new(BIN)
        .args(["consume", "--nats", &server.url(), "--create"])
        .args(["--good", &url, "--bad", &url])
        // Naked messages come back later than the idle stop: the drain waits for them.
        .args(["--ack-wait", "5s", "--nak-delay", "3s", "--batch", "64"])
        .args(["--threads", "2", "--stop-when-idle", "1s"])
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&stderr).unwrap())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !std::fs::read_to_string(&stderr)
        .unwrap_or_default()
        .contains("not committed")
    {
        assert!(
            Instant::now() < deadline,
            "no failed commit reported:\n{}",
            std::fs::read_to_string(&stderr).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // Nothing of a failed batch was acked: the input stream's consumer still holds messages.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let unacked = rt.block_on(async {
        let js = async_nats::jetstream::new(async_nats::connect(server.url()).await.unwrap());
        let stream = js.get_stream("EVENTS").await.unwrap();
        let mut consumer = stream
            .get_consumer::<async_nats::jetstream::consumer::pull::Config>("validator")
            .await
            .unwrap();
        let info = consumer.info().await.unwrap();
        info.num_pending + info.num_ack_pending as u64
    });
    assert!(unacked > 0, "every message was acked while commits failed");
    client
        .batch_execute("ALTER TABLE eventcat.bad_events_away RENAME TO bad_events")
        .unwrap();

    let stats = finish(child, &stderr, Duration::from_secs(120));
    assert_eq!(stats["acked"], n, "{stats}");
    assert!(stats["naked"].as_u64().unwrap() > 0, "{stats}");
    assert!(stats["redelivered"].as_u64().unwrap() > 0, "{stats}");
    assert_eq!(stats["good"], valid, "{stats}");
    // Exactly once: each valid message a row (redelivered ones skipped), each other one a bad
    // row at its own sequence.
    assert_eq!(event_rows(&mut client), valid as i64);
    let sequences = bad_sequences(&mut client);
    assert_eq!(sequences.len() as u64, n - valid);
    let mut distinct = sequences.clone();
    distinct.dedup();
    assert_eq!(distinct, sequences, "a bad row stored twice");
    // Lines 4 (not JSON), 10 (blank), 16 (not UTF-8: its bytes in base64) are among them.
    let rule = |client: &mut postgres::Client, seq: u64| -> (String, bool) {
        let row = client
            .query_one(
                "SELECT errors->0->>'rule', payload_base64 IS NOT NULL FROM eventcat.bad_events \
                 WHERE position = $1",
                &[&seq.to_string()],
            )
            .unwrap();
        (row.get(0), row.get(1))
    };
    assert_eq!(rule(&mut client, 4).0, "json:syntax");
    assert_eq!(rule(&mut client, 10).0, "input:blank");
    assert_eq!(
        rule(&mut client, 16),
        ("input:invalid_utf8".to_owned(), true)
    );
    // No output stream was needed for the sides stored in PostgreSQL.
    let outputs = rt.block_on(async {
        let js = async_nats::jetstream::new(async_nats::connect(server.url()).await.unwrap());
        (
            js.get_stream("EVENTS_GOOD").await.is_ok(),
            js.get_stream("EVENTS_BAD").await.is_ok(),
        )
    });
    assert_eq!(outputs, (false, false));

    // Consuming the same stream again from the start (a new durable) adds nothing.
    let again = Command::new(BIN)
        .args(["consume", "--nats", &server.url(), "--create"])
        .args(["--durable", "replay", "--good", &url, "--bad", &url])
        .args(["--stop-when-idle", "3s"])
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(dir.path().join("again.stderr")).unwrap())
        .spawn()
        .unwrap();
    let stats = finish(
        again,
        &dir.path().join("again.stderr"),
        Duration::from_secs(60),
    );
    assert_eq!(stats["acked"], n, "{stats}");
    assert_eq!(event_rows(&mut client), valid as i64);
    assert_eq!(bad_rows(&mut client, "bad_events"), (n - valid) as i64);
}

#[test]
fn a_replay_is_skipped_but_the_same_event_id_at_another_time_is_a_second_row() {
    let pg = pg::Postgres::start();
    let (url, mut client) = pg.create_database_with_schema("keys");
    let catalog = catalog();
    let mut sampler = Sampler::new(&catalog, 3);
    let mut payload = sampler.valid_any();
    let event = payload["event_name"].as_str().unwrap().to_owned();
    let table: String = client
        .query_one(
            "SELECT table_name FROM eventcat.event_tables WHERE event_name = $1",
            &[&event],
        )
        .unwrap()
        .get(0);
    let rows = |client: &mut postgres::Client| -> i64 {
        client
            .query_one(&format!("SELECT count(*) FROM events.\"{table}\""), &[])
            .unwrap()
            .get(0)
    };
    let dir = tempfile::tempdir().unwrap();
    let load = |payload: &Value| {
        let file = dir.path().join("one.ndjson");
        std::fs::write(&file, format!("{payload}\n")).unwrap();
        let out = Command::new(BIN)
            .args(["load", "--postgres", &url, "--no-progress"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    load(&payload);
    load(&payload);
    assert_eq!(rows(&mut client), 1, "a replay is skipped");
    // One second later, same event_id: another primary key, so another row.
    let later: String = client
        .query_one(
            "SELECT to_char(($1::text::timestamptz + interval '1 second') AT TIME ZONE 'UTC', \
             'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')",
            &[&payload["timestamp"].as_str().unwrap()],
        )
        .unwrap()
        .get(0);
    payload["timestamp"] = Value::String(later);
    load(&payload);
    assert_eq!(rows(&mut client), 2, "the same event_id at another time");
}
