//! `integration_links.fingerprint`: what a lead looked like (name, email,
//! phone) when it was last pushed to or received from the outside record,
//! so a push that would change nothing — the echo of a change that came
//! from there — is skipped; and the index the push looks links up by.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const STATEMENTS: &[&str] = &[
    "ALTER TABLE integration_links ADD COLUMN fingerprint text",
    "CREATE INDEX ix_integration_links_integration_lead ON integration_links (integration_id, lead_id, created_at)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(manager, STATEMENTS).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX IF EXISTS ix_integration_links_integration_lead").await?;
        db.execute_unprepared("ALTER TABLE integration_links DROP COLUMN fingerprint").await?;
        Ok(())
    }
}
