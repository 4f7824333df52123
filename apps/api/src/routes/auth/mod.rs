//! `/api/v1/auth/*`: sign-up, login, refresh rotation, logout, me, change-password.

mod admin;
mod register;
mod session;

pub use admin::AdminAuthCode;
pub use register::{RegisterBody, SessionBody, TokensBody, UserBody};

/// Registers the auth routes.
pub fn configure(cfg: &mut impl crate::routes::Routes) {
    cfg.service(register::register)
        .service(admin::register_admin)
        .service(session::login)
        .service(session::refresh)
        .service(session::logout)
        .service(session::me)
        .service(session::change_password);
}
