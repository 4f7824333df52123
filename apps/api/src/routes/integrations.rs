//! `/api/v1/integration-templates` and `/api/v1/integrations`: a
//! sub-account's connections to outside systems.
//!
//! Every member may read the templates; owners and managers manage
//! integrations (their settings name accounts and calendars). Secret
//! settings are **write-only**: a response names which secrets are set
//! (`secretFields`), never their values, and a change need not resend
//! them. `POST …/{id}/test` calls the vendor for real and records the
//! outcome on the integration's status.

use crate::error::ApiError;
use crate::extract::tenant::{ManagerScope, TenantScope};
use crate::routes::path_id;
use crate::routes::subaccounts::PageQuery;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use frontdesk_integrations::{
    CheckOutcome, Integration, IntegrationChange, IntegrationTemplate, Integrations, NewIntegration,
};
use frontdesk_kernel::PageRequest;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a kind of integration needs.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationTemplateBody {
    /// `gohighlevel|google_calendar|twilio|postmark|openai|webhook`.
    kind: String,
    name: String,
    description: String,
    /// JSON Schema (2020-12) of `settings`, secrets included.
    #[schema(value_type = Object)]
    settings_schema: serde_json::Value,
    /// Settings that are secret: write-only, sealed at rest.
    secret_fields: Vec<String>,
}

impl From<&IntegrationTemplate> for IntegrationTemplateBody {
    fn from(t: &IntegrationTemplate) -> Self {
        Self {
            kind: t.kind.as_str().to_owned(),
            name: t.name.clone(),
            description: t.description.clone(),
            settings_schema: t.settings_schema.clone(),
            secret_fields: t.secret_fields.clone(),
        }
    }
}

/// Every template.
#[derive(Serialize, ToSchema)]
pub struct IntegrationTemplateList {
    data: Vec<IntegrationTemplateBody>,
}

/// An integration, without its secrets.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationBody {
    id: String,
    kind: String,
    name: String,
    /// `pending|active|error|disconnected`.
    status: String,
    /// The non-secret settings.
    #[schema(value_type = Object)]
    settings: serde_json::Value,
    /// Which secret settings are set (their values are never returned).
    secret_fields: Vec<String>,
    /// What the last failed check or call said.
    last_error: Option<String>,
    last_error_at: Option<DateTime<Utc>>,
    last_checked_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<&Integration> for IntegrationBody {
    fn from(i: &Integration) -> Self {
        Self {
            id: i.id.to_string(),
            kind: i.kind.as_str().to_owned(),
            name: i.name.clone(),
            status: i.status.as_str().to_owned(),
            settings: i.settings.to_value(),
            secret_fields: i.secret_fields.clone(),
            last_error: i.last_error.clone(),
            last_error_at: i.last_error_at,
            last_checked_at: i.last_checked_at,
            created_at: i.created_at,
            updated_at: i.updated_at,
        }
    }
}

/// A new integration.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateIntegrationBody {
    /// A template's kind.
    kind: String,
    /// 1–120 characters.
    name: String,
    /// Settings, secrets included, valid against the template's schema.
    #[schema(value_type = Option<Object>)]
    settings: Option<serde_json::Value>,
}

/// A change; absent fields stay.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateIntegrationBody {
    /// 1–120 characters.
    name: Option<String>,
    /// Merged over the current settings, top-level: a field replaces, `null` removes, an absent one stays.
    #[schema(value_type = Option<Object>)]
    settings: Option<serde_json::Value>,
}

/// What the vendor said.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationTestBody {
    /// Whether the credentials work.
    ok: bool,
    /// What was reached, or why not.
    message: String,
    /// The integration with its new status.
    integration: IntegrationBody,
}

/// The templates every integration is made from.
#[utoipa::path(tag = "integrations", security(("bearer" = [])),
    responses((status = 200, body = IntegrationTemplateList), (status = 503, body = crate::error::ErrorBody)))]
#[get("/api/v1/integration-templates")]
async fn templates(integrations: web::Data<Integrations>, _scope: TenantScope) -> Result<HttpResponse, ApiError> {
    let data = integrations.catalog().await?.all().map(IntegrationTemplateBody::from).collect();
    Ok(HttpResponse::Ok().json(IntegrationTemplateList { data }))
}

/// The sub-account's integrations (disconnected ones included), oldest first.
#[utoipa::path(tag = "integrations", params(PageQuery), security(("bearer" = [])),
    responses((status = 200, description = "one page of integrations", body = crate::routes::paged::Paged<IntegrationBody>),
        (status = 400, body = crate::error::ErrorBody)))]
#[get("/api/v1/integrations")]
async fn list(
    integrations: web::Data<Integrations>,
    scope: ManagerScope,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::new(query.page, query.limit)?;
    let found = integrations.list(scope.tenant, page).await?;
    Ok(HttpResponse::Ok().json(found.map(|i| IntegrationBody::from(&i))))
}

/// Connects an outside system; `pending` until a test or a call succeeds.
#[utoipa::path(tag = "integrations", request_body = CreateIntegrationBody, security(("bearer" = [])),
    responses((status = 201, body = IntegrationBody),
        (status = 400, description = "every invalid field, settings by path (settings.accountSid)", body = crate::error::ErrorBody)))]
#[post("/api/v1/integrations")]
async fn create(
    integrations: web::Data<Integrations>,
    scope: ManagerScope,
    body: web::Json<CreateIntegrationBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let input = NewIntegration { kind: body.kind, name: body.name, settings: body.settings };
    let created = integrations.create(scope.tenant, input).await?;
    tracing::info!(tenant.id = %scope.tenant, integration.id = %created.id, integration.kind = %created.kind, "integration created");
    Ok(HttpResponse::Created().json(IntegrationBody::from(&created)))
}

/// One integration.
#[utoipa::path(tag = "integrations", security(("bearer" = [])),
    responses((status = 200, body = IntegrationBody), (status = 404, body = crate::error::ErrorBody)))]
#[get("/api/v1/integrations/{id}")]
async fn get(
    integrations: web::Data<Integrations>,
    scope: ManagerScope,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let found = integrations.get(scope.tenant, path_id(&id, "integration")?).await?;
    Ok(HttpResponse::Ok().json(IntegrationBody::from(&found)))
}

/// Renames it or changes settings (secrets need not be resent).
#[utoipa::path(tag = "integrations", request_body = UpdateIntegrationBody, security(("bearer" = [])),
    responses((status = 200, body = IntegrationBody), (status = 400, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 409, description = "changed meanwhile; read it again", body = crate::error::ErrorBody),
        (status = 422, description = "disconnected", body = crate::error::ErrorBody)))]
#[patch("/api/v1/integrations/{id}")]
async fn update(
    integrations: web::Data<Integrations>,
    scope: ManagerScope,
    id: web::Path<String>,
    body: web::Json<UpdateIntegrationBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let change = IntegrationChange { name: body.name, settings: body.settings };
    let changed = integrations.update(scope.tenant, path_id(&id, "integration")?, change).await?;
    tracing::info!(tenant.id = %scope.tenant, integration.id = %changed.id, "integration changed");
    Ok(HttpResponse::Ok().json(IntegrationBody::from(&changed)))
}

/// Disconnects it for good and erases its credentials (it stays listed as `disconnected`).
#[utoipa::path(tag = "integrations", security(("bearer" = [])),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody),
        (status = 422, description = "disconnected already", body = crate::error::ErrorBody)))]
#[delete("/api/v1/integrations/{id}")]
async fn delete(
    integrations: web::Data<Integrations>,
    scope: ManagerScope,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let gone = integrations.disconnect(scope.tenant, path_id(&id, "integration")?).await?;
    tracing::info!(tenant.id = %scope.tenant, integration.id = %gone.id, "integration disconnected");
    Ok(HttpResponse::NoContent().finish())
}

/// Tries the credentials against the vendor now and records the outcome:
/// success makes it `active`; a failure is kept as `lastError` (an active
/// integration becomes `error`).
#[utoipa::path(tag = "integrations", security(("bearer" = [])),
    responses((status = 200, body = IntegrationTestBody), (status = 404, body = crate::error::ErrorBody),
        (status = 422, description = "disconnected", body = crate::error::ErrorBody)))]
#[post("/api/v1/integrations/{id}/test")]
async fn test(
    integrations: web::Data<Integrations>,
    scope: ManagerScope,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (integration, outcome) = integrations.test(scope.tenant, path_id(&id, "integration")?).await?;
    let (ok, message) = match outcome {
        CheckOutcome::Connected(reached) => (true, reached),
        CheckOutcome::Failed(why) => (false, why),
    };
    tracing::info!(tenant.id = %scope.tenant, integration.id = %integration.id, ok, status = %integration.status, "integration tested");
    Ok(HttpResponse::Ok().json(IntegrationTestBody { ok, message, integration: IntegrationBody::from(&integration) }))
}

/// The job importing the contacts.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SyncStartedBody {
    /// Follow it at `GET /api/v1/jobs/{jobId}` (progress, then `imported` and `ignored`).
    job_id: String,
}

/// Imports the GoHighLevel location's contacts as leads, in the background:
/// paged, resumable after a crash, progress on the job. New contacts become
/// leads (`source: integration`), linked ones update their lead.
#[utoipa::path(tag = "integrations", security(("bearer" = [])),
    responses((status = 202, body = SyncStartedBody), (status = 404, body = crate::error::ErrorBody),
        (status = 400, description = "not an active GoHighLevel integration", body = crate::error::ErrorBody)))]
#[post("/api/v1/integrations/{id}/sync")]
async fn sync(
    integrations: web::Data<Integrations>,
    jobs: web::Data<crate::routes::jobs::JobsContext>,
    scope: ManagerScope,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&id, "integration")?;
    let job =
        frontdesk_integrations::crm::ImportGhlContacts::start(&integrations, &*jobs.queue, scope.tenant, id).await?;
    tracing::info!(tenant.id = %scope.tenant, integration.id = %id, job.id = %job, "contact import queued");
    Ok(HttpResponse::Accepted().json(SyncStartedBody { job_id: job.to_string() }))
}

/// Registers the routes.
pub fn configure(cfg: &mut impl crate::routes::Routes) {
    cfg.service(templates)
        .service(list)
        .service(create)
        .service(get)
        .service(update)
        .service(delete)
        .service(test)
        .service(sync);
}
