-- The SQL half of one no-op job on the Redis queue, as raw SQL: status lives
-- in the `jobs` table whatever carries the jobs, so besides its three Lua
-- scripts in Redis (enqueue, claim, settle) each job makes five statements,
-- each autocommitted as the app runs them: the enqueue INSERT, the claim's
-- read of the stored status (`find`), the transition to running, the
-- completion's fence read (`find` again) and the transition to completed
-- (crates/adapters/redis-queue/src/queue.rs `start`, `fence`, `complete`;
-- crates/adapters/sql-queue/src/store.rs). tps = jobs/s the database alone
-- could record.
-- pgbench -M prepared -D tenant=<uuid> -D queue=<name> -f scripts/bench/jobs_redis_sql.sql
INSERT INTO jobs (id, tenant_id, queue, kind, payload, status, attempts, max_attempts, idempotency_key,
                  result, error, progress_processed, progress_total, run_at, lease_until, lease_token,
                  created_at, updated_at)
VALUES (gen_random_uuid(), :tenant, :queue, 'noop', '{}'::jsonb, 'queued', 0, 5, NULL,
        NULL, NULL, NULL, NULL, now(), NULL, NULL, now(), now())
RETURNING id
\gset j_
SELECT id, tenant_id, queue, kind, payload, status, attempts, max_attempts, idempotency_key, result, error,
       progress_processed, progress_total, run_at, lease_until, lease_token, created_at, updated_at
  FROM jobs WHERE id = :j_id;
UPDATE jobs SET status = 'running', attempts = 1, updated_at = now() WHERE id = :j_id;
SELECT id, tenant_id, queue, kind, payload, status, attempts, max_attempts, idempotency_key, result, error,
       progress_processed, progress_total, run_at, lease_until, lease_token, created_at, updated_at
  FROM jobs WHERE id = :j_id;
UPDATE jobs SET status = 'completed', attempts = 1, updated_at = now(), result = '{}'::jsonb, error = NULL,
       lease_until = NULL, lease_token = NULL
 WHERE id = :j_id;
