//! Route registration. One module per resource, one handler per file as resources grow.

pub mod auth;
pub mod bookings;
pub mod files;
pub mod integrations;
pub mod jobs;
pub mod leads;
pub mod methods;
pub mod outbox;
pub mod paged;
pub mod public_chat;
pub mod receptionist;
pub mod status;
pub mod subaccounts;
pub mod users;
pub mod webhook_subscriptions;
pub mod webhooks;

use crate::error::ApiError;
use actix_web::dev::HttpServiceFactory;
use frontdesk_kernel::Code;
use utoipa_actix_web::OpenApiFactory;

/// Where the routes are registered: the documenting app that collects the
/// OpenAPI document (built once, for `/openapi.json` and the allowed-methods
/// table), or the plain actix app every server worker builds. Registering a
/// worker's routes through the documenting app would build the whole
/// document once per worker and throw it away (~6 MB of peak heap each,
/// which glibc keeps: it was most of the idle api's heap).
pub trait Routes {
    /// Registers one documented handler (or scope).
    fn service<F>(&mut self, factory: F) -> &mut Self
    where
        F: HttpServiceFactory + OpenApiFactory + 'static;
}

impl Routes for utoipa_actix_web::service_config::ServiceConfig<'_> {
    fn service<F>(&mut self, factory: F) -> &mut Self
    where
        F: HttpServiceFactory + OpenApiFactory + 'static,
    {
        utoipa_actix_web::service_config::ServiceConfig::service(self, factory)
    }
}

impl Routes for actix_web::web::ServiceConfig {
    fn service<F>(&mut self, factory: F) -> &mut Self
    where
        F: HttpServiceFactory + OpenApiFactory + 'static,
    {
        actix_web::web::ServiceConfig::service(self, factory)
    }
}

/// Registers every documented route (the OpenAPI document is collected from these).
///
/// actix tries resources in registration order and runs the capture regex of
/// every dynamic one it passes (route matching was ~6 % of a cached lead
/// read's CPU with 10 dynamic resources ahead of it), so the hottest paths go
/// first: vendor webhooks (every call and message turn), leads, then auth.
/// No two modules' paths overlap, so the order decides nothing but that cost.
pub fn configure<R: Routes>(cfg: &mut R) {
    webhooks::configure(cfg);
    leads::configure(cfg);
    auth::configure(cfg);
    status::configure(cfg);
    subaccounts::configure(cfg);
    users::configure(cfg);
    jobs::configure(cfg);
    receptionist::configure(cfg);
    bookings::configure(cfg);
    integrations::configure(cfg);
    files::configure(cfg);
    webhook_subscriptions::configure(cfg);
    outbox::configure(cfg);
    public_chat::configure(cfg);
}

/// An id sent in a body or query, its problem added to `errors` under
/// `field`; blank is absent.
pub(crate) fn field_id<T: std::str::FromStr>(
    errors: &mut frontdesk_kernel::ValidationErrors,
    field: &str,
    raw: Option<&str>,
) -> Option<T> {
    let raw = raw.map(str::trim).filter(|r| !r.is_empty())?;
    errors.check(field, raw.parse::<T>().map_err(|_| "must be an id (UUID)"))
}

/// Parses a path id; a malformed id names nothing, so it is a 404 like any
/// unknown id (`"{entity} not found"`), never a 400 that would tell ids apart.
pub(crate) fn path_id<T: std::str::FromStr>(raw: &str, entity: &str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| ApiError::new(Code::NotFound, format!("{entity} not found")))
}

/// The `Idempotency-Key` header, when sent (a retried request then returns the same job).
pub(crate) fn idempotency_key(req: &actix_web::HttpRequest) -> Result<Option<String>, ApiError> {
    match req.headers().get("idempotency-key") {
        None => Ok(None),
        Some(value) => {
            let key = value
                .to_str()
                .map_err(|_| ApiError::new(Code::BadRequest, "Idempotency-Key must be visible ASCII"))?
                .trim();
            if key.is_empty() || key.len() > 200 {
                return Err(ApiError::new(Code::BadRequest, "Idempotency-Key must be 1-200 characters"));
            }
            Ok(Some(key.to_owned()))
        }
    }
}
