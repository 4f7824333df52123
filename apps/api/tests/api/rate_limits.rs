//! Rate limits: 429 with Retry-After and X-RateLimit-*, per IP+route on auth, fail-open without Redis.

use crate::helpers::{BOTH, Profile, spawn_app_with};
use serde_json::{Value, json};

#[tokio::test]
async fn login_attempts_beyond_the_limit_get_429_with_headers() {
    for profile in BOTH {
        let app = spawn_app_with(profile, &[("AUTH_RATE_LIMIT", "3"), ("AUTH_RATE_WINDOW_SECS", "900")]).await;
        let body = json!({"email": "x@example.com", "password": "Nope12345"});
        let login = || app.post_json("/api/v1/auth/login", &body);
        for remaining in ["2", "1", "0"] {
            let response = login().await;
            assert_eq!(response.status(), 401, "{profile:?}");
            assert_eq!(response.headers()["x-ratelimit-limit"], "3");
            assert_eq!(response.headers()["x-ratelimit-remaining"], remaining);
        }
        let limited = login().await;
        assert_eq!(limited.status(), 429, "{profile:?}");
        let retry_after: u64 = limited.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=900).contains(&retry_after));
        assert_eq!(limited.headers()["x-ratelimit-remaining"], "0");
        assert!(limited.headers().contains_key("x-ratelimit-reset"));
        assert_eq!(limited.json::<Value>().await.unwrap()["code"], "rate_limited");

        // Counted per route: registering is still possible.
        let register = app
            .post_json(
                "/api/v1/auth/register",
                &json!({"email": "new@example.com", "password": "Secret123", "name": "N"}),
            )
            .await;
        assert_eq!(register.status(), 201);
    }
}

#[tokio::test]
async fn a_dead_redis_lets_requests_through_fail_open() {
    let app =
        spawn_app_with(Profile::Production, &[("REDIS_URL", "redis://127.0.0.1:1"), ("AUTH_RATE_LIMIT", "1")]).await;
    for _ in 0..3 {
        let response =
            app.post_json("/api/v1/auth/login", &json!({"email": "x@example.com", "password": "Nope12345"})).await;
        assert_eq!(response.status(), 401, "served (not 429, not 5xx) while the limiter is down");
        assert!(!response.headers().contains_key("x-ratelimit-limit"));
    }
}

#[tokio::test]
async fn general_api_requests_are_limited_per_user() {
    let app = spawn_app_with(Profile::Embedded, &[("API_RATE_LIMIT", "2")]).await;
    let session: Value = app
        .post_json("/api/v1/auth/register", &json!({"email": "u@example.com", "password": "Secret123", "name": "U"}))
        .await
        .json()
        .await
        .unwrap();
    let token = session["accessToken"].as_str().unwrap();
    let me = || app.client.get(format!("{}/api/v1/auth/me", app.address)).bearer_auth(token).send();
    assert_eq!(me().await.unwrap().status(), 200);
    assert_eq!(me().await.unwrap().status(), 200);
    assert_eq!(me().await.unwrap().status(), 429);
    assert_eq!(app.get("/status").await.status(), 200, "status routes are not limited");
}

#[tokio::test]
async fn a_percent_encoded_login_path_counts_against_the_login_limit() {
    let app = spawn_app_with(Profile::Embedded, &[("AUTH_RATE_LIMIT", "2")]).await;
    let body = json!({"email": "x@example.com", "password": "Nope12345"});
    for path in ["/api/v1/auth/login", "/api/v1/auth/%6cogin"] {
        assert_eq!(app.post_json(path, &body).await.status(), 401, "{path}");
    }
    let limited = app.post_json("/api/v1/auth/%6C%6Fgin", &body).await;
    assert_eq!(limited.status(), 429, "encoded and plain forms share one counter");
}
