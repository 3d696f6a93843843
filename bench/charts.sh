#!/usr/bin/env bash
# The pivot and search benchmark on the wire, one command: builds qixd and charts-bench, starts qixd on a
# free port with bench/.data as its data folder, and has charts-bench (bench/src/charts.rs) load the engine
# benchmark's table (the CSV wire.sh writes, shared) and time a fully expanded 2-level pivot's first page
# after a selection and SearchResults across all fields. DuckDB runs the equivalent queries on the same rows
# (charts_duckdb.py) in the same run; medians, p99 and ratios are printed.
# Usage: bench/charts.sh [ROWS=10000000] [ROUNDS=20]
# CARGO_TARGET_DIR and PROFILE (release by default) choose the build; QIXD_LOG=path keeps qixd's log.
set -euo pipefail
cd "$(dirname "$0")"
ROWS=${1:-10000000}
ROUNDS=${2:-20}
PROFILE=${PROFILE:-release}
TARGET=${CARGO_TARGET_DIR:-../target}
# shellcheck source=wire_server.sh
. ./wire_server.sh
duckdb_venv
cargo build --profile "$PROFILE" --quiet -p qixd --bin qixd -p qix-bench --bin charts-bench
DIR=$TARGET/$([ "$PROFILE" = dev ] && echo debug || echo "$PROFILE")
start_qixd "$DIR/qixd"
"$DIR/charts-bench" "ws://127.0.0.1:$PORT" "$PWD/.data" "$ROWS" "$ROUNDS" > .charts-ours.json
.venv/bin/python charts_duckdb.py "$ROWS" "$ROUNDS" .charts-ours.json
