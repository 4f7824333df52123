-- Every SQL statement of one GET /api/v1/availability?appointmentTypeId=…
-- (no resourceId), in the order the api runs them: the tenant lookup of the
-- request scope, the appointment type, "any resource ever" (the default
-- resource is created on first use), the sub-account's schedule, its
-- resources, and the busy range query (scripts/bench/bookings_busy.sql).
-- What is left to the api is the slot arithmetic in Rust (60 days × 10
-- resources here), the JWT, the rate-limit round trip to Redis and the JSON.
-- pgbench -M prepared -D user=<uuid> -D tenant=<uuid> -D type=<uuid> -D from=<ms> -D until=<ms> -D now=<ms>
--         -f scripts/bench/bookings_availability_reads.sql
SELECT tenant_id, user_id, role, created_at FROM memberships WHERE user_id = :user;
SELECT id, tenant_id, name, duration_minutes, buffer_before_minutes, buffer_after_minutes, resource_ids, active,
       created_at, updated_at
  FROM appointment_types WHERE tenant_id = :tenant AND deleted_at IS NULL AND id = :type;
SELECT 1 AS one FROM resources WHERE tenant_id = :tenant LIMIT 1;
SELECT schedule FROM schedules WHERE tenant_id = :tenant;
SELECT id, tenant_id, name, kind, user_id, active, schedule, created_at, updated_at
  FROM resources WHERE tenant_id = :tenant AND deleted_at IS NULL ORDER BY name, id;
SELECT resource_id, blocks_from, blocks_until FROM slot_claims WHERE tenant_id = :tenant
   AND blocks_from < :until AND blocks_until > :from AND (expires_at IS NULL OR expires_at > :now);
