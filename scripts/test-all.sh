#!/usr/bin/env bash
# Runs every check and test of the project on a fresh machine: formatting, clippy, the Rust unit and wire
# tests, the enigma.js conformance suite against a freshly built qixd, and the cluster test (three nodes
# behind HAProxy).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo build (qixd for the conformance suite)"
cargo build --locked -p qixd
echo "== cargo test"
cargo test --workspace --locked
echo "== Chromium for the nebula.js render test"
if ! command -v chromium >/dev/null 2>&1 && [ -z "${CHROMIUM_BIN:-}" ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi
echo "== DuckDB (the SQL oracle of the conformance suite) in conformance/.venv"
if [ ! -x conformance/.venv/bin/python ]; then
  python3 -m venv conformance/.venv
fi
conformance/.venv/bin/pip install --quiet --disable-pip-version-check -r conformance/oracle/requirements.txt
echo "== enigma.js and nebula.js conformance suite"
(
  cd conformance
  npm ci --no-audit --no-fund
  ../scripts/build-hub.sh --check
  QIXD_BIN="$(pwd)/../target/debug/qixd" npm test
)
echo "== cluster: three nodes behind HAProxy (installs Debian's haproxy when it is missing)"
QIXD_BIN="$(pwd)/target/debug/qixd" ./scripts/cluster-test.sh
