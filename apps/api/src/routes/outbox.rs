//! `GET /api/v1/outbox`: the messages the sub-account sent — booking
//! confirmations, reschedule and cancellation notices, reminders, staff
//! notices — newest first. In the embedded profile nothing leaves the
//! machine, so this is where they are read; with a provider connected it
//! is the record of what was sent. Every member may read it (it holds what
//! the leads list already shows: names, phone numbers, emails).

use crate::error::ApiError;
use crate::extract::tenant::TenantScope;
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use frontdesk_kernel::ValidationErrors;
use frontdesk_kernel::messaging::{MessageChannel, Outbox, SentMessage};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

/// What the route reads.
pub struct OutboxContext {
    /// The configured outbox.
    pub outbox: Arc<dyn Outbox>,
}

/// Registers the route.
pub fn configure(cfg: &mut impl crate::routes::Routes) {
    cfg.service(list);
}

/// Filter and paging.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxParams {
    /// `sms|email|staff`.
    channel: Option<String>,
    /// 1-based page (default 1).
    #[param(minimum = 1)]
    page: Option<u32>,
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

/// A sent message.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageBody {
    id: String,
    /// `sms|email|staff`.
    channel: String,
    /// Phone number, email address, or `staff`.
    to: String,
    subject: Option<String>,
    body: String,
    /// What the message is (`booking:{id}:{message}:{start}:{audience}`); one message per key.
    dedupe_key: String,
    /// An email's threading headers (`In-Reply-To`, `References`).
    headers: Vec<HeaderBody>,
    created_at: DateTime<Utc>,
}

/// A header of a sent email.
#[derive(Serialize, ToSchema)]
pub struct HeaderBody {
    name: String,
    value: String,
}

impl From<&SentMessage> for MessageBody {
    fn from(m: &SentMessage) -> Self {
        Self {
            id: m.id.to_string(),
            channel: m.message.channel.as_str().to_owned(),
            to: m.message.to.clone(),
            subject: m.message.subject.clone(),
            body: m.message.body.clone(),
            dedupe_key: m.message.dedupe_key.clone(),
            headers: m
                .message
                .headers
                .iter()
                .map(|(name, value)| HeaderBody { name: name.clone(), value: value.clone() })
                .collect(),
            created_at: m.created_at,
        }
    }
}

/// The sub-account's sent messages, newest first.
#[utoipa::path(tag = "bookings", params(OutboxParams), security(("bearer" = [])),
    responses((status = 200, description = "one page of messages", body = crate::routes::paged::Paged<MessageBody>),
        (status = 400, description = "every bad parameter", body = crate::error::ErrorBody)))]
#[get("/api/v1/outbox")]
pub(crate) async fn list(
    context: web::Data<OutboxContext>,
    scope: TenantScope,
    params: web::Query<OutboxParams>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = ValidationErrors::new();
    let channel = params.channel.as_deref().map(str::trim).filter(|c| !c.is_empty()).and_then(|raw| {
        errors.check("channel", raw.parse::<MessageChannel>().map_err(|_| "must be sms, email or staff"))
    });
    let page = crate::routes::paged::page_or_report(&mut errors, params.page, params.limit);
    let (Some(page), true) = (page, errors.is_empty()) else { return Err(ApiError::validation(&errors)) };
    let messages = context.outbox.list(scope.tenant, channel, page).await?;
    Ok(HttpResponse::Ok().json(messages.map(|m| MessageBody::from(&m))))
}
