#!/usr/bin/env bash
# Load-tests the api's status paths on loopback and, in the same run, the raw
# PostgreSQL and Redis round trips they are made of, so figures can be read as
# ratios (absolute numbers on a shared 2-core machine drift by a third).
#
#   GET /health/live    — HTTP stack only (middleware, routing, JSON)
#   GET /status/health  — one PostgreSQL ping + one Redis PING per request
#   GET /api/v1/auth/me — JWT check + rate limit (counted locally, shared with Redis every 16th hit)
#                         + account and membership from the per-process cache (ADR 0020; the user
#                         SELECT only on a miss)
#   POST login / refresh — sequential latency (bcrypt at BCRYPT_COST, default 12)
#   baseline: pgbench running `SELECT 1`, the user SELECT of /me, and the two SELECTs /me made
#             before the membership cache; redis-benchmark PING
#
# Env: DURATION (s, default 10), CONNECTIONS (default 32), PORT (default 8099).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/frontdesk-target}"
DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-32}"
PORT="${PORT:-8099}"
PG_ADMIN="${TEST_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}"
DB="fd_bench_$$"
PG_URL="${PG_ADMIN%/*}/$DB"

command -v wrk >/dev/null || { echo "installing wrk"; apt-get install -y -qq wrk >/dev/null; }
# shellcheck source=scripts/services.sh
. scripts/services.sh
ensure_services

cargo build --release -q -p frontdesk-api
psql "$PG_ADMIN" -qc "CREATE DATABASE $DB"
API_PID=""
cleanup() {
  [ -n "$API_PID" ] && kill "$API_PID" 2>/dev/null && wait "$API_PID" 2>/dev/null
  psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" || true
}
trap cleanup EXIT

BCRYPT_COST="${BCRYPT_COST:-12}"
# Rate limits raised so the load generator measures the work, not the 429 path.
DATABASE_URL="$PG_URL" REDIS_URL=redis://127.0.0.1:6379 REDIS_KEY_PREFIX="bench:$$:" PORT="$PORT" \
  DATABASE_MAX_CONNECTIONS=16 RUST_LOG=warn BCRYPT_COST="$BCRYPT_COST" \
  AUTH_RATE_LIMIT=1000000 API_RATE_LIMIT=100000000 "$CARGO_TARGET_DIR/release/frontdesk-api" &
API_PID=$!
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$PORT/health/live" >/dev/null && break; sleep 0.2; done

run_wrk() { # path -> "rps p50 p99"
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "http://127.0.0.1:$PORT$1" |
    awk '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} END {print rps, p50, p99}'
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r); $CONNECTIONS connections, ${DURATION}s each"
live=$(run_wrk /health/live)
health=$(run_wrk /status/health)
echo 'SELECT 1;' > /tmp/fd_bench_select1.sql
pg=$(pgbench -n -f /tmp/fd_bench_select1.sql -c "$CONNECTIONS" -j 2 -T "$DURATION" "$PG_URL" 2>/dev/null |
  awk '/tps = / {print $3; exit}')
redis=$(redis-benchmark -h 127.0.0.1 -p 6379 -c "$CONNECTIONS" -n 200000 -t ping --csv 2>/dev/null |
  awk -F'","' '/PING_MBULK/ {print $2, $5 "ms", $7 "ms"; exit}')

# An account and a token for the authenticated paths.
session=$(curl -fs -H 'content-type: application/json' \
  -d '{"email":"bench@example.com","password":"Bench12345","name":"Bench"}' "http://127.0.0.1:$PORT/api/v1/auth/register")
token=$(printf '%s' "$session" | python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])')
user_id=$(printf '%s' "$session" | python3 -c 'import json,sys; print(json.load(sys.stdin)["user"]["id"])')
me=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "Authorization: Bearer $token" "http://127.0.0.1:$PORT/api/v1/auth/me" |
  awk '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} END {print rps, p50, p99}')
printf "SELECT id, email, name, password_hash, account_type, admin_role, created_at, updated_at FROM users WHERE id = '%s';\nSELECT tenant_id, user_id, role, created_at FROM memberships WHERE user_id = '%s';\n" \
  "$user_id" "$user_id" > /tmp/fd_bench_me.sql
pg_me=$(pgbench -n -f /tmp/fd_bench_me.sql -c "$CONNECTIONS" -j 2 -T "$DURATION" "$PG_URL" 2>/dev/null | awk '/tps = / {print $3; exit}')
head -n 1 /tmp/fd_bench_me.sql > /tmp/fd_bench_me_user.sql
pg_user=$(pgbench -n -f /tmp/fd_bench_me_user.sql -c "$CONNECTIONS" -j 2 -T "$DURATION" "$PG_URL" 2>/dev/null | awk '/tps = / {print $3; exit}')

printf '\n| path | req/s | p50 | p99 |\n|---|---|---|---|\n'
printf '| GET /health/live | %s | %s | %s |\n' $live
printf '| GET /status/health (PG ping + Redis PING) | %s | %s | %s |\n' $health
printf '| GET /api/v1/auth/me (JWT + local rate count + cached account and membership) | %s | %s | %s |\n' $me
printf '| raw PostgreSQL `SELECT 1` (pgbench) | %s | | |\n' "$pg"
printf '| raw PostgreSQL: the user SELECT of /me (pgbench) | %s | | |\n' "$pg_user"
printf '| raw PostgreSQL: user + membership SELECTs as one script (pgbench; what /me read before the cache) | %s | | |\n' "$pg_me"
printf '| raw Redis PING (redis-benchmark) | %s | %s | %s |\n' $redis
awk -v h="$(echo "$health" | cut -d' ' -f1)" -v p="$pg" 'BEGIN { if (p > 0) printf "\n/status/health throughput = %.2f × raw SELECT 1\n", h / p }'
awk -v m="$(echo "$me" | cut -d' ' -f1)" -v p="$pg_user" -v q="$pg_me" 'BEGIN { if (p > 0) printf "/api/v1/auth/me throughput = %.2f × raw user SELECT (what it read before the account cache), %.2f × raw user + membership SELECTs (goal ≥ 0.60)\n", m / p, m / q }'
printf '\nSequential latency (bcrypt cost %s):\n\n| path | n | req/s | p50 | p99 |\n|---|---|---|---|---|\n' "$BCRYPT_COST"
python3 scripts/bench_auth.py 127.0.0.1 "$PORT" bench@example.com Bench12345
