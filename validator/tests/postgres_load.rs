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

fn load(url: &str, files: &[&Path], extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_eventcat-validate"))
        .arg("load")
        .args(["--postgres", url, "--no-progress", "--format", "json"])
        .args(extra)
        .args(files)
        .output()
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
    let url = pg.create_database("load");
    let mut client = pg.client("load");
    client
        .batch_execute(
            &std::fs::read_to_string(workspace().join("generated/sql/schema.sql")).unwrap(),
        )
        .unwrap();
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
    let url = pg.create_database("refuse");
    let mut client = pg.client("refuse");
    client
        .batch_execute(
            &std::fs::read_to_string(workspace().join("generated/sql/schema.sql")).unwrap(),
        )
        .unwrap();
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
