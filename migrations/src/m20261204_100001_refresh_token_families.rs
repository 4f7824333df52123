//! `refresh_token_families`: one row per login (token family) with its start
//! and its revocation.
//!
//! The start bounds a session's absolute lifetime however often it is
//! refreshed. The revoked mark is what rotation checks, in the transaction
//! that consumes the old token and inserts the new one (with the family row
//! locked on PostgreSQL), so a rotation racing theft detection cannot leave
//! a live token in a revoked family. Existing families are backfilled from
//! their tokens (start = their oldest token).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RefreshTokenFamilies {
    Table,
    Id,
    StartedAt,
    RevokedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RefreshTokenFamilies::Table)
                    .col(pk_uuid(RefreshTokenFamilies::Id))
                    .col(timestamp_with_time_zone(RefreshTokenFamilies::StartedAt))
                    .col(timestamp_with_time_zone_null(RefreshTokenFamilies::RevokedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO refresh_token_families (id, started_at) \
                 SELECT family_id, MIN(created_at) FROM refresh_tokens GROUP BY family_id",
            )
            .await
            .map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(RefreshTokenFamilies::Table).to_owned()).await
    }
}
