#!/usr/bin/env bash
# Normal search traffic with and without 1,000 slow-header clients, on loopback only.
#   bash benches/slowloris.sh [SLOW_CONNECTIONS] [SECONDS]
# Starts `fondilab serve` (release) on the repository's guides, measures search latency
# with wrk (1 thread, 8 connections, rotating over the benchmark's queries) while idle, then
# again while SLOW_CONNECTIONS clients (benches/slowloris.py) hold connections open by
# sending one header line every 2 s. The open-files limit of this shell is raised to 8,192
# so that the clients themselves are not the bottleneck (1,024 is not enough for 1,000
# clients plus the server's own files); the service raises its own soft limit to the hard
# one at start and caps connections below it.
set -euo pipefail
cd "$(dirname "$0")/.."
slow="${1:-1000}"
seconds="${2:-20}"
port="${FONDILAB_BENCH_PORT:-18473}"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
ulimit -n 8192

cargo build --release --bins --quiet
work="$(mktemp -d)"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
./target/release/fondilab-bench queries --out "$work/queries.txt" >/dev/null
export FONDILAB_DATA_DIR="$work/data" FONDILAB_BIND="127.0.0.1:$port" RUST_LOG=warn
./target/release/fondilab serve & server=$!
for _ in $(seq 1 3000); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.01; done

run_wrk() { QUERIES="$work/queries.txt" wrk -t1 -c8 -d"${seconds}s" --latency -s benches/search.lua "http://127.0.0.1:$port"; }
echo "--- idle: search latency"
run_wrk | tee "$work/idle.out" | grep -E "Requests/sec|  50%|  99%|Non-2xx|Socket errors" || true
echo "--- with $slow slow-header clients"
python3 benches/slowloris.py "$port" "$slow" "$((seconds + 8))" 2 & attack=$!
sleep 5
echo "server connections open: $(ls /proc/$server/fd | wc -l) descriptors"
run_wrk | tee "$work/attack.out" | grep -E "Requests/sec|  50%|  99%|Non-2xx|Socket errors" || true
wait "$attack"
p99() { awk '$1 == "99%" { v = $2; if (v ~ /ms$/) { sub(/ms/, "", v) } else if (v ~ /us$/) { sub(/us/, "", v); v = v / 1000 } else if (v ~ /s$/) { sub(/s/, "", v); v = v * 1000 }; print v }' "$1"; }
echo "p99 idle $(p99 "$work/idle.out") ms, under attack $(p99 "$work/attack.out") ms, ratio $(awk -v a="$(p99 "$work/attack.out")" -v i="$(p99 "$work/idle.out")" 'BEGIN { printf "%.2f", a / i }')"
