//! The outermost middleware: request id, span, access log, metrics and the
//! error-format guarantee.
//!
//! * `X-Request-Id` is echoed when the client sent a sane one (≤ 128
//!   visible ASCII characters) and generated (UUID v7) otherwise; it is on
//!   the response and on every log line of the request's span.
//! * Latency goes to the `http_request_duration_seconds` histogram labelled
//!   with the *route pattern* (`/api/v1/leads/{id}`), never the raw path,
//!   so label cardinality stays bounded.
//! * Any error response that is not already JSON (framework errors such as
//!   405s or CORS rejections) is rewritten into the API.md error body, so clients
//!   parse exactly one error shape.
//! * `/api/*` responses get `Cache-Control: no-store`.

use crate::error::{ErrorBody, ErrorMessage, code_for_status};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse};
use frontdesk_runtime::metrics::{HTTP_REQUEST_DURATION, HTTP_REQUESTS_TOTAL};
use std::time::Instant;
use tracing::Instrument;

/// The request id, stored in request extensions for handlers and error logs.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

fn incoming_request_id(req: &ServiceRequest) -> Option<String> {
    let value = req.headers().get(REQUEST_ID)?.to_str().ok()?;
    let sane = !value.is_empty() && value.len() <= 128 && value.bytes().all(|b| b.is_ascii_graphic());
    sane.then(|| value.to_owned())
}

/// The middleware function (wrap with `actix_web::middleware::from_fn`).
///
/// # Errors
/// Never: errors from inner services are turned into responses here.
pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let started = Instant::now();
    let request_id = incoming_request_id(&req).unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    req.extensions_mut().insert(RequestId(request_id.clone()));
    let method = req.method().to_string();
    let route = req.match_pattern().unwrap_or_else(|| "unmatched".to_owned());
    let is_api = super::routed_path(&req).starts_with("/api/");
    let span = tracing::info_span!(
        "http_request",
        request_id = %request_id,
        method = %method,
        route = %route,
        tenant_id = tracing::field::Empty,
        user_id = tracing::field::Empty,
    );

    let outcome = next.call(req).instrument(span.clone()).await;
    let mut response = match outcome {
        Ok(response) => response.map_into_boxed_body(),
        Err(err) => {
            // Only middleware errors get here (handler errors are already responses);
            // actix renders them with `ResponseError`, which for ours is the JSON body.
            let status = err.as_response_error().status_code().as_u16();
            record(started, &span, method, route, status);
            return Err(err);
        }
    };
    if response.status().as_u16() >= 400 && !is_json(&response) {
        let status = response.status();
        let mut replacement = error_response_for(status);
        // Keep what inner middleware set (security headers, CORS, Retry-After…).
        for (name, value) in response.headers() {
            if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                replacement.headers_mut().insert(name.clone(), value.clone());
            }
        }
        response = response.into_response(replacement);
    }

    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert(REQUEST_ID, value);
    }
    if is_api {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }

    record(started, &span, method, route, response.status().as_u16());
    Ok(response)
}

/// Records the latency histogram, the counter and the access-log line.
fn record(started: Instant, span: &tracing::Span, method: String, route: String, status: u16) {
    let elapsed = started.elapsed();
    let labels = [("method", method), ("route", route), ("status", status.to_string())];
    metrics::histogram!(HTTP_REQUEST_DURATION, &labels).record(elapsed.as_secs_f64());
    metrics::counter!(HTTP_REQUESTS_TOTAL, &labels).increment(1);
    span.in_scope(|| {
        let duration_ms = elapsed.as_secs_f64() * 1000.0;
        if status >= 500 {
            tracing::error!(status, duration_ms, "request failed");
        } else {
            tracing::info!(status, duration_ms, "request served");
        }
    });
}

fn is_json<B>(response: &ServiceResponse<B>) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with("application/problem+json"))
}

fn error_response_for(status: actix_web::http::StatusCode) -> HttpResponse {
    let reason = status.canonical_reason().unwrap_or("Error");
    let message = match status.as_u16() {
        404 => "no such route; see /openapi.json for the routes this server offers".to_owned(),
        405 => "method not allowed on this route; see /openapi.json".to_owned(),
        413 => "request body too large".to_owned(),
        _ => reason.to_lowercase(),
    };
    HttpResponse::build(status).json(ErrorBody {
        status_code: status.as_u16(),
        error: reason.to_owned(),
        message: ErrorMessage::Text(message),
        code: code_for_status(status).as_str().to_owned(),
    })
}
