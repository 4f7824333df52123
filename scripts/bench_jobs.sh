#!/usr/bin/env bash
# shellcheck disable=SC2016  # backticks inside single quotes are markdown code spans, not substitutions
# Benchmarks background jobs: no-op jobs through the Redis Streams queue and
# the SQL queue (PostgreSQL) with 1 and 2 worker processes, the lead import
# at 100,000 rows, and in the same run the raw Redis and PostgreSQL work a job
# is made of, so figures read as ratios (absolute numbers on a shared 2-core
# machine drift by a third).
#
# Per scenario (A Redis 1 worker, B Redis 2 workers, C SQL 1 worker, D SQL 2
# workers; each on a queue and Redis key prefix of its own):
#   backlog  JOBS jobs enqueued with no worker running, then the worker(s)
#            start: drain rate = completions / (last − first completion)
#            (consumer side alone)
#   burst    JOBS jobs enqueued by ENQUEUE_CONCURRENCY producers while the
#            workers run: jobs/s = JOBS / (last completion − first enqueue),
#            latency = completion − enqueue (jobs.updated_at − created_at)
#   light    LIGHT_JOBS jobs at about LIGHT_RATE jobs/s into an idle queue
#            (the example run in batches of LIGHT_BATCH): the latency a job
#            sees when the queue is not backed up
# Producer: apps/worker/examples/enqueue.rs (prints its enqueue rate).
# Every figure is read back from the `jobs` table (status lives there for
# both backends), which is also where completions are polled.
#
# Import: the api (Redis job backend, no embedded worker) plus one worker;
# a CSV of IMPORT_ROWS valid leads uploaded to POST /api/v1/leads/import;
# rows/s = rows / (job updated_at − created_at).
#
# Baselines (same run): redis-benchmark XADD; pgbench of one job's SQL on
# each backend (scripts/bench/jobs_sql_cycle.sql, scripts/bench/jobs_redis_sql.sql).
#
# Env: JOBS (default 20000), WORKER_CONCURRENCY (per worker process; default as
#      docs/operations.md advises: 64 on the Redis queue, whose status writes are group
#      commits, 8 on the SQL queue, where more claimers contend on SKIP LOCKED),
#      WORKER_DB_CONNECTIONS (per worker process, default concurrency + 4, at most 32),
#      ENQUEUE_CONCURRENCY (producers, default 16), LIGHT_JOBS (300),
#      LIGHT_RATE (jobs/s, 50), LIGHT_BATCH (jobs per producer run, 5),
#      IMPORT_ROWS (100000), DURATION (s per baseline, default 10),
#      TIMEOUT (s to wait for a phase to complete, default 600),
#      PORT (api, default 8097), WORKER_PORT (first worker's, default 9097),
#      SCENARIOS (default "A B C D").
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/frontdesk-target}"
JOBS="${JOBS:-20000}"
REDIS_CONCURRENCY="${WORKER_CONCURRENCY:-64}"
SQL_CONCURRENCY="${WORKER_CONCURRENCY:-8}"
# Per worker process; capped at 32 so two processes stay inside PostgreSQL's default 100.
db_connections() { # concurrency
  echo "${WORKER_DB_CONNECTIONS:-$(($1 + 4 < 32 ? $1 + 4 : 32))}"
}
REDIS_DB_CONNECTIONS=$(db_connections "$REDIS_CONCURRENCY")
SQL_DB_CONNECTIONS=$(db_connections "$SQL_CONCURRENCY")
# Set per scenario by run_scenario (and for the import: the Redis queue's).
CONCURRENCY=$REDIS_CONCURRENCY
WORKER_DB_CONNECTIONS=$REDIS_DB_CONNECTIONS
ENQUEUE_CONCURRENCY="${ENQUEUE_CONCURRENCY:-16}"
LIGHT_JOBS="${LIGHT_JOBS:-300}"
LIGHT_RATE="${LIGHT_RATE:-50}"
LIGHT_BATCH="${LIGHT_BATCH:-5}"
IMPORT_ROWS="${IMPORT_ROWS:-100000}"
DURATION="${DURATION:-10}"
TIMEOUT="${TIMEOUT:-600}"
PORT="${PORT:-8097}"
FIRST_WORKER_PORT="${WORKER_PORT:-9097}"
SCENARIOS="${SCENARIOS:-A B C D}"
TARGET_PER_HOUR=100000
PG_ADMIN="${TEST_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}"
DB="fd_bench_jobs_$$"
PG_URL="${PG_ADMIN%/*}/$DB"
REDIS_URL="redis://127.0.0.1:6379"
KEY_PREFIX="bench_jobs:$$:"
BASE="http://127.0.0.1:$PORT"
BIN="$CARGO_TARGET_DIR/release"
EMAIL="bench-jobs-$$@example.com"
PASSWORD="Bench12345"

die() { printf '\033[1m[bench_jobs]\033[0m error: %s\n' "$*" >&2; exit 1; }
say() { printf '\033[1m[bench_jobs]\033[0m %s\n' "$*" >&2; }

# shellcheck source=scripts/services.sh
. scripts/services.sh
for tool in cargo curl psql pgbench redis-cli redis-benchmark python3 awk; do
  command -v "$tool" >/dev/null || die "$tool is required but not installed"
done
for n in "$JOBS" "$REDIS_CONCURRENCY" "$SQL_CONCURRENCY" "$ENQUEUE_CONCURRENCY" "$LIGHT_JOBS" "$LIGHT_RATE" "$LIGHT_BATCH" "$IMPORT_ROWS"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "JOBS, WORKER_CONCURRENCY, ENQUEUE_CONCURRENCY, LIGHT_*, IMPORT_ROWS must be positive integers (got $n)"
done
ensure_services

say "building frontdesk-api, frontdesk-worker and the enqueue example (release)"
# `--bins` too: with a target flag alone (`--example`) cargo builds only that target, not the binaries.
cargo build --release -q -p frontdesk-api -p frontdesk-worker --bins --example enqueue
for binary in frontdesk-api frontdesk-worker examples/enqueue; do
  [ -x "$BIN/$binary" ] || die "$BIN/$binary was not built"
done

WORK=$(mktemp -d)
PIDS=()   # the background processes started and not yet reaped (workers, api, producers)
API_PID=""
WORKER_PIDS=()
cleanup() {
  local status=$? pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "$status" -ne 0 ]; then
    for log in "$WORK"/*.log; do
      [ -s "$log" ] || continue
      say "last lines of $(basename "$log"):"
      tail -n 15 "$log" >&2
    done
  fi
  psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  redis-cli -h 127.0.0.1 -p 6379 --scan --pattern "$KEY_PREFIX*" 2>/dev/null |
    xargs -r redis-cli -h 127.0.0.1 -p 6379 unlink >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
forget() { # pids… : reaped, so no longer ours to signal (a pid can be reused once reaped)
  local keep=() p q
  for p in "${PIDS[@]}"; do
    for q in "$@"; do [ "$p" = "$q" ] && continue 2; done
    keep+=("$p")
  done
  PIDS=("${keep[@]}")
}
trap 'exit 130' INT TERM

psql "$PG_ADMIN" -qc "CREATE DATABASE $DB"
DATABASE_URL="$PG_URL" RUST_LOG=warn "$BIN/frontdesk-api" migrate >"$WORK/migrate.log" 2>&1 ||
  die "frontdesk-api migrate failed: $(cat "$WORK/migrate.log")"
psql_value() { psql "$PG_URL" -v ON_ERROR_STOP=1 -XAtqc "$1"; }
TENANT=$(psql_value "INSERT INTO tenants (id, name, timezone, country, created_at, updated_at)
  VALUES (gen_random_uuid(), 'Bench Jobs', 'UTC', NULL, now(), now()) RETURNING id")

# Helpers. Timestamps go to SQL as UTC text from the same clock the processes use.
stamp() { date -u +'%Y-%m-%d %H:%M:%S.%6N+00'; }
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

BACKEND="" QUEUE="" PREFIX=""
job_env() { # the settings every process of the current scenario shares
  printf '%s\n' "DATABASE_URL=$PG_URL" "REDIS_URL=$REDIS_URL" "REDIS_KEY_PREFIX=$PREFIX" \
    "JOB_BACKEND=$BACKEND" "JOB_QUEUE=$QUEUE" "RUN_MIGRATIONS=false" "RUST_LOG=warn" "FILES_DIR=$WORK/files"
}

enqueue() { # count concurrency -> the example's line ("enqueued N jobs in S s (R jobs/s)")
  local env_vars
  mapfile -t env_vars < <(job_env)
  # One SQL connection per producer: sqlx hands a released connection back to
  # its pool from a spawned task, so a pool allowed more connections than
  # producers opens new ones (a TLS + SCRAM handshake, ~100 ms here) when a
  # producer acquires again right after releasing, which a short-lived
  # producer would count as queue latency. Redis pool = WORKER_CONCURRENCY + 4.
  env "${env_vars[@]}" WORKER_CONCURRENCY="$2" DATABASE_MAX_CONNECTIONS="$2" \
    "$BIN/examples/enqueue" "$TENANT" "$1" "$2"
}

start_workers() { # n
  local env_vars i port
  mapfile -t env_vars < <(job_env)
  WORKER_PIDS=()
  for ((i = 0; i < $1; i++)); do
    port=$((FIRST_WORKER_PORT + i))
    port_free "$port" || die "port $port is in use (set WORKER_PORT)"
    env "${env_vars[@]}" MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}" WORKER_CONCURRENCY="$CONCURRENCY" WORKER_PORT="$port" \
      DATABASE_MAX_CONNECTIONS="$WORKER_DB_CONNECTIONS" SHUTDOWN_TIMEOUT_SECS=10 \
      "$BIN/frontdesk-worker" >>"$WORK/worker-$QUEUE-$i.log" 2>&1 &
    WORKER_PIDS+=($!)
    PIDS+=($!)
  done
  for ((i = 0; i < $1; i++)); do
    port=$((FIRST_WORKER_PORT + i))
    for _ in $(seq 1 150); do
      curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break
      kill -0 "${WORKER_PIDS[$i]}" 2>/dev/null || die "worker $i of queue $QUEUE exited at start-up"
      sleep 0.2
    done
    curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null || die "worker on port $port not ready within 30 s"
  done
}

workers_rss() { # each running worker's resident memory (MB), space-separated
  local pid out=""
  for pid in "${WORKER_PIDS[@]}"; do
    out+="$(awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$pid/status" 2>/dev/null || echo "?") "
  done
  echo "${out% }"
}

stop_workers() { # SIGTERM, then wait for each
  local pid
  for pid in "${WORKER_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${WORKER_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  forget "${WORKER_PIDS[@]}"
  WORKER_PIDS=()
}

histogram() { psql_value "SELECT string_agg(status || ' ' || n, ', ' ORDER BY status)
  FROM (SELECT status, count(*) AS n FROM jobs WHERE queue = '$QUEUE' GROUP BY status) s"; }

wait_completed() { # since count label: polls every 0.5 s until `count` jobs created since `since` completed
  local since=$1 count=$2 label=$3 deadline=$((SECONDS + TIMEOUT)) completed pid
  while :; do
    completed=$(psql_value "SELECT count(*) FROM jobs WHERE queue = '$QUEUE' AND status = 'completed' AND created_at >= '$since'")
    [ "$completed" -ge "$count" ] && return 0
    for pid in "${WORKER_PIDS[@]}"; do
      kill -0 "$pid" 2>/dev/null || die "$label: a worker of queue $QUEUE exited ($completed of $count completed; $(histogram))"
    done
    if [ "$SECONDS" -ge "$deadline" ]; then
      die "$label: only $completed of $count jobs completed within ${TIMEOUT}s; queue $QUEUE by status: $(histogram)"
    fi
    sleep 0.5
  done
}

phase_stats() { # since -> "n redelivered span_s drain_s enqueue_span_s p50_ms p99_ms max_ms"
  psql_value "SELECT count(*), count(*) FILTER (WHERE attempts > 1),
      extract(epoch FROM max(updated_at) - min(created_at)),
      extract(epoch FROM max(updated_at) - min(updated_at)),
      extract(epoch FROM max(created_at) - min(created_at)),
      percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM updated_at - created_at)::float8) * 1000,
      percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM updated_at - created_at)::float8) * 1000,
      extract(epoch FROM max(updated_at - created_at)) * 1000
    FROM jobs WHERE queue = '$QUEUE' AND status = 'completed' AND created_at >= '$1'" | tr '|' ' '
}

CLK_TCK=$(getconf CLK_TCK)
cpu_snapshot() { # -> "machine-busy machine-total workers postgres redis" (clock ticks; Redis in seconds)
  local machine workers=0 pid pg redis
  machine=$(awk '/^cpu / { busy = $2 + $3 + $4 + $7 + $8 + $9; print busy, busy + $5 + $6 }' /proc/stat)
  for pid in "${WORKER_PIDS[@]}"; do
    workers=$((workers + $(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  # The whole PostgreSQL server: every postgres process, plus the children the
  # postmaster reaped (exited backends: its cutime/cstime).
  pg=$(for pid in $(pgrep -x postgres); do cat "/proc/$pid/stat" 2>/dev/null; done |
    awk '{ s += $14 + $15 + $16 + $17 } END { print s + 0 }')
  redis=$(redis-cli -h 127.0.0.1 -p 6379 info cpu | tr -d '\r' | awk -F: '/^used_cpu_(sys|user):/ { s += $2 } END { printf "%.3f", s }')
  echo "$machine $workers $pg $redis"
}
cpu_per_job() { # before after jobs -> "workers-µs postgres-µs redis-µs machine-busy-%"
  awk -v a="$1" -v b="$2" -v n="$3" -v hz="$CLK_TCK" 'BEGIN {
    split(a, x, " "); split(b, y, " ")
    printf "%.0f %.0f %.0f %.0f", (y[3] - x[3]) / hz / n * 1e6, (y[4] - x[4]) / hz / n * 1e6, (y[5] - x[5]) / n * 1e6,
      (y[2] > x[2] ? 100 * (y[1] - x[1]) / (y[2] - x[2]) : 0) }'
}

claim_plan() { # EXPLAIN ANALYZE of the SQL queue's due-job claim on $QUEUE, rolled back
  printf '%s\n' "BEGIN;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_until = now() + interval '60 seconds',
       lease_token = 'x', updated_at = now()
 WHERE id = (SELECT id FROM jobs WHERE queue = '$QUEUE' AND status IN ('queued', 'failed') AND run_at <= now()
             ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED);
ROLLBACK;" | psql "$PG_URL" -v ON_ERROR_STOP=1 -XAtq
}
plan_summary() { # plan text on stdin -> "heap scan rows R (buffers B), sort S; T ms"
  awk '
    /^ *Planning:/ { planning = 1 }
    /^ *Buffers:/ && !planning && buffers == "" { buffers = $0; sub(/^ *Buffers: *(shared )?/, "", buffers) }
    /(Heap|Seq|Index) Scan/ && scan == "" { scan = $0; sub(/^ *(-> *)?/, "", scan); sub(/ on jobs( jobs_1)?/, "", scan)
      rows = scan; sub(/.*rows=/, "", rows); sub(/ .*/, "", rows); sub(/ *\(actual.*/, "", scan); scan = scan " " rows " rows" }
    /Sort Method/ { sort = $0; sub(/^ *Sort Method: */, "", sort); sub(/ +Memory.*/, "", sort) }
    /Execution Time/ { time = $3 }
    END { printf "%s, sort %s; buffers %s; %s ms", scan, (sort == "" ? "none" : sort), buffers, time }'
}

rate_of() { sed -n 's/.*(\([0-9.]*\) jobs\/s).*/\1/p' <<<"$1"; }

declare -A R # results by "<scenario>_<field>"
run_scenario() { # id backend workers
  local id=$1 workers=$3 t0 line n redelivered span enq_span drain p50 p99 max i batches interval
  BACKEND=$2
  if [ "$BACKEND" = redis ]; then
    CONCURRENCY=$REDIS_CONCURRENCY WORKER_DB_CONNECTIONS=$REDIS_DB_CONNECTIONS
  else
    CONCURRENCY=$SQL_CONCURRENCY WORKER_DB_CONNECTIONS=$SQL_DB_CONNECTIONS
  fi
  QUEUE="bench_${id,,}_$$"
  PREFIX="${KEY_PREFIX}${id,,}:"
  local plural=""
  if [ "$workers" -gt 1 ]; then plural=es; fi
  R[${id}_label]="$BACKEND queue, $workers worker process$plural × $CONCURRENCY"
  say "scenario $id: ${R[${id}_label]} (queue $QUEUE)"
  # Each scenario starts from a vacuumed table whatever ran before (what
  # autovacuum would have done between runs; it may be off on a test server).
  psql_value "VACUUM jobs"
  local started=$SECONDS

  # (i) backlog: enqueue with no worker running, then start the workers.
  t0=$(stamp)
  line=$(enqueue "$JOBS" "$ENQUEUE_CONCURRENCY") || die "enqueue failed: $line"
  R[${id}_enqueue_alone]=$(rate_of "$line")
  local cpu_before cpu_after
  # Statistics that know the queue, as autovacuum's ANALYZE would have them
  # on a queue in use. (Stats from before the queue existed make the planner
  # walk idx_jobs_claim on `queue` alone, i.e. every row the queue ever had,
  # completed ones included: a much slower claim.)
  psql_value "ANALYZE jobs"
  # The claim a worker makes first, with the whole backlog queued.
  if [ "$BACKEND" = sql ]; then R[${id}_plan_backlog]=$(claim_plan); fi
  cpu_before=$(cpu_snapshot)
  start_workers "$workers"
  # At readiness: the backlog is about to be claimed, so this is the start-up figure.
  R[${id}_rss_idle]=$(workers_rss)
  wait_completed "$t0" "$JOBS" "scenario $id backlog"
  cpu_after=$(cpu_snapshot)
  R[${id}_cpu]=$(cpu_per_job "$cpu_before" "$cpu_after" "$JOBS")
  read -r n redelivered _ drain _ _ _ _ <<<"$(phase_stats "$t0")"
  R[${id}_drain]=$(awk -v n="$n" -v s="$drain" 'BEGIN { printf "%.0f", (s > 0 ? (n - 1) / s : 0) }')
  R[${id}_redelivered]=$redelivered

  # (ii) burst: producers and workers at once.
  t0=$(stamp)
  line=$(enqueue "$JOBS" "$ENQUEUE_CONCURRENCY") || die "enqueue failed: $line"
  R[${id}_enqueue_burst]=$(rate_of "$line")
  wait_completed "$t0" "$JOBS" "scenario $id burst"
  read -r n redelivered span _ enq_span p50 p99 max <<<"$(phase_stats "$t0")"
  R[${id}_burst]=$(awk -v n="$n" -v s="$span" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')
  R[${id}_burst_span]=$(awk -v s="$span" -v e="$enq_span" 'BEGIN { printf "%.1f s (enqueueing %.1f s)", s, e }')
  R[${id}_burst_p50]=$p50 R[${id}_burst_p99]=$p99 R[${id}_burst_max]=$max
  R[${id}_redelivered]=$((${R[${id}_redelivered]} + redelivered))

  # (iii) light load: LIGHT_BATCH jobs every LIGHT_BATCH/LIGHT_RATE s into the idle queue.
  sleep 1
  batches=$(((LIGHT_JOBS + LIGHT_BATCH - 1) / LIGHT_BATCH))
  interval=$(awk -v b="$LIGHT_BATCH" -v r="$LIGHT_RATE" 'BEGIN { printf "%.3f", b / r }')
  t0=$(stamp)
  local producers=()
  for ((i = 0; i < batches; i++)); do
    enqueue "$LIGHT_BATCH" 1 >/dev/null &
    producers+=($!)
    PIDS+=($!)
    sleep "$interval"
  done
  for i in "${producers[@]}"; do wait "$i" || die "a light-load producer failed"; done
  forget "${producers[@]}"
  wait_completed "$t0" $((batches * LIGHT_BATCH)) "scenario $id light load"
  read -r n redelivered _ _ enq_span p50 p99 max <<<"$(phase_stats "$t0")"
  R[${id}_light_p50]=$p50 R[${id}_light_p99]=$p99 R[${id}_light_max]=$max
  R[${id}_light_rate]=$(awk -v n="$n" -v s="$enq_span" 'BEGIN { printf "%.0f", (s > 0 ? (n - 1) / s : 0) }')
  R[${id}_redelivered]=$((${R[${id}_redelivered]} + redelivered))
  R[${id}_workers_alive]=${#WORKER_PIDS[@]}
  R[${id}_rss_end]=$(workers_rss)

  if [ "$BACKEND" = sql ]; then
    # An empty claim on the queue as the run left it (every job completed),
    # which is what each idle consumer runs every 250 ms.
    R[${id}_plan_empty]=$(claim_plan)
  fi
  stop_workers
  R[${id}_seconds]=$((SECONDS - started))
  say "scenario $id done in ${R[${id}_seconds]} s: backlog ${R[${id}_drain]} jobs/s, burst ${R[${id}_burst]} jobs/s"
}

for id in $SCENARIOS; do
  case "$id" in
    A) run_scenario A redis 1 ;;
    B) run_scenario B redis 2 ;;
    C) run_scenario C sql 1 ;;
    D) run_scenario D sql 2 ;;
    *) die "unknown scenario $id (A B C D)" ;;
  esac
done

# What the runs did to the jobs table (cumulative statistics, before the baselines add rows).
read -r tup_ins tup_upd tup_hot dead_tup autovacuums heap_size index_size <<<"$(psql_value "SELECT n_tup_ins, n_tup_upd,
    n_tup_hot_upd, n_dead_tup, autovacuum_count, pg_size_pretty(pg_relation_size('jobs')),
    pg_size_pretty(pg_indexes_size('jobs')) FROM pg_stat_user_tables WHERE relname = 'jobs'" | tr ' |' '_ ')"

# Raw baselines, same run.
say "baselines: redis-benchmark XADD, pgbench of one job's SQL on each backend"
# Two processes' worth of database connections, as each backend's workers hold at most.
REDIS_CLIENTS=$((2 * REDIS_DB_CONNECTIONS))
SQL_CLIENTS=$((2 * SQL_DB_CONNECTIONS))
xadd=$(redis-benchmark -h 127.0.0.1 -p 6379 -c "$REDIS_CLIENTS" -n 200000 --csv XADD "${KEY_PREFIX}xadd" MAXLEN '~' 100000 '*' f v 2>/dev/null |
  awk -F'","' 'NR == 2 {print $2 + 0, $5 "ms", $7 "ms"}')
[ -n "$xadd" ] || die "redis-benchmark printed no result"
run_pgbench() { # label script queue clients -> "tps avg-latency-ms"
  local out="$WORK/pgbench_$1.txt"
  pgbench -n -M prepared -c "$4" -j 2 -T "$DURATION" -D tenant="$TENANT" -D queue="$3" -f "$2" "$PG_URL" >"$out" 2>&1 ||
    die "pgbench ($1) failed: $(cat "$out")"
  grep -Eq 'number of failed transactions: [1-9]|aborted' "$out" && die "pgbench ($1) had failures: $(cat "$out")"
  awk '/^tps = / {tps = $3} /^latency average/ {lat = $4} END {print tps + 0, lat}' "$out"
}
PGQ="bench_pgbench_$$"
psql_value "INSERT INTO jobs (id, tenant_id, queue, kind, payload, status, attempts, max_attempts, run_at, created_at, updated_at)
  SELECT gen_random_uuid(), '$TENANT', '$PGQ', 'noop', '{}', 'queued', 0, 5, now(), now(), now()
  FROM generate_series(1, 1000)" >/dev/null
pg_sql=$(run_pgbench sql_cycle scripts/bench/jobs_sql_cycle.sql "$PGQ" "$SQL_CLIENTS")
pg_redis=$(run_pgbench redis_sql scripts/bench/jobs_redis_sql.sql "${PGQ}_r" "$REDIS_CLIENTS")

# Import: the api (Redis queue, no embedded worker) and one worker, same files directory.
say "import: $IMPORT_ROWS rows through the api and one worker"
BACKEND=redis QUEUE="bench_import_$$" PREFIX="${KEY_PREFIX}import:"
CONCURRENCY=$REDIS_CONCURRENCY WORKER_DB_CONNECTIONS=$REDIS_DB_CONNECTIONS
mkdir -p "$WORK/files"
python3 scripts/bench/jobs_import_csv.py "$IMPORT_ROWS" "$WORK/leads.csv"
csv_bytes=$(wc -c <"$WORK/leads.csv" | tr -d ' ')
port_free "$PORT" || die "port $PORT is in use (set PORT)"
mapfile -t env_vars < <(job_env)
env "${env_vars[@]}" PORT="$PORT" EMBEDDED_WORKER=false DATABASE_MAX_CONNECTIONS=16 BCRYPT_COST=4 \
  AUTH_RATE_LIMIT=1000000 API_RATE_LIMIT=100000000 "$BIN/frontdesk-api" >"$WORK/api.log" 2>&1 &
API_PID=$!
PIDS+=("$API_PID")
for _ in $(seq 1 150); do
  curl -fs "$BASE/health/live" >/dev/null 2>&1 && break
  kill -0 "$API_PID" 2>/dev/null || die "the api exited at start-up"
  sleep 0.2
done
curl -fs "$BASE/health/live" >/dev/null || die "the api did not answer on $BASE/health/live within 30 s"
start_workers 1

TOKEN=""
api() { # method path [json body] -> response body; dies (with the body) on non-2xx
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
json() { # dotted path -> value, from the JSON on stdin
  python3 -c '
import json, sys
raw = sys.stdin.read()
if not raw.strip():
    sys.exit(1)
value = json.loads(raw)
for key in sys.argv[1].split("."):
    value = value[int(key)] if isinstance(value, list) else value[key]
print(json.dumps(value) if isinstance(value, (dict, list)) else value)' "$1"
}
TOKEN=$(api POST /api/v1/auth/register "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\",\"name\":\"Bench\"}" | json accessToken)
created=$(api POST /api/v1/subaccounts '{"name":"Bench Import","country":"US"}')
TOKEN=$(printf '%s' "$created" | json accessToken)
import_tenant=$(printf '%s' "$created" | json subAccount.id)

upload_start=$EPOCHREALTIME
code=$(curl -s -o "$WORK/response" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
  -F "file=@$WORK/leads.csv;filename=leads.csv" "$BASE/api/v1/leads/import") || die "upload: no answer from the api"
upload_end=$EPOCHREALTIME
[ "$code" = 202 ] || die "POST /api/v1/leads/import -> HTTP $code: $(cat "$WORK/response")"
job_id=$(json jobId <"$WORK/response")
deadline=$((SECONDS + TIMEOUT))
while :; do
  job=$(api GET "/api/v1/jobs/$job_id")
  job_status=$(printf '%s' "$job" | json status)
  case "$job_status" in
    completed) break ;;
    dead) die "the import job died: $job" ;;
  esac
  [ "$SECONDS" -lt "$deadline" ] || die "the import job did not complete within ${TIMEOUT}s: $job"
  sleep 0.5
done
import_end=$EPOCHREALTIME
stop_workers
result=$(printf '%s' "$job" | python3 -c '
import json, sys
r = json.load(sys.stdin)["result"]
print("total %(total)s, inserted %(inserted)s, duplicates %(duplicates)s, invalid %(invalid)s" % r)')
read -r job_seconds attempts <<<"$(psql_value "SELECT extract(epoch FROM updated_at - created_at), attempts
  FROM jobs WHERE id = '$job_id'" | tr '|' ' ')"
lead_rows=$(psql_value "SELECT count(*) FROM leads WHERE tenant_id = '$import_tenant' AND deleted_at IS NULL")
import_rate=$(awk -v n="$IMPORT_ROWS" -v s="$job_seconds" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')
wall=$(awk -v a="$upload_start" -v b="$import_end" -v u="$upload_end" -v n="$IMPORT_ROWS" \
  'BEGIN { printf "%.1f s from upload start to completion seen by polling (%.0f rows/s; upload answered 202 in %.0f ms)", b - a, n / (b - a), (u - a) * 1000 }')
jobs_rows=$(psql_value "SELECT count(*) FROM jobs")

# Report.
num() { awk -v v="$1" 'BEGIN { s = sprintf("%.0f", v); while (s ~ /[0-9]{4}/) sub(/[0-9]{3}($|,)/, ",&", s); sub(/,$/, "", s); print s }'; }
ms() { if awk -v v="$1" 'BEGIN { exit !(v < 10) }'; then awk -v v="$1" 'BEGIN { printf "%.1f ms", v }'; else echo "$(num "$1") ms"; fi; }
ratio() { awk -v r="$1" -v t="$TARGET_PER_HOUR" 'BEGIN { printf "%.0f ×", r / (t / 3600) }'; }
target=$(awk -v t="$TARGET_PER_HOUR" 'BEGIN { printf "%.1f", t / 3600 }')

echo
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r); $(psql_value 'SHOW server_version' | cut -d' ' -f1) PostgreSQL, Redis $(redis-cli -h 127.0.0.1 -p 6379 info server | sed -n 's/^redis_version:\([0-9.]*\).*/\1/p') (autovacuum $(psql_value 'SHOW autovacuum'), synchronous_commit $(psql_value 'SHOW synchronous_commit'))"
echo "jobs: $(num "$JOBS") per phase; WORKER_CONCURRENCY per worker process $REDIS_CONCURRENCY (Redis queue) / $SQL_CONCURRENCY (SQL queue); $ENQUEUE_CONCURRENCY concurrent producers; light load $LIGHT_JOBS jobs at ~$LIGHT_RATE/s in batches of $LIGHT_BATCH; design target $(num "$TARGET_PER_HOUR") jobs/hour = $target jobs/s"
printf '\n| scenario | backlog drain, jobs/s (÷ target) | burst, jobs/s (÷ target) | burst latency p50 / p99 / max | light-load latency p50 / p99 / max | enqueue rate alone / during burst (jobs/s) |\n|---|---|---|---|---|---|\n'
for id in $SCENARIOS; do
  printf '| %s: %s | %s (%s) | %s (%s) | %s / %s / %s | %s / %s / %s | %s / %s |\n' "$id" "${R[${id}_label]}" \
    "$(num "${R[${id}_drain]}")" "$(ratio "${R[${id}_drain]}")" "$(num "${R[${id}_burst]}")" "$(ratio "${R[${id}_burst]}")" \
    "$(ms "${R[${id}_burst_p50]}")" "$(ms "${R[${id}_burst_p99]}")" "$(ms "${R[${id}_burst_max]}")" \
    "$(ms "${R[${id}_light_p50]}")" "$(ms "${R[${id}_light_p99]}")" "$(ms "${R[${id}_light_max]}")" \
    "$(num "${R[${id}_enqueue_alone]}")" "$(num "${R[${id}_enqueue_burst]}")"
done
printf '\n'
for id in $SCENARIOS; do
  read -r cpu_w cpu_pg cpu_r busy <<<"${R[${id}_cpu]}"
  printf -- '- %s: burst took %s; light load arrived at %s jobs/s; jobs run more than once: %s; scenario took %s s\n' \
    "$id" "${R[${id}_burst_span]}" "${R[${id}_light_rate]}" "${R[${id}_redelivered]}" "${R[${id}_seconds]}"
  printf -- '  worker resident memory (VmRSS, MB per process): at readiness %s, after the three phases %s\n' \
    "${R[${id}_rss_idle]}" "${R[${id}_rss_end]}"
  printf -- '  CPU per job during the backlog drain: worker process(es) %s µs, PostgreSQL %s µs, Redis %s µs (sum %s µs: %s cores allow ≈ %s jobs/s); machine busy %s%%\n' \
    "$cpu_w" "$cpu_pg" "$cpu_r" $((cpu_w + cpu_pg + cpu_r)) "$(nproc)" \
    "$(num "$(awk -v s=$((cpu_w + cpu_pg + cpu_r)) -v c="$(nproc)" 'BEGIN { print (s > 0 ? c * 1e6 / s : 0) }')")" "$busy"
done
plan_shown=""
for id in $SCENARIOS; do
  [ -n "${R[${id}_plan_backlog]:-}" ] || continue
  printf -- '- %s claim (EXPLAIN ANALYZE, rolled back) with %s jobs queued: %s; empty, after the run: %s\n' "$id" "$(num "$JOBS")" \
    "$(plan_summary <<<"${R[${id}_plan_backlog]}")" "$(plan_summary <<<"${R[${id}_plan_empty]}")"
  if [ -z "$plan_shown" ]; then
    plan_shown=$id
    printf '\n%s: the claim with the backlog queued:\n\n```\n%s\n```\n\nand empty, after the run:\n\n```\n%s\n```\n' \
      "$id" "${R[${id}_plan_backlog]}" "${R[${id}_plan_empty]}"
  fi
done

read -r xadd_rps xadd_p50 xadd_p99 <<<"$xadd"
read -r pg_sql_tps pg_sql_lat <<<"$pg_sql"
read -r pg_redis_tps pg_redis_lat <<<"$pg_redis"
printf '\n| raw baseline (same run, %s s; clients: 2 × a worker process'"'"'s connections, %s for Redis-queue figures, %s for SQL-queue ones) | per second | latency | what it measures |\n|---|---|---|---|\n' "$DURATION" "$REDIS_CLIENTS" "$SQL_CLIENTS"
printf '| redis-benchmark `XADD` | %s | p50 %s, p99 %s | one stream append; a job on the Redis queue costs three Lua scripts (enqueue, claim, settle) plus the blocking read |\n' \
  "$(num "$xadd_rps")" "$xadd_p50" "$xadd_p99"
printf '| pgbench `jobs_sql_cycle.sql` | %s | avg %s ms | one job on the SQL queue: INSERT + SKIP LOCKED claim + completion UPDATE, autocommitted, on the `jobs` table (backlog of 1,000 queued rows) |\n' \
  "$(num "$pg_sql_tps")" "$pg_sql_lat"
printf '| pgbench `jobs_redis_sql.sql` | %s | avg %s ms | the SQL half of one job on the Redis queue: INSERT + start (UPDATE … RETURNING) + fenced completion UPDATE |\n' \
  "$(num "$pg_redis_tps")" "$pg_redis_lat"
for id in $SCENARIOS; do
  case "$id" in
    A | B) raw=$pg_redis_tps ;;
    *) raw=$pg_sql_tps ;;
  esac
  awk -v id="$id" -v d="${R[${id}_drain]}" -v b="${R[${id}_burst]}" -v r="$raw" \
    'BEGIN { if (r > 0) printf "- %s: backlog drain = %.2f × its raw SQL cycle, burst = %.2f ×\n", id, d / r, b / r }'
done

printf '\nImport (%s rows, %s bytes of CSV; Redis queue, api without embedded worker, 1 worker process):\n\n' "$(num "$IMPORT_ROWS")" "$(num "$csv_bytes")"
printf '| figure | value |\n|---|---|\n'
printf '| rows/s (rows ÷ job updated_at − created_at) | %s |\n' "$(num "$import_rate")"
printf '| job time (queued to completed) | %.1f s |\n' "$job_seconds"
printf '| wall time seen by the script | %s |\n' "$wall"
printf '| job result | %s (attempts %s) |\n' "$result" "$attempts"
printf '| live leads in the sub-account afterwards | %s |\n' "$(num "$lead_rows")"
printf '\n`jobs` table after the scenarios: %s rows inserted, %s updates of which %s HOT (an update that changes `status`, a column of idx_jobs_claim, cannot be HOT, so it adds an entry to every index), %s dead row versions, %s autovacuum runs; heap %s, indexes %s. At the very end: %s rows.\n' \
  "$(num "$tup_ins")" "$(num "$tup_upd")" "$(num "$tup_hot")" "$(num "$dead_tup")" "$autovacuums" "${heap_size//_/ }" "${index_size//_/ }" "$(num "$jobs_rows")"
cat <<EOF

Notes:
- Target: $(num "$TARGET_PER_HOUR") jobs/hour = $target jobs/s; "÷ target" is the measured rate over that.
- Backlog drain: $(num "$JOBS") jobs queued with no worker running, then the worker(s) started;
  (completions − 1) ÷ (last − first completion): the consumer side alone.
- Burst: $(num "$JOBS") jobs from $ENQUEUE_CONCURRENCY concurrent producers (one process) while the workers run;
  jobs ÷ (last completion − first enqueue), so producer and workers share the $(nproc) cores.
  Latency = jobs.updated_at − created_at (completion − enqueue).
- Light load: $LIGHT_JOBS jobs in batches of $LIGHT_BATCH, one producer process per batch (one SQL
  connection each) at ~$LIGHT_RATE jobs/s into an idle queue. On the SQL queue an idle consumer
  polls every 250 ms (SqlQueueConfig::DEFAULT_POLL_INTERVAL), which bounds that latency.
- Workers: WORKER_CONCURRENCY=$REDIS_CONCURRENCY (Redis queue) / $SQL_CONCURRENCY (SQL queue), DATABASE_MAX_CONNECTIONS=$REDIS_DB_CONNECTIONS / $SQL_DB_CONNECTIONS each, RUST_LOG=warn;
  Redis pool = WORKER_CONCURRENCY + 4 (crates/runtime/src/stores.rs).
- CPU per job: worker processes from /proc/<pid>/stat, the whole PostgreSQL server (all postgres
  processes plus reaped backends), Redis from INFO cpu, over the backlog drain (start-up included);
  machine busy is /proc/stat over the same window and counts anything else running on the host.
- Everything (producers, workers, api, PostgreSQL, Redis) shares the same $(nproc) cores: read the
  ratios, not the absolute numbers.
EOF
