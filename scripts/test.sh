#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian machine or a developer's box.
#
# 1. Makes sure PostgreSQL and Redis answer on 127.0.0.1 (scripts/services.sh:
#    installs them with apt-get when absent, starts them when stopped, and
#    makes sure the postgres role can log in over TCP).
# 2. Runs every test of the workspace (cargo nextest when installed, cargo test otherwise).
#
# Tests create and drop their own databases (fd_test_*) and use their own Redis key prefixes.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/frontdesk-target}"
# shellcheck source=scripts/services.sh
. scripts/services.sh
ensure_services

if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast "$@"
else
  log "cargo-nextest not installed; using cargo test"
  cargo test --workspace --locked --no-fail-fast "$@"
fi
