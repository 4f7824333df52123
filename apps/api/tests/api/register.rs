//! `POST /api/v1/auth/register` over HTTP in both profiles.

use crate::errors::valid_sign_up;
use crate::helpers::{BOTH, spawn_app};
use serde_json::{Value, json};

const REGISTER: &str = "/api/v1/auth/register";

#[tokio::test]
async fn sign_up_creates_an_onboarding_user_with_a_session() {
    for profile in BOTH {
        let app = spawn_app(profile).await;
        let response = app.post_json(REGISTER, &valid_sign_up("  Ana@Example.COM ")).await;
        assert_eq!(response.status(), 201, "{profile:?}");
        assert_eq!(response.headers()["cache-control"], "no-store");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["user"]["email"], "ana@example.com");
        assert_eq!(body["user"]["accountType"], "user");
        assert_eq!(body["user"]["role"], Value::Null, "onboarding: no role yet");
        assert_eq!(body["user"]["subAccountId"], Value::Null);
        assert_eq!(body["expiresIn"], 900);
        assert_eq!(body["accessToken"].as_str().unwrap().split('.').count(), 3, "a JWT");
        assert_eq!(body["refreshToken"].as_str().unwrap().len(), 43);
        assert!(body.get("password").is_none() && body["user"].get("passwordHash").is_none());
    }
}

#[tokio::test]
async fn a_taken_email_answers_409_whatever_its_case() {
    for profile in BOTH {
        let app = spawn_app(profile).await;
        assert_eq!(app.post_json(REGISTER, &valid_sign_up("dup@example.com")).await.status(), 201);
        let response = app.post_json(REGISTER, &valid_sign_up("DUP@example.com")).await;
        assert_eq!(response.status(), 409, "{profile:?}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "duplicate");
        assert_eq!(body["message"], "email already in use");
    }
}

#[tokio::test]
async fn every_bad_field_is_listed_in_one_400() {
    let app = spawn_app(crate::helpers::Profile::Embedded).await;
    let response = app.post_json(REGISTER, &json!({"email": "not-an-email", "password": "short"})).await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "validation_failed");
    let messages: Vec<&str> = body["message"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
    assert_eq!(
        messages,
        [
            "email: not a valid email",
            "password: needs at least 8 characters, an upper-case letter, a digit",
            "name: is required"
        ]
    );
}

#[tokio::test]
async fn the_openapi_document_lists_register() {
    let app = spawn_app(crate::helpers::Profile::Embedded).await;
    let doc: Value = app.get("/openapi.json").await.json().await.unwrap();
    assert!(doc["paths"][REGISTER]["post"].is_object());
    assert!(doc["components"]["schemas"]["RegisterBody"].is_object());
}
