//! `eventcat-validate consume` on a real nats-server: every input comes out exactly once on
//! the good or the bad stream (counted by the input's sequence and the output's message id),
//! the split agrees with `eventcat-validate` on the same file, and that holds when a validator
//! is killed, when the server restarts, and when an output stream is gone or full. Each test
//! is bounded in time (deadlines of tens of seconds).

mod connect;
mod harness;

use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use async_nats::jetstream::{self, consumer::pull, stream};
use eventcat::sample::Sampler;
use harness::{NatsServer, publish, publish_command};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_eventcat-validate");

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// `eventcat sample` payloads (valid, and invalid of every kind the sampler makes), plus
/// lines that are not JSON, blank, not UTF-8, with a BOM or a CRLF.
fn corpus(count: usize, seed: u64) -> Vec<u8> {
    let catalog =
        eventcat::ir::lower(&eventcat::load(&workspace().join("catalog")).unwrap()).unwrap();
    let mut sampler = Sampler::new(&catalog, seed);
    let mut lines: Vec<Vec<u8>> = (0..count)
        .map(|_| sampler.sample(0.3).unwrap().line.into_bytes())
        .collect();
    let valid = sampler.valid_any().to_string();
    for (at, line) in [
        (3, b"not json at all".to_vec()),
        (7, Vec::new()),
        (11, b"{\"event_name\": \"user.login\",".to_vec()),
        (13, b"{\"a\": \"\xff\"}".to_vec()),
        (17, [b"\xEF\xBB\xBF".as_slice(), valid.as_bytes()].concat()),
        (19, [valid.as_bytes(), b"\r"].concat()),
        (23, b"   ".to_vec()),
        (29, b"[1, 2, 3]".to_vec()),
    ] {
        lines.insert(at.min(lines.len()), line);
    }
    let mut out = Vec::new();
    for line in lines {
        out.extend_from_slice(&line);
        out.push(b'\n');
    }
    out
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

/// A `consume` process, its stderr in a file.
struct Validator {
    child: Child,
    stderr: PathBuf,
}

impl Validator {
    fn start(server: &NatsServer, dir: &Path, name: &str, extra: &[&str]) -> Self {
        let stderr = dir.join(format!("{name}.stderr"));
        let child = Command::new(BIN)
            .args(["consume", "--nats", &server.url(), "--create"])
            .args(["--ack-wait", "3s", "--nak-delay", "200ms"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .unwrap();
        Validator { child, stderr }
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// `kill -9`.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM; waits for a clean stop and returns its statistics.
    fn stop(self) -> Value {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        self.finish(Duration::from_secs(20))
    }

    /// Waits for the process to end by itself; its statistics.
    fn finish(mut self, limit: Duration) -> Value {
        let deadline = Instant::now() + limit;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("consume did not stop within {limit:?}:\n{}", self.stderr());
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let mut stdout = String::new();
        self.child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut stdout)
            .unwrap();
        assert!(status.success(), "consume: {status}\n{}", self.stderr());
        serde_json::from_str(stdout.trim())
            .unwrap_or_else(|e| panic!("statistics {stdout:?}: {e}\n{}", self.stderr()))
    }
}

/// One output message.
#[derive(Debug, Clone)]
struct Out {
    msg_id: String,
    sequence: u64,
    payload: Vec<u8>,
}

async fn context(server: &NatsServer) -> jetstream::Context {
    jetstream::new(async_nats::connect(server.url()).await.unwrap())
}

/// Every message of a stream (none when it does not exist).
async fn read_stream(js: &jetstream::Context, name: &str) -> Vec<Out> {
    let Ok(mut stream) = js.get_stream(name).await else {
        return Vec::new();
    };
    let state = stream.info().await.unwrap().state.clone();
    let mut out = Vec::new();
    if state.messages == 0 {
        return out;
    }
    for seq in state.first_sequence..=state.last_sequence {
        let Ok(message) = stream.get_raw_message(seq).await else {
            continue;
        };
        let header = |name: &str| {
            let value = if name == "Nats-Msg-Id" {
                message.headers.get(async_nats::header::NATS_MESSAGE_ID)
            } else {
                message.headers.get(name)
            };
            value
                .map(|v| v.as_str().to_owned())
                .unwrap_or_else(|| panic!("output {seq} has no {name}: {:?}", message.headers))
        };
        out.push(Out {
            msg_id: header("Nats-Msg-Id"),
            sequence: header("Eventcat-Sequence").parse().unwrap(),
            payload: message.payload.to_vec(),
        });
    }
    out
}

async fn stored(js: &jetstream::Context, name: &str) -> u64 {
    match js.get_stream(name).await {
        Ok(mut stream) => stream.info().await.map(|i| i.state.messages).unwrap_or(0),
        Err(_) => 0,
    }
}

/// Waits until `expected` outputs are stored and the consumer holds nothing pending.
async fn wait_done(
    js: &jetstream::Context,
    expected: u64,
    limit: Duration,
    why: &dyn Fn() -> String,
) {
    let deadline = Instant::now() + limit;
    loop {
        let outputs = stored(js, "EVENTS_GOOD").await + stored(js, "EVENTS_BAD").await;
        let idle = match js.get_stream("EVENTS").await {
            Ok(stream) => match stream.get_consumer::<pull::Config>("validator").await {
                Ok(mut consumer) => consumer
                    .info()
                    .await
                    .map(|i| i.num_pending == 0 && i.num_ack_pending == 0)
                    .unwrap_or(false),
                Err(_) => false,
            },
            Err(_) => false,
        };
        if outputs >= expected && idle {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "after {limit:?}: {outputs} of {expected} outputs stored\n{}",
            why()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until at least `count` outputs are stored.
async fn wait_for_outputs(js: &jetstream::Context, count: u64, limit: Duration) {
    let deadline = Instant::now() + limit;
    while stored(js, "EVENTS_GOOD").await + stored(js, "EVENTS_BAD").await < count {
        assert!(
            Instant::now() < deadline,
            "fewer than {count} outputs after {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Every input sequence 1..=n exactly once over good and bad, every message id once.
fn exactly_once(good: &[Out], bad: &[Out], n: u64) {
    let mut sequences: Vec<u64> = good.iter().chain(bad).map(|o| o.sequence).collect();
    sequences.sort_unstable();
    let dupes: Vec<_> = sequences
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| w[0])
        .collect();
    assert!(
        dupes.is_empty(),
        "inputs out twice: {:?}",
        &dupes[..dupes.len().min(20)]
    );
    assert_eq!(
        sequences.len() as u64,
        n,
        "outputs for {} of {n} inputs",
        sequences.len()
    );
    assert_eq!(sequences, (1..=n).collect::<Vec<_>>());
    let ids: HashSet<&str> = good.iter().chain(bad).map(|o| o.msg_id.as_str()).collect();
    assert_eq!(ids.len() as u64, n, "message ids are not one per input");
}

fn lines(data: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', data).count() as u64
}

#[test]
fn every_input_comes_out_once_and_the_split_agrees_with_the_cli() {
    let server = NatsServer::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("corpus.ndjson");
    let data = corpus(1500, 5);
    std::fs::write(&file, &data).unwrap();
    let n = lines(&data);

    assert_eq!(publish(&server, &file)["messages"], n);
    let validator = Validator::start(
        &server,
        dir.path(),
        "v",
        &["--threads", "2", "--batch", "64"],
    );
    let rt = runtime();
    let (good, bad) = rt.block_on(async {
        let js = context(&server).await;
        wait_done(&js, n, Duration::from_secs(60), &|| validator.stderr()).await;
        (
            read_stream(&js, "EVENTS_GOOD").await,
            read_stream(&js, "EVENTS_BAD").await,
        )
    });
    let stats = validator.stop();
    exactly_once(&good, &bad, n);
    assert_eq!(stats["acked"], n, "{stats}");
    assert_eq!(stats["good"].as_u64().unwrap(), good.len() as u64);
    assert_eq!(stats["duplicates"], 0);

    // The CLI on the same file.
    let cli = Command::new(BIN)
        .arg(&file)
        .args(["--no-progress", "--format", "ndjson", "--good"])
        .arg(dir.path().join("good.ndjson"))
        .arg("--bad")
        .arg(dir.path().join("bad.ndjson"))
        .output()
        .unwrap();
    assert_eq!(cli.status.code(), Some(1));
    let cli_bad: BTreeMap<u64, Value> = std::fs::read_to_string(dir.path().join("bad.ndjson"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .map(|row| (row["line"].as_u64().unwrap(), row))
        .collect();
    let nats_bad: BTreeMap<u64, Value> = bad
        .iter()
        .map(|o| {
            (
                o.sequence,
                serde_json::from_slice::<Value>(&o.payload).unwrap(),
            )
        })
        .collect();
    assert_eq!(
        cli_bad.keys().collect::<Vec<_>>(),
        nats_bad.keys().collect::<Vec<_>>(),
        "the bad lines differ from the CLI's"
    );
    for (line, row) in &nats_bad {
        let cli_row = &cli_bad[line];
        assert_eq!(row["stream"], "EVENTS");
        assert_eq!(row["subject"], "events.raw");
        assert_eq!(row["sequence"], *line);
        for key in ["event", "version", "errors", "payload", "payload_base64"] {
            assert_eq!(row[key], cli_row[key], "{key} of line {line}");
        }
    }
    // Good: the same payloads, in input order.
    let mut good = good;
    good.sort_by_key(|o| o.sequence);
    let mut nats_good = Vec::new();
    for out in &good {
        nats_good.extend_from_slice(&out.payload);
        nats_good.push(b'\n');
    }
    assert_eq!(
        String::from_utf8(nats_good).unwrap(),
        std::fs::read_to_string(dir.path().join("good.ndjson")).unwrap()
    );
    // Lines 7 and 23 are blank, 3 not JSON, 13 not UTF-8 (kept in base64), 17 and 19 valid.
    let rule = |seq: u64| {
        nats_bad[&seq]["errors"][0]["rule"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(rule(8), "input:blank");
    assert_eq!(rule(4), "json:syntax");
    assert_eq!(rule(14), "input:invalid_utf8");
    assert!(nats_bad[&14]["payload_base64"].is_string());
    assert!(!nats_bad.contains_key(&18) && !nats_bad.contains_key(&20));
}

#[test]
fn two_validators_share_the_work_and_one_killed_loses_nothing() {
    let server = NatsServer::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("corpus.ndjson");
    let data = corpus(12_000, 9);
    std::fs::write(&file, &data).unwrap();
    let n = lines(&data);
    assert_eq!(publish(&server, &file)["messages"], n);

    let args = ["--batch", "32", "--max-ack-pending", "256"];
    let a = Validator::start(&server, dir.path(), "a", &args);
    let b = Validator::start(&server, dir.path(), "b", &args);
    let rt = runtime();
    let js = rt.block_on(context(&server));
    rt.block_on(wait_for_outputs(&js, n / 5, Duration::from_secs(60)));
    // Mid-stream: A dies without a word, holding unacked messages; they come back to B (or
    // to A again) after the ack wait, and their second publish is a duplicate.
    a.kill();
    rt.block_on(wait_for_outputs(&js, n / 2, Duration::from_secs(60)));
    let a = Validator::start(&server, dir.path(), "a2", &args);
    rt.block_on(wait_done(&js, n, Duration::from_secs(90), &|| b.stderr()));
    let (good, bad) = rt.block_on(async {
        (
            read_stream(&js, "EVENTS_GOOD").await,
            read_stream(&js, "EVENTS_BAD").await,
        )
    });
    let stats_a = a.stop();
    let stats_b = b.stop();
    exactly_once(&good, &bad, n);
    // Both restarted A and B took part; B alone did not do it all.
    assert!(stats_b["acked"].as_u64().unwrap() > 0, "{stats_b}");
    assert!(stats_b["acked"].as_u64().unwrap() < n, "{stats_b}");
    assert!(stats_a["acked"].as_u64().unwrap() > 0, "{stats_a}");
}

#[test]
fn both_validators_get_work_and_sigterm_finishes_what_is_held() {
    let server = NatsServer::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("corpus.ndjson");
    let data = corpus(8000, 21);
    std::fs::write(&file, &data).unwrap();
    let n = lines(&data);
    assert_eq!(publish(&server, &file)["messages"], n);

    let args = ["--batch", "50", "--max-ack-pending", "400"];
    let a = Validator::start(&server, dir.path(), "a", &args);
    let b = Validator::start(&server, dir.path(), "b", &args);
    let rt = runtime();
    let js = rt.block_on(context(&server));
    rt.block_on(wait_for_outputs(&js, n / 4, Duration::from_secs(60)));
    // SIGTERM mid-stream: A finishes the messages it holds, acks them, and exits 0.
    let stats_a = a.stop();
    rt.block_on(wait_done(&js, n, Duration::from_secs(60), &|| b.stderr()));
    let stats_b = b.stop();
    let (good, bad) = rt.block_on(async {
        (
            read_stream(&js, "EVENTS_GOOD").await,
            read_stream(&js, "EVENTS_BAD").await,
        )
    });
    exactly_once(&good, &bad, n);
    let acked_a = stats_a["acked"].as_u64().unwrap();
    let acked_b = stats_b["acked"].as_u64().unwrap();
    assert!(acked_a > 0 && acked_b > 0, "A {stats_a}, B {stats_b}");
    // Held messages were finished, not left to time out: nothing came back as a duplicate.
    assert_eq!(acked_a + acked_b, n, "A {stats_a}, B {stats_b}");
}

#[test]
fn a_restarted_server_is_rejoined_and_the_run_finishes() {
    let mut server = NatsServer::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("corpus.ndjson");
    let data = corpus(10_000, 33);
    std::fs::write(&file, &data).unwrap();
    let n = lines(&data);
    assert_eq!(publish(&server, &file)["messages"], n);

    let validator = Validator::start(&server, dir.path(), "v", &["--batch", "32"]);
    let rt = runtime();
    {
        let js = rt.block_on(context(&server));
        rt.block_on(wait_for_outputs(&js, n / 5, Duration::from_secs(60)));
    }
    server.restart();
    let js = rt.block_on(context(&server));
    rt.block_on(wait_done(&js, n, Duration::from_secs(90), &|| {
        format!("{}\n--- server\n{}", validator.stderr(), server.log())
    }));
    let (good, bad) = rt.block_on(async {
        (
            read_stream(&js, "EVENTS_GOOD").await,
            read_stream(&js, "EVENTS_BAD").await,
        )
    });
    let stderr = validator.stderr();
    let stats = validator.stop();
    exactly_once(&good, &bad, n);
    assert!(stderr.contains("reconnecting"), "{stderr}");
    assert!(stats["acked"].as_u64().unwrap() > 0, "{stats}");
}

#[test]
fn an_output_stream_that_is_gone_or_full_holds_the_inputs_back() {
    let server = NatsServer::start();
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime();
    let js = rt.block_on(context(&server));
    // Bad rows go to a stream that holds 10 messages and refuses more.
    rt.block_on(async {
        js.create_stream(stream::Config {
            name: "EVENTS_BAD".into(),
            subjects: vec!["events.bad".into()],
            max_messages: 10,
            discard: stream::DiscardPolicy::New,
            storage: stream::StorageType::File,
            ..Default::default()
        })
        .await
        .unwrap();
    });
    let first = dir.path().join("first.ndjson");
    let data = corpus(300, 41);
    std::fs::write(&first, &data).unwrap();
    let n = lines(&data);
    assert_eq!(publish(&server, &first)["messages"], n);
    let validator = Validator::start(&server, dir.path(), "v", &["--batch", "20"]);

    // Full: the good events go through, the bad ones past the 10th are naked and wait.
    rt.block_on(async {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !validator.stderr().contains("not stored") {
            assert!(Instant::now() < deadline, "no nak:\n{}", validator.stderr());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(stored(&js, "EVENTS_BAD").await, 10);
        let mut consumer = js
            .get_stream("EVENTS")
            .await
            .unwrap()
            .get_consumer::<pull::Config>("validator")
            .await
            .unwrap();
        let info = consumer.info().await.unwrap();
        assert!(info.num_pending + info.num_ack_pending as u64 > 0);
        // Room again: the held inputs come out.
        let mut config = js
            .get_stream("EVENTS_BAD")
            .await
            .unwrap()
            .info()
            .await
            .unwrap()
            .config
            .clone();
        config.max_messages = -1;
        js.update_stream(config).await.unwrap();
        wait_done(&js, n, Duration::from_secs(60), &|| validator.stderr()).await;
    });

    // Gone: the good stream is deleted; good inputs are naked until it is back.
    let second = dir.path().join("second.ndjson");
    let data2 = corpus(300, 43);
    std::fs::write(&second, &data2).unwrap();
    let n2 = lines(&data2);
    let good_before = rt.block_on(async {
        let good = read_stream(&js, "EVENTS_GOOD").await;
        js.delete_stream("EVENTS_GOOD").await.unwrap();
        good
    });
    assert_eq!(publish(&server, &second)["messages"], n2);
    rt.block_on(async {
        tokio::time::sleep(Duration::from_secs(2)).await;
        let mut consumer = js
            .get_stream("EVENTS")
            .await
            .unwrap()
            .get_consumer::<pull::Config>("validator")
            .await
            .unwrap();
        let info = consumer.info().await.unwrap();
        assert!(
            info.num_pending + info.num_ack_pending as u64 > 0,
            "inputs were acked with no good stream:\n{}",
            validator.stderr()
        );
        js.create_stream(stream::Config {
            name: "EVENTS_GOOD".into(),
            subjects: vec!["events.good".into()],
            storage: stream::StorageType::File,
            ..Default::default()
        })
        .await
        .unwrap();
        let bad = lines(&data) + lines(&data2);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let good_now = stored(&js, "EVENTS_GOOD").await;
            let bad_now = stored(&js, "EVENTS_BAD").await;
            if good_now + bad_now + good_before.len() as u64 >= bad {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{good_now} good, {bad_now} bad:\n{}",
                validator.stderr()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        wait_done(&js, 0, Duration::from_secs(30), &|| validator.stderr()).await;
    });
    let (good_after, bad) = rt.block_on(async {
        (
            read_stream(&js, "EVENTS_GOOD").await,
            read_stream(&js, "EVENTS_BAD").await,
        )
    });
    let stats = validator.stop();
    let good: Vec<Out> = good_before.into_iter().chain(good_after).collect();
    exactly_once(&good, &bad, n + n2);
    assert!(stats["naked"].as_u64().unwrap() > 0, "{stats}");
}

#[test]
fn a_password_protected_server_needs_the_password_and_never_shows_it() {
    let server = NatsServer::start_with(
        "authorization {\n  user: validator\n  password: \"s3cret-Pa55\"\n}\n",
    );
    let dir = tempfile::tempdir().unwrap();
    let password = dir.path().join("password");
    std::fs::write(&password, "s3cret-Pa55\n").unwrap();
    let file = dir.path().join("corpus.ndjson");
    let data = corpus(200, 2);
    std::fs::write(&file, &data).unwrap();
    let n = lines(&data);

    // No password, a wrong one: refused at once, exit 2, the secret not echoed.
    let wrong = dir.path().join("wrong");
    std::fs::write(&wrong, "guess").unwrap();
    for extra in [
        vec![],
        vec![
            "--user",
            "validator",
            "--password-file",
            wrong.to_str().unwrap(),
        ],
    ] {
        let started = Instant::now();
        let output = Command::new(BIN)
            .args([
                "consume",
                "--nats",
                &server.url(),
                "--create",
                "--stop-when-idle",
                "1s",
            ])
            .args(&extra)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.to_lowercase().contains("authorization"), "{stderr}");
        assert!(!stderr.contains("guess"), "{stderr}");
        assert!(started.elapsed() < Duration::from_secs(20));
    }

    // The password from a file, then from an environment variable.
    let output = publish_command(&server)
        .args([
            "--user",
            "validator",
            "--password-env",
            "EVENTCAT_TEST_NATS_PASSWORD",
        ])
        .env("EVENTCAT_TEST_NATS_PASSWORD", "s3cret-Pa55")
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let output = Command::new(BIN)
        .args([
            "consume",
            "--nats",
            &server.url(),
            "--create",
            "--stop-when-idle",
            "2s",
        ])
        .args(["--user", "validator", "--password-file"])
        .arg(&password)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains("s3cret"), "{stderr}");
    let stats: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(stats["acked"], n, "{stats}");
}

#[test]
fn event_ids_as_message_ids_make_a_republished_event_come_out_once() {
    let server = NatsServer::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("twice.ndjson");
    let catalog =
        eventcat::ir::lower(&eventcat::load(&workspace().join("catalog")).unwrap()).unwrap();
    let mut sampler = Sampler::new(&catalog, 77);
    let events: Vec<String> = (0..20).map(|_| sampler.valid_any().to_string()).collect();
    // Every event twice, as a producer that retried would send them.
    let text: String = events
        .iter()
        .chain(&events)
        .map(|e| format!("{e}\n"))
        .collect();
    std::fs::write(&file, text).unwrap();
    assert_eq!(publish(&server, &file)["messages"], 40);
    let output = Command::new(BIN)
        .args([
            "consume",
            "--nats",
            &server.url(),
            "--create",
            "--stop-when-idle",
            "2s",
        ])
        .args(["--msg-id", "event-id"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stats: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(stats["acked"], 40, "{stats}");
    assert_eq!(stats["duplicates"], 20, "{stats}");
    let rt = runtime();
    let good = rt.block_on(async { read_stream(&context(&server).await, "EVENTS_GOOD").await });
    assert_eq!(good.len(), 20);
    assert!(good.iter().all(|o| o.msg_id.starts_with("event_id.")));
}

#[test]
fn the_sink_stores_what_it_was_given_by_flush_and_says_when_it_cannot() {
    use eventcat_engine::{At, Sink, deliver};
    use eventcat_validate::nats::{ConnectArgs, sink::JetStreamSink};

    let server = NatsServer::start();
    let rt = runtime();
    let js = rt.block_on(context(&server));
    rt.block_on(async {
        for (name, subject) in [("GOOD", "http.good"), ("BAD", "http.bad")] {
            js.create_stream(stream::Config {
                name: name.into(),
                subjects: vec![subject.into()],
                ..Default::default()
            })
            .await
            .unwrap();
        }
    });
    let connect = ConnectArgs {
        nats: server.url(),
        user: None,
        password_file: None,
        password_env: None,
        token_file: None,
        token_env: None,
        creds: None,
        nkey_file: None,
        nkey_env: None,
        tls: false,
        tls_ca: None,
        tls_cert: None,
        tls_key: None,
        client_name: "test".into(),
    };
    let mut sink =
        JetStreamSink::connect(&connect, Some("http.good".into()), Some("http.bad".into()))
            .unwrap();
    let registry = eventcat_validate::embedded_registry().unwrap();
    let data = corpus(50, 8);
    let payloads: Vec<&[u8]> = data
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let mut valid = 0;
    let send = |sink: &mut JetStreamSink, index: u64, payload: &[u8]| {
        let verdict = registry.validate(payload);
        let at = At::Request {
            request_id: "r-1".into(),
            index,
            received_at: "2026-12-01T10:00:00Z".into(),
        };
        deliver(
            &registry,
            sink,
            at,
            Some(payload),
            payload.len() as u64,
            &verdict,
        )
        .unwrap();
        verdict.is_valid()
    };
    for (index, payload) in payloads.iter().enumerate() {
        valid += u64::from(send(&mut sink, index as u64, payload));
    }
    sink.flush().unwrap();
    let (good, bad) = rt.block_on(async { (stored(&js, "GOOD").await, stored(&js, "BAD").await) });
    assert_eq!((good, bad), (valid, payloads.len() as u64 - valid));
    // The same request again (a client's retry): stored once.
    for (index, payload) in payloads.iter().enumerate() {
        send(&mut sink, index as u64, payload);
    }
    sink.flush().unwrap();
    assert_eq!(rt.block_on(stored(&js, "GOOD")), valid);

    // No stream on the good subject: flush fails and says why.
    rt.block_on(async { js.delete_stream("GOOD").await.unwrap() });
    let first_valid = payloads
        .iter()
        .position(|p| registry.validate(p).is_valid())
        .unwrap();
    send(&mut sink, 1000, payloads[first_valid]);
    let error = sink.flush().unwrap_err().to_string();
    assert!(error.contains("not stored"), "{error}");
}

#[test]
fn serve_stores_good_events_and_bad_rows_in_jetstream_before_it_answers() {
    let server = NatsServer::start();
    let rt = runtime();
    let js = rt.block_on(context(&server));
    rt.block_on(async {
        for (name, subject) in [("HTTP_GOOD", "http.good"), ("HTTP_BAD", "http.bad")] {
            js.create_stream(stream::Config {
                name: name.into(),
                subjects: vec![subject.into()],
                ..Default::default()
            })
            .await
            .unwrap();
        }
    });
    let mut serve = harness::start_serve(
        &[],
        &format!("{}/http.good", server.url()),
        &format!("{}/http.bad", server.url()),
    )
    .unwrap_or_else(|(code, stderr)| panic!("serve did not start ({code}):\n{stderr}"));
    let address = serve.address.clone();

    let catalog =
        eventcat::ir::lower(&eventcat::load(&workspace().join("catalog")).unwrap()).unwrap();
    let mut sampler = Sampler::new(&catalog, 61);
    let lines: Vec<String> = (0..40).map(|_| sampler.sample(0.3).unwrap().line).collect();
    let registry = eventcat_validate::embedded_registry().unwrap();
    let valid = lines
        .iter()
        .filter(|l| registry.validate(l.as_bytes()).is_valid())
        .count() as u64;
    assert!(valid > 0 && valid < 40);
    let body: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = agent
        .post(&format!("http://{address}/v1/events"))
        .header("Content-Type", "application/x-ndjson")
        .send(body.as_bytes())
        .unwrap();
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap();
    assert!(status < 500, "{status}: {text}");
    // Answered: so already stored, no waiting.
    let (good, bad) = rt.block_on(async {
        (
            read_stream_raw(&js, "HTTP_GOOD").await,
            read_stream_raw(&js, "HTTP_BAD").await,
        )
    });
    assert_eq!((good.len() as u64, bad.len() as u64), (valid, 40 - valid));
    for row in &bad {
        let row: Value = serde_json::from_slice(row).unwrap();
        assert!(
            row["request_id"].is_string() && row["errors"].is_array(),
            "{row}"
        );
    }
    let _ = Command::new("kill")
        .args(["-TERM", &serve.child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(20);
    while serve.child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "serve did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The payloads of a stream's messages, in order.
async fn read_stream_raw(js: &jetstream::Context, name: &str) -> Vec<Vec<u8>> {
    let mut stream = js.get_stream(name).await.unwrap();
    let state = stream.info().await.unwrap().state.clone();
    let mut out = Vec::new();
    if state.messages > 0 {
        for seq in state.first_sequence..=state.last_sequence {
            out.push(stream.get_raw_message(seq).await.unwrap().payload.to_vec());
        }
    }
    out
}
