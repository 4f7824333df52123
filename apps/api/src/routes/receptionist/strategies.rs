//! Strategies: persona, tone, goal, qualification questions, business facts.

use crate::error::ApiError;
use crate::extract::tenant::{ManagerScope, TenantScope};
use crate::routes::path_id;
use crate::routes::subaccounts::PageQuery;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use frontdesk_kernel::PageRequest;
use frontdesk_receptionist::{NewStrategy, ReceptionistConfig, Strategy, StrategyChanges, StrategyId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A strategy as clients see it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StrategyBody {
    id: String,
    name: String,
    persona: String,
    tone: String,
    goal: String,
    qualification_questions: Vec<String>,
    #[schema(value_type = Object)]
    business_facts: serde_json::Value,
    handoff_phone: Option<String>,
    is_default: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<&Strategy> for StrategyBody {
    fn from(s: &Strategy) -> Self {
        Self {
            id: s.id.to_string(),
            name: s.name.clone(),
            persona: s.persona.clone(),
            tone: s.tone.clone(),
            goal: s.goal.clone(),
            qualification_questions: s.qualification_questions.clone(),
            business_facts: s.business_facts.to_value(),
            handoff_phone: s.handoff_phone.as_ref().map(|p| p.as_str().to_owned()),
            is_default: s.is_default,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// Create request.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateStrategyBody {
    /// 1–120 characters.
    #[serde(default)]
    name: String,
    /// Who the receptionist is, 1–4000 characters.
    #[serde(default)]
    persona: String,
    /// How it speaks (default "friendly and professional").
    tone: Option<String>,
    /// What a conversation should achieve, 1–1000 characters.
    #[serde(default)]
    goal: String,
    /// At most 20, each 1–500 characters, asked in order.
    #[serde(default)]
    qualification_questions: Vec<String>,
    /// `{services, hours, location, pricing, …}`: a JSON object of at most 16 KiB.
    #[schema(value_type = Option<Object>)]
    business_facts: Option<serde_json::Value>,
    /// International number a lead who wants a person is given.
    handoff_phone: Option<String>,
    /// Make it the default (the tenant's first strategy always is).
    #[serde(default)]
    is_default: bool,
}

/// Change request; absent fields stay, blank `handoffPhone` clears it.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateStrategyBody {
    name: Option<String>,
    persona: Option<String>,
    tone: Option<String>,
    goal: Option<String>,
    qualification_questions: Option<Vec<String>>,
    #[schema(value_type = Option<Object>)]
    business_facts: Option<serde_json::Value>,
    handoff_phone: Option<String>,
    /// `true` makes it the default (the old one is unset atomically);
    /// `false` on the default is refused: make another one the default instead.
    is_default: Option<bool>,
}

/// The tenant's strategies, oldest first.
#[utoipa::path(tag = "receptionist", params(PageQuery), security(("bearer" = [])),
    responses((status = 200, description = "one page of strategies", body = crate::routes::paged::Paged<StrategyBody>)))]
#[get("/api/v1/strategies")]
pub(super) async fn list(
    config: web::Data<ReceptionistConfig>,
    scope: TenantScope,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::new(query.page, query.limit)?;
    let strategies = config.list_strategies(scope.tenant, page).await?;
    Ok(HttpResponse::Ok().json(strategies.map(|s| StrategyBody::from(&s))))
}

/// Creates a strategy.
#[utoipa::path(tag = "receptionist", request_body = CreateStrategyBody, security(("bearer" = [])),
    responses((status = 201, body = StrategyBody), (status = 400, body = crate::error::ErrorBody)))]
#[post("/api/v1/strategies")]
pub(super) async fn create(
    config: web::Data<ReceptionistConfig>,
    scope: ManagerScope,
    body: web::Json<CreateStrategyBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let input = NewStrategy {
        name: body.name,
        persona: body.persona,
        tone: body.tone,
        goal: body.goal,
        qualification_questions: body.qualification_questions,
        business_facts: body.business_facts,
        handoff_phone: body.handoff_phone,
        is_default: body.is_default,
    };
    let strategy = config.create_strategy(scope.tenant, input).await?;
    Ok(HttpResponse::Created().json(StrategyBody::from(&strategy)))
}

/// One strategy.
#[utoipa::path(tag = "receptionist", security(("bearer" = [])),
    responses((status = 200, body = StrategyBody), (status = 404, body = crate::error::ErrorBody)))]
#[get("/api/v1/strategies/{id}")]
pub(super) async fn get(
    config: web::Data<ReceptionistConfig>,
    scope: TenantScope,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let strategy = config.get_strategy(scope.tenant, path_id::<StrategyId>(&id, "strategy")?).await?;
    Ok(HttpResponse::Ok().json(StrategyBody::from(&strategy)))
}

/// Changes a strategy.
#[utoipa::path(tag = "receptionist", request_body = UpdateStrategyBody, security(("bearer" = [])),
    responses((status = 200, body = StrategyBody), (status = 400, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 422, description = "default_required", body = crate::error::ErrorBody)))]
#[patch("/api/v1/strategies/{id}")]
pub(super) async fn update(
    config: web::Data<ReceptionistConfig>,
    scope: ManagerScope,
    id: web::Path<String>,
    body: web::Json<UpdateStrategyBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let changes = StrategyChanges {
        name: body.name,
        persona: body.persona,
        tone: body.tone,
        goal: body.goal,
        qualification_questions: body.qualification_questions,
        business_facts: body.business_facts,
        handoff_phone: body.handoff_phone,
        is_default: body.is_default,
    };
    let strategy = config.update_strategy(scope.tenant, path_id(&id, "strategy")?, changes).await?;
    Ok(HttpResponse::Ok().json(StrategyBody::from(&strategy)))
}

/// Deletes a strategy; when it was the default, the oldest remaining one becomes the default.
#[utoipa::path(tag = "receptionist", security(("bearer" = [])),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
#[delete("/api/v1/strategies/{id}")]
pub(super) async fn delete(
    config: web::Data<ReceptionistConfig>,
    scope: ManagerScope,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let promoted = config.delete_strategy(scope.tenant, path_id(&id, "strategy")?).await?;
    if let Some(promoted) = promoted {
        tracing::info!(strategy.id = %promoted, "default strategy deleted; oldest remaining promoted");
    }
    Ok(HttpResponse::NoContent().finish())
}
