#!/usr/bin/env bash
# shellcheck disable=SC2016  # backticks inside single quotes are markdown code spans
# Load-tests the channels' webhooks on the release api (PostgreSQL + Redis):
#
#   POST /webhooks/twilio/voice   a call comes in: signature, routing (cached),
#                                 blocklist, hourly limit, the caller's lead,
#                                 the session in Redis, the greeting → TwiML
#   POST /webhooks/twilio/sms     a text: signature, routing, keyword check,
#                                 opt-out read, the caller's lead, the reply
#                                 job queued (keyed by MessageSid) → <Response/>
#   GET  /health/live             the api's floor, in the same run
#
# each as fast as it goes (CONNECTIONS connections) and paced at RATE
# requests/s (the goal: p99 < 5 ms at 200/s), and ConversationRelay's time
# from `prompt` to the first `text` token, twice: SESSIONS sessions × PROMPTS
# prompts back to back (a stress run: the api never idles), then at the
# goal's load, PACED_SESSIONS calls whose prompts come RATE per second in
# all (a caller listens to a reply before speaking again). The fallback
# model is the instant stub: no OPENAI_* variables.
# Every request is signed (scripts/bench/sign_twilio.py) and the api checks
# each signature; CALLERS distinct callers cycle, so most calls find their lead.
#
# Env: DURATION (s, default 10), CONNECTIONS (default 32), RATE (default 200),
#      PORT (default 8096), CALLERS (default 500), SESSIONS (default 8),
#      PROMPTS (per session, default 50), PACED_SESSIONS (the paced relay
#      run's calls, default 40: RATE prompts/s in all), API_BIN (skip the release build),
#      PROFILE (voice, sms, relay or relay_paced: `perf record` the api during that run,
#      into PROFILE_OUT, default target/bench/channels-<run>.perf.data).
set -euo pipefail
case "${API_BIN:-}" in "" | /*) ;; *) API_BIN="$PWD/$API_BIN" ;; esac
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/frontdesk-target}"
DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-32}"
RATE="${RATE:-200}"
PORT="${PORT:-8096}"
CALLERS="${CALLERS:-500}"
SESSIONS="${SESSIONS:-8}"
PACED_SESSIONS="${PACED_SESSIONS:-40}"
PROMPTS="${PROMPTS:-50}"
API_BIN="${API_BIN:-}"
THREADS=2
TWILIO_TOKEN="bench0123456789abcdef0123456789ab"
PUBLIC="https://bench.frontdesk.test"
PG_ADMIN="${TEST_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}"
DB="fd_bench_channels_$$"
PG_URL="${PG_ADMIN%/*}/$DB"
BASE="http://127.0.0.1:$PORT"
KEY_PREFIX="bench_channels:$$:"

die() { printf '\033[1m[bench_channels]\033[0m error: %s\n' "$*" >&2; exit 1; }
say() { printf '\033[1m[bench_channels]\033[0m %s\n' "$*" >&2; }

# shellcheck source=scripts/services.sh disable=SC1091
. scripts/services.sh
command -v wrk >/dev/null || apt_install wrk
for tool in curl psql python3 awk wrk; do command -v "$tool" >/dev/null || die "$tool is required"; done
ensure_services
if [ -n "$API_BIN" ]; then
  [ -x "$API_BIN" ] || die "API_BIN=$API_BIN is not an executable file"
else
  say "building frontdesk-api (release)"
  cargo build --release -q -p frontdesk-api
  API_BIN="$CARGO_TARGET_DIR/release/frontdesk-api"
fi
VENV="$HOME/.cache/frontdesk-bench-venv"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -c 'import websockets' 2>/dev/null || "$VENV/bin/pip" install -q 'websockets>=13,<16'

WORK=$(mktemp -d)
# shellcheck source=scripts/bench/api_lib.sh
. scripts/bench/api_lib.sh
trap cleanup EXIT
psql "$PG_ADMIN" -qc "CREATE DATABASE $DB"
unset OPENAI_API_KEY OPENAI_BASE_URL OPENAI_MODEL
export TWILIO_AUTH_TOKEN="$TWILIO_TOKEN" PUBLIC_BASE_URL="$PUBLIC" VOICE_CALLS_PER_HOUR=1000000
# A known deployment secret: the relay client seals each call's pass with it, as the api does in its TwiML.
export JWT_SECRET="bench-channels-secret-0123456789abcdef0123456789ab" RELAY_SECRET="bench-channels-secret-0123456789abcdef0123456789ab"
start_api "$API_BIN"
json() { python3 -c 'import json, sys; doc = json.load(sys.stdin)
for key in sys.argv[1].split("."): doc = doc[key]
print(doc)' "$1"; }

# 1. A sub-account that answers +14155550199, open all week, with a strategy.
TOKEN=$(api POST /api/v1/auth/register '{"email":"bench-channels@example.com","password":"Bench12345","name":"Bench"}' |
  json accessToken)
created=$(api POST /api/v1/subaccounts '{"name":"Acme Roofing","timezone":"UTC"}')
tenant=$(printf '%s' "$created" | json subAccount.id)
TOKEN=$(printf '%s' "$created" | json accessToken)
week=""
for day in monday tuesday wednesday thursday friday saturday sunday; do
  week="$week${week:+,}\"$day\":[{\"start\":\"00:00\",\"end\":\"24:00\"}]"
done
api PUT "/api/v1/subaccounts/$tenant/schedule" "{\"timeZone\":\"UTC\",\"weeklyHours\":{$week}}" >/dev/null
api POST /api/v1/strategies '{"name":"Front desk","persona":"You are the receptionist of Acme Roofing.",
  "goal":"Book an inspection.","businessFacts":{"name":"Acme Roofing","hours":"Monday to Friday, 9am to 5pm"}}' >/dev/null
api POST /api/v1/phone-numbers '{"number":"+14155550199","channel":"both"}' >/dev/null

# 2. Signed requests (more than any run sends: each is new to the api).
total=$(( (DURATION + 2) * 4000 ))
python3 scripts/bench/sign_twilio.py "$TWILIO_TOKEN" "$PUBLIC/webhooks/twilio/voice" voice "$total" "$CALLERS" >"$WORK/voice.txt"
python3 scripts/bench/sign_twilio.py "$TWILIO_TOKEN" "$PUBLIC/webhooks/twilio/sms" sms "$total" "$CALLERS" >"$WORK/sms.txt"
# Warm the callers' leads (a real line's callers call again): one call each.
head -n "$CALLERS" "$WORK/voice.txt" | while IFS=$'\t' read -r signature body; do
  curl -fs -o /dev/null -H "X-Twilio-Signature: $signature" -d "$body" "$BASE/webhooks/twilio/voice" ||
    die "a signed call was refused"
done
tail -n +"$((CALLERS + 1))" "$WORK/voice.txt" >"$WORK/voice_load.txt"

run() { # label path file expected rate -> "rps p50 p99 requests non200"
  local out="$WORK/wrk_$1.txt"
  SIGNED_RATE=$5 wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s --latency \
    -s scripts/bench/signed_form.lua "$BASE$2" -- "$3" "$2" "$THREADS" "$4" >"$out" 2>&1 || die "wrk: $(cat "$out")"
  grep -q '^answers: 200=[0-9]* other=0 unexpected=0' "$out" || { cat "$out" >&2; die "$1: odd answers"; }
  awk 'function ms(v) { if (v ~ /us$/) return sprintf("%.2f", v / 1000); if (v ~ /ms$/) return sprintf("%.2f", v);
      if (v ~ /s$/) return sprintf("%.0f", v * 1000); return v }
    /Requests\/sec/ {rps = $2} /^ +50%/ {p50 = ms($2)} /^ +99%/ {p99 = ms($2)} / requests in / {n = $1}
    END {printf "%.0f %s %s %d\n", rps, p50, p99, n}' "$out"
}
health() { # rate -> "rps p50 p99 requests"
  local out="$WORK/wrk_health_$1.txt"
  printf 'x\t\n' >"$WORK/none.txt"
  SIGNED_RATE=$1 wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s scripts/bench/signed_form.lua \
    "$BASE/health/live" -- "$WORK/none.txt" /health/live "$THREADS" "" >"$out" 2>&1 || die "wrk: $(cat "$out")"
  awk 'function ms(v) { if (v ~ /us$/) return sprintf("%.2f", v / 1000); if (v ~ /ms$/) return sprintf("%.2f", v); return v }
    /Requests\/sec/ {rps = $2} /^ +50%/ {p50 = ms($2)} /^ +99%/ {p99 = ms($2)} / requests in / {n = $1}
    END {printf "%.0f %s %s %d\n", rps, p50, p99, n}' "$out"
}

PERF_PID=""
profile_start() { # run-name: perf record of the api while that run goes, when PROFILE names it
  [ "${PROFILE:-}" = "$1" ] || return 0
  command -v perf >/dev/null || die "PROFILE needs perf (apt-get install linux-perf)"
  local out="${PROFILE_OUT:-target/bench/channels-$1.perf.data}"
  mkdir -p "$(dirname "$out")"
  perf record -q -F 299 --call-graph dwarf,16384 -p "$API_PID" -o "$out" 2>"$WORK/perf.txt" &
  PERF_PID=$!
  say "profiling the api during the $1 run into $out"
}
profile_stop() {
  [ -n "$PERF_PID" ] || return 0
  kill -INT "$PERF_PID" 2>/dev/null || true
  wait "$PERF_PID" 2>/dev/null || true
  PERF_PID=""
}

say "load: $CONNECTIONS connections, ${DURATION}s per run"
health_max=$(health 0)
profile_start voice
voice_max=$(run voice /webhooks/twilio/voice "$WORK/voice_load.txt" "<Gather" 0)
profile_stop
profile_start sms
sms_max=$(run sms /webhooks/twilio/sms "$WORK/sms.txt" "<Response/>" 0)
profile_stop
tail -n +"$((total / 2))" "$WORK/sms.txt" >"$WORK/sms_paced.txt"
health_paced=$(health "$RATE")
voice_paced=$(run voice_paced /webhooks/twilio/voice "$WORK/voice_load.txt" "<Gather" "$RATE")
sms_paced=$(run sms_paced /webhooks/twilio/sms "$WORK/sms_paced.txt" "<Response/>" "$RATE")
say "ConversationRelay: $SESSIONS sessions × $PROMPTS prompts"
ws_sig=$(python3 - "$TWILIO_TOKEN" <<'PY'
import base64, hashlib, hmac, sys
url = "wss://bench.frontdesk.test/webhooks/twilio/relay"
print(base64.b64encode(hmac.new(sys.argv[1].encode(), url.encode(), hashlib.sha1).digest()).decode())
PY
)
profile_start relay
relay=$("$VENV/bin/python" scripts/bench/relay_first_token.py "ws://127.0.0.1:$PORT/webhooks/twilio/relay" "$ws_sig" \
  "$SESSIONS" "$PROMPTS" 2>"$WORK/relay_split.txt") || die "the relay benchmark failed: $(cat "$WORK/relay_split.txt")"
profile_stop
# The same at the goal's load: PACED_SESSIONS calls, each prompt GAP after
# the last reply, GAP = PACED_SESSIONS / RATE (other callers, numbers 1000 on).
gap=$(awk -v s="$PACED_SESSIONS" -v r="$RATE" 'BEGIN { printf "%.4f", s / r }')
say "ConversationRelay paced: $PACED_SESSIONS sessions × $PROMPTS prompts, ${gap}s between a reply and the next prompt"
buckets() { curl -fsS "$BASE/metrics" | grep '^relay_first_token_seconds_bucket' || true; }
buckets >"$WORK/relay_buckets_before.txt"
profile_start relay_paced
relay_paced=$("$VENV/bin/python" scripts/bench/relay_first_token.py "ws://127.0.0.1:$PORT/webhooks/twilio/relay" "$ws_sig" \
  "$PACED_SESSIONS" "$PROMPTS" "$gap" 1000 2>"$WORK/relay_paced_split.txt") ||
  die "the paced relay benchmark failed: $(cat "$WORK/relay_paced_split.txt")"
profile_stop
buckets >"$WORK/relay_buckets_after.txt"
# The api's own view of the paced run (relay_first_token_seconds, prompt
# received → first token handed to the socket): what the client sees beyond
# it is the sockets, the client and the host's scheduling.
server_view=$(python3 - "$WORK/relay_buckets_before.txt" "$WORK/relay_buckets_after.txt" <<'PY'
import re, sys
def read(path):
    out = {}
    for line in open(path):
        m = re.search(r'le="([^"]+)"\}\s+(\S+)', line)
        if m:
            out[m.group(1)] = float(m.group(2))
    return out
before, after = read(sys.argv[1]), read(sys.argv[2])
les = sorted((k for k in after if k != "+Inf"), key=float) + ["+Inf"]
total = after.get("+Inf", 0) - before.get("+Inf", 0)
if total <= 0:
    print("no samples"); sys.exit()
def share(le):
    return (after.get(le, 0) - before.get(le, 0)) / total
p99 = next((le for le in les if share(le) >= 0.99), "+Inf")
p50 = next((le for le in les if share(le) >= 0.50), "+Inf")
print("%d turns; %.1f%% within 5 ms; p50 ≤ %s ms, p99 ≤ %s ms (bucket bounds)" % (total, 100 * share("0.005"),
      p50 if p50 == "+Inf" else "%g" % (float(p50) * 1000), p99 if p99 == "+Inf" else "%g" % (float(p99) * 1000)))
PY
)

read -r h_rps h_p50 h_p99 _ <<<"$health_max"
read -r hp_rps hp_p50 hp_p99 _ <<<"$health_paced"
row() { # label "rps p50 p99 n" health-rps -> markdown row
  local rps p50 p99 n
  read -r rps p50 p99 n <<<"$2"
  awk -v l="$1" -v r="$rps" -v a="$p50" -v b="$p99" -v n="$n" -v h="$3" \
    'BEGIN { printf "| %s | %d | %s ms | %s ms | %d | %.2f× |\n", l, r, a, b, n, (h > 0 ? r / h : 0) }'
}
echo
echo "### Channels: webhook in → TwiML out ($(date -u +%Y-%m-%d), release build, PostgreSQL + Redis, $CONNECTIONS connections, ${DURATION}s)"
echo
echo "| run | req/s | p50 | p99 | requests | req/s ÷ /health/live |"
echo "|---|---|---|---|---|---|"
row "\`/health/live\` (the floor)" "$health_max" "$h_rps"
row "\`POST /webhooks/twilio/voice\` (greeting TwiML)" "$voice_max" "$h_rps"
row "\`POST /webhooks/twilio/sms\` (acknowledged, reply queued)" "$sms_max" "$h_rps"
row "\`/health/live\` paced at $RATE/s" "$health_paced" "$hp_rps"
row "voice paced at $RATE/s" "$voice_paced" "$hp_rps"
row "sms paced at $RATE/s" "$sms_paced" "$hp_rps"
read -r r50 r99 rmax rn rrate <<<"$relay"
read -r q50 q99 qmax qn qrate <<<"$relay_paced"
echo
echo "ConversationRelay, \`prompt\` → first \`text\` token (fallback model; goal p99 < 5 ms):"
echo
echo "| run | prompts/s | p50 | p99 | max | prompts |"
echo "|---|---|---|---|---|---|"
echo "| back to back: $SESSIONS sessions at once, no pause (stress) | $rrate | $r50 ms | $r99 ms | $rmax ms | $rn |"
echo "| paced: $PACED_SESSIONS sessions, ${gap}s between a reply and the next prompt | $qrate | $q50 ms | $q99 ms | $qmax ms | $qn |"
echo
echo "Paced health p99 $hp_p99 ms, p50 $hp_p50 ms; unpaced health p50 $h_p50 ms, p99 $h_p99 ms."
echo
echo "Split, back to back: $(cat "$WORK/relay_split.txt")"
echo "Split, paced: $(cat "$WORK/relay_paced_split.txt")"
echo "Paced, as the api measured it (prompt received → first token handed to the socket): $server_view"
