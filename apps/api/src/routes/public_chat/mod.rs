//! The website chat widget's public side: `/widget.js` (embedded by the
//! sub-account's site), `/chat/{key}` (the chat page, in the widget's
//! iframe or opened directly), `/chat.js` (its script) and the visitor's
//! API — `POST /public/chat/{key}/sessions` and
//! `POST /public/chat/{key}/sessions/{id}/messages`.
//!
//! No bearer token: the widget key names the sub-account, and a browser's
//! `Origin` must be one the widget allows (or this api's own page) — any
//! other is a 403. Every request counts against the client address's
//! limit and every message against its session's (429 with `Retry-After`).
//! The page may only be framed by the widget's allowed origins (CSP
//! `frame-ancestors`).

mod assets;

use crate::error::ApiError;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use frontdesk_kernel::Code;
use frontdesk_receptionist::channels::widget::{Refusal, Visitor, Widgets};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Registers the routes.
pub fn configure(cfg: &mut impl crate::routes::Routes) {
    cfg.service(script).service(page_script).service(page).service(open).service(message);
}

/// The page's `Origin` when it is another site's (a same-origin request —
/// this api's own `/chat/{key}` page — needs no permission).
fn origin(req: &HttpRequest) -> Option<&str> {
    let origin = req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok())?;
    let host = req.headers().get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let same = origin.split_once("://").is_some_and(|(_, rest)| !host.is_empty() && rest.eq_ignore_ascii_case(host));
    if same { None } else { Some(origin) }
}

fn client(req: &HttpRequest) -> String {
    crate::extract::client_ip::client_ip(req).map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
}

fn refused(refusal: Refusal, what: &str) -> ApiError {
    match refusal {
        Refusal::Unknown => ApiError::new(Code::NotFound, format!("{what} not found")),
        Refusal::Origin => {
            ApiError::new(Code::Forbidden, "this site may not use the widget (add its origin to allowedOrigins)")
        }
        Refusal::Limited => ApiError::new(Code::RateLimited, "too many messages; try again in a minute"),
    }
}

/// `/widget.js`: the script a site embeds (`<script src=".../widget.js" data-key="wk_…" defer>`).
#[utoipa::path(tag = "widget", responses((status = 200, description = "the embeddable script", content_type = "text/javascript", body = String)))]
#[get("/widget.js")]
pub(super) async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cross-Origin-Resource-Policy", "cross-origin"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(assets::WIDGET_JS)
}

/// `/chat.js`: the chat page's script.
#[utoipa::path(tag = "widget", responses((status = 200, description = "the chat page's script", content_type = "text/javascript", body = String)))]
#[get("/chat.js")]
pub(super) async fn page_script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(assets::CHAT_JS)
}

/// `/chat/{key}`: the chat page (framed by the widget's allowed origins only).
#[utoipa::path(tag = "widget", params(("key" = String, Path, description = "the widget's public key")),
    responses((status = 200, description = "the chat page", content_type = "text/html", body = String),
        (status = 404, description = "no widget has this key", body = crate::error::ErrorBody)))]
#[get("/chat/{key}")]
pub(super) async fn page(widgets: web::Data<Widgets>, key: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let widget = widgets.by_key(&key).await?.ok_or_else(|| refused(Refusal::Unknown, "chat widget"))?;
    let mut ancestors = vec!["'self'".to_owned()];
    ancestors.extend(widget.allowed_origins.iter().cloned());
    let csp = format!(
        "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; \
         frame-ancestors {}; base-uri 'none'; form-action 'none'",
        ancestors.join(" ")
    );
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", csp))
        .insert_header(("X-Frame-Options", "SAMEORIGIN"))
        .insert_header(("Cross-Origin-Resource-Policy", "cross-origin"))
        .body(assets::page(&widget)))
}

/// A new visitor session.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WidgetSessionBody {
    /// The session's id (keep it secret: it is the visitor's conversation).
    session_id: String,
    /// What the widget greets with.
    greeting: String,
}

/// Opens a visitor session.
#[utoipa::path(tag = "widget", params(("key" = String, Path, description = "the widget's public key")),
    responses((status = 201, body = WidgetSessionBody),
        (status = 403, description = "this site's origin may not use the widget", body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
#[post("/public/chat/{key}/sessions")]
pub(super) async fn open(
    widgets: web::Data<Widgets>,
    req: HttpRequest,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    match widgets.open(&key, origin(&req), &client(&req)).await? {
        Ok((session_id, greeting)) => Ok(HttpResponse::Created().json(WidgetSessionBody { session_id, greeting })),
        Err(refusal) => Err(refused(refusal, "chat widget")),
    }
}

/// A visitor's message (and, when they give them, their contact details).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VisitorMessage {
    /// What the visitor wrote, 1–2000 characters.
    content: String,
    /// Their name.
    name: Option<String>,
    /// Their phone number, international form.
    phone: Option<String>,
    /// Their email.
    email: Option<String>,
}

/// The receptionist's answer.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VisitorReply {
    reply: String,
    /// True until the visitor gave a phone number or an email.
    needs_contact: bool,
}

/// Sends a visitor's message to the receptionist.
#[utoipa::path(tag = "widget", request_body = VisitorMessage,
    params(("key" = String, Path, description = "the widget's public key"), ("id" = String, Path, description = "the session")),
    responses((status = 200, body = VisitorReply), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 429, body = crate::error::ErrorBody)))]
#[post("/public/chat/{key}/sessions/{id}/messages")]
pub(super) async fn message(
    widgets: web::Data<Widgets>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Json<VisitorMessage>,
) -> Result<HttpResponse, ApiError> {
    let (key, id) = path.into_inner();
    let body = body.into_inner();
    let visitor = Visitor { name: body.name, phone: body.phone, email: body.email };
    match widgets.message(&key, &id, origin(&req), &client(&req), &body.content, &visitor).await? {
        Ok(reply) => {
            Ok(HttpResponse::Ok().json(VisitorReply { reply: reply.reply, needs_contact: reply.needs_contact }))
        }
        Err(refusal) => Err(refused(refusal, "chat session")),
    }
}
