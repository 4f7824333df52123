#!/usr/bin/env bash
# shellcheck disable=SC2016  # backticks inside single quotes are markdown code spans, not substitutions
# Load-tests the receptionist's turn overhead — POST /api/v1/chat/{leadId}/messages
# with no OPENAI_* variables, so the deterministic fallback model answers at
# once and the figures are context build + tool round trips + storage — and,
# in the same run, the raw SQL (pgbench) a turn is made of, so figures read
# as ratios (absolute numbers on a shared 2-core machine drift by a third).
#
# Set-up through the api: a user, its sub-account (UTC), the schedule (open
# every day, all day, in UTC) and one strategy whose business facts give the
# hours, so the fallback answers "what are your hours?" from them. Then two
# check turns on leads made through the api (their stored turns are the
# templates of the seeded history and of the raw script's rows).
# Data, with SQL: LEADS leads (scripts/bench/seed_leads.sql), and for each a
# chat conversation with HISTORY past turns as the api writes them — messages,
# turn rows, timeline events (scripts/bench/receptionist_seed.sql) — then
# VACUUM ANALYZE. Every measured turn is thus a turn of an ongoing
# conversation: it reads the last 10 turns and appends at position 2 × HISTORY + 1 ….
#
#   "what are your hours?"          no tool call: the pure overhead
#   "can I cancel my appointment"   one my_appointments call (read-only: the
#                                   leads have no bookings, so nothing is cancelled)
#   "what are your hours?" paced    RATE turns/s on a fixed schedule: the latency at the goal's load
# each against scripts/bench/receptionist_turn.sql (pgbench -M prepared, same
# concurrency; -D tool=1 adds the tool's statements; pgbench -R RATE for the
# paced row). scripts/bench/receptionist_turn.lua sends the requests: every
# request another lead, never one with a turn in flight; it checks each
# answer (200 and the expected reply).
#
# Before loading it also probes concurrent turns of one lead (PROBE at once,
# on a new lead and on one with a conversation) and reports what came back:
# a lead has one conversation per channel and each turn two messages.
# After the runs it counts, over the seeded conversations, leads with more
# than one conversation and messages without their turn (neither should exist).
#
# Env: DURATION (s, default 10), CONNECTIONS (default 32), PORT (default 8095),
#      LEADS (default 2000), HISTORY (past turns per conversation, default 10),
#      RATE (turns/s of the paced run, default 200), PROBE (default 8),
#      API_BIN (a frontdesk-api binary to run instead of building the release one).
set -euo pipefail
case "${API_BIN:-}" in "" | /*) ;; *) API_BIN="$PWD/$API_BIN" ;; esac
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/frontdesk-target}"
DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-32}"
PORT="${PORT:-8095}"
LEADS="${LEADS:-2000}"
HISTORY="${HISTORY:-10}"
RATE="${RATE:-200}"
PROBE="${PROBE:-8}"
API_BIN="${API_BIN:-}"
THREADS=2
GOAL_P99_MS=5
HOURS="what are your hours?"
HOURS_REPLY="Our hours are Monday to Friday, 9am to 5pm"
CANCEL="can I cancel my appointment"
CANCEL_REPLY="can't find an upcoming appointment"
PG_ADMIN="${TEST_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}"
DB="fd_bench_receptionist_$$"
PG_URL="${PG_ADMIN%/*}/$DB"
BASE="http://127.0.0.1:$PORT"
KEY_PREFIX="bench_receptionist:$$:"
EMAIL="bench-receptionist-$$@example.com"
PASSWORD="Bench12345"

die() { printf '\033[1m[bench_receptionist]\033[0m error: %s\n' "$*" >&2; exit 1; }
say() { printf '\033[1m[bench_receptionist]\033[0m %s\n' "$*" >&2; }

# shellcheck source=scripts/services.sh disable=SC1091
. scripts/services.sh
command -v wrk >/dev/null || apt_install wrk
tools="curl psql pgbench redis-cli python3 awk sort wrk"
[ -n "$API_BIN" ] || tools="cargo $tools"
for tool in $tools; do
  command -v "$tool" >/dev/null || die "$tool is required but not installed"
done
for n in "$DURATION" "$CONNECTIONS" "$LEADS" "$RATE" "$PROBE"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "DURATION, CONNECTIONS, LEADS, RATE and PROBE must be positive integers (got $n)"
done
[[ "$HISTORY" =~ ^[0-9]+$ ]] || die "HISTORY must be a whole number (got $HISTORY)"
[ "$CONNECTIONS" -ge "$THREADS" ] || die "CONNECTIONS must be at least $THREADS (wrk runs $THREADS threads)"
# wrk: a thread's connections must never hold two turns of one lead; pgbench: every client its own leads.
[ "$LEADS" -ge $((2 * CONNECTIONS)) ] || die "LEADS must be at least 2 × CONNECTIONS ($((2 * CONNECTIONS)))"
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
# No OPENAI_* variables: the receptionist answers with its fallback model.
unset OPENAI_API_KEY OPENAI_BASE_URL OPENAI_MODEL
start_api "$API_BIN"
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
    print(json.dumps(value) if isinstance(value, (list, dict)) else value)
    sys.exit(0)
sys.exit("none of " + ", ".join(sys.argv[1:]) + " in " + json.dumps(doc)[:300])' "$@"
}
login() { # a fresh access token before each load run (they last 15 minutes)
  TOKEN=$(TOKEN='' api POST /api/v1/auth/login "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" | json accessToken)
}
psql_value() { psql "$PG_URL" -v ON_ERROR_STOP=1 -Atqc "$1"; }
turn_body() { printf '{"content":"%s","channel":"chat"}' "$1"; }

# 1. A user, its sub-account (the benchmark tenant), schedule and strategy.
session=$(api POST /api/v1/auth/register "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\",\"name\":\"Bench\"}")
user_id=$(printf '%s' "$session" | json user.id)
TOKEN=$(printf '%s' "$session" | json accessToken)
created=$(api POST /api/v1/subaccounts '{"name":"Acme Roofing","timezone":"UTC"}')
tenant=$(printf '%s' "$created" | json subAccount.id id)
login
hours='[{"start":"00:00","end":"24:00"}]'
week=""
for day in monday tuesday wednesday thursday friday saturday sunday; do
  week="$week${week:+,}\"$day\":$hours"
done
api PUT "/api/v1/subaccounts/$tenant/schedule" "{\"timeZone\":\"UTC\",\"weeklyHours\":{$week}}" >/dev/null
strategy=$(api POST /api/v1/strategies '{"name":"Acme Roofing front desk",
  "persona":"You are the receptionist of Acme Roofing, a roofing company.",
  "goal":"Book a roof inspection, or answer the question and offer one.",
  "businessFacts":{"name":"Acme Roofing","hours":"Monday to Friday, 9am to 5pm"}}')
strategy_id=$(printf '%s' "$strategy" | json id)
[ "$(printf '%s' "$strategy" | json isDefault)" = True ] || die "the first strategy is not the default: $strategy"

# 2. One turn of each kind on leads made through the api: the answers are
# checked, and their stored turns are the templates of the seeded history
# and of the raw script's rows.
say "checking one turn of each kind"
new_lead() { api POST /api/v1/leads "{\"name\":\"$1\",\"phone\":\"$2\"}" | json id; }
check_turn() { # lead content expected-piece -> the turn id; dies unless 200, fallback, no actions, expected reply
  local reply
  reply=$(api POST "/api/v1/chat/$1/messages" "$(turn_body "$2")")
  printf '%s' "$reply" | python3 -c '
import json, sys
doc = json.load(sys.stdin)
ok = doc.get("outcome") == "fallback" and doc.get("actions") == [] and sys.argv[1] in doc.get("reply", "")
sys.exit(0 if ok else "unexpected answer to " + sys.argv[2] + ": " + json.dumps(doc))' "$3" "$2" || die "see above"
  printf '%s' "$reply" | json turnId
}
hours_lead=$(new_lead "Check Hours" "+12128000001")
cancel_lead=$(new_lead "Check Cancel" "+12128000002")
hours_turn=$(check_turn "$hours_lead" "$HOURS" "$HOURS_REPLY")
cancel_turn=$(check_turn "$cancel_lead" "$CANCEL" "$CANCEL_REPLY")
api GET "/api/v1/conversations/$(psql_value "SELECT conversation_id FROM conversation_turns WHERE id = '$cancel_turn'")/turns" \
  >"$WORK/cancel_turns.json"
cancel_tools=$(python3 -c '
import json, sys
turn = json.load(open(sys.argv[1]))["data"][-1]
print(",".join(c["name"] for c in turn["trace"]["toolCalls"]) or "none")' "$WORK/cancel_turns.json")
[ "$cancel_tools" = my_appointments ] || die "the cancel turn called [$cancel_tools]; expected exactly my_appointments"
hours_tools=$(psql_value "SELECT trace::jsonb -> 'toolCalls' FROM conversation_turns WHERE id = '$hours_turn'")
[ "$hours_tools" = "[]" ] || die "the hours turn called tools: $hours_tools"
template() { # turn-id column -> its stored value (one line of text)
  psql_value "SELECT $2 FROM conversation_turns WHERE id = '$1'"
}
raw_args() { # turn-id -> pgbench -D options with that turn's texts
  printf '%s\0' -D "inbound=$(template "$1" inbound)" -D "reply=$(template "$1" reply)" \
    -D "messages=$(template "$1" messages)" -D "trace=$(template "$1" trace)" \
    -D "actions=$(template "$1" actions)" -D "hash=$(template "$1" prompt_hash)"
}
mapfile -d '' hours_raw < <(raw_args "$hours_turn")
mapfile -d '' cancel_raw < <(raw_args "$cancel_turn")

# 3. Seed with SQL: leads, their conversations and history, then VACUUM ANALYZE.
say "seeding $LEADS leads, each with a chat conversation of $HISTORY turns, in tenant $tenant"
seed_start=$EPOCHREALTIME
psql "$PG_URL" -v ON_ERROR_STOP=1 -q -v tenant="$tenant" -v count="$LEADS" -f scripts/bench/seed_leads.sql
seed_leads=$EPOCHREALTIME
psql "$PG_URL" -v ON_ERROR_STOP=1 -q -v tenant="$tenant" -v history="$HISTORY" -v template="$hours_turn" \
  -f scripts/bench/receptionist_seed.sql
seed_history=$EPOCHREALTIME
for table in leads lead_events conversations conversation_messages conversation_turns; do
  psql "$PG_URL" -v ON_ERROR_STOP=1 -qc "VACUUM ANALYZE $table"
done
seed_end=$EPOCHREALTIME
seeding=$(awk -v a="$seed_start" -v b="$seed_leads" -v c="$seed_history" -v d="$seed_end" \
  'BEGIN { printf "%.1f s (leads %.1f s, conversations + history %.1f s, VACUUM ANALYZE %.1f s)", d - a, b - a, c - b, d - c }')
BENCH_CONVERSATIONS="SELECT md5('receptionist/conversation/' || n)::uuid FROM generate_series(1, $LEADS) n"
seeded=$(psql_value "SELECT (SELECT count(*) FROM conversations WHERE id IN ($BENCH_CONVERSATIONS)) || ' ' ||
  (SELECT count(*) FROM conversation_turns WHERE conversation_id IN ($BENCH_CONVERSATIONS))")
[ "$seeded" = "$LEADS $((LEADS * HISTORY))" ] ||
  die "seeding left '$seeded' (conversations, turns); expected $LEADS and $((LEADS * HISTORY))"
sizes=$(psql_value "SELECT string_agg(t || ' ' || pg_size_pretty(pg_total_relation_size(t::regclass)) || ' (' ||
  (xpath('/row/n/text()', query_to_xml('SELECT count(*) AS n FROM ' || t, false, true, '')))[1]::text || ' rows)', ', ')
  FROM unnest(ARRAY['conversations', 'conversation_messages', 'conversation_turns', 'lead_events']) t")
# Every lead once, in random order; the wrk script walks it (scripts/bench/receptionist_turn.lua).
psql_value "SELECT md5('receptionist/lead/' || n)::uuid FROM generate_series(1, $LEADS) n ORDER BY random()" \
  >"$WORK/leads.txt"
api POST "/api/v1/chat/$(head -n 1 "$WORK/leads.txt")/messages" "$(turn_body "$HOURS")" >"$WORK/seeded_turn.json"
grep -q "$HOURS_REPLY" "$WORK/seeded_turn.json" || die "a turn of a seeded lead answered $(cat "$WORK/seeded_turn.json")"

# 4. Concurrent turns of one lead (not part of the figures): PROBE at once on
# a lead without a conversation, then PROBE at once on the hours check lead.
say "probing $PROBE concurrent turns of one lead"
probe() { # lead label -> "<200s> <others>"; the first other answer in $WORK/probe_<label>.other
  local i ok=0 other=0 code
  for i in $(seq 1 "$PROBE"); do
    curl -s -o "$WORK/probe_$2_$i.body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
      -H "Authorization: Bearer $TOKEN" -d "$(turn_body "$HOURS")" "$BASE/api/v1/chat/$1/messages" \
      >"$WORK/probe_$2_$i.code" &
  done
  wait
  for i in $(seq 1 "$PROBE"); do
    code=$(cat "$WORK/probe_$2_$i.code")
    if [ "$code" = 200 ]; then ok=$((ok + 1)); else
      other=$((other + 1))
      [ -s "$WORK/probe_$2.other" ] || printf 'HTTP %s %s' "$code" "$(head -c 300 "$WORK/probe_$2_$i.body")" >"$WORK/probe_$2.other"
    fi
  done
  echo "$ok $other"
}
orphans() { # conversation filter -> messages beyond two per turn
  psql_value "SELECT (SELECT count(*) FROM conversation_messages WHERE conversation_id IN ($1))
    - 2 * (SELECT count(*) FROM conversation_turns WHERE conversation_id IN ($1))"
}
probe_lead=$(new_lead "Probe New" "+12128000003")
read -r probe_new_ok probe_new_other <<<"$(probe "$probe_lead" new)"
probe_new_conversations=$(psql_value "SELECT count(*) FROM conversations WHERE lead_id = '$probe_lead'")
hours_conversation="SELECT conversation_id FROM conversation_turns WHERE id = '$hours_turn'"
read -r probe_old_ok probe_old_other <<<"$(probe "$hours_lead" old)"
probe_old_orphans=$(orphans "$hours_conversation")
probe_positions=$(psql_value "SELECT string_agg(CASE role WHEN 'user' THEN 'U' ELSE 'A' END, '' ORDER BY position)
  FROM conversation_messages WHERE conversation_id IN ($hours_conversation) AND position > 2")

# 5. Load runs.
api_turns() { psql_value "SELECT count(*) FROM conversation_turns WHERE model <> 'pgbench'
  AND conversation_id IN ($BENCH_CONVERSATIONS)"; }
raw_turns() { psql_value "SELECT count(*) FROM conversation_turns WHERE model = 'pgbench'"; }
turn_run() { # label content expected-reply-piece rate (0: as fast as it goes)
  # -> "turns/s p50 p99 requests non-2xx 200s others unexpected stored"; output in $WORK/wrk_<label>.txt
  local label=$1 out="$WORK/wrk_$1.txt" stats counts before n ok other odd
  before=$(api_turns)
  # --timeout: wrk's default (2 s) would drop a slow answer from the figures.
  RECEPTIONIST_RATE=$4 wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 30s --latency \
    -H "Authorization: Bearer $TOKEN" -s scripts/bench/receptionist_turn.lua "$BASE/" \
    -- "$WORK/leads.txt" "$2" "$THREADS" "$3" >"$out" 2>&1 || die "wrk failed: $(cat "$out")"
  stats=$(awk 'function ms(v) { # wrk prints 812.00us, 1.52ms or 1.02s
      if (v ~ /us$/) return sprintf("%.2fms", v / 1000)
      if (v ~ /ms$/) return sprintf("%.2fms", v)
      if (v ~ /s$/) return sprintf("%.0fms", v * 1000)
      return v }
    /Requests\/sec/ {rps = $2} /^ +50%/ {p50 = ms($2)} /^ +99%/ {p99 = ms($2)}
    / requests in / {n = $1} /Non-2xx or 3xx responses/ {bad = $NF}
    END {print rps + 0, p50, p99, n + 0, bad + 0}' "$out")
  counts=$(awk '/^turns: / { for (i = 2; i <= NF; i++) { split($i, kv, "="); printf "%s ", kv[2] } }' "$out")
  [ -n "$counts" ] || die "$label: the wrk script printed no counts: $(cat "$out")"
  read -r _ _ _ n _ <<<"$stats"
  read -r ok other odd <<<"$counts"
  [ "$n" -gt 0 ] || die "wrk made no requests: $(cat "$out")"
  grep -q 'Socket errors' "$out" && say "$label: $(grep 'Socket errors' "$out" | sed 's/^ *//')"
  if [ $(((other + odd) * 100)) -gt "$n" ]; then
    cat "$out" >&2
    die "$label: $other of $n answers were not 200 and $odd were not the expected reply (more than 1%)"
  fi
  sleep 1 # turns in flight when wrk stops are still answered and stored
  echo "$stats $ok $other $odd $(($(api_turns) - before))"
}
run_pgbench() { # label pgbench-options… -> "tps p50 p99 avg transactions failed stored"
  local label=$1 out="$WORK/pgbench_$1.txt" pct before
  shift
  before=$(raw_turns)
  pgbench -n -M prepared -c "$CONNECTIONS" -j "$THREADS" -T "$DURATION" -l --log-prefix="$WORK/pglog_$label" \
    "$@" "$PG_URL" >"$out" 2>&1 || die "pgbench ($label) failed: $(tail -n 20 "$out")"
  # Per-transaction log: the 3rd field is the transaction's latency in µs (from its scheduled start with -R).
  pct=$({ cat "$WORK/pglog_$label".* 2>/dev/null || true; } | awk '{print $3}' | sort -n | awk '{ v[NR] = $1 }
    END { if (NR == 0) { print "n/a n/a"; exit }
          i50 = int(NR * 0.50 + 0.5); i99 = int(NR * 0.99 + 0.5); if (i50 < 1) i50 = 1; if (i99 < 1) i99 = 1
          printf "%.2fms %.2fms\n", v[i50] / 1000, v[i99] / 1000 }')
  rm -f "$WORK/pglog_$label".*
  awk -v pct="$pct" -v stored="$(($(raw_turns) - before))" '/^tps = / {tps = $3} /^latency average/ {lat = $4 "ms"}
    /actually processed/ {n = $NF} /^number of failed transactions/ {failed = $5}
    END {print tps + 0, pct, lat, n + 0, failed + 0, stored}' "$out"
}
raw_common=(-D tenant="$tenant" -D user="$user_id" -D leads="$LEADS" -D clients="$CONNECTIONS" -D strategy="$strategy_id")

say "load: $CONNECTIONS connections, ${DURATION}s per run"
say "\"$HOURS\": as fast as it goes"
login
hours_api=$(turn_run hours "$HOURS" "$HOURS_REPLY" 0)
hours_pg=$(run_pgbench hours -f scripts/bench/receptionist_turn.sql "${raw_common[@]}" -D tool=0 "${hours_raw[@]}")
say "\"$CANCEL\": as fast as it goes"
login
cancel_api=$(turn_run cancel "$CANCEL" "$CANCEL_REPLY" 0)
cancel_pg=$(run_pgbench cancel -f scripts/bench/receptionist_turn.sql "${raw_common[@]}" -D tool=1 "${cancel_raw[@]}")
say "\"$HOURS\": paced at $RATE turns/s"
login
paced_api=$(turn_run paced "$HOURS" "$HOURS_REPLY" "$RATE")
paced_pg=$(run_pgbench paced -R "$RATE" -f scripts/bench/receptionist_turn.sql "${raw_common[@]}" -D tool=0 "${hours_raw[@]}")

# 6. The seeded conversations after every run: one per lead, two messages per turn.
duplicates=$(psql_value "SELECT count(*) FROM (SELECT lead_id FROM conversations WHERE tenant_id = '$tenant'
  AND lead_id IN (SELECT md5('receptionist/lead/' || n)::uuid FROM generate_series(1, $LEADS) n)
  GROUP BY lead_id, channel HAVING count(*) > 1) d")
bench_orphans=$(orphans "$BENCH_CONVERSATIONS")
final=$(psql_value "SELECT count(*) FROM conversation_turns WHERE conversation_id IN ($BENCH_CONVERSATIONS)")

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
lead1="md5('receptionist/lead/1')::uuid"
conversation1="md5('receptionist/conversation/1')::uuid"
plans=$(
  explain "latest conversation" "SELECT id, tenant_id, lead_id, channel, created_at FROM conversations
    WHERE tenant_id = '$tenant' AND lead_id = $lead1 AND channel = 'chat' ORDER BY created_at DESC, id DESC LIMIT 1"
  explain "last 10 turns" "SELECT * FROM conversation_turns WHERE conversation_id = $conversation1
    AND tenant_id = '$tenant' ORDER BY created_at DESC, id DESC LIMIT 10"
  explain "next position" "SELECT COALESCE(MAX(position), 0) + 1 FROM conversation_messages
    WHERE conversation_id = $conversation1"
)

# 7. Report.
ratio() { # first fields a, b -> "a/b ×"
  awk -v a="${1%% *}" -v b="${2%% *}" 'BEGIN { if (b <= 0) print "n/a"; else printf (a / b < 0.1 ? "%.3f ×" : "%.2f ×"), a / b }'
}
num() { # first field, rounded, with thousands separators
  awk -v v="${1%% *}" 'BEGIN { s = sprintf("%.0f", v); while (s ~ /[0-9]{4}/) sub(/[0-9]{3}($|,)/, ",&", s); sub(/,$/, "", s); print s }'
}
row() { # label api-stats raw-stats [ratio cell]
  local rps p50 p99 raw_tps raw_p50 raw_p99
  read -r rps p50 p99 _ <<<"$2"
  read -r raw_tps raw_p50 raw_p99 _ <<<"$3"
  printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$(num "$rps")" "$p50" "$p99" \
    "$(num "$raw_tps")" "$raw_p50" "$raw_p99" "${4:-$(ratio "$2" "$3")}"
}
outcome() { # label api-stats -> outcome row
  local requests ok other odd stored
  read -r _ _ _ requests _ ok other odd stored <<<"$2"
  printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "$(num "$requests")" "$(num "$ok")" "$(num "$other")" "$(num "$odd")" "$(num "$stored")"
}
raw_line() { # label stats -> raw baseline row
  local tps p50 p99 avg transactions failed stored
  read -r tps p50 p99 avg transactions failed stored <<<"$2"
  printf '| %s | %s | %s | %s | %s | %s transactions, %s failed, %s turns stored |\n' "$1" "$(num "$tps")" "$p50" "$p99" \
    "$avg" "$(num "$transactions")" "$failed" "$(num "$stored")"
}
read -r paced_rps paced_p50 paced_p99 _ <<<"$paced_api"
read -r _ paced_raw_p50 _ <<<"$paced_pg"
# Paced, both serve the rate: compare the medians (pgbench -R draws Poisson arrivals, so its p99
# holds the bursts that wrk's even schedule does not send).
p50_factor=$(awk -v a="${paced_p50%ms}" -v b="${paced_raw_p50%ms}" 'BEGIN { if (b <= 0) print "n/a"; else printf "p50 %.1f × raw", a / b }')
goal=$(awk -v rps="$paced_rps" -v rate="$RATE" -v p99="${paced_p99%ms}" -v goal="$GOAL_P99_MS" 'BEGIN {
  held = rps >= 0.95 * rate
  if (held && p99 < goal) verdict = "**met**"; else verdict = "**not met**"
  printf "%s: at %.0f turns/s (%s asked) the p99 is %.2f ms (goal < %d ms%s)", verdict, rps, rate, p99, goal,
    (held ? "" : "; the api did not even hold the rate") }')

echo
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r); $CONNECTIONS connections, ${DURATION}s per run; api $API_BIN"
echo "seeding: $seeding"
echo "tables after seeding: $sizes"
echo "api checks: \"$HOURS\" → $(template "$hours_turn" reply) (no tool call)"
echo "            \"$CANCEL\" → $(template "$cancel_turn" reply) (tool calls: $cancel_tools)"
echo "probe, $PROBE concurrent turns of a lead without a conversation: $probe_new_ok × 200, $probe_new_other others; conversations made: $probe_new_conversations"
[ ! -s "$WORK/probe_new.other" ] || echo "       first other answer: $(cat "$WORK/probe_new.other")"
echo "probe, $PROBE concurrent turns of a lead with a conversation: $probe_old_ok × 200, $probe_old_other others; messages without their turn: $probe_old_orphans; roles in position order: $probe_positions"
[ ! -s "$WORK/probe_old.other" ] || echo "       first other answer: $(cat "$WORK/probe_old.other")"
printf '\n| turn | api turns/s | p50 | p99 | raw (pgbench) tps | p50 | p99 | ratio (api ÷ raw) |\n|---|---|---|---|---|---|---|---|\n'
row "\`$HOURS\` (no tool call)" "$hours_api" "$hours_pg"
row "\`$CANCEL\` (one \`my_appointments\` call, no bookings)" "$cancel_api" "$cancel_pg"
row "\`$HOURS\` paced at $RATE turns/s (pgbench -R $RATE)" "$paced_api" "$paced_pg" "$p50_factor"
echo
echo "Goal (overhead p99 < $GOAL_P99_MS ms at $RATE turns/s): $goal"

printf '\n| api run | answers | 200 | other status | 200 with another reply | turns stored |\n|---|---|---|---|---|---|\n'
outcome "\`$HOURS\`" "$hours_api"
outcome "\`$CANCEL\`" "$cancel_api"
outcome "\`$HOURS\` paced" "$paced_api"
echo
echo "seeded conversations after the runs: $(num "$final") turns; leads with more than one chat conversation: $duplicates; messages without their turn: $bench_orphans"

printf '\n| raw baseline (same run, %s clients, pgbench -M prepared) | tps | p50 | p99 | avg | |\n|---|---|---|---|---|---|\n' "$CONNECTIONS"
raw_line '`receptionist_turn.sql` -D tool=0: the 1 statement (1 commit) of a turn without a tool call' "$hours_pg"
raw_line '`receptionist_turn.sql` -D tool=1: 3, with `my_appointments`' "$cancel_pg"
raw_line "\`receptionist_turn.sql\` -D tool=0 -R $RATE" "$paced_pg"

printf '\nPlans (EXPLAIN ANALYZE, BUFFERS, lead 1 after the runs):\n\n%s\n' "$plans"
cat <<EOF

Notes:
- Per turn the api also verifies the JWT, runs the rate-limit EVAL, GETs the agent
  configuration's version stamp and the conversation's context on Redis (and writes the
  context back), renders the instructions, runs the fallback model through the agent loop
  and writes the JSON; the raw script has only the SQL. Both write a turn's messages and
  turn row in one statement and its two timeline events in another: 2 commits.
- The raw script is the api's steady state: a process's first turn of a conversation
  also reads the conversation and its last 10 turns (the context is not in Redis yet),
  which here is the first turn of each of the 2,000 seeded conversations.
- The wrk script never has two turns of one lead in flight, and pgbench gives every client its
  own leads: concurrent turns of one conversation are what the probes above are about.
- Paced: wrk sends on an even schedule, pgbench -R on Poisson arrivals, whose bursts queue on
  few cores: compare the paced rows by their p50s.
- The api's pool has 16 connections; pgbench uses $CONNECTIONS. wrk, pgbench, the api,
  PostgreSQL and Redis share the same $(nproc) cores: read the ratios, not the absolute numbers.
EOF
