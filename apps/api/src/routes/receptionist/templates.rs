//! Prompt templates: a body with `{{variables}}` checked at save time, and a preview.

use crate::error::ApiError;
use crate::extract::tenant::{ManagerScope, TenantScope};
use crate::routes::path_id;
use crate::routes::subaccounts::PageQuery;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use frontdesk_kernel::{PageRequest, ValidationErrors};
use frontdesk_leads::{LeadId, LeadService, LeadsError};
use frontdesk_receptionist::template::KNOWN_VARIABLES;
use frontdesk_receptionist::{
    NewPromptTemplate, PromptTemplate, PromptTemplateChanges, PromptTemplateId, ReceptionistConfig, ReceptionistError,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A prompt template as clients see it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TemplateBody {
    id: String,
    name: String,
    body: String,
    /// The placeholders the body uses, in order of first use.
    variables: Vec<String>,
    is_default: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<&PromptTemplate> for TemplateBody {
    fn from(t: &PromptTemplate) -> Self {
        Self {
            id: t.id.to_string(),
            name: t.name.clone(),
            body: t.body.clone(),
            variables: t.variables.clone(),
            is_default: t.is_default,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// Create request.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateTemplateBody {
    /// 1–120 characters.
    #[serde(default)]
    name: String,
    /// Text with `{{lead.name}}`-style placeholders; unknown ones are refused (400 listing them).
    #[serde(default)]
    body: String,
    /// Optional: variables the client expects; each must be a known one.
    variables: Option<Vec<String>>,
    /// Make it the default (the tenant's first template always is).
    #[serde(default)]
    is_default: bool,
}

/// Change request; absent fields stay.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateTemplateBody {
    name: Option<String>,
    body: Option<String>,
    variables: Option<Vec<String>>,
    /// `true` makes it the default; `false` on the default is refused.
    is_default: Option<bool>,
}

/// Preview request: render with this strategy (default: the tenant's default) and lead (default: none).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PreviewBody {
    strategy_id: Option<String>,
    lead_id: Option<String>,
}

/// The tenant's templates, oldest first, and the variables a body may use.
#[utoipa::path(tag = "receptionist", params(PageQuery), security(("bearer" = [])),
    responses((status = 200, description = "one page of templates and the known variables", body = crate::routes::paged::TemplatePage)))]
#[get("/api/v1/prompt-templates")]
pub(super) async fn list(
    config: web::Data<ReceptionistConfig>,
    scope: TenantScope,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::new(query.page, query.limit)?;
    let templates = config.list_templates(scope.tenant, page).await?;
    let mut body =
        serde_json::to_value(templates.map(|t| TemplateBody::from(&t))).map_err(|e| ApiError::internal(&e))?;
    body["knownVariables"] = serde_json::json!(KNOWN_VARIABLES);
    Ok(HttpResponse::Ok().json(body))
}

/// Creates a template.
#[utoipa::path(tag = "receptionist", request_body = CreateTemplateBody, security(("bearer" = [])),
    responses((status = 201, body = TemplateBody),
        (status = 400, description = "every bad field; unknown variables listed", body = crate::error::ErrorBody)))]
#[post("/api/v1/prompt-templates")]
pub(super) async fn create(
    config: web::Data<ReceptionistConfig>,
    scope: ManagerScope,
    body: web::Json<CreateTemplateBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let input =
        NewPromptTemplate { name: body.name, body: body.body, variables: body.variables, is_default: body.is_default };
    let template = config.create_template(scope.tenant, input).await?;
    Ok(HttpResponse::Created().json(TemplateBody::from(&template)))
}

/// One template.
#[utoipa::path(tag = "receptionist", security(("bearer" = [])),
    responses((status = 200, body = TemplateBody), (status = 404, body = crate::error::ErrorBody)))]
#[get("/api/v1/prompt-templates/{id}")]
pub(super) async fn get(
    config: web::Data<ReceptionistConfig>,
    scope: TenantScope,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let template = config.get_template(scope.tenant, path_id::<PromptTemplateId>(&id, "prompt template")?).await?;
    Ok(HttpResponse::Ok().json(TemplateBody::from(&template)))
}

/// Changes a template.
#[utoipa::path(tag = "receptionist", request_body = UpdateTemplateBody, security(("bearer" = [])),
    responses((status = 200, body = TemplateBody), (status = 400, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 422, description = "default_required", body = crate::error::ErrorBody)))]
#[patch("/api/v1/prompt-templates/{id}")]
pub(super) async fn update(
    config: web::Data<ReceptionistConfig>,
    scope: ManagerScope,
    id: web::Path<String>,
    body: web::Json<UpdateTemplateBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let changes = PromptTemplateChanges {
        name: body.name,
        body: body.body,
        variables: body.variables,
        is_default: body.is_default,
    };
    let template = config.update_template(scope.tenant, path_id(&id, "prompt template")?, changes).await?;
    Ok(HttpResponse::Ok().json(TemplateBody::from(&template)))
}

/// Deletes a template; when it was the default, the oldest remaining one becomes the default.
#[utoipa::path(tag = "receptionist", security(("bearer" = [])),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
#[delete("/api/v1/prompt-templates/{id}")]
pub(super) async fn delete(
    config: web::Data<ReceptionistConfig>,
    scope: ManagerScope,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    config.delete_template(scope.tenant, path_id(&id, "prompt template")?).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A rendered template.
#[derive(Serialize, ToSchema)]
pub struct RenderedBody {
    /// The text the model would be sent.
    rendered: String,
}

/// Renders the template with a strategy and a lead of the tenant: what the model would be sent.
///
/// A `strategyId` or `leadId` that names nothing in the sub-account is a 400
/// naming that field (404 is kept for the template in the path).
#[utoipa::path(tag = "receptionist", request_body = PreviewBody, security(("bearer" = [])),
    responses((status = 200, body = RenderedBody), (status = 404, body = crate::error::ErrorBody)))]
#[post("/api/v1/prompt-templates/{id}/preview")]
pub(super) async fn preview(
    config: web::Data<ReceptionistConfig>,
    leads: web::Data<LeadService>,
    scope: TenantScope,
    id: web::Path<String>,
    body: web::Json<PreviewBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let template = path_id(&id, "prompt template")?;
    let mut errors = ValidationErrors::new();
    let strategy = body
        .strategy_id
        .as_deref()
        .and_then(|raw| errors.check("strategyId", raw.trim().parse().map_err(|_| "not a valid id")));
    let lead_id = body
        .lead_id
        .as_deref()
        .and_then(|raw| errors.check("leadId", raw.trim().parse::<LeadId>().map_err(|_| "not a valid id")));
    let lead = match lead_id {
        Some(lead_id) => match leads.get(scope.tenant, lead_id).await {
            Ok(lead) => Some(lead),
            Err(LeadsError::NotFound { .. }) => {
                errors.add("leadId", "no such lead in this sub-account");
                None
            }
            Err(err) => return Err(err.into()),
        },
        None => None,
    };
    errors.into_result()?;
    let rendered = match config.preview_template(scope.tenant, template, strategy, lead.as_ref()).await {
        Err(ReceptionistError::NotFound { entity: "strategy" }) if strategy.is_some() => {
            return Err(ApiError::field("strategyId", "no such strategy in this sub-account"));
        }
        other => other?,
    };
    Ok(HttpResponse::Ok().json(RenderedBody { rendered }))
}
