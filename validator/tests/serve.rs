//! `eventcat-validate serve` as a client sees it: the real binary on an ephemeral loopback
//! port, a real HTTP client (ureq), and the real tools (the CLI on the same payloads,
//! headless Chromium for the page, schemathesis for the OpenAPI document).

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use eventcat::sample::Sampler;
use serde_json::{Value, json};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn catalog() -> eventcat::ir::Catalog {
    eventcat::ir::lower(&eventcat::load(&workspace().join("catalog")).unwrap()).unwrap()
}

/// A running server; killed when dropped.
struct Server {
    child: Child,
    address: SocketAddr,
    log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start(args: &[&str]) -> Server {
        Self::start_with_env(args, &[])
    }

    fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_eventcat-validate"))
            .arg("serve")
            .arg("--listen")
            .arg("127.0.0.1:0")
            .args(args)
            .env_remove("EVENTCAT_WRITE_TOKEN")
            .env_remove("EVENTCAT_READ_TOKEN")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let log = Arc::new(Mutex::new(Vec::new()));
        let (found, address) = std::sync::mpsc::channel();
        let lines = log.clone();
        std::thread::spawn(move || {
            let mut found = Some(found);
            for line in stderr.lines() {
                let Ok(line) = line else { break };
                if let Some(at) = line.find("listening on http://") {
                    let rest = &line[at + "listening on http://".len()..];
                    let address = rest.split_whitespace().next().unwrap().to_owned();
                    if let Some(found) = found.take() {
                        let _ = found.send(address);
                    }
                }
                lines.lock().unwrap().push(line);
            }
        });
        let address = match address.recv_timeout(Duration::from_secs(30)) {
            Ok(address) => address.parse().unwrap(),
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "the server did not start:\n{}",
                    log.lock().unwrap().join("\n")
                );
            }
        };
        Server {
            child,
            address,
            log,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// Waits (20 s at most) until the log holds `needle`; `what` says what that shows.
    fn wait_for_log(&self, needle: &str, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !self.log().contains(needle) {
            assert!(Instant::now() < deadline, "{what}:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGTERM, then the exit status.
    fn terminate(mut self) -> std::process::ExitStatus {
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// Status, content type and body of a response.
struct Answer {
    status: u16,
    content_type: String,
    text: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.text))
    }
}

fn read(mut response: ureq::http::Response<ureq::Body>) -> Answer {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = response.body_mut().read_to_string().unwrap();
    Answer {
        status,
        content_type,
        text,
    }
}

fn post(url: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
    let mut request = agent().post(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    read(request.send(body).unwrap())
}

fn get(url: &str, headers: &[(&str, &str)]) -> Answer {
    let mut request = agent().get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    read(request.call().unwrap())
}

const JSON: (&str, &str) = ("Content-Type", "application/json");
const NDJSON: (&str, &str) = ("Content-Type", "application/x-ndjson");

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// `n` valid payloads of every kind of event.
fn valid_payloads(n: usize, seed: u64) -> Vec<Value> {
    let catalog = catalog();
    let mut sampler = Sampler::new(&catalog, seed);
    (0..n).map(|_| sampler.valid_any()).collect()
}

/// `n` corpus lines, a share of them invalid in every known way.
fn corpus(n: usize, seed: u64) -> Vec<String> {
    let catalog = catalog();
    let mut sampler = Sampler::new(&catalog, seed);
    (0..n).map(|_| sampler.sample(0.4).unwrap().line).collect()
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_body_form_gives_a_verdict_per_event() {
    let server = Server::start(&[]);
    let url = server.url("/v1/events");
    let payloads = valid_payloads(3, 1);
    let mut broken = payloads[2].clone();
    broken["properties"] = json!("not an object");
    let ndjson = format!("{}\n{}\n{}\n", payloads[0], payloads[1], broken);
    let array = serde_json::to_string(&json!([payloads[0], payloads[1], broken])).unwrap();
    for (what, headers, body) in [
        (
            "one payload",
            vec![JSON],
            payloads[0].to_string().into_bytes(),
        ),
        (
            "no content type",
            vec![],
            payloads[0].to_string().into_bytes(),
        ),
        ("an array", vec![JSON], array.clone().into_bytes()),
        ("ndjson", vec![NDJSON], ndjson.clone().into_bytes()),
        (
            "gzip array",
            vec![JSON, ("Content-Encoding", "gzip")],
            gzip(array.as_bytes()),
        ),
        (
            "gzip ndjson",
            vec![NDJSON, ("Content-Encoding", "gzip")],
            gzip(ndjson.as_bytes()),
        ),
    ] {
        let answer = post(&url, &headers, &body);
        assert_eq!(answer.status, 200, "{what}: {}", answer.text);
        let answer = answer.json();
        let results = answer["results"].as_array().unwrap();
        let expected = if what.contains("payload") || what.contains("content") {
            1
        } else {
            3
        };
        assert_eq!(results.len(), expected, "{what}");
        for (i, result) in results.iter().enumerate() {
            assert_eq!(result["index"], i, "{what}");
            let payload = if i == 2 { &broken } else { &payloads[i] };
            assert_eq!(result["event_id"], payload["event_id"], "{what}");
            assert_eq!(result["event_name"], payload["event_name"], "{what}");
            assert_eq!(result["valid"], i != 2, "{what}: {result}");
        }
        assert_eq!(answer["accepted"], expected.min(2), "{what}");
        assert_eq!(answer["rejected"], expected.saturating_sub(2), "{what}");
        if expected == 3 {
            let error = &results[2]["errors"][0];
            assert_eq!(error["pointer"], "/properties", "{what}");
            assert_eq!(error["rule"], "type", "{what}");
        }
    }
}

#[test]
fn the_answer_per_event_agrees_with_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let lines_in = corpus(400, 11);
    let text = lines_in.join("\n") + "\n";
    let file = dir.path().join("corpus.ndjson");
    std::fs::write(&file, &text).unwrap();
    let cli = Command::new(env!("CARGO_BIN_EXE_eventcat-validate"))
        .args(["--format", "json", "--no-progress"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(cli.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&cli.stdout).unwrap();
    let mut by_line = std::collections::BTreeMap::new();
    for item in report["invalid"].as_array().unwrap() {
        by_line.insert(item["line"].as_u64().unwrap(), item["errors"].clone());
    }

    let server = Server::start(&[]);
    let answer = post(&server.url("/v1/events"), &[NDJSON], text.as_bytes());
    assert_eq!(answer.status, 200, "{}", answer.text);
    let answer = answer.json();
    let results = answer["results"].as_array().unwrap();
    assert_eq!(results.len(), lines_in.len());
    let mut rejected = 0;
    for result in results {
        let line = result["index"].as_u64().unwrap() + 1;
        match by_line.get(&line) {
            Some(errors) => {
                rejected += 1;
                assert_eq!(result["valid"], false, "line {line}");
                assert_eq!(&result["errors"], errors, "line {line}");
            }
            None => assert_eq!(result["valid"], true, "line {line}: {result}"),
        }
    }
    assert_eq!(rejected, by_line.len());
    assert_eq!(answer["rejected"], rejected);
    assert!(
        rejected > 50,
        "the corpus has invalid payloads of every kind"
    );
}

#[test]
fn limits_and_bodies_that_are_not_json_are_refused_whole() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.ndjson");
    let server = Server::start(&[
        "--max-event-bytes",
        "2000",
        "--max-request-bytes",
        "20000",
        "--max-request-events",
        "5",
        "--good",
        good.to_str().unwrap(),
    ]);
    let url = server.url("/v1/events");
    let payload = valid_payloads(1, 3).remove(0).to_string();
    let mut big = valid_payloads(1, 3).remove(0);
    big["properties"]["pad"] = json!("x".repeat(3000));
    let many = [payload.as_str(); 6].join("\n");
    let huge = vec![payload.as_str(); 40].join("\n");
    let huge_gzip = gzip(format!("[{}]", vec![payload.as_str(); 40].join(",")).as_bytes());
    for (what, headers, body, status, limit) in [
        (
            "too many events",
            vec![NDJSON],
            many.into_bytes(),
            413,
            Some("request_events"),
        ),
        (
            "an event too big",
            vec![JSON],
            big.to_string().into_bytes(),
            413,
            Some("event_bytes"),
        ),
        (
            "a body too big",
            vec![NDJSON],
            huge.into_bytes(),
            413,
            Some("request_bytes"),
        ),
        (
            "a body too big once decompressed",
            vec![JSON, ("Content-Encoding", "gzip")],
            huge_gzip,
            413,
            Some("request_bytes"),
        ),
        (
            "not JSON",
            vec![JSON],
            b"{\"a\":\n  tru}".to_vec(),
            400,
            None,
        ),
        (
            "an array cut short",
            vec![JSON],
            b"[{}, {}".to_vec(),
            400,
            None,
        ),
        ("empty", vec![JSON], Vec::new(), 400, None),
        (
            "not gzip",
            vec![JSON, ("Content-Encoding", "gzip")],
            b"{}".to_vec(),
            400,
            None,
        ),
        (
            "brotli",
            vec![JSON, ("Content-Encoding", "br")],
            b"{}".to_vec(),
            415,
            None,
        ),
        (
            "xml",
            vec![("Content-Type", "application/xml")],
            b"<a/>".to_vec(),
            415,
            None,
        ),
    ] {
        let answer = post(&url, &headers, &body);
        assert_eq!(answer.status, status, "{what}: {}", answer.text);
        assert_eq!(answer.content_type, "application/json", "{what}");
        let body = answer.json();
        assert!(body["error"].is_string(), "{what}: {body}");
        assert_eq!(body["limit"].as_str(), limit, "{what}: {body}");
    }
    let position = post(&url, &[JSON], b"{\"a\":\n  tru}").json();
    assert_eq!(
        (position["line"].clone(), position["column"].clone()),
        (json!(2), json!(6))
    );
    // Nothing of a refused request is written or stored.
    assert_eq!(get(&server.url("/micro/all"), &[]).json()["total"], 0);
    server.terminate();
    assert!(lines(&good).is_empty());
}

#[test]
fn a_partial_batch_writes_good_events_and_bad_rows_and_forward_attaches_violations() {
    for mode in ["drop", "forward"] {
        let dir = tempfile::tempdir().unwrap();
        let (good, bad) = (
            dir.path().join("good.ndjson"),
            dir.path().join("bad.ndjson"),
        );
        let server = Server::start(&[
            "--on-invalid",
            mode,
            "--good",
            good.to_str().unwrap(),
            "--bad",
            bad.to_str().unwrap(),
        ]);
        let payloads = valid_payloads(3, 5);
        let mut broken = payloads[1].clone();
        broken["event_id"] = json!(12);
        let body = format!("{}\n{}\nnot json\n{}\n", payloads[0], broken, payloads[2]);
        let answer = post(&server.url("/v1/events"), &[NDJSON], body.as_bytes());
        assert_eq!(answer.status, 200);
        let answer = answer.json();
        assert_eq!(
            (answer["accepted"].clone(), answer["rejected"].clone()),
            (json!(2), json!(2))
        );
        let request_id = answer["request_id"].as_str().unwrap().to_owned();
        assert_eq!(server.terminate().code(), Some(0));

        let good_lines = lines(&good);
        let bad_rows: Vec<Value> = lines(&bad)
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(good_lines[0], payloads[0].to_string(), "{mode}");
        let expected_good = if mode == "drop" { 2 } else { 3 };
        assert_eq!(good_lines.len(), expected_good, "{mode}: {good_lines:?}");
        assert_eq!(
            good_lines.last().unwrap(),
            &payloads[2].to_string(),
            "{mode}"
        );
        if mode == "forward" {
            let forwarded: Value = serde_json::from_str(&good_lines[1]).unwrap();
            assert_eq!(forwarded["event_id"], 12);
            assert_eq!(forwarded["eventcat_violations"][0]["pointer"], "/event_id");
        }
        assert_eq!(bad_rows.len(), 2, "{mode}");
        for (row, index) in bad_rows.iter().zip([1, 2]) {
            assert_eq!(row["request_id"], request_id.as_str());
            assert_eq!(row["index"], index);
            assert!(row["received_at"].as_str().unwrap().ends_with('Z'), "{row}");
            assert!(row["errors"][0]["rule"].is_string());
        }
        assert_eq!(bad_rows[1]["payload"], "not json");
        assert_eq!(bad_rows[1]["errors"][0]["rule"], "json:syntax");
    }
}

#[test]
fn the_test_api_lists_filters_and_resets() {
    let server = Server::start(&["--max-events", "6"]);
    let payloads = valid_payloads(30, 9);
    let login = payloads
        .iter()
        .find(|p| p["event_name"] == "user.login")
        .unwrap()
        .clone();
    let others: Vec<&Value> = payloads
        .iter()
        .filter(|p| p["event_name"] != "user.login")
        .take(2)
        .collect();
    let mut wrong_type = login.clone();
    wrong_type["properties"]["user_id"] = json!(12345);
    let body = json!([others[0], login, wrong_type, {"event_name": "no.such", "version": "1.0.0"}, others[1]]);
    let answer = post(
        &server.url("/v1/events"),
        &[JSON],
        body.to_string().as_bytes(),
    );
    assert_eq!(answer.status, 200, "{}", answer.text);

    let all = get(&server.url("/micro/all"), &[]).json();
    assert_eq!(
        all,
        json!({"total": 5, "good": 3, "bad": 2, "duplicates": 0, "stored": 5})
    );
    let good = get(&server.url("/micro/good"), &[]).json();
    let names: Vec<&Value> = good
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["event"])
        .collect();
    assert_eq!(
        names,
        [
            &others[1]["event_name"],
            &login["event_name"],
            &others[0]["event_name"]
        ],
        "newest first"
    );
    assert_eq!(good[1]["payload"], login, "a good event's payload is JSON");

    let count = |path: &str| get(&server.url(path), &[]).json().as_array().unwrap().len();
    let login_name = "user.login";
    let method = login["properties"]["login_method"].as_str().unwrap();
    for (path, expected) in [
        (format!("/micro/good?event_name={login_name}"), 1),
        (
            format!("/micro/good?event_name={login_name}&version=1.0.0"),
            1,
        ),
        (
            format!("/micro/good?event_name={login_name}&version=9.9.9"),
            0,
        ),
        ("/micro/good?limit=2".to_owned(), 2),
        (
            format!("/micro/good?property=/properties/login_method&equals={method}"),
            1,
        ),
        (
            "/micro/good?property=/properties/login_method&equals=nope".to_owned(),
            0,
        ),
        ("/micro/bad".to_owned(), 2),
        ("/micro/bad?rule=type".to_owned(), 1),
        ("/micro/bad?rule=envelope:unknown_event".to_owned(), 1),
        ("/micro/bad?pointer=/properties/user_id".to_owned(), 1),
        (
            "/micro/bad?property=/properties/user_id&equals=12345".to_owned(),
            1,
        ),
        (format!("/micro/bad?event_name={login_name}"), 1),
    ] {
        assert_eq!(count(&path), expected, "{path}");
    }
    let by_body = |path: &str, filter: Value| {
        let answer = post(&server.url(path), &[JSON], filter.to_string().as_bytes());
        assert_eq!(answer.status, 200, "{}", answer.text);
        answer.json().as_array().unwrap().len()
    };
    assert_eq!(
        by_body(
            "/micro/bad",
            json!({"property": "/properties/user_id", "equals": 12345})
        ),
        1
    );
    assert_eq!(
        by_body("/micro/good", json!({"event_name": login_name, "limit": 5})),
        1
    );
    assert_eq!(by_body("/micro/good", json!({})), 3);
    let bad = get(&server.url("/micro/bad?rule=type"), &[]).json();
    assert_eq!(bad[0]["errors"][0]["pointer"], "/properties/user_id");
    assert_eq!(
        bad[0]["payload"],
        wrong_type.to_string(),
        "a bad event's payload is its text"
    );
    for path in [
        "/micro/good?nonsense=1",
        "/micro/good?limit=x",
        "/micro/good?property=/a",
    ] {
        assert_eq!(get(&server.url(path), &[]).status, 400, "{path}");
    }

    // The store keeps the newest 6, and counts everything.
    let more: Vec<Value> = payloads.iter().skip(20).take(4).cloned().collect();
    post(
        &server.url("/v1/events"),
        &[JSON],
        json!(more).to_string().as_bytes(),
    );
    let all = get(&server.url("/micro/all"), &[]).json();
    assert_eq!(
        all,
        json!({"total": 9, "good": 7, "bad": 2, "duplicates": 0, "stored": 6})
    );
    assert_eq!(count("/micro/good") + count("/micro/bad"), 6);

    let reset = post(&server.url("/micro/reset"), &[], b"");
    assert_eq!(reset.status, 200);
    assert_eq!(
        reset.json(),
        json!({"total": 0, "good": 0, "bad": 0, "duplicates": 0, "stored": 0})
    );
    assert_eq!(count("/micro/good"), 0);

    let schemas = get(&server.url("/micro/schemas"), &[]).json();
    assert_eq!(schemas.as_array().unwrap().len(), catalog().events.len());
    assert!(
        schemas
            .as_array()
            .unwrap()
            .contains(&json!({"event_name": "user.login", "version": "1.0.0"}))
    );
    let schema = get(&server.url("/micro/schemas/user.login/1.0.0"), &[]);
    assert_eq!(schema.status, 200);
    let on_disk: Value = serde_json::from_str(
        &std::fs::read_to_string(workspace().join("generated/schemas/user.login/1.0.0.json"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(schema.json(), on_disk);
    assert_eq!(
        get(&server.url("/micro/schemas/user.login/9.0.0"), &[]).status,
        404
    );
    server.wait_for_log("read stored events", "reads are audited");
}

#[test]
fn access_needs_the_right_token_for_each_side() {
    let server = Server::start_with_env(
        &["--write-token", "w-secret"],
        &[("EVENTCAT_READ_TOKEN", "r-secret")],
    );
    let event = valid_payloads(1, 4).remove(0).to_string();
    let ingest = |auth: Option<&str>| {
        let mut headers = vec![JSON];
        if let Some(auth) = auth {
            headers.push(("Authorization", auth));
        }
        post(&server.url("/v1/events"), &headers, event.as_bytes()).status
    };
    let basic = |user: &str| {
        use base64::Engine as _;
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:"))
        )
    };
    assert_eq!(ingest(None), 401);
    assert_eq!(ingest(Some("Bearer wrong")), 401);
    assert_eq!(
        ingest(Some("Bearer r-secret")),
        401,
        "a read token cannot write"
    );
    assert_eq!(ingest(Some("Bearer w-secret")), 200);
    assert_eq!(
        ingest(Some(&basic("w-secret"))),
        200,
        "Segment's writeKey form"
    );
    for path in [
        "/micro/all",
        "/micro/good",
        "/micro/bad",
        "/micro/schemas",
        "/",
        "/metrics",
    ] {
        let read = |auth: Option<&str>| {
            let headers: Vec<(&str, &str)> =
                auth.map(|a| ("Authorization", a)).into_iter().collect();
            get(&server.url(path), &headers).status
        };
        assert_eq!(read(None), 401, "{path}");
        assert_eq!(read(Some("Bearer wrong")), 401, "{path}");
        assert_eq!(
            read(Some("Bearer w-secret")),
            401,
            "{path}: a write token cannot read"
        );
        assert_eq!(read(Some("Bearer r-secret")), 200, "{path}");
        assert_eq!(read(Some(&basic("r-secret"))), 200, "{path}");
    }
    assert_eq!(post(&server.url("/micro/reset"), &[], b"").status, 401);
    for path in ["/healthz", "/readyz", "/openapi.json"] {
        assert_eq!(get(&server.url(path), &[]).status, 200, "{path} is open");
    }
    let log = server.log();
    assert!(
        !log.contains("w-secret") && !log.contains("r-secret"),
        "tokens never reach the log:\n{log}"
    );
}

#[test]
fn a_non_loopback_address_without_tokens_is_refused() {
    for args in [
        vec!["serve", "--listen", "0.0.0.0:0"],
        vec!["serve", "--listen", "0.0.0.0:0", "--write-token", "w"],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_eventcat-validate"))
            .args(&args)
            .env_remove("EVENTCAT_WRITE_TOKEN")
            .env_remove("EVENTCAT_READ_TOKEN")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("refusing to listen on 0.0.0.0"), "{stderr}");
    }
}

#[test]
fn operations_routes_answer() {
    let server = Server::start(&[]);
    assert_eq!(
        get(&server.url("/healthz"), &[]).json(),
        json!({"status": "ok"})
    );
    assert_eq!(
        get(&server.url("/readyz"), &[]).json(),
        json!({"status": "ready"})
    );
    let payloads = valid_payloads(2, 6);
    let mut broken = payloads[1].clone();
    broken["properties"] = json!(1);
    let body = json!([payloads[0], broken]).to_string();
    post(&server.url("/v1/events"), &[JSON], body.as_bytes());
    post(
        &server.url("/v1/events"),
        &[NDJSON],
        &vec![b'1'; 600 * 1024],
    );
    let metrics = get(&server.url("/metrics"), &[]);
    assert!(
        metrics
            .content_type
            .starts_with("application/openmetrics-text")
    );
    let text = metrics.text;
    let name = payloads[0]["event_name"].as_str().unwrap();
    for line in [
        format!("eventcat_events_accepted_total{{event=\"{name}\",version=\"1.0.0\"}} 1"),
        format!(
            "eventcat_event_errors_total{{event=\"{}\",version=\"1.0.0\",rule=\"type\"}} 1",
            broken["event_name"].as_str().unwrap()
        ),
        "eventcat_limit_rejections_total{limit=\"request_bytes\"} 1".to_owned(),
        "eventcat_request_duration_seconds_count{method=\"POST\",route=\"/v1/events\",status=\"200\"} 1".to_owned(),
    ] {
        assert!(text.lines().any(|l| l == line), "no {line} in\n{text}");
    }
    let served = get(&server.url("/openapi.json"), &[]);
    let checked_in = std::fs::read_to_string(workspace().join("validator/openapi.json")).unwrap();
    assert_eq!(
        served.text, checked_in,
        "/openapi.json is the checked-in document"
    );
    let document: Value = serde_json::from_str(&checked_in).unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    // CORS for browser apps.
    let preflight = agent()
        .run(
            ureq::http::Request::builder()
                .method("OPTIONS")
                .uri(server.url("/v1/events"))
                .header("Origin", "http://localhost:3000")
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type")
                .body(())
                .unwrap(),
        )
        .unwrap();
    assert_eq!(preflight.status().as_u16(), 200);
    assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
    // The log line is written after the answer is sent: wait for it, boundedly.
    server.wait_for_log("path=/v1/events status=413", "one log line per request");
}

#[test]
fn sigterm_under_load_loses_nothing_acknowledged_and_writes_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let (good, bad) = (
        dir.path().join("good.ndjson"),
        dir.path().join("bad.ndjson"),
    );
    let server = Server::start(&[
        "--good",
        good.to_str().unwrap(),
        "--bad",
        bad.to_str().unwrap(),
    ]);
    let url = server.url("/v1/events");
    let payloads = Arc::new(valid_payloads(4000, 21));
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let clients: Vec<_> = (0..4)
        .map(|client| {
            let (url, payloads, acknowledged) =
                (url.clone(), payloads.clone(), acknowledged.clone());
            std::thread::spawn(move || {
                // Client `c` sends payloads c, c+4, ... in batches of 10, until refused.
                let mine: Vec<&Value> = payloads.iter().skip(client).step_by(4).collect();
                let mut sent = 0;
                for batch in mine.chunks(10) {
                    let mut body = String::new();
                    for p in batch {
                        body.push_str(&p.to_string());
                        body.push('\n');
                    }
                    let request = agent()
                        .post(&url)
                        .header("Content-Type", "application/x-ndjson");
                    match request.send(body.as_bytes()) {
                        Ok(response) => {
                            let answer = read(response);
                            if answer.status != 200 {
                                break;
                            }
                            assert_eq!(answer.json()["accepted"], batch.len());
                            let mut acknowledged = acknowledged.lock().unwrap();
                            acknowledged.extend(
                                batch
                                    .iter()
                                    .map(|p| p["event_id"].as_str().unwrap().to_owned()),
                            );
                            sent += batch.len();
                        }
                        Err(_) => break,
                    }
                }
                sent
            })
        })
        .collect();
    // Let the clients get going, then stop the server while they send.
    let deadline = Instant::now() + Duration::from_secs(60);
    while acknowledged.lock().unwrap().len() < 400 {
        assert!(Instant::now() < deadline, "the clients made no progress");
        std::thread::sleep(Duration::from_millis(5));
    }
    let status = server.terminate();
    let sent: usize = clients.into_iter().map(|c| c.join().unwrap()).sum();
    assert_eq!(status.code(), Some(0));
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert_eq!(sent, acknowledged.len());
    assert!(
        sent < payloads.len(),
        "the server stopped while clients were sending"
    );

    let written: Vec<String> = lines(&good)
        .iter()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["event_id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let unique: std::collections::HashSet<&String> = written.iter().collect();
    assert_eq!(unique.len(), written.len(), "no event is written twice");
    let acknowledged_set: std::collections::HashSet<&String> = acknowledged.iter().collect();
    assert!(
        acknowledged_set.is_subset(&unique),
        "every acknowledged event is written"
    );
    assert_eq!(
        written.len(),
        acknowledged.len(),
        "the counts add up: only acknowledged events are written"
    );
    assert!(lines(&bad).is_empty());
}

#[test]
fn watch_reloads_the_catalog_and_keeps_the_schemas_on_a_lint_error() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("catalog");
    copy_dir(&workspace().join("catalog"), &copy);
    let server = Server::start(&["--catalog", copy.to_str().unwrap(), "--watch"]);
    let login = walk(&copy)
        .into_iter()
        .find(|p| p.ends_with("user/user.login.yaml"))
        .expect("catalog/events/user/user.login.yaml");
    let original = std::fs::read_to_string(&login).unwrap();
    let versions = |server: &Server| -> Vec<String> {
        get(&server.url("/micro/schemas"), &[])
            .json()
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["event_name"] == "user.login")
            .map(|s| s["version"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(versions(&server), ["1.0.0"]);
    let wait_for = |what: &str, done: &dyn Fn() -> bool| {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !done() {
            assert!(Instant::now() < deadline, "{what}:\n{}", server.log());
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    // A lint error: the schemas in use stay, the findings are logged.
    std::fs::write(
        &login,
        original.replacen("version: 1.0.0", "version: not-a-version", 1),
    )
    .unwrap();
    wait_for("the findings are logged", &|| {
        server.log().contains("invalid-version")
    });
    assert_eq!(versions(&server), ["1.0.0"]);
    // A good edit is picked up.
    std::fs::write(
        &login,
        original.replacen("version: 1.0.0", "version: 1.1.0", 1),
    )
    .unwrap();
    wait_for("the catalog is reloaded", &|| {
        versions(&server) == ["1.1.0"]
    });
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn copy_dir(from: &Path, to: &Path) {
    for path in walk(from) {
        let target = to.join(path.strip_prefix(from).unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&path, &target).unwrap();
    }
}

#[test]
fn the_page_shows_events_live_and_filters_in_headless_chromium() {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
    assert!(
        Path::new(&chromium).exists(),
        "{chromium} is missing: install Debian's chromium (`apt-get install chromium`, listed in .ci/apt-packages)"
    );
    let tools = workspace().join("tools");
    assert!(
        tools.join("node_modules/playwright-core").exists(),
        "playwright-core is missing: run `npm ci --prefix tools` (scripts/test does)"
    );
    let server = Server::start(&[]);
    let payloads = valid_payloads(6, 13);
    let good = payloads[..4].to_vec();
    let bad: Vec<Value> = payloads[4..]
        .iter()
        .map(|p| {
            let mut p = p.clone();
            p["properties"] = json!("broken");
            p
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events.json");
    std::fs::write(&events, json!({"good": good, "bad": bad}).to_string()).unwrap();
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let output = Command::new("node")
        .arg(tools.join("serve-page.mjs"))
        .arg(server.url(""))
        .arg(&events)
        .arg(&shots)
        .env("CHROMIUM", &chromium)
        .output()
        .expect("node is missing: install Node.js 18 or newer");
    assert!(
        output.status.success(),
        "the page test failed:\n{}\n{}\n--- server log\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
        server.log()
    );
    let shot = shots.join("serve-page.png");
    assert!(
        std::fs::metadata(&shot).unwrap().len() > 10_000,
        "{} is a screenshot",
        shot.display()
    );
}

#[test]
fn schemathesis_finds_no_server_error_and_no_response_that_breaks_the_document() {
    let schemathesis = workspace().join("tools/.venv/bin/schemathesis");
    assert!(
        schemathesis.exists(),
        "{} is missing: run scripts/test (it installs tools/requirements.txt into tools/.venv)",
        schemathesis.display()
    );
    let server = Server::start(&[]);
    let reports = tempfile::tempdir().unwrap();
    let output = Command::new(&schemathesis)
        .arg("run")
        .arg(server.url("/openapi.json"))
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,\
             response_headers_conformance,response_schema_conformance",
            // Bounded: at most 25 generated cases per operation, the same ones every run.
            "--max-examples",
            "25",
            "--seed",
            "1",
            "--phases",
            "examples,coverage,fuzzing",
            "--request-timeout",
            "10",
        ])
        .arg("--report-dir")
        .arg(reports.path())
        .env("NO_COLOR", "1")
        .current_dir(reports.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "schemathesis failed:\n{stdout}\n{}\n--- server log (last lines)\n{}",
        String::from_utf8_lossy(&output.stderr),
        server
            .log()
            .lines()
            .rev()
            .take(40)
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        stdout.contains("14 passed"),
        "every operation was tested:\n{stdout}"
    );
}

#[test]
fn a_payload_nested_too_deep_is_an_invalid_event_in_every_body_form() {
    let dir = tempfile::tempdir().unwrap();
    let (good, bad) = (
        dir.path().join("good.ndjson"),
        dir.path().join("bad.ndjson"),
    );
    let payloads = valid_payloads(2, 17);
    // An event whose properties nest 300 levels: well-formed JSON, deeper than the parser goes.
    let mut deep = payloads[0].to_string();
    deep.truncate(deep.len() - 1);
    deep.push_str(&format!(
        r#","extra":{}1{}}}"#,
        r#"{"a":"#.repeat(300),
        "}".repeat(300)
    ));
    let ndjson = format!("{}\n{deep}\n{}\n", payloads[0], payloads[1]);
    // The CLI's verdict on the same lines.
    let file = dir.path().join("lines.ndjson");
    std::fs::write(&file, &ndjson).unwrap();
    let cli = Command::new(env!("CARGO_BIN_EXE_eventcat-validate"))
        .args(["--format", "json", "--no-progress"])
        .arg(&file)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&cli.stdout).unwrap();
    let invalid = report["invalid"].as_array().unwrap();
    assert_eq!(invalid.len(), 1, "{report}");
    assert_eq!(invalid[0]["line"], 2);
    let cli_errors = invalid[0]["errors"].clone();
    assert_eq!(cli_errors[0]["rule"], "json:too_deep", "{cli_errors}");

    // The same events go in each body: no deduplication, so each is written every time.
    let server = Server::start(&[
        "--dedupe-window",
        "0",
        "--good",
        good.to_str().unwrap(),
        "--bad",
        bad.to_str().unwrap(),
    ]);
    let url = server.url("/v1/events");
    let array = format!("[{}, {deep}, {}]", payloads[0], payloads[1]);
    for (what, headers, body) in [
        ("ndjson", vec![NDJSON], ndjson.clone()),
        ("an array", vec![JSON], array),
    ] {
        let answer = post(&url, &headers, body.as_bytes());
        assert_eq!(answer.status, 200, "{what}: {}", answer.text);
        let answer = answer.json();
        assert_eq!(
            (answer["accepted"].clone(), answer["rejected"].clone()),
            (json!(2), json!(1)),
            "{what}: {answer}"
        );
        let results = answer["results"].as_array().unwrap();
        assert_eq!(results[0]["valid"], true, "{what}");
        assert_eq!(results[1]["valid"], false, "{what}");
        assert_eq!(results[1]["errors"], cli_errors, "{what}: as the CLI says");
        assert_eq!(results[2]["valid"], true, "{what}");
    }
    // One deep payload alone: a verdict too, not a refusal.
    let alone = post(&url, &[JSON], deep.as_bytes());
    assert_eq!(alone.status, 200, "{}", alone.text);
    let alone = alone.json();
    assert_eq!(alone["rejected"], 1);
    assert_eq!(alone["results"][0]["errors"], cli_errors);
    assert_eq!(server.terminate().code(), Some(0));

    assert_eq!(lines(&good).len(), 4, "the other events are written");
    let rows: Vec<Value> = lines(&bad)
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 3);
    for row in &rows {
        assert_eq!(row["errors"], cli_errors);
        assert_eq!(
            row["payload"],
            deep.as_str(),
            "the bad row keeps the payload"
        );
    }
    assert_eq!(
        rows.iter().map(|r| r["index"].clone()).collect::<Vec<_>>(),
        [json!(1), json!(1), json!(0)]
    );
}

/// A copy of the catalog and its published schemas, with `user.login` bumped to 1.1.0 in the
/// YAML: 1.0.0 stays only as a published schema.
fn bumped_catalog(root: &Path) -> PathBuf {
    let catalog = root.join("catalog");
    copy_dir(&workspace().join("catalog"), &catalog);
    copy_dir(
        &workspace().join("generated/schemas"),
        &root.join("generated/schemas"),
    );
    let login = walk(&catalog)
        .into_iter()
        .find(|p| p.ends_with("user/user.login.yaml"))
        .expect("catalog/events/user/user.login.yaml");
    let text = std::fs::read_to_string(&login).unwrap();
    assert!(text.contains("version: 1.0.0"));
    std::fs::write(&login, text.replacen("version: 1.0.0", "version: 1.1.0", 1)).unwrap();
    catalog
}

#[test]
fn catalog_includes_the_published_versions_and_watch_keeps_them() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = bumped_catalog(dir.path());
    let login = valid_payloads(40, 23)
        .into_iter()
        .find(|p| p["event_name"] == "user.login")
        .unwrap();
    let mut bumped = login.clone();
    bumped["version"] = json!("1.1.0");
    let published =
        std::fs::read_to_string(workspace().join("generated/schemas/user.login/1.0.0.json"))
            .unwrap();
    let check = |server: &Server| {
        let versions: Vec<Value> = get(&server.url("/micro/schemas"), &[])
            .json()
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["event_name"] == "user.login")
            .map(|s| s["version"].clone())
            .collect();
        assert_eq!(versions, [json!("1.0.0"), json!("1.1.0")]);
        let schema = get(&server.url("/micro/schemas/user.login/1.0.0"), &[]);
        assert_eq!(
            schema.json(),
            serde_json::from_str::<Value>(&published).unwrap()
        );
        let body = json!([login, bumped]).to_string();
        let answer = post(&server.url("/v1/events"), &[JSON], body.as_bytes()).json();
        assert_eq!(answer["accepted"], 2, "{answer}");
        assert_eq!(answer["results"][0]["version"], "1.0.0");
        assert_eq!(answer["results"][1]["version"], "1.1.0");
    };
    // The published folder beside the catalog, found by default, and given with --schemas.
    let server = Server::start(&["--catalog", catalog.to_str().unwrap()]);
    check(&server);
    drop(server);
    let elsewhere = dir.path().join("published");
    copy_dir(&dir.path().join("generated/schemas"), &elsewhere);
    std::fs::remove_dir_all(dir.path().join("generated")).unwrap();
    let server = Server::start(&[
        "--catalog",
        catalog.to_str().unwrap(),
        "--schemas",
        elsewhere.to_str().unwrap(),
        "--watch",
    ]);
    check(&server);
    // A reload compiles the catalog again and keeps the published versions.
    let stream = walk(&catalog)
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "yaml") && !p.ends_with("user.login.yaml"))
        .unwrap();
    let text = std::fs::read_to_string(&stream).unwrap();
    std::fs::write(&stream, format!("{text}\n")).unwrap();
    server.wait_for_log("catalog reloaded", "no reload");
    check(&server);
    // Without the published folder, 1.0.0 is an unknown version: the check above is not vacuous.
    let alone = tempfile::tempdir().unwrap();
    let only = alone.path().join("catalog");
    copy_dir(&catalog, &only);
    let server = Server::start(&["--catalog", only.to_str().unwrap()]);
    let answer = post(
        &server.url("/v1/events"),
        &[JSON],
        login.to_string().as_bytes(),
    )
    .json();
    assert_eq!(
        answer["results"][0]["errors"][0]["rule"], "envelope:unknown_version",
        "{answer}"
    );
}

/// The event ids in an NDJSON file of good events.
fn ids(path: &Path) -> Vec<String> {
    lines(path)
        .iter()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["event_id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

/// Sends a request without reading the answer; dropping the stream hangs up, as a client
/// whose connection dropped.
fn post_unread(server: &Server, body: &str) -> std::net::TcpStream {
    let mut stream = std::net::TcpStream::connect(server.address).unwrap();
    write!(
        stream,
        "POST /v1/events HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        server.address,
        body.len()
    )
    .unwrap();
    stream
}

#[test]
fn a_retried_event_is_answered_as_a_duplicate_and_written_once() {
    let dir = tempfile::tempdir().unwrap();
    let (good, bad) = (
        dir.path().join("good.ndjson"),
        dir.path().join("bad.ndjson"),
    );
    let server = Server::start(&[
        "--dedupe-window",
        "4",
        "--good",
        good.to_str().unwrap(),
        "--bad",
        bad.to_str().unwrap(),
    ]);
    let url = server.url("/v1/events");
    let p = valid_payloads(8, 31);
    let id = |i: usize| p[i]["event_id"].as_str().unwrap().to_owned();
    let send = |body: Value| {
        let answer = post(&url, &[JSON], body.to_string().as_bytes());
        assert_eq!(answer.status, 200, "{}", answer.text);
        answer.json()
    };
    let duplicates = |answer: &Value| -> Vec<bool> {
        answer["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["duplicate"].as_bool().unwrap())
            .collect()
    };

    // The server writes the events, then the connection drops before the client reads the
    // answer.
    let unread = post_unread(&server, &json!([p[0], p[1]]).to_string());
    let deadline = Instant::now() + Duration::from_secs(20);
    while get(&server.url("/micro/all"), &[]).json()["good"] != 2 {
        assert!(Instant::now() < deadline, "not written:\n{}", server.log());
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(unread);
    // The retry, with one new event: the two are duplicates, accepted, not written again.
    let retry = send(json!([p[0], p[1], p[2]]));
    assert_eq!(duplicates(&retry), [true, true, false], "{retry}");
    assert_eq!(retry["accepted"], 3);
    assert!(
        retry["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["valid"] == true)
    );
    // The same id twice in one request.
    assert_eq!(duplicates(&send(json!([p[3], p[3]]))), [false, true]);
    // An invalid event is never a duplicate (its bad row is written), nor remembered.
    let mut broken = p[4].clone();
    broken["properties"] = json!("broken");
    let mut reused = p[1].clone();
    reused["properties"] = json!(1);
    let answer = send(json!([broken, reused]));
    assert_eq!(duplicates(&answer), [false, false]);
    assert_eq!(answer["rejected"], 2);
    // ... so the event fixed and sent again with its id is written.
    assert_eq!(duplicates(&send(json!([p[4]]))), [false]);
    // The window holds 4 ids (p1..p4 now): p0, the oldest, was forgotten and is written again.
    assert_eq!(duplicates(&send(json!([p[0]]))), [false]);
    assert_eq!(duplicates(&send(json!([p[2]]))), [true]);

    let all = get(&server.url("/micro/all"), &[]).json();
    assert_eq!(all["good"], 6, "{all}");
    assert_eq!(all["duplicates"], 4, "{all}");
    let stored: Vec<String> = get(&server.url("/micro/good"), &[])
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        stored,
        [id(0), id(4), id(3), id(2), id(1), id(0)],
        "newest first"
    );
    let metrics = get(&server.url("/metrics"), &[]).text;
    let counted: u64 = metrics
        .lines()
        .filter(|l| l.starts_with("eventcat_events_duplicate_total{"))
        .map(|l| l.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(counted, 4, "{metrics}");

    // A reset forgets the ids with the events: a test suite's fixtures count again.
    post(&server.url("/micro/reset"), &[], b"");
    assert_eq!(duplicates(&send(json!([p[2]]))), [false]);
    assert_eq!(server.terminate().code(), Some(0));
    assert_eq!(
        ids(&good),
        [id(0), id(1), id(2), id(3), id(4), id(0), id(2)]
    );
    assert_eq!(lines(&bad).len(), 2);

    // --dedupe-window 0: no deduplication.
    let server = Server::start(&["--dedupe-window", "0"]);
    let url = server.url("/v1/events");
    for _ in 0..2 {
        let answer = post(&url, &[JSON], p[5].to_string().as_bytes()).json();
        assert_eq!(answer["results"][0]["duplicate"], false);
    }
    assert_eq!(get(&server.url("/micro/all"), &[]).json()["good"], 2);
}

/// The server's `fdatasync` and `fsync` calls while `run` talks to it, counted by strace
/// attached to the running process.
fn syncs_while(args: &[&str], run: &dyn Fn(&Server)) -> (usize, usize) {
    let server = Server::start(args);
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("strace.txt");
    let mut strace = Command::new("strace")
        .args(["-f", "-qq", "-e", "trace=fsync,fdatasync", "-o"])
        .arg(&trace)
        .arg("-p")
        .arg(server.child.id().to_string())
        .stderr(Stdio::piped())
        .spawn()
        .expect("strace is missing: install it (`apt-get install strace`, in .ci/apt-packages)");
    // Attached once the tracee's threads show in the trace of a request.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let status = get(&server.url("/healthz"), &[]).status;
        assert_eq!(status, 200);
        let attached = Command::new("grep")
            .args(["-q", "TracerPid:[[:space:]]*[1-9]"])
            .arg(format!("/proc/{}/status", server.child.id()))
            .status()
            .unwrap()
            .success();
        if attached {
            break;
        }
        assert!(Instant::now() < deadline, "strace did not attach");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Let strace reach every thread (-f attaches them one by one).
    std::thread::sleep(Duration::from_millis(500));
    run(&server);
    assert_eq!(server.terminate().code(), Some(0));
    let status = strace.wait().unwrap();
    assert!(status.success(), "strace failed: {status}");
    let text = std::fs::read_to_string(&trace).unwrap();
    let count = |call: &str| text.lines().filter(|l| l.contains(call)).count();
    (count("fdatasync("), count(" fsync("))
}

#[test]
fn fsync_syncs_the_files_before_each_answer_and_they_are_complete() {
    let payloads = valid_payloads(20, 37);
    for fsync in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let (good, bad) = (
            dir.path().join("good.ndjson"),
            dir.path().join("bad.ndjson"),
        );
        let mut args = vec![
            "--good",
            good.to_str().unwrap(),
            "--bad",
            bad.to_str().unwrap(),
            "--rotate-bytes",
            "3000",
        ];
        if fsync {
            args.push("--fsync");
        }
        let all_lines = |base: &Path| -> Vec<String> {
            let mut all = Vec::new();
            for n in (1..100).rev() {
                all.extend(lines(&PathBuf::from(format!("{}.{n}", base.display()))));
            }
            all.extend(lines(base));
            all
        };
        let (fdatasyncs, fsyncs) = syncs_while(&args, &|server| {
            for (i, pair) in payloads.chunks(2).enumerate() {
                let mut broken = pair[1].clone();
                broken["properties"] = json!("broken");
                let body = json!([pair[0], broken]).to_string();
                let answer = post(&server.url("/v1/events"), &[JSON], body.as_bytes());
                assert_eq!(answer.status, 200, "{}", answer.text);
                // Once answered, the files hold every line, whole.
                let written = all_lines(&good);
                assert_eq!(written.len(), i + 1, "fsync {fsync}");
                for line in &written {
                    serde_json::from_str::<Value>(line).unwrap();
                }
                assert_eq!(all_lines(&bad).len(), i + 1, "fsync {fsync}");
            }
        });
        let rotated = Path::new(&format!("{}.1", good.display())).exists();
        assert!(rotated, "the good file was rotated");
        if fsync {
            // Each answer: both files synced; each file created or rotated: its folder.
            assert!(
                fdatasyncs >= 20,
                "{fdatasyncs} fdatasync calls for 10 requests"
            );
            assert!(fsyncs >= 3, "{fsyncs} folder syncs");
        } else {
            assert_eq!((fdatasyncs, fsyncs), (0, 0), "no --fsync, no sync");
        }
    }
}
