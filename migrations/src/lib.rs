//! Database migrations, written once with SeaQuery so they run unchanged on
//! PostgreSQL (production) and SQLite (the embedded default).
//!
//! Applied at start-up when `RUN_MIGRATIONS=true` (the default) and by
//! `frontdesk-api migrate` / `just migrate`. Every migration has a working
//! `down`, exercised by the adapter tests (up → down → up on both backends).

pub use sea_orm_migration::prelude::*;

mod m20261124_000001_identity;
mod m20261124_000002_login_attempts;
mod m20261124_000003_invitations;
mod m20261124_000004_audit_log;
mod m20261124_000005_leads;
mod m20261124_000006_receptionist_config;
mod m20261124_000007_jobs;
mod m20261124_000008_jobs_due_index;
mod m20261204_100001_refresh_token_families;
mod m20261204_100002_login_attempt_keys;
mod m20261204_200001_job_interruptions;
mod m20261205_000001_bookings;
mod m20261205_000002_outbox;
mod m20261205_000003_booking_wording;
mod m20261205_000004_conversations;
mod m20261205_000005_channels;
mod m20261205_000006_email_threads;
mod m20261205_000007_chat_widgets;
mod m20261206_000001_integrations;
mod m20261206_000002_integration_events;
mod m20261206_000003_webhooks;
mod m20261206_000004_link_fingerprints;
mod m20261206_000005_import_cursors;
mod m20261207_000001_files;
mod m20261207_000002_integration_appointments;
mod m20261207_000003_lead_counts;

/// Runs `statements` in order, `{uuid}` replaced by the backend's uuid column type.
pub(crate) async fn run_all(manager: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    use sea_orm_migration::sea_orm::DbBackend;
    let uuid = if manager.get_database_backend() == DbBackend::Postgres { "uuid" } else { "uuid_text" };
    for sql in statements {
        manager.get_connection().execute_unprepared(&sql.replace("{uuid}", uuid)).await?;
    }
    Ok(())
}

/// Drops `tables`, in order.
pub(crate) async fn drop_all(manager: &SchemaManager<'_>, tables: &[&str]) -> Result<(), DbErr> {
    for table in tables {
        manager.get_connection().execute_unprepared(&format!("DROP TABLE IF EXISTS {table}")).await?;
    }
    Ok(())
}

/// The ordered list of migrations.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_identity::Migration),
            Box::new(m20261124_000002_login_attempts::Migration),
            Box::new(m20261124_000003_invitations::Migration),
            Box::new(m20261124_000004_audit_log::Migration),
            Box::new(m20261124_000005_leads::Migration),
            Box::new(m20261124_000006_receptionist_config::Migration),
            Box::new(m20261124_000007_jobs::Migration),
            Box::new(m20261124_000008_jobs_due_index::Migration),
            Box::new(m20261204_100001_refresh_token_families::Migration),
            Box::new(m20261204_100002_login_attempt_keys::Migration),
            Box::new(m20261204_200001_job_interruptions::Migration),
            Box::new(m20261205_000001_bookings::Migration),
            Box::new(m20261205_000002_outbox::Migration),
            Box::new(m20261205_000003_booking_wording::Migration),
            Box::new(m20261205_000004_conversations::Migration),
            Box::new(m20261205_000005_channels::Migration),
            Box::new(m20261205_000006_email_threads::Migration),
            Box::new(m20261205_000007_chat_widgets::Migration),
            Box::new(m20261206_000001_integrations::Migration),
            Box::new(m20261206_000002_integration_events::Migration),
            Box::new(m20261206_000003_webhooks::Migration),
            Box::new(m20261206_000004_link_fingerprints::Migration),
            Box::new(m20261206_000005_import_cursors::Migration),
            Box::new(m20261207_000001_files::Migration),
            Box::new(m20261207_000002_integration_appointments::Migration),
            Box::new(m20261207_000003_lead_counts::Migration),
        ]
    }
}
