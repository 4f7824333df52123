//! `POST /api/v1/chat/{leadId}/messages` (talk to the receptionist as the
//! lead: staff testing and integrations, the same loop every channel runs)
//! and `/api/v1/conversations/*` (threads, their messages and the traced
//! turns). Every member may use them; another tenant's ids answer 404.

use crate::error::ApiError;
use crate::extract::tenant::TenantScope;
use crate::routes::field_id;
use crate::routes::paged::page_or_report;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use frontdesk_kernel::{LeadId, ValidationErrors};
use frontdesk_receptionist::conversation::TurnRecord;
use frontdesk_receptionist::receptionist::Receptionist;
use frontdesk_receptionist::{Channel, Conversation, ConversationId, Message};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A message to the receptionist.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChatRequest {
    /// What the lead says, 1–10,000 characters.
    content: String,
    /// `chat` (default), `sms`, `email` or `voice`: the channel's reply limits apply.
    channel: Option<String>,
}

/// The receptionist's answer.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatReply {
    reply: String,
    /// `replied|booked|handed_off|fallback|error`.
    outcome: String,
    /// What the tools did: `[{kind, detail}]` (`held`, `booked`, `rescheduled`, `cancelled`).
    #[schema(value_type = Vec<Object>)]
    actions: serde_json::Value,
    conversation_id: String,
    turn_id: String,
}

/// A conversation.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConversationBody {
    id: String,
    lead_id: String,
    channel: String,
    created_at: DateTime<Utc>,
}

impl From<&Conversation> for ConversationBody {
    fn from(c: &Conversation) -> Self {
        Self {
            id: c.id.to_string(),
            lead_id: c.lead_id.to_string(),
            channel: c.channel.as_str().to_owned(),
            created_at: c.created_at,
        }
    }
}

/// A message of a conversation.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConversationMessageBody {
    /// `user` (the lead) or `assistant` (the receptionist).
    role: String,
    content: String,
    created_at: DateTime<Utc>,
}

impl From<&Message> for ConversationMessageBody {
    fn from(m: &Message) -> Self {
        Self { role: m.role.as_str().to_owned(), content: m.content.clone(), created_at: m.created_at }
    }
}

/// A traced turn.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TurnBody {
    id: String,
    inbound: String,
    reply: String,
    outcome: String,
    model: String,
    strategy_id: Option<String>,
    prompt_template_id: Option<String>,
    /// Fingerprint of the rendered instructions: same prompt, same hash.
    prompt_hash: String,
    /// Model calls (model, tokens, latency) and tool calls (name, arguments, result, error, duration).
    #[schema(value_type = Object)]
    trace: serde_json::Value,
    #[schema(value_type = Vec<Object>)]
    actions: serde_json::Value,
    prompt_tokens: u32,
    completion_tokens: u32,
    duration_ms: u64,
    created_at: DateTime<Utc>,
}

impl From<&TurnRecord> for TurnBody {
    fn from(t: &TurnRecord) -> Self {
        Self {
            id: t.id.to_string(),
            inbound: t.inbound.clone(),
            reply: t.reply.clone(),
            outcome: t.outcome.as_str().to_owned(),
            model: t.model.clone(),
            strategy_id: t.strategy_id.map(|s| s.to_string()),
            prompt_template_id: t.template_id.map(|s| s.to_string()),
            prompt_hash: t.prompt_hash.clone(),
            trace: t.trace.clone(),
            actions: t.actions.clone(),
            prompt_tokens: t.prompt_tokens,
            completion_tokens: t.completion_tokens,
            duration_ms: t.duration_ms,
            created_at: t.created_at,
        }
    }
}

/// The last turns of a conversation.
#[derive(Serialize, ToSchema)]
pub struct TurnList {
    /// Oldest first, at most 50.
    data: Vec<TurnBody>,
}

/// Conversation filters and paging.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ConversationParams {
    lead_id: Option<String>,
    /// `voice|sms|email|chat`.
    channel: Option<String>,
    /// 1-based page (default 1).
    #[param(minimum = 1)]
    page: Option<u32>,
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

fn channel(errors: &mut ValidationErrors, raw: Option<&str>) -> Option<Channel> {
    let raw = raw.map(str::trim).filter(|r| !r.is_empty())?;
    errors.check("channel", raw.parse::<Channel>().map_err(|_| "must be voice, sms, email or chat"))
}

fn conversation_id(raw: &str) -> Result<ConversationId, ApiError> {
    crate::routes::path_id(raw, "conversation")
}

/// Talks to the receptionist as the lead; the reply, what it did, and the stored turn.
#[utoipa::path(tag = "receptionist", request_body = ChatRequest, security(("bearer" = [])),
    responses((status = 200, body = ChatReply), (status = 400, description = "every bad field", body = crate::error::ErrorBody),
        (status = 404, description = "no such lead in this sub-account", body = crate::error::ErrorBody)))]
#[post("/api/v1/chat/{leadId}/messages")]
pub(super) async fn chat(
    desk: web::Data<Receptionist>,
    scope: TenantScope,
    path: web::Path<String>,
    body: web::Json<ChatRequest>,
) -> Result<HttpResponse, ApiError> {
    let lead: LeadId = crate::routes::path_id(&path, "lead")?;
    let body = body.into_inner();
    let mut errors = ValidationErrors::new();
    let channel = channel(&mut errors, body.channel.as_deref()).unwrap_or(Channel::Chat);
    errors.into_result()?;
    let answered = desk.handle(scope.tenant, lead, channel, &body.content).await?;
    Ok(HttpResponse::Ok().json(ChatReply {
        reply: answered.reply,
        outcome: answered.outcome.as_str().to_owned(),
        actions: answered.actions,
        conversation_id: answered.conversation_id.to_string(),
        turn_id: answered.turn_id.to_string(),
    }))
}

/// The sub-account's conversations, newest first.
#[utoipa::path(tag = "receptionist", params(ConversationParams), security(("bearer" = [])),
    responses((status = 200, description = "one page of conversations", body = crate::routes::paged::Paged<ConversationBody>),
        (status = 400, description = "every bad parameter", body = crate::error::ErrorBody)))]
#[get("/api/v1/conversations")]
pub(super) async fn list(
    desk: web::Data<Receptionist>,
    scope: TenantScope,
    params: web::Query<ConversationParams>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = ValidationErrors::new();
    let lead: Option<LeadId> = field_id(&mut errors, "leadId", params.lead_id.as_deref());
    let channel = channel(&mut errors, params.channel.as_deref());
    let page = page_or_report(&mut errors, params.page, params.limit);
    let (Some(page), true) = (page, errors.is_empty()) else { return Err(ApiError::validation(&errors)) };
    let found = desk.conversations(scope.tenant, lead, channel, page).await?;
    Ok(HttpResponse::Ok().json(found.map(|c| ConversationBody::from(&c))))
}

/// One conversation.
#[utoipa::path(tag = "receptionist", security(("bearer" = [])),
    responses((status = 200, body = ConversationBody), (status = 404, body = crate::error::ErrorBody)))]
#[get("/api/v1/conversations/{id}")]
pub(super) async fn get(
    desk: web::Data<Receptionist>,
    scope: TenantScope,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let found = desk.conversation(scope.tenant, conversation_id(&path)?).await?;
    Ok(HttpResponse::Ok().json(ConversationBody::from(&found)))
}

/// Its messages, oldest first.
#[utoipa::path(tag = "receptionist", params(crate::routes::subaccounts::PageQuery), security(("bearer" = [])),
    responses((status = 200, description = "one page of messages", body = crate::routes::paged::Paged<ConversationMessageBody>),
        (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
#[get("/api/v1/conversations/{id}/messages")]
pub(super) async fn messages(
    desk: web::Data<Receptionist>,
    scope: TenantScope,
    path: web::Path<String>,
    query: web::Query<crate::routes::subaccounts::PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = conversation_id(&path)?;
    let page = frontdesk_kernel::PageRequest::new(query.page, query.limit)?;
    let found = desk.messages(scope.tenant, id, page).await?;
    Ok(HttpResponse::Ok().json(found.map(|m| ConversationMessageBody::from(&m))))
}

/// Its last 50 turns, oldest first, with their traces.
#[utoipa::path(tag = "receptionist", security(("bearer" = [])),
    responses((status = 200, body = TurnList), (status = 404, body = crate::error::ErrorBody)))]
#[get("/api/v1/conversations/{id}/turns")]
pub(super) async fn turns(
    desk: web::Data<Receptionist>,
    scope: TenantScope,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let found = desk.turns(scope.tenant, conversation_id(&path)?, 50).await?;
    Ok(HttpResponse::Ok().json(TurnList { data: found.iter().map(TurnBody::from).collect() }))
}

/// What to replay against (all optional: today's defaults and model).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReplayRequest {
    strategy_id: Option<String>,
    prompt_template_id: Option<String>,
    /// A model name for the configured provider (ignored by the fallback).
    model: Option<String>,
}

/// A replayed turn beside the stored one.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReplayBody {
    stored: TurnBody,
    replayed: ReplayedBody,
}

/// The new run (nothing of it was stored or carried out).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReplayedBody {
    reply: String,
    outcome: String,
    model: String,
    prompt_hash: String,
    #[schema(value_type = Vec<Object>)]
    actions: serde_json::Value,
    #[schema(value_type = Object)]
    trace: serde_json::Value,
}

/// Re-runs a stored turn against today's (or the given) strategy, template
/// and model with writing tools in dry-run (owners and managers); nothing is
/// booked or stored.
#[utoipa::path(tag = "receptionist", request_body(content = ReplayRequest), security(("bearer" = [])),
    responses((status = 200, body = ReplayBody), (status = 400, description = "every bad field", body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
#[post("/api/v1/conversations/{id}/turns/{turnId}/replay")]
pub(super) async fn replay(
    desk: web::Data<Receptionist>,
    scope: crate::extract::tenant::ManagerScope,
    path: web::Path<(String, String)>,
    body: crate::extract::optional_json::OptionalJson<ReplayRequest>,
) -> Result<HttpResponse, ApiError> {
    let (conversation, turn) = path.into_inner();
    let conversation = conversation_id(&conversation)?;
    let turn: frontdesk_receptionist::conversation::TurnId = crate::routes::path_id(&turn, "turn")?;
    let body = body.0.unwrap_or(ReplayRequest { strategy_id: None, prompt_template_id: None, model: None });
    let mut errors = ValidationErrors::new();
    let strategy = field_id(&mut errors, "strategyId", body.strategy_id.as_deref());
    let template = field_id(&mut errors, "promptTemplateId", body.prompt_template_id.as_deref());
    let model = body.model.map(|m| m.trim().to_owned()).filter(|m| !m.is_empty());
    if model.as_ref().is_some_and(|m| m.chars().count() > 100) {
        errors.add("model", "must be at most 100 characters");
    }
    errors.into_result()?;
    let replayed = desk.replay(scope.tenant, conversation, turn, strategy, template, model).await?;
    Ok(HttpResponse::Ok().json(ReplayBody {
        stored: TurnBody::from(&replayed.stored),
        replayed: ReplayedBody {
            reply: replayed.reply,
            outcome: replayed.outcome.as_str().to_owned(),
            model: replayed.model,
            prompt_hash: replayed.prompt_hash,
            actions: replayed.actions,
            trace: replayed.trace,
        },
    }))
}
