#!/usr/bin/env bash
# Load and footprint test of qixd: builds release qixd and load-test and runs two passes of load-test
# (bench/src/load_test.rs), each against a fresh `qixd --demo` on a free port with its own temporary apps
# and data folders (so each pass starts from the same memory), reading the server's resident memory (VmRSS)
# from /proc around each:
#
#   1. load:      CLIENTS sessions x 1 socket, every socket clicking (a selection, then the refresh nebula.js
#                 does: GetLayout of the 4 demo objects, the table's and listbox's data) with THINK_MS think
#                 time for SECONDS; prints requests/s and latency percentiles per request and per click.
#   2. footprint: IDLE_SESSIONS sessions x IDLE_SOCKETS sockets attached and idle (memory per socket), then
#                 the first socket of every session clicking for IDLE_LOAD_SECONDS (the others hear the
#                 change pushes), then all closed.
#
# After each pass it waits until /healthcheck says liveSessions 0, then SETTLE seconds for the allocator to
# give memory back (see settle_rss), and prints RSS start / idle / peak / after and the ratio after/start.
# Latencies on a shared machine: load-test prints the CPU other processes took during the load.
#
# Usage: bench/load-test.sh [CLIENTS=500] [SECONDS=30] [THINK_MS=5000] [IDLE_SESSIONS=1000] [IDLE_SOCKETS=2]
#        (env IDLE_LOAD_SECONDS=15, SETTLE=12; SKIP_BUILD=1 uses the binaries already built; QIXD=path and
#        LOADTEST=path run other binaries, e.g. a copy of qixd that a later build will not replace;
#        NODELAY_SHIM=1 runs qixd with TCP_NODELAY forced on, see below; QIXD_ARGS adds flags to qixd's,
#        e.g. QIXD_ARGS=--return-memory)
set -euo pipefail
cd "$(dirname "$0")/.."
CLIENTS=${1:-500}
SECONDS_LOAD=${2:-30}
THINK_MS=${3:-5000}
IDLE_SESSIONS=${4:-1000}
IDLE_SOCKETS=${5:-2}
IDLE_LOAD_SECONDS=${IDLE_LOAD_SECONDS:-15}
SETTLE=${SETTLE:-12}

if [ -z "${SKIP_BUILD:-}" ]; then
  cargo build --release --quiet -p qixd -p qix-bench
fi
QIXD=${QIXD:-target/release/qixd}
LOADTEST=${LOADTEST:-target/release/load-test}

# Both processes hold one descriptor per socket (the server also its listener, app files, ...): raise the
# soft limit towards the hard one for the larger pass, and say so when it is too low.
need=$(( (IDLE_SESSIONS * IDLE_SOCKETS > CLIENTS ? IDLE_SESSIONS * IDLE_SOCKETS : CLIENTS) + 256 ))
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$need" ]; then
  ulimit -n "$need" 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true
  if [ "$(ulimit -n)" -lt "$need" ]; then
    echo "warning: ulimit -n is $(ulimit -n), $need wanted; sockets beyond it will fail" >&2
  fi
fi

mkdir -p bench/.data
WORK=$(mktemp -d bench/.data/load-test.XXXXXX)
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# NODELAY_SHIM=1: a diagnostic. qixd (axum::serve) leaves Nagle's algorithm on, so a response written in
# more than one piece waits for the client's delayed ACK (~40 ms); a tiny LD_PRELOAD shim sets TCP_NODELAY
# on the sockets qixd accepts, to show what the latencies would be with it set.
PRELOAD=
if [ -n "${NODELAY_SHIM:-}" ]; then
  cat > "$WORK/nodelay.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
static int nodelay(int fd) {
  int one = 1;
  if (fd >= 0) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}
int accept4(int s, struct sockaddr *a, socklen_t *l, int f) {
  static int (*real)(int, struct sockaddr *, socklen_t *, int);
  if (!real) real = dlsym(RTLD_NEXT, "accept4");
  return nodelay(real(s, a, l, f));
}
int accept(int s, struct sockaddr *a, socklen_t *l) {
  static int (*real)(int, struct sockaddr *, socklen_t *);
  if (!real) real = dlsym(RTLD_NEXT, "accept");
  return nodelay(real(s, a, l));
}
C
  cc -shared -fPIC -O2 -o "$WORK/nodelay.so" "$WORK/nodelay.c" -ldl
  PRELOAD="$WORK/nodelay.so"
  echo "NODELAY_SHIM: qixd runs with TCP_NODELAY set on its sockets (LD_PRELOAD), not as built"
fi

# Starts a fresh `qixd --demo` (own port, apps and data folders) and waits for /healthcheck, which answers
# only once the demo app is loaded.
start_server() {
  local dir="$WORK/$1"
  mkdir -p "$dir"
  # A free port: bind port 0 and let the kernel choose (closed again before qixd binds it).
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  HEALTH="http://127.0.0.1:$PORT/healthcheck"
  # Warnings only: an info line per connection would cost the server time and fill the disk.
  # shellcheck disable=SC2086 # QIXD_ARGS is a list of flags
  RUST_LOG=${RUST_LOG:-warn} LD_PRELOAD=$PRELOAD "$QIXD" ${QIXD_ARGS:-} --demo --listen "127.0.0.1:$PORT" \
    --apps-dir "$dir/apps" --data-dir "$dir/data" > "$dir/qixd.log" 2>&1 &
  SERVER_PID=$!
  SERVER_LOG="$dir/qixd.log"
  for _ in $(seq 1 600); do
    curl -sf "$HEALTH" > /dev/null && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$SERVER_LOG" >&2; echo "qixd died" >&2; exit 1; }
    sleep 0.2
  done
  echo "qixd did not come up" >&2
  exit 1
}

stop_server() {
  if grep -qiE 'panick|error' "$SERVER_LOG"; then
    echo "--- qixd log (errors) ---"
    grep -iE 'panick|error' "$SERVER_LOG" | head -20
  fi
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
}

rss() { awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status"; }
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): d=d[k] if d is not None else None
print("-" if d is None else d)' "$1" "$2"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# Waits until the server's RSS is steady: at least SETTLE seconds, then until three readings a second apart
# are within 1% (at most 60 s). qixd trims glibc's heap a second after the last session ends and again once
# the idle blocking threads have ended (their per-thread malloc caches go back only then).
settle_rss() {
  sleep "$SETTLE"
  local prev stable=0
  prev=$(rss)
  for _ in $(seq 1 60); do
    sleep 1
    local now
    now=$(rss)
    if awk -v a="$now" -v b="$prev" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= b / 100) }'; then
      stable=$((stable + 1))
      [ "$stable" -ge 2 ] && return 0
    else
      stable=0
    fi
    prev=$now
  done
}

# Waits until the server holds no session and no socket, then for its memory to settle.
wait_gone() {
  for _ in $(seq 1 300); do
    local h
    h=$(curl -sf "$HEALTH" || true)
    if [ "$(echo "$h" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["liveSessions"] + d["liveSockets"])' 2>/dev/null)" = 0 ]; then
      settle_rss
      return 0
    fi
    sleep 0.2
  done
  echo "warning: sessions still live after 60 s: $(curl -sf "$HEALTH")" >&2
  settle_rss
}

echo "machine: $(uname -m), $(nproc) cores, ulimit -n $(ulimit -n); $("$QIXD" --version 2>/dev/null || echo "qixd ?") ${QIXD_ARGS:-}, git $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates || echo ' (crates/ with uncommitted changes)')"

# pass NAME load-test-args...: on a fresh server, reads RSS once it is steady after the demo load, runs
# load-test, waits for the sessions to go, prints the memory summary.
pass() {
  local name=$1
  shift
  echo
  start_server "$name"
  settle_rss
  local rss0
  rss0=$(rss)
  echo "=== $name: qixd pid $SERVER_PID on port $PORT, RSS at start (demo loaded, steady) $(mib "$rss0") MiB ==="
  echo "=== $name: load-test $* ==="
  "$LOADTEST" --url "ws://127.0.0.1:$PORT" --server-pid "$SERVER_PID" --json-out "$WORK/$name.json" "$@" \
    | grep -v '^{'
  local out="$WORK/$name.json"
  wait_gone
  local after sockets idle
  after=$(rss)
  sockets=$(json "$out" sockets_open)
  idle=$(json "$out" server_rss_kib.idle)
  echo
  echo "--- $name: server memory ---"
  printf '%-44s %10s\n' "RSS at start (MiB)" "$(mib "$rss0")"
  printf '%-44s %10s\n' "RSS with $sockets sockets attached, idle (MiB)" "$(mib "$idle")"
  printf '%-44s %10s\n' "idle bytes per socket ((idle-start)/sockets)" \
    "$(awk -v a="$idle" -v b="$rss0" -v n="$sockets" 'BEGIN { printf "%.0f", n ? (a - b) * 1024 / n : 0 }')"
  local f
  for f in session_with_bare_socket extra_bare_socket session_doc_open socket_page_laid_out; do
    printf '%-44s %10s\n' "  bytes per ${f//_/ }" \
      "$(json "$out" "footprint.bytes_per_$f" | awk '$1 == "-" { print "-"; next } { printf "%.0f", $1 }')"
  done
  printf '%-44s %10s\n' "RSS peak during load (MiB)" "$(mib "$(json "$out" server_rss_kib.peak_during_load)")"
  printf '%-44s %10s\n' "RSS after load, still connected (MiB)" "$(mib "$(json "$out" server_rss_kib.after_load_still_connected)")"
  printf '%-44s %10s\n' "RSS after all sessions closed (MiB)" "$(mib "$after")"
  printf '%-44s %10s\n' "server threads after close" "$(awk '/^Threads:/ {print $2}' "/proc/$SERVER_PID/status")"
  printf '%-44s %10s\n' "ratio after/start" "$(awk -v a="$after" -v b="$rss0" 'BEGIN { printf "%.3f", a / b }')"
  echo "--- $name: JSON ---"
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["rss_kib_start_of_pass"]=int(sys.argv[2]); d["rss_kib_after_close"]=int(sys.argv[3]); print(json.dumps(d))' \
    "$out" "$rss0" "$after"
  stop_server
}

pass load --sessions "$CLIENTS" --sockets 1 --duration "$SECONDS_LOAD" --think-ms "$THINK_MS"
pass footprint --sessions "$IDLE_SESSIONS" --sockets "$IDLE_SOCKETS" --active-sockets 1 \
  --duration "$IDLE_LOAD_SECONDS" --think-ms "$THINK_MS" --idle-secs 5
