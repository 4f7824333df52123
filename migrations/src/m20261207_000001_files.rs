//! `files` — a tenant's file library (`/api/v1/files`, call recordings):
//! what the API lists and shows for each stored object (name, folder, sniffed
//! type, size, who); the bytes are in file storage under `key`. Listing a
//! folder reads the tenant's index, never the bucket.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: &[&str] = &[
    "CREATE TABLE files (id {uuid} PRIMARY KEY,
        tenant_id {uuid} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        storage_key varchar(400) NOT NULL UNIQUE, name varchar(1024) NOT NULL, folder varchar(210) NOT NULL,
        content_type varchar(100) NOT NULL, size_bytes bigint NOT NULL, purpose varchar(20) NOT NULL,
        created_by {uuid}, created_at bigint NOT NULL)",
    "CREATE INDEX ix_files_tenant ON files (tenant_id, created_at, id)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(manager, TABLES).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::drop_all(manager, &["files"]).await
    }
}
