//! `outbox_messages`: every message the product sent (or, in the embedded
//! profile, would have sent) — booking confirmations, reminders, staff
//! notices. The unique `(tenant_id, dedupe_key)` index makes a send
//! idempotent: a job redelivered after a crash inserts nothing the second
//! time. Listed newest first per tenant (`idx_outbox_tenant_created`).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: &[&str] = &[
    "CREATE TABLE outbox_messages (id {uuid} PRIMARY KEY,
        tenant_id {uuid} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        channel varchar(16) NOT NULL, recipient varchar(320) NOT NULL, subject text NULL, body text NOT NULL,
        dedupe_key varchar(200) NOT NULL, created_at bigint NOT NULL)",
    "CREATE UNIQUE INDEX ux_outbox_dedupe ON outbox_messages (tenant_id, dedupe_key)",
    "CREATE INDEX idx_outbox_tenant_created ON outbox_messages (tenant_id, created_at, id)",
    "CREATE INDEX idx_outbox_tenant_channel ON outbox_messages (tenant_id, channel, created_at, id)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(manager, TABLES).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::drop_all(manager, &["outbox_messages"]).await
    }
}
