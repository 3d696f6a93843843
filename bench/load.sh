#!/usr/bin/env bash
# One command for the load benchmark: generates a 6-column table as CSV (and, through qixd's own STORE,
# QVD and Parquet) in bench/.data, times qixd's load script on each and DuckDB on CSV and Parquet, and
# prints rows/s, peak memory against the final model, and the ratios.
# Usage: bench/load.sh [ROWS=10000000] [REPEATS=3]
set -euo pipefail
cd "$(dirname "$0")"
ROWS=${1:-10000000}
REPEATS=${2:-3}
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install --quiet --disable-pip-version-check duckdb
cargo build --release --quiet -p qix-bench
mkdir -p .data
../target/release/load-bench "$ROWS" "$REPEATS" .data > .load-ours.json
.venv/bin/python load_duckdb.py "$ROWS" "$REPEATS" .data .load-ours.json
