-- GET /api/v1/leads?q=<fragment> as raw SQL: the first page and the total
-- (the api escapes \, % and _ in q and matches it with LIKE … ESCAPE '\').
-- pgbench -M prepared -D tenant=<uuid> -D pattern=%<fragment>% -f scripts/bench/leads_search.sql
SELECT id, tenant_id, name, phone, email, status, source, notes, metadata, assigned_to, version,
       created_at, updated_at, deleted_at
  FROM leads WHERE tenant_id = :tenant AND deleted_at IS NULL AND search LIKE :pattern ESCAPE '\'
 ORDER BY created_at DESC, id DESC LIMIT 20 OFFSET 0;
SELECT COUNT(*) FROM leads WHERE tenant_id = :tenant AND deleted_at IS NULL AND search LIKE :pattern ESCAPE '\';
