#!/usr/bin/env bash
# Benchmarks `eventcat-validate consume` through a real JetStream, in one run, on one corpus of
# `eventcat sample` payloads (10% invalid), beside the CLI on the same payloads as a file:
#   (a) the CLI: `eventcat-validate --threads 1` on the file (wall and CPU from /usr/bin/time);
#   (b) one `consume` process (--threads 1) draining the corpus from the stream EVENTS;
#   (c) two `consume` processes on the same durable consumer.
# For (b) and (c) the corpus is first published into a fresh stream (nats-server restarted on
# an empty store, file storage), then the validators are started and stop by themselves once
# idle (--stop-when-idle 2s). Events/s is every input acked over the span from the first
# message a validator received to the last ack (from their statistics); the consumer's CPU
# time per event is its own user + system time over that span; the broker's is nats-server's
# CPU time over the whole drain, per event. Each configuration runs --runs times, interleaved.
#
# Usage: scripts/bench-jetstream.sh [--count N] [--runs R] [--seed S] [--batch B] [--out DIR]
#   defaults: --count 200000 --runs 3 --seed 42 --batch 256 --out target/bench-jetstream
# Needs: a Rust toolchain, nats-server (apt-get install nats-server), GNU time (/usr/bin/time),
# python3 (to pick a free port). The server listens on 127.0.0.1 only.
set -euo pipefail

cd "$(dirname "$0")/.."
count=200000
runs=3
seed=42
batch=256
out=target/bench-jetstream
while [ $# -gt 0 ]; do
  case "$1" in
    --count) count=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "usage: scripts/bench-jetstream.sh [--count N] [--runs R] [--seed S] [--batch B] [--out DIR]" >&2; exit 2 ;;
  esac
done

server_bin=$(command -v nats-server || echo /usr/sbin/nats-server)
if [ ! -x "$server_bin" ]; then
  echo "error: nats-server is missing: apt-get install nats-server" >&2
  exit 2
fi
if [ ! -x /usr/bin/time ]; then
  echo "error: /usr/bin/time (GNU time) is needed" >&2
  exit 2
fi

mkdir -p "$out"
echo "building (release)..." >&2
# One build for both (one feature resolution: the shared crates are compiled once).
cargo build --release -q -p eventcat -p eventcat-validate --bins
# Where cargo put them ($CARGO_TARGET_DIR, a config's target-dir, or ./target).
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
bin=$target_dir/release/eventcat-validate

corpus="$out/corpus-$count-$seed.ndjson"
if [ ! -s "$corpus" ]; then
  echo "writing $corpus..." >&2
  "$target_dir/release/eventcat" sample --count "$count" --seed "$seed" --invalid-ratio 0.1 --out "$corpus"
fi
bytes=$(stat -c %s "$corpus")
lines=$(wc -l < "$corpus")

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url="nats://127.0.0.1:$port"
store=$(mktemp -d)
server_pid=
stop_server() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
  fi
}
trap 'stop_server; rm -rf "$store"' EXIT

# A fresh server: empty store, JetStream, loopback only.
fresh_server() {
  stop_server
  rm -rf "$store/js"
  "$server_bin" -js -a 127.0.0.1 -p "$port" -sd "$store/js" > "$out/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return; fi
    sleep 0.1
  done
  echo "error: nats-server did not start:" >&2
  cat "$out/server.log" >&2
  exit 2
}

# CPU seconds (user + system) of a process so far, from /proc (USER_HZ = 100).
cpu_of() { awk '{ print ($14 + $15) / 100 }' "/proc/$1/stat"; }

raw="$out/raw.txt"
: > "$raw"

# The CLI: "cli wall cpu".
measure_cli() {
  local status=0
  /usr/bin/time -f '%e %U %S' -o "$out/time.txt" "$bin" --threads 1 --no-progress "$corpus" > /dev/null 2> "$out/stderr.txt" || status=$?
  if [ "$status" -gt 1 ]; then
    echo "error: the CLI failed (exit $status):" >&2
    cat "$out/stderr.txt" >&2
    exit 2
  fi
  # GNU time puts "Command exited with non-zero status 1" (findings) before its own line.
  read -r wall user sys < <(tail -n 1 "$out/time.txt")
  echo "cli $wall $(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }') 0" >> "$raw"
  printf '  %-26s %8.2f s\n' "CLI, 1 thread" "$wall" >&2
}

# K consumers: "consumeK wall consumer_cpu broker_cpu".
measure_consume() {
  local k=$1
  fresh_server
  "$bin" publish --nats "$url" --create-stream EVENTS "$corpus" > "$out/publish.json" 2> "$out/publish.stderr"
  local broker_before
  broker_before=$(cpu_of "$server_pid")
  local pids=()
  for i in $(seq "$k"); do
    "$bin" consume --nats "$url" --create --batch "$batch" --threads 1 --stop-when-idle 2s \
      > "$out/consume-$i.json" 2> "$out/consume-$i.stderr" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do
    if ! wait "$pid"; then
      echo "error: consume failed:" >&2
      cat "$out"/consume-*.stderr >&2
      exit 2
    fi
  done
  local broker_after
  broker_after=$(cpu_of "$server_pid")
  python3 - "$k" "$lines" "$broker_before" "$broker_after" "$out" >> "$raw" <<'EOF'
import json, sys
k, lines, before, after, out = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
stats = [json.load(open(f"{out}/consume-{i}.json")) for i in range(1, k + 1)]
acked = sum(s["acked"] for s in stats)
if acked != lines:
    sys.exit(f"error: {acked} of {lines} inputs acked: {stats}")
first = min(s["first_message_at"] for s in stats if s["first_message_at"])
last = max(s["last_ack_at"] for s in stats if s["last_ack_at"])
shares = "/".join(str(s["acked"]) for s in stats)
print(f"consume{k} {last - first} {sum(s['cpu_seconds'] for s in stats)} {after - before} {shares}")
EOF
  printf '  %-26s %8.2f s (acked per consumer: %s)\n' "consume, $k consumer(s)" "$(tail -1 "$raw" | cut -d' ' -f2)" "$(tail -1 "$raw" | cut -d' ' -f5)" >&2
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for run in $(seq "$runs"); do
  echo "run $run/$runs (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  measure_cli
  measure_consume 1
  measure_consume 2
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

{
  echo "Corpus: $lines payloads ($(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }') MB), \`eventcat sample --count $count --seed $seed --invalid-ratio 0.1\`; --batch $batch; $runs runs each, interleaved."
  echo
  echo "| what | events/s | wall (median, min-max) | own CPU µs/event | broker CPU µs/event |"
  echo "|---|---:|---|---:|---:|"
  for entry in "cli:CLI on the file, 1 thread" "consume1:consume, 1 consumer" "consume2:consume, 2 consumers"; do
    key=${entry%%:*}
    name=${entry#*:}
    grep "^$key " "$raw" | awk -v name="$name" -v lines="$lines" '
      { n++; w[n] = $2; c[n] = $3; b[n] = $4 }
      END {
        for (i = 2; i <= n; i++) { v = w[i]; x = c[i]; y = b[i]; j = i - 1
          while (j > 0 && w[j] > v) { w[j + 1] = w[j]; c[j + 1] = c[j]; b[j + 1] = b[j]; j-- }
          w[j + 1] = v; c[j + 1] = x; b[j + 1] = y }
        mi = (n + 1) / 2; mi = int(mi)
        broker = (b[mi] > 0) ? sprintf("%.1f", b[mi] / lines * 1e6) : "-"
        printf "| %s | %.0f | %.2f s (%.2f-%.2f) | %.1f | %s |\n", name, lines / w[mi], w[mi], w[1], w[n], c[mi] / lines * 1e6, broker
      }'
  done
  echo
  echo "Machine: $(date -u +%Y-%m-%d), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo) RAM; $(rustc --version); $("$server_bin" --version); load average before $load_before, after $load_after."
} | tee "$out/results.md"
