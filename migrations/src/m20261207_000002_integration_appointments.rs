//! `integration_appointments`: which CRM appointment (GoHighLevel chooses
//! the id) mirrors which booking, per integration — stored as soon as the
//! appointment exists, so a retried sync moves it instead of making another.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: &[&str] = &["CREATE TABLE integration_appointments (
        integration_id {uuid} NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
        booking_id {uuid} NOT NULL, tenant_id {uuid} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        external_id varchar(100) NOT NULL, updated_at bigint NOT NULL, PRIMARY KEY (integration_id, booking_id))"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(manager, TABLES).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::drop_all(manager, &["integration_appointments"]).await
    }
}
