# shellcheck shell=bash
# Shared by the api benchmarks (bench_leads.sh, bench_bookings.sh, bench_login.sh, soak.sh), sourced
# after they set WORK, PG_ADMIN, PG_URL, DB, KEY_PREFIX, PORT, BASE and
# define say/die: the clean-up trap, starting the release api against the
# benchmark database with rate limits raised, and a curl wrapper.

API_PID=""
TOKEN=""
API_IDLE_RSS=""

api_rss() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$API_PID/status" 2>/dev/null; }

# Stops the api (its last log lines on failure), drops the database and the Redis keys.
cleanup() {
  local status=$?
  if [ -n "$API_PID" ]; then
    if [ "$status" -eq 0 ] && [ -n "$API_IDLE_RSS" ]; then
      printf -- '- api resident memory (VmRSS; MALLOC_ARENA_MAX=%s as in the image): idle %s MB after start-up, %s MB at the end of this benchmark\n' \
        "${MALLOC_ARENA_MAX:-2}" "$API_IDLE_RSS" "$(api_rss)"
    fi
    pkill -P "$API_PID" 2>/dev/null || true # the api itself when API_WRAPPER started it
    kill "$API_PID" 2>/dev/null || true
    wait "$API_PID" 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ] && [ -s "$WORK/api.log" ]; then
    say "last api log lines:"
    tail -n 20 "$WORK/api.log" >&2
  fi
  psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  redis-cli -h 127.0.0.1 -p 6379 --scan --pattern "$KEY_PREFIX*" 2>/dev/null |
    xargs -r redis-cli -h 127.0.0.1 -p 6379 unlink >/dev/null 2>&1 || true
  rm -rf "$WORK"
}

# start_api BIN: runs the api on the benchmark database and waits until it answers.
# Rate limits raised so the load generator measures the work, not the 429 path.
# API_WRAPPER (e.g. "heaptrack -o /tmp/api") runs the api under a profiler.
# The api applies its migrations at start-up.
start_api() {
  # shellcheck disable=SC2086 # API_WRAPPER is a command line
  DATABASE_URL="$PG_URL" REDIS_URL=redis://127.0.0.1:6379 REDIS_KEY_PREFIX="$KEY_PREFIX" PORT="$PORT" \
    DATABASE_MAX_CONNECTIONS=16 RUST_LOG=warn MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}" BCRYPT_COST="${API_BCRYPT_COST:-4}" \
    AUTH_RATE_LIMIT=1000000 API_RATE_LIMIT=100000000 ${API_WRAPPER:-} "$1" >"$WORK/api.log" 2>&1 &
  API_PID=$!
  for _ in $(seq 1 150); do
    curl -fs "$BASE/health/live" >/dev/null 2>&1 && break
    kill -0 "$API_PID" 2>/dev/null || die "the api exited at start-up"
    sleep 0.2
  done
  curl -fs "$BASE/health/live" >/dev/null || die "the api did not answer on $BASE/health/live within 30 s"
  sleep 2
  API_IDLE_RSS=$(api_rss)
}

api() { # method path [json body] -> response body on stdout; dies (with the body) on non-2xx
  local method=$1 path=$2 body=${3:-} code
  local args=(-s -o "$WORK/response" -w '%{http_code}' -X "$method" -H 'Content-Type: application/json')
  if [ -n "$TOKEN" ]; then args+=(-H "Authorization: Bearer $TOKEN"); fi
  if [ -n "$body" ]; then args+=(-d "$body"); fi
  code=$(curl "${args[@]}" "$BASE$path") || die "$method $path: no answer from the api"
  case "$code" in
    2??) cat "$WORK/response" ;;
    *) die "$method $path -> HTTP $code: $(cat "$WORK/response")" ;;
  esac
}

# api_on_fresh_database: for the short scripts (bench_login.sh, soak.sh): wrk
# and the services present, the release api built, the database created,
# the api started on it, and everything removed on exit.
api_on_fresh_database() {
  command -v wrk >/dev/null || apt_install wrk
  ensure_services
  say "building frontdesk-api (release)"
  cargo build --release -q -p frontdesk-api
  WORK=$(mktemp -d)
  trap cleanup EXIT
  psql "$PG_ADMIN" -qc "CREATE DATABASE $DB"
  start_api "$CARGO_TARGET_DIR/release/frontdesk-api"
}

field() { # dotted path -> value, from the JSON on stdin
  python3 -c 'import json,sys; d=json.load(sys.stdin)
for k in sys.argv[1].split("."): d=d[k]
print(d)' "$1"
}
