//! `chat_widgets`: one website chat widget per sub-account — its public
//! key (unique: the public endpoints find the sub-account by it), the
//! origins that may embed it (JSON array), greeting and colours.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: &[&str] = &[
    "CREATE TABLE chat_widgets (tenant_id {uuid} PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
        widget_key varchar(100) NOT NULL, allowed_origins text NOT NULL, greeting varchar(2000) NOT NULL,
        primary_color varchar(7) NOT NULL, text_color varchar(7) NOT NULL,
        created_at bigint NOT NULL, updated_at bigint NOT NULL)",
    "CREATE UNIQUE INDEX ux_chat_widgets_key ON chat_widgets (widget_key)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(manager, TABLES).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::drop_all(manager, &["chat_widgets"]).await
    }
}
