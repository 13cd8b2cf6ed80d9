#!/usr/bin/env bash
# Search under HTTP load, on loopback only, bounded in time.
#   bash benches/load.sh [GENERATED_GUIDES] [SECONDS]
# Builds the release binaries, makes a corpus of the real guides plus GENERATED_GUIDES
# (default 10000) synthetic ones, starts `fondilab serve` on it, and reports: cold start
# with an existing index, search requests/s and latency (wrk, 32 connections, rotating
# over the benchmark's query mix, no result cache), /healthz requests/s in the same
# conditions, and the server's resident memory while serving. Needs `wrk`.
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-10000}"
seconds="${2:-20}"
port="${FONDILAB_BENCH_PORT:-18471}"
threads="${WRK_THREADS:-2}"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }

cargo build --release --bins --quiet
work="$(mktemp -d)"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

./target/release/fondilab-bench gen-corpus --out "$work/guides" --count "$count" >/dev/null
./target/release/fondilab-bench queries --out "$work/queries.txt"
export FONDILAB_DATA_DIR="$work/data" FONDILAB_GUIDES_DIR="$work/guides" FONDILAB_BIND="127.0.0.1:$port" RUST_LOG=warn

ms() { date +%s%3N; }
wait_ready() {
  for _ in $(seq 1 6000); do
    curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return 0
    sleep 0.01
  done
  echo "server did not become ready" >&2; return 1
}

# First start builds the index.
t0=$(ms); ./target/release/fondilab serve & server=$!; wait_ready; t1=$(ms)
echo "first start (index rebuilt): $((t1 - t0)) ms"
kill "$server"; wait "$server" 2>/dev/null || true

# Cold start with the index on disk.
t0=$(ms); ./target/release/fondilab serve & server=$!; wait_ready; t1=$(ms)
echo "cold start with existing index (process start to /readyz 200): $((t1 - t0)) ms"
echo "guides: $(curl -fs "http://127.0.0.1:$port/readyz")"

echo "--- search: wrk -t"$threads" -c32 -d${seconds}s, $(wc -l < "$work/queries.txt") distinct queries"
QUERIES="$work/queries.txt" wrk -t"$threads" -c32 -d"${seconds}s" --latency -s benches/search.lua "http://127.0.0.1:$port" | tee "$work/search.out"
grep -E "^(VmRSS|VmHWM)" "/proc/$server/status" | sed 's/^/server memory after search load: /'
echo "--- /healthz: wrk -t"$threads" -c32 -d${seconds}s"
wrk -t"$threads" -c32 -d"${seconds}s" --latency "http://127.0.0.1:$port/healthz" | tee "$work/health.out"
s=$(awk '/Requests\/sec/ {print $2}' "$work/search.out")
h=$(awk '/Requests\/sec/ {print $2}' "$work/health.out")
echo "search/healthz ratio: $(awk -v s="$s" -v h="$h" 'BEGIN { printf "%.3f", s / h }')"
errors=$(grep -E "Non-2xx|Socket errors" "$work/search.out" || true)
echo "search errors: ${errors:-none}"
