#!/usr/bin/env bash
# Benchmarks eventcat-validate end to end, in one run, on one corpus of `eventcat sample`
# payloads (10% invalid), against:
#   (a) the floor: the same reading (1 MiB blocks, memchr, one UTF-8 check per block) and
#       serde_json parsing every line into a Value, nothing else, single-threaded
#       (validator/examples/parse_floor.rs);
#   (b) eventcat-validate with one thread and with every core (human report to /dev/null);
#   (c) Ajv on Node (tools/ajv-validate.mjs, strict, same schemas, same dispatch, every error
#       collected for invalid payloads), totals only.
# Each is run --runs times, interleaved; wall time and peak memory come from /usr/bin/time -v.
# Prints a Markdown table (payloads/s, MB/s, peak RSS; median, with min-max of wall time) and
# the machine, and writes it to <out>/results.md.
#
# Usage: scripts/bench.sh [--count N] [--runs R] [--seed S] [--out DIR]
#   defaults: --count 1000000 --runs 3 --seed 42 --out target/bench
# Needs: a Rust toolchain, Node.js with `npm ci --prefix tools`, GNU time (/usr/bin/time).
set -euo pipefail

cd "$(dirname "$0")/.."
count=1000000
runs=3
seed=42
out=target/bench
while [ $# -gt 0 ]; do
  case "$1" in
    --count) count=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "usage: scripts/bench.sh [--count N] [--runs R] [--seed S] [--out DIR]" >&2; exit 2 ;;
  esac
done

if [ ! -x /usr/bin/time ]; then
  echo "error: /usr/bin/time (GNU time) is needed for peak memory" >&2
  exit 2
fi
if [ ! -f tools/node_modules/ajv/package.json ] || [ ! -f tools/node_modules/ajv-formats/package.json ]; then
  echo "error: Ajv is missing: run \`npm ci --prefix tools\`" >&2
  exit 2
fi

mkdir -p "$out"
echo "building (release)..." >&2
cargo build --release -q -p eventcat --bin eventcat
cargo build --release -q -p eventcat-validate --bin eventcat-validate --example parse_floor

corpus="$out/corpus-$count-$seed.ndjson"
if [ ! -s "$corpus" ]; then
  echo "writing $corpus..." >&2
  target/release/eventcat sample --count "$count" --seed "$seed" --invalid-ratio 0.1 --out "$corpus"
fi
bytes=$(stat -c %s "$corpus")
lines=$(wc -l < "$corpus")
cores=$(nproc)
raw="$out/raw.txt"
: > "$raw"

# measure NAME COMMAND...: appends "NAME wall_seconds max_rss_kb" to $raw.
measure() {
  local name=$1
  shift
  local status=0
  /usr/bin/time -v -o "$out/time.txt" "$@" > /dev/null 2> "$out/stderr.txt" || status=$?
  # The validators exit 1 when a payload is invalid, as 10% are.
  if [ "$status" -gt 1 ]; then
    echo "error: $name failed (exit $status):" >&2
    cat "$out/stderr.txt" "$out/time.txt" >&2
    exit 2
  fi
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {
    n = split($2, p, ":"); s = 0
    for (i = 1; i <= n; i++) s = s * 60 + p[i]
    print s }' "$out/time.txt")
  rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$out/time.txt")
  echo "$name $wall $rss" >> "$raw"
  printf '  %-28s %8.2f s %8d KB\n' "$name" "$wall" "$rss" >&2
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for run in $(seq "$runs"); do
  echo "run $run/$runs (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  measure "floor (serde_json Value)" target/release/examples/parse_floor "$corpus"
  measure "eventcat-validate 1 thread" target/release/eventcat-validate --threads 1 --no-progress "$corpus"
  measure "eventcat-validate $cores threads" target/release/eventcat-validate --threads "$cores" --no-progress "$corpus"
  measure "Ajv (Node)" node tools/ajv-validate.mjs generated/schemas "$corpus" --summary
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

{
  echo "Corpus: $lines payloads ($(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }') MB), \`eventcat sample --count $count --seed $seed --invalid-ratio 0.1\`; $runs runs each, interleaved."
  echo
  echo "| what | payloads/s | MB/s | wall (median, min-max) | peak RSS |"
  echo "|---|---:|---:|---|---:|"
  for name in "floor (serde_json Value)" "eventcat-validate 1 thread" "eventcat-validate $cores threads" "Ajv (Node)"; do
    grep -F "$name " "$raw" | awk -v name="$name" -v lines="$lines" -v bytes="$bytes" '
      { n++; w[n] = $(NF - 1); r[n] = $NF }
      END {
        # sort the wall times (insertion sort; n is small)
        for (i = 2; i <= n; i++) { v = w[i]; j = i - 1; while (j > 0 && w[j] > v) { w[j + 1] = w[j]; j-- } w[j + 1] = v }
        for (i = 2; i <= n; i++) { v = r[i]; j = i - 1; while (j > 0 && r[j] > v) { r[j + 1] = r[j]; j-- } r[j + 1] = v }
        m = (n % 2) ? w[(n + 1) / 2] : (w[n / 2] + w[n / 2 + 1]) / 2
        rm = (n % 2) ? r[(n + 1) / 2] : (r[n / 2] + r[n / 2 + 1]) / 2
        printf "| %s | %.0f | %.1f | %.2f s (%.2f-%.2f) | %.1f MB |\n", name, lines / m, bytes / 1e6 / m, m, w[1], w[n], rm / 1024
      }'
  done
  echo
  echo "Machine: $(date -u +%Y-%m-%d), $cores cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo) RAM; $(rustc --version); node $(node --version); load average before $load_before, after $load_after."
} | tee "$out/results.md"
