//! Status routes: health really reflects the stores.

use crate::helpers::{BOTH, Profile, spawn_app, spawn_app_with};
use serde_json::Value;

#[tokio::test]
async fn health_reports_each_configured_service_in_both_profiles() {
    for profile in BOTH {
        let app = spawn_app(profile).await;
        let response = app.get("/status/health").await;
        assert_eq!(response.status(), 200, "{profile:?}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["status"], "ok");
        assert_eq!(body["services"]["database"], "ok", "{profile:?}");
        let redis = match profile {
            Profile::Embedded => "disabled",
            Profile::Production => "ok",
        };
        assert_eq!(body["services"]["redis"], redis, "{profile:?}");
        assert!(body["timestamp"].as_str().unwrap().ends_with('Z'));
        assert_eq!(app.get("/health/ready").await.status(), 200);
    }
}

#[tokio::test]
async fn a_dead_database_turns_health_and_readiness_into_503_but_not_liveness() {
    // The production profile with its live Redis, but the database URL points at a dead port.
    let app = spawn_app_with(
        Profile::Production,
        &[
            ("DATABASE_URL", "postgres://postgres@127.0.0.1:1/nothing"),
            ("RUN_MIGRATIONS", "false"),
            ("DATABASE_STARTUP_TIMEOUT_SECS", "1"),
        ],
    )
    .await;
    let response = app.get("/status/health").await;
    assert_eq!(response.status(), 503);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "error");
    assert_eq!(body["services"]["database"], "error");
    assert_eq!(body["services"]["redis"], "ok", "only the dead service is marked");
    assert_eq!(app.get("/health/ready").await.status(), 503);
    assert_eq!(app.get("/health/live").await.status(), 200);
}

#[tokio::test]
async fn a_dead_redis_turns_health_into_503_naming_redis() {
    let app = spawn_app_with(Profile::Production, &[("REDIS_URL", "redis://127.0.0.1:1")]).await;
    let response = app.get("/status/health").await;
    assert_eq!(response.status(), 503);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["services"]["redis"], "error");
    assert_eq!(body["services"]["database"], "ok");
}

#[tokio::test]
async fn start_up_fails_when_migrations_must_run_and_the_database_is_dead() {
    frontdesk_runtime::install_crypto_provider();
    let vars = [
        ("DATABASE_URL", "postgres://postgres@127.0.0.1:1/nothing"),
        ("DATABASE_STARTUP_TIMEOUT_SECS", "1"),
        ("PORT", "0"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let settings = frontdesk_runtime::Settings::from_vars(&vars).unwrap();
    let err = frontdesk_api::Application::build(settings).await.err().expect("must not start");
    assert!(err.to_string().contains("database did not answer"), "{err}");
}

#[tokio::test]
async fn status_version_and_liveness_answer() {
    let app = spawn_app(Profile::Embedded).await;
    let status: Value = app.get("/status").await.json().await.unwrap();
    assert_eq!(status["status"], "ok");
    assert_eq!(status["version"], env!("CARGO_PKG_VERSION"));
    assert!(status["uptime"].is_u64());
    let version: Value = app.get("/status/version").await.json().await.unwrap();
    assert_eq!(version["version"], env!("CARGO_PKG_VERSION"));
    let live: Value = app.get("/health/live").await.json().await.unwrap();
    assert_eq!(live["status"], "ok");
}

#[tokio::test]
async fn metrics_expose_a_request_latency_histogram_by_route_pattern() {
    let app = spawn_app(Profile::Embedded).await;
    app.get("/status/version").await;
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let text = response.text().await.unwrap();
    assert!(
        text.contains(
            r#"http_request_duration_seconds_bucket{method="GET",route="/status/version",status="200",le="0.005"}"#
        ),
        "{text}"
    );
}
