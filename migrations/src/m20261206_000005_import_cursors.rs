//! `integration_import_cursors`: where a contact import job stopped (the
//! last contact read) and how many it had imported, saved after every page,
//! so a run after a crash resumes there.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: &[&str] = &["CREATE TABLE integration_import_cursors (job_id {uuid} PRIMARY KEY,
        tenant_id {uuid} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        cursor text NOT NULL, imported bigint NOT NULL, updated_at bigint NOT NULL)"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(manager, TABLES).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::drop_all(manager, &["integration_import_cursors"]).await
    }
}
