#!/usr/bin/env bash
# Benchmarks outbound webhooks: outbox → delivered webhook throughput with a
# local receiver and one worker process (PostgreSQL + Redis Streams), next to
# the raw INSERT rate of the outbox (`domain_events`) in the same run, then
# a worker killed with SIGKILL mid-stream: every event must still arrive.
# The work is apps/worker/examples/webhook_bench.rs; this script builds it,
# makes a database and a key prefix, and prints its table.
#
# Env: EVENTS (default 5000), CRASH_EVENTS (default 2000),
#      WORKER_CONCURRENCY (default 8), JOB_VISIBILITY_TIMEOUT_SECS (default 5:
#      how soon the second worker takes over the killed one's jobs).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/frontdesk-target}"
EVENTS="${EVENTS:-5000}"
CRASH_EVENTS="${CRASH_EVENTS:-2000}"
PG_ADMIN="${TEST_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}"
DB="fd_bench_hooks_$$"
BIN="$CARGO_TARGET_DIR/release"
say() { printf '\033[1m[bench_webhooks]\033[0m %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# shellcheck source=scripts/services.sh
. scripts/services.sh
for n in "$EVENTS" "$CRASH_EVENTS"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "EVENTS and CRASH_EVENTS must be positive integers (got $n)"
done
ensure_services
say "building frontdesk-worker and the webhook_bench example (release)"
cargo build --release -q -p frontdesk-worker --bins --example webhook_bench
cleanup() {
  psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  redis-cli -h 127.0.0.1 -p 6379 --scan --pattern "bench_hooks:$$:*" 2>/dev/null |
    xargs -r redis-cli -h 127.0.0.1 -p 6379 unlink >/dev/null 2>&1 || true
}
trap cleanup EXIT
psql "$PG_ADMIN" -qc "CREATE DATABASE $DB"

say "$EVENTS events for throughput, then $CRASH_EVENTS with a kill -9 of the worker halfway"
echo "| webhooks ($EVENTS events; crash phase $CRASH_EVENTS) | rate | ratio |"
echo "|---|---|---|"
env DATABASE_URL="${PG_ADMIN%/*}/$DB" REDIS_URL="redis://127.0.0.1:6379" REDIS_KEY_PREFIX="bench_hooks:$$:" \
  JOB_BACKEND=redis WORKER_CONCURRENCY="${WORKER_CONCURRENCY:-8}" \
  JOB_VISIBILITY_TIMEOUT_SECS="${JOB_VISIBILITY_TIMEOUT_SECS:-5}" \
  ENCRYPTION_KEYS="bench:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" ALLOW_PRIVATE_WEBHOOKS=true \
  FILES_DIR="$(mktemp -d)" RUST_LOG=warn WORKER_BIN="$BIN/frontdesk-worker" \
  "$BIN/examples/webhook_bench" "$EVENTS" "$CRASH_EVENTS"
