//! A lead's timeline and notes.

use super::body::{NoteBody, TimelineEventBody};
use super::lead_id;
use crate::error::ApiError;
use crate::extract::tenant::TenantScope;
use crate::routes::subaccounts::PageQuery;
use actix_web::{HttpResponse, get, post, web};
use frontdesk_kernel::PageRequest;
use frontdesk_leads::LeadService;

/// The lead's events, newest first.
#[utoipa::path(tag = "leads", params(PageQuery), security(("bearer" = [])),
    responses((status = 200, description = "one page of events", body = crate::routes::paged::Paged<super::body::TimelineEventBody>),
        (status = 404, body = crate::error::ErrorBody)))]
#[get("/api/v1/leads/{id}/timeline")]
pub(super) async fn list(
    service: web::Data<LeadService>,
    scope: TenantScope,
    id: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::new(query.page, query.limit)?;
    let events = service.timeline(scope.tenant, lead_id(&id)?, page).await?;
    Ok(HttpResponse::Ok().json(events.map(|event| TimelineEventBody::from(&event))))
}

/// Adds a note (by the caller) to the lead's timeline.
#[utoipa::path(tag = "leads", request_body = NoteBody, security(("bearer" = [])),
    responses((status = 201, body = TimelineEventBody), (status = 400, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
#[post("/api/v1/leads/{id}/notes")]
pub(super) async fn add_note(
    service: web::Data<LeadService>,
    scope: TenantScope,
    id: web::Path<String>,
    body: web::Json<NoteBody>,
) -> Result<HttpResponse, ApiError> {
    let event = service.add_note(scope.tenant, lead_id(&id)?, scope.actor.user_id, &body.content).await?;
    Ok(HttpResponse::Created().json(TimelineEventBody::from(&event)))
}
