-- The range query under GET /api/v1/availability, as raw SQL: every live
-- claim (confirmed booking or unexpired hold) of the tenant overlapping the
-- window padded by 540 minutes each side (crates/adapters/sea-orm/src/repos/
-- bookings/store.rs `busy`; BUSY_PADDING_MINUTES in the bookings service).
-- The adapter keeps the rows of the asked resources in Rust.
-- pgbench -M prepared -D tenant=<uuid> -D from=<ms> -D until=<ms> -D now=<ms> -f scripts/bench/bookings_busy.sql
SELECT resource_id, blocks_from, blocks_until FROM slot_claims WHERE tenant_id = :tenant
   AND blocks_from < :until AND blocks_until > :from AND (expires_at IS NULL OR expires_at > :now);
