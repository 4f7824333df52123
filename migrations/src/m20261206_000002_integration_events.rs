//! `integration_events`: the vendor events an integration received, keyed
//! by the vendor's event id (GoHighLevel `webhookId`, else its signature),
//! so a redelivery is recognised; `integration_links`: which lead an
//! outside record (a GoHighLevel contact) is.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: &[&str] = &[
    "CREATE TABLE integration_events (
        integration_id {uuid} NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
        event_id varchar(200) NOT NULL, event_type varchar(60) NOT NULL, received_at bigint NOT NULL,
        PRIMARY KEY (integration_id, event_id))",
    "CREATE INDEX ix_integration_events_received ON integration_events (received_at)",
    "CREATE TABLE integration_links (
        integration_id {uuid} NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
        external_id varchar(100) NOT NULL, tenant_id {uuid} NOT NULL, lead_id {uuid} NOT NULL,
        created_at bigint NOT NULL, PRIMARY KEY (integration_id, external_id))",
    "CREATE INDEX ix_integration_links_lead ON integration_links (tenant_id, lead_id)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(manager, TABLES).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::drop_all(manager, &["integration_links", "integration_events"]).await
    }
}
