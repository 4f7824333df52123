//! `audit_log`: the append-only trail of security-relevant events (actor,
//! tenant, action, target, ip, user agent, time). Indexed for the two reads
//! that matter: a tenant's recent history and an actor's.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    ActorId,
    TenantId,
    Action,
    Target,
    Ip,
    UserAgent,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(pk_uuid(AuditLog::Id))
                    .col(uuid_null(AuditLog::ActorId))
                    .col(uuid_null(AuditLog::TenantId))
                    .col(string_len(AuditLog::Action, 40))
                    .col(string_len_null(AuditLog::Target, 256))
                    .col(string_len_null(AuditLog::Ip, 64))
                    .col(string_len_null(AuditLog::UserAgent, 256))
                    .col(timestamp_with_time_zone(AuditLog::At))
                    .to_owned(),
            )
            .await?;
        for (name, column) in
            [("idx_audit_log_tenant_at", AuditLog::TenantId), ("idx_audit_log_actor_at", AuditLog::ActorId)]
        {
            manager
                .create_index(
                    Index::create().name(name).table(AuditLog::Table).col(column).col(AuditLog::At).to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AuditLog::Table).to_owned()).await
    }
}
