#!/usr/bin/env bash
# The pivot and search benchmark on the wire, one command: builds qixd and charts-bench, starts qixd on a
# free port with bench/.data as its data folder, and has charts-bench (bench/src/charts.rs) load the engine
# benchmark's table (the CSV wire.sh writes, shared) and time a fully expanded 2-level pivot's first page
# after a selection and SearchResults across all fields. DuckDB runs the equivalent queries on the same rows
# (charts_duckdb.py) in the same run; medians, p99 and ratios are printed.
# Usage: bench/charts.sh [ROWS=10000000] [ROUNDS=20]
# CARGO_TARGET_DIR and PROFILE (release by default) choose the build.
set -euo pipefail
cd "$(dirname "$0")"
ROWS=${1:-10000000}
ROUNDS=${2:-20}
PROFILE=${PROFILE:-release}
TARGET=${CARGO_TARGET_DIR:-../target}
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install --quiet --disable-pip-version-check duckdb
cargo build --profile "$PROFILE" --quiet -p qixd --bin qixd -p qix-bench --bin charts-bench
DIR=$TARGET/$([ "$PROFILE" = dev ] && echo debug || echo "$PROFILE")
mkdir -p .data
WORK=$(mktemp -d)
trap 'kill "$SERVER_PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
RUST_LOG=${RUST_LOG:-warn} "$DIR/qixd" --listen "127.0.0.1:$PORT" \
  --apps-dir "$WORK/apps" --data-dir "$PWD/.data" > "$WORK/qixd.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$PORT/healthcheck" > /dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/qixd.log" >&2; exit 1; }
  sleep 0.1
done
"$DIR/charts-bench" "ws://127.0.0.1:$PORT" "$PWD/.data" "$ROWS" "$ROUNDS" > .charts-ours.json
.venv/bin/python charts_duckdb.py "$ROWS" "$ROUNDS" .charts-ours.json
