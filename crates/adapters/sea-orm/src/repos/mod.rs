//! Repositories, one folder per domain, one file per port implementation.
//! Database errors become domain errors in `crate::error` only.

pub(crate) mod bookings;
pub(crate) mod events;
pub(crate) mod files;
pub(crate) mod integrations;
pub(crate) mod leads;
pub(crate) mod outbox;
pub(crate) mod receptionist;
mod sql;
pub(crate) mod tenancy;

pub use bookings::{SeaOrmAppointmentTypes, SeaOrmBookings, SeaOrmResources, SeaOrmSchedules, SeaOrmWording};
pub use events::SeaOrmEventOutbox;
pub use files::SeaOrmFileRecords;
pub use integrations::{SeaOrmIntegrations, SeaOrmSubscriptions};
pub use leads::{SeaOrmLeadRepository, SeaOrmTenantDirectory};
pub use outbox::SeaOrmOutbox;
pub use receptionist::{
    SeaOrmChannels, SeaOrmConversations, SeaOrmEmailThreads, SeaOrmPromptTemplateRepository, SeaOrmStrategyRepository,
    SeaOrmWidgets,
};
pub use tenancy::{
    SeaOrmAuditLog, SeaOrmInvitationRepository, SeaOrmLoginAttemptRepository, SeaOrmMembershipRepository,
    SeaOrmRefreshTokenRepository, SeaOrmTenantRepository, SeaOrmUserRepository,
};
