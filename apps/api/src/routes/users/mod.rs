//! `/api/v1/users`: the caller's profile and the members of their sub-account.

mod members;
mod profile;

/// Registers the routes (`profile` before `{id}`).
pub fn configure(cfg: &mut impl crate::routes::Routes) {
    cfg.service(profile::get_profile)
        .service(profile::update_profile)
        .service(members::list)
        .service(members::change_role)
        .service(members::remove);
}
