#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer on 127.0.0.1 (sourced by test.sh and bench.sh).
#
# Installs them with apt-get when absent, starts them when stopped, and makes
# sure the `postgres` role can log in over TCP with a password, so the default
# pg_hba.conf (scram) works as well as `trust`.
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}"
export TEST_REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"
# A local 3-node Redis Cluster (masters only) for the queue's cluster tests; see ensure_redis_cluster.
REDIS_CLUSTER_PORTS="${REDIS_CLUSTER_PORTS:-30001 30002 30003}"
export TEST_REDIS_CLUSTER_URL="${TEST_REDIS_CLUSTER_URL:-redis-cluster://127.0.0.1:30001?node=127.0.0.1:30002&node=127.0.0.1:30003}"

log() { printf '\033[1m[test.sh]\033[0m %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root for: $*"; return 1; fi
}

apt_install() {
  log "installing $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

pg_answers() { command -v pg_isready >/dev/null && pg_isready -h 127.0.0.1 -p 5432 -q; }
redis_answers() { command -v redis-cli >/dev/null && [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]; }

wait_for() { # name, check-function
  for _ in $(seq 1 30); do "$2" && return 0; sleep 1; done
  log "$1 did not come up on 127.0.0.1"; return 1
}

ensure_postgres() {
  if pg_answers; then return; fi
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then apt_install postgresql; fi
  local version
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  log "starting PostgreSQL $version"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  wait_for PostgreSQL pg_answers
}

ensure_postgres_login() {
  if psql "$TEST_DATABASE_URL" -Atqc 'select 1' >/dev/null 2>&1; then return; fi
  log "setting a password for the postgres role (local test server only)"
  as_root su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null
  psql "$TEST_DATABASE_URL" -Atqc 'select 1' >/dev/null || { log "cannot log in with $TEST_DATABASE_URL"; exit 1; }
}

ensure_redis() {
  if redis_answers; then return; fi
  if ! command -v redis-server >/dev/null; then apt_install redis-server; fi
  log "starting Redis"
  mkdir -p /tmp/frontdesk-redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /tmp/frontdesk-redis --logfile /tmp/frontdesk-redis/redis.log
  wait_for Redis redis_answers
}

# Three redis-server processes in cluster mode on REDIS_CLUSTER_PORTS, joined
# into one cluster of three masters (slots split evenly, no replicas), kept
# in memory only. Reused when it already reports cluster_state:ok; otherwise
# the nodes are stopped, their state wiped and the cluster created again.
cluster_ok() {
  local port
  for port in $REDIS_CLUSTER_PORTS; do
    redis-cli -h 127.0.0.1 -p "$port" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || return 1
  done
}

ensure_redis_cluster() {
  if cluster_ok; then return; fi
  local dir=/tmp/frontdesk-redis-cluster port nodes=()
  log "starting a 3-node Redis Cluster on ports $REDIS_CLUSTER_PORTS"
  for port in $REDIS_CLUSTER_PORTS; do
    redis-cli -h 127.0.0.1 -p "$port" shutdown nosave >/dev/null 2>&1 || true
  done
  rm -rf "$dir"
  for port in $REDIS_CLUSTER_PORTS; do
    mkdir -p "$dir/$port"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
      --cluster-enabled yes --cluster-config-file "$dir/$port/nodes.conf" --cluster-node-timeout 5000 \
      --dir "$dir/$port" --logfile "$dir/$port/redis.log"
    nodes+=("127.0.0.1:$port")
  done
  for port in $REDIS_CLUSTER_PORTS; do
    for _ in $(seq 1 50); do
      [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = "PONG" ] && break
      sleep 0.2
    done
  done
  redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >"$dir/create.log" 2>&1 \
    || { log "redis-cli --cluster create failed:"; cat "$dir/create.log" >&2; return 1; }
  wait_for "Redis Cluster" cluster_ok
}

ensure_services() {
  ensure_postgres
  ensure_postgres_login
  ensure_redis
  ensure_redis_cluster
  log "PostgreSQL, Redis and a Redis Cluster answer on 127.0.0.1"
  ensure_prism
  ensure_browser
  ensure_s3s
}

# s3s-fs: an S3-compatible server that checks SigV4 and presigned-URL
# expiry like S3, for the S3 adapter's tests. Built once with cargo
# (about 6 minutes on 2 cores) into $HOME/.cargo/bin; tests find it through
# FRONTDESK_S3S_FS.
ensure_s3s() {
  local binary="$HOME/.cargo/bin/s3s-fs"
  if [ ! -x "$binary" ]; then
    log "building s3s-fs 0.14.1 (once, ~6 min) into $HOME/.cargo/bin"
    cargo install -q s3s-fs --version 0.14.1 --features binary --locked
  fi
  export FRONTDESK_S3S_FS="$binary"
}

# Headless Chromium and its WebDriver, for the chat widget's browser test
# (apps/api/tests/api/widget.rs), from Debian; tests find the driver through
# FRONTDESK_CHROMEDRIVER.
ensure_browser() {
  if ! command -v chromedriver >/dev/null; then apt_install chromium chromium-driver; fi
  FRONTDESK_CHROMEDRIVER="$(command -v chromedriver)"
  export FRONTDESK_CHROMEDRIVER
}

# Stoplight Prism serves the vendors' own API descriptions in adapter tests
# (crates/adapters/*/tests/fixtures). Installed once from npm into
# $HOME/.cache/frontdesk-tools; tests find it through FRONTDESK_PRISM.
ensure_prism() {
  local root="$HOME/.cache/frontdesk-tools/prism"
  if [ ! -x "$root/node_modules/.bin/prism" ]; then
    command -v npm >/dev/null || apt_install nodejs npm
    log "installing Stoplight Prism 5 into $root"
    mkdir -p "$root"
    (cd "$root" && npm install --silent --no-audit --no-fund @stoplight/prism-cli@5.14.2 >/dev/null)
  fi
  export FRONTDESK_PRISM="$root/node_modules/.bin/prism"
}
