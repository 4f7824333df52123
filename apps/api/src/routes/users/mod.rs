//! `/api/v1/users`: the caller's profile and the members of their sub-account.

mod members;
mod profile;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the routes (`profile` before `{id}`).
pub fn configure(cfg: &mut ServiceConfig<'_>) {
    cfg.service(profile::get_profile)
        .service(profile::update_profile)
        .service(members::list)
        .service(members::change_role)
        .service(members::remove);
}
