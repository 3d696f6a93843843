#!/usr/bin/env bash
# The selection benchmark on the wire, one command: builds release qixd and wire-bench, starts qixd on a
# free port with bench/.data as its data folder, and has wire-bench (a client on the SDK, bench/src/wire.rs)
# load the engine benchmark's table from a CSV it writes there, then drive qixd over WebSocket as
# nebula.js does: a selection, then the layouts of a sheet's six objects in parallel; a repeated state;
# SESSIONS concurrent sessions with their own selections. DuckDB runs the equivalent queries on the same
# rows (wire_duckdb.py) in the same run; medians, p99 and ratios are printed, and the server's CPU time
# per interaction of the concurrent phase (read from /proc through QIXD_PID).
# Usage: bench/wire.sh [ROWS=10000000] [ROUNDS=20] [SESSIONS=100]  (QIXD_LOG=path keeps qixd's log)
set -euo pipefail
cd "$(dirname "$0")"
ROWS=${1:-10000000}
ROUNDS=${2:-20}
SESSIONS=${3:-100}
# shellcheck source=wire_server.sh
. ./wire_server.sh
duckdb_venv
cargo build --release --quiet -p qixd -p qix-bench
start_qixd ../target/release/qixd
QIXD_PID=$SERVER_PID ../target/release/wire-bench "ws://127.0.0.1:$PORT" "$PWD/.data" "$ROWS" "$ROUNDS" "$SESSIONS" > .wire-ours.json
.venv/bin/python wire_duckdb.py "$ROWS" "$ROUNDS" .wire-ours.json
