//! The OpenAPI 3.1 document, generated from the handlers' annotations.
//!
//! Paths are collected by `utoipa-actix-web` from the same
//! [`crate::routes::configure`] the server uses, so a route cannot be
//! served without being documented (or documented without being served):
//! [`crate::routes::Routes`] takes only handlers that carry their OpenAPI
//! description, whether it registers them here (once, at start-up) or in a
//! server worker's plain actix app.

pub mod constraints;

use crate::error::ErrorBody;
use actix_web::App;
use serde_json::Value;
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
        (name = "jobs", description = "Background job status and export downloads"),
        (name = "channels", description = "Phone numbers, inbound addresses and blocked callers of the receptionist"),
        (name = "webhooks", description = "Vendor webhooks (Twilio, Postmark), authenticated by the vendor's signature or credentials"),
        (name = "widget", description = "The website chat widget: its script, page and the visitor's API (public, rate limited)"),
        (name = "integrations", description = "Connections to GoHighLevel, Google Calendar, Twilio, Postmark, OpenAI and webhooks: templates, write-only sealed credentials, live checks"),
        (name = "files", description = "The sub-account's file library: uploads recognised by their content, folders, time-limited download links; call recordings"),
        (name = "outbound-webhooks", description = "Your endpoints, called with signed events (Standard Webhooks): subscriptions, deliveries retried for more than 24 hours, the delivery log, redelivery and replay")
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
    let (_, mut api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(|cfg| crate::routes::configure(cfg))
        .split_for_parts();
    api.info.version = crate::routes::status::VERSION.to_owned();
    api
}

/// The document as served at `/openapi.json`: the collected one, finished by [`finish`].
#[must_use]
pub fn document_json() -> Value {
    let mut doc = serde_json::to_value(document()).unwrap_or_default();
    finish(&mut doc);
    constraints::apply(&mut doc);
    constrain_requests(&mut doc);
    doc
}

const HTTP_METHODS: [&str; 5] = ["get", "put", "post", "patch", "delete"];

/// A stable operation id from the method and path: `GET /api/v1/leads/{id}` → `get_leads_id`.
#[must_use]
pub fn operation_id(method: &str, path: &str) -> String {
    let rest = path.strip_prefix("/api/v1").unwrap_or(path);
    let mut id = method.to_owned();
    for segment in rest.split('/').filter(|s| !s.is_empty()) {
        id.push('_');
        id.extend(
            segment
                .trim_matches(|c| c == '{' || c == '}')
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }),
        );
    }
    id
}

/// The errors an operation can answer, from what it is: every error uses
/// `ErrorBody`. The rules mirror the middleware and extractors each route
/// passes through, so the document lists what the server really does.
fn implied_errors(method: &str, path: &str, op: &Value) -> Vec<(&'static str, &'static str)> {
    let api = path.starts_with("/api/");
    let secured = op.get("security").and_then(Value::as_array).is_some_and(|s| !s.is_empty());
    let has_body = op.get("requestBody").is_some();
    let has_query = op
        .get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|ps| ps.iter().any(|p| p.get("in").and_then(Value::as_str) == Some("query")));
    let tenant_scoped = secured && !path.starts_with("/api/v1/auth/") && !path.starts_with("/api/v1/subaccounts");
    let mut errors = vec![("500", "internal_error: a bug on our side; quote X-Request-Id")];
    errors.push(("503", "dependency_unavailable: a store is unreachable; retry after Retry-After"));
    if api {
        errors.push(("401", "unauthorized/invalid_token: a missing or invalid bearer token or X-API-Key"));
        errors.push(("429", "rate_limited: too many requests; see Retry-After and X-RateLimit-*"));
        errors.push(("400", "validation_failed: every bad field or query parameter, or a control character"));
    }
    if secured {
        errors
            .push(("403", "forbidden/onboarding_required: the caller's role or onboarding state does not allow this"));
    }
    if path.contains('{') || tenant_scoped {
        errors
            .push(("404", "not_found: no such item in the caller's sub-account (or no such subAccountId for admins)"));
    }
    if has_body || method == "post" {
        errors.push(("413", "payload_too_large: the body is over its limit"));
        errors.push(("415", "unsupported_media_type: the body is not JSON (or multipart for uploads)"));
    }
    if has_query && !api {
        errors.push(("400", "validation_failed: a bad query parameter"));
    }
    if api && matches!(method, "post" | "patch" | "delete") {
        errors.push(("409", "conflict/duplicate: a unique value is taken, or a concurrent change won"));
        errors.push(("422", "invalid_transition/default_required: a rule forbids this change"));
    }
    if path == "/api/v1/auth/login" {
        errors.push(("423", "account_locked: too many failed logins from this address; see Retry-After"));
    }
    errors
}

/// Text the api accepts: no C0 control character but tab, LF and CR, and no DEL (see `frontdesk_kernel::text`).
pub const CLEAN_TEXT: &str = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$";

/// Operations whose request body may be left out.
const OPTIONAL_BODIES: [&str; 3] =
    ["post_leads_export", "post_bookings_id_cancel", "post_conversations_id_turns_turnid_replay"];

/// Adds the control-character rule to every string (and object key) a
/// request can carry, unless the schema already says more (a pattern, a
/// format or an enum), following `$ref`s into the components.
fn constrain_strings(schema: &mut Value, seen: &mut Vec<String>) {
    if let Some(target) =
        schema.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        if !seen.iter().any(|s| s == target) {
            seen.push(target.to_owned());
        }
        return;
    }
    let Some(object) = schema.as_object_mut() else { return };
    let types: Vec<String> = match object.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts.iter().filter_map(|t| t.as_str().map(str::to_owned)).collect(),
        _ => Vec::new(),
    };
    let says_more = ["pattern", "format", "enum", "const"].iter().any(|k| object.contains_key(*k));
    if types.iter().any(|t| t == "string") && !says_more {
        object.insert("pattern".into(), Value::String(CLEAN_TEXT.into()));
    }
    if types.iter().any(|t| t == "object") {
        object.entry("propertyNames").or_insert_with(|| serde_json::json!({"pattern": CLEAN_TEXT}));
        // Extra members (ignored by the server) and free-form objects (metadata,
        // businessFacts) still pass the control-character rule.
        let open = match object.get("additionalProperties") {
            None | Some(Value::Bool(true)) => true,
            Some(Value::Object(o)) => o.is_empty(),
            Some(_) => false,
        };
        if open {
            object.insert("additionalProperties".into(), serde_json::json!({"$ref": CLEAN_JSON_REF}));
        }
    }
    for key in ["properties"] {
        if let Some(Value::Object(props)) = object.get_mut(key) {
            for prop in props.values_mut() {
                constrain_strings(prop, seen);
            }
        }
    }
    for key in ["items", "additionalProperties"] {
        if let Some(child) = object.get_mut(key) {
            constrain_strings(child, seen);
        }
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(Value::Array(children)) = object.get_mut(key) {
            for child in children {
                constrain_strings(child, seen);
            }
        }
    }
}

const CLEAN_JSON_REF: &str = "#/components/schemas/CleanJson";

/// Applies [`constrain_strings`] to every request body and query parameter.
fn constrain_requests(doc: &mut Value) {
    if let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        schemas.insert(
            "CleanJson".into(),
            serde_json::json!({
                "description": "Any JSON value whose strings and keys hold no control character but tab and line breaks.",
                "anyOf": [
                    {"type": "null"}, {"type": "boolean"}, {"type": "number"},
                    {"type": "string", "pattern": CLEAN_TEXT},
                    {"type": "array", "items": {"$ref": CLEAN_JSON_REF}},
                    {"type": "object", "propertyNames": {"pattern": CLEAN_TEXT}, "additionalProperties": {"$ref": CLEAN_JSON_REF}}
                ]
            }),
        );
    }
    // Multipart forms are not JSON: the guard does not read them, and extra parts are ignored.
    let mut pending = Vec::new();
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            for method in HTTP_METHODS {
                let Some(op) = item.get_mut(method) else { continue };
                if let Some(content) = op.pointer_mut("/requestBody/content").and_then(Value::as_object_mut) {
                    for (_, media) in content.iter_mut().filter(|(kind, _)| kind.as_str() == "application/json") {
                        if let Some(schema) = media.get_mut("schema") {
                            constrain_strings(schema, &mut pending);
                        }
                    }
                }
                if let Some(Value::Array(params)) = op.get_mut("parameters") {
                    for param in params.iter_mut().filter(|p| p.get("in").and_then(Value::as_str) == Some("query")) {
                        if let Some(schema) = param.get_mut("schema") {
                            constrain_strings(schema, &mut pending);
                        }
                    }
                }
            }
        }
    }
    // Component schemas reached from requests, transitively.
    let mut done = 0;
    while done < pending.len() {
        let name = pending[done].clone();
        done += 1;
        if let Some(schema) = doc.pointer_mut(&format!("/components/schemas/{name}")) {
            constrain_strings(schema, &mut pending);
        }
    }
}

/// Makes the collected document valid and complete: a stable `operationId`
/// on every operation, a `description` on every response (OpenAPI requires
/// one), and every error the operation can answer declared with `ErrorBody`.
pub fn finish(doc: &mut Value) {
    let error_ref = serde_json::json!({"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}});
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else { continue };
        for method in HTTP_METHODS {
            let Some(op) = item.get_mut(method) else { continue };
            op["operationId"] = Value::String(operation_id(method, path));
            if OPTIONAL_BODIES.contains(&operation_id(method, path).as_str())
                && let Some(body) = op.get_mut("requestBody").and_then(Value::as_object_mut)
            {
                body.insert("required".into(), Value::Bool(false));
            }
            let errors = implied_errors(method, path, op);
            let responses = op
                .as_object_mut()
                .map(|o| o.entry("responses").or_insert_with(|| serde_json::json!({})))
                .and_then(Value::as_object_mut);
            let Some(responses) = responses else { continue };
            for (code, description) in errors {
                if !responses.contains_key(code) {
                    responses.insert(
                        code.to_owned(),
                        serde_json::json!({"description": description, "content": error_ref.clone()}),
                    );
                }
            }
            for (code, response) in responses.iter_mut() {
                let Some(response) = response.as_object_mut() else { continue };
                if !response.contains_key("description") {
                    let reason = code
                        .parse::<u16>()
                        .ok()
                        .and_then(|c| actix_web::http::StatusCode::from_u16(c).ok())
                        .and_then(|s| s.canonical_reason())
                        .unwrap_or("Response");
                    response.insert("description".to_owned(), Value::String(reason.to_owned()));
                }
                if code.starts_with('4') || code.starts_with('5') {
                    response.entry("content").or_insert_with(|| error_ref.clone());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_ids_are_stable_and_unique() {
        assert_eq!(operation_id("get", "/api/v1/leads/{id}"), "get_leads_id");
        assert_eq!(operation_id("post", "/api/v1/prompt-templates/{id}/preview"), "post_prompt_templates_id_preview");
        assert_eq!(operation_id("get", "/status/health"), "get_status_health");
        let doc = document_json();
        let mut ids = std::collections::HashSet::new();
        for item in doc["paths"].as_object().unwrap().values() {
            for method in HTTP_METHODS {
                if let Some(op) = item.get(method) {
                    assert!(ids.insert(op["operationId"].as_str().unwrap().to_owned()), "duplicate id {op}");
                }
            }
        }
    }

    #[test]
    fn every_response_has_a_description_and_every_error_the_error_schema() {
        let doc = document_json();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in HTTP_METHODS {
                let Some(op) = item.get(method) else { continue };
                for (code, response) in op["responses"].as_object().unwrap() {
                    assert!(response["description"].is_string(), "{method} {path} {code}");
                    // (The health probes answer 503 with their own report body.)
                    if path.starts_with("/api/") && (code.starts_with('4') || code.starts_with('5')) {
                        assert_eq!(
                            response["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/ErrorBody",
                            "{method} {path} {code}"
                        );
                    }
                }
                if path.starts_with("/api/") {
                    for code in ["401", "429", "500", "503"] {
                        assert!(op["responses"].get(code).is_some(), "{method} {path} lacks {code}");
                    }
                }
            }
        }
    }
}
