//! `lead_counts`: each tenant's number of live (not deleted) leads, moved
//! in the same transaction as every write that adds or removes one (create,
//! import, delete to the trash, restore), so the unfiltered lead list's
//! total is a sum of a few rows instead of a `COUNT(*)` over the tenant.
//! The count is split over shards (chosen by the lead's id; how many is the
//! lead store's `COUNTER_SHARDS`, no schema change needed to move it) so
//! concurrent writes of one tenant rarely wait on the same row lock.
//! Seeded here from the leads already stored (shard 0).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: &[&str] = &[
    "CREATE TABLE lead_counts (tenant_id {uuid} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        shard smallint NOT NULL, live bigint NOT NULL, PRIMARY KEY (tenant_id, shard))",
    "INSERT INTO lead_counts (tenant_id, shard, live)
        SELECT tenant_id, 0, COUNT(*) FROM leads WHERE deleted_at IS NULL GROUP BY tenant_id",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(manager, TABLES).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::drop_all(manager, &["lead_counts"]).await
    }
}
