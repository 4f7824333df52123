#!/usr/bin/env bash
# Login storms: how many bcrypt logins the api completes per second against
# what the machine's cores allow, and what a storm does to the latency of
# an ordinary read.
#
#   one verify     — sequential login latency (p50 of 20, bcrypt at BCRYPT_COST, default 12):
#                    a login is one bcrypt verify plus a few SQL statements
#   ideal          — cores ÷ one verify (every core hashing all the time)
#   storm          — wrk POST /api/v1/auth/login over ACCOUNTS (default 64) accounts,
#                    STORM_CONNECTIONS (default 16) for DURATION s, nothing else running
#   read p99       — wrk GET /api/v1/leads/{id} on 4 connections paced at ~1,000 req/s
#                    (scripts/bench/paced_read.lua), idle and during a second storm
#
# Goals (issue 15): storm ≥ 0.8 × ideal; read p99 during the storm ≤ 2 × idle.
# Env: DURATION (s, default 15), STORM_CONNECTIONS, BCRYPT_COST, PORT (default 8097).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/frontdesk-target}"
DURATION="${DURATION:-15}"
STORM_CONNECTIONS="${STORM_CONNECTIONS:-16}"
PORT="${PORT:-8097}"
BASE="http://127.0.0.1:$PORT"
PG_ADMIN="${TEST_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}"
DB="fd_bench_login_$$"
PG_URL="${PG_ADMIN%/*}/$DB"
KEY_PREFIX="bench-login:$$:"
export EMAIL="storm-1@example.com" PASSWORD="Storm12345" ACCOUNTS="${ACCOUNTS:-64}"
export API_BCRYPT_COST="${BCRYPT_COST:-12}"
die() { printf '\033[1m[bench_login]\033[0m error: %s\n' "$*" >&2; exit 1; }
say() { printf '\033[1m[bench_login]\033[0m %s\n' "$*" >&2; }

# shellcheck source=scripts/services.sh
. scripts/services.sh
# shellcheck source=scripts/bench/api_lib.sh
. scripts/bench/api_lib.sh
api_on_fresh_database

TOKEN=$(api POST /api/v1/auth/register "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\",\"name\":\"Storm\"}" | field accessToken)
TOKEN=$(api POST /api/v1/subaccounts '{"name":"Storm Clinic"}' | field accessToken)
lead=$(api POST /api/v1/leads '{"name":"Read Me","phone":"+12128000001"}' | field id)
say "registering $ACCOUNTS accounts for the storm"
seq 2 "$ACCOUNTS" | xargs -P 4 -I{} curl -fs -o /dev/null -H 'Content-Type: application/json' \
  -d "{\"email\":\"storm-{}@example.com\",\"password\":\"$PASSWORD\",\"name\":\"Storm\"}" "$BASE/api/v1/auth/register"

wrk_read() { # -> "rps p50 p99" of the cached lead read on 4 paced connections
  wrk -t1 -c4 -d"${DURATION}s" --latency -s scripts/bench/paced_read.lua -H "Authorization: Bearer $TOKEN" \
    "$BASE/api/v1/leads/$lead" |
    awk '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} END {print rps, p50, p99}'
}
ms() { # wrk latency (850.00us, 1.20ms, 2.00s) -> milliseconds
  awk -v v="$1" 'BEGIN { if (v ~ /us$/) printf "%.3f", v / 1000; else if (v ~ /ms$/) printf "%.3f", v + 0; else printf "%.3f", v * 1000 }'
}

say "one verify: 20 sequential logins at cost $API_BCRYPT_COST"
verify_ms=$(python3 - "$PORT" <<'PY'
import http.client, json, os, statistics, sys, time
conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=30)
body = json.dumps({"email": os.environ["EMAIL"], "password": os.environ["PASSWORD"]})
samples = []
for _ in range(20):
    t = time.perf_counter()
    conn.request("POST", "/api/v1/auth/login", body, {"Content-Type": "application/json"})
    r = conn.getresponse(); r.read()
    assert r.status == 200, r.status
    samples.append((time.perf_counter() - t) * 1000)
print(f"{statistics.median(samples):.1f}")
PY
)
cores=$(nproc)
ideal=$(awk -v c="$cores" -v v="$verify_ms" 'BEGIN { printf "%.2f", c * 1000 / v }')

say "login storm alone ($STORM_CONNECTIONS connections, ${DURATION}s)"
wrk -t1 -c"$STORM_CONNECTIONS" -d"${DURATION}s" -s scripts/bench/login.lua "$BASE/api/v1/auth/login" >"$WORK/storm.txt"
storm_rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/storm.txt")
non2xx=$(awk '/Non-2xx/ {print $NF}' "$WORK/storm.txt")
say "idle read"
idle=$(wrk_read)
say "the read during a second storm"
wrk -t1 -c"$STORM_CONNECTIONS" -d"$((DURATION + 4))s" -s scripts/bench/login.lua "$BASE/api/v1/auth/login" >"$WORK/storm2.txt" &
storm_pid=$!
sleep 2
during=$(wrk_read)
wait "$storm_pid"
storm2_rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/storm2.txt")
rss_kb=$(ps -o rss= -p "$API_PID" | tr -d ' ')

read -r _ _ idle_p99 <<<"$idle"
read -r _ _ during_p99 <<<"$during"
printf '\nmachine: %s cores; bcrypt cost %s; one login (sequential p50) %s ms → ideal %s logins/s\n\n' "$cores" "$API_BCRYPT_COST" "$verify_ms" "$ideal"
printf '| measure | value |\n|---|---|\n'
printf '| logins/s, storm alone (%s connections%s) | %s |\n' "$STORM_CONNECTIONS" "${non2xx:+, $non2xx non-2xx}" "$storm_rps"
printf '| logins/s, second storm (the paced read beside it for most of it) | %s |\n' "$storm2_rps"
printf '| ideal: cores ÷ one verify | %s |\n' "$ideal"
printf '| GET /api/v1/leads/{id} idle: req/s, p50, p99 | %s |\n' "$idle"
printf '| GET /api/v1/leads/{id} during the storm: req/s, p50, p99 | %s |\n' "$during"
printf '| api resident memory after the storm | %s MB |\n' "$((rss_kb / 1024))"
awk -v s="$storm_rps" -v i="$ideal" -v a="$(ms "$idle_p99")" -v b="$(ms "$during_p99")" 'BEGIN {
  printf "\nlogin throughput = %.2f × ideal (goal ≥ 0.80)\n", s / i
  printf "read p99 during the storm = %.2f × idle p99 (goal ≤ 2.00)\n", b / a }'
