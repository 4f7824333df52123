//! Indexes for the lockout keyed on (email, client address) and for the
//! retention purges.
//!
//! * `login_attempts (email, ip, at)`: "failures since the last success
//!   from this address", newest first. The per-email throttle keeps using
//!   `(email, at)`.
//! * `login_attempts (at)` and `audit_log (at)`: the hourly purge deletes
//!   rows older than the retention without scanning the tables.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LoginAttempts {
    Table,
    Email,
    Ip,
    At,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_login_attempts_email_ip_at")
                    .table(LoginAttempts::Table)
                    .col(LoginAttempts::Email)
                    .col(LoginAttempts::Ip)
                    .col(LoginAttempts::At)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_login_attempts_at")
                    .table(LoginAttempts::Table)
                    .col(LoginAttempts::At)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("idx_audit_log_at").table(AuditLog::Table).col(AuditLog::At).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in ["idx_audit_log_at", "idx_login_attempts_at", "idx_login_attempts_email_ip_at"] {
            manager.get_connection().execute_unprepared(&format!("DROP INDEX {name}")).await?;
        }
        Ok(())
    }
}
