#!/usr/bin/env bash
# Benchmarks `eventcat-validate serve` on loopback with wrk, beside the CLI on a file of the same
# payloads, in one run:
#   (a) the CLI, --threads 1 and every core, on the corpus (human report to /dev/null);
#   (b) the server (good and bad outputs to files, one log line per request to a file), loaded by
#       wrk with single-event requests, then with 100-event batches (JSON arrays), each for
#       --duration seconds, --connections connections over 2 wrk threads;
# and samples the server's resident memory once a second through the whole run.
# Prints a Markdown table (events/s, requests/s, p50/p99 latency, memory) and writes it to
# <out>/serve-results.md. wrk and the server share the machine's cores: say so beside numbers.
#
# Usage: scripts/bench-serve.sh [--count N] [--duration SECONDS] [--connections C] [--out DIR]
#   defaults: --count 100000 --duration 20 --connections 16 --out target/bench
# Needs: a Rust toolchain, wrk (`apt-get install wrk`), GNU time (/usr/bin/time), curl.
set -euo pipefail

cd "$(dirname "$0")/.."
count=100000
duration=20
connections=16
out=target/bench
while [ $# -gt 0 ]; do
  case "$1" in
    --count) count=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "usage: scripts/bench-serve.sh [--count N] [--duration S] [--connections C] [--out DIR]" >&2; exit 2 ;;
  esac
done
for tool in wrk curl /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "error: $tool is needed (apt-get install wrk curl time)" >&2; exit 2; }
done

mkdir -p "$out"
out=$(cd "$out" && pwd)
echo "building (release)..." >&2
cargo build --release -q -p eventcat --bin eventcat
cargo build --release -q -p eventcat-validate --bin eventcat-validate
bin=target/release/eventcat-validate

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

# The CLI on the file: wall time from GNU time.
cli() {
  local threads=$1
  /usr/bin/time -f "%e %M" -o "$out/time.txt" "$bin" --threads "$threads" --no-progress "$corpus" > /dev/null || true
  read -r wall rss < "$out/time.txt"
  python3 -c "import sys; w=float(sys.argv[1]); print(f'{int(int(sys.argv[2])/w):,} events/s ({w:.2f} s, peak {int(sys.argv[3])/1024:.1f} MB)')" "$wall" "$count" "$rss"
}
cli1=$(cli 1)
cli2=$(cli "$(nproc)")

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
rm -f "$out/serve-good.ndjson" "$out/serve-bad.ndjson"
"$bin" serve --listen "127.0.0.1:$port" --good "$out/serve-good.ndjson" --bad "$out/serve-bad.ndjson" \
  2> "$out/serve.log" &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
memory="$out/serve-memory.txt"
( while kill -0 "$server" 2>/dev/null; do awk '/VmRSS/ {print $2}' "/proc/$server/status" 2>/dev/null; sleep 1; done ) > "$memory" &
sampler=$!

script="$out/serve-wrk.lua"
cat > "$script" <<'LUA'
local bodies = {}
for line in io.lines(os.getenv("BODIES")) do bodies[#bodies + 1] = line end
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i % #bodies + 1
  return wrk.format(nil, "/v1/events", nil, bodies[i])
end
LUA

# load NAME BODIES EVENTS_PER_REQUEST: one wrk run; prints a table row.
load() {
  local name=$1 bodies=$2 per=$3
  BODIES=$bodies wrk -t2 -c"$connections" -d"${duration}s" --latency -s "$script" "http://127.0.0.1:$port" > "$out/wrk-$per.txt"
  python3 - "$out/wrk-$per.txt" "$per" "$name" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
per, name = int(sys.argv[2]), sys.argv[3]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
def latency(p):
    value, unit = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
socket = re.search(r"Socket errors: (.*)", text)
print(f"| {name} | {int(rps * per):,} | {int(rps):,} | {latency(50):.2f} ms | {latency(99):.2f} ms | "
      f"{errors.group(1) if errors else 0} | {socket.group(1) if socket else 'none'} |")
PY
}
single=$(load "serve, 1 event a request" "$singles" 1)
batch=$(load "serve, 100 events a request" "$batches" 100)
kill -TERM "$server"
wait "$server" || true
kill "$sampler" 2>/dev/null || true
trap - EXIT
mem=$(python3 - "$memory" <<'PY'
import sys
kb = [int(l) for l in open(sys.argv[1]) if l.strip()]
third = max(1, len(kb) // 3)
print(f"{len(kb)} samples over the run: first {kb[0]/1024:.1f} MB, max {max(kb)/1024:.1f} MB, "
      f"last {kb[-1]/1024:.1f} MB; max of the first third {max(kb[:third])/1024:.1f} MB, "
      f"of the last third {max(kb[-third:])/1024:.1f} MB")
PY
)
written=$(( $(wc -l < "$out/serve-good.ndjson") + $(wc -l < "$out/serve-bad.ndjson") ))

{
  echo "## serve on loopback, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); wrk and the server share them"
  echo "- corpus: $count payloads of \`eventcat sample --seed 42 --invalid-ratio 0.1\`"
  echo "- CLI on the file, 1 thread: $cli1"
  echo "- CLI on the file, $(nproc) threads: $cli2"
  echo "- wrk: 2 threads, $connections connections, ${duration} s a run"
  echo
  echo "| load | events/s | requests/s | p50 | p99 | non-2xx | socket errors |"
  echo "|---|---:|---:|---:|---:|---:|---|"
  echo "$single"
  echo "$batch"
  echo
  echo "- server memory (VmRSS, once a second): $mem"
  echo "- events written to the outputs: $written"
} | tee "$out/serve-results.md"
