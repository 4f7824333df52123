-- The SQL half of one no-op job on the Redis queue, as raw SQL: status lives
-- in the `jobs` table whatever carries the jobs, so besides its three Lua
-- scripts in Redis (enqueue, claim, settle) each job makes three statements,
-- each autocommitted as the app runs them: the enqueue INSERT, the claim's
-- start (running, attempt counted, the row returned) and the completion
-- fenced by the running attempt (crates/adapters/redis-queue/src/queue.rs
-- `start`, `complete`; crates/adapters/sql-queue/src/store.rs `start`,
-- `transition_running`). tps = jobs/s the database alone could record.
-- pgbench -M prepared -D tenant=<uuid> -D queue=<name> -f scripts/bench/jobs_redis_sql.sql
INSERT INTO jobs (id, tenant_id, queue, kind, payload, status, attempts, max_attempts, idempotency_key,
                  result, error, progress_processed, progress_total, run_at, lease_until, lease_token,
                  created_at, updated_at)
VALUES (gen_random_uuid(), :tenant, :queue, 'noop', '{}'::jsonb, 'queued', 0, 5, NULL,
        NULL, NULL, NULL, NULL, now(), NULL, NULL, now(), now())
RETURNING id
\gset j_
UPDATE jobs SET status = 'running', attempts = attempts + 1, updated_at = now()
 WHERE id = :j_id AND status IN ('queued', 'failed')
RETURNING id, tenant_id, queue, kind, payload, status, attempts, max_attempts, idempotency_key, result, error,
          progress_processed, progress_total, run_at, lease_until, lease_token, created_at, updated_at;
UPDATE jobs SET status = 'completed', attempts = 1, updated_at = now(), result = '{}'::jsonb, error = NULL,
       lease_until = NULL, lease_token = NULL
 WHERE id = :j_id AND status = 'running' AND attempts = 1;
