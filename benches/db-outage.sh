#!/usr/bin/env bash
# PostgreSQL stopped for OUTAGE seconds (default 30) under traffic, on a private cluster.
#   bash benches/db-outage.sh [OUTAGE_SECONDS]
# Creates a PostgreSQL cluster of its own in a temporary folder (initdb as the `postgres`
# user, port 55432, never the shared cluster), starts `fondilab serve` (release) on it with
# mail written to files, seeds a coordinator, an event and 100 officers with API tokens,
# then runs benches/db-outage.py: reads, /readyz polling and registrations while the cluster
# is stopped and started again. Finally checks that every acknowledged registration has
# its confirmation mail on disk (no mail lost). Needs root (runuser) and PostgreSQL's
# server binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
outage="${1:-30}"
port=55432
web=18474
pgbin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
cargo build --release --bins --quiet
work="$(mktemp -d)"
chmod 755 "$work"
mkdir "$work/pg" && chown postgres "$work/pg"
pgctl=(runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w -o "-p $port -k $work/pg -c listen_addresses=127.0.0.1")
server=""
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null
    wait 2>/dev/null || true
    "${pgctl[@]}" stop -m immediate >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
runuser -u postgres -- "$pgbin/initdb" -D "$work/pg/data" -A trust -U postgres >/dev/null
"${pgctl[@]}" start >/dev/null

export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres" FONDILAB_DATA_DIR="$work/data"
export FONDILAB_BIND="127.0.0.1:$web" RUST_LOG=warn
bin="$root/target/release/fondilab"
"$bin" user add --email coord@promis.example --role coordinator --name Coordinamento >/dev/null
coord="$("$bin" token create --email coord@promis.example 2>/dev/null)"
: > "$work/tokens"
for i in $(seq 1 100); do
    "$bin" user add --email "operatore$i@asl.example" --role officer --region LAZ >/dev/null
    "$bin" token create --email "operatore$i@asl.example" 2>/dev/null >> "$work/tokens"
done
"$bin" serve & server=$!
for _ in $(seq 1 3000); do curl -fs "http://127.0.0.1:$web/readyz" >/dev/null 2>&1 && break; sleep 0.01; done
start="$(date -d '+10 days' '+%Y-%m-%dT10:00')"
end="$(date -d '+10 days' '+%Y-%m-%dT12:00')"
event="$(curl -fs -H "Authorization: Bearer $coord" -H 'Content-Type: application/json' \
    -d "{\"kind\":\"webinar\",\"title\":\"Prova di continuità\",\"starts_at\":\"$start\",\"ends_at\":\"$end\",\"online_url\":\"https://meet.example.org/x\",\"capacity\":1000,\"publish\":true}" \
    "http://127.0.0.1:$web/api/v1/events" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"

(cd "$work" && python3 "$root/benches/db-outage.py" "http://127.0.0.1:$web" "$work/tokens" "$event" 10 "$outage" "$((outage + 25))" "${pgctl[@]}")

# Every acknowledged registration's confirmation reaches the mail folder once the outbox drains.
for _ in $(seq 1 100); do
    pending="$(runuser -u postgres -- psql -h 127.0.0.1 -p "$port" -tAc "SELECT COUNT(*) FROM outbox WHERE status IN ('pending','sending') AND not_before <= (extract(epoch from now()) * 1000)::bigint")"
    [ "$pending" = "0" ] && break
    sleep 0.2
done
acknowledged="$(wc -w < "$work/acknowledged.txt")"
files="$(ls "$work/data/mail" 2>/dev/null | wc -l)"
confirmations="$(runuser -u postgres -- psql -h 127.0.0.1 -p "$port" -tAc "SELECT COUNT(*) FROM outbox WHERE kind = 'event.confirm' AND status = 'sent'")"
echo "confirmations sent: $confirmations for $acknowledged acknowledged registrations ($files mail files written in all)"
[ "$confirmations" -ge "$acknowledged" ] || { echo "mail lost" >&2; exit 1; }
