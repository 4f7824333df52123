//! Inbound vendor webhooks, mounted outside `/api` at `/webhooks/{vendor}/…`.
//!
//! Webhooks are not part of the REST API: they carry no bearer token, are
//! authenticated by a vendor signature verified in constant time (failing
//! closed, 403), resolve the tenant from the payload (`To`, the inbound
//! address, the integration id), and are idempotent by the vendor's own
//! event id because vendors retry. Each vendor gets a module here; the
//! signature check is an extractor in `crate::extract`.

mod gohighlevel;
mod postmark;
mod relay;
mod twilio;

pub use postmark::PostmarkContext;
pub use twilio::TwilioContext;

/// Registers the webhook routes.
pub fn configure(cfg: &mut impl crate::routes::Routes) {
    cfg.service(twilio::voice)
        .service(twilio::gather)
        .service(twilio::continue_turn)
        .service(twilio::dial)
        .service(twilio::recording)
        .service(twilio::status)
        .service(twilio::sms)
        .service(twilio::relay_end)
        .service(relay::relay)
        .service(postmark::inbound)
        .service(gohighlevel::event);
}
