//! Scheduling: `schedules`, `resources`, `appointment_types`, `bookings`,
//! `booking_holds`, and `slot_claims` — the guard that makes "no double
//! booking" a database fact.
//!
//! A confirmed booking and a live hold each own exactly one `slot_claims`
//! row: the interval it blocks (buffers included) on one resource. On
//! PostgreSQL an exclusion constraint (btree_gist) refuses two overlapping
//! claims of one resource, whatever the application does; on SQLite the
//! guarded writes run in one serialized write transaction that checks for
//! an overlap before inserting. Bookings and holds live in their own tables
//! (they have different shapes and lives), so the constraint sits on the
//! one table both write into. Instants in these tables are epoch
//! milliseconds (`bigint`): one representation that orders and overlaps the
//! same way on both backends, and an `int8range` for the constraint.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `{uuid}` is the backend's uuid column type.
const TABLES: &[&str] = &[
    "CREATE TABLE schedules (tenant_id {uuid} PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
        schedule text NOT NULL, updated_at bigint NOT NULL)",
    "CREATE TABLE resources (id {uuid} PRIMARY KEY, tenant_id {uuid} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        name varchar(120) NOT NULL, kind varchar(16) NOT NULL, user_id {uuid} NULL, active boolean NOT NULL,
        schedule text NULL, created_at bigint NOT NULL, updated_at bigint NOT NULL, deleted_at bigint NULL)",
    "CREATE INDEX idx_resources_tenant ON resources (tenant_id, name, id)",
    "CREATE TABLE appointment_types (id {uuid} PRIMARY KEY, tenant_id {uuid} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        name varchar(120) NOT NULL, duration_minutes integer NOT NULL, buffer_before_minutes integer NULL,
        buffer_after_minutes integer NULL, resource_ids text NOT NULL, active boolean NOT NULL,
        created_at bigint NOT NULL, updated_at bigint NOT NULL, deleted_at bigint NULL)",
    "CREATE INDEX idx_appointment_types_tenant ON appointment_types (tenant_id, name, id)",
    "CREATE TABLE bookings (id {uuid} PRIMARY KEY, tenant_id {uuid} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        lead_id {uuid} NOT NULL, resource_id {uuid} NOT NULL, appointment_type_id {uuid} NOT NULL,
        starts_at bigint NOT NULL, ends_at bigint NOT NULL, blocks_from bigint NOT NULL, blocks_until bigint NOT NULL,
        status varchar(16) NOT NULL, notes text NULL, cancel_reason text NULL, manage_token_hash varchar(64) NOT NULL,
        reschedule_count integer NOT NULL, created_at bigint NOT NULL, updated_at bigint NOT NULL)",
    "CREATE UNIQUE INDEX ux_bookings_token ON bookings (manage_token_hash)",
    "CREATE INDEX idx_bookings_tenant_start ON bookings (tenant_id, starts_at, id)",
    "CREATE INDEX idx_bookings_tenant_lead ON bookings (tenant_id, lead_id, starts_at)",
    "CREATE INDEX idx_bookings_tenant_resource ON bookings (tenant_id, resource_id, starts_at)",
    "CREATE INDEX idx_bookings_tenant_status ON bookings (tenant_id, status, starts_at)",
    "CREATE TABLE booking_holds (id {uuid} PRIMARY KEY, tenant_id {uuid} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        resource_id {uuid} NOT NULL, appointment_type_id {uuid} NOT NULL, lead_id {uuid} NULL,
        starts_at bigint NOT NULL, ends_at bigint NOT NULL, blocks_from bigint NOT NULL, blocks_until bigint NOT NULL,
        expires_at bigint NOT NULL, created_at bigint NOT NULL)",
    "CREATE INDEX idx_booking_holds_tenant ON booking_holds (tenant_id, expires_at)",
    "CREATE TABLE slot_claims (id {uuid} PRIMARY KEY, tenant_id {uuid} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        resource_id {uuid} NOT NULL, blocks_from bigint NOT NULL, blocks_until bigint NOT NULL,
        kind varchar(8) NOT NULL, expires_at bigint NULL, CHECK (blocks_from < blocks_until))",
    "CREATE INDEX idx_slot_claims_range ON slot_claims (tenant_id, resource_id, blocks_from, blocks_until)",
];

const POSTGRES_GUARD: &[&str] = &[
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    "ALTER TABLE slot_claims ADD CONSTRAINT slot_claims_no_overlap EXCLUDE USING gist
        (tenant_id WITH =, resource_id WITH =, int8range(blocks_from, blocks_until, '[)') WITH &&)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let postgres = manager.get_database_backend() == DbBackend::Postgres;
        let uuid = if postgres { "uuid" } else { "uuid_text" };
        for sql in TABLES {
            db.execute_unprepared(&sql.replace("{uuid}", uuid)).await?;
        }
        if postgres {
            for sql in POSTGRES_GUARD {
                db.execute_unprepared(sql).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for table in ["slot_claims", "booking_holds", "bookings", "appointment_types", "resources", "schedules"] {
            db.execute_unprepared(&format!("DROP TABLE IF EXISTS {table}")).await?;
        }
        Ok(())
    }
}
