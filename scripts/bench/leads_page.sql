-- The page query alone (issue 15's baseline for the lead list: the api adds
-- the total from the per-tenant counter, one small read).
-- pgbench -M prepared -D tenant=<uuid> -f scripts/bench/leads_page.sql
SELECT id, tenant_id, name, phone, email, status, source, notes, metadata, assigned_to, version,
       created_at, updated_at, deleted_at
  FROM leads WHERE tenant_id = :tenant AND deleted_at IS NULL
 ORDER BY created_at DESC, id DESC LIMIT 20;
