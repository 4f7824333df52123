//! The OpenAPI 3.1 document, generated from the handlers' annotations.
//!
//! Paths are collected by `utoipa-actix-web` from the same
//! [`crate::routes::configure`] the server uses, so a route cannot be
//! served without being documented (or documented without being served).

use crate::error::ErrorBody;
use actix_web::App;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Frontdesk API",
        description = "Multi-tenant AI receptionist and lead CRM. Errors always use the ErrorBody shape.",
        license(name = "UNLICENSED")
    ),
    components(schemas(ErrorBody)),
    modifiers(&BearerAuth),
    tags(
        (name = "status", description = "Liveness, readiness, health, version and metrics"),
        (name = "auth", description = "Sign-up and sessions"),
        (name = "subaccounts", description = "Tenants, invitations and onboarding"),
        (name = "users", description = "Members of a sub-account"),
        (name = "leads", description = "Leads, their timeline and notes"),
        (name = "receptionist", description = "Strategies and prompt templates"),
        (name = "jobs", description = "Background job status and export downloads")
    )
)]
struct ApiDoc;

/// Declares the `bearer` security scheme the authenticated routes reference.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
    }
}

/// Builds the document (once, at start-up).
#[must_use]
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, mut api) =
        App::new().into_utoipa_app().openapi(ApiDoc::openapi()).configure(crate::routes::configure).split_for_parts();
    api.info.version = crate::routes::status::VERSION.to_owned();
    api
}

/// The document as served at `/openapi.json`.
#[must_use]
pub fn document_json() -> serde_json::Value {
    serde_json::to_value(document()).unwrap_or_default()
}
