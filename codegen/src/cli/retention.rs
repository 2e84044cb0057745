//! `eventcat retention`: the catalog's retention policies, enforced on the PostgreSQL tables
//! that `generated/sql/` defines.
//!
//! Each table's policy is in `eventcat.event_tables` (from the catalog), its partitions in
//! `eventcat.partitions`. A partition whose whole range is older than `archive_after` is
//! archived: its rows are exported to `<archive-dir>/<table>/<partition>.ndjson.gz` (written
//! to a temporary file, synced, renamed), then it is detached from its table, so queries no
//! longer see it. A partition whose whole range is older than `retention_period` is dropped,
//! and its archive file deleted: retention means the data is gone. The plan is printed; with
//! `--apply` it is carried out, one partition at a time, each step recorded in
//! `eventcat.partitions`, so a run stopped half-way resumes where it stopped and a rerun changes
//! nothing. The interval arithmetic (months, years) is PostgreSQL's.
//!
//! This is the binary's code, not the library's: build.rs users never compile a database client.

use std::io::Write;
use std::path::{Path, PathBuf};

use postgres::{Client, NoTls};
use serde::Serialize;

/// How the plan is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RetentionFormat {
    /// One line per step, then a summary.
    Human,
    /// One JSON document: the time, whether it was applied, the steps, the partitions kept.
    Json,
}

/// Arguments of `eventcat retention`.
#[derive(Debug, clap::Args)]
pub struct RetentionArgs {
    /// The database: `postgres://user@host:port/db` (or `host=... dbname=...`).
    #[arg(long, value_name = "URL")]
    pub postgres: String,
    /// Carry the plan out (without it, only print it).
    #[arg(long)]
    pub apply: bool,
    /// The time to plan for (RFC 3339), instead of the database's `now()`.
    #[arg(long, value_name = "TIMESTAMP")]
    pub now: Option<String>,
    /// Where archived partitions are written.
    #[arg(long, default_value = "archive", value_name = "DIR")]
    pub archive_dir: PathBuf,
    #[arg(long, value_enum, default_value_t = RetentionFormat::Human)]
    pub format: RetentionFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Action {
    /// Export the rows, then detach.
    Archive,
    /// Drop the partition (attached or detached) and its archive file.
    Drop,
    /// The partition is gone; its archive file still has to go.
    DeleteArchive,
}

#[derive(Debug, Serialize)]
struct Step {
    action: Action,
    table: String,
    partition: String,
    range_start: String,
    range_end: String,
    state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    archive_file: Option<String>,
    /// Rows exported (after --apply).
    #[serde(skip_serializing_if = "Option::is_none")]
    rows: Option<u64>,
}

#[derive(Debug, Serialize)]
struct Plan {
    now: String,
    applied: bool,
    steps: Vec<Step>,
    /// Partitions (attached or archived) that stay as they are.
    kept: u64,
}

pub fn run(args: &RetentionArgs) -> super::Outcome {
    let mut client = Client::connect(&args.postgres, NoTls)
        .map_err(|e| format!("cannot connect to PostgreSQL: {e}"))?;
    let mut plan = plan(&mut client, args)?;
    if args.apply {
        for step in &mut plan.steps {
            apply(&mut client, step, &args.archive_dir)?;
        }
        plan.applied = true;
    }
    print(&plan, args);
    Ok(true)
}

fn plan(client: &mut Client, args: &RetentionArgs) -> Result<Plan, Box<dyn std::error::Error>> {
    let now: String = client
        .query_one(
            "SELECT to_char(coalesce($1::text::timestamptz, now()) AT TIME ZONE 'UTC', \
             'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
            &[&args.now],
        )
        .map_err(|e| format!("--now must be an RFC 3339 timestamp: {}", db_message(&e)))?
        .get(0);
    let rows = client
        .query(
            "SELECT p.table_name, p.partition_name, \
               to_char(p.range_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), \
               to_char(p.range_end AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), \
               p.state, p.archive_file, \
               t.archive_after IS NOT NULL AND p.range_end <= $1::text::timestamptz - t.archive_after, \
               t.retention_period IS NOT NULL AND p.range_end <= $1::text::timestamptz - t.retention_period \
             FROM eventcat.partitions p JOIN eventcat.event_tables t USING (table_name) \
             ORDER BY p.table_name, p.range_start",
            &[&now],
        )
        .map_err(|e| {
            format!(
                "cannot read eventcat.partitions ({}): apply generated/sql/schema.sql first",
                db_message(&e)
            )
        })?;
    let mut steps = Vec::new();
    let mut kept = 0;
    for row in rows {
        let state: String = row.get(4);
        let archive_file: Option<String> = row.get(5);
        let (past_archive, past_retention): (bool, bool) = (row.get(6), row.get(7));
        let action = match state.as_str() {
            "dropped" if archive_file.is_some() => Some(Action::DeleteArchive),
            // Gone, with nothing left to delete: history, not part of the plan.
            "dropped" => continue,
            _ if past_retention => Some(Action::Drop),
            "attached" if past_archive => Some(Action::Archive),
            _ => None,
        };
        match action {
            None => kept += 1,
            Some(action) => steps.push(Step {
                action,
                table: row.get(0),
                partition: row.get(1),
                range_start: row.get(2),
                range_end: row.get(3),
                state,
                archive_file,
                rows: None,
            }),
        }
    }
    Ok(Plan {
        now,
        applied: false,
        steps,
        kept,
    })
}

fn apply(
    client: &mut Client,
    step: &mut Step,
    archive_dir: &Path,
) -> Result<(), Box<dyn std::error::Error>> {
    let partition = format!("\"events\".{}", ident(&step.partition));
    match step.action {
        Action::Archive => {
            let file = archive_dir
                .join(&step.table)
                .join(format!("{}.ndjson.gz", step.partition));
            let rows = export(client, &partition, &file)?;
            let mut tx = client.transaction()?;
            tx.batch_execute(&format!(
                "ALTER TABLE \"events\".{} DETACH PARTITION {partition}",
                ident(&step.table)
            ))?;
            tx.execute(
                "UPDATE eventcat.partitions SET state = 'detached', archive_file = $2, \
                 archived_rows = $3 WHERE partition_name = $1",
                &[
                    &step.partition,
                    &file.to_string_lossy().as_ref(),
                    &(rows as i64),
                ],
            )?;
            tx.commit()?;
            step.archive_file = Some(file.to_string_lossy().into_owned());
            step.rows = Some(rows);
        }
        Action::Drop | Action::DeleteArchive => {
            if step.action == Action::Drop {
                let mut tx = client.transaction()?;
                tx.batch_execute(&format!("DROP TABLE IF EXISTS {partition}"))?;
                tx.execute(
                    "UPDATE eventcat.partitions SET state = 'dropped' WHERE partition_name = $1",
                    &[&step.partition],
                )?;
                tx.commit()?;
            }
            if let Some(file) = &step.archive_file {
                match std::fs::remove_file(file) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(format!("cannot delete the archive {file}: {e}").into()),
                }
                client.execute(
                    "UPDATE eventcat.partitions SET archive_file = NULL WHERE partition_name = $1",
                    &[&step.partition],
                )?;
            }
        }
    }
    Ok(())
}

/// Writes every row of `partition` as a JSON line to `file` (gzip), atomically; returns how many.
fn export(
    client: &mut Client,
    partition: &str,
    file: &Path,
) -> Result<u64, Box<dyn std::error::Error>> {
    let dir = file.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let temp = tempfile::NamedTempFile::new_in(dir)?;
    let mut gz = flate2::write::GzEncoder::new(
        std::io::BufWriter::new(temp),
        flate2::Compression::default(),
    );
    let mut rows = 0u64;
    // A portal, so a big partition streams instead of being held in memory.
    let mut tx = client.transaction()?;
    let portal = tx.bind(
        &format!(
            "SELECT row_to_json(p)::text FROM {partition} p ORDER BY \"timestamp\", \"event_id\""
        ),
        &[],
    )?;
    loop {
        let batch = tx.query_portal(&portal, 10_000)?;
        if batch.is_empty() {
            break;
        }
        for row in batch {
            gz.write_all(row.get::<_, &str>(0).as_bytes())?;
            gz.write_all(b"\n")?;
            rows += 1;
        }
    }
    tx.commit()?;
    let temp = gz.finish()?.into_inner().map_err(|e| e.into_error())?;
    temp.as_file().sync_all()?;
    temp.persist(file).map_err(|e| e.error)?;
    Ok(rows)
}

fn print(plan: &Plan, args: &RetentionArgs) {
    let mut out = std::io::stdout().lock();
    if args.format == RetentionFormat::Json {
        let _ = serde_json::to_writer_pretty(&mut out, plan);
        let _ = writeln!(out);
        return;
    }
    let mode = if plan.applied {
        "applied"
    } else {
        "dry run: pass --apply to carry it out"
    };
    let _ = writeln!(out, "retention plan at {} ({mode})", plan.now);
    for step in &plan.steps {
        let what = match step.action {
            Action::Archive => "archive",
            Action::Drop => "drop",
            Action::DeleteArchive => "delete archive",
        };
        let _ = write!(
            out,
            "{what:<15} events.{} [{} .. {})",
            step.partition, step.range_start, step.range_end
        );
        match (step.action, &step.archive_file, step.rows) {
            (Action::Archive, Some(file), Some(rows)) => {
                let _ = write!(out, ": {rows} rows to {file}, detached");
            }
            (Action::Drop, _, _) if step.state == "attached" => {
                let _ = write!(out, ": past retention, never archived");
            }
            (_, Some(file), _) if step.action != Action::Archive => {
                let _ = write!(out, " and its archive {file}");
            }
            _ => {}
        }
        let _ = writeln!(out);
    }
    let count = |action| plan.steps.iter().filter(|s| s.action == action).count();
    let _ = writeln!(
        out,
        "summary: {} to archive, {} to drop, {} archives to delete, {} partitions kept",
        count(Action::Archive),
        count(Action::Drop),
        count(Action::DeleteArchive),
        plan.kept
    );
}

/// A quoted identifier (`"` doubled).
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn db_message(error: &postgres::Error) -> String {
    error
        .as_db_error()
        .map_or_else(|| error.to_string(), |db| db.message().to_owned())
}
