#!/usr/bin/env bash
# shellcheck disable=SC2016  # backticks inside single quotes are markdown code spans, not substitutions
# Load-tests availability and booking creation at realistic size and, in the
# same run, the raw SQL (pgbench) each path stands on, so figures read as
# ratios (absolute numbers on a shared 2-core machine drift by a third); and
# counts double bookings after every booking run (the script fails unless
# there are none).
#
# Set-up through the api: a user, its sub-account (America/New_York), the
# schedule (every day 08:00–18:00, 30-minute grid, no buffers, 120 minutes'
# notice, 730-day horizon so the booking runs have room past the 60 days
# measured), 10 resources and the default appointment type (30 minutes).
# Data, with SQL: LEADS leads (scripts/bench/seed_leads.sql) and BOOKINGS
# confirmed bookings over the 60 local days from tomorrow, each with its
# slot_claims row (scripts/bench/bookings_seed.sql: one INSERT … SELECT
# generate_series into bookings and slot_claims), then VACUUM ANALYZE.
#
#   GET  /api/v1/availability?from=<tomorrow>&to=<+59 days>&appointmentTypeId=…
#        60 days × 10 resources                 vs scripts/bench/bookings_busy.sql (the range query)
#                                               and bookings_availability_reads.sql (all its SQL)
#   POST /api/v1/bookings contended: every thread sends CONNECTIONS/2 requests
#        at the same slot and both walk the same slots (days 61–120), so about
#        CONNECTIONS clients race for each slot: one 201, the rest 409
#                                               vs scripts/bench/bookings_insert.sql (raw claim + booking
#                                                  INSERT, every client's n-th transaction on slot n)
#                                               and bookings_guarded_write.sql (the adapter's transaction)
#   POST /api/v1/bookings spread: every request its own resource and slot
#        (days 121–725), never taken              vs the same two scripts, one slot per transaction
#   (scripts/bench/bookings_create.lua makes the bodies from slot lists of
#   scripts/bench/bookings_slots.sql; it counts 201s, 409s and others)
#
# After each booking run scripts/bench/bookings_double.sql counts confirmed
# bookings overlapping another of the same tenant and resource (and
# confirmed bookings without their claim); any non-zero count fails the run.
#
# Env: DURATION (s, default 10), CONNECTIONS (default 32), PORT (default 8096),
#      BOOKINGS (default 2000), LEADS (default 2000),
#      API_BIN (a frontdesk-api binary to run instead of building the release one).
set -euo pipefail
case "${API_BIN:-}" in "" | /*) ;; *) API_BIN="$PWD/$API_BIN" ;; esac
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/frontdesk-target}"
DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-32}"
PORT="${PORT:-8096}"
BOOKINGS="${BOOKINGS:-2000}"
LEADS="${LEADS:-2000}"
API_BIN="${API_BIN:-}"
THREADS=2
RESOURCES=10
DAYS=60                      # the availability window and the seeded days: tomorrow … +59
SLOTS_PER_DAY=20             # 08:00–18:00 in 30-minute slots
RACE_FIRST=61                # contended booking run: days 61 … 120 from today
RACE_LAST=120
SPREAD_FIRST=121             # spread booking run: days 121 … 725
SPREAD_LAST=725
CHECK_DAY=727                # the one-off booking checks
HORIZON_DAYS=730
ZONE="America/New_York"
RAW_BASE=4102444800000       # 2100-01-01T00:00Z in ms: the raw runs book far from the api's slots,
RAW_SPACING=10000000000000   # each run 10^13 ms (317 years) after the previous one
PG_ADMIN="${TEST_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}"
DB="fd_bench_bookings_$$"
PG_URL="${PG_ADMIN%/*}/$DB"
BASE="http://127.0.0.1:$PORT"
KEY_PREFIX="bench_bookings:$$:"
EMAIL="bench-bookings-$$@example.com"
PASSWORD="Bench12345"

die() { printf '\033[1m[bench_bookings]\033[0m error: %s\n' "$*" >&2; exit 1; }
say() { printf '\033[1m[bench_bookings]\033[0m %s\n' "$*" >&2; }

# shellcheck source=scripts/services.sh disable=SC1091
. scripts/services.sh
command -v wrk >/dev/null || apt_install wrk
tools="curl psql pgbench redis-cli python3 awk sort wrk"
[ -n "$API_BIN" ] || tools="cargo $tools"
for tool in $tools; do
  command -v "$tool" >/dev/null || die "$tool is required but not installed"
done
for n in "$DURATION" "$CONNECTIONS" "$BOOKINGS" "$LEADS"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "DURATION, CONNECTIONS, BOOKINGS and LEADS must be positive integers (got $n)"
done
[ "$BOOKINGS" -le $((RESOURCES * DAYS * SLOTS_PER_DAY)) ] ||
  die "BOOKINGS must be at most $((RESOURCES * DAYS * SLOTS_PER_DAY)) (every slot of $RESOURCES resources over $DAYS days)"
[ "$CONNECTIONS" -ge "$THREADS" ] || die "CONNECTIONS must be at least $THREADS (wrk runs $THREADS threads)"
PER_SLOT=$(((CONNECTIONS + THREADS - 1) / THREADS)) # contended: requests per slot per wrk thread
ensure_services

if [ -n "$API_BIN" ]; then
  [ -x "$API_BIN" ] || die "API_BIN=$API_BIN is not an executable file"
  say "using $API_BIN (no build)"
else
  say "building frontdesk-api (release)"
  cargo build --release -q -p frontdesk-api
  API_BIN="$CARGO_TARGET_DIR/release/frontdesk-api"
fi

WORK=$(mktemp -d)
# shellcheck source=scripts/bench/api_lib.sh
. scripts/bench/api_lib.sh
trap cleanup EXIT
psql "$PG_ADMIN" -qc "CREATE DATABASE $DB"
start_api "$API_BIN"
api_code() { # method path json-body -> "HTTP-code body" (any status)
  local code
  code=$(curl -s -o "$WORK/response" -w '%{http_code}' -X "$1" -H 'Content-Type: application/json' \
    -H "Authorization: Bearer $TOKEN" -d "$3" "$BASE$2") || die "$1 $2: no answer from the api"
  printf '%s %s' "$code" "$(head -c 300 "$WORK/response")"
}
json() { # dotted paths (first one present wins) -> value, from the JSON on stdin
  python3 -c '
import json, sys
raw = sys.stdin.read()
if not raw.strip():
    sys.exit(1)  # the request failed and said so already
doc = json.loads(raw)
for path in sys.argv[1:]:
    value = doc
    try:
        for key in path.split("."):
            value = value[int(key)] if isinstance(value, list) else value[key]
    except (KeyError, IndexError, ValueError, TypeError):
        continue
    print(value)
    sys.exit(0)
sys.exit("none of " + ", ".join(sys.argv[1:]) + " in " + json.dumps(doc)[:300])' "$@"
}
login() { # a fresh access token before each load run (they last 15 minutes)
  TOKEN=$(TOKEN='' api POST /api/v1/auth/login "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" | json accessToken)
}
psql_value() { psql "$PG_URL" -v ON_ERROR_STOP=1 -Atqc "$1"; }
iso_ms() { psql_value "SELECT (extract(epoch FROM '$1'::timestamptz) * 1000)::bigint"; }

# 1. A user, its sub-account (the benchmark tenant) and a token that acts in it.
session=$(api POST /api/v1/auth/register "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\",\"name\":\"Bench\"}")
user_id=$(printf '%s' "$session" | json user.id)
TOKEN=$(printf '%s' "$session" | json accessToken)
created=$(api POST /api/v1/subaccounts "{\"name\":\"Bench Dental\",\"timezone\":\"$ZONE\"}")
tenant=$(printf '%s' "$created" | json subAccount.id id)
login

# 2. Schedule, resources, appointment type — through the api.
hours='[{"start":"08:00","end":"18:00"}]'
week=""
for day in monday tuesday wednesday thursday friday saturday sunday; do
  week="$week${week:+,}\"$day\":$hours"
done
api PUT "/api/v1/subaccounts/$tenant/schedule" "{\"timeZone\":\"$ZONE\",\"weeklyHours\":{$week},\"exceptions\":[],
  \"granularityMinutes\":30,\"bufferBeforeMinutes\":0,\"bufferAfterMinutes\":0,\"minNoticeMinutes\":120,
  \"horizonDays\":$HORIZON_DAYS}" >/dev/null
resource_ids=()
for n in $(seq 1 "$RESOURCES"); do
  resource_ids+=("$(api POST /api/v1/resources "{\"name\":\"Chair $(printf %02d "$n")\",\"kind\":\"staff\"}" | json id)")
done
resources="{$(IFS=,; echo "${resource_ids[*]}")}"
# Any other resource (a default one made on first use) is switched off, so exactly these serve.
api GET "/api/v1/resources?limit=100" | python3 -c '
import json, sys
ours = set(sys.argv[1].split(","))
print("\n".join(r["id"] for r in json.load(sys.stdin)["data"] if r["id"] not in ours and r.get("active", True)))' \
  "$(IFS=,; echo "${resource_ids[*]}")" >"$WORK/other_resources.txt"
while read -r other; do
  [ -z "$other" ] || api PATCH "/api/v1/resources/$other" '{"active":false}' >/dev/null
done <"$WORK/other_resources.txt"
other_resources=$(grep -c . "$WORK/other_resources.txt" || true)
types=$(api GET /api/v1/appointment-types)
type_id=$(printf '%s' "$types" | json 0.id)
type_minutes=$(printf '%s' "$types" | json 0.durationMinutes)
[ "$type_minutes" = 30 ] || die "the default appointment type lasts $type_minutes minutes; the slot grid assumes 30"

# 3. Seed with SQL: leads, then bookings with their claims, then VACUUM ANALYZE.
say "seeding $LEADS leads and $BOOKINGS bookings over $RESOURCES resources × $DAYS days in tenant $tenant"
seed_start=$EPOCHREALTIME
psql "$PG_URL" -v ON_ERROR_STOP=1 -q -v tenant="$tenant" -v count="$LEADS" -f scripts/bench/seed_leads.sql
seed_leads=$EPOCHREALTIME
psql "$PG_URL" -v ON_ERROR_STOP=1 -q -v tenant="$tenant" -v zone="$ZONE" -v type="$type_id" \
  -v resources="$resources" -v count="$BOOKINGS" -v days="$DAYS" -f scripts/bench/bookings_seed.sql
seed_bookings=$EPOCHREALTIME
psql "$PG_URL" -v ON_ERROR_STOP=1 -qc 'VACUUM ANALYZE leads' -c 'VACUUM ANALYZE bookings' -c 'VACUUM ANALYZE slot_claims'
seed_end=$EPOCHREALTIME
seeding=$(awk -v a="$seed_start" -v b="$seed_leads" -v c="$seed_bookings" -v d="$seed_end" \
  'BEGIN { printf "%.1f s (leads %.1f s, bookings + claims %.1f s, VACUUM ANALYZE %.1f s)", d - a, b - a, c - b, d - c }')
psql_value "SELECT id FROM leads WHERE tenant_id = '$tenant' AND deleted_at IS NULL ORDER BY created_at, id" >"$WORK/leads.txt"
lead_id=$(head -n 1 "$WORK/leads.txt")
slots_file() { # first-day last-day file -> the slot lines of those days
  psql "$PG_URL" -v ON_ERROR_STOP=1 -Atq -v zone="$ZONE" -v resources="$resources" -v first="$1" -v last="$2" \
    -f scripts/bench/bookings_slots.sql >"$3"
}
slots_file "$RACE_FIRST" "$RACE_LAST" "$WORK/race.txt"
slots_file "$SPREAD_FIRST" "$SPREAD_LAST" "$WORK/spread.txt"
slots_file "$CHECK_DAY" "$CHECK_DAY" "$WORK/check.txt"
window_dates=$(psql_value "SELECT (now() AT TIME ZONE '$ZONE')::date + 1, (now() AT TIME ZONE '$ZONE')::date + $DAYS")
from_date=${window_dates%|*}
to_date=${window_dates#*|}
sizes=$(psql_value "SELECT 'bookings ' || pg_size_pretty(pg_total_relation_size('bookings')) || ', slot_claims ' ||
  pg_size_pretty(pg_total_relation_size('slot_claims')) || ' (' || (SELECT count(*) FROM slot_claims) || ' claims)'")

# 4. One request per path first: any unexpected answer stops here with the body.
say "checking each path once"
avail_path="/api/v1/availability?from=$from_date&to=$to_date&appointmentTypeId=$type_id"
api GET "$avail_path" >"$WORK/availability.json"
avail_info=$(python3 -c '
import datetime, json, sys
doc = json.load(open(sys.argv[1]))
def ms(v):
    return int(datetime.datetime.fromisoformat(v.replace("Z", "+00:00")).timestamp() * 1000)
print(len(doc["slots"]), sum(len(s["resourceIds"]) for s in doc["slots"]), ms(doc["from"]), ms(doc["to"]))' "$WORK/availability.json")
read -r avail_slots avail_pairs window_from window_to <<<"$avail_info"
avail_bytes=$(wc -c <"$WORK/availability.json" | tr -d ' ')
seeded_in_window=$(psql_value "SELECT count(*) FROM slot_claims WHERE tenant_id = '$tenant'
  AND blocks_from < $window_to AND blocks_until > $window_from")
expected_pairs=$((DAYS * RESOURCES * SLOTS_PER_DAY - seeded_in_window))
[ "$avail_pairs" = "$expected_pairs" ] ||
  say "warning: availability offers $avail_pairs free (slot, resource) pairs; $DAYS days × $RESOURCES resources × $SLOTS_PER_DAY slots − $seeded_in_window seeded = $expected_pairs"
read -r check_start check_resource <"$WORK/check.txt"
check_body="{\"leadId\":\"$lead_id\",\"startsAt\":\"$check_start\",\"resourceId\":\"$check_resource\",\"appointmentTypeId\":\"$type_id\"}"
check_first=$(api_code POST /api/v1/bookings "$check_body")
check_again=$(api_code POST /api/v1/bookings "$check_body")
[ "${check_first%% *}" = 201 ] || die "POST /api/v1/bookings at a free slot ($check_start) -> HTTP $check_first"
[ "${check_again%% *}" = 409 ] || die "POST /api/v1/bookings at the same slot again -> HTTP $check_again (expected 409 slot_taken)"
# Two more: one minute later (inside that booking, same resource) and without resourceId (another resource).
check_later=$(psql_value "SELECT to_char(('$check_start'::timestamptz + interval '1 minute') AT TIME ZONE 'UTC',
  'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
check_inside=$(api_code POST /api/v1/bookings \
  "{\"leadId\":\"$lead_id\",\"startsAt\":\"$check_later\",\"resourceId\":\"$check_resource\",\"appointmentTypeId\":\"$type_id\"}")
check_any=$(api_code POST /api/v1/bookings "{\"leadId\":\"$lead_id\",\"startsAt\":\"$check_start\",\"appointmentTypeId\":\"$type_id\"}")
[ "${check_inside%% *}" = 409 ] || say "warning: a booking starting 1 minute into a taken slot of the same resource answered HTTP $check_inside (expected 409)"
[ "${check_any%% *}" = 201 ] || say "warning: the same start without resourceId answered HTTP $check_any (expected 201 on another resource)"

# 5. Double-booking check: after every run that books.
FAILED=""
LAST_DOUBLE="0 0 0"
declare -A DOUBLES=()
double_check() { # key label -> DOUBLES[key] = "overlapping pairs unclaimed"; FAILED collects non-zero ones
  local found overlapping pairs unclaimed
  found=$(psql "$PG_URL" -v ON_ERROR_STOP=1 -Atq -F ' ' -f scripts/bench/bookings_double.sql)
  read -r overlapping pairs unclaimed <<<"$found"
  [ -n "$unclaimed" ] || die "the double-booking check printed '$found'"
  if [ "$overlapping" != 0 ] || [ "$unclaimed" != 0 ]; then
    # Counts are of the whole database: a run is blamed only when they changed.
    [ "$found" = "$LAST_DOUBLE" ] ||
      FAILED="$FAILED${FAILED:+; }after $2: $overlapping bookings overlap an earlier one ($pairs pairs), $unclaimed confirmed bookings without a claim"
    say "DOUBLE BOOKING after $2: $overlapping overlapping ($pairs pairs), $unclaimed unclaimed"
  else
    say "after $2: no double bookings"
  fi
  DOUBLES[$1]=$found
  LAST_DOUBLE=$found
}
seed_rows=$(psql_value "SELECT count(*) FROM bookings WHERE tenant_id = '$tenant'")
double_check seed "seeding and the checks"

# 6. Load runs.
wrk_run() { # label path [wrk options…] [-- script args…] -> "req/s p50 p99 requests non-2xx"; output in $WORK/wrk_<label>.txt
  local label=$1 path=$2 out stats n
  shift 2
  local options=() script_args=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do options+=("$1"); shift; done
  if [ $# -gt 0 ]; then shift; script_args=(-- "$@"); fi
  out="$WORK/wrk_$label.txt"
  # --timeout: wrk's default (2 s) would drop a slow answer (a debug build's 60-day availability) from the figures.
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 30s --latency -H "Authorization: Bearer $TOKEN" "${options[@]}" \
    "$BASE$path" "${script_args[@]}" >"$out" 2>&1 || die "wrk failed on $path: $(cat "$out")"
  stats=$(awk 'function ms(v) { # wrk prints 812.00us, 1.52ms or 1.02s
      if (v ~ /us$/) return sprintf("%.2fms", v / 1000)
      if (v ~ /ms$/) return sprintf("%.2fms", v)
      if (v ~ /s$/) return sprintf("%.0fms", v * 1000)
      return v }
    /Requests\/sec/ {rps = $2} /^ +50%/ {p50 = ms($2)} /^ +99%/ {p99 = ms($2)}
    / requests in / {n = $1} /Non-2xx or 3xx responses/ {bad = $NF}
    END {print rps + 0, p50, p99, n + 0, bad + 0}' "$out")
  read -r _ _ _ n _ <<<"$stats"
  [ "$n" -gt 0 ] || die "wrk made no requests on $path: $(cat "$out")"
  grep -q 'Socket errors' "$out" && say "$label: $(grep 'Socket errors' "$out" | sed 's/^ *//')"
  echo "$stats"
}
book_run() { # label mode slots-file -> "req/s p50 p99 requests non-2xx 201s 409s others lines wrapped"
  local label=$1 mode=$2 stats counts requests created taken other wrapped
  stats=$(wrk_run "$label" /api/v1/bookings -s scripts/bench/bookings_create.lua -- "$3" "$WORK/leads.txt" "$type_id" "$THREADS" "$mode")
  counts=$(awk '/^bookings: / { for (i = 2; i <= NF; i++) { split($i, kv, "="); printf "%s ", kv[2] } }' "$WORK/wrk_$label.txt")
  [ -n "$counts" ] || die "$label: the wrk script printed no counts: $(cat "$WORK/wrk_$label.txt")"
  read -r _ _ _ requests _ <<<"$stats"
  read -r created taken other _ wrapped <<<"$counts"
  [ "$wrapped" = 0 ] || say "warning: $label ran past the end of its slot list ($wrapped requests); those aimed at booked slots"
  if [ $((other * 100)) -gt "$requests" ] || { [ "$mode" = spread ] && [ $(((taken - wrapped) * 100)) -gt "$requests" ]; }; then
    cat "$WORK/wrk_$label.txt" >&2
    die "$label: $created × 201, $taken × 409, $other others in $requests requests"
  fi
  echo "$stats $counts"
}
run_pgbench() { # label pgbench-options… -> "tps p50 p99 avg transactions failed"
  local label=$1 out="$WORK/pgbench_$1.txt" pct
  shift
  pgbench -n -M prepared -c "$CONNECTIONS" -j "$THREADS" -T "$DURATION" -l --log-prefix="$WORK/pglog_$label" \
    "$@" "$PG_URL" >"$out" 2>&1 || die "pgbench ($label) failed: $(tail -n 20 "$out")"
  # Per-transaction log: the 3rd field is the transaction's latency in µs.
  pct=$({ cat "$WORK/pglog_$label".* 2>/dev/null || true; } | awk '{print $3}' | sort -n | awk '{ v[NR] = $1 }
    END { if (NR == 0) { print "n/a n/a"; exit }
          i50 = int(NR * 0.50 + 0.5); i99 = int(NR * 0.99 + 0.5); if (i50 < 1) i50 = 1; if (i99 < 1) i99 = 1
          printf "%.2fms %.2fms\n", v[i50] / 1000, v[i99] / 1000 }')
  rm -f "$WORK/pglog_$label".*
  awk -v pct="$pct" '/^tps = / {tps = $3} /^latency average/ {lat = $4 "ms"} /actually processed/ {n = $NF}
    /^number of failed transactions/ {failed = $5} END {print tps + 0, pct, lat, n + 0, failed + 0}' "$out"
}
raw_rows() { # base -> bookings of the tenant starting in [base, base + spacing)
  psql_value "SELECT count(*) FROM bookings WHERE tenant_id = '$tenant' AND starts_at >= $1 AND starts_at < $1 + $RAW_SPACING"
}
raw_args=(-D tenant="$tenant" -D type="$type_id" -D lead="$lead_id" -D resources="$resources" -D nres="$RESOURCES" -D n=0)
race_args=(-D stride=1 -D spread=0)
spread_args=(-D stride="$CONNECTIONS" -D spread=1)
now_ms=$(psql_value "SELECT (extract(epoch FROM now()) * 1000)::bigint")
busy_from=$((window_from - 540 * 60000))
busy_until=$((window_to + 540 * 60000))
window_args=(-D tenant="$tenant" -D from="$busy_from" -D until="$busy_until" -D now="$now_ms")

say "load: $CONNECTIONS connections, ${DURATION}s per run"
say "availability: $DAYS days × $RESOURCES resources"
login
avail=$(wrk_run availability "$avail_path")
read -r _ _ _ avail_n avail_bad <<<"$avail"
if [ $((avail_bad * 100)) -gt "$avail_n" ]; then
  cat "$WORK/wrk_availability.txt" >&2
  die "availability: $avail_bad of $avail_n responses were not 2xx (more than 1%)"
fi
pg_busy=$(run_pgbench busy -f scripts/bench/bookings_busy.sql "${window_args[@]}")
pg_reads=$(run_pgbench reads -f scripts/bench/bookings_availability_reads.sql "${window_args[@]}" -D user="$user_id" -D type="$type_id")

explain() { # label sql -> "- label: top node ← scan nodes; buffers; execution time"
  psql "$PG_URL" -v ON_ERROR_STOP=1 -Atqc "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) $2" | awk -v label="$1" '
    NR == 1 { top = $0; sub(/ *\(actual.*/, "", top); rows = $0; sub(/.*rows=/, "", rows); sub(/ .*/, "", rows) }
    /Buffers:/ && buffers == "" { buffers = $0; sub(/^ *Buffers: */, "", buffers) }
    NR > 1 && /Scan/ && !/^ *(Heap|Rows|Buffers)/ {
      node = $0; n = $0
      sub(/^ *(-> *)?/, "", node); sub(/ *\(actual.*/, "", node)
      sub(/.*rows=/, "", n); sub(/ .*/, "", n)
      scans = scans (scans == "" ? "" : " + ") node " (" n " rows)"
    }
    /Execution Time/ { time = $3 " ms" }
    END { printf "- %s: %s (%s rows)%s; buffers %s; %s\n", label, top, rows, (scans == "" ? "" : " ← " scans), buffers, time }'
}
plans=$(explain "busy range (60 days + padding)" "SELECT resource_id, blocks_from, blocks_until FROM slot_claims
  WHERE tenant_id = '$tenant' AND blocks_from < $busy_until AND blocks_until > $busy_from
  AND (expires_at IS NULL OR expires_at > $now_ms)")

say "booking creation, contended: about $((PER_SLOT * THREADS)) requests per slot"
login
race=$(book_run race "race:$PER_SLOT" "$WORK/race.txt")
read -r _ _ _ _ _ race_created _ _ race_lines _ <<<"$race"
[ "$race_created" -le "$race_lines" ] ||
  FAILED="$FAILED${FAILED:+; }the contended api run answered 201 $race_created times for $race_lines slots"
double_check race "the contended api run"
race_first=$(iso_ms "$(head -n 1 "$WORK/race.txt" | cut -d' ' -f1)")
race_last=$(iso_ms "$(tail -n 1 "$WORK/race.txt" | cut -d' ' -f1)")
race_rows=$(psql_value "SELECT count(*) FROM bookings WHERE tenant_id = '$tenant' AND starts_at BETWEEN $race_first AND $race_last")
base=$RAW_BASE
pg_race=$(run_pgbench insert_race -f scripts/bench/bookings_insert.sql "${raw_args[@]}" "${race_args[@]}" -D base="$base")
pg_race_rows=$(raw_rows "$base")
double_check pg_race "the contended raw INSERT"
base=$((base + RAW_SPACING))
pg_race_tx=$(run_pgbench guarded_race -f scripts/bench/bookings_guarded_write.sql "${raw_args[@]}" "${race_args[@]}" \
  -D base="$base" -D tag="race$$")
pg_race_tx_rows=$(raw_rows "$base")
double_check pg_race_tx "the contended raw transaction"

say "booking creation, spread: every request its own slot"
login
spread=$(book_run spread spread "$WORK/spread.txt")
double_check spread "the spread api run"
base=$((base + RAW_SPACING))
pg_spread=$(run_pgbench insert_spread -f scripts/bench/bookings_insert.sql "${raw_args[@]}" "${spread_args[@]}" -D base="$base")
pg_spread_rows=$(raw_rows "$base")
double_check pg_spread "the spread raw INSERT"
base=$((base + RAW_SPACING))
pg_spread_tx=$(run_pgbench guarded_spread -f scripts/bench/bookings_guarded_write.sql "${raw_args[@]}" "${spread_args[@]}" \
  -D base="$base" -D tag="spread$$")
pg_spread_tx_rows=$(raw_rows "$base")
double_check pg_spread_tx "the spread raw transaction"
total_bookings=$(psql_value "SELECT count(*) FROM bookings WHERE tenant_id = '$tenant'")

# 7. Report.
ratio() { # first fields a, b -> "a/b ×"
  awk -v a="${1%% *}" -v b="${2%% *}" 'BEGIN { if (b <= 0) print "n/a"; else printf (a / b < 0.1 ? "%.3f ×" : "%.2f ×"), a / b }'
}
num() { # first field, rounded, with thousands separators
  awk -v v="${1%% *}" 'BEGIN { s = sprintf("%.0f", v); while (s ~ /[0-9]{4}/) sub(/[0-9]{3}($|,)/, ",&", s); sub(/,$/, "", s); print s }'
}
per_slot() { # attempts booked -> attempts per booked slot
  awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) print "n/a"; else printf "%.1f", a / b }'
}
doubles() { # "overlapping pairs unclaimed" -> cell
  local overlapping pairs unclaimed
  read -r overlapping pairs unclaimed <<<"$1"
  if [ "$overlapping" = 0 ] && [ "$unclaimed" = 0 ]; then echo "**0**"; else echo "**$overlapping** ($pairs pairs; $unclaimed unclaimed)"; fi
}
row() { # label api-stats raw-stats
  local rps p50 p99 raw_tps raw_p50 raw_p99
  read -r rps p50 p99 _ <<<"$2"
  read -r raw_tps raw_p50 raw_p99 _ <<<"$3"
  printf '| %s | %s | %s | %s | %s (p50 %s, p99 %s) | %s |\n' "$1" "$(num "$rps")" "$p50" "$p99" \
    "$(num "$raw_tps")" "$raw_p50" "$raw_p99" "$(ratio "$2" "$3")"
}
api_outcome() { # label stats rows-in-db double -> outcome row
  local requests created taken other
  read -r _ _ _ requests _ created taken other _ _ <<<"$2"
  printf '| %s | %s | %s (%s rows) | %s | %s | %s | %s |\n' "$1" "$(num "$requests")" "$(num "$created")" "$(num "$3")" \
    "$(num "$taken")" "$(num "$other")" "$(per_slot "$requests" "$created")" "$(doubles "$4")"
}
raw_outcome() { # label pgbench-stats rows double -> outcome row
  local transactions failed
  read -r _ _ _ _ transactions failed <<<"$2"
  printf '| %s | %s | %s rows | %s | %s failed | %s | %s |\n' "$1" "$(num "$transactions")" "$(num "$3")" \
    "$(num $((transactions - $3)))" "$failed" "$(per_slot "$transactions" "$3")" "$(doubles "$4")"
}
raw_line() { # label stats -> raw baseline row
  local tps p50 p99 avg
  read -r tps p50 p99 avg _ <<<"$2"
  printf '| %s | %s | %s | %s | %s |\n' "$1" "$(num "$tps")" "$p50" "$p99" "$avg"
}

echo
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r); $CONNECTIONS connections, ${DURATION}s per run; api $API_BIN"
echo "seeding: $seeding"
echo "tables after seeding: $sizes; $RESOURCES resources ($other_resources other switched off), schedule every day 08:00–18:00 $ZONE, 30-minute grid and type"
echo "availability $from_date … $to_date: $avail_slots slots, $avail_pairs free (slot, resource) pairs (expected $expected_pairs), $avail_bytes bytes of JSON"
echo "api checks: free slot ($check_start, first resource) → ${check_first%% *}"
echo "            same slot again → $check_again"
echo "            1 minute later, same resource → $check_inside"
echo "            same start, no resourceId → ${check_any%% *}"
printf '\n| path | req/s | p50 | p99 | raw DB equivalent, same run (tps) | ratio (api ÷ raw) |\n|---|---|---|---|---|---|\n'
row "\`GET /api/v1/availability\` ($DAYS days, $RESOURCES resources, $(num "$BOOKINGS") bookings: $(num "$avail_slots") slots)" "$avail" "$pg_busy"
row "\`POST /api/v1/bookings\` contended (~$((PER_SLOT * THREADS)) clients per slot)" "$race" "$pg_race"
row '`POST /api/v1/bookings` spread (every request its own slot)' "$spread" "$pg_spread"

printf '\n| booking run | attempts | booked (201 / rows) | slot taken (409 / no-op) | other | attempts per booked slot | double bookings after |\n|---|---|---|---|---|---|---|\n'
printf '| seed + checks | | %s rows | | | | %s |\n' "$(num "$seed_rows")" "$(doubles "${DOUBLES[seed]}")"
api_outcome 'api, contended' "$race" "$race_rows" "${DOUBLES[race]}"
raw_outcome 'raw INSERT `bookings_insert.sql`, contended' "$pg_race" "$pg_race_rows" "${DOUBLES[pg_race]}"
raw_outcome 'raw transaction `bookings_guarded_write.sql`, contended' "$pg_race_tx" "$pg_race_tx_rows" "${DOUBLES[pg_race_tx]}"
api_outcome 'api, spread' "$spread" "$(psql_value "SELECT count(*) FROM bookings WHERE tenant_id = '$tenant'
  AND starts_at >= $(iso_ms "$(head -n 1 "$WORK/spread.txt" | cut -d' ' -f1)")
  AND starts_at <= $(iso_ms "$(tail -n 1 "$WORK/spread.txt" | cut -d' ' -f1)")")" "${DOUBLES[spread]}"
raw_outcome 'raw INSERT, spread' "$pg_spread" "$pg_spread_rows" "${DOUBLES[pg_spread]}"
raw_outcome 'raw transaction, spread' "$pg_spread_tx" "$pg_spread_tx_rows" "${DOUBLES[pg_spread_tx]}"

printf '\n| raw baseline (same run, %s clients, pgbench -M prepared) | tps | p50 | p99 | avg |\n|---|---|---|---|---|\n' "$CONNECTIONS"
raw_line '`bookings_busy.sql`: the busy range query of availability' "$pg_busy"
raw_line '`bookings_availability_reads.sql`: all 6 statements of an availability request' "$pg_reads"
raw_line '`bookings_insert.sql` contended: claim + booking, one statement' "$pg_race"
raw_line '`bookings_guarded_write.sql` contended: the adapter'"'"'s transaction' "$pg_race_tx"
raw_line '`bookings_insert.sql` spread' "$pg_spread"
raw_line '`bookings_guarded_write.sql` spread' "$pg_spread_tx"

printf '\nPlan (EXPLAIN ANALYZE, BUFFERS after the availability run):\n\n%s\n' "$plans"
cat <<EOF

Notes:
- Per request the api also verifies the JWT, runs the rate-limit EVAL on Redis and looks up
  the caller's membership; availability then reads the type, resources and schedule (all six
  statements: $(num "$pg_reads") tps raw) and computes the slots in Rust. A booking also reads
  the type, resources and schedule before its transaction, and drops the lead's cache entry
  in Redis after it.
- Contended: a lost race waits for the winner's transaction (the exclusion constraint), then
  the api rolls back to its savepoint and answers 409 slot_taken. A 201 is counted once per
  slot; a slot can hold only one booking, so "attempts per booked slot" near the number of
  clients means they did race. The tenant holds $(num "$total_bookings") bookings at the end.
- The api's pool has 16 connections; pgbench uses $CONNECTIONS. wrk, pgbench, the api,
  PostgreSQL and Redis share the same $(nproc) cores: read the ratios, not the absolute numbers.
EOF
[ -z "$FAILED" ] || die "double bookings found: $FAILED"
