//! `login_attempts`: every login attempt (email, outcome, ip, user agent,
//! time), the input of the lockout rule and the audit trail of logins.
//!
//! Keyed by the normalized email, registered or not, so unknown emails lock
//! like real ones. The (email, at) index serves "failures since the last
//! success, newest first".

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LoginAttempts {
    Table,
    Id,
    Email,
    Succeeded,
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
                    .table(LoginAttempts::Table)
                    .col(pk_uuid(LoginAttempts::Id))
                    .col(string_len(LoginAttempts::Email, 254))
                    .col(boolean(LoginAttempts::Succeeded))
                    .col(string_len_null(LoginAttempts::Ip, 64))
                    .col(string_len_null(LoginAttempts::UserAgent, 256))
                    .col(timestamp_with_time_zone(LoginAttempts::At))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_login_attempts_email_at")
                    .table(LoginAttempts::Table)
                    .col(LoginAttempts::Email)
                    .col(LoginAttempts::At)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(LoginAttempts::Table).to_owned()).await
    }
}
