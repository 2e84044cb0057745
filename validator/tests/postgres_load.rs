//! `eventcat-validate load --postgres URL` on a real PostgreSQL: a sample corpus lands with
//! exact counts (rows per table = valid payloads per event, bad rows = invalid payloads), values
//! round-trip, a second load adds nothing, and payloads the database refuses become bad rows
//! instead of being lost.

// The harness of the end-to-end tests, shared as a file (not all of it is used here).
#[path = "../../tests/src/postgres.rs"]
#[allow(dead_code)]
mod harness;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use eventcat::emit::sql::{self, SqlType, Table};
use eventcat::sample::Sampler;
use harness::Postgres;
use serde_json::Value;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn catalog() -> eventcat::ir::Catalog {
    eventcat::ir::lower(&eventcat::load(&workspace().join("catalog")).unwrap()).unwrap()
}

fn load_command(url: &str, files: &[&Path], extra: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_eventcat-validate"));
    command
        .arg("load")
        .args(["--postgres", url, "--no-progress", "--format", "json"])
        .args(extra)
        .args(files);
    command
}

fn load(url: &str, files: &[&Path], extra: &[&str]) -> Output {
    load_command(url, files, extra).output().unwrap()
}

/// `load` started, its summary (stderr) kept for `wait_with_output`.
fn spawn_load(url: &str, file: &Path, batch_rows: &str) -> std::process::Child {
    load_command(url, &[file], &["--batch-rows", batch_rows])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

fn count(client: &mut postgres::Client, sql: &str) -> i64 {
    client.query_one(sql, &[]).unwrap().get(0)
}

/// A corpus of `n` lines, and the valid payloads in it by event.
fn corpus(dir: &Path, n: usize, seed: u64) -> (PathBuf, Vec<Value>, usize) {
    let catalog = catalog();
    let mut sampler = Sampler::new(&catalog, seed);
    let mut text = String::new();
    let mut valid = Vec::new();
    let mut invalid = 0;
    for _ in 0..n {
        let sample = sampler.sample(0.15).unwrap();
        text.push_str(&sample.line);
        text.push('\n');
        match sample.broken {
            None => valid.push(serde_json::from_str(&sample.line).unwrap()),
            Some(_) => invalid += 1,
        }
    }
    let path = dir.join("events.ndjson");
    std::fs::write(&path, text).unwrap();
    (path, valid, invalid)
}

fn tables() -> BTreeMap<String, Table> {
    let catalog = catalog();
    let published =
        eventcat::compat::published::Published::read(&workspace().join("generated/schemas"))
            .unwrap()
            .history(&catalog)
            .unwrap();
    sql::tables(&sql::history(&catalog, &published))
        .into_iter()
        .map(|t| (t.event.clone(), t))
        .collect()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_sample_corpus_loads_exactly_once_and_round_trips() {
    let pg = Postgres::start();
    let (url, mut client) = pg.create_database_with_schema("load");
    let dir = tempfile::tempdir().unwrap();
    let (file, valid, invalid) = corpus(dir.path(), 1500, 11);
    assert!(invalid > 100 && valid.len() > 1000);

    // Small batches, so the corpus takes many transactions.
    let out = load(&url, &[&file], &["--batch-rows", "128"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "some payloads are invalid: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains(&format!("{} inserted, 0 already stored", valid.len())),
        "{}",
        stderr(&out)
    );

    let tables = tables();
    let mut per_event: BTreeMap<&str, i64> = BTreeMap::new();
    for payload in &valid {
        *per_event
            .entry(payload["event_name"].as_str().unwrap())
            .or_default() += 1;
    }
    assert_eq!(per_event.len(), 30, "every event is in the corpus");
    let check_counts = |client: &mut postgres::Client| {
        for (event, expected) in &per_event {
            let table = &tables[*event];
            let rows = count(
                client,
                &format!("SELECT count(*) FROM {}", table.qualified()),
            );
            assert_eq!(rows, *expected, "{event}");
        }
        assert_eq!(
            count(client, "SELECT count(*) FROM eventcat.bad_events"),
            invalid as i64
        );
    };
    check_counts(&mut client);
    // Every bad row says why, with the engine's errors as jsonb.
    assert_eq!(
        count(
            &mut client,
            "SELECT count(*) FROM eventcat.bad_events WHERE jsonb_array_length(errors) > 0 \
             AND errors->0 ? 'rule' AND source LIKE '%events.ndjson'"
        ),
        invalid as i64
    );

    // A replay inserts nothing.
    let again = load(&url, &[&file], &[]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains(&format!("0 inserted, {} already stored", valid.len()))
            && stderr(&again).contains("0 new in eventcat.bad_events"),
        "{}",
        stderr(&again)
    );
    check_counts(&mut client);

    // Values round-trip: every column of every stored payload equals the payload's value.
    for payload in &valid {
        let table = &tables[payload["event_name"].as_str().unwrap()];
        let row: Value = client
            .query_one(
                &format!(
                    "SELECT row_to_json(t)::text FROM {} t WHERE event_id = $1::text::uuid",
                    table.qualified()
                ),
                &[&payload["event_id"].as_str().unwrap()],
            )
            .map(|row| serde_json::from_str(row.get::<_, &str>(0)).unwrap())
            .unwrap();
        for column in &table.columns {
            let sent = if column.in_properties {
                &payload["properties"][&column.key]
            } else {
                &payload[&column.key]
            };
            let stored = &row[&column.name];
            assert!(
                same_value(&mut client, &column.ty, sent, stored),
                "{} {}: sent {sent}, stored {stored}",
                table.name,
                column.name
            );
        }
    }
}

/// Whether a stored value is the value sent: equal JSON, or equal once PostgreSQL reads both
/// (timestamps in another offset or precision, IPv6 in another spelling), or equal numbers.
fn same_value(client: &mut postgres::Client, ty: &SqlType, sent: &Value, stored: &Value) -> bool {
    if sent == stored {
        return true;
    }
    match (ty, sent, stored) {
        (
            SqlType::Timestamptz | SqlType::Inet | SqlType::Uuid,
            Value::String(a),
            Value::String(b),
        ) => {
            let cast = ty.sql();
            client
                .query_one(
                    &format!("SELECT $1::text::{cast} = $2::text::{cast}"),
                    &[a, b],
                )
                .unwrap()
                .get(0)
        }
        (_, Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (SqlType::Array(item), Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_value(client, item, x, y))
        }
        _ => false,
    }
}

#[test]
fn payloads_the_database_refuses_become_bad_rows() {
    let pg = Postgres::start();
    let (url, mut client) = pg.create_database_with_schema("refuse");
    // A rule the database holds and the catalog does not: some valid payloads break it.
    client
        .batch_execute(
            "ALTER TABLE events.user_login_v1 ADD CONSTRAINT only_desktop CHECK (device_type = 'desktop')",
        )
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (file, valid, invalid) = corpus(dir.path(), 900, 5);
    let logins: Vec<&Value> = valid
        .iter()
        .filter(|p| p["event_name"] == "user.login")
        .collect();
    let refused = logins
        .iter()
        .filter(|p| p["properties"]["device_type"] != "desktop")
        .count();
    assert!(refused > 0 && refused < logins.len());

    let out = load(&url, &[&file], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("({refused} refused by the database)")),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        count(&mut client, "SELECT count(*) FROM events.user_login_v1"),
        (logins.len() - refused) as i64
    );
    assert_eq!(
        count(
            &mut client,
            "SELECT count(*) FROM eventcat.bad_events WHERE errors->0->>'rule' = 'storage:rejected'"
        ),
        refused as i64
    );
    // Every line is somewhere: in a table or in bad_events.
    let mut stored = count(&mut client, "SELECT count(*) FROM eventcat.bad_events");
    for table in tables().values() {
        stored += count(
            &mut client,
            &format!("SELECT count(*) FROM {}", table.qualified()),
        );
    }
    assert_eq!(stored as usize, valid.len() + invalid);
}

#[test]
fn a_database_without_the_schema_is_a_clear_error() {
    let pg = Postgres::start();
    let url = pg.create_database("empty");
    let dir = tempfile::tempdir().unwrap();
    let (file, _, _) = corpus(dir.path(), 10, 1);
    let out = load(&url, &[&file], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("apply generated/sql/schema.sql first"),
        "{}",
        stderr(&out)
    );
}

/// The valid payloads of a corpus, each written another way with the same meaning: numbers
/// with an exponent (`1.5e0`), integers as `5.0`, strings with `\u` escapes. Values the
/// client renders itself and values it leaves to the loader functions, mixed.
fn respelled(valid: &[Value]) -> String {
    use serde_json::value::RawValue;
    let tables = tables();
    let raw = |text: String| RawValue::from_string(text).unwrap();
    let mut out = String::new();
    for (i, payload) in valid.iter().enumerate() {
        let table = &tables[payload["event_name"].as_str().unwrap()];
        let mut properties: BTreeMap<String, Box<RawValue>> = BTreeMap::new();
        for (key, value) in payload["properties"].as_object().unwrap() {
            let ty = table.column(true, key).map(|c| c.ty.clone());
            let text = match (i % 3, ty, value) {
                (1, Some(SqlType::DoublePrecision | SqlType::Numeric), Value::Number(n))
                    if n.is_f64() && !n.to_string().contains('e') =>
                {
                    format!("{n}e0")
                }
                (
                    1,
                    Some(SqlType::Smallint | SqlType::Integer | SqlType::Bigint),
                    Value::Number(n),
                ) => {
                    format!("{n}.0")
                }
                (2, Some(SqlType::Text), Value::String(s)) if !s.is_empty() => {
                    let first = s.chars().next().unwrap();
                    let rest = Value::from(&s[first.len_utf8()..]).to_string();
                    let escaped: String = first
                        .encode_utf16(&mut [0; 2])
                        .iter()
                        .map(|unit| format!("\\u{unit:04x}"))
                        .collect();
                    format!("\"{escaped}{}", &rest[1..])
                }
                _ => value.to_string(),
            };
            properties.insert(key.clone(), raw(text));
        }
        let mut top: BTreeMap<String, Box<RawValue>> = BTreeMap::new();
        for (key, value) in payload.as_object().unwrap() {
            let text = if key == "properties" {
                serde_json::to_string(&properties).unwrap()
            } else {
                value.to_string()
            };
            top.insert(key.clone(), raw(text));
        }
        out.push_str(&serde_json::to_string(&top).unwrap());
        out.push('\n');
    }
    out
}

/// `N valid payloads typed here, M through the loader functions` of a load's summary.
fn typed_and_functions(stderr: &str) -> (u64, u64) {
    let line = stderr.lines().find(|l| l.starts_with("loaded:")).unwrap();
    let numbers: Vec<u64> = line
        .rsplit(';')
        .next()
        .unwrap()
        .split_whitespace()
        .filter_map(|w| w.trim_end_matches(',').parse().ok())
        .collect();
    (numbers[0], numbers[1])
}

#[test]
fn typed_copy_stores_what_the_loader_functions_store() {
    let pg = Postgres::start();
    let schema = std::fs::read_to_string(workspace().join("generated/sql/schema.sql")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (_, valid, _) = corpus(dir.path(), 1200, 23);
    let file = dir.path().join("respelled.ndjson");
    std::fs::write(&file, respelled(&valid)).unwrap();

    let mut stored = Vec::new();
    for (name, loader) in [("functions", "functions"), ("copy", "copy")] {
        let url = pg.create_database(name);
        let mut client = pg.client(name);
        client.batch_execute(&schema).unwrap();
        if loader == "copy" {
            // A table at another version than the binary's column map: its loader function.
            client
                .batch_execute(
                    "UPDATE eventcat.event_tables SET version = '1.0.1' WHERE table_name = 'user_login_v1'",
                )
                .unwrap();
        }
        let out = load(&url, &[&file], &["--loader", loader, "--batch-rows", "300"]);
        assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
        let (typed, functions) = typed_and_functions(&stderr(&out));
        let logins = valid
            .iter()
            .filter(|p| p["event_name"] == "user.login")
            .count() as u64;
        if loader == "copy" {
            // Most typed here; the respelled numbers, and every login, through the functions.
            assert!(typed > 0 && functions > logins, "{}", stderr(&out));
        } else {
            assert_eq!(typed, 0, "{}", stderr(&out));
        }
        let mut rows = BTreeMap::new();
        for table in tables().values() {
            let row = client
                .query_one(
                    &format!(
                        "SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {} AS t",
                        table.qualified()
                    ),
                    &[],
                )
                .unwrap();
            rows.insert(
                table.name.clone(),
                (row.get::<_, i64>(0), row.get::<_, String>(1)),
            );
        }
        stored.push(rows);
    }
    assert!(stored[0].values().all(|(n, _)| *n > 0), "{:?}", stored[0]);
    assert_eq!(stored[0], stored[1], "the same rows, value for value");
}

#[test]
fn the_writer_role_loads_typed_rows_where_public_may_not_create_temporary_tables() {
    let pg = Postgres::start();
    pg.create_database("writer");
    let mut admin = pg.client("writer");
    admin
        .batch_execute(
            "REVOKE TEMPORARY ON DATABASE writer FROM PUBLIC;
             CREATE ROLE loader LOGIN;",
        )
        .unwrap();
    // base.sql (in schema.sql) grants the writer role what the loader's session needs.
    admin
        .batch_execute(
            &std::fs::read_to_string(workspace().join("generated/sql/schema.sql")).unwrap(),
        )
        .unwrap();
    admin
        .batch_execute("GRANT eventcat_writer TO loader")
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (file, valid, _) = corpus(dir.path(), 300, 3);
    let url = format!("postgresql://loader@127.0.0.1:{}/writer", pg.port());
    let out = load(&url, &[&file], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("{} inserted, 0 already stored", valid.len())),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        typed_and_functions(&stderr(&out)),
        (valid.len() as u64, 0),
        "{}",
        stderr(&out)
    );
}

/// `n` valid payloads, one a line.
fn valid_lines(n: usize, seed: u64) -> Vec<String> {
    let catalog = catalog();
    let mut sampler = Sampler::new(&catalog, seed);
    (0..n)
        .map(|_| sampler.sample(0.0).unwrap())
        .inspect(|sample| assert!(sample.broken.is_none()))
        .map(|sample| sample.line)
        .collect()
}

/// Rows per table, and distinct keys, of every event table.
fn stored_rows(client: &mut postgres::Client) -> (BTreeMap<String, i64>, i64) {
    let mut rows = BTreeMap::new();
    let mut keys = 0;
    for table in tables().values() {
        let row = client
            .query_one(
                &format!(
                    "SELECT count(*), count(DISTINCT event_id) FROM {}",
                    table.qualified()
                ),
                &[],
            )
            .unwrap();
        let n: i64 = row.get(0);
        keys += row.get::<_, i64>(1);
        if n > 0 {
            rows.insert(table.name.clone(), n);
        }
    }
    (rows, keys)
}

fn expected_rows(lines: &[String]) -> BTreeMap<String, i64> {
    let tables = tables();
    let mut rows = BTreeMap::new();
    for line in lines {
        let payload: Value = serde_json::from_str(line).unwrap();
        *rows
            .entry(tables[payload["event_name"].as_str().unwrap()].name.clone())
            .or_default() += 1;
    }
    rows
}

#[test]
fn the_direct_copy_stores_each_row_once_in_replays_and_batches_of_new_and_stored_rows() {
    let pg = Postgres::start();
    let (url, mut client) = pg.create_database_with_schema("direct");
    let lines = valid_lines(900, 31);
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.ndjson");
    std::fs::write(&first, lines[..300].join("\n") + "\n").unwrap();
    let out = load(&url, &[&first], &["--batch-rows", "100"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("300 inserted, 0 already stored"),
        "{}",
        stderr(&out)
    );

    // All of it, every third line twice in a row: each batch holds stored rows, new rows and
    // rows it gives twice.
    let mut mixed = String::new();
    for (i, line) in lines.iter().enumerate() {
        for _ in 0..if i % 3 == 0 { 2 } else { 1 } {
            mixed.push_str(line);
            mixed.push('\n');
        }
    }
    let mixed_file = dir.path().join("mixed.ndjson");
    std::fs::write(&mixed_file, mixed).unwrap();
    // The first 400 mixed lines (4 batches) hold the 300 stored rows: the first batch is
    // redone through the staging table, the next three go there first (a replay), and the
    // first batch of new rows sends the rest straight again; a key twice within a batch is
    // not a reason to redo one. The second time, only the first batch is redone.
    for (inserted, stored, redone) in [(600, 600, 1), (0, 1200, 1)] {
        let out = load(&url, &[&mixed_file], &["--batch-rows", "100"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let summary = stderr(&out);
        assert!(
            summary.contains(&format!("{inserted} inserted, {stored} already stored"))
                && summary.contains(&format!("12 batches ({redone} redone")),
            "{summary}"
        );
        // Every row typed here: straight into its table.
        assert_eq!(typed_and_functions(&summary), (1200, 0), "{summary}");
        assert_eq!(stored_rows(&mut client), (expected_rows(&lines), 900));
    }
}

#[test]
fn a_row_a_concurrent_loader_stores_first_makes_the_batch_redo_through_on_conflict() {
    let pg = Postgres::start();
    let (url, mut client) = pg.create_database_with_schema("race");
    let lines = valid_lines(400, 37);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("events.ndjson");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();

    // Another loader stores line 251 and has not committed yet: the batch holding it copies
    // it too and waits for that transaction.
    let line = &lines[250];
    let payload: Value = serde_json::from_str(line).unwrap();
    let table = tables()[payload["event_name"].as_str().unwrap()]
        .name
        .clone();
    // Every partition first: creating one waits for the other transaction's lock on its table.
    let tables = tables();
    for line in &lines {
        let payload: Value = serde_json::from_str(line).unwrap();
        client
            .execute(
                "SELECT eventcat.ensure_partition($1, $2::text::timestamptz)",
                &[
                    &tables[payload["event_name"].as_str().unwrap()].name,
                    &payload["timestamp"].as_str().unwrap(),
                ],
            )
            .unwrap();
    }
    // The row as a table stores it, from another database (an insert of its own here, not
    // the loader functions, whose `ensure_partition` the loader would wait on instead).
    let (other_url, mut other) = pg.create_database_with_schema("other");
    let one = dir.path().join("one.ndjson");
    std::fs::write(&one, format!("{line}\n")).unwrap();
    assert_eq!(load(&other_url, &[&one], &[]).status.code(), Some(0));
    let row: String = other
        .query_one(
            &format!("SELECT row_to_json(t)::text FROM events.{table} AS t"),
            &[],
        )
        .unwrap()
        .get(0);
    let mut holder = pg.client("race");
    let mut tx = holder.transaction().unwrap();
    tx.execute(
        &format!(
            "INSERT INTO events.{table} SELECT * FROM json_populate_record(NULL::events.{table}, $1::text::json)"
        ),
        &[&row],
    )
    .unwrap();
    let child = spawn_load(&url, &file, "100");
    let mut waiting = false;
    for _ in 0..600 {
        waiting = count(
            &mut client,
            "SELECT count(*) FROM pg_stat_activity WHERE datname = 'race' AND wait_event_type = 'Lock'",
        ) > 0;
        if waiting {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(waiting, "the loader waits for the other transaction's row");
    tx.commit().unwrap();
    let out = child.wait_with_output().unwrap();
    let summary = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{summary}");
    assert!(
        summary.contains("399 inserted, 1 already stored") && summary.contains("(1 redone"),
        "{summary}"
    );
    assert_eq!(stored_rows(&mut client), (expected_rows(&lines), 400));
}

#[test]
fn two_loaders_at_once_into_a_fresh_database_store_every_row_once() {
    let pg = Postgres::start();
    let (url, mut client) = pg.create_database_with_schema("two");
    let lines = valid_lines(2000, 41);
    let dir = tempfile::tempdir().unwrap();
    // Overlapping halves: both create the same partitions, and each meets rows the other
    // stored.
    let (a, b) = (dir.path().join("a.ndjson"), dir.path().join("b.ndjson"));
    std::fs::write(&a, lines[..1500].join("\n") + "\n").unwrap();
    std::fs::write(&b, lines[500..].join("\n") + "\n").unwrap();
    let (first, second) = (spawn_load(&url, &a, "200"), spawn_load(&url, &b, "200"));
    for child in [first, second] {
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    assert_eq!(stored_rows(&mut client), (expected_rows(&lines), 2000));
}
