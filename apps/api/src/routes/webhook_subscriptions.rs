//! `/api/v1/webhooks`: a sub-account's outbound webhook subscriptions
//! (Standard Webhooks), their delivery log, redelivery and replay.
//!
//! Owners and managers manage them (an endpoint receives lead and booking
//! data). The signing secret is returned once — by the create and by
//! `rotate-secret` — and never again; after a rotation deliveries carry a
//! second signature made with the previous secret for 24 hours.

use crate::error::ApiError;
use crate::extract::tenant::ManagerScope;
use crate::routes::path_id;
use crate::routes::subaccounts::PageQuery;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use frontdesk_integrations::outbound::{
    Attempt, NewSubscription, Subscription, SubscriptionChange, SubscriptionStatus, WebhookSubscriptions,
};
use frontdesk_kernel::{PageRequest, ValidationErrors};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A subscription.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookBody {
    id: String,
    /// Where events are POSTed.
    url: String,
    description: Option<String>,
    /// The event types delivered.
    events: Vec<String>,
    /// `active|disabled`.
    status: String,
    /// Why the system disabled it (every delivery failing for 3 days).
    disabled_reason: Option<String>,
    /// Since when every delivery has failed.
    failing_since: Option<DateTime<Utc>>,
    /// Until when deliveries also carry a signature made with the previous secret.
    previous_secret_until: Option<DateTime<Utc>>,
    /// The `whsec_` signing secret: only in the answers to the create and to `rotate-secret`.
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl WebhookBody {
    fn of(s: &Subscription, secret: Option<String>) -> Self {
        Self {
            id: s.id.to_string(),
            url: s.url.clone(),
            description: s.description.clone(),
            events: s.events.clone(),
            status: s.status.as_str().to_owned(),
            disabled_reason: s.disabled_reason.clone(),
            failing_since: s.failing_since,
            previous_secret_until: s.previous_until,
            secret,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// A new subscription.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateWebhookBody {
    /// `https://` (plain `http://` outside production); must not resolve to a private address.
    url: String,
    /// Event types: `lead.created`, `lead.updated`, `lead.status_changed`, `lead.deleted`, `lead.restored`, `booking.created`,
    /// `booking.rescheduled`, `booking.cancelled`, `conversation.message`, `handoff.requested`, `call.completed`.
    events: Vec<String>,
    /// At most 200 characters.
    description: Option<String>,
}

/// A change; absent fields stay.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateWebhookBody {
    url: Option<String>,
    events: Option<Vec<String>>,
    /// `""` clears it.
    description: Option<String>,
    /// `active` (re-enables a disabled subscription) or `disabled`.
    status: Option<String>,
}

/// One delivery attempt.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryAttemptBody {
    /// The event: its id is the delivery's `webhook-id`.
    event_id: String,
    event_type: String,
    /// `auto` for the event's own deliveries, `redeliver-…` or `replay-…` for ones asked for.
    series: String,
    /// 1-based within the series.
    attempt: u32,
    attempted_at: DateTime<Utc>,
    /// The endpoint's HTTP status, when it answered.
    status_code: Option<u16>,
    latency_ms: u64,
    /// The answer's first 1 KiB.
    response_excerpt: String,
    /// Why there was no answer.
    error: Option<String>,
    succeeded: bool,
    /// When the next attempt is due, if one is.
    next_attempt_at: Option<DateTime<Utc>>,
}

impl From<Attempt> for DeliveryAttemptBody {
    fn from(a: Attempt) -> Self {
        Self {
            event_id: a.event_id.to_string(),
            event_type: a.event_kind,
            series: a.series,
            attempt: a.attempt,
            attempted_at: a.attempted_at,
            status_code: a.status_code,
            latency_ms: a.latency_ms,
            response_excerpt: a.excerpt,
            error: a.error,
            succeeded: a.succeeded,
            next_attempt_at: a.next_attempt_at,
        }
    }
}

/// A time range to replay.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReplayBody {
    /// Inclusive.
    from: DateTime<Utc>,
    /// Exclusive; at most 7 days after `from`.
    to: DateTime<Utc>,
}

/// How many deliveries were queued.
#[derive(Serialize, ToSchema)]
pub struct QueuedBody {
    queued: u32,
}

/// The sub-account's subscriptions, oldest first.
#[utoipa::path(tag = "outbound-webhooks", params(PageQuery), security(("bearer" = [])),
    responses((status = 200, description = "one page of subscriptions", body = crate::routes::paged::Paged<WebhookBody>),
        (status = 400, body = crate::error::ErrorBody)))]
#[get("/api/v1/webhooks")]
async fn list(
    webhooks: web::Data<WebhookSubscriptions>,
    scope: ManagerScope,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::new(query.page, query.limit)?;
    let found = webhooks.list(scope.tenant, page).await?;
    Ok(HttpResponse::Ok().json(found.map(|s| WebhookBody::of(&s, None))))
}

/// Subscribes an endpoint; the answer holds the signing secret, shown this once.
#[utoipa::path(tag = "outbound-webhooks", request_body = CreateWebhookBody, security(("bearer" = [])),
    responses((status = 201, body = WebhookBody),
        (status = 400, description = "every invalid field; a URL resolving to a private address is a `url` error", body = crate::error::ErrorBody)))]
#[post("/api/v1/webhooks")]
async fn create(
    webhooks: web::Data<WebhookSubscriptions>,
    scope: ManagerScope,
    body: web::Json<CreateWebhookBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let input = NewSubscription { url: body.url, events: body.events, description: body.description };
    let created = webhooks.create(scope.tenant, input).await?;
    Ok(HttpResponse::Created().json(WebhookBody::of(&created.subscription, Some(created.secret))))
}

/// One subscription.
#[utoipa::path(tag = "outbound-webhooks", security(("bearer" = [])),
    responses((status = 200, body = WebhookBody), (status = 404, body = crate::error::ErrorBody)))]
#[get("/api/v1/webhooks/{id}")]
async fn get(
    webhooks: web::Data<WebhookSubscriptions>,
    scope: ManagerScope,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let found = webhooks.get(scope.tenant, path_id(&id, "webhook subscription")?).await?;
    Ok(HttpResponse::Ok().json(WebhookBody::of(&found, None)))
}

/// Changes the endpoint, the events or the description, or disables / re-enables it.
#[utoipa::path(tag = "outbound-webhooks", request_body = UpdateWebhookBody, security(("bearer" = [])),
    responses((status = 200, body = WebhookBody), (status = 400, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 409, description = "changed meanwhile; read it again", body = crate::error::ErrorBody)))]
#[patch("/api/v1/webhooks/{id}")]
async fn update(
    webhooks: web::Data<WebhookSubscriptions>,
    scope: ManagerScope,
    id: web::Path<String>,
    body: web::Json<UpdateWebhookBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let id = path_id(&id, "webhook subscription")?;
    let status = match body.status.as_deref() {
        None => None,
        Some(raw) => Some(
            raw.parse::<SubscriptionStatus>()
                .map_err(|_| ValidationErrors::single("status", "must be one of: active, disabled"))?,
        ),
    };
    let change = SubscriptionChange { url: body.url, events: body.events, description: body.description, status };
    let changed = webhooks.update(scope.tenant, id, change).await?;
    Ok(HttpResponse::Ok().json(WebhookBody::of(&changed, None)))
}

/// Deletes it with its delivery log; queued deliveries are dropped.
#[utoipa::path(tag = "outbound-webhooks", security(("bearer" = [])),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
#[delete("/api/v1/webhooks/{id}")]
async fn delete(
    webhooks: web::Data<WebhookSubscriptions>,
    scope: ManagerScope,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    webhooks.delete(scope.tenant, path_id(&id, "webhook subscription")?).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A new signing secret (shown this once); the previous one keeps signing
/// — a second `v1,` signature — for 24 hours.
#[utoipa::path(tag = "outbound-webhooks", security(("bearer" = [])),
    responses((status = 200, body = WebhookBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, description = "changed meanwhile; try again", body = crate::error::ErrorBody)))]
#[post("/api/v1/webhooks/{id}/rotate-secret")]
async fn rotate_secret(
    webhooks: web::Data<WebhookSubscriptions>,
    scope: ManagerScope,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let rotated = webhooks.rotate_secret(scope.tenant, path_id(&id, "webhook subscription")?).await?;
    Ok(HttpResponse::Ok().json(WebhookBody::of(&rotated.subscription, Some(rotated.secret))))
}

/// Every delivery attempt, newest first: status, latency, the answer's first 1 KiB.
#[utoipa::path(tag = "outbound-webhooks", params(PageQuery), security(("bearer" = [])),
    responses((status = 200, description = "one page of attempts", body = crate::routes::paged::Paged<DeliveryAttemptBody>),
        (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
#[get("/api/v1/webhooks/{id}/deliveries")]
async fn deliveries(
    webhooks: web::Data<WebhookSubscriptions>,
    scope: ManagerScope,
    id: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::new(query.page, query.limit)?;
    let found = webhooks.attempts(scope.tenant, path_id(&id, "webhook subscription")?, page).await?;
    Ok(HttpResponse::Ok().json(found.map(DeliveryAttemptBody::from)))
}

/// Delivers one event again (same `webhook-id`), with its own retries.
#[utoipa::path(tag = "outbound-webhooks", security(("bearer" = [])),
    responses((status = 202, body = QueuedBody), (status = 404, description = "no such subscription or event", body = crate::error::ErrorBody),
        (status = 400, description = "the subscription is disabled or does not receive the event's type", body = crate::error::ErrorBody),
        (status = 429, description = "more than 30 redeliveries and replays this hour", body = crate::error::ErrorBody)))]
#[post("/api/v1/webhooks/{id}/deliveries/{eventId}/redeliver")]
async fn redeliver(
    webhooks: web::Data<WebhookSubscriptions>,
    scope: ManagerScope,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, event) = path.into_inner();
    let id = path_id(&id, "webhook subscription")?;
    webhooks.redeliver(scope.tenant, id, path_id(&event, "event")?).await?;
    Ok(HttpResponse::Accepted().json(QueuedBody { queued: 1 }))
}

/// Delivers again every event of the subscription's types that occurred in `from..to` (events are kept 30 days).
#[utoipa::path(tag = "outbound-webhooks", request_body = ReplayBody, security(("bearer" = [])),
    responses((status = 202, body = QueuedBody), (status = 400, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 429, description = "more than 30 redeliveries and replays this hour", body = crate::error::ErrorBody)))]
#[post("/api/v1/webhooks/{id}/replay")]
async fn replay(
    webhooks: web::Data<WebhookSubscriptions>,
    scope: ManagerScope,
    id: web::Path<String>,
    body: web::Json<ReplayBody>,
) -> Result<HttpResponse, ApiError> {
    let queued = webhooks.replay(scope.tenant, path_id(&id, "webhook subscription")?, body.from, body.to).await?;
    Ok(HttpResponse::Accepted().json(QueuedBody { queued }))
}

/// Registers the routes.
pub fn configure(cfg: &mut impl crate::routes::Routes) {
    cfg.service(list)
        .service(create)
        .service(get)
        .service(update)
        .service(delete)
        .service(rotate_secret)
        .service(deliveries)
        .service(redeliver)
        .service(replay);
}
