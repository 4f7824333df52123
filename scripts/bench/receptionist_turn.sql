-- One POST /api/v1/chat/{leadId}/messages as the SQL the api runs for it
-- (captured from PostgreSQL's statement log), in its order, each statement
-- on its own (the api opens no transaction for a turn): the membership of
-- the request scope, the lead, the lead's latest chat conversation, the
-- last 10 turns (after the conversation check every store call makes), the
-- schedule (open/closed and local time for the instructions); with
-- -D tool=1 also the my_appointments tool (the schedule again for the zone,
-- then the lead's upcoming confirmed bookings: count and first page); then
-- the writes: the lead's message and the reply (position = MAX + 1, each
-- after a conversation check), the turn row (after one more), and the two
-- timeline events (each after the lead-is-live check). 16 statements, 19
-- with the tool.
-- To see what a turn runs today: ALTER DATABASE <db> SET log_statement = 'all',
-- restart the api, send one turn, read PostgreSQL's log (this list is from
-- 2026-12-05, with a schedule set: without one the zone is read as well).
-- Left to the api: the JWT, the rate-limit EVAL and the GET of the agent
-- configuration's version stamp on Redis (the default strategy and template
-- are kept per process while the stamp holds, so no SQL reads them), the
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
SELECT tenant_id, user_id, role, created_at FROM memberships WHERE user_id = :user LIMIT 1;
SELECT id, tenant_id, name, phone, email, status, source, notes, metadata, assigned_to, search, version,
       created_at, updated_at, deleted_at
  FROM leads WHERE tenant_id = :tenant AND id = md5('receptionist/lead/' || :n::text)::uuid AND deleted_at IS NULL LIMIT 1;
SELECT id, tenant_id, lead_id, channel, created_at FROM conversations
 WHERE tenant_id = :tenant AND lead_id = md5('receptionist/lead/' || :n::text)::uuid AND channel = 'chat'
 ORDER BY created_at DESC, id DESC LIMIT 1;
SELECT id, tenant_id, lead_id, channel, created_at FROM conversations
 WHERE tenant_id = :tenant AND id = md5('receptionist/conversation/' || :n::text)::uuid;
SELECT id, tenant_id, conversation_id, inbound, reply, outcome, model, strategy_id, template_id, prompt_hash,
       messages, trace, actions, prompt_tokens, completion_tokens, duration_ms, created_at
  FROM conversation_turns WHERE conversation_id = md5('receptionist/conversation/' || :n::text)::uuid AND tenant_id = :tenant
 ORDER BY created_at DESC, id DESC LIMIT 10;
SELECT schedule FROM schedules WHERE tenant_id = :tenant;
\if :tool
SELECT schedule FROM schedules WHERE tenant_id = :tenant;
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
SELECT id, tenant_id, lead_id, channel, created_at FROM conversations
 WHERE tenant_id = :tenant AND id = md5('receptionist/conversation/' || :n::text)::uuid;
INSERT INTO conversation_messages (conversation_id, position, tenant_id, role, content, created_at)
SELECT md5('receptionist/conversation/' || :n::text)::uuid, COALESCE(MAX(position), 0) + 1, :tenant::uuid, 'user', :inbound::text,
       (extract(epoch FROM clock_timestamp()) * 1000000)::bigint
  FROM conversation_messages WHERE conversation_id = md5('receptionist/conversation/' || :n::text)::uuid;
SELECT id, tenant_id, lead_id, channel, created_at FROM conversations
 WHERE tenant_id = :tenant AND id = md5('receptionist/conversation/' || :n::text)::uuid;
INSERT INTO conversation_messages (conversation_id, position, tenant_id, role, content, created_at)
SELECT md5('receptionist/conversation/' || :n::text)::uuid, COALESCE(MAX(position), 0) + 1, :tenant::uuid, 'assistant', :reply::text,
       (extract(epoch FROM clock_timestamp()) * 1000000)::bigint
  FROM conversation_messages WHERE conversation_id = md5('receptionist/conversation/' || :n::text)::uuid;
SELECT id, tenant_id, lead_id, channel, created_at FROM conversations
 WHERE tenant_id = :tenant AND id = md5('receptionist/conversation/' || :n::text)::uuid;
INSERT INTO conversation_turns (id, tenant_id, conversation_id, inbound, reply, outcome, model, strategy_id, template_id,
                                prompt_hash, messages, trace, actions, prompt_tokens, completion_tokens, duration_ms,
                                created_at)
VALUES (gen_random_uuid(), :tenant, md5('receptionist/conversation/' || :n::text)::uuid, :inbound, :reply, 'fallback',
        'pgbench', :strategy, NULL, :hash, :messages, :trace, :actions, 0, 0, 0,
        (extract(epoch FROM clock_timestamp()) * 1000000)::bigint);
SELECT id FROM leads WHERE tenant_id = :tenant AND id = md5('receptionist/lead/' || :n::text)::uuid AND deleted_at IS NULL LIMIT 1;
INSERT INTO lead_events (id, tenant_id, lead_id, kind, direction, content, meta, created_at)
VALUES (gen_random_uuid(), :tenant, md5('receptionist/lead/' || :n::text)::uuid, 'chat', 'inbound', :inbound,
        jsonb_build_object('conversationId', md5('receptionist/conversation/' || :n::text)::uuid::text, 'outcome', 'fallback'),
        now());
SELECT id FROM leads WHERE tenant_id = :tenant AND id = md5('receptionist/lead/' || :n::text)::uuid AND deleted_at IS NULL LIMIT 1;
INSERT INTO lead_events (id, tenant_id, lead_id, kind, direction, content, meta, created_at)
VALUES (gen_random_uuid(), :tenant, md5('receptionist/lead/' || :n::text)::uuid, 'chat', 'outbound', :reply,
        jsonb_build_object('conversationId', md5('receptionist/conversation/' || :n::text)::uuid::text, 'outcome', 'fallback'),
        now());
