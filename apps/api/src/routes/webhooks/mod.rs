//! Inbound vendor webhooks, mounted outside `/api` at `/webhooks/{vendor}/…`.
//!
//! Webhooks are not part of the REST API: they carry no bearer token, are
//! authenticated by a vendor signature verified in constant time (failing
//! closed, 403), resolve the tenant from the payload (`To`, the inbound
//! address, the integration id), and are idempotent by the vendor's own
//! event id because vendors retry. Each vendor gets a module here; the
//! signature check is an extractor in `crate::extract`. None is mounted yet:
//! the channels and integrations issues add Twilio, Postmark and GoHighLevel.

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the webhook routes (none yet).
pub fn configure(_cfg: &mut ServiceConfig<'_>) {}
