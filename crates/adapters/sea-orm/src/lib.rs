//! SeaORM adapter: the SQL implementations of the domain's repository ports.
//!
//! One code base serves two backends: PostgreSQL in production and a SQLite
//! file for the embedded default. SeaORM entities stay private to this
//! crate; repositories map rows to domain types and database errors to
//! domain errors (a unique violation becomes `Duplicate`), so nothing above
//! this crate ever sees SQL.

pub mod connection;
mod entities;
mod error;
pub mod health;
pub mod repos;

#[cfg(feature = "testing")]
pub mod testing;

pub use connection::{Backend, ConnectError, DbConfig, SqlStore};
pub use health::SqlHealthCheck;
pub use repos::{
    SeaOrmAppointmentTypes, SeaOrmAuditLog, SeaOrmBookings, SeaOrmChannels, SeaOrmConversations, SeaOrmEmailThreads,
    SeaOrmEventOutbox, SeaOrmFileRecords, SeaOrmIntegrations, SeaOrmInvitationRepository, SeaOrmLeadRepository,
    SeaOrmLoginAttemptRepository, SeaOrmMembershipRepository, SeaOrmOutbox, SeaOrmPromptTemplateRepository,
    SeaOrmRefreshTokenRepository, SeaOrmResources, SeaOrmSchedules, SeaOrmStrategyRepository, SeaOrmSubscriptions,
    SeaOrmTenantDirectory, SeaOrmTenantRepository, SeaOrmUserRepository, SeaOrmWidgets, SeaOrmWording,
};
