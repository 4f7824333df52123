//! A partial index for claiming due jobs in order: `(queue, run_at, id)`
//! over `queued`/`failed` rows only. The claim's `ORDER BY run_at, id LIMIT
//! 1 FOR UPDATE SKIP LOCKED` then walks the index and stops at the first
//! unlocked row; with only `(queue, status, run_at)` it sorted the whole
//! ready backlog on every claim (~10 ms at 20,000 queued, docs/benchmarks.md).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX idx_jobs_due ON jobs (queue, run_at, id) WHERE status IN ('queued', 'failed')",
            )
            .await
            .map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared("DROP INDEX idx_jobs_due").await.map(|_| ())
    }
}
