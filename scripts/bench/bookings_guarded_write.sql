-- One POST /api/v1/bookings as the SQL the adapter runs for it
-- (crates/adapters/sea-orm/src/repos/bookings/store.rs insert_booking with
-- one candidate resource, as with a resourceId): in one transaction, the
-- lead check, a savepoint, the removal of expired holds overlapping the
-- slot (hold rows, then their claims), the claim, the booking, the lead's
-- timeline event and its move to `booked`. Where the api gets 23P01 from
-- the claim INSERT and rolls back, this script's claim does nothing (ON
-- CONFLICT DO NOTHING) and the writes after it find no claim of theirs, so
-- a lost race costs about the same round trips. The reads before the
-- transaction (type, resources, schedule) are left out.
-- Slots: as in scripts/bench/bookings_insert.sql (-D stride, spread, base).
-- The claim's id is md5(:tag/client/n), unique per run, so later statements
-- can name it. pgbench -M prepared -D tenant=<uuid> -D type=<uuid> -D lead=<uuid>
--   -D resources='{<uuid>,…}' -D nres=10 -D base=<ms> -D stride=… -D spread=… -D n=0 -D tag=<unique per run>
--   -f scripts/bench/bookings_guarded_write.sql
\set n :n + 1
\set slot :n * :stride + :client_id * :spread
\set r 1 + (:client_id * :spread) % :nres
\set from :base + :slot * 1800000
\set until :from + 1800000
BEGIN;
SELECT 1 AS one FROM leads WHERE tenant_id = :tenant::uuid AND id = :lead::uuid AND deleted_at IS NULL;
SAVEPOINT claim;
DELETE FROM booking_holds WHERE id IN (
  SELECT id FROM slot_claims WHERE tenant_id = :tenant::uuid AND resource_id = (:resources::uuid[])[:r::int]
     AND blocks_from < :until::bigint AND blocks_until > :from::bigint AND kind = 'hold'
     AND expires_at <= (extract(epoch FROM clock_timestamp()) * 1000)::bigint);
DELETE FROM slot_claims WHERE tenant_id = :tenant::uuid AND resource_id = (:resources::uuid[])[:r::int]
   AND blocks_from < :until::bigint AND blocks_until > :from::bigint AND kind = 'hold'
   AND expires_at <= (extract(epoch FROM clock_timestamp()) * 1000)::bigint;
INSERT INTO slot_claims (id, tenant_id, resource_id, blocks_from, blocks_until, kind, expires_at)
VALUES (md5(:tag::text || '/' || :client_id::text || '/' || :n::text)::uuid, :tenant::uuid,
        (:resources::uuid[])[:r::int], :from::bigint, :until::bigint, 'booking', NULL)
ON CONFLICT DO NOTHING;
RELEASE SAVEPOINT claim;
INSERT INTO bookings (id, tenant_id, lead_id, resource_id, appointment_type_id, starts_at, ends_at,
                      blocks_from, blocks_until, status, notes, cancel_reason, manage_token_hash,
                      reschedule_count, created_at, updated_at)
SELECT id, tenant_id, :lead::uuid, resource_id, :type::uuid, blocks_from, blocks_until, blocks_from, blocks_until,
       'confirmed', NULL, NULL, md5(id::text) || md5(random()::text), 0,
       (extract(epoch FROM clock_timestamp()) * 1000)::bigint, (extract(epoch FROM clock_timestamp()) * 1000)::bigint
  FROM slot_claims WHERE id = md5(:tag::text || '/' || :client_id::text || '/' || :n::text)::uuid;
INSERT INTO lead_events (id, tenant_id, lead_id, kind, direction, content, meta, created_at)
SELECT gen_random_uuid(), tenant_id, :lead::uuid, 'booking', NULL, 'Booked Appointment (pgbench)',
       jsonb_build_object('action', 'booked', 'bookingId', id, 'resourceId', resource_id,
                          'appointmentTypeId', :type::uuid, 'startsAt', blocks_from, 'endsAt', blocks_until),
       now()
  FROM slot_claims WHERE id = md5(:tag::text || '/' || :client_id::text || '/' || :n::text)::uuid;
UPDATE leads SET status = 'booked', version = version + 1, updated_at = now()
 WHERE tenant_id = :tenant::uuid AND id = :lead::uuid AND status IN ('new', 'contacted', 'qualified')
   AND EXISTS (SELECT 1 FROM slot_claims WHERE id = md5(:tag::text || '/' || :client_id::text || '/' || :n::text)::uuid);
COMMIT;
