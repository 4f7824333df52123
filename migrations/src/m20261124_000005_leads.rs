//! `leads` and `lead_events` (the timeline), plus `tenants.country`, the
//! region national phone numbers are read in.
//!
//! Index choices (every list filter is indexed with `tenant_id` first, and
//! only live rows are indexed where lists never show deleted ones):
//! * partial unique `(tenant_id, phone)` / `(tenant_id, email)` among live
//!   leads: per-tenant uniqueness that a soft delete frees;
//! * `(tenant_id, created_at, id)` for the default newest-first list and the
//!   created range, `(tenant_id, updated_at, id)` and
//!   `(tenant_id, lower(name), id)` for the other sorts;
//! * `(tenant_id, status|source|assigned_to, created_at)` for the filters;
//! * `(tenant_id, deleted_at)` for the trash list and the purge;
//! * on PostgreSQL a GIN trigram index on `search` (lower-cased name, email
//!   and phone) so `q` (`LIKE '%…%'`) stays fast at 100k leads per tenant;
//!   SQLite (the embedded default, small tenants) scans.
//!
//! `lead_events` is append-only, listed newest first per lead.

use sea_orm_migration::sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Leads {
    Table,
    Id,
    TenantId,
    Name,
    Phone,
    Email,
    Status,
    Source,
    Notes,
    Metadata,
    AssignedTo,
    Search,
    Version,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum LeadEvents {
    Table,
    Id,
    TenantId,
    LeadId,
    Kind,
    Direction,
    Content,
    Meta,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
    Country,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

const LEAD_INDEXES: &[&str] = &[
    "CREATE UNIQUE INDEX ux_leads_tenant_phone ON leads (tenant_id, phone) WHERE deleted_at IS NULL AND phone IS NOT NULL",
    "CREATE UNIQUE INDEX ux_leads_tenant_email ON leads (tenant_id, email) WHERE deleted_at IS NULL AND email IS NOT NULL",
    "CREATE INDEX idx_leads_tenant_created ON leads (tenant_id, created_at, id) WHERE deleted_at IS NULL",
    "CREATE INDEX idx_leads_tenant_updated ON leads (tenant_id, updated_at, id) WHERE deleted_at IS NULL",
    "CREATE INDEX idx_leads_tenant_name ON leads (tenant_id, lower(name), id) WHERE deleted_at IS NULL",
    "CREATE INDEX idx_leads_tenant_status ON leads (tenant_id, status, created_at) WHERE deleted_at IS NULL",
    "CREATE INDEX idx_leads_tenant_source ON leads (tenant_id, source, created_at) WHERE deleted_at IS NULL",
    "CREATE INDEX idx_leads_tenant_assignee ON leads (tenant_id, assigned_to, created_at) WHERE deleted_at IS NULL",
    "CREATE INDEX idx_leads_tenant_deleted ON leads (tenant_id, deleted_at) WHERE deleted_at IS NOT NULL",
    "CREATE INDEX idx_lead_events_lead ON lead_events (lead_id, created_at, id)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(Tenants::Table).add_column(string_len_null(Tenants::Country, 2)).to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Leads::Table)
                    .col(pk_uuid(Leads::Id))
                    .col(uuid(Leads::TenantId))
                    .col(string_len(Leads::Name, 200))
                    .col(string_len_null(Leads::Phone, 16))
                    .col(string_len_null(Leads::Email, 254))
                    .col(string_len(Leads::Status, 16))
                    .col(string_len(Leads::Source, 16))
                    .col(text_null(Leads::Notes))
                    .col(json_binary(Leads::Metadata))
                    .col(uuid_null(Leads::AssignedTo))
                    .col(text(Leads::Search))
                    .col(big_integer(Leads::Version))
                    .col(timestamp_with_time_zone(Leads::CreatedAt))
                    .col(timestamp_with_time_zone(Leads::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Leads::DeletedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_leads_tenant")
                            .from(Leads::Table, Leads::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_leads_assignee")
                            .from(Leads::Table, Leads::AssignedTo)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LeadEvents::Table)
                    .col(pk_uuid(LeadEvents::Id))
                    .col(uuid(LeadEvents::TenantId))
                    .col(uuid(LeadEvents::LeadId))
                    .col(string_len(LeadEvents::Kind, 16))
                    .col(string_len_null(LeadEvents::Direction, 8))
                    .col(text(LeadEvents::Content))
                    .col(json_binary(LeadEvents::Meta))
                    .col(timestamp_with_time_zone(LeadEvents::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_lead_events_lead")
                            .from(LeadEvents::Table, LeadEvents::LeadId)
                            .to(Leads::Table, Leads::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        for sql in LEAD_INDEXES {
            db.execute_unprepared(sql).await?;
        }
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            db.execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_trgm").await?;
            db.execute_unprepared("CREATE INDEX idx_leads_search_trgm ON leads USING gin (search gin_trgm_ops)")
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(LeadEvents::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Leads::Table).to_owned()).await?;
        manager.alter_table(Table::alter().table(Tenants::Table).drop_column(Tenants::Country).to_owned()).await
    }
}
