#!/usr/bin/env bash
# Memory soak (not in CI): runs the api (release, PostgreSQL + Redis) under
# a steady mix of cached lead reads, lead lists and lead creates for
# SOAK_MINUTES (default 10), sampling its resident memory every
# SAMPLE_SECS (default 30), and prints the samples with the growth from the
# first loaded sample to the last. Goal (issue 15): idle < 40 MB, no growth.
#
# Env: SOAK_MINUTES, SAMPLE_SECS, CONNECTIONS (default 8 per path), PORT (default 8096).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/frontdesk-target}"
SOAK_MINUTES="${SOAK_MINUTES:-10}"
SAMPLE_SECS="${SAMPLE_SECS:-30}"
CONNECTIONS="${CONNECTIONS:-8}"
PORT="${PORT:-8096}"
BASE="http://127.0.0.1:$PORT"
PG_ADMIN="${TEST_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}"
DB="fd_soak_$$"
PG_URL="${PG_ADMIN%/*}/$DB"
KEY_PREFIX="soak:$$:"
die() { printf '\033[1m[soak]\033[0m error: %s\n' "$*" >&2; exit 1; }
say() { printf '\033[1m[soak]\033[0m %s\n' "$*" >&2; }

# shellcheck source=scripts/services.sh
. scripts/services.sh
# shellcheck source=scripts/bench/api_lib.sh
. scripts/bench/api_lib.sh
api_on_fresh_database
idle=$API_IDLE_RSS # read by start_api, 2 s after start-up
TOKEN=$(api POST /api/v1/auth/register '{"email":"soak@example.com","password":"Soak123456","name":"Soak"}' | field accessToken)
TOKEN=$(api POST /api/v1/subaccounts '{"name":"Soak Salon"}' | field accessToken)
lead=$(api POST /api/v1/leads '{"name":"Soak Lead","phone":"+12128000002"}' | field id)

seconds=$((SOAK_MINUTES * 60))
say "idle: $idle MB; loading for $SOAK_MINUTES min (reads, lists, creates)"
# A token lasts 15 minutes: enough for the default 10-minute soak.
loads=()
wrk -t1 -c"$CONNECTIONS" -d"${seconds}s" -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/leads/$lead" >"$WORK/get.txt" &
loads+=($!)
wrk -t1 -c"$CONNECTIONS" -d"${seconds}s" -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/leads?limit=20" >"$WORK/list.txt" &
loads+=($!)
wrk -t1 -c2 -d"${seconds}s" -s scripts/bench/create_lead.lua -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/leads" >"$WORK/create.txt" &
loads+=($!)
printf '\n| minute | resident MB |\n|---|---|\n| idle | %s |\n' "$idle"
first=""
for ((t = SAMPLE_SECS; t <= seconds; t += SAMPLE_SECS)); do
  sleep "$SAMPLE_SECS"
  now=$(api_rss)
  [ -n "$first" ] || first=$now
  printf '| %.1f | %s |\n' "$(awk -v t="$t" 'BEGIN {print t / 60}')" "$now"
done
wait "${loads[@]}" # not a bare wait: the api is a background job of this shell too
last=$(api_rss)
printf '\nthroughput: GET %s req/s, list %s req/s, create %s req/s\n' \
  "$(awk '/Requests\/sec/ {print $2}' "$WORK/get.txt")" "$(awk '/Requests\/sec/ {print $2}' "$WORK/list.txt")" \
  "$(awk '/Requests\/sec/ {print $2}' "$WORK/create.txt")"
awk -v i="$idle" -v f="$first" -v l="$last" 'BEGIN {
  printf "idle %.1f MB (goal < 40); first loaded sample %.1f MB, last %.1f MB: growth %+.1f MB\n", i, f, l, l - f }'
