-- GET /api/v1/leads?limit=20&page=N as raw SQL: the page and the total.
-- pgbench -M prepared -D tenant=<uuid> -D offset=<(N-1)*20> -f scripts/bench/leads_list.sql
SELECT id, tenant_id, name, phone, email, status, source, notes, metadata, assigned_to, version,
       created_at, updated_at, deleted_at
  FROM leads WHERE tenant_id = :tenant AND deleted_at IS NULL
 ORDER BY created_at DESC, id DESC LIMIT 20 OFFSET :offset;
SELECT COUNT(*) FROM leads WHERE tenant_id = :tenant AND deleted_at IS NULL;
