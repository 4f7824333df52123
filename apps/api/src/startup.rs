//! Building and running the HTTP server.
//!
//! [`Application::build`] connects the stores, binds the listener (port 0
//! picks a free port: tests use that) and assembles the actix app; the
//! caller then awaits [`Application::run_until_stopped`]. actix handles
//! SIGTERM/SIGINT itself: it stops accepting, lets in-flight requests finish
//! for up to `SHUTDOWN_TIMEOUT_SECS`, then we close the pools.

use crate::middleware::api_key::{ApiKey, require_api_key};
use crate::middleware::rate_limit::{RateLimits, rate_limit};
use crate::middleware::{request_context, security_headers::security_headers};
use crate::routes::status::StatusProbe;
use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::http::{Method, header};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpResponse, HttpServer, web};
use frontdesk_runtime::services::Services;
use frontdesk_runtime::{AppEnv, Settings, StartupError, Stores};
use std::net::TcpListener;
use std::sync::Arc;

/// A bound, not yet running, api server.
pub struct Application {
    port: u16,
    server: Server,
    stores: Stores,
    /// The in-process worker (embedded profile) and the switch that stops it.
    workers: Option<(tokio::sync::watch::Sender<bool>, tokio::task::JoinSet<()>)>,
}

/// Why the api could not start.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// A store failed to connect.
    #[error(transparent)]
    Stores(#[from] StartupError),
    /// A use case could not be built (a rejected secret or crypto setting).
    #[error(transparent)]
    Services(#[from] frontdesk_runtime::services::ServicesError),
    /// The listener could not be bound.
    #[error("cannot listen on {address}: {source} (set HOST/PORT)")]
    Bind {
        /// host:port.
        address: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

/// The pre-rendered OpenAPI document (shared bytes: each response is a reference, not a copy).
struct OpenApiJson(web::Bytes);

impl Application {
    /// Connects stores and binds the listener.
    ///
    /// # Errors
    /// [`BuildError`] naming what failed.
    pub async fn build(settings: Settings) -> Result<Self, BuildError> {
        // First: the document's ~6 MB of temporaries are freed before the
        // long-lived pools and services are allocated, so those reuse that
        // heap instead of stacking on top of it (glibc keeps a heap's high
        // water mark; the idle api is ~2.5 MB smaller this way).
        let (openapi, allowed) = build_openapi();
        let stores = Stores::connect(&settings).await?;
        let address = std::net::SocketAddr::new(settings.http.host, settings.http.port);
        let bind_error = |source| BuildError::Bind { address: address.to_string(), source };
        let listener = TcpListener::bind(address).map_err(bind_error)?;
        let port = listener.local_addr().map_err(bind_error)?.port();

        let services = Services::build(&settings, &stores).await?;
        let auth = web::Data::from(Arc::clone(&services.auth));
        let subaccounts = web::Data::from(Arc::clone(&services.subaccounts));
        let leads = web::Data::from(Arc::clone(&services.leads));
        let receptionist = web::Data::from(Arc::clone(&services.receptionist));
        let jobs = web::Data::new(crate::routes::jobs::JobsContext { queue: Arc::clone(&services.jobs) });
        let transfers = web::Data::from(Arc::clone(&services.transfers));
        let bookings = web::Data::from(Arc::clone(&services.bookings));
        let wordings = web::Data::from(Arc::clone(&services.wordings));
        let desk = web::Data::from(Arc::clone(&services.desk));
        let inbound = web::Data::from(Arc::clone(&services.inbound));
        let twilio = web::Data::new(crate::routes::webhooks::TwilioContext {
            inbound: Arc::clone(&services.inbound),
            markup: Arc::clone(&services.markup),
            messenger: Arc::clone(&services.messenger),
        });
        let widgets = web::Data::from(Arc::clone(&services.widgets));
        let integrations = web::Data::from(Arc::clone(&services.integrations));
        let inbound_events = web::Data::from(Arc::clone(&services.inbound_events));
        let webhook_subscriptions = web::Data::from(Arc::clone(&services.webhooks));
        let files = web::Data::from(Arc::clone(&services.files));
        let public_base =
            web::Data::new(crate::routes::receptionist::PublicBase(settings.bookings.public_base_url.clone()));
        let postmark = web::Data::new(crate::routes::webhooks::PostmarkContext::new(
            Arc::clone(&services.inbound),
            settings.postmark.as_ref().and_then(|p| p.inbound.as_ref()).map(|(user, password)| {
                use secrecy::ExposeSecret;
                (user.as_str(), password.expose_secret())
            }),
        ));
        let twilio_verifier = web::Data::new(crate::extract::twilio::TwilioVerifier {
            signatures: Arc::clone(&services.signatures),
            public_base: settings.bookings.public_base_url.clone(),
        });
        let outbox = web::Data::new(crate::routes::outbox::OutboxContext { outbox: Arc::clone(&services.outbox) });
        let probe = web::Data::new(StatusProbe::new(stores.clone()));
        let metrics = web::Data::new(frontdesk_runtime::metrics::install());
        let production = settings.app_env == AppEnv::Production;
        let body_limit = settings.http.body_limit_bytes;
        let body_limit_data = web::Data::new(crate::middleware::text_guard::BodyLimit(body_limit));
        let cors_origins = settings.http.cors_origins.clone();
        let api_key = web::Data::new(ApiKey(settings.http.api_key.clone()));
        let admin_code = web::Data::new(crate::routes::auth::AdminAuthCode(settings.auth.admin_auth_code.clone()));
        let trusted_proxies =
            web::Data::new(crate::extract::client_ip::TrustedProxies(settings.http.trusted_proxies.clone()));
        let rate_limits = web::Data::new(RateLimits {
            limiter: Arc::clone(&stores.api_rate_limiter),
            auth: settings.http.auth_rate,
            api: settings.http.api_rate,
        });

        let server = HttpServer::new(move || {
            App::new()
                .configure(crate::routes::configure)
                .app_data(auth.clone())
                .app_data(subaccounts.clone())
                .app_data(leads.clone())
                .app_data(receptionist.clone())
                .app_data(jobs.clone())
                .app_data(transfers.clone())
                .app_data(bookings.clone())
                .app_data(outbox.clone())
                .app_data(wordings.clone())
                .app_data(desk.clone())
                .app_data(inbound.clone())
                .app_data(twilio.clone())
                .app_data(twilio_verifier.clone())
                .app_data(postmark.clone())
                .app_data(widgets.clone())
                .app_data(integrations.clone())
                .app_data(inbound_events.clone())
                .app_data(webhook_subscriptions.clone())
                .app_data(files.clone())
                .app_data(public_base.clone())
                .app_data(api_key.clone())
                .app_data(admin_code.clone())
                .app_data(rate_limits.clone())
                .app_data(trusted_proxies.clone())
                .app_data(probe.clone())
                .app_data(metrics.clone())
                .app_data(openapi.clone())
                .app_data(allowed.clone())
                .app_data(crate::extract::config::json_config(body_limit))
                .app_data(crate::extract::config::path_config())
                .app_data(crate::extract::config::query_config())
                .route("/openapi.json", web::get().to(openapi_document))
                .default_service(web::to(unknown_route))
                .app_data(body_limit_data.clone())
                .wrap(from_fn(crate::middleware::text_guard::text_guard))
                .wrap(from_fn(rate_limit))
                .wrap(from_fn(require_api_key))
                .wrap(cors(&cors_origins))
                .wrap(security_headers(production))
                .wrap(from_fn(request_context))
        })
        .shutdown_timeout(settings.http.shutdown_timeout.as_secs())
        .listen(listener)
        .map_err(bind_error)?
        .run();
        tracing::info!(host = %settings.http.host, port, "api listening");
        frontdesk_runtime::memory::release_after_startup();
        let workers = settings.jobs.embedded_worker.then(|| {
            let (stop, shutdown) = tokio::sync::watch::channel(false);
            let config = frontdesk_runtime::services::worker_config(&settings, "api");
            tracing::info!(concurrency = config.concurrency, "running the job worker in-process (EMBEDDED_WORKER)");
            let mut tasks = frontdesk_runtime::services::spawn_workers(&settings, &stores, config, &shutdown);
            // No separate worker process in this mode: run its purges here too.
            frontdesk_runtime::maintenance::spawn_purges(
                &stores,
                frontdesk_runtime::maintenance::Retention::from_settings(&settings),
                std::time::Duration::from_secs(3600),
                &shutdown,
                &mut tasks,
            );
            (stop, tasks)
        });
        Ok(Self { port, server, stores, workers })
    }

    /// The bound port.
    #[must_use]
    pub const fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGTERM/SIGINT (or the handle stops it), then closes the pools.
    ///
    /// # Errors
    /// I/O errors of the server.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        if let Some((stop, mut tasks)) = self.workers {
            tracing::info!("api stopped; stopping the in-process worker");
            let _ = stop.send(true);
            while tasks.join_next().await.is_some() {}
        }
        tracing::info!("api stopped; closing connections");
        self.stores.close().await;
        result
    }
}

/// The served document and the allowed-methods table derived from it.
fn build_openapi() -> (web::Data<OpenApiJson>, web::Data<crate::routes::methods::AllowedMethods>) {
    let document = crate::openapi::document_json();
    let allowed = web::Data::new(crate::routes::methods::AllowedMethods::from_document(
        &document,
        &[("/openapi.json", &["GET"])],
    ));
    (web::Data::new(OpenApiJson(web::Bytes::from(document.to_string()))), allowed)
}

async fn openapi_document(doc: web::Data<OpenApiJson>) -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(doc.0.clone())
}

/// Every unmatched route: 405 with `Allow` when the path exists for other
/// methods, otherwise 404; both in the error format, naming the method and path.
async fn unknown_route(
    req: actix_web::HttpRequest,
    allowed: web::Data<crate::routes::methods::AllowedMethods>,
) -> HttpResponse {
    use actix_web::ResponseError;
    if let Some(allow) = allowed.allow(req.path()) {
        let mut response = crate::error::ApiError::new(
            frontdesk_kernel::Code::MethodNotAllowed,
            format!("{} is not allowed on {}; allowed: {allow}", req.method(), req.path()),
        )
        .error_response();
        if let Ok(value) = header::HeaderValue::from_str(&allow) {
            response.headers_mut().insert(header::ALLOW, value);
        }
        return response;
    }
    crate::error::ApiError::not_found(format!(
        "no route for {} {}; see /openapi.json for the routes this server offers",
        req.method(),
        req.path()
    ))
    .error_response()
}

/// CORS for the configured origins only; with none configured, cross-origin browser calls are refused.
fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods([Method::GET, Method::POST, Method::PATCH, Method::PUT, Method::DELETE, Method::OPTIONS])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::HeaderName::from_static("x-api-key"),
            header::HeaderName::from_static("x-request-id"),
            header::HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([
            header::HeaderName::from_static("x-request-id"),
            header::RETRY_AFTER,
            header::HeaderName::from_static("x-ratelimit-limit"),
            header::HeaderName::from_static("x-ratelimit-remaining"),
            header::HeaderName::from_static("x-ratelimit-reset"),
        ])
        .max_age(3600);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    // The chat widget's public endpoints are called from the sub-accounts'
    // own sites: the route checks the origin against the widget's list (403).
    cors.allowed_origin_fn(|_, head| head.uri.path().starts_with("/public/chat/"))
}
