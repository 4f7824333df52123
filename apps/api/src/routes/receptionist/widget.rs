//! `GET|PUT /api/v1/chat-widget`: the sub-account's website chat widget —
//! its public key (made on the first PUT), the origins that may embed it,
//! greeting and colours. Every member reads it; owners and managers change it.

use crate::error::ApiError;
use crate::extract::tenant::{ManagerScope, TenantScope};
use actix_web::{HttpResponse, get, put, web};
use chrono::{DateTime, Utc};
use frontdesk_receptionist::channels::widget::{ChatWidget, WidgetChanges, Widgets};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The widget.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WidgetBody {
    /// The public key pages embed: `<script src="{PUBLIC_BASE_URL}/widget.js" data-key="…">`.
    key: String,
    allowed_origins: Vec<String>,
    greeting: String,
    primary_color: String,
    text_color: String,
    /// The page visitors chat on (also what `widget.js` opens).
    chat_url: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// Where the public pages are (`PUBLIC_BASE_URL`).
#[derive(Clone, Debug)]
pub struct PublicBase(pub String);

impl WidgetBody {
    fn of(w: &ChatWidget, base: &PublicBase) -> Self {
        Self {
            key: w.key.clone(),
            allowed_origins: w.allowed_origins.clone(),
            greeting: w.greeting.clone(),
            primary_color: w.primary_color.clone(),
            text_color: w.text_color.clone(),
            chat_url: format!("{}/chat/{}", base.0, w.key),
            created_at: w.created_at,
            updated_at: w.updated_at,
        }
    }
}

/// A change (absent fields stay; the first PUT creates the widget with defaults for the rest).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WidgetRequest {
    /// At most 20 origins such as `https://www.acme.example` (no path).
    allowed_origins: Option<Vec<String>>,
    /// 1–500 characters.
    greeting: Option<String>,
    /// `#rrggbb`.
    primary_color: Option<String>,
    /// `#rrggbb`.
    text_color: Option<String>,
}

/// The sub-account's chat widget.
#[utoipa::path(tag = "channels", security(("bearer" = [])),
    responses((status = 200, body = WidgetBody), (status = 404, description = "not configured yet: PUT it", body = crate::error::ErrorBody)))]
#[get("/api/v1/chat-widget")]
pub(super) async fn get_widget(
    widgets: web::Data<Widgets>,
    base: web::Data<PublicBase>,
    scope: TenantScope,
) -> Result<HttpResponse, ApiError> {
    let widget = widgets.get(scope.tenant).await?;
    Ok(HttpResponse::Ok().json(WidgetBody::of(&widget, &base)))
}

/// Creates or changes the sub-account's chat widget.
#[utoipa::path(tag = "channels", request_body = WidgetRequest, security(("bearer" = [])),
    responses((status = 200, body = WidgetBody), (status = 400, body = crate::error::ErrorBody)))]
#[put("/api/v1/chat-widget")]
pub(super) async fn put_widget(
    widgets: web::Data<Widgets>,
    base: web::Data<PublicBase>,
    scope: ManagerScope,
    body: web::Json<WidgetRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let changes = WidgetChanges {
        allowed_origins: body.allowed_origins,
        greeting: body.greeting,
        primary_color: body.primary_color,
        text_color: body.text_color,
    };
    let widget = widgets.put(scope.tenant, changes).await?;
    Ok(HttpResponse::Ok().json(WidgetBody::of(&widget, &base)))
}
