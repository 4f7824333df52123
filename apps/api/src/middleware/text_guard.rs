//! Refuses control characters in every query string and JSON body, before any handler runs.
//!
//! One guard at the edge instead of a check in each of dozens of fields:
//! a NUL byte in any string value or key (lead notes, metadata, strategy
//! names, template bodies…) or any query parameter answers 400
//! `validation_failed` naming each offending field, and nothing is stored.
//! A JSON body that is not an object (every body of this api is one) is
//! refused here too.
//! Vendor webhooks' bodies (`/webhooks/*`) are left to their routes: they
//! are authenticated first and strip controls from what callers wrote.
//! The rule itself lives in `frontdesk_kernel::text`, which domain values
//! also apply (imports reach storage without this middleware).

use crate::error::ApiError;
use actix_web::HttpMessage;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{ResponseError, web};
use frontdesk_kernel::text::{check_text, json_problems};
use frontdesk_kernel::{Code, ValidationErrors};
use futures_util::StreamExt;

/// The JSON body limit, shared with the JSON extractor's configuration.
#[derive(Clone, Copy, Debug)]
pub struct BodyLimit(pub usize);

/// Whether the headers declare a JSON body (`application/json`, `…+json`, any parameters).
#[must_use]
pub fn is_json(headers: &header::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|ct| ct.split(';').next())
        .map(|ct| ct.trim().to_ascii_lowercase())
        .is_some_and(|ct| ct == "application/json" || ct.ends_with("+json"))
}

/// Percent-decodes one query component (`+` is a space); invalid escapes are kept as written.
fn decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match u8::from_str_radix(&raw[i + 1..i + 3], 16) {
                Ok(byte) => {
                    out.push(byte);
                    i += 2;
                }
                Err(_) => out.push(b'%'),
            },
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Every query parameter holding a control character.
#[must_use]
pub fn query_problems(query: &str) -> ValidationErrors {
    let mut errors = ValidationErrors::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = decode(key);
        let shown: String = key.chars().map(|c| if c.is_control() { '?' } else { c }).collect();
        if let Err(message) = check_text(&key).and_then(|()| check_text(&decode(value))) {
            errors.add(shown, message);
        }
    }
    errors
}

/// The middleware: checks the query string, and buffers and checks JSON bodies (up to the body limit).
///
/// # Errors
/// Never: refusals are responses.
pub async fn text_guard(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let errors = query_problems(req.query_string());
    if !errors.is_empty() {
        return Ok(req.into_response(ApiError::validation(&errors).error_response()));
    }
    // Vendor webhooks authenticate first and keep what a caller wrote minus
    // the controls (a 400 would only make the vendor retry the same message).
    let webhook = super::routed_path(&req).starts_with("/webhooks/");
    if is_json(req.headers()) && !webhook {
        let limit = req.app_data::<web::Data<BodyLimit>>().map_or(10 * 1024 * 1024, |l| l.0);
        let mut payload = req.take_payload();
        let mut body = BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = match chunk {
                Ok(chunk) => chunk,
                Err(e) => {
                    let error = ApiError::new(Code::BadRequest, format!("request body interrupted: {e}"));
                    return Ok(req.into_response(error.error_response()));
                }
            };
            if body.len() + chunk.len() > limit {
                let error =
                    ApiError::new(Code::PayloadTooLarge, format!("request body exceeds the limit of {limit} bytes"));
                return Ok(req.into_response(error.error_response()));
            }
            body.extend_from_slice(&chunk);
        }
        let body: Bytes = body.freeze();
        // Malformed JSON is left to the extractor, which says where it broke.
        if let Ok(value) = serde_json::from_slice::<serde_json::Value>(&body) {
            // Every JSON body of this api is an object; serde would read a
            // struct from an array too (`[null, null]`), so refuse that here.
            if !value.is_object() {
                let error = ApiError::field("body", "must be a JSON object");
                return Ok(req.into_response(error.error_response()));
            }
            let problems = json_problems(&value, "");
            if !problems.is_empty() {
                let mut errors = ValidationErrors::new();
                for (field, message) in problems {
                    errors.add(field, message);
                }
                return Ok(req.into_response(ApiError::validation(&errors).error_response()));
            }
        }
        req.set_payload(actix_web::dev::Payload::from(body));
    }
    next.call(req).await.map(ServiceResponse::map_into_boxed_body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_controls_in_query_values_and_keys_are_named() {
        let errors = query_problems("q=ok&source=a%00b&x%01=1&name=tab%09ok&plus=a+b");
        let fields: Vec<&str> = errors.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["source", "x?"]);
        assert!(query_problems("q=%zz&r=%").is_empty(), "invalid escapes are not controls");
    }
}
