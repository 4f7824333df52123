//! `/api/v1/auth/*`: sign-up (login, refresh, logout and the rest arrive with the identity issue).

mod register;

use utoipa_actix_web::service_config::ServiceConfig;

pub use register::{RegisterBody, SessionBody, UserBody};

/// Registers the auth routes.
pub fn configure(cfg: &mut ServiceConfig<'_>) {
    cfg.service(register::register);
}
