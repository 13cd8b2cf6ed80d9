#!/usr/bin/env bash
# The API against its own OpenAPI document, with schemathesis: a service with a fresh data
# directory, seeded with a coordinator, two officers, a mentor with a profile, events,
# mentorship requests and a registration, is tested once with the coordinator's bearer token
# and once anonymously. Any failed check fails the script.
#
#   bash .ci/schemathesis.sh [path/to/fondilab]     (default target/debug/fondilab)
#
# It builds nothing (`.ci/run` has built the binary with `cargo test`). schemathesis is
# installed from PyPI into target/schemathesis-venv the first time and reused afterwards.
# Settings: ST_SEED (the seed of the generated cases), ST_MAX_EXAMPLES (cases per operation
# and phase), ST_CHECKS (a comma-separated list instead of all checks), ST_KEEP=1 keeps the
# temporary directory: the service's data and log, and schemathesis's cache for `st replay`
# (run from that directory).
set -euo pipefail
cd "$(dirname "$0")/.."

ST_VERSION=4.32.5
seed="${ST_SEED:-20251128}"
max_examples="${ST_MAX_EXAMPLES:-25}"
checks="${ST_CHECKS:-all}"
binary="$(realpath "${1:-target/debug/fondilab}")"
venv="$PWD/target/schemathesis-venv"
started=$SECONDS

[ -x "$binary" ] || { echo "no fondilab binary at $binary: run cargo test (or cargo build) first" >&2; exit 1; }

# --- schemathesis, pinned, in its own virtual environment -----------------------------
if [ "$("$venv/bin/st" --version 2>/dev/null || true)" != "st, version $ST_VERSION" ]; then
    if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            apt-get install -y -q python3-venv >/dev/null
        else
            echo "python3 -m venv is not available (Debian/Ubuntu: apt-get install python3-venv)" >&2
            exit 1
        fi
    fi
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$ST_VERSION"
fi
st="$venv/bin/st"

# --- a service of its own: temporary data directory, free loopback port ---------------
work="$(mktemp -d -t fondilab-schemathesis.XXXXXX)"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    if [ "${ST_KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
export FONDILAB_DATA_DIR="$work/data"
export FONDILAB_GUIDES_DIR="$PWD/guides"
export FONDILAB_BIND="127.0.0.1:$port"
export FONDILAB_PUBLIC_URL="$base"
export RUST_LOG="${RUST_LOG:-warn}"
unset DATABASE_URL FONDILAB_SMTP_URL FONDILAB_METRICS_BIND FONDILAB_TARGETS

fondilab() { "$binary" "$@"; }
# Runs a seeding command quietly; on failure shows what it said and stops.
quiet() {
    local out
    out="$("$@" 2>&1)" || { echo "$out" >&2; echo "seeding failed: $*" >&2; exit 1; }
}
quiet fondilab user add --email coordinamento@promis.example --role coordinator --name "Coordinamento WP5"
quiet fondilab user add --email referente@regione.puglia.example --role officer --region PUG --name "Referente Puglia"
quiet fondilab user add --email referente@regione.lombardia.example --role officer --region LOM --name "Referente Lombardia"
quiet fondilab user add --email mentor@asl.toscana.example --role mentor --name "Mentor Toscana"
coordinator="$(fondilab token create --email coordinamento@promis.example 2>/dev/null)"
officer_pug="$(fondilab token create --email referente@regione.puglia.example 2>/dev/null)"
officer_lom="$(fondilab token create --email referente@regione.lombardia.example 2>/dev/null)"
mentor="$(fondilab token create --email mentor@asl.toscana.example 2>/dev/null)"

"$binary" serve >"$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 240); do
    curl -fsS -o /dev/null "$base/readyz" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.log" >&2; echo "the service did not start" >&2; exit 1; }
    sleep 0.5
done
curl -fsS -o /dev/null "$base/readyz" || { tail -50 "$work/serve.log" >&2; echo "the service is not ready" >&2; exit 1; }

# POST a JSON body with a token; prints the answer, fails unless the status is 2xx.
api() {
    local token="$1" path="$2" body="${3:-}"
    local args=(-sS --fail-with-body -X POST -H "Authorization: Bearer $token" "$base/api/v1$path")
    [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data "$body")
    curl "${args[@]}" || { echo; echo "seeding failed: POST $path" >&2; exit 1; }
}
id_of() { python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])'; }
day() { date -d "+$1 days" +%Y-%m-%d; }

webinar="$(api "$coordinator" /events "{\"kind\": \"webinar\", \"title\": \"Costi unitari nel FSE+\",
    \"description\": \"Come si usano le opzioni semplificate in materia di costi.\",
    \"starts_at\": \"$(day 10)T10:00\", \"ends_at\": \"$(day 10)T12:00\",
    \"online_url\": \"https://meet.example.org/costi-unitari\", \"capacity\": 2,
    \"funds\": [\"FSE+\"], \"topics\": [\"programmazione\"], \"publish\": true}" | id_of)"
open_lab="$(api "$coordinator" /events "{\"kind\": \"open_lab\", \"title\": \"Open Lab rendicontazione\",
    \"starts_at\": \"$(day 20)T14:30\", \"ends_at\": \"$(day 20)T17:00\",
    \"venue\": \"Bari, Regione Puglia\", \"capacity\": 30, \"audience\": [\"PUG\", \"LOM\"]}" | id_of)"
api "$coordinator" "/events/$open_lab/publish" >/dev/null
api "$coordinator" /events "{\"kind\": \"forum\", \"title\": \"Forum FESR (bozza)\",
    \"starts_at\": \"$(day 30)T09:00\", \"ends_at\": \"$(day 30)T13:00\",
    \"online_url\": \"https://meet.example.org/forum\", \"capacity\": 100}" >/dev/null
api "$mentor" /mentorship/profile '{"experience": [{"fund": "FSE+", "role": "adg", "programme": "PR FSE+ Toscana 2021-2027", "region": "TOS"},
    {"fund": "FESR", "role": "oi", "programme": "PR FESR Toscana"}],
    "topics": ["programmazione", "sanita-digitale"], "languages": ["it", "en"], "capacity": 3,
    "employer_region": "TOS", "bio": "Autorità di gestione FSE+."}' >/dev/null
api "$officer_pug" /mentorship/requests "{\"fund\": \"FSE+\", \"topics\": [\"programmazione\"], \"language\": \"it\",
    \"format\": \"remote\", \"description\": \"Come impostare un avviso per la formazione digitale degli operatori sanitari.\",
    \"period_from\": \"$(day 5)\", \"period_until\": \"$(day 60)\"}" >/dev/null
api "$officer_lom" /mentorship/requests '{"fund": "FESR", "topics": ["sanita-digitale"], "language": "en",
    "format": "expert_mission", "description": "Selecting operations for digital health under ERDF."}' >/dev/null
api "$officer_pug" "/events/$webinar/register" >/dev/null
api "$officer_lom" "/events/$open_lab/register" >/dev/null
echo "seeded in $((SECONDS - started)) s: events $webinar, $open_lab; schemathesis $ST_VERSION, seed $seed, $max_examples examples"

# --- the two runs -----------------------------------------------------------------------
# Every check but one. positive_data_acceptance fails an operation whenever a request that
# fits the document is answered 400, and the document cannot state every rule the service
# checks: times in Italian time with a start in the future and an end after the start, an
# online address or a venue, text that is not blank once trimmed, topic slugs, guide ids,
# Region codes and KPI tasks that exist in this installation (guides/topics.toml, the
# database, FONDILAB_TARGETS), and integers written as 1.0 (JSON Schema counts 1.0 as an
# integer, the service reads whole numbers only). Such 400s name the field and are the
# documented answer, so that check reports the rules, not faults. What it also found and the
# document could say (required fields, enums, page bounds, optional bodies) the document says.
run() {
    local label="$1"
    shift
    echo "== schemathesis: $label"
    # From the temporary directory, where schemathesis keeps its cache (.schemathesis/).
    (cd "$work" && "$st" run "$base/api/v1/openapi.json" \
        --checks "$checks" \
        --exclude-checks positive_data_acceptance \
        --seed "$seed" \
        --max-examples "$max_examples" \
        --generation-database none \
        --workers 1 \
        --no-color \
        "$@")
}
status=0
run "as the coordinator (bearer token)" -H "Authorization: Bearer $coordinator" || status=1
run "anonymous" || status=1

# Stopped as systemd stops it (SIGTERM): it finishes what is in flight and exits cleanly.
if kill "$server_pid" 2>/dev/null; then
    wait "$server_pid" || { echo "the service did not stop cleanly (exit status $?)" >&2; status=1; }
else
    echo "the service died during the run" >&2
    status=1
fi
server_pid=""
if grep -q "request failed" "$work/serve.log"; then
    echo "the service logged internal errors:" >&2
    grep "request failed" "$work/serve.log" | tail -20 >&2
    status=1
fi
echo "schemathesis: $([ $status = 0 ] && echo passed || echo FAILED) in $((SECONDS - started)) s"
exit $status
