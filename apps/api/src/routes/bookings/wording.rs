//! `/api/v1/booking-messages`: the sub-account's wording of its booking
//! messages (confirmation, rescheduled, cancelled, reminder) — read by every
//! member, written and reset by owners and managers.

use crate::error::ApiError;
use crate::extract::tenant::{ManagerScope, TenantScope};
use actix_web::{HttpResponse, delete, get, put, web};
use frontdesk_bookings::{BookingMessage, MESSAGE_VARIABLES, MessageWording, MessageWordings, WordingInput};
use frontdesk_kernel::Code;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One message's wording in force.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WordingBody {
    /// `confirmation|rescheduled|cancelled|reminder`.
    message: String,
    /// The text message to a lead with a phone number.
    sms: String,
    /// The email subject to a lead without one.
    email_subject: String,
    /// The email body.
    email_body: String,
    /// The notice to the staff (empty: none).
    staff: String,
    /// The sub-account's own wording (false: built in).
    custom: bool,
}

impl From<&MessageWording> for WordingBody {
    fn from(m: &MessageWording) -> Self {
        Self {
            message: m.message.as_str().to_owned(),
            sms: m.wording.sms.clone(),
            email_subject: m.wording.email_subject.clone(),
            email_body: m.wording.email_body.clone(),
            staff: m.wording.staff.clone(),
            custom: m.custom,
        }
    }
}

/// Every message's wording, with the variables a template may use.
#[derive(Serialize, ToSchema)]
pub struct WordingList {
    data: Vec<WordingBody>,
    /// The `{{ name }}` variables a template may use.
    variables: Vec<String>,
}

/// New wording; a field left out keeps the built-in text.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WordingRequest {
    /// One line, at most 320 characters.
    sms: Option<String>,
    /// One line, at most 200 characters.
    email_subject: Option<String>,
    /// At most 5000 characters.
    email_body: Option<String>,
    /// At most 5000 characters; empty turns the staff notice off.
    staff: Option<String>,
}

fn message(raw: &str) -> Result<BookingMessage, ApiError> {
    raw.parse().map_err(|_| {
        ApiError::new(Code::NotFound, "booking message not found: use confirmation, rescheduled, cancelled or reminder")
    })
}

/// The wording of every booking message.
#[utoipa::path(tag = "bookings", security(("bearer" = [])), responses((status = 200, body = WordingList)))]
#[get("/api/v1/booking-messages")]
pub(super) async fn list(service: web::Data<MessageWordings>, scope: TenantScope) -> Result<HttpResponse, ApiError> {
    let all = service.all(scope.tenant).await?;
    Ok(HttpResponse::Ok().json(WordingList {
        data: all.iter().map(WordingBody::from).collect(),
        variables: MESSAGE_VARIABLES.iter().map(|v| (*v).to_owned()).collect(),
    }))
}

/// Sets the wording of one message (owners and managers).
#[utoipa::path(tag = "bookings", request_body = WordingRequest, security(("bearer" = [])),
    params(("message" = String, Path, description = "confirmation|rescheduled|cancelled|reminder")),
    responses((status = 200, body = WordingBody), (status = 400, description = "every bad field", body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
#[put("/api/v1/booking-messages/{message}")]
pub(super) async fn put(
    service: web::Data<MessageWordings>,
    scope: ManagerScope,
    path: web::Path<String>,
    body: web::Json<WordingRequest>,
) -> Result<HttpResponse, ApiError> {
    let message = message(&path)?;
    let body = body.into_inner();
    let input = WordingInput {
        sms: body.sms,
        email_subject: body.email_subject,
        email_body: body.email_body,
        staff: body.staff,
    };
    let saved = service.put(scope.tenant, message, input).await?;
    tracing::info!(%message, "booking message wording changed");
    Ok(HttpResponse::Ok().json(WordingBody::from(&saved)))
}

/// Brings back the built-in wording of one message (owners and managers).
#[utoipa::path(tag = "bookings", security(("bearer" = [])),
    params(("message" = String, Path, description = "confirmation|rescheduled|cancelled|reminder")),
    responses((status = 200, body = WordingBody), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
#[delete("/api/v1/booking-messages/{message}")]
pub(super) async fn reset(
    service: web::Data<MessageWordings>,
    scope: ManagerScope,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let message = message(&path)?;
    let reset = service.reset(scope.tenant, message).await?;
    Ok(HttpResponse::Ok().json(WordingBody::from(&reset)))
}
