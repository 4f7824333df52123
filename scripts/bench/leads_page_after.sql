-- A keyset page deep in the list, as the api runs it for `cursor=`: the 20
-- leads after (created_at, id) of the 49,980th (no OFFSET to walk).
-- pgbench -M prepared -D tenant=<uuid> -D at='<timestamptz>' -D id=<uuid> -f scripts/bench/leads_page_after.sql
SELECT id, tenant_id, name, phone, email, status, source, notes, metadata, assigned_to, version,
       created_at, updated_at, deleted_at
  FROM leads WHERE tenant_id = :tenant AND deleted_at IS NULL
   AND (created_at, id) < (:at, :id)
 ORDER BY created_at DESC, id DESC LIMIT 20;
