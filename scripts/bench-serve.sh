#!/usr/bin/env bash
# Benchmarks `eventcat-validate serve` on loopback with wrk, beside the CLI on a file of the same
# payloads, in one run, --runs times, interleaved:
#   (a) the anchor: the CLI, --threads 1, on the corpus file (good and bad outputs to files, the
#       report to /dev/null), events/s from the wall time;
#   (b) the server (default settings: dedupe window, store; good and bad outputs to files, one
#       log line per request to a file), loaded by wrk with single-event requests, then with
#       100-event batches (JSON arrays), each without and with --fsync, each for --duration
#       seconds over --connections connections and 2 wrk threads, a fresh server each time.
#       Every request's event ids are made unique (the Lua script rewrites their first 8 hex
#       digits from a counter), so the dedupe window never turns a run into duplicates; each
#       body is cut at its ids once, at wrk's start, so a request costs wrk little CPU.
# Prints medians and min-max spreads (events/s, requests/s, p50/p99 latency, peak memory, and
# CPU time per event: the CLI's, the server's over the wrk run, wrk's own) as a Markdown table
# and writes it to <out>/serve-results.md. wrk and the server share the machine's cores: say
# so beside numbers; the CPU columns are the steadier measure on a shared machine.
#
#   --soak SECONDS: instead, one server under 100-event batches for SECONDS (300 for the
#   issue's 5 minutes), its resident memory sampled once a second, to show it stays flat with
#   the bounded store and dedupe window; writes <out>/serve-soak.md.
#
# Usage: scripts/bench-serve.sh [--count N] [--duration S] [--runs R] [--connections C]
#                               [--out DIR] [--soak SECONDS]
#   defaults: --count 100000 --duration 10 --runs 3 --connections 16 --out target/bench
# Needs: a Rust toolchain, wrk (`apt-get install wrk`), GNU time (/usr/bin/time), curl, python3.
set -euo pipefail

cd "$(dirname "$0")/.."
count=100000
duration=10
runs=3
connections=16
out=target/bench
soak=0
usage="usage: scripts/bench-serve.sh [--count N] [--duration S] [--runs R] [--connections C] [--out DIR] [--soak SECONDS]"
while [ $# -gt 0 ]; do
  case "$1" in
    --count) count=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --soak) soak=$2; shift 2 ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
for tool in wrk curl python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "error: $tool is needed (apt-get install wrk curl python3 time)" >&2; exit 2; }
done

mkdir -p "$out"
out=$(cd "$out" && pwd)
echo "building (release)..." >&2
# One cargo invocation for both binaries: built apart, they unify `eventcat`'s features
# differently and each run of this script rebuilt both (minutes on a busy machine).
cargo build --release -q -p eventcat --bin eventcat -p eventcat-validate --bin eventcat-validate
bin=target/release/eventcat-validate
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

corpus="$out/serve-corpus-$count.ndjson"
if [ ! -s "$corpus" ]; then
  target/release/eventcat sample --count "$count" --seed 42 --invalid-ratio 0.1 --out "$corpus"
fi
# The same payloads as request bodies: one payload a line, and 100-payload JSON arrays a line.
# The corpus lines that are not JSON at all are left out (as a JSON body they are a 400, and in
# an array they would make the whole array one); the other invalid ones (10%) stay.
singles="$out/serve-singles.txt"
batches="$out/serve-batches.txt"
python3 - "$corpus" "$singles" "$batches" <<'PY'
import json, sys
good = []
for line in open(sys.argv[1], encoding="utf-8"):
    try:
        json.loads(line)
    except ValueError:
        continue
    good.append(line.strip())
with open(sys.argv[2], "w", encoding="utf-8") as out:
    out.write("\n".join(good) + "\n")
with open(sys.argv[3], "w", encoding="utf-8") as out:
    for i in range(0, len(good) - 99, 100):
        out.write("[" + ",".join(good[i:i + 100]) + "]\n")
PY

script="$out/serve-wrk.lua"
cat > "$script" <<'LUA'
-- POSTs the bodies of $BODIES (one a line) in turn; every event id of a request gets a fresh
-- first 8 hex digits (the wrk thread, then a counter), so no two requests repeat an id. Each
-- body is cut once, before its ids' first 8 hex digits, and a request is its pieces joined
-- with fresh ones: a gsub over the whole body on every request cost wrk more CPU than the
-- server spent on the request, on the cores they share.
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
local bodies = {}
for line in io.lines(os.getenv("BODIES")) do
  local pieces, at = {}, 1
  local from = 1
  while true do
    local _, e = string.find(line, '"event_id":"', from, true)
    if not e then break end
    from = e + 1
    if string.find(string.sub(line, e + 1, e + 8), "^%x%x%x%x%x%x%x%x$") then
      pieces[#pieces + 1] = string.sub(line, at, e)
      at = e + 9
      from = at
    end
  end
  pieces[#pieces + 1] = string.sub(line, at)
  bodies[#bodies + 1] = pieces
end
local i, n = 0, 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i % #bodies + 1
  local pieces, parts = bodies[i], {}
  for k = 1, #pieces - 1 do
    n = n + 1
    parts[2 * k - 1] = pieces[k]
    parts[2 * k] = string.format('%x%07x', tid % 16, n % 0x10000000)
  end
  parts[2 * #pieces - 1] = pieces[#pieces]
  return wrk.format(nil, "/v1/events", nil, table.concat(parts))
end
LUA

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

server=""
sampler=""
stop_server() {
  if [ -n "$server" ]; then
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    server=""
  fi
  if [ -n "$sampler" ]; then
    kill "$sampler" 2>/dev/null || true
    wait "$sampler" 2>/dev/null || true
    sampler=""
  fi
}
trap stop_server EXIT

# start_server MEMORY_FILE [ARGS...]: a fresh server on a free loopback port, outputs emptied,
# its VmRSS (kB) sampled once a second into MEMORY_FILE; sets $server and $port.
start_server() {
  local memory=$1
  shift
  port=$(free_port)
  rm -f "$out"/serve-good.ndjson* "$out"/serve-bad.ndjson*
  "$bin" serve --listen "127.0.0.1:$port" --good "$out/serve-good.ndjson" --bad "$out/serve-bad.ndjson" \
    "$@" 2> "$out/serve.log" &
  server=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null || { echo "error: the server did not start" >&2; cat "$out/serve.log" >&2; exit 2; }
  local pid=$server
  ( while kill -0 "$pid" 2>/dev/null; do awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null; sleep 1; done ) > "$memory" &
  sampler=$!
}

# wrk_run NAME BODIES SECONDS: one wrk run against $port; its output in $out/wrk-NAME.txt, its
# CPU seconds (user + system, its setup included) in $out/wrk-NAME.cpu.
wrk_run() {
  BODIES=$2 /usr/bin/time -f "%U %S" -o "$out/wrk-$1.time" \
    wrk -t2 -c"$connections" -d"${3}s" --latency -s "$script" "http://127.0.0.1:$port" > "$out/wrk-$1.txt"
  awk '{print $1 + $2}' "$out/wrk-$1.time" > "$out/wrk-$1.cpu"
}
# The server's CPU time so far (user + system), in clock ticks.
server_ticks() {
  awk '{print $14 + $15}' "/proc/$server/stat"
}

if [ "$soak" -gt 0 ]; then
  memory="$out/serve-soak-memory.txt"
  # At 200,000 events/s the outputs grow by about 8 GB a minute: rotate them every 256 MiB,
  # and count and delete each rotated file as it appears, so the disk stays bounded.
  start_server "$memory" --rotate-bytes 268435456
  rotated="$out/serve-soak-rotated.txt"
  : > "$rotated"
  ( while kill -0 "$server" 2>/dev/null; do
      for f in "$out"/serve-good.ndjson.* "$out"/serve-bad.ndjson.*; do
        [ -f "$f" ] && wc -l < "$f" >> "$rotated" && rm -f "$f"
      done
      sleep 1
    done ) &
  cleaner=$!
  wrk_run soak "$batches" "$soak"
  stop_server
  wait "$cleaner" 2>/dev/null || true
  written=$(( $(cat "$out"/serve-good.ndjson* "$out"/serve-bad.ndjson* | wc -l) + $(awk '{n += $1} END {print n + 0}' "$rotated") ))
  python3 - "$memory" "$out/wrk-soak.txt" "$soak" "$written" "$load_before" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY' | tee "$out/serve-soak.md"
import re, sys
kb = [int(l) for l in open(sys.argv[1]) if l.strip()]
text = open(sys.argv[2]).read()
seconds, written = int(sys.argv[3]), int(sys.argv[4])
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
minute = min(60, max(1, len(kb) // 5))
mb = lambda k: f"{k / 1024:.1f} MB"
print(f"## serve soak: 100-event batches for {seconds} s")
print()
print(f"- load average before {sys.argv[5]}, after {sys.argv[6]}")
print(f"- {rps * 100:,.0f} events/s ({rps:,.0f} requests/s), {written:,} events written")
print(f"- VmRSS, {len(kb)} samples once a second: first {mb(kb[0])}; max of the first minute "
      f"{mb(max(kb[:minute]))}, of the last minute {mb(max(kb[-minute:]))}; max {mb(max(kb))}, "
      f"last {mb(kb[-1])}")
step = max(1, len(kb) // 10)
print("- every " + str(step) + " s: " + ", ".join(f"{k / 1024:.0f}" for k in kb[::step]) + " MB")
PY
  exit 0
fi

results="$out/serve-runs.tsv"
: > "$results"
# One CLI run: events/s, peak RSS (kB).
cli_run() {
  /usr/bin/time -f "%e %M %U %S" -o "$out/time.txt" "$bin" --threads 1 --no-progress \
    --good "$out/cli-good.ndjson" --bad "$out/cli-bad.ndjson" "$corpus" > /dev/null || true
  read -r wall rss user system < <(tail -n 1 "$out/time.txt")
  python3 -c "import sys; w, n, u, s = float(sys.argv[1]), int(sys.argv[2]), float(sys.argv[4]), float(sys.argv[5]); print(f'cli\t{n / w:.0f}\t\t\t\t{sys.argv[3]}\t0\t0\t{(u + s) * 1e6 / n:.2f}\t')" "$wall" "$count" "$rss" "$user" "$system" >> "$results"
}
# One server measurement: NAME BODIES EVENTS_PER_REQUEST [SERVER ARGS...].
serve_run() {
  local name=$1 bodies=$2 per=$3
  shift 3
  local memory="$out/serve-memory-$name.txt"
  start_server "$memory" "$@"
  local before after
  before=$(server_ticks)
  wrk_run "$name" "$bodies" "$duration"
  after=$(server_ticks)
  stop_server
  local written
  written=$(cat "$out"/serve-good.ndjson* "$out"/serve-bad.ndjson* | wc -l)
  python3 - "$out/wrk-$name.txt" "$per" "$name" "$memory" "$written" "$((after - before))" \
    "$(getconf CLK_TCK)" "$(cat "$out/wrk-$name.cpu")" >> "$results" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
per, name, written = int(sys.argv[2]), sys.argv[3], int(sys.argv[5])
ticks, hz, wrk_cpu = int(sys.argv[6]), int(sys.argv[7]), float(sys.argv[8])
kb = [int(l) for l in open(sys.argv[4]) if l.strip()] or [0]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
def latency(p):
    value, unit = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
bad = (int(errors.group(1)) if errors else 0) + (sum(map(int, socket.groups())) if socket else 0)
# CPU per event: the server's over the wrk run, by the events it wrote; wrk's (setup
# included) by the events it sent.
sent = int(re.search(r"(\d+) requests in", text).group(1)) * per
server_us = ticks / hz * 1e6 / max(written, 1)
wrk_us = wrk_cpu * 1e6 / max(sent, 1)
print(f"{name}\t{rps * per:.0f}\t{rps:.0f}\t{latency(50):.3f}\t{latency(99):.3f}\t{max(kb)}\t{bad}\t{written}\t{server_us:.2f}\t{wrk_us:.2f}")
PY
}

for run in $(seq "$runs"); do
  echo "run $run of $runs..." >&2
  cli_run
  serve_run single "$singles" 1
  serve_run batch "$batches" 100
  serve_run single-fsync "$singles" 1 --fsync
  serve_run batch-fsync "$batches" 100 --fsync
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$results" <<PY | tee "$out/serve-results.md"
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, *values = line.rstrip("\n").split("\t")
    rows.setdefault(name, []).append(values)
def column(name, i):
    return [float(v[i]) for v in rows[name] if v[i] != ""]
def spread(values, fmt):
    return f"{fmt(statistics.median(values))} ({fmt(min(values))}-{fmt(max(values))})"
count = lambda v: f"{v:,.0f}"
ms = lambda v: f"{v:.2f}"
mb = lambda v: f"{v / 1024:.1f}"
print("## serve on loopback, $(date -u +%Y-%m-%dT%H:%MZ)")
print()
print("- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); wrk (2 threads) and the server share them")
print("- load average (1, 5, 15 min) before: $load_before; after: $load_after")
print("- corpus: $count payloads of \`eventcat sample --seed 42 --invalid-ratio 0.1\`; $runs runs, interleaved, median (min-max)")
print("- wrk: $connections connections, ${duration} s a run, a fresh server each run (default flags, outputs to files)")
print()
print("| load | events/s | requests/s | p50 ms | p99 ms | peak RSS MB | errors | own CPU µs/event | wrk CPU µs/event (its setup incl.) |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
cli = column("cli", 0)
us = lambda v: f"{v:.2f}"
print(f"| CLI, 1 thread, on the file | {spread(cli, count)} | | | | {spread(column('cli', 4), mb)} | | {spread(column('cli', 7), us)} | |")
names = {"single": "serve, 1 event a request", "batch": "serve, 100 events a request",
         "single-fsync": "serve --fsync, 1 event a request", "batch-fsync": "serve --fsync, 100 events a request"}
for key, label in names.items():
    if key not in rows:
        continue
    errors = int(sum(column(key, 5)))
    print(f"| {label} | {spread(column(key, 0), count)} | {spread(column(key, 1), count)} | "
          f"{spread(column(key, 2), ms)} | {spread(column(key, 3), ms)} | {spread(column(key, 4), mb)} | {errors} | "
          f"{spread(column(key, 7), us)} | {spread(column(key, 8), us)} |")
print()
batch = statistics.median(column("batch", 0))
single = statistics.median(column("single", 1))
print(f"- batched ingest / CLI 1 thread: {batch / statistics.median(cli):.2f} (target at least 0.5)")
print(f"- single-event requests/s: {single:,.0f} (target at least 10,000 on 2 cores)")
PY
