-- POST /api/v1/leads as raw SQL: the INSERT of a new lead with a random
-- phone (+1 212..219 9XX-XXXX: valid US numbers that neither the seed, whose
-- local numbers start with 2..7, nor the wrk script, 8, uses) and email; a
-- rare collision is skipped rather than aborting the client.
-- pgbench -M prepared -D tenant=<uuid> -f scripts/bench/lead_insert.sql
\set n random(0, 7999999)
\set area 212 + :n % 8
\set local 9000000 + :n / 8
INSERT INTO leads (id, tenant_id, name, phone, email, status, source, notes, metadata,
                   assigned_to, search, version, created_at, updated_at, deleted_at)
VALUES (gen_random_uuid(), :tenant, 'Pg Lead ' || :n::text, '+1' || :area::text || :local::text,
        'pg' || :n::text || '@example.com', 'new', 'manual', NULL, '{}'::jsonb, NULL,
        'pg lead ' || :n::text || E'\n' || 'pg' || :n::text || '@example.com' || E'\n'
          || '+1' || :area::text || :local::text,
        0, now(), now(), NULL)
ON CONFLICT DO NOTHING;
