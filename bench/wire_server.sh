# Sourced (from bench/) by wire.sh and charts.sh: what both need around their client.
#   duckdb_venv       .venv with DuckDB installed
#   start_qixd BIN    BIN (a qixd) on a free port with bench/.data as its data folder and temporary apps, its
#                     log in $QIXD_LOG if set (kept, for profiling) or a temporary file; sets PORT and
#                     SERVER_PID, returns once /healthcheck answers; the server stops when the script exits.

duckdb_venv() {
  if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
  fi
  .venv/bin/pip install --quiet --disable-pip-version-check duckdb
}

start_qixd() {
  mkdir -p .data
  WORK=$(mktemp -d)
  trap 'kill "$SERVER_PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
  local log=${QIXD_LOG:-$WORK/qixd.log}
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  RUST_LOG=${RUST_LOG:-warn} "$1" --listen "127.0.0.1:$PORT" \
    --apps-dir "$WORK/apps" --data-dir "$PWD/.data" > "$log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$PORT/healthcheck" > /dev/null && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.1
  done
}
