#!/usr/bin/env bash
# Benchmarks `eventcat-validate load --postgres` on a real PostgreSQL, beside its anchor measured
# in the same run: a plain `COPY` of the same valid payloads into an untyped table
# `raw (payload jsonb)`. One corpus of `eventcat sample` payloads (10% invalid). Per repetition,
# interleaved, each into a fresh database or table (setup, and a CHECKPOINT before each, not timed):
#   (a) copy:     psql `\copy raw FROM corpus-valid.ndjson` (the valid payloads, one COPY);
#   (b) load:     `eventcat-validate load --postgres URL corpus.ndjson` (validation, the rows
#                 typed on the client and copied straight into the tables, bad rows into
#                 eventcat.bad_events, one transaction per --batch-rows);
#   (c) replay:   the same load again into (b)'s database (every row already stored);
#   (c') warm:    (b)'s tables emptied (TRUNCATE; their partitions stay), the same load again:
#                 the steady state of a service, whose partitions exist but for the day's;
#   (b'), (c''), (c'''): the same three with `--loader functions` (every payload staged as
#                 jsonb and moved by the generated loader functions, as before the typed copy),
#                 into their own database: the loader before and after in one run;
#   (b''), ...:   the same three with `--loader staged` (typed rows through a staging table and
#                 `INSERT ... ON CONFLICT DO NOTHING`, the default before the direct copy);
#   (d) validate: `eventcat-validate corpus.ndjson` alone (no database), to show what of (b) is
#                 validation.
# Rows/s is valid payloads / wall seconds for all four. The server is started by the script
# (initdb in a temporary folder, pg_ctl on a free loopback port; under root as the `postgres`
# user) with its default durability settings, and stopped at the end.
#
# Usage: scripts/bench-postgres.sh [--count N] [--runs R] [--seed S] [--batch-rows B] [--out DIR]
#   defaults: --count 200000 --runs 5 --seed 42 --batch-rows 20000 --out target/bench-postgres
# Needs: a Rust toolchain, PostgreSQL's server and psql (apt-get install postgresql), python3.
set -euo pipefail

cd "$(dirname "$0")/.."
count=200000
runs=5
seed=42
batch_rows=20000
out=target/bench-postgres
while [ $# -gt 0 ]; do
  case "$1" in
    --count) count=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --batch-rows) batch_rows=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "usage: scripts/bench-postgres.sh [--count N] [--runs R] [--seed S] [--batch-rows B] [--out DIR]" >&2; exit 2 ;;
  esac
done

# The server binaries as the tests find them: $EVENTCAT_PG_BIN, else Debian's newest.
pg_bin=${EVENTCAT_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  pg_bin=$(pg_config --bindir 2>/dev/null || true)
fi
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ] || ! command -v psql > /dev/null; then
  echo "error: PostgreSQL's server binaries or psql are missing: apt-get install postgresql (or set EVENTCAT_PG_BIN)" >&2
  exit 2
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)
echo "building (release)..." >&2
cargo build --release -q -p eventcat --bin eventcat
cargo build --release -q -p eventcat-validate --bin eventcat-validate
bin=target/release/eventcat-validate

corpus="$out/corpus-$count-$seed.ndjson"
valid="$out/corpus-$count-$seed-valid.ndjson"
if [ ! -s "$corpus" ]; then
  echo "writing $corpus..." >&2
  target/release/eventcat sample --count "$count" --seed "$seed" --invalid-ratio 0.1 --out "$corpus"
fi
if [ ! -s "$valid" ]; then
  # The same valid payloads the loader stores, as the validator writes them.
  "$bin" --no-progress --good "$valid" "$corpus" > /dev/null || [ $? -eq 1 ]
fi
lines=$(wc -l < "$corpus")
rows=$(wc -l < "$valid")

# The server: a temporary folder, a free loopback port, stopped on exit.
dir=$(mktemp -d /tmp/eventcat-bench-pg.XXXXXX)
as_pg=()
if [ "$(id -u)" = 0 ]; then
  chown postgres "$dir"
  as_pg=(runuser -u postgres --)
fi
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
stop_server() {
  if [ -f "$dir/data/postmaster.pid" ]; then
    "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$dir/data" -m fast -w stop > /dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}
trap stop_server EXIT
"${as_pg[@]}" "$pg_bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-instructions > "$out/initdb.log"
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c shared_buffers=256MB -c max_wal_size=4GB" start > /dev/null
url_of() { echo "postgresql://postgres@127.0.0.1:$port/$1"; }
sql() { psql -X -q -v ON_ERROR_STOP=1 "$(url_of "${2:-postgres}")" -c "$1"; }
pg_version=$(psql -X -tA "$(url_of postgres)" -c 'SHOW server_version')

now() { date +%s.%N; }
# Before each timed step, not timed: a checkpoint, so no step pays for writing out the dirty
# buffers and WAL of the one before it (the load after the anchor's 180 MB otherwise ran
# 0.5-1 s slower than the same load on a settled server).
settle() { sql "CHECKPOINT"; }
raw="$out/raw.txt"
: > "$raw"

measure_copy() {
  local db=raw_$1
  sql "CREATE DATABASE $db"
  sql "CREATE TABLE raw (payload jsonb)" "$db"
  local t0 t1
  settle
  t0=$(now)
  # CSV with a quote and a delimiter that JSON lines never hold: each line is one value, as is.
  psql -X -q -v ON_ERROR_STOP=1 "$(url_of "$db")" \
    -c "\\copy raw FROM '$valid' WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')"
  t1=$(now)
  local stored
  stored=$(psql -X -tA "$(url_of "$db")" -c 'SELECT count(*) FROM raw')
  [ "$stored" = "$rows" ] || { echo "error: raw holds $stored rows, not $rows" >&2; exit 2; }
  echo "copy $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" >> "$raw"
  sql "DROP DATABASE $db"
}

load_once() {
  local db=$1 key=$2 expect=$3 loader=$4 status=0 t0 t1
  settle
  t0=$(now)
  "$bin" load --postgres "$(url_of "$db")" --loader "$loader" --batch-rows "$batch_rows" --no-progress "$corpus" \
    > /dev/null 2> "$out/load.stderr" || status=$?
  t1=$(now)
  if [ "$status" -gt 1 ]; then
    echo "error: load failed (exit $status):" >&2
    cat "$out/load.stderr" >&2
    exit 2
  fi
  grep -q "$expect" "$out/load.stderr" || { echo "error: unexpected load summary:" >&2; cat "$out/load.stderr" >&2; exit 2; }
  echo "$key $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" >> "$raw"
}

measure_load() {
  local db=load_$2_$1 loader=$2 prefix=${3:-}
  sql "CREATE DATABASE $db"
  psql -X -q -v ON_ERROR_STOP=1 "$(url_of "$db")" -f generated/sql/schema.sql > /dev/null
  load_once "$db" "${prefix}load" "$rows inserted, 0 already stored" "$loader"
  load_once "$db" "${prefix}replay" "0 inserted, $rows already stored" "$loader"
  # The same rows into tables whose partitions exist (a running service creates a partition
  # once a day or month; the corpus spreads over 2026, so a fresh load creates 360 of them).
  psql -X -q -v ON_ERROR_STOP=1 "$(url_of "$db")" -c "DO \$\$ DECLARE t text; BEGIN
    FOR t IN SELECT table_name FROM eventcat.event_tables LOOP
      EXECUTE format('TRUNCATE events.%I', t); END LOOP;
    TRUNCATE eventcat.bad_events; END \$\$"
  load_once "$db" "${prefix}warm" "$rows inserted, 0 already stored" "$loader"
  sql "DROP DATABASE $db"
}

measure_validate() {
  local t0 t1
  t0=$(now)
  "$bin" --no-progress "$corpus" > /dev/null || [ $? -eq 1 ]
  t1=$(now)
  echo "validate $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" >> "$raw"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for run in $(seq "$runs"); do
  echo "run $run/$runs (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  measure_copy "$run"
  measure_load "$run" copy
  measure_load "$run" functions f
  measure_load "$run" staged s
  measure_validate
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$raw" "$rows" "$lines" "$count" "$seed" "$runs" "$batch_rows" > "$out/results.md" <<'EOF'
import statistics, sys
raw, rows, lines, count, seed, runs, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), *sys.argv[4:]
times = {}
for line in open(raw):
    key, seconds = line.split()
    times.setdefault(key, []).append(float(seconds))
print(f"Corpus: {lines} payloads, {rows} valid (`eventcat sample --count {count} --seed {seed} --invalid-ratio 0.1`); "
      f"--batch-rows {batch}; {runs} runs each, interleaved. Rows/s = valid payloads / wall time.")
print()
print("| what | rows/s (median) | wall (median, min-max) | rows/s min-max |")
print("|---|---:|---|---|")
names = {
    "copy": "plain COPY into raw(payload jsonb) (anchor)",
    "load": "eventcat-validate load --postgres",
    "replay": "the same load again (all already stored)",
    "warm": "load into existing partitions (tables truncated)",
    "fload": "`--loader functions`, fresh database (before)",
    "freplay": "`--loader functions`, the same load again",
    "fwarm": "`--loader functions`, into existing partitions",
    "sload": "`--loader staged`, fresh database (before)",
    "sreplay": "`--loader staged`, the same load again",
    "swarm": "`--loader staged`, into existing partitions",
    "validate": "eventcat-validate alone (no database)",
}
for key, name in names.items():
    t = sorted(times[key])
    m = statistics.median(t)
    print(f"| {name} | {rows / m:,.0f} | {m:.2f} s ({t[0]:.2f}-{t[-1]:.2f}) | {rows / t[-1]:,.0f}-{rows / t[0]:,.0f} |")
print()
ratio = statistics.median(times["copy"]) / statistics.median(times["load"])
print(f"load / plain COPY (rows/s, medians): {ratio:.2f}")
warm = statistics.median(times["copy"]) / statistics.median(times["warm"])
print(f"load into existing partitions / plain COPY (rows/s, medians): {warm:.2f}")
before = statistics.median(times["copy"]) / statistics.median(times["fload"])
before_warm = statistics.median(times["copy"]) / statistics.median(times["fwarm"])
print(f"before (`--loader functions`): {before:.2f} fresh, {before_warm:.2f} into existing partitions")
staged = statistics.median(times["copy"]) / statistics.median(times["sload"])
staged_warm = statistics.median(times["copy"]) / statistics.median(times["swarm"])
print(f"before (`--loader staged`): {staged:.2f} fresh, {staged_warm:.2f} into existing partitions")
EOF
{
  cat "$out/results.md"
  echo
  echo "Machine: $(date -u +%Y-%m-%d), $(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p' | head -1)), $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo) RAM; PostgreSQL $pg_version; $(rustc --version); load average before $load_before, after $load_after."
} | tee "$out/results.md.tmp"
mv "$out/results.md.tmp" "$out/results.md"
