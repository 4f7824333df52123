-- POST /api/v1/leads as the one statement the api sends on PostgreSQL
-- (crates/adapters/sea-orm/src/repos/leads/store.rs `insert`): the lead row
-- of lead_insert.sql, its `lead.created` outbox row in domain_events and
-- +1 on one of the tenant's 64 lead_counts shards, in one autocommitted
-- statement. lead_insert.sql is the goal's baseline (the lead row alone);
-- this one says how much of the gap is the extra rows the create must write.
-- pgbench -M prepared -D tenant=<uuid> -f scripts/bench/lead_create.sql
\set n random(0, 7999999)
\set area 212 + :n % 8
\set local 9000000 + :n / 8
\set shard random(0, 63)
WITH lead AS (
  INSERT INTO leads (id, tenant_id, name, phone, email, status, source, notes, metadata,
                     assigned_to, search, version, created_at, updated_at, deleted_at)
  VALUES (gen_random_uuid(), :tenant, 'Pg Lead ' || :n::text, '+1' || :area::text || :local::text,
          'pg' || :n::text || '@example.com', 'new', 'manual', NULL, '{}'::jsonb, NULL,
          'pg lead ' || :n::text || E'\n' || 'pg' || :n::text || '@example.com' || E'\n'
            || '+1' || :area::text || :local::text,
          0, now(), now(), NULL)
  ON CONFLICT DO NOTHING
  RETURNING id, name, phone, email, created_at),
event AS (
  INSERT INTO domain_events (id, tenant_id, kind, occurred_at, data)
  SELECT gen_random_uuid(), :tenant, 'lead.created', (extract(epoch FROM now()) * 1000)::bigint,
         json_build_object('id', id, 'name', name, 'phone', phone, 'email', email, 'status', 'new',
                           'source', 'manual', 'metadata', '{}'::json, 'createdAt', created_at)::text
  FROM lead
  ON CONFLICT (id) DO NOTHING),
counted AS (
  INSERT INTO lead_counts (tenant_id, shard, live)
  SELECT :tenant, :shard, 1 FROM lead
  ON CONFLICT (tenant_id, shard) DO UPDATE SET live = lead_counts.live + excluded.live)
SELECT 1;
