#!/usr/bin/env bash
# Runs every check and test of the project on a fresh machine: formatting, clippy, the Rust unit and wire
# tests, and the enigma.js conformance suite against a freshly built qixd.
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
echo "== enigma.js conformance suite"
(
  cd conformance
  npm ci --no-audit --no-fund
  QIXD_BIN="$(pwd)/../target/debug/qixd" npm test
)
