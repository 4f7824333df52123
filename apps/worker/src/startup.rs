//! Building and running the worker: stores, tasks and the health/metrics server.
//!
//! Shutdown: on SIGTERM/SIGINT (or [`WorkerHandle::shutdown`]) the tasks are
//! told to stop, finish their current run, and the HTTP server drains; then
//! the pools close.

use actix_web::{App, HttpResponse, HttpServer, web};
use frontdesk_runtime::{Settings, StartupError, Stores};
use metrics_exporter_prometheus::PrometheusHandle;
use std::net::TcpListener;
use std::time::Duration;
use tokio::sync::watch;

/// Gauge set to 1 while the worker runs (lets dashboards see it before any task reports).
pub const WORKER_UP: &str = "worker_up";

/// How often expired refresh tokens and leads past their 30 days in the trash are purged.
const PURGE_EVERY: Duration = Duration::from_secs(3600);

/// Why the worker could not start.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// A store failed to connect.
    #[error(transparent)]
    Stores(#[from] StartupError),
    /// The health/metrics port could not be bound.
    #[error("cannot listen on {address}: {source} (set HOST/WORKER_PORT)")]
    Bind {
        /// host:port.
        address: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

/// A started worker.
pub struct Worker {
    port: u16,
    stores: Stores,
    server: actix_web::dev::Server,
    shutdown: watch::Sender<bool>,
    tasks: tokio::task::JoinSet<()>,
}

/// Stops a running worker from another task (tests, signals).
#[derive(Clone)]
pub struct WorkerHandle {
    shutdown: watch::Sender<bool>,
}

impl WorkerHandle {
    /// Asks the worker to stop.
    pub fn shutdown(&self) {
        let _ = self.shutdown.send(true);
    }
}

impl Worker {
    /// Connects stores, spawns tasks and binds the health server.
    ///
    /// # Errors
    /// [`WorkerError`] naming what failed.
    pub async fn build(settings: &Settings) -> Result<Self, WorkerError> {
        // Workers never migrate: the api (or the migrate Job) owns the schema, so
        // several workers starting together cannot race on DDL, and a worker
        // facing a dead database starts degraded instead of exiting.
        let mut settings = settings.clone();
        settings.database.run_migrations = false;
        let stores = Stores::connect(&settings).await?;
        let address = std::net::SocketAddr::new(settings.http.host, settings.http.worker_port);
        let bind_error = |source| WorkerError::Bind { address: address.to_string(), source };
        let listener = TcpListener::bind(address).map_err(bind_error)?;
        let port = listener.local_addr().map_err(bind_error)?.port();

        let (shutdown, receiver) = watch::channel(false);
        let mut tasks = tokio::task::JoinSet::new();
        let retention = frontdesk_runtime::maintenance::Retention::from_settings(&settings);
        frontdesk_runtime::maintenance::spawn_purges(&stores, retention, PURGE_EVERY, &receiver, &mut tasks);
        let config = frontdesk_runtime::services::worker_config(&settings, "worker");
        let mut jobs = frontdesk_runtime::services::spawn_workers(&settings, &stores, config, &receiver);
        tasks.spawn(async move { while jobs.join_next().await.is_some() {} });

        let metrics = web::Data::new(frontdesk_runtime::metrics::install());
        let health = web::Data::new(stores.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(metrics.clone())
                .app_data(health.clone())
                .route(
                    "/health/live",
                    web::get().to(|| async { HttpResponse::Ok().json(serde_json::json!({"status": "ok"})) }),
                )
                .route("/health/ready", web::get().to(ready))
                .route("/metrics", web::get().to(render_metrics))
        })
        .workers(1)
        .disable_signals()
        .shutdown_timeout(settings.http.shutdown_timeout.as_secs())
        .listen(listener)
        .map_err(bind_error)?
        .run();
        metrics::gauge!(WORKER_UP).set(1.0);
        tracing::info!(port, "worker started");
        frontdesk_runtime::memory::release_after_startup();
        Ok(Self { port, stores, server, shutdown, tasks })
    }

    /// The health/metrics port.
    #[must_use]
    pub const fn port(&self) -> u16 {
        self.port
    }

    /// A handle that stops the worker.
    #[must_use]
    pub fn handle(&self) -> WorkerHandle {
        WorkerHandle { shutdown: self.shutdown.clone() }
    }

    /// Runs until SIGTERM/SIGINT or [`WorkerHandle::shutdown`], then stops gracefully.
    ///
    /// # Errors
    /// I/O errors of the health server.
    pub async fn run_until_stopped(mut self) -> std::io::Result<()> {
        let server_handle = self.server.handle();
        let server = tokio::spawn(self.server);
        let mut stop = self.shutdown.subscribe();
        tokio::select! {
            () = termination_signal() => tracing::info!("signal received; shutting down"),
            _ = stop.wait_for(|stop| *stop) => tracing::info!("shutdown requested"),
        }
        let _ = self.shutdown.send(true);
        while self.tasks.join_next().await.is_some() {}
        server_handle.stop(true).await;
        let result = server.await.unwrap_or_else(|e| Err(std::io::Error::other(e)));
        self.stores.close().await;
        tracing::info!("worker stopped");
        result
    }
}

async fn ready(stores: web::Data<Stores>) -> HttpResponse {
    if stores.health().await.is_healthy() {
        HttpResponse::Ok().json(serde_json::json!({"status": "ready"}))
    } else {
        HttpResponse::ServiceUnavailable().json(serde_json::json!({"status": "not_ready"}))
    }
}

async fn render_metrics(handle: web::Data<Option<PrometheusHandle>>) -> HttpResponse {
    let text = handle.as_ref().as_ref().map(PrometheusHandle::render).unwrap_or_default();
    HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(text)
}

/// Resolves on SIGTERM (orchestrators) or SIGINT (Ctrl-C).
async fn termination_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
