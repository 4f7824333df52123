# Frontdesk tasks. `just --list` shows them. Every recipe is a plain command you can also run by hand.

export CARGO_TARGET_DIR := env_var_or_default("CARGO_TARGET_DIR", env_var("HOME") + "/.cache/frontdesk-target")

# Run the api on the embedded default (SQLite in ./data, in-process cache)
run:
    cargo run -p frontdesk-api

# Run the background worker
worker:
    cargo run -p frontdesk-worker

# Run the whole test suite (starts PostgreSQL and Redis if needed)
test:
    ./scripts/test.sh

# Apply pending migrations to DATABASE_URL and exit
migrate:
    cargo run -p frontdesk-api -- migrate

# Format the code
fmt:
    cargo fmt --all

# Formatting check, clippy and the dependency rules
lint:
    cargo fmt --all --check
    cargo clippy --workspace --all-targets -- -D warnings
    cargo run -q -p frontdesk-arch-check

# Memory soak: the api under a steady mix for SOAK_MINUTES (default 10), resident memory sampled
soak:
    ./scripts/soak.sh

# Load-test every hot path against raw PostgreSQL/Redis baselines of the same run; outputs under target/bench/<time>/, then issue 15's goals as one table of ratios
bench:
    ./scripts/bench_all.sh
