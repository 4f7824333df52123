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
async fn wrong_method_on_a_known_path_is_405_naming_the_allowed_methods() {
    let app = spawn_app(Profile::Embedded).await;
    let response = app.post_json("/status", &serde_json::json!({})).await;
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "GET");
    let body: Value = response.json().await.unwrap();
    assert_error_shape(&body, 405, "method_not_allowed");
    assert!(body["message"].as_str().unwrap().contains("POST is not allowed on /status"), "{body}");
}

const REGISTER: &str = "/api/v1/auth/register";

#[tokio::test]
async fn malformed_json_answers_400_in_the_error_format_and_stores_nothing() {
    for profile in BOTH {
        let app = spawn_app(profile).await;
        let response =
            app.post_raw(REGISTER, "application/json", br#"{"email": "a@b.co", "password": "#.to_vec()).await;
        assert_eq!(response.status(), 400, "{profile:?}");
        let body: Value = response.json().await.unwrap();
        assert_error_shape(&body, 400, "malformed_json");
        assert!(body["message"].as_str().unwrap().contains("line 1"), "{body}");
        // The same email can still register: nothing was stored.
        let ok = app.post_json(REGISTER, &valid_sign_up("a@b.co")).await;
        assert_eq!(ok.status(), 201);
    }
}

#[tokio::test]
async fn a_body_over_the_limit_answers_413() {
    for profile in BOTH {
        let app = spawn_app(profile).await;
        let mut big = br#"{"name":""#.to_vec();
        big.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024 + 1));
        big.extend(br#""}"#);
        let response = app.post_raw(REGISTER, "application/json", big).await;
        assert_eq!(response.status(), 413, "{profile:?}");
        assert_error_shape(&response.json().await.unwrap(), 413, "payload_too_large");
    }
}

#[tokio::test]
async fn a_non_json_body_on_a_json_route_answers_415() {
    for profile in BOTH {
        let app = spawn_app(profile).await;
        let response = app.post_raw(REGISTER, "text/plain", b"email=a@b.co".to_vec()).await;
        assert_eq!(response.status(), 415, "{profile:?}");
        assert_error_shape(&response.json().await.unwrap(), 415, "unsupported_media_type");
    }
}

#[tokio::test]
async fn a_wrongly_typed_field_answers_400_validation_failed() {
    let app = spawn_app(Profile::Embedded).await;
    let response =
        app.post_json(REGISTER, &serde_json::json!({"email": 42, "password": "Secret123", "name": "A"})).await;
    assert_eq!(response.status(), 400);
    assert_error_shape(&response.json().await.unwrap(), 400, "validation_failed");
}

pub fn valid_sign_up(email: &str) -> Value {
    serde_json::json!({"email": email, "password": "Secret123", "name": "Ana Owner"})
}
