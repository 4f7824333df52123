//! [`TwilioForm`]: a Twilio webhook's form parameters, extracted only when
//! `X-Twilio-Signature` signs them.
//!
//! The signed URL is rebuilt from `PUBLIC_BASE_URL` and the request's own
//! path and raw query — the `Host` header and `X-Forwarded-*` are the
//! sender's to choose, so they are never used. The body is bounded before
//! it is parsed (Twilio's forms are a few KiB). A missing or wrong
//! signature is a 403 before any handler runs, counted in
//! `webhook_rejections_total{vendor="twilio"}` and logged with the path
//! only; nothing is stored.

use crate::error::ApiError;
use actix_web::{FromRequest, HttpRequest, web};
use frontdesk_kernel::Code;
use frontdesk_receptionist::channels::webhook::SignedRequests;
use futures_util::StreamExt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// The largest Twilio form accepted.
pub const MAX_FORM_BYTES: usize = 64 * 1024;

/// Rejected vendor webhooks (bad or missing signature or credentials).
pub const WEBHOOK_REJECTIONS: &str = "webhook_rejections_total";

/// What verifying needs.
#[derive(Clone)]
pub struct TwilioVerifier {
    /// The signature check.
    pub signatures: Arc<dyn SignedRequests>,
    /// `PUBLIC_BASE_URL`, no trailing slash.
    pub public_base: String,
}

/// A signed Twilio form.
#[derive(Debug)]
pub struct TwilioForm(pub Vec<(String, String)>);

impl TwilioForm {
    /// The first value of `key`.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// The first value of `key`, or a 400 naming it.
    ///
    /// # Errors
    /// 400 when missing or blank.
    pub fn require(&self, key: &str) -> Result<&str, ApiError> {
        self.get(key)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| ApiError::new(Code::BadRequest, format!("{key}: is required")))
    }
}

fn reject(req: &HttpRequest, why: &'static str) -> ApiError {
    metrics::counter!(WEBHOOK_REJECTIONS, "vendor" => "twilio").increment(1);
    tracing::warn!(path = %req.path(), why, "Twilio webhook refused");
    ApiError::new(Code::Forbidden, "invalid or missing X-Twilio-Signature")
}

impl FromRequest for TwilioForm {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let Some(verifier) = req.app_data::<web::Data<TwilioVerifier>>().cloned() else {
                return Err(ApiError::new(Code::InternalError, "the Twilio verifier is not configured"));
            };
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|_| ApiError::new(Code::BadRequest, "the body could not be read"))?;
                if body.len() + chunk.len() > MAX_FORM_BYTES {
                    return Err(ApiError::new(Code::PayloadTooLarge, "a Twilio form is at most 64 KiB"));
                }
                body.extend_from_slice(&chunk);
            }
            let Some(signature) = req.headers().get("x-twilio-signature").and_then(|v| v.to_str().ok()) else {
                return Err(reject(&req, "no signature"));
            };
            // A body that is not a form cannot carry a valid signature.
            let Ok(params) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body) else {
                return Err(reject(&req, "the body is not a form"));
            };
            let query = req.query_string();
            let url = if query.is_empty() {
                format!("{}{}", verifier.public_base, req.path())
            } else {
                format!("{}{}?{query}", verifier.public_base, req.path())
            };
            if !verifier.signatures.verify(&url, &params, signature) {
                return Err(reject(&req, "signature does not match"));
            }
            Ok(Self(params))
        })
    }
}
