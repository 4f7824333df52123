//! `jobs` (background jobs: the queue of the SQL backend and, whatever
//! carries the jobs, their status) and `job_effects` (what handlers have
//! already done, so a redelivered job does not do it twice).
//!
//! Delivery is at-least-once, so the schema serves two needs:
//! * status lives here for every backend (`GET /api/v1/jobs/{id}` reads it,
//!   and it survives a Redis restart);
//! * on the SQL backend the row *is* the queue entry: a worker claims it by
//!   setting `status = 'running'` with a lease (`lease_until`, `lease_token`);
//!   a lease that expires is a crashed runner's job, taken over by the next
//!   claim, and the token lets the old runner's late acknowledgement be
//!   ignored.
//!
//! Indexes:
//! * partial unique `(tenant_id, idempotency_key)` where a key is given:
//!   enqueuing the same key twice in a tenant yields one job, even when the
//!   two enqueues race;
//! * `(queue, status, run_at)` for the claim ("oldest due job of this queue")
//!   and the depth counts;
//! * `(tenant_id, created_at)` for a tenant's job list.
//!
//! `job_effects` has the primary key `(job_id, step)`: a handler inserts its
//! step's row in the same transaction as the step's effect, and a redelivery
//! finds the row and skips the step. Rows go with their job (cascade).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Jobs {
    Table,
    Id,
    TenantId,
    Queue,
    Kind,
    Payload,
    Status,
    Attempts,
    MaxAttempts,
    IdempotencyKey,
    Result,
    Error,
    ProgressProcessed,
    ProgressTotal,
    RunAt,
    LeaseUntil,
    LeaseToken,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum JobEffects {
    Table,
    JobId,
    Step,
    Outcome,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
}

const JOB_INDEXES: &[&str] = &[
    "CREATE UNIQUE INDEX ux_jobs_tenant_idempotency_key ON jobs (tenant_id, idempotency_key) \
     WHERE idempotency_key IS NOT NULL",
    "CREATE INDEX idx_jobs_claim ON jobs (queue, status, run_at)",
    "CREATE INDEX idx_jobs_tenant_created ON jobs (tenant_id, created_at)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Jobs::Table)
                    .col(pk_uuid(Jobs::Id))
                    .col(uuid(Jobs::TenantId))
                    .col(string_len(Jobs::Queue, 64))
                    .col(string_len(Jobs::Kind, 64))
                    .col(json_binary(Jobs::Payload))
                    .col(string_len(Jobs::Status, 16))
                    .col(integer(Jobs::Attempts))
                    .col(integer(Jobs::MaxAttempts))
                    .col(string_len_null(Jobs::IdempotencyKey, 200))
                    .col(json_binary_null(Jobs::Result))
                    .col(text_null(Jobs::Error))
                    .col(big_integer_null(Jobs::ProgressProcessed))
                    .col(big_integer_null(Jobs::ProgressTotal))
                    .col(timestamp_with_time_zone(Jobs::RunAt))
                    .col(timestamp_with_time_zone_null(Jobs::LeaseUntil))
                    .col(string_len_null(Jobs::LeaseToken, 64))
                    .col(timestamp_with_time_zone(Jobs::CreatedAt))
                    .col(timestamp_with_time_zone(Jobs::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_jobs_tenant")
                            .from(Jobs::Table, Jobs::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(JobEffects::Table)
                    .col(uuid(JobEffects::JobId))
                    .col(string_len(JobEffects::Step, 100))
                    .col(json_binary(JobEffects::Outcome))
                    .col(timestamp_with_time_zone(JobEffects::CreatedAt))
                    .primary_key(Index::create().name("pk_job_effects").col(JobEffects::JobId).col(JobEffects::Step))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_job_effects_job")
                            .from(JobEffects::Table, JobEffects::JobId)
                            .to(Jobs::Table, Jobs::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        for sql in JOB_INDEXES {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(JobEffects::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Jobs::Table).to_owned()).await
    }
}
