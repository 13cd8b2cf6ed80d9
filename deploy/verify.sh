#!/usr/bin/env bash
# Checks the unit files with `systemd-analyze verify`, pointing them at a built binary
# (verify insists that ExecStart exists):
#   bash deploy/verify.sh [path/to/fondilab]
set -euo pipefail
here="$(dirname "$0")"
binary="$(realpath -m "${1:-$here/../target/debug/fondilab}")"
cd "$here"
command -v systemd-analyze >/dev/null || { echo "systemd-analyze not available: unit files not checked"; exit 0; }
[ -x "$binary" ] || { echo "no fondilab binary at $binary" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for unit in fondilab@.service fondilab-worker.service fondilab-backup.service fondilab-backup.timer; do
    name="$unit"
    [ "$unit" = "fondilab@.service" ] && name="fondilab@8081.service"
    sed "s|/opt/fondilab/bin/fondilab|$binary|g" "$unit" > "$work/$name"
done
out="$(systemd-analyze verify --man=no "$work"/*.service "$work"/*.timer 2>&1 || true)"
if [ -n "$out" ]; then
    echo "$out" >&2
    echo "deploy/: the unit files do not verify" >&2
    exit 1
fi
echo "deploy/: unit files verified"
