//! Every error uses the API.md error format.

use crate::helpers::{BOTH, Profile, spawn_app};
use serde_json::Value;

fn assert_error_shape(body: &Value, status: u16, code: &str) {
    assert_eq!(body["statusCode"], status, "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert!(body["error"].is_string(), "{body}");
    assert!(body["message"].is_string() || body["message"].is_array(), "{body}");
}

#[tokio::test]
async fn unknown_routes_answer_404_in_the_error_format() {
    for profile in BOTH {
        let app = spawn_app(profile).await;
        let response = app.get("/api/v1/nope").await;
        assert_eq!(response.status(), 404);
        let body: Value = response.json().await.unwrap();
        assert_error_shape(&body, 404, "not_found");
        assert!(body["message"].as_str().unwrap().contains("GET /api/v1/nope"));
    }
}

#[tokio::test]
async fn wrong_method_on_a_known_path_answers_in_the_error_format() {
    let app = spawn_app(Profile::Embedded).await;
    let response = app.post_json("/status", &serde_json::json!({})).await;
    assert!(response.status().is_client_error());
    let body: Value = response.json().await.unwrap();
    assert!(body["statusCode"].is_u64() && body["code"].is_string(), "{body}");
}
