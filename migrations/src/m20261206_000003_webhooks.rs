//! `domain_events` — the transactional outbox: every lead, booking and
//! receptionist event is written here in the same transaction as the
//! change it announces, then relayed to the job queue (`relayed_at` set);
//! kept for replays. `webhook_subscriptions` — a tenant's endpoints, their
//! event filter and their signing secrets (sealed, current and the previous
//! one while a rotation is under way); `webhook_attempts` — every delivery
//! attempt: one row per (subscription, event, series, attempt), so a
//! redelivered job finds the attempt it already made.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: &[&str] = &[
    "CREATE TABLE domain_events (id {uuid} PRIMARY KEY,
        tenant_id {uuid} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        kind varchar(40) NOT NULL, occurred_at bigint NOT NULL, data text NOT NULL, relayed_at bigint)",
    "CREATE INDEX ix_domain_events_pending ON domain_events (occurred_at, id) WHERE relayed_at IS NULL",
    "CREATE INDEX ix_domain_events_tenant ON domain_events (tenant_id, occurred_at, id)",
    "CREATE TABLE webhook_subscriptions (id {uuid} PRIMARY KEY,
        tenant_id {uuid} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        url varchar(2048) NOT NULL, description varchar(200), events text NOT NULL, status varchar(20) NOT NULL,
        secrets text NOT NULL, secrets_key_id varchar(32) NOT NULL, previous_until bigint,
        failing_since bigint, disabled_reason varchar(500), created_at bigint NOT NULL, updated_at bigint NOT NULL)",
    "CREATE INDEX ix_webhook_subscriptions_tenant ON webhook_subscriptions (tenant_id, created_at, id)",
    "CREATE TABLE webhook_attempts (id {uuid} PRIMARY KEY,
        subscription_id {uuid} NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
        tenant_id {uuid} NOT NULL, event_id {uuid} NOT NULL, event_kind varchar(40) NOT NULL,
        series varchar(60) NOT NULL, attempt integer NOT NULL, attempted_at bigint NOT NULL,
        status_code integer, latency_ms bigint NOT NULL, excerpt text NOT NULL, error varchar(500),
        succeeded boolean NOT NULL, next_attempt_at bigint,
        UNIQUE (subscription_id, event_id, series, attempt))",
    "CREATE INDEX ix_webhook_attempts_subscription ON webhook_attempts (subscription_id, attempted_at, id)",
    "CREATE INDEX ix_webhook_attempts_time ON webhook_attempts (attempted_at)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(manager, TABLES).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::drop_all(manager, &["webhook_attempts", "webhook_subscriptions", "domain_events"]).await
    }
}
