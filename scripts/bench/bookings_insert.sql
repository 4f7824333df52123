-- The raw INSERT a booking stands on: the slot_claims row and the booking
-- row in one autocommitted statement, the claim guarded by the exclusion
-- constraint (slot_claims_no_overlap); an overlapping claim inserts nothing
-- (ON CONFLICT DO NOTHING: a taken slot, where the api answers 409). No
-- schedule rules, no lead, no timeline: the floor under POST /api/v1/bookings.
-- Each client counts its transactions in :n and books 30-minute slots from
-- :base (epoch ms, far from the api's slots):
--   contended (-D stride=1 -D spread=0): every client's n-th transaction
--     aims at slot n of the first resource, so all clients race for each slot;
--   spread (-D stride=<clients> -D spread=1): client c's n-th transaction
--     takes slot n * clients + c of resource c % nres, never taken.
-- pgbench -M prepared -D tenant=<uuid> -D type=<uuid> -D lead=<uuid> -D resources='{<uuid>,…}' -D nres=10
--         -D base=<ms> -D stride=… -D spread=… -D n=0 -f scripts/bench/bookings_insert.sql
\set n :n + 1
\set slot :n * :stride + :client_id * :spread
\set r 1 + (:client_id * :spread) % :nres
\set from :base + :slot * 1800000
\set until :from + 1800000
WITH claim AS (
  INSERT INTO slot_claims (id, tenant_id, resource_id, blocks_from, blocks_until, kind, expires_at)
  VALUES (gen_random_uuid(), :tenant::uuid, (:resources::uuid[])[:r::int], :from::bigint, :until::bigint,
          'booking', NULL)
  ON CONFLICT DO NOTHING
  RETURNING id, tenant_id, resource_id, blocks_from, blocks_until
)
INSERT INTO bookings (id, tenant_id, lead_id, resource_id, appointment_type_id, starts_at, ends_at,
                      blocks_from, blocks_until, status, notes, cancel_reason, manage_token_hash,
                      reschedule_count, created_at, updated_at)
SELECT id, tenant_id, :lead::uuid, resource_id, :type::uuid, blocks_from, blocks_until, blocks_from, blocks_until,
       'confirmed', NULL, NULL, md5(id::text) || md5(random()::text), 0,
       (extract(epoch FROM clock_timestamp()) * 1000)::bigint, (extract(epoch FROM clock_timestamp()) * 1000)::bigint
FROM claim;
