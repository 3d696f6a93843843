#!/usr/bin/env bash
# The selection benchmark on the wire, one command: builds release qixd and wire-bench, starts qixd on a
# free port with bench/.data as its data folder, and has wire-bench (a client on the SDK, bench/src/wire.rs)
# load the engine benchmark's table from a CSV it writes there, then drive qixd over WebSocket as
# nebula.js does: a selection, then the layouts of a sheet's six objects in parallel; a repeated state;
# SESSIONS concurrent sessions with their own selections. DuckDB runs the equivalent queries on the same
# rows (wire_duckdb.py) in the same run; medians, p99 and ratios are printed.
# Usage: bench/wire.sh [ROWS=10000000] [ROUNDS=20] [SESSIONS=100]
set -euo pipefail
cd "$(dirname "$0")"
ROWS=${1:-10000000}
ROUNDS=${2:-20}
SESSIONS=${3:-100}
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install --quiet --disable-pip-version-check duckdb
cargo build --release --quiet -p qixd -p qix-bench
mkdir -p .data
WORK=$(mktemp -d)
trap 'kill "$SERVER_PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
RUST_LOG=${RUST_LOG:-warn} ../target/release/qixd --listen "127.0.0.1:$PORT" \
  --apps-dir "$WORK/apps" --data-dir "$PWD/.data" > "$WORK/qixd.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$PORT/healthcheck" > /dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/qixd.log" >&2; exit 1; }
  sleep 0.1
done
../target/release/wire-bench "ws://127.0.0.1:$PORT" "$PWD/.data" "$ROWS" "$ROUNDS" "$SESSIONS" > .wire-ours.json
.venv/bin/python wire_duckdb.py "$ROWS" "$ROUNDS" .wire-ours.json
