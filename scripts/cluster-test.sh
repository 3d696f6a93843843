#!/usr/bin/env bash
# The cluster test: three qixd nodes on one shared apps folder behind HAProxy (deploy/haproxy/haproxy.cfg),
# on 127.0.0.1. Sessions stick to one node and spread evenly; a save on one node is seen from another;
# kill -9 of a node moves only its sessions, restored from their snapshots; a rolling restart loses no
# saved data and restores every session. Installs Debian's haproxy when it is missing.
#
# Uses QIXD_BIN (default target/debug/qixd, built when missing) and conformance/node_modules (npm ci).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v haproxy >/dev/null 2>&1; then
  echo "== installing haproxy"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null
  fi
fi
QIXD_BIN="${QIXD_BIN:-$(pwd)/target/debug/qixd}"
if [ ! -x "$QIXD_BIN" ]; then
  cargo build --locked -p qixd
fi
if [ ! -d conformance/node_modules/enigma.js ]; then
  (cd conformance && npm ci --no-audit --no-fund)
fi
echo "== the HAProxy configuration is valid"
QIXD_PROXY_BIND=127.0.0.1:1 QIXD_NODE1=127.0.0.1:2 QIXD_NODE2=127.0.0.1:3 QIXD_NODE3=127.0.0.1:4 \
  haproxy -c -q -f deploy/haproxy/haproxy.cfg
echo "== three nodes behind HAProxy"
QIXD_BIN="$QIXD_BIN" timeout 180 node conformance/cluster/cluster-test.mjs
