#!/usr/bin/env bash
# The contract is the document: checks /openapi.json against the running api.
#
# 1. Builds the api and starts it on the PostgreSQL + Redis profile (a fresh
#    database and key prefix, rate limits raised so the fuzzer is not throttled).
# 2. Validates the document (openapi-spec-validator).
# 3. Generates a Python client from it (openapi-python-client) and drives the
#    README's walk-through through it (scripts/contract/walkthrough.py).
# 4. Seeds two tenants and runs schemathesis with every phase and every check
#    for SCHEMATHESIS_MAX_TIME seconds (default 180) as tenant A, whose
#    requests may name tenant B's ids. Fails on any failure.
#
# Tools are pinned and installed into a virtualenv under ~/.cache (PyPI only).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/frontdesk-target}"
# shellcheck source=scripts/services.sh
. scripts/services.sh
ensure_services

VENV="${CONTRACT_VENV:-$HOME/.cache/frontdesk-contract-venv}"
MAX_TIME="${SCHEMATHESIS_MAX_TIME:-180}"
WORK="$(mktemp -d /tmp/frontdesk-contract.XXXXXX)"
PORT="${CONTRACT_PORT:-18$(printf '%03d' $((RANDOM % 1000)))}"
BASE="http://127.0.0.1:$PORT"
DB="fd_contract_$(date +%s)_$$"
ADMIN_URL="${TEST_DATABASE_URL%/*}"

if [ ! -x "$VENV/bin/schemathesis" ] || [ ! -x "$VENV/bin/openapi-python-client" ]; then
  log "installing schemathesis, openapi-spec-validator and openapi-python-client into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check \
    'schemathesis==4.32.5' 'openapi-spec-validator==0.7.2' 'openapi-python-client==0.29.1' 'ruff==0.14.8'
fi

log "building the api"
cargo build -q --locked -p frontdesk-api
API_PID=""
cleanup() {
  [ -n "$API_PID" ] && kill "$API_PID" 2>/dev/null && wait "$API_PID" 2>/dev/null || true
  psql "$ADMIN_URL/postgres" -qc "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
psql "$ADMIN_URL/postgres" -qc "CREATE DATABASE \"$DB\"" >/dev/null

log "starting the api on $BASE (PostgreSQL database $DB, Redis prefix fdcontract:$$:)"
env APP_ENV=test HOST=127.0.0.1 PORT="$PORT" DATABASE_URL="$ADMIN_URL/$DB" REDIS_URL="$TEST_REDIS_URL" \
  REDIS_KEY_PREFIX="fdcontract:$$:" JWT_SECRET="contract-test-secret-at-least-32-bytes-long" \
  BCRYPT_COST=4 AUTH_RATE_LIMIT=1000000 API_RATE_LIMIT=1000000 EMBEDDED_WORKER=true \
  FILES_DIR="$WORK/files" LOG_FORMAT=json RUST_LOG=warn \
  "$CARGO_TARGET_DIR/debug/frontdesk-api" >"$WORK/api.log" 2>&1 &
API_PID=$!
for _ in $(seq 1 60); do curl -fs "$BASE/health/ready" >/dev/null 2>&1 && break; sleep 0.5; done
curl -fs "$BASE/openapi.json" -o "$WORK/openapi.json" || { log "the api did not start"; cat "$WORK/api.log"; exit 1; }

log "validating the document"
"$VENV/bin/openapi-spec-validator" "$WORK/openapi.json"

log "generating a client and driving the walk-through with it"
# openapi-python-client cannot resolve the recursive CleanJson schema (any
# JSON without control characters); for typing it is any JSON, so the client
# is generated with that one component relaxed. Everything else is as served.
jq '.components.schemas.CleanJson = {"description": .components.schemas.CleanJson.description}' \
  "$WORK/openapi.json" >"$WORK/client-openapi.json"
(cd "$WORK" && PATH="$VENV/bin:$PATH" "$VENV/bin/openapi-python-client" generate --path client-openapi.json \
  --output-path client --overwrite >"$WORK/generate.log" 2>&1) || { cat "$WORK/generate.log"; exit 1; }
if grep -q "Warning" "$WORK/generate.log"; then cat "$WORK/generate.log"; log "the generator warned"; exit 1; fi
PYTHONPATH="$WORK/client" "$VENV/bin/python" scripts/contract/walkthrough.py "$BASE"

log "seeding two tenants"
token_of() { # email -> access token of a new owner with a sub-account
  local session owner
  session=$(curl -fs "$BASE/api/v1/auth/register" -H 'content-type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"Secret123\",\"name\":\"Owner\"}")
  owner=$(curl -fs "$BASE/api/v1/subaccounts" -H 'content-type: application/json' \
    -H "authorization: Bearer $(jq -r .accessToken <<<"$session")" -d "{\"name\":\"$1\",\"country\":\"US\"}")
  jq -r .accessToken <<<"$owner"
}
command -v jq >/dev/null || apt_install jq
TOKEN_A=$(token_of "a@contract.test")
TOKEN_B=$(token_of "b@contract.test")
for who in "$TOKEN_A" "$TOKEN_B"; do
  curl -fs "$BASE/api/v1/leads" -H 'content-type: application/json' -H "authorization: Bearer $who" \
    -d '{"name":"Seed Lead","phone":"+14155552671","email":"seed@contract.test"}' >/dev/null
done

log "schemathesis: all phases, all checks, ${MAX_TIME}s"
set +e
"$VENV/bin/schemathesis" --config-file scripts/contract/schemathesis.toml run "$BASE/openapi.json" \
  --phases examples,coverage,fuzzing,stateful --max-time "$MAX_TIME" \
  -H "Authorization: Bearer $TOKEN_A" --seed "${SCHEMATHESIS_SEED:-20261204}" \
  --report junit --report-dir "${SCHEMATHESIS_REPORT_DIR:-$WORK/report}" 2>&1 | tee "$WORK/schemathesis.log"
status=${PIPESTATUS[0]}
set -e
# A 500 logs "internal error" with its cause; a panic says so. (Dead jobs of
# garbage uploads and actix's own notes on malformed requests are expected.)
if grep '"level":"ERROR"' "$WORK/api.log" | grep -Eq '"message":"internal error"|panicked'; then
  log "the api failed internally during the run:"
  grep '"level":"ERROR"' "$WORK/api.log" | grep -E '"message":"internal error"|panicked' | head -20; status=1
fi
exit "$status"
