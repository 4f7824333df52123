//! Route registration. One module per resource, one handler per file as resources grow.

pub mod auth;
pub mod jobs;
pub mod leads;
pub mod receptionist;
pub mod status;
pub mod subaccounts;
pub mod users;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every documented route (the OpenAPI document is collected from these).
pub fn configure(cfg: &mut ServiceConfig<'_>) {
    status::configure(cfg);
    auth::configure(cfg);
    subaccounts::configure(cfg);
    users::configure(cfg);
    jobs::configure(cfg);
    leads::configure(cfg);
    receptionist::configure(cfg);
}
