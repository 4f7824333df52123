//! Public status routes: liveness, readiness, health, version and metrics.
//!
//! Liveness answers without touching any dependency (a restart would not
//! fix a database outage); readiness and `/status/health` really ping the
//! database and Redis, and answer 503 when one is down so load balancers
//! stop sending traffic.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, web};
use chrono::{SecondsFormat, Utc};
use frontdesk_runtime::{HealthReport, Stores};
use metrics_exporter_prometheus::PrometheusHandle;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Instant;
use utoipa::ToSchema;

/// What the status routes need: the stores (whose health they report) and the process start time.
pub struct StatusProbe {
    stores: Stores,
    started: Instant,
}

impl StatusProbe {
    /// A probe over `stores`, started now.
    #[must_use]
    pub fn new(stores: Stores) -> Self {
        Self { stores, started: Instant::now() }
    }

    async fn report(&self) -> HealthReport {
        self.stores.health().await
    }
}

/// The package version, from Cargo.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Registers the status routes.
pub fn configure(cfg: &mut impl crate::routes::Routes) {
    cfg.service(status).service(health).service(version).service(live).service(ready).service(metrics);
}

/// `GET /status` body.
#[derive(Serialize, ToSchema)]
pub struct StatusBody {
    /// Always `ok` when the process answers.
    status: &'static str,
    /// Server version.
    version: &'static str,
    /// Seconds since start.
    uptime: u64,
}

/// `GET /status/health` body.
#[derive(Serialize, ToSchema)]
pub struct HealthBody {
    /// `ok` or `error`.
    status: &'static str,
    /// `database` and `redis`: `ok`, `error` or `disabled`.
    services: BTreeMap<&'static str, &'static str>,
    /// When the checks ran (RFC 3339).
    timestamp: String,
}

/// `GET /status/version` body.
#[derive(Serialize, ToSchema)]
pub struct VersionBody {
    /// Product name.
    name: &'static str,
    /// Server version.
    version: &'static str,
}

/// `GET /health/live` and `/health/ready` body.
#[derive(Serialize, ToSchema)]
pub struct ProbeBody {
    /// `ok`, `ready` or `not_ready`.
    status: &'static str,
}

fn health_body(report: &HealthReport) -> (StatusCode, HealthBody) {
    let healthy = report.is_healthy();
    let body = HealthBody {
        status: if healthy { "ok" } else { "error" },
        services: report.services.iter().map(|(name, state)| (*name, state.as_str())).collect(),
        timestamp: Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
    };
    (if healthy { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE }, body)
}

/// Process status and uptime.
#[utoipa::path(tag = "status", responses((status = 200, body = StatusBody)))]
#[get("/status")]
async fn status(probe: web::Data<StatusProbe>) -> HttpResponse {
    HttpResponse::Ok().json(StatusBody { status: "ok", version: VERSION, uptime: probe.started.elapsed().as_secs() })
}

/// Pings the database and Redis; 503 when one is down.
#[utoipa::path(
    tag = "status",
    responses((status = 200, body = HealthBody), (status = 503, description = "a dependency is down", body = HealthBody))
)]
#[get("/status/health")]
async fn health(probe: web::Data<StatusProbe>) -> HttpResponse {
    let (code, body) = health_body(&probe.report().await);
    HttpResponse::build(code).json(body)
}

/// Server version.
#[utoipa::path(tag = "status", responses((status = 200, body = VersionBody)))]
#[get("/status/version")]
async fn version() -> HttpResponse {
    HttpResponse::Ok().json(VersionBody { name: "frontdesk", version: VERSION })
}

/// Liveness: the process answers (no dependency is touched).
#[utoipa::path(tag = "status", responses((status = 200, body = ProbeBody)))]
#[get("/health/live")]
async fn live() -> HttpResponse {
    HttpResponse::Ok().json(ProbeBody { status: "ok" })
}

/// Readiness: 200 only when every configured dependency answers.
#[utoipa::path(tag = "status", responses((status = 200, body = ProbeBody), (status = 503, body = ProbeBody)))]
#[get("/health/ready")]
async fn ready(probe: web::Data<StatusProbe>) -> HttpResponse {
    if probe.report().await.is_healthy() {
        HttpResponse::Ok().json(ProbeBody { status: "ready" })
    } else {
        HttpResponse::ServiceUnavailable().json(ProbeBody { status: "not_ready" })
    }
}

/// Prometheus metrics (text exposition format).
#[utoipa::path(tag = "status", responses((status = 200, content_type = "text/plain", body = String)))]
#[get("/metrics")]
async fn metrics(handle: web::Data<Option<PrometheusHandle>>) -> HttpResponse {
    let text = handle.as_ref().as_ref().map(PrometheusHandle::render).unwrap_or_default();
    HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(text)
}
