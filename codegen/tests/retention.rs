//! `eventcat retention` on a real PostgreSQL with a fixed `--now`: the partitions past
//! `archive_after` are exported (the archive files hold exactly their rows) and detached, those
//! past `retention_period` dropped with their archives, a dry run changes nothing, and a rerun
//! changes nothing either.

// The harness of the end-to-end tests, shared as a file.
#[path = "../../tests/src/postgres.rs"]
#[allow(dead_code)]
mod harness;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use eventcat::sample::Sampler;
use harness::Postgres;
use serde_json::Value;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn retention(url: &str, archive: &Path, extra: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_eventcat"))
        .args(["retention", "--postgres", url, "--archive-dir"])
        .arg(archive)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn plan(url: &str, archive: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["--format", "json"];
    args.extend_from_slice(extra);
    serde_json::from_slice(&retention(url, archive, &args).stdout).unwrap()
}

fn steps(plan: &Value, action: &str) -> Vec<String> {
    plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["action"] == action)
        .map(|s| s["partition"].as_str().unwrap().to_owned())
        .collect()
}

fn months(from: (i32, u32), to: (i32, u32)) -> Vec<(i32, u32)> {
    let mut out = Vec::new();
    let (mut y, mut m) = from;
    while (y, m) <= to {
        out.push((y, m));
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    }
    out
}

fn read_archive(path: &Path) -> Vec<Value> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn partitions_are_archived_then_dropped_on_schedule() {
    let pg = Postgres::start();
    let (url, mut client) = pg.create_database_with_schema("retention");

    // user.login keeps 2 years and archives after 1 (monthly partitions): a login or two a
    // month from January 2024 to November 2026, through the generated loader.
    let catalog =
        eventcat::ir::lower(&eventcat::load(&workspace().join("catalog")).unwrap()).unwrap();
    let login = &catalog.events["user.login"];
    let mut sampler = Sampler::new(&catalog, 3);
    let mut ids_by_month: BTreeMap<String, Vec<String>> = BTreeMap::new();
    client
        .batch_execute(
            "CREATE TEMP TABLE eventcat_staging (source text, position text, table_name text, payload jsonb)",
        )
        .unwrap();
    for (i, (year, month)) in months((2024, 1), (2026, 11)).into_iter().enumerate() {
        for day in [3, 17].iter().take(1 + i % 2) {
            let mut payload = sampler.valid(login);
            payload["timestamp"] = format!("{year}-{month:02}-{day:02}T12:00:00Z").into();
            ids_by_month
                .entry(format!("user_login_v1_p{year}{month:02}"))
                .or_default()
                .push(payload["event_id"].as_str().unwrap().to_owned());
            client
                .execute(
                    "INSERT INTO eventcat_staging VALUES ('test', '1', 'user_login_v1', $1::text::jsonb)",
                    &[&payload.to_string()],
                )
                .unwrap();
        }
    }
    client
        .batch_execute("SELECT eventcat.load_staged()")
        .unwrap();
    let total: usize = ids_by_month.values().map(Vec::len).sum();
    let rows = |client: &mut postgres::Client| -> i64 {
        client
            .query_one("SELECT count(*) FROM events.user_login_v1", &[])
            .unwrap()
            .get(0)
    };
    assert_eq!(rows(&mut client) as usize, total);

    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("archive");
    let now = ["--now", "2026-12-01T00:00:00Z"];
    let expected_drop: Vec<String> = months((2024, 1), (2024, 11))
        .iter()
        .map(|(y, m)| format!("user_login_v1_p{y}{m:02}"))
        .collect();
    let expected_archive: Vec<String> = months((2024, 12), (2025, 11))
        .iter()
        .map(|(y, m)| format!("user_login_v1_p{y}{m:02}"))
        .collect();

    // The dry run plans and changes nothing.
    let dry = plan(&url, &archive, &now);
    assert_eq!(steps(&dry, "drop"), expected_drop);
    assert_eq!(steps(&dry, "archive"), expected_archive);
    assert_eq!(dry["kept"], 12);
    assert_eq!(rows(&mut client) as usize, total);
    assert!(!archive.exists());

    let applied = plan(&url, &archive, &[&now[..], &["--apply"]].concat());
    assert_eq!(applied["applied"], true);
    // Each archive holds exactly its partition's rows.
    for partition in &expected_archive {
        let file = archive
            .join("user_login_v1")
            .join(format!("{partition}.ndjson.gz"));
        let archived: Vec<String> = read_archive(&file)
            .iter()
            .map(|row| row["event_id"].as_str().unwrap().to_owned())
            .collect();
        let mut expected = ids_by_month[partition].clone();
        expected.sort();
        let mut got = archived.clone();
        got.sort();
        assert_eq!(got, expected, "{partition}");
        let row = &read_archive(&file)[0];
        assert_eq!(row["event_name"], "user.login");
        assert!(row["properties_user_id"].is_string());
    }
    // The table shows only what is kept; detached partitions still exist, dropped ones do not.
    let kept: usize = months((2025, 12), (2026, 11))
        .iter()
        .map(|(y, m)| ids_by_month[&format!("user_login_v1_p{y}{m:02}")].len())
        .sum();
    assert_eq!(rows(&mut client) as usize, kept);
    let exists = |client: &mut postgres::Client, partition: &str| -> bool {
        client
            .query_one(
                "SELECT to_regclass('events.' || quote_ident($1)) IS NOT NULL",
                &[&partition],
            )
            .unwrap()
            .get(0)
    };
    assert!(expected_drop.iter().all(|p| !exists(&mut client, p)));
    assert!(expected_archive.iter().all(|p| exists(&mut client, p)));

    // A rerun changes nothing.
    let before: Vec<Vec<u8>> = expected_archive
        .iter()
        .map(|p| {
            std::fs::read(archive.join("user_login_v1").join(format!("{p}.ndjson.gz"))).unwrap()
        })
        .collect();
    let again = plan(&url, &archive, &[&now[..], &["--apply"]].concat());
    assert!(again["steps"].as_array().unwrap().is_empty(), "{again}");
    assert_eq!(rows(&mut client) as usize, kept);
    for (p, bytes) in expected_archive.iter().zip(&before) {
        assert_eq!(
            &std::fs::read(archive.join("user_login_v1").join(format!("{p}.ndjson.gz"))).unwrap(),
            bytes
        );
    }

    // A year on, the archived partitions are past retention: dropped, archives deleted.
    let later = plan(
        &url,
        &archive,
        &["--now", "2027-12-01T00:00:00Z", "--apply"],
    );
    assert_eq!(steps(&later, "drop"), expected_archive, "{later}");
    assert_eq!(steps(&later, "archive").len(), 12, "{later}");
    assert_eq!(later["kept"], 0, "{later}");
    assert!(expected_archive.iter().all(|p| !exists(&mut client, p)));
    assert!(
        std::fs::read_dir(archive.join("user_login_v1"))
            .unwrap()
            .next()
            .is_some(),
        "the newly archived partitions have files"
    );
    for p in &expected_archive {
        assert!(
            !archive
                .join("user_login_v1")
                .join(format!("{p}.ndjson.gz"))
                .exists()
        );
    }

    // The human plan names what it does.
    let human = retention(&url, &archive, &["--now", "2027-12-01T00:00:00Z"]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("retention plan at 2027-12-01T00:00:00Z (dry run"),
        "{text}"
    );
    assert!(text.contains("summary: 0 to archive, 0 to drop"), "{text}");
}
