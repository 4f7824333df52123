//! `jobs.interruptions`: how many runs of a job ended without a verdict (its
//! runner's lease ran out: the process died, or stalled past its heartbeat).
//! Counted apart from `attempts` so that a job which kills its runner every
//! time — a poison job — is dead-lettered after `JOB_MAX_INTERRUPTIONS`
//! interruptions instead of taking the worker down again on every claim
//! until its attempt budget is spent.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE jobs ADD COLUMN interruptions integer NOT NULL DEFAULT 0")
            .await
            .map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared("ALTER TABLE jobs DROP COLUMN interruptions").await.map(|_| ())
    }
}
