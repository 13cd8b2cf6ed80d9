#!/usr/bin/env python3
"""Traffic against a running fondilab while its PostgreSQL is stopped and started again.

    python3 benches/db-outage.py BASE_URL TOKENS_FILE EVENT_ID STOP_AT OUTAGE SECONDS PGCTL...

Four loops read `/api/v1/events`; one polls `/readyz` every 100 ms; the officers whose
bearer tokens are in TOKENS_FILE register for EVENT_ID one after another, spread over the
run. At STOP_AT seconds the command PGCTL... is run with `stop`, OUTAGE seconds later with
`start`. Prints what was seen: when /readyz turned 503, the slowest answer during the
outage, the statuses, when the service answered 200 again, and the registrations
acknowledged (written to acknowledged.txt for the mail check).
"""
import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

base, tokens_file, event, stop_at, outage, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
pgctl = sys.argv[7:]
tokens = [t.strip() for t in open(tokens_file) if t.strip()]
t0 = time.monotonic()
log = []  # (t, kind, status, seconds)
lock = threading.Lock()
stopped = {}


def call(method, path, token=None, body=None):
    req = urllib.request.Request(base + path, method=method, data=body)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    started = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=15) as r:
            status, text = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read()
    except Exception:
        status, text = 0, b""
    return status, time.monotonic() - started, text


def record(kind, status, took):
    with lock:
        log.append((time.monotonic() - t0, kind, status, took))


def reader():
    while time.monotonic() - t0 < seconds:
        s, took, _ = call("GET", "/api/v1/events")
        record("read", s, took)
        time.sleep(0.02)


def ready():
    while time.monotonic() - t0 < seconds:
        s, took, _ = call("GET", "/readyz")
        record("readyz", s, took)
        time.sleep(0.1)


acknowledged = []


def registrations():
    gap = seconds / (len(tokens) + 1)
    for token in tokens:
        s, took, text = call("POST", f"/api/v1/events/{event}/register", token, b"{}")
        record("register", s, took)
        if s == 201:
            acknowledged.append(json.loads(text)["registration"]["id"])
        time.sleep(gap)


def database():
    time.sleep(stop_at)
    stopped["at"] = time.monotonic() - t0
    subprocess.run(pgctl + ["stop"], check=True, capture_output=True)
    time.sleep(outage)
    subprocess.run(pgctl + ["start"], check=True, capture_output=True)
    stopped["back"] = time.monotonic() - t0


threads = [threading.Thread(target=f) for f in [reader, reader, reader, reader, ready, registrations, database]]
for t in threads:
    t.start()
for t in threads:
    t.join()

down, back = stopped["at"], stopped["back"]
during = [e for e in log if down <= e[0] < back]
after = [e for e in log if e[0] >= back]
first_503 = min((e[0] for e in log if e[1] == "readyz" and e[2] == 503 and e[0] >= down), default=None)
recovered = min((e[0] + e[3] for e in after if e[1] == "read" and e[2] == 200), default=None)
statuses = {}
for e in during:
    statuses[f"{e[1]} {e[2]}"] = statuses.get(f"{e[1]} {e[2]}", 0) + 1
print(f"database stopped at {down:.1f} s, started again at {back:.1f} s")
print(f"/readyz 503 after {first_503 - down:.2f} s" if first_503 else "/readyz never turned 503")
print(f"slowest answer during the outage: {max((e[3] for e in during), default=0):.2f} s")
print("answers during the outage: " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())))
print(f"first successful read {recovered - back:.2f} s after the database came back" if recovered else "no successful read after the database came back")
print(f"registrations acknowledged: {len(acknowledged)} of {len(tokens)}")
with open("acknowledged.txt", "w") as f:
    f.write("\n".join(str(a) for a in acknowledged))
