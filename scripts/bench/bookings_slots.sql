-- The bookable slots of local days :first … :last from today (in :'zone'),
-- one "startsAt resourceId" line each (startsAt in RFC 3339 UTC), ordered by
-- day, time, then resource — the request bodies of
-- scripts/bench/bookings_create.lua. Same grid as bookings_seed.sql:
-- 08:00–18:00 local, 20 slots of 30 minutes a day per resource.
-- psql -Atq -v zone=<IANA zone> -v resources='{<uuid>,…}' -v first=61 -v last=120 -f scripts/bench/bookings_slots.sql
SELECT to_char(((today + d) + time '08:00' + s * interval '30 minutes') AT TIME ZONE :'zone' AT TIME ZONE 'UTC',
               'YYYY-MM-DD"T"HH24:MI:SS"Z"') || ' ' || r.id::text
FROM (SELECT (now() AT TIME ZONE :'zone')::date AS today) t
CROSS JOIN generate_series(:first, :last) AS d
CROSS JOIN generate_series(0, 19) AS s
CROSS JOIN unnest(:'resources'::uuid[]) WITH ORDINALITY AS r(id, k)
ORDER BY d, s, r.k;
