-- The tenant lookup every tenant-scoped request makes (memberships.user_id is unique).
-- pgbench -M prepared -D user=<uuid> -f scripts/bench/membership.sql
SELECT tenant_id, user_id, role, created_at FROM memberships WHERE user_id = :user;
