#!/usr/bin/env bash
# Memory soak (not in CI): runs the api (release, PostgreSQL + Redis) under
# a steady mix of cached lead reads, lead lists and lead creates for
# SOAK_MINUTES (default 10), sampling its resident memory every
# SAMPLE_SECS (default 30), and prints the samples with the growth from the
# first loaded sample to the last. Goal (issue 15): idle < 40 MB, no growth.
#
# Env: SOAK_MINUTES, SAMPLE_SECS, CONNECTIONS (default 8 per path), PORT (default 8096),
# SOAK_CREATES (default 1; 0 leaves creates out, which tells the lazy-DFA
# caches of the phone-number parser's regexes, filled by every new number a
# create validates, apart from anything else: docs/benchmarks.md, 2026-12-07
# "the soak growth explained").
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/frontdesk-target}"
SOAK_MINUTES="${SOAK_MINUTES:-10}"
SAMPLE_SECS="${SAMPLE_SECS:-30}"
CONNECTIONS="${CONNECTIONS:-8}"
PORT="${PORT:-8096}"
SOAK_CREATES="${SOAK_CREATES:-1}"
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
# Resident memory split: anonymous (heap, stacks: what a leak grows) and
# file-backed (the binary's code paged in: shared, reclaimable, and it grows
# when a code path runs for the first time, not when memory leaks).
rss_split() { awk '/RssAnon/ {a = $2} /RssFile/ {f = $2} END {printf "%.1f | %.1f", a / 1024, f / 1024}' "/proc/$API_PID/status" 2>/dev/null; }
idle_split=$(rss_split)
TOKEN=$(api POST /api/v1/auth/register '{"email":"soak@example.com","password":"Soak123456","name":"Soak"}' | field accessToken)
TOKEN=$(api POST /api/v1/subaccounts '{"name":"Soak Salon"}' | field accessToken)
lead=$(api POST /api/v1/leads '{"name":"Soak Lead","phone":"+12128000002"}' | field id)

seconds=$((SOAK_MINUTES * 60))
paths="reads, lists"
[ "$SOAK_CREATES" = 1 ] && paths="$paths, creates"
say "idle: $idle MB; loading for $SOAK_MINUTES min ($paths)"
# A token lasts 15 minutes: enough for the default 10-minute soak.
loads=()
wrk -t1 -c"$CONNECTIONS" -d"${seconds}s" -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/leads/$lead" >"$WORK/get.txt" &
loads+=($!)
wrk -t1 -c"$CONNECTIONS" -d"${seconds}s" -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/leads?limit=20" >"$WORK/list.txt" &
loads+=($!)
if [ "$SOAK_CREATES" = 1 ]; then
  wrk -t1 -c2 -d"${seconds}s" -s scripts/bench/create_lead.lua -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/leads" >"$WORK/create.txt" &
  loads+=($!)
else
  echo "Requests/sec: 0 (SOAK_CREATES=0)" >"$WORK/create.txt"
fi
printf '\n| minute | resident MB | anonymous MB | file-backed MB |\n|---|---|---|---|\n| idle | %s | %s |\n' "$idle" "$idle_split"
first=""
for ((t = SAMPLE_SECS; t <= seconds; t += SAMPLE_SECS)); do
  sleep "$SAMPLE_SECS"
  now=$(api_rss)
  [ -n "$first" ] || first=$now
  printf '| %.1f | %s | %s |\n' "$(awk -v t="$t" 'BEGIN {print t / 60}')" "$now" "$(rss_split)"
done
wait "${loads[@]}" # not a bare wait: the api is a background job of this shell too
last=$(api_rss)
printf '\nthroughput: GET %s req/s, list %s req/s, create %s req/s\n' \
  "$(awk '/Requests\/sec/ {print $2}' "$WORK/get.txt")" "$(awk '/Requests\/sec/ {print $2}' "$WORK/list.txt")" \
  "$(awk '/Requests\/sec/ {print $2}' "$WORK/create.txt")"
awk -v i="$idle" -v f="$first" -v l="$last" 'BEGIN {
  printf "idle %.1f MB (goal < 40); first loaded sample %.1f MB, last %.1f MB: growth %+.1f MB\n", i, f, l, l - f }'
