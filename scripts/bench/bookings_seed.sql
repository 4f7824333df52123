-- Seeds :count confirmed bookings of tenant :'tenant' in one statement,
-- with the slot_claims row each one owns — what the api's guarded write
-- leaves behind (crates/adapters/sea-orm/src/repos/bookings/store.rs,
-- insert_booking): the claim has the booking's id, kind 'booking', no
-- expiry, and blocks the booking's range (the benchmark's schedule and
-- appointment type have no buffers). Instants are epoch milliseconds.
-- psql -v tenant=<uuid> -v zone=<IANA zone> -v type=<appointment type uuid>
--      -v resources='{<uuid>,…}' -v count=2000 -v days=60 -f scripts/bench/bookings_seed.sql
--
-- Grid: the schedule scripts/bench_bookings.sh PUTs opens 08:00–18:00 local
-- time every day and the appointment type lasts 30 minutes: 20 slots a day
-- per resource, starting on the hour and half hour. Days are the :days
-- local days from tomorrow (in :'zone', so DST changes are honoured).
-- Booking i goes to resource r = i % R (R = number of resources); that
-- resource's j-th booking (j = i / R) to day d = j % :days and slot
-- (j / :days * 7 + r + d * 3) % 20 — distinct for up to 20 bookings per
-- resource and day (7 is prime to 20), so :count <= R * :days * 20, and
-- spread over the day. Leads: the tenant's live leads in turn.
WITH p AS (
  SELECT :'tenant'::uuid AS tenant, :'type'::uuid AS type_id, :'resources'::uuid[] AS resources,
         (now() AT TIME ZONE :'zone')::date AS today,
         (extract(epoch FROM now()) * 1000)::bigint AS now_ms,
         (SELECT array_agg(id ORDER BY created_at, id) FROM leads
           WHERE tenant_id = :'tenant'::uuid AND deleted_at IS NULL) AS leads
), planned AS (
  SELECT p.*, g.i, g.i % array_length(p.resources, 1) AS r, g.i / array_length(p.resources, 1) AS j
  FROM p CROSS JOIN generate_series(0, :count - 1) AS g(i)
), placed AS (
  SELECT tenant, type_id, now_ms, resources[1 + r] AS resource_id,
         leads[1 + i % array_length(leads, 1)] AS lead_id,
         (extract(epoch FROM ((today + 1 + j % :days) + time '08:00'
            + ((j / :days * 7 + r + (j % :days) * 3) % 20) * interval '30 minutes') AT TIME ZONE :'zone')
          * 1000)::bigint AS starts_ms
  FROM planned
), booked AS (
  INSERT INTO bookings (id, tenant_id, lead_id, resource_id, appointment_type_id, starts_at, ends_at,
                        blocks_from, blocks_until, status, notes, cancel_reason, manage_token_hash,
                        reschedule_count, created_at, updated_at)
  SELECT gen_random_uuid(), tenant, lead_id, resource_id, type_id, starts_ms, starts_ms + 1800000,
         starts_ms, starts_ms + 1800000, 'confirmed', NULL, NULL,
         encode(sha256(convert_to(gen_random_uuid()::text, 'UTF8')), 'hex'), 0, now_ms, now_ms
  FROM placed
  RETURNING id, tenant_id, resource_id, blocks_from, blocks_until
)
INSERT INTO slot_claims (id, tenant_id, resource_id, blocks_from, blocks_until, kind, expires_at)
SELECT id, tenant_id, resource_id, blocks_from, blocks_until, 'booking', NULL FROM booked;
