//! `POST /webhooks/gohighlevel/{integrationId}`: GoHighLevel's contact
//! events for one integration. The Ed25519 `x-ghl-signature` over the raw
//! body is checked before anything is looked up (403, nothing stored, a
//! `webhook_rejections_total{vendor="gohighlevel"}` count); redeliveries
//! are recognised by `webhookId`, else by the signature itself.

use crate::error::ApiError;
use actix_web::{HttpRequest, HttpResponse, post, web};
use frontdesk_integrations::{InboundEvents, IntegrationId, IntegrationsError, Receipt};
use frontdesk_kernel::Code;
use futures_util::StreamExt as _;
use serde::Serialize;
use utoipa::ToSchema;

/// Largest accepted event body.
pub const MAX_EVENT_BYTES: usize = 256 * 1024;

/// What became of the event.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GoHighLevelAnswer {
    /// `applied`, `duplicate` or `ignored`.
    status: &'static str,
    /// Why it was ignored.
    reason: Option<String>,
    /// The lead created or changed.
    lead_id: Option<String>,
}

fn reject() -> ApiError {
    metrics::counter!(crate::extract::twilio::WEBHOOK_REJECTIONS, "vendor" => "gohighlevel").increment(1);
    ApiError::new(Code::Forbidden, "invalid or missing x-ghl-signature")
}

/// A contact created or changed in GoHighLevel: its lead follows.
#[utoipa::path(tag = "webhooks", request_body(content = Object, description = "GoHighLevel's webhook JSON"),
    params(("integrationId" = String, Path, description = "The GoHighLevel integration"),
        ("x-ghl-signature" = Option<String>, Header, description = "Ed25519 signature of the raw body, base64 (missing or invalid: 403)")),
    responses((status = 200, body = GoHighLevelAnswer),
        (status = 400, description = "not a JSON event", body = crate::error::ErrorBody),
        (status = 403, description = "missing or invalid signature", body = crate::error::ErrorBody),
        (status = 404, description = "no such GoHighLevel integration", body = crate::error::ErrorBody),
        (status = 413, body = crate::error::ErrorBody)))]
#[post("/webhooks/gohighlevel/{integrationId}")]
pub(super) async fn event(
    events: web::Data<InboundEvents>,
    req: HttpRequest,
    path: web::Path<String>,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::new(Code::BadRequest, "the body could not be read"))?;
        if body.len() + chunk.len() > MAX_EVENT_BYTES {
            return Err(ApiError::new(Code::PayloadTooLarge, "a GoHighLevel event is at most 256 KiB"));
        }
        body.extend_from_slice(&chunk);
    }
    let signature = req.headers().get("x-ghl-signature").and_then(|v| v.to_str().ok());
    // A malformed id is checked after the signature, like an unknown one.
    let integration = path.parse::<IntegrationId>().unwrap_or_else(|_| IntegrationId::from_uuid(uuid::Uuid::nil()));
    let receipt = match events.gohighlevel(integration, &body, signature).await {
        Ok(receipt) => receipt,
        Err(IntegrationsError::BadSignature) => {
            tracing::warn!(integration.id = %path, "GoHighLevel webhook refused: missing or invalid signature");
            return Err(reject());
        }
        Err(IntegrationsError::NotFound { .. }) => {
            tracing::warn!(integration.id = %path, "signed GoHighLevel webhook for no active integration");
            return Err(ApiError::new(Code::NotFound, "integration not found"));
        }
        Err(other) => return Err(other.into()),
    };
    let answer = match receipt {
        Receipt::Applied(lead) => {
            tracing::info!(integration.id = %integration, lead.id = %lead, "GoHighLevel contact applied");
            GoHighLevelAnswer { status: "applied", reason: None, lead_id: Some(lead.to_string()) }
        }
        Receipt::Duplicate => GoHighLevelAnswer { status: "duplicate", reason: None, lead_id: None },
        Receipt::Ignored(why) => {
            tracing::info!(integration.id = %integration, reason = %why, "GoHighLevel event ignored");
            GoHighLevelAnswer { status: "ignored", reason: Some(why), lead_id: None }
        }
    };
    Ok(HttpResponse::Ok().json(answer))
}
