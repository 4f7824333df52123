#!/usr/bin/env bash
# `just bench`: every benchmark script in turn, each output saved under
# BENCH_OUT (default target/bench/<UTC time>), then issue 15's goals as one
# table of ratios (scripts/bench/summary.py). A script that fails stops the
# run (its output so far is kept). Env: as each script's; BENCH_OUT.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${BENCH_OUT:-target/bench/$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$out"
run() { # name script
  printf '\033[1m[bench]\033[0m %s → %s/%s.md\n' "$2" "$out" "$1" >&2
  "./scripts/$2" | tee "$out/$1.md"
}
run status bench.sh
run login bench_login.sh
run leads bench_leads.sh
run bookings bench_bookings.sh
run receptionist bench_receptionist.sh
run jobs bench_jobs.sh
run webhooks bench_webhooks.sh
printf '\n## Goals (issue 15), from %s\n' "$out" | tee "$out/summary.md"
python3 scripts/bench/summary.py "$out" | tee -a "$out/summary.md"
