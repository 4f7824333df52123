-- Gives every lead of tenant :'tenant' (seeded just before by
-- scripts/bench/seed_leads.sql) a chat conversation with :history past
-- turns, as the api leaves them, so every measured turn is the steady state
-- of an ongoing conversation (it finds the conversation, reads the last 10
-- turns, appends at position 2 × history + 1 …).
--   psql -v tenant=<uuid> -v history=<n> -v template=<turn uuid> -f scripts/bench/receptionist_seed.sql
--
-- The leads seeded are the tenant's leads without a conversation (the
-- script's own check leads already have one and keep their ids).
-- 1. Lead n (oldest first, 1 … count) gets the id md5('receptionist/lead/' || n)
--    and its conversation md5('receptionist/conversation/' || n), so the raw
--    baseline (scripts/bench/receptionist_turn.sql) can name both from a
--    number pgbench draws. Nothing refers to the leads yet.
-- 2. Each past turn k (1 … :history, a minute apart, the last one a minute
--    ago) is what one api turn writes: the lead's message and the reply at
--    positions 2k − 1 and 2k, the conversation_turns row, and the two
--    timeline events. Texts, messages, trace, actions and prompt hash are
--    copied from the api turn :'template' (the script's own check turn), so
--    they read back exactly as the api's own.
CREATE TEMPORARY TABLE seed_leads AS
SELECT id AS old_id, row_number() OVER (ORDER BY created_at, id) AS n
  FROM leads l
 WHERE tenant_id = :'tenant'::uuid AND NOT EXISTS (SELECT 1 FROM conversations c WHERE c.lead_id = l.id);

UPDATE leads l SET id = md5('receptionist/lead/' || s.n)::uuid FROM seed_leads s WHERE l.id = s.old_id;

INSERT INTO conversations (id, tenant_id, lead_id, channel, created_at)
SELECT md5('receptionist/conversation/' || n)::uuid, :'tenant'::uuid, md5('receptionist/lead/' || n)::uuid, 'chat',
       (extract(epoch FROM now() - (:history + 1) * interval '1 minute') * 1000000)::bigint
  FROM seed_leads;

CREATE TEMPORARY TABLE seed_turns AS
SELECT s.n, k.k,
       md5('receptionist/lead/' || s.n)::uuid AS lead_id,
       md5('receptionist/conversation/' || s.n)::uuid AS conversation_id,
       md5('receptionist/turn/' || s.n || '/' || k.k)::uuid AS turn_id,
       now() - (:history - k.k + 1) * interval '1 minute' AS at
  FROM seed_leads s
 CROSS JOIN generate_series(1, :history) AS k(k);

INSERT INTO conversation_messages (conversation_id, position, tenant_id, role, content, created_at)
SELECT s.conversation_id, 2 * s.k - 1 + r.i, :'tenant'::uuid, r.role, CASE r.i WHEN 0 THEN t.inbound ELSE t.reply END,
       (extract(epoch FROM s.at) * 1000000)::bigint + r.i
  FROM seed_turns s
 CROSS JOIN (VALUES (0, 'user'), (1, 'assistant')) AS r(i, role)
 CROSS JOIN (SELECT inbound, reply FROM conversation_turns WHERE id = :'template'::uuid) t;

INSERT INTO conversation_turns (id, tenant_id, conversation_id, inbound, reply, outcome, model, strategy_id,
                                template_id, prompt_hash, messages, trace, actions, prompt_tokens,
                                completion_tokens, duration_ms, created_at)
SELECT s.turn_id, :'tenant'::uuid, s.conversation_id, t.inbound, t.reply, t.outcome, t.model, t.strategy_id,
       t.template_id, t.prompt_hash, t.messages, t.trace, t.actions, t.prompt_tokens, t.completion_tokens,
       t.duration_ms, (extract(epoch FROM s.at) * 1000000)::bigint + 2
  FROM seed_turns s
 CROSS JOIN (SELECT * FROM conversation_turns WHERE id = :'template'::uuid) t;

INSERT INTO lead_events (id, tenant_id, lead_id, kind, direction, content, meta, created_at)
SELECT md5('receptionist/event/' || s.n || '/' || s.k || '/' || r.direction)::uuid, :'tenant'::uuid, s.lead_id,
       'chat', r.direction, CASE r.direction WHEN 'inbound' THEN t.inbound ELSE t.reply END,
       jsonb_build_object('conversationId', s.conversation_id::text, 'turnId', s.turn_id::text, 'outcome', t.outcome),
       s.at + r.after
  FROM seed_turns s
 CROSS JOIN (VALUES ('inbound', interval '0'), ('outbound', interval '3 milliseconds')) AS r(direction, after)
 CROSS JOIN (SELECT inbound, reply, outcome FROM conversation_turns WHERE id = :'template'::uuid) t;

DROP TABLE seed_turns, seed_leads;
