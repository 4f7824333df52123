//! Resources: list, create, read, change, delete.

use super::body::{CreateResourceBody, ResourceBody, UpdateResourceBody};
use super::id;
use crate::error::ApiError;
use crate::extract::tenant::{ManagerScope, TenantScope};
use crate::routes::subaccounts::PageQuery;
use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use frontdesk_bookings::service::Bookings;
use frontdesk_bookings::{ResourceId, ResourceInput};
use frontdesk_kernel::{PageRequest, UserId, ValidationErrors};

/// A member id as sent; anything else is reported under `userId`.
fn user(raw: &str) -> Result<UserId, ApiError> {
    raw.trim().parse().map_err(|_| ApiError::validation(&ValidationErrors::single("userId", "must be a user id")))
}

/// The sub-account's resources, by name (one default "Main calendar" until it has any).
#[utoipa::path(tag = "bookings", params(PageQuery), security(("bearer" = [])),
    responses((status = 200, description = "one page of resources", body = crate::routes::paged::Paged<ResourceBody>),
        (status = 400, body = crate::error::ErrorBody)))]
#[get("/api/v1/resources")]
pub(super) async fn list(
    service: web::Data<Bookings>,
    scope: TenantScope,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::new(query.page, query.limit)?;
    let resources = service.list_resources(scope.tenant, page).await?;
    Ok(HttpResponse::Ok().json(resources.map(|r| ResourceBody::from(&r))))
}

/// Creates a resource (owners and managers).
#[utoipa::path(tag = "bookings", request_body = CreateResourceBody, security(("bearer" = [])),
    responses((status = 201, body = ResourceBody), (status = 400, description = "every bad field", body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)))]
#[post("/api/v1/resources")]
pub(super) async fn create(
    service: web::Data<Bookings>,
    scope: ManagerScope,
    body: web::Json<CreateResourceBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let user_id = body.user_id.as_deref().map(user).transpose()?;
    let input = ResourceInput { name: body.name, kind: body.kind, user_id: user_id.map(Some), active: None };
    let resource = service.create_resource(scope.tenant, input).await?;
    tracing::info!(resource.id = %resource.id, "resource created");
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/resources/{}", resource.id)))
        .json(ResourceBody::from(&resource)))
}

/// One resource.
#[utoipa::path(tag = "bookings", security(("bearer" = [])),
    responses((status = 200, body = ResourceBody), (status = 404, body = crate::error::ErrorBody)))]
#[get("/api/v1/resources/{id}")]
pub(super) async fn get(
    service: web::Data<Bookings>,
    scope: TenantScope,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let resource = service.resource(scope.tenant, id::<ResourceId>(&path, "resource")?).await?;
    Ok(HttpResponse::Ok().json(ResourceBody::from(&resource)))
}

/// Changes a resource (owners and managers).
#[utoipa::path(tag = "bookings", request_body = UpdateResourceBody, security(("bearer" = [])),
    responses((status = 200, body = ResourceBody), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
#[patch("/api/v1/resources/{id}")]
pub(super) async fn update(
    service: web::Data<Bookings>,
    scope: ManagerScope,
    path: web::Path<String>,
    body: web::Json<UpdateResourceBody>,
) -> Result<HttpResponse, ApiError> {
    let resource_id = id::<ResourceId>(&path, "resource")?;
    let body = body.into_inner();
    let user_id = match body.user_id {
        None => None,
        Some(None) => Some(None),
        Some(Some(raw)) => Some(Some(user(&raw)?)),
    };
    let input = ResourceInput { name: body.name, kind: body.kind, user_id, active: body.active };
    let resource = service.update_resource(scope.tenant, resource_id, input).await?;
    Ok(HttpResponse::Ok().json(ResourceBody::from(&resource)))
}

/// Deletes a resource without upcoming bookings (owners and managers); past bookings keep it.
#[utoipa::path(tag = "bookings", security(("bearer" = [])),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, description = "it has upcoming confirmed bookings", body = crate::error::ErrorBody)))]
#[delete("/api/v1/resources/{id}")]
pub(super) async fn delete(
    service: web::Data<Bookings>,
    scope: ManagerScope,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let resource_id = id::<ResourceId>(&path, "resource")?;
    service.delete_resource(scope.tenant, resource_id).await?;
    tracing::info!(resource.id = %resource_id, "resource deleted");
    Ok(HttpResponse::NoContent().finish())
}
