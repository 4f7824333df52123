//! `strategies` and `prompt_templates`: the receptionist's per-tenant
//! configuration. A partial unique index on `(tenant_id) WHERE is_default`
//! makes "at most one default per tenant" a database fact; the repositories
//! keep "at least one" (see the receptionist crate).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Strategies {
    Table,
    Id,
    TenantId,
    Name,
    Persona,
    Tone,
    Goal,
    QualificationQuestions,
    BusinessFacts,
    HandoffPhone,
    IsDefault,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PromptTemplates {
    Table,
    Id,
    TenantId,
    Name,
    Body,
    Variables,
    IsDefault,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
}

const INDEXES: &[&str] = &[
    "CREATE UNIQUE INDEX ux_strategies_default ON strategies (tenant_id) WHERE is_default",
    "CREATE INDEX idx_strategies_tenant ON strategies (tenant_id, created_at, id)",
    "CREATE UNIQUE INDEX ux_prompt_templates_default ON prompt_templates (tenant_id) WHERE is_default",
    "CREATE INDEX idx_prompt_templates_tenant ON prompt_templates (tenant_id, created_at, id)",
];

fn tenant_fk(table: impl IntoIden + 'static, name: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from_tbl(table)
        .from_col(Alias::new("tenant_id"))
        .to(Tenants::Table, Tenants::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Strategies::Table)
                    .col(pk_uuid(Strategies::Id))
                    .col(uuid(Strategies::TenantId))
                    .col(string_len(Strategies::Name, 120))
                    .col(text(Strategies::Persona))
                    .col(string_len(Strategies::Tone, 200))
                    .col(text(Strategies::Goal))
                    .col(json_binary(Strategies::QualificationQuestions))
                    .col(json_binary(Strategies::BusinessFacts))
                    .col(string_len_null(Strategies::HandoffPhone, 16))
                    .col(boolean(Strategies::IsDefault))
                    .col(timestamp_with_time_zone(Strategies::CreatedAt))
                    .col(timestamp_with_time_zone(Strategies::UpdatedAt))
                    .foreign_key(&mut tenant_fk(Strategies::Table, "fk_strategies_tenant"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PromptTemplates::Table)
                    .col(pk_uuid(PromptTemplates::Id))
                    .col(uuid(PromptTemplates::TenantId))
                    .col(string_len(PromptTemplates::Name, 120))
                    .col(text(PromptTemplates::Body))
                    .col(json_binary(PromptTemplates::Variables))
                    .col(boolean(PromptTemplates::IsDefault))
                    .col(timestamp_with_time_zone(PromptTemplates::CreatedAt))
                    .col(timestamp_with_time_zone(PromptTemplates::UpdatedAt))
                    .foreign_key(&mut tenant_fk(PromptTemplates::Table, "fk_prompt_templates_tenant"))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        for sql in INDEXES {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(PromptTemplates::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Strategies::Table).to_owned()).await
    }
}
