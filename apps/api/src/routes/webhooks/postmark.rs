//! `POST /webhooks/postmark/inbound`: Postmark's inbound email JSON.
//!
//! Postmark does not sign webhooks; it sends the basic-auth credentials of
//! the webhook URL (`https://user:password@…/webhooks/postmark/inbound`),
//! compared here in constant time before the body is parsed. Without
//! configured credentials every request is refused (403). The body is
//! bounded before it is parsed; Postmark's `MessageID` keys the reply job,
//! so a redelivery is one reply. The tenant comes from the recipients
//! (`OriginalRecipient`, `ToFull`, `CcFull`, `MailboxHash`).

use crate::error::ApiError;
use actix_web::{HttpRequest, HttpResponse, post, web};
use base64::Engine as _;
use frontdesk_kernel::Code;
use frontdesk_receptionist::channels::email::{InboundEmail, message_ids};
use frontdesk_receptionist::channels::inbound::Inbound;
use frontdesk_receptionist::channels::mailbox::Received;
use futures_util::StreamExt;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;

/// The largest inbound email accepted (attachments included).
pub const MAX_EMAIL_BYTES: usize = 10 * 1024 * 1024;

/// What the route uses.
pub struct PostmarkContext {
    /// The use cases.
    pub inbound: Arc<Inbound>,
    /// `Basic base64(user:password)`, or `None` (refuse everything).
    pub credentials: Option<secrecy::SecretString>,
}

impl PostmarkContext {
    /// The context for `credentials` (`POSTMARK_INBOUND_USER`, `…_PASSWORD`).
    #[must_use]
    pub fn new(use_cases: Arc<Inbound>, credentials: Option<(&str, &str)>) -> Self {
        let credentials = credentials.map(|(user, password)| {
            let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
            secrecy::SecretString::from(format!("Basic {encoded}"))
        });
        Self { inbound: use_cases, credentials }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Address {
    email: Option<String>,
    mailbox_hash: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct NameValue {
    name: String,
    value: String,
}

/// Postmark's inbound webhook body (the fields used; the rest is ignored).
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PostmarkInbound {
    from: Option<String>,
    from_name: Option<String>,
    from_full: Option<Address>,
    to_full: Option<Vec<Address>>,
    cc_full: Option<Vec<Address>>,
    original_recipient: Option<String>,
    subject: Option<String>,
    #[serde(rename = "MessageID")]
    message_id: String,
    mailbox_hash: Option<String>,
    text_body: Option<String>,
    html_body: Option<String>,
    stripped_text_reply: Option<String>,
    headers: Option<Vec<NameValue>>,
}

impl PostmarkInbound {
    fn into_email(self) -> InboundEmail {
        let headers: Vec<(String, String)> =
            self.headers.unwrap_or_default().into_iter().map(|h| (h.name, h.value)).collect();
        let header = |name: &str| {
            headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone()).unwrap_or_default()
        };
        let mut recipients: Vec<String> = self.original_recipient.into_iter().collect();
        for address in self.to_full.into_iter().flatten().chain(self.cc_full.into_iter().flatten()) {
            recipients.extend(address.email);
            recipients.extend(address.mailbox_hash.filter(|h| !h.is_empty()));
        }
        recipients.extend(self.mailbox_hash.filter(|h| !h.is_empty()));
        let from = self.from_full.and_then(|f| f.email).or(self.from).unwrap_or_default();
        InboundEmail {
            provider_id: self.message_id,
            from,
            from_name: self.from_name,
            recipients,
            subject: self.subject.unwrap_or_default(),
            message_id: message_ids(&header("Message-ID")).into_iter().next(),
            in_reply_to: message_ids(&header("In-Reply-To")),
            references: message_ids(&header("References")),
            text: self.text_body.unwrap_or_default(),
            html: self.html_body,
            stripped_reply: self.stripped_text_reply,
            headers,
        }
    }
}

/// What happened to the email.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InboundAnswer {
    /// `queued` (a reply job) or `ignored`.
    status: &'static str,
    /// Why it was ignored (`automatic`, `empty`, …).
    reason: Option<&'static str>,
    /// The reply job.
    job_id: Option<String>,
}

fn reject(why: &'static str) -> ApiError {
    metrics::counter!(crate::extract::twilio::WEBHOOK_REJECTIONS, "vendor" => "postmark").increment(1);
    tracing::warn!(why, "Postmark inbound webhook refused");
    ApiError::new(Code::Forbidden, "invalid or missing credentials")
}

/// An email to a routed address: answered in its thread by a job; auto-replies and bounces are never answered.
#[utoipa::path(tag = "webhooks", request_body(content = Object, description = "Postmark's inbound JSON"),
    params(("Authorization" = Option<String>, Header, description = "Basic credentials of the webhook URL (missing or wrong: 403)")),
    responses((status = 200, body = InboundAnswer),
        (status = 403, description = "missing or wrong credentials", body = crate::error::ErrorBody),
        (status = 404, description = "no sub-account routes any recipient", body = crate::error::ErrorBody)))]
#[post("/webhooks/postmark/inbound")]
pub(super) async fn inbound(
    context: web::Data<PostmarkContext>,
    req: HttpRequest,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let Some(expected) = &context.credentials else { return Err(reject("no credentials configured")) };
    let presented = req.headers().get("authorization").map(|v| v.as_bytes()).unwrap_or_default();
    if !frontdesk_runtime::services::secrets_match(presented, expected.expose_secret().as_bytes()) {
        return Err(reject("credentials do not match"));
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::new(Code::BadRequest, "the body could not be read"))?;
        if body.len() + chunk.len() > MAX_EMAIL_BYTES {
            return Err(ApiError::new(Code::PayloadTooLarge, "an inbound email is at most 10 MiB"));
        }
        body.extend_from_slice(&chunk);
    }
    let parsed: PostmarkInbound = serde_json::from_slice(&body)
        .map_err(|e| ApiError::new(Code::BadRequest, format!("not Postmark's inbound JSON: {e}")))?;
    if parsed.message_id.trim().is_empty() || parsed.message_id.len() > 200 {
        return Err(ApiError::new(Code::BadRequest, "MessageID: is required (at most 200 characters)"));
    }
    let email = parsed.into_email();
    let answer = match context.inbound.email_received(&email).await? {
        Received::Unrouted => {
            tracing::warn!(email.id = %email.provider_id, "inbound email for an address no sub-account routes");
            return Err(ApiError::new(Code::NotFound, "no sub-account receives mail at these addresses"));
        }
        Received::Ignored(reason) => InboundAnswer { status: "ignored", reason: Some(reason), job_id: None },
        Received::Queued(job) => InboundAnswer { status: "queued", reason: None, job_id: Some(job.to_string()) },
    };
    Ok(HttpResponse::Ok().json(answer))
}
