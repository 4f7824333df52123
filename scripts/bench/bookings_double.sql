-- The double-booking check, over every tenant: one line
-- "<overlapping>|<pairs>|<unclaimed>" where
--   overlapping = confirmed bookings whose blocked range overlaps an earlier
--                 confirmed booking of the same tenant and resource (0 when
--                 no two overlap; found in one sorted pass per resource),
--   pairs       = the overlapping pairs themselves (self-join, only computed
--                 when overlapping > 0),
--   unclaimed   = confirmed bookings without their slot_claims row (same
--                 id, resource and range): the guard would not see them.
-- psql -Atq -f scripts/bench/bookings_double.sql
WITH ordered AS (
  SELECT blocks_from,
         max(blocks_until) OVER (PARTITION BY tenant_id, resource_id ORDER BY blocks_from, id
                                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS earlier_until
  FROM bookings WHERE status = 'confirmed'
), overlapping AS (
  SELECT count(*) AS n FROM ordered WHERE blocks_from < earlier_until
)
SELECT o.n,
       CASE WHEN o.n = 0 THEN 0 ELSE (
         SELECT count(*) FROM bookings a JOIN bookings b
             ON a.tenant_id = b.tenant_id AND a.resource_id = b.resource_id AND a.id < b.id
          WHERE a.status = 'confirmed' AND b.status = 'confirmed'
            AND a.blocks_from < b.blocks_until AND b.blocks_from < a.blocks_until) END,
       (SELECT count(*) FROM bookings b WHERE b.status = 'confirmed' AND NOT EXISTS (
          SELECT 1 FROM slot_claims c WHERE c.id = b.id AND c.tenant_id = b.tenant_id AND c.resource_id = b.resource_id
             AND c.blocks_from = b.blocks_from AND c.blocks_until = b.blocks_until))
FROM overlapping o;
