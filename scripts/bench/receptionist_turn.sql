-- One POST /api/v1/chat/{leadId}/messages as the SQL the api runs for it
-- in its steady state (2026-12-08), in its order: with -D tool=1 the
-- my_appointments tool (the lead's upcoming confirmed bookings: count and
-- first page); then the writes, one statement: both messages (positions
-- MAX + 1 and + 2, the conversation's tenant checked by the INSERT), the
-- turn row when they were stored, and both timeline events when the turn
-- was (and only if the lead is live and the tenant's), INSERTs in WITH.
-- 1 statement, 3 with the tool; 1 commit.
-- Not here, as in the api's steady state: the lead (read through the leads'
-- cache, near-copied in each process), the membership (kept per process,
-- invalidated through Redis), the caller's latest conversation and its
-- context (one Redis entry, read with the turn lease; a miss reads the
-- conversation and its last 10 turns instead), the schedule and the agent
-- configuration's stamp (near copies in each process, dropped through Redis
-- pub/sub when any process writes them).
-- To see what a turn runs today: ALTER DATABASE <db> SET log_statement = 'all',
-- restart the api, send two turns, read PostgreSQL's log for the second.
-- Left to the api: the JWT, the rate-limit EVAL, the turn lease with the
-- context (one pipeline to take it, one to give it back) on Redis, the
-- prompt, the fallback model and the JSON.
--
-- Lead n (1 … leads) is md5('receptionist/lead/' || n), its conversation
-- md5('receptionist/conversation/' || n) (scripts/bench/receptionist_seed.sql).
-- Client c draws among leads c + 1, c + 1 + clients, …, so no two clients
-- write one conversation at once (the api run never has two turns of one
-- lead in flight either). Texts, messages, trace, actions and prompt hash
-- are those of an api turn of the same kind; the turn row says model
-- 'pgbench' so it can be told from the api's.
-- pgbench -M prepared -D tenant=<uuid> -D user=<uuid> -D leads=2000 -D clients=32 -D tool=0|1
--   -D strategy=<uuid> -D inbound=… -D reply=… -D messages=<json> -D trace=<json> -D actions=<json> -D hash=…
--   -f scripts/bench/receptionist_turn.sql
\set k random(0, :leads / :clients - 1)
\set n 1 + :client_id + :clients * :k
\if :tool
SELECT COUNT(*) AS n FROM bookings
 WHERE tenant_id = :tenant AND starts_at >= (extract(epoch FROM now()) * 1000)::bigint
   AND lead_id = md5('receptionist/lead/' || :n::text)::uuid AND status = 'confirmed';
SELECT id, tenant_id, lead_id, resource_id, appointment_type_id, starts_at, ends_at, blocks_from, blocks_until, status,
       notes, cancel_reason, manage_token_hash, reschedule_count, created_at, updated_at
  FROM bookings
 WHERE tenant_id = :tenant AND starts_at >= (extract(epoch FROM now()) * 1000)::bigint
   AND lead_id = md5('receptionist/lead/' || :n::text)::uuid AND status = 'confirmed'
 ORDER BY starts_at, id LIMIT 10 OFFSET 0;
\endif
WITH appended AS (
  INSERT INTO conversation_messages (conversation_id, position, tenant_id, role, content, created_at)
  SELECT c.id, (SELECT COALESCE(MAX(m.position), 0) FROM conversation_messages m WHERE m.conversation_id = c.id) + v.column1,
         c.tenant_id, v.column2, v.column3, v.column4
    FROM conversations c,
         (VALUES (1, 'user', :inbound::text, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint),
                 (2, 'assistant', :reply::text, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint)) v
   WHERE c.id = md5('receptionist/conversation/' || :n::text)::uuid AND c.tenant_id = :tenant
  RETURNING 1),
turn AS (
  INSERT INTO conversation_turns (id, tenant_id, conversation_id, inbound, reply, outcome, model, strategy_id, template_id,
                                  prompt_hash, messages, trace, actions, prompt_tokens, completion_tokens, duration_ms,
                                  created_at)
  SELECT gen_random_uuid(), :tenant::uuid, md5('receptionist/conversation/' || :n::text)::uuid, :inbound::text, :reply::text,
         'fallback', 'pgbench', :strategy::uuid, NULL::uuid, :hash::text, :messages::text, :trace::text, :actions::text, 0, 0, 0,
         (extract(epoch FROM clock_timestamp()) * 1000000)::bigint
   WHERE EXISTS (SELECT 1 FROM appended)
  RETURNING 1),
timeline AS (
  INSERT INTO lead_events (id, tenant_id, lead_id, kind, direction, content, meta, created_at)
  SELECT v.column1, l.tenant_id, l.id, v.column2, v.column3, v.column4, v.column5, v.column6
    FROM leads l,
         (VALUES (gen_random_uuid(), 'chat', 'inbound', :inbound::text,
                  jsonb_build_object('conversationId', md5('receptionist/conversation/' || :n::text)::uuid::text, 'outcome', 'fallback'),
                  now()),
                 (gen_random_uuid(), 'chat', 'outbound', :reply::text,
                  jsonb_build_object('conversationId', md5('receptionist/conversation/' || :n::text)::uuid::text, 'outcome', 'fallback'),
                  now())) v
   WHERE l.tenant_id = :tenant AND l.id = md5('receptionist/lead/' || :n::text)::uuid AND l.deleted_at IS NULL
     AND EXISTS (SELECT 1 FROM turn))
SELECT COUNT(*) AS n FROM turn;
