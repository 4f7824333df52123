#!/usr/bin/env bash
# shellcheck disable=SC2016  # backticks inside single quotes are markdown code spans, not substitutions
# Load-tests the leads API at realistic size and, in the same run, the raw SQL
# (pgbench) and Redis (redis-benchmark) work each path is made of, so figures
# read as ratios (absolute numbers on a shared 2-core machine drift by a third).
#
# Data: 100,000 leads in the benchmark tenant plus 9 other tenants with
# 10,000 each, seeded with one INSERT … SELECT generate_series per tenant
# (scripts/bench/seed_leads.sql), then VACUUM ANALYZE.
#
#   GET  /api/v1/leads?limit=20            first page + total  vs scripts/bench/leads_list.sql (OFFSET 0)
#                                                              and scripts/bench/leads_page.sql (the page alone)
#   GET  /api/v1/leads?limit=20&page=2500  deep page + total   vs scripts/bench/leads_list.sql (OFFSET 49980)
#   GET  /api/v1/leads?limit=20&cursor=…   the same depth      vs scripts/bench/leads_page_after.sql (keyset)
#   GET  /api/v1/leads?q=<last name>       ~1% of the tenant   vs scripts/bench/leads_search.sql
#   GET  /api/v1/leads/{id}                cache hit           vs scripts/bench/lead_get.sql and a Redis GET
#   POST /api/v1/leads                     unique phone/email  vs scripts/bench/lead_insert.sql
#                                          and scripts/bench/lead_create.sql (its own statement)
#                                          (scripts/bench/create_lead.lua makes the bodies)
#
# Env: DURATION (s, default 10), CONNECTIONS (default 32), PORT (default 8098),
#      Q (the search fragment, default okafor: a seeded last name on 1% of rows).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/frontdesk-target}"
DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-32}"
PORT="${PORT:-8098}"
Q="${Q:-okafor}"
DEEP_PAGE=2500
DEEP_OFFSET=$(((DEEP_PAGE - 1) * 20))
PG_ADMIN="${TEST_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}"
DB="fd_bench_leads_$$"
PG_URL="${PG_ADMIN%/*}/$DB"
BASE="http://127.0.0.1:$PORT"
KEY_PREFIX="bench_leads:$$:"
EMAIL="bench-leads-$$@example.com"
PASSWORD="Bench12345"
LEAD_COLUMNS="id, tenant_id, name, phone, email, status, source, notes, metadata, assigned_to, version, created_at, updated_at, deleted_at"

die() { printf '\033[1m[bench_leads]\033[0m error: %s\n' "$*" >&2; exit 1; }
say() { printf '\033[1m[bench_leads]\033[0m %s\n' "$*" >&2; }

# shellcheck source=scripts/services.sh
. scripts/services.sh
command -v wrk >/dev/null || apt_install wrk
for tool in cargo curl psql pgbench redis-cli redis-benchmark python3 awk wrk; do
  command -v "$tool" >/dev/null || die "$tool is required but not installed"
done
ensure_services

say "building frontdesk-api (release)"
cargo build --release -q -p frontdesk-api

WORK=$(mktemp -d)
# shellcheck source=scripts/bench/api_lib.sh
. scripts/bench/api_lib.sh
trap cleanup EXIT
psql "$PG_ADMIN" -qc "CREATE DATABASE $DB"
start_api "$CARGO_TARGET_DIR/release/frontdesk-api"
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

# 1. A user, its sub-account (the benchmark tenant) and a token that acts in it.
session=$(api POST /api/v1/auth/register "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\",\"name\":\"Bench\"}")
user_id=$(printf '%s' "$session" | json user.id)
TOKEN=$(printf '%s' "$session" | json accessToken)
created=$(api POST /api/v1/subaccounts '{"name":"Bench Roofing","timezone":"America/New_York"}')
tenant=$(printf '%s' "$created" | json subAccount.id id)
login

# 2. Seed: one statement per tenant, then VACUUM ANALYZE.
say "seeding 100,000 leads in tenant $tenant and 9 tenants × 10,000"
seed_start=$EPOCHREALTIME
psql "$PG_URL" -v ON_ERROR_STOP=1 -q -v tenant="$tenant" -v count=100000 -f scripts/bench/seed_leads.sql
seed_main=$EPOCHREALTIME
for n in 1 2 3 4 5 6 7 8 9; do
  other=$(psql_value "INSERT INTO tenants (id, name, timezone, country, created_at, updated_at)
    VALUES (gen_random_uuid(), 'Other Tenant $n', 'UTC', NULL, now(), now()) RETURNING id")
  psql "$PG_URL" -v ON_ERROR_STOP=1 -q -v tenant="$other" -v count=10000 -f scripts/bench/seed_leads.sql
done
seed_others=$EPOCHREALTIME
psql "$PG_URL" -v ON_ERROR_STOP=1 -qc 'VACUUM ANALYZE leads'
seed_end=$EPOCHREALTIME
seeding=$(awk -v a="$seed_start" -v b="$seed_main" -v c="$seed_others" -v d="$seed_end" \
  'BEGIN { printf "%.1f s (100k-lead tenant %.1f s, 9 × 10k %.1f s, VACUUM ANALYZE %.1f s)", d - a, b - a, c - b, d - c }')
sizes=$(psql_value "SELECT pg_size_pretty(pg_total_relation_size('leads')) || ' total: heap ' ||
  pg_size_pretty(pg_relation_size('leads')) || ', indexes ' || pg_size_pretty(pg_indexes_size('leads')) ||
  ' (trigram ' || pg_size_pretty(pg_relation_size('idx_leads_search_trgm')) || '); ' || count(*) || ' rows' FROM leads")
q_rows=$(psql_value "SELECT count(*) FROM leads WHERE tenant_id = '$tenant' AND deleted_at IS NULL AND search LIKE '%$Q%'")
lead_id=$(psql_value "SELECT id FROM leads WHERE tenant_id = '$tenant' ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET 100")
# The cursor after the last lead of page 2,499 (what nextCursor would say there): hex of "cd|<id>|<nanos>".
IFS='|' read -r deep_id deep_at deep_nanos <<<"$(psql_value "SELECT id || '|' || to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') || '|' ||
  ((extract(epoch FROM created_at) * 1000000)::bigint * 1000) FROM leads WHERE tenant_id = '$tenant' AND deleted_at IS NULL
  ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET $((DEEP_OFFSET - 1))")"
deep_cursor=$(printf 'cd|%s|%s' "$deep_id" "$deep_nanos" | od -An -tx1 | tr -d ' \n')

# One request per path first: any non-2xx stops here with the body.
say "checking each path once"
describe() { python3 -c '
import json, sys
raw = sys.stdin.read()
if not raw.strip():
    sys.exit(1)  # the request failed and said so already
doc = json.loads(raw)
data = doc.get("data") if isinstance(doc, dict) else None
total = doc.get("total") if isinstance(doc, dict) else None
print(f"total={total}, {len(data)} rows" if isinstance(data, list) else f"{len(json.dumps(doc))} bytes")'; }
check_first=$(api GET "/api/v1/leads?limit=20" | describe)
check_deep=$(api GET "/api/v1/leads?limit=20&page=$DEEP_PAGE" | describe)
check_cursor=$(api GET "/api/v1/leads?limit=20&cursor=$deep_cursor" | describe)
[ "$(api GET "/api/v1/leads?limit=20&cursor=$deep_cursor" | json data.0.id)" = \
  "$(api GET "/api/v1/leads?limit=20&page=$DEEP_PAGE" | json data.0.id)" ] || say "warning: the cursor page is not page $DEEP_PAGE"
check_q=$(api GET "/api/v1/leads?q=$Q" | describe)
api GET "/api/v1/leads/$lead_id" >"$WORK/lead.json"
api_total() { sed -n 's/^total=\([0-9]*\),.*/\1/p' <<<"$1"; }
[ "$(api_total "$check_first")" = 100000 ] || say "warning: expected total=100000 on the first page, got $check_first"
[ "$(api_total "$check_q")" = "$q_rows" ] || say "warning: q=$Q gave $check_q from the api but $q_rows rows in SQL"

# 3. The api under load.
run_wrk() { # label path [wrk options…] -> "req/s p50 p99 requests non-2xx"; dies above 1% non-2xx
  local label=$1 path=$2 out stats
  shift 2
  out="$WORK/wrk_$label.txt"
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "Authorization: Bearer $TOKEN" "$@" "$BASE$path" >"$out" 2>&1 ||
    die "wrk failed on $path: $(cat "$out")"
  stats=$(awk 'function ms(v) { # wrk prints 812.00us, 1.52ms or 1.02s
      if (v ~ /us$/) return sprintf("%.2fms", v / 1000)
      if (v ~ /ms$/) return sprintf("%.2fms", v)
      if (v ~ /s$/) return sprintf("%.0fms", v * 1000)
      return v }
    /Requests\/sec/ {rps = $2} /^ +50%/ {p50 = ms($2)} /^ +99%/ {p99 = ms($2)}
    / requests in / {n = $1} /Non-2xx or 3xx responses/ {bad = $NF}
    END {print rps + 0, p50, p99, n + 0, bad + 0}' "$out")
  read -r _ _ _ n bad <<<"$stats"
  [ "$n" -gt 0 ] || die "wrk made no requests on $path: $(cat "$out")"
  if [ $((bad * 100)) -gt "$n" ]; then
    cat "$out" >&2
    local sample=(-X GET)
    if [ "$label" = create ]; then
      sample=(-X POST -H 'Content-Type: application/json'
        -d '{"name":"Bench Lead 0-1","phone":"+12128999999","email":"bench.t0.1@example.com"}')
    fi
    say "one request of the same shape answers: $(curl -s -w ' (HTTP %{http_code})' "${sample[@]}" \
      -H "Authorization: Bearer $TOKEN" "$BASE$path")"
    die "$label: $bad of $n responses to $path were not 2xx (more than 1%)"
  fi
  grep -q 'Socket errors' "$out" && say "$label: $(grep 'Socket errors' "$out" | sed 's/^ *//')"
  echo "$stats"
}
say "load: $CONNECTIONS connections, ${DURATION}s per path"
login; first=$(run_wrk first "/api/v1/leads?limit=20")
login; deep=$(run_wrk deep "/api/v1/leads?limit=20&page=$DEEP_PAGE")
login; cursor=$(run_wrk cursor "/api/v1/leads?limit=20&cursor=$deep_cursor")
login; search=$(run_wrk search "/api/v1/leads?q=$Q")
# Warm the cache right before (entries live 180 s), then keep a copy of
# the entry without expiry for the raw Redis GET below.
login; api GET "/api/v1/leads/$lead_id" >/dev/null
cache_key="${KEY_PREFIX}lead:$tenant:$lead_id"
if [ "$(redis-cli -h 127.0.0.1 -p 6379 copy "$cache_key" "${KEY_PREFIX}raw_get" replace)" = "1" ]; then
  redis-cli -h 127.0.0.1 -p 6379 persist "${KEY_PREFIX}raw_get" >/dev/null
  cache_note="the api's own cache entry ($cache_key)"
else
  say "warning: no cache entry at $cache_key after a GET; the by-id run may not measure cache hits"
  redis-cli -h 127.0.0.1 -p 6379 -x set "${KEY_PREFIX}raw_get" <"$WORK/lead.json" >/dev/null
  cache_note="the lead's JSON response (no cache entry was found at $cache_key)"
fi
cache_bytes=$(redis-cli -h 127.0.0.1 -p 6379 strlen "${KEY_PREFIX}raw_get")
get=$(run_wrk get "/api/v1/leads/$lead_id")

# 4. Raw baselines, same run, same concurrency. pgbench prepares its
# statements (-M prepared) as the api's driver does.
run_pgbench() { # label pgbench-options… -> "tps avg-latency-ms"
  local label=$1 out="$WORK/pgbench_$1.txt"
  shift
  pgbench -n -M prepared -c "$CONNECTIONS" -j 2 -T "$DURATION" "$@" "$PG_URL" >"$out" 2>&1 ||
    die "pgbench ($label) failed: $(cat "$out")"
  awk '/^tps = / {tps = $3} /^latency average/ {lat = $4} END {print tps + 0, lat}' "$out"
}
pg_first=$(run_pgbench first -f scripts/bench/leads_list.sql -D tenant="$tenant" -D offset=0)
pg_deep=$(run_pgbench deep -f scripts/bench/leads_list.sql -D tenant="$tenant" -D offset="$DEEP_OFFSET")
pg_page=$(run_pgbench page -f scripts/bench/leads_page.sql -D tenant="$tenant")
pg_after=$(run_pgbench after -f scripts/bench/leads_page_after.sql -D tenant="$tenant" -D at="$deep_at" -D id="$deep_id")
pg_search=$(run_pgbench search -f scripts/bench/leads_search.sql -D tenant="$tenant" -D pattern="%$Q%")
pg_get=$(run_pgbench get -f scripts/bench/lead_get.sql -D tenant="$tenant" -D lead="$lead_id")
pg_member=$(run_pgbench membership -f scripts/bench/membership.sql -D user="$user_id")
# A cache hit is one Redis GET of the cached lead.
redis=$(redis-benchmark -h 127.0.0.1 -p 6379 -c "$CONNECTIONS" -n 200000 --csv GET "${KEY_PREFIX}raw_get" 2>/dev/null |
  awk -F'","' 'NR == 2 {print $2 + 0, $5 "ms", $7 "ms"}')
[ -n "$redis" ] || die "redis-benchmark printed no result"

# Plans of the read queries, on the seeded table before the writes below.
explain() { # label sql -> "- label: top node ← scan nodes; buffers; execution time"
  psql "$PG_URL" -v ON_ERROR_STOP=1 -Atqc "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) $2" | awk -v label="$1" '
    NR == 1 { top = $0; sub(/ *\(actual.*/, "", top) }
    NR == 2 && /Buffers:/ { buffers = $0; sub(/^ *Buffers: */, "", buffers) }
    NR > 1 && /Scan/ && !/^ *(Heap|Rows|Buffers)/ {
      node = $0; rows = $0
      sub(/^ *(-> *)?/, "", node); sub(/ *\(actual.*/, "", node)
      sub(/.*rows=/, "", rows); sub(/ .*/, "", rows)
      scans = scans (scans == "" ? "" : " + ") node " (" rows " rows)"
    }
    /Execution Time/ { time = $3 " ms" }
    END { printf "- %s: %s ← %s; buffers %s; %s\n", label, top, scans, buffers, time }'
}
tenant_live="FROM leads WHERE tenant_id = '$tenant' AND deleted_at IS NULL"
page="SELECT $LEAD_COLUMNS $tenant_live"
plans=$(
  explain "first page" "$page ORDER BY created_at DESC, id DESC LIMIT 20 OFFSET 0"
  explain "deep page" "$page ORDER BY created_at DESC, id DESC LIMIT 20 OFFSET $DEEP_OFFSET"
  explain "total" "SELECT COUNT(*) $tenant_live"
  explain "q page" "$page AND search LIKE '%$Q%' ESCAPE '\\' ORDER BY created_at DESC, id DESC LIMIT 20 OFFSET 0"
  explain "q total" "SELECT COUNT(*) $tenant_live AND search LIKE '%$Q%' ESCAPE '\\'"
)

# Writes last: they grow the tenant the reads above measured.
login
post_body=$(api POST /api/v1/leads '{"name":"Bench Check","phone":"+12208000001","email":"bench.check@example.com"}')
check_post=$(printf '%s' "$post_body" | json id 2>/dev/null || echo "a lead")
create=$(run_wrk create /api/v1/leads -s scripts/bench/create_lead.lua)
created_rows=$(psql_value "SELECT count(*) FROM leads WHERE tenant_id = '$tenant' AND name LIKE 'Bench Lead %'")
pg_insert=$(run_pgbench insert -f scripts/bench/lead_insert.sql -D tenant="$tenant")
pg_create=$(run_pgbench create -f scripts/bench/lead_create.sql -D tenant="$tenant")

# 5. Report.
ratio() { # first fields a, b -> "a/b ×"
  awk -v a="${1%% *}" -v b="${2%% *}" 'BEGIN { if (b <= 0) print "n/a"; else printf (a / b < 0.1 ? "%.3f ×" : "%.2f ×"), a / b }'
}
num() { # first field, rounded, with thousands separators
  awk -v v="${1%% *}" 'BEGIN { s = sprintf("%.0f", v); while (s ~ /[0-9]{4}/) sub(/[0-9]{3}($|,)/, ",&", s); sub(/,$/, "", s); print s }'
}
row() { # label api-stats raw-stats
  local rps p50 p99
  read -r rps p50 p99 _ <<<"$2"
  printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "$(num "$rps")" "$p50" "$p99" "$(num "$3")" "$(ratio "$2" "$3")"
}
read -r _ redis_p50 redis_p99 <<<"$redis"

echo
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r); $CONNECTIONS connections, ${DURATION}s per path"
echo "seeding: $seeding"
echo "leads table: $sizes"
echo "q=$Q matches $q_rows of the tenant's 100,000 live leads"
echo "api checks: first page $check_first; page $DEEP_PAGE $check_deep; cursor at the same depth $check_cursor; q $check_q; GET lead $lead_id ($(wc -c <"$WORK/lead.json" | tr -d ' ') bytes of JSON); POST created $check_post"
printf '\n| path | req/s | p50 | p99 | raw DB equivalent (tps) | ratio (api ÷ raw) |\n|---|---|---|---|---|---|\n'
row '`GET /api/v1/leads?limit=20` (page 1 + total)' "$first" "$pg_first"
row '`GET /api/v1/leads?limit=20` (page 1 + counter total) vs the page query alone' "$first" "$pg_page"
row "\`GET /api/v1/leads?limit=20&page=$DEEP_PAGE\` (OFFSET $DEEP_OFFSET + total)" "$deep" "$pg_deep"
row "\`GET /api/v1/leads?limit=20&cursor=…\` (the same depth, keyset) vs the keyset query alone" "$cursor" "$pg_after"
row "\`GET /api/v1/leads?q=$Q\` ($q_rows matches: page 1 + total)" "$search" "$pg_search"
read -r get_rps get_p50 get_p99 _ <<<"$get"
printf '| `GET /api/v1/leads/{id}` (cache hit) | %s | %s | %s | %s (SELECT by id) · %s (Redis GET) | %s SELECT · %s Redis GET |\n' \
  "$(num "$get_rps")" "$get_p50" "$get_p99" "$(num "$pg_get")" "$(num "$redis")" "$(ratio "$get" "$pg_get")" "$(ratio "$get" "$redis")"
row '`POST /api/v1/leads` (unique phone + email)' "$create" "$pg_insert"
row '`POST /api/v1/leads` vs its own statement (lead + outbox row + counter shard)' "$create" "$pg_create"

printf '\n| raw baseline (same run, %s clients) | tps | latency |\n|---|---|---|\n' "$CONNECTIONS"
printf '| pgbench `leads_list.sql` OFFSET 0: page + COUNT(*) | %s | avg %s ms |\n' "$(num "$pg_first")" "${pg_first#* }"
printf '| pgbench `leads_list.sql` OFFSET %s: page + COUNT(*) | %s | avg %s ms |\n' "$DEEP_OFFSET" "$(num "$pg_deep")" "${pg_deep#* }"
printf '| pgbench `leads_page.sql`: page 1 alone | %s | avg %s ms |\n' "$(num "$pg_page")" "${pg_page#* }"
printf '| pgbench `leads_page_after.sql`: the keyset page at the same depth | %s | avg %s ms |\n' "$(num "$pg_after")" "${pg_after#* }"
printf "| pgbench \`leads_search.sql\` (LIKE '%%%s%%'): page + COUNT(*) | %s | avg %s ms |\n" "$Q" "$(num "$pg_search")" "${pg_search#* }"
printf '| pgbench `lead_get.sql`: one lead by tenant + id | %s | avg %s ms |\n' "$(num "$pg_get")" "${pg_get#* }"
printf '| redis-benchmark GET of the cached lead (%s bytes) | %s | p50 %s, p99 %s |\n' "$cache_bytes" "$(num "$redis")" "$redis_p50" "$redis_p99"
printf '| pgbench `lead_insert.sql`: one INSERT (ON CONFLICT DO NOTHING) | %s | avg %s ms |\n' "$(num "$pg_insert")" "${pg_insert#* }"
printf '| pgbench `lead_create.sql`: the create statement (lead, `lead.created` outbox row, counter shard) | %s | avg %s ms |\n' "$(num "$pg_create")" "${pg_create#* }"
printf '| pgbench `membership.sql`: the per-request tenant lookup | %s | avg %s ms |\n' "$(num "$pg_member")" "${pg_member#* }"

printf '\nPlans (EXPLAIN ANALYZE, BUFFERS on the seeded table, after the read runs):\n\n%s\n' "$plans"
read -r _ _ _ create_requests _ <<<"$create"
cat <<EOF

Notes:
- Per request the api also verifies the JWT, counts the rate limit (locally; an EVAL on
  Redis every 16th request) and reads the caller's membership from its per-process cache
  (the SELECT it replaces: $(num "$pg_member") tps alone) before the leads queries.
- The api's pool has 16 connections; pgbench uses $CONNECTIONS. On the heavy list paths
  (COUNT(*) over the tenant) fewer concurrent queries can do better on few cores, so a
  ratio near or above 1 there means "bound by the SQL", not "faster than the database".
- wrk, pgbench, the api, PostgreSQL and Redis share the same $(nproc) cores: read the ratios,
  not the absolute numbers.
- GET by id: the raw Redis GET reads $cache_note.
- POST: the goal's raw figure is the lead INSERT alone, autocommitted. The api sends one
  statement that also writes the \`lead.created\` outbox row and +1 on a counter shard
  (lead_create.sql, the second raw figure): what the database alone allows for a create.
  wrk counted $(num "$create_requests") responses; the tenant
  has $(num "$created_rows") 'Bench Lead' rows (requests in flight when wrk stops complete too).
EOF
