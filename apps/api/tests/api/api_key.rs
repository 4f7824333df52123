//! `X-API-Key` guards `/api/*` when `API_KEY` is set; status routes stay open.

use crate::errors::valid_sign_up;
use crate::helpers::{BOTH, spawn_app_with};
use serde_json::Value;

const KEY: &str = "test-api-key-0123456789";

#[tokio::test]
async fn api_routes_need_the_key_and_status_routes_do_not() {
    for profile in BOTH {
        let app = spawn_app_with(profile, &[("API_KEY", KEY)]).await;
        let url = format!("{}/api/v1/auth/register", app.address);
        let body = valid_sign_up("key@example.com");

        let missing = app.client.post(&url).json(&body).send().await.unwrap();
        assert_eq!(missing.status(), 401, "{profile:?}");
        let error: Value = missing.json().await.unwrap();
        assert_eq!(error["code"], "unauthorized");
        assert_eq!(error["message"], "missing X-API-Key header");

        let wrong =
            app.client.post(&url).header("x-api-key", "test-api-key-0123456780").json(&body).send().await.unwrap();
        assert_eq!(wrong.status(), 401);
        assert_eq!(wrong.json::<Value>().await.unwrap()["message"], "invalid X-API-Key");

        let right = app.client.post(&url).header("x-api-key", KEY).json(&body).send().await.unwrap();
        assert_eq!(right.status(), 201, "the rejected attempts stored nothing, so the email is free");

        for open in ["/status", "/status/health", "/health/live", "/metrics", "/openapi.json"] {
            assert_eq!(app.get(open).await.status(), 200, "{open} must not need the key");
        }
    }
}

#[tokio::test]
async fn a_percent_encoded_path_does_not_dodge_the_key() {
    let app = spawn_app_with(crate::helpers::Profile::Embedded, &[("API_KEY", KEY)]).await;
    for path in ["/%61pi/v1/auth/me", "/api/v1/auth/%6de", "/%61%70%69/v1/users"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 401, "{path}");
        assert_eq!(response.json::<Value>().await.unwrap()["message"], "missing X-API-Key header", "{path}");
    }
}
