-- One no-op job's life on the SQL queue, as raw SQL: the statements
-- the queue runs per job, each autocommitted as the app runs them (enqueue
-- INSERT; the two claim statements of crates/adapters/sql-queue/src/queue.rs
-- `claim_sql` — stalled leases first, then the oldest due job through
-- idx_jobs_due; the lease-checked
-- completion UPDATE). Run on the real `jobs` table and its indexes, in a
-- queue of its own that holds a backlog of queued rows (so a claim always
-- finds one: each transaction adds one job and takes one). tps = job cycles/s.
-- pgbench -M prepared -D tenant=<uuid> -D queue=<name> -f scripts/bench/jobs_sql_cycle.sql
INSERT INTO jobs (id, tenant_id, queue, kind, payload, status, attempts, max_attempts, idempotency_key,
                  result, error, progress_processed, progress_total, run_at, lease_until, lease_token,
                  created_at, updated_at)
VALUES (gen_random_uuid(), :tenant, :queue, 'noop', '{}'::jsonb, 'queued', 0, 5, NULL,
        NULL, NULL, NULL, NULL, now(), NULL, NULL, now(), now());
UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_until = now() + interval '60 seconds',
       lease_token = md5(random()::text), updated_at = now()
 WHERE id = (SELECT id FROM jobs WHERE queue = :queue AND status = 'running' AND lease_until < now()
               AND attempts < max_attempts ORDER BY lease_until, id LIMIT 1 FOR UPDATE SKIP LOCKED)
RETURNING id;
UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_until = now() + interval '60 seconds',
       lease_token = md5(random()::text), updated_at = now()
 WHERE id = (SELECT id FROM jobs WHERE queue = :queue AND status IN ('queued', 'failed') AND run_at <= now()
             ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
RETURNING id, tenant_id, queue, kind, payload, status, attempts, max_attempts, idempotency_key, result, error,
          progress_processed, progress_total, run_at, lease_until, lease_token, created_at, updated_at
\gset c_
UPDATE jobs SET status = 'completed', result = '{}'::jsonb, error = NULL, lease_until = NULL,
       lease_token = NULL, updated_at = now()
 WHERE id = :c_id AND lease_token = :c_lease_token AND status = 'running';
