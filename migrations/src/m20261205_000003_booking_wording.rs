//! `booking_message_wording`: a sub-account's own wording of each booking
//! message (confirmation, rescheduled, cancelled, reminder) as one JSON
//! document per `(tenant_id, message)`; no row means the built-in wording.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let uuid = if manager.get_database_backend() == DbBackend::Postgres { "uuid" } else { "uuid_text" };
        let sql = format!(
            "CREATE TABLE booking_message_wording (tenant_id {uuid} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
                message varchar(16) NOT NULL, wording text NOT NULL, updated_at bigint NOT NULL,
                PRIMARY KEY (tenant_id, message))"
        );
        manager.get_connection().execute_unprepared(&sql).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared("DROP TABLE IF EXISTS booking_message_wording").await?;
        Ok(())
    }
}
