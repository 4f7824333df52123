-- GET /api/v1/leads/{id} on a cache miss, as raw SQL.
-- pgbench -M prepared -D tenant=<uuid> -D lead=<uuid> -f scripts/bench/lead_get.sql
SELECT id, tenant_id, name, phone, email, status, source, notes, metadata, assigned_to, version,
       created_at, updated_at, deleted_at
  FROM leads WHERE tenant_id = :tenant AND id = :lead AND deleted_at IS NULL;
