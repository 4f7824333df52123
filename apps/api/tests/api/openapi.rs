//! The OpenAPI document is served and describes the routes.

use crate::helpers::{BOTH, spawn_app};
use serde_json::Value;

#[tokio::test]
async fn openapi_json_is_an_openapi_3_document_listing_the_status_routes() {
    for profile in BOTH {
        let app = spawn_app(profile).await;
        let response = app.get("/openapi.json").await;
        assert_eq!(response.status(), 200);
        let doc: Value = response.json().await.unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{}", doc["openapi"]);
        assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
        for path in ["/status", "/status/health", "/status/version", "/health/live", "/health/ready", "/metrics"] {
            assert!(doc["paths"][path]["get"].is_object(), "{path} missing from the document");
        }
        assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    }
}
