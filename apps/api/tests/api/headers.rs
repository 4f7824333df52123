//! Security headers, request ids, cache control and CORS.

use crate::helpers::{BOTH, Profile, spawn_app, spawn_app_with};

const SECURITY_HEADERS: [(&str, &str); 4] = [
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
    ("content-security-policy", "default-src 'none'; frame-ancestors 'none'"),
];

#[tokio::test]
async fn security_headers_are_on_successes_and_errors_without_hsts_outside_production() {
    for profile in BOTH {
        let app = spawn_app(profile).await;
        for path in ["/status", "/no/such/route"] {
            let response = app.get(path).await;
            let headers = response.headers();
            for (name, value) in SECURITY_HEADERS {
                assert_eq!(headers.get(name).map(|v| v.to_str().unwrap()), Some(value), "{name} on {path}");
            }
            assert!(headers.contains_key("permissions-policy"), "{path}");
            assert!(!headers.contains_key("strict-transport-security"), "no HSTS outside production");
            assert!(!headers.contains_key("server") && !headers.contains_key("x-powered-by"));
        }
    }
}

#[tokio::test]
async fn production_adds_hsts() {
    let app = spawn_app_with(
        Profile::Production,
        &[
            ("APP_ENV", "production"),
            ("JWT_SECRET", "a-test-secret-that-is-at-least-32-bytes-long"),
            ("BCRYPT_COST", "10"),
            ("API_KEY", "production-api-key-0123456789"),
        ],
    )
    .await;
    let response = app.get("/status").await;
    assert_eq!(response.headers()["strict-transport-security"], "max-age=31536000; includeSubDomains");
}

#[tokio::test]
async fn api_responses_are_never_cached() {
    let app = spawn_app(Profile::Embedded).await;
    let response = app.get("/api/v1/anything").await;
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert!(!app.get("/status").await.headers().contains_key("cache-control"));
}

#[tokio::test]
async fn request_ids_are_echoed_when_sane_and_generated_otherwise() {
    let app = spawn_app(Profile::Embedded).await;
    let echoed =
        app.client.get(format!("{}/status", app.address)).header("x-request-id", "abc-123").send().await.unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "abc-123");

    let generated = app.get("/status").await;
    let id = generated.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(uuid::Uuid::parse_str(&id).unwrap().get_version_num(), 7);

    let too_long = "x".repeat(200);
    let replaced =
        app.client.get(format!("{}/status", app.address)).header("x-request-id", &too_long).send().await.unwrap();
    assert_ne!(replaced.headers()["x-request-id"], too_long.as_str());
}

#[tokio::test]
async fn cors_allows_configured_origins_only() {
    let app = spawn_app_with(Profile::Embedded, &[("CORS_ORIGINS", "https://app.example.com")]).await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, format!("{}/api/v1/auth/register", app.address))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let allowed = preflight("https://app.example.com").await.unwrap();
    assert_eq!(allowed.status(), 200);
    assert_eq!(allowed.headers()["access-control-allow-origin"], "https://app.example.com");

    let refused = preflight("https://evil.example.net").await.unwrap();
    assert!(!refused.headers().contains_key("access-control-allow-origin"));
    assert!(refused.status().is_client_error());
}
