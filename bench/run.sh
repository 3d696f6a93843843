#!/usr/bin/env bash
# One command for the engine benchmark: builds qixd's engine benchmark, installs DuckDB into a local venv,
# runs both on the same generated data and prints medians and ratios.
# Usage: bench/run.sh [ROWS=10000000] [REPEATS=7]
set -euo pipefail
cd "$(dirname "$0")"
ROWS=${1:-10000000}
REPEATS=${2:-7}
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install --quiet --disable-pip-version-check duckdb
cargo build --release --quiet -p qix-bench
../target/release/engine-bench "$ROWS" "$REPEATS" > .ours.json
.venv/bin/python duckdb_bench.py "$ROWS" "$REPEATS" .ours.json
